// The sObject resources: describeGlobal (/sobjects), one type (/sobjects/<Type>: describe, create) and one
// record (/sobjects/<Type>/<id>: read, update, delete). The checks and rules live in data/dml.ts.

import { deleteRecord, findRecord, insertRecord, refuseMethod, resolveType, updateRecord } from '../data/dml.js';
import { describeGlobalEntry, describeObject } from '../data/describe.js';
import { FieldDef, ObjectDef, isHidden } from '../data/schema.js';
import type { OrgState, Rec } from '../data/state.js';
import { mayAccess } from '../rules/access.js';
import { Api, ApiRequest, ApiResponse, COLLECTION_LIMIT, dmlContext, objectBody, versionString } from './api.js';
import { badRequest, methodNotAllowed, noSuchColumnMessage, notFound } from './errors.js';

/** A record as REST answers it: attributes, then every visible field (or the ones asked for) in schema order. */
export function recordOut(
  state: OrgState,
  def: ObjectDef,
  rec: Rec,
  version: string,
  fields?: FieldDef[]
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: def.name, url: `/services/data/${version}/sobjects/${def.name}/${rec.Id}` },
  };
  const list =
    fields ?? def.fieldOrder.map((n) => def.fields.get(n.toLowerCase()) as FieldDef).filter((f) => !isHidden(f));
  for (const f of list) out[f.name] = state.value(def, rec, f);
  return out;
}

/** `?fields=A,B` as field definitions; an unknown or hidden one is INVALID_FIELD. */
export function fieldList(def: ObjectDef, raw: string | null): FieldDef[] | undefined {
  if (!raw) return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((name) => {
      const f = def.fields.get(name.toLowerCase());
      if (!f || isHidden(f)) throw badRequest('INVALID_FIELD', noSuchColumnMessage(name, def.name));
      return f;
    });
}

export function sobjects(api: Api, req: ApiRequest, rest: string[]): ApiResponse {
  const version = versionString(req);
  if (rest.length === 0) {
    if (req.method !== 'GET') throw methodNotAllowed(req.method, ['HEAD', 'GET']);
    const sobjects = api.state.schema
      .all()
      .filter((d) => d.endpoints.data && mayAccess(api.state, req.session.userId, d, 'read'))
      .map((d) => describeGlobalEntry(d, version));
    return { status: 200, body: { encoding: 'UTF-8', maxBatchSize: COLLECTION_LIMIT, sobjects } };
  }
  const ctx = dmlContext(api, req);
  const def = resolveType(ctx, rest[0]);
  if (rest.length === 1) {
    if (req.method === 'GET' || req.method === 'HEAD')
      return { status: 200, body: { objectDescribe: describeGlobalEntry(def, version), recentItems: [] } };
    if (req.method !== 'POST' || !def.createable)
      throw methodNotAllowed(req.method, ['HEAD', 'GET', ...(def.createable ? ['POST'] : [])]);
    const rec = insertRecord(ctx, def, objectBody(req.body));
    return {
      status: 201,
      body: { id: rec.Id, success: true, errors: [] },
      headers: { Location: `/services/data/${version}/sobjects/${def.name}/${rec.Id}` },
    };
  }
  if (rest.length === 2 && rest[1] === 'describe') {
    if (req.method !== 'GET') throw methodNotAllowed(req.method, ['HEAD', 'GET']);
    return { status: 200, body: describeObject(def, version) };
  }
  if (rest.length !== 2) throw notFound();
  const id = rest[1];
  switch (req.method) {
    case 'GET':
    case 'HEAD': {
      const rec = findRecord(ctx, def, id);
      return { status: 200, body: recordOut(api.state, def, rec, version, fieldList(def, req.query.get('fields'))) };
    }
    case 'PATCH':
      if (!def.updateable) throw refuseMethod(ctx, def, 'PATCH');
      updateRecord(ctx, def, id, objectBody(req.body));
      return { status: 204 };
    case 'DELETE':
      if (!def.deletable) throw refuseMethod(ctx, def, 'DELETE');
      deleteRecord(ctx, def, id);
      return { status: 204 };
    default:
      throw refuseMethod(ctx, def, req.method);
  }
}
