// sObject Collections (/composite/sobjects): read records of one type by id (GET, or POST with a body), and create,
// update (POST / PATCH, records of any type) or delete (DELETE ?ids=) up to 200 records, each on its own or all
// or none. A recordError fault fails one record, which then isn't run at all.

import { deleteRecord, insertRecord, resolveType, updateRecord } from '../data/dml.js';
import { isIdShaped, to18 } from '../data/ids.js';
import { Api, ApiRequest, ApiResponse, COLLECTION_LIMIT, dmlContext, objectBody, versionString } from './api.js';
import { ApiError, badRequest, methodNotAllowed, notFound, text, unsupportedTypeMessage } from './errors.js';
import type { RecordError } from './faults.js';
import { fieldList, recordOut } from './sobjects.js';

const ROLLED_BACK = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};
const TOO_MANY = 'record limit reached. cannot submit more than 200 records in a single call';

type Result = {
  id?: string | null;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
};

/** The records of one call, as run: each one's result, and the recordError fault that failed one of them. */
interface Run {
  allOrNone: boolean;
  results: Result[];
  recordFault?: RecordError;
}

export function collections(api: Api, req: ApiRequest, rest: string[]): ApiResponse {
  if (rest.length === 1) return retrieve(api, req, rest[0]);
  if (rest.length > 1) throw notFound();
  const savepoint = api.state.savepoint();
  let run: Run;
  if (req.method === 'DELETE') run = deleteAll(api, req);
  else if (req.method === 'POST' || req.method === 'PATCH') run = writeAll(api, req);
  else throw methodNotAllowed(req.method, ['POST', 'PATCH', 'DELETE']);
  let { results } = run;
  const anyFailed = results.some((r) => !r.success);
  if (run.allOrNone && anyFailed) {
    api.state.rollback(savepoint);
    results = results.map((r) => (r.success ? { id: null, success: false, errors: [ROLLED_BACK] } : r));
  }
  return { status: 200, body: results, partialFailure: anyFailed, ...(run.recordFault ? { fault: true } : {}) };
}

/** GET ?ids=&fields= or POST {ids, fields}: the records in the order asked, null for an id that isn't one. */
function retrieve(api: Api, req: ApiRequest, typeName: string): ApiResponse {
  if (req.method !== 'GET' && req.method !== 'POST') throw methodNotAllowed(req.method, ['HEAD', 'GET', 'POST']);
  const def = resolveType(dmlContext(api, req), typeName);
  const source =
    req.method === 'GET'
      ? { ids: req.query.get('ids')?.split(','), fields: req.query.get('fields') }
      : (objectBody(req.body) as { ids?: string[]; fields?: string[] | string });
  const ids = (source.ids ?? []).map((s) => String(s).trim()).filter(Boolean);
  if (ids.length === 0) throw badRequest('MISSING_ARGUMENT', 'ids parameter is required');
  if (ids.length > 2000) throw badRequest('EXCEEDED_ID_LIMIT', 'Maximum number of ids is 2000');
  const fieldsRaw = Array.isArray(source.fields) ? source.fields.join(',') : (source.fields ?? null);
  const fields = fieldList(def, fieldsRaw);
  const version = versionString(req);
  const records = ids.map((id) => {
    const rec = isIdShaped(id) ? api.state.get(def.name, to18(id)) : undefined;
    return rec ? recordOut(api.state, def, rec, version, fields) : null;
  });
  return { status: 200, body: records };
}

/** DELETE ?ids=: each record deleted on its own (any type). */
function deleteAll(api: Api, req: ApiRequest): Run {
  const ctx = dmlContext(api, req);
  const ids = (req.query.get('ids') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw badRequest('MISSING_ARGUMENT', 'ids parameter is required');
  if (ids.length > COLLECTION_LIMIT) throw badRequest('EXCEEDED_ID_LIMIT', TOO_MANY);
  const allOrNone = req.query.get('allOrNone') === 'true' || req.forceAllOrNone === true;
  const recordFault = api.faults.matchRecordError(req.seq, req.method, req.path, req.rawQuery, ids.length);
  const results = ids.map((id, i): Result => {
    try {
      injected(recordFault, i);
      const found = api.state.find(id);
      const malformed = `malformed id ${id}`;
      if (!found) {
        if (!isIdShaped(id)) throw badRequest('MALFORMED_ID', malformed);
        if (api.state.wasDeleted(id)) throw badRequest('ENTITY_IS_DELETED', 'entity is deleted');
        throw badRequest('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
      }
      deleteRecord(ctx, found.def, found.rec.Id);
      return { id: found.rec.Id, success: true, errors: [] };
    } catch (e) {
      return failure(e, id);
    }
  });
  return { allOrNone, results, recordFault };
}

/** POST (create) or PATCH (update) {allOrNone, records}: each record carries its type in attributes. */
function writeAll(api: Api, req: ApiRequest): Run {
  const body = objectBody(req.body) as { allOrNone?: boolean; records?: unknown[] };
  if (!Array.isArray(body.records)) throw badRequest('JSON_PARSER_ERROR', 'records is required and must be a list');
  if (body.records.length > COLLECTION_LIMIT) throw badRequest('EXCEEDED_ID_LIMIT', TOO_MANY);
  const allOrNone = body.allOrNone === true || req.forceAllOrNone === true;
  const recordFault = api.faults.matchRecordError(req.seq, req.method, req.path, req.rawQuery, body.records.length);
  const results = body.records.map((raw, i): Result => {
    const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const { attributes: _attributes, id: lowerId, ...fields } = record;
    void _attributes;
    try {
      injected(recordFault, i);
      return writeOne(api, req, record, fields, lowerId);
    } catch (e) {
      return failure(e, req.method === 'PATCH' ? text(lowerId ?? fields.Id) : undefined);
    }
  });
  return { allOrNone, results, recordFault };
}

function writeOne(
  api: Api,
  req: ApiRequest,
  record: Record<string, unknown>,
  fields: Record<string, unknown>,
  lowerId: unknown
): Result {
  const ctx = dmlContext(api, req);
  const type = (record.attributes as { type?: string } | undefined)?.type;
  if (!type) throw badRequest('INVALID_TYPE', 'Must send a concrete entity type.');
  const def = api.state.schema.get(type);
  if (!def || !def.endpoints.data) throw badRequest('INVALID_TYPE', unsupportedTypeMessage(type));
  if (req.method === 'POST') {
    const rec = insertRecord(ctx, def, fields);
    return { id: rec.Id, success: true, errors: [] };
  }
  const id = text(lowerId ?? fields.Id);
  delete fields.Id;
  if (!id) throw badRequest('MISSING_ARGUMENT', 'Id not specified in an update call');
  try {
    const rec = updateRecord(ctx, def, id, fields);
    return { id: rec.Id, success: true, errors: [] };
  } catch (e) {
    if (e instanceof ApiError && e.errorCode === 'NOT_FOUND')
      throw badRequest('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
    throw e;
  }
}

/** A recordError fault fails one record, which then isn't run at all (nothing of it is written). */
function injected(recordFault: RecordError | undefined, i: number): void {
  if (recordFault?.index === i) throw new ApiError(400, recordFault.statusCode, recordFault.message, []);
}

function failure(e: unknown, id?: string): Result {
  if (!(e instanceof ApiError)) throw e;
  return {
    ...(id !== undefined ? { id } : {}),
    success: false,
    errors: [{ statusCode: e.errorCode, message: e.message, fields: e.fields ?? [] }],
  };
}
