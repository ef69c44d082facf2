// /composite/batch: up to 25 independent subrequests (urls like v66.0/query?q=...), each its own transaction.
// One request-log entry with its subrequests.

import { Api, ApiRequest, ApiResponse, errorResponse, normalizedPath, objectBody, segmentsOf } from './api.js';
import { ApiError, badRequest, methodNotAllowed, notFound, text } from './errors.js';
import type { SubrequestLogEntry } from './log.js';

/** Composite batch: the code is documented, the text is not (assumed). */
const BATCH_HALTED = {
  errorCode: 'BATCH_PROCESSING_HALTED',
  message: 'Batch processing halted: a previous subrequest failed and haltOnError is true.',
};
const BATCH_LIMIT = 25;
/** Resources a composite batch may call (REST API guide, Composite Batch); sObject Collections, composite and Tooling aren't among them. */
const BATCHABLE = new Set(['limits', 'sobjects', 'query', 'queryAll', 'search', 'connect', 'chatter', 'actions']);
const OLDEST_BATCH_VERSION = 34;

interface BatchSubrequest {
  method: string;
  url: string;
  /** /services/data/vNN.N/... */
  path: string;
  body: unknown;
}

/**
 * Up to 25 independent subrequests, run in order; each commits on its own, a failed one rolls back only
 * itself. haltOnError answers 412 BATCH_PROCESSING_HALTED for the rest. The whole request is refused
 * (400, nothing run) when a subrequest's method or url is malformed. No 5-query limit (that is composite's).
 */
export function compositeBatch(api: Api, req: ApiRequest): ApiResponse {
  if (req.method !== 'POST') throw methodNotAllowed(req.method, ['POST']);
  const body = objectBody(req.body) as { batchRequests?: unknown; haltOnError?: unknown };
  const subs = checkedBatchRequests(req, body.batchRequests);
  const haltOnError = body.haltOnError === true;
  const results: Array<{ statusCode: number; result: unknown }> = [];
  const logged: SubrequestLogEntry[] = [];
  const soqls: string[] = [];
  let halted = false;
  for (const sub of subs) {
    if (halted) {
      results.push({ statusCode: 412, result: [BATCH_HALTED] });
      logged.push({ method: sub.method, url: sub.url, status: 412, errorCode: BATCH_HALTED.errorCode });
      continue;
    }
    const savepoint = api.state.savepoint();
    let r: ApiResponse;
    try {
      r = batchSubrequest(api, req, sub.method, sub.path, sub.body, soqls);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      r = errorResponse(e);
    }
    // Each subrequest is its own transaction.
    if (r.status >= 400) api.state.rollback(savepoint);
    results.push({ statusCode: r.status, result: r.body ?? null });
    logged.push({
      method: sub.method,
      url: sub.url,
      status: r.status,
      ...(r.status >= 400 ? { errorCode: r.errorCode } : {}),
    });
    if (r.status >= 400 && haltOnError) halted = true;
  }
  req.trace.subrequests = logged;
  req.trace.soql = soqls;
  return { status: 200, body: { hasErrors: results.some((r) => r.statusCode >= 400), results } };
}

/** The batch's subrequests with their method and url checked; a bad one refuses the whole batch. */
function checkedBatchRequests(req: ApiRequest, batchRequests: unknown): BatchSubrequest[] {
  if (!Array.isArray(batchRequests))
    throw badRequest('JSON_PARSER_ERROR', 'batchRequests is required and must be a list');
  // Code and text assumed; Salesforce documents the limit, not the error.
  if (batchRequests.length > BATCH_LIMIT)
    throw badRequest('LIMIT_EXCEEDED', `A batch request can have at most ${BATCH_LIMIT} subrequests.`);
  return batchRequests.map((raw, i) => {
    const sub = (typeof raw === 'object' && raw !== null ? raw : {}) as {
      method?: unknown;
      url?: unknown;
      richInput?: unknown;
    };
    const method = typeof sub.method === 'string' ? sub.method.toUpperCase() : '';
    if (!['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(method))
      throw badRequest('INVALID_INPUT', `batchRequests[${i}]: invalid method: ${text(sub.method)}`);
    // "v66.0/query?q=...", "/v66.0/..." or "/services/data/v66.0/...".
    const m = typeof sub.url === 'string' ? /^(?:\/services\/data)?\/?v(\d+)\.(\d)(\/.*)?$/.exec(sub.url) : null;
    const version = m ? Number(`${m[1]}.${m[2]}`) : NaN;
    if (!m || version < OLDEST_BATCH_VERSION || version > req.version) {
      throw badRequest(
        'INVALID_INPUT',
        `batchRequests[${i}]: invalid url: ${text(sub.url)}. It must start with a version from v${OLDEST_BATCH_VERSION}.0 to v${req.version.toFixed(1)}.`
      );
    }
    return {
      method,
      url: sub.url as string,
      path: `/services/data/v${m[1]}.${m[2]}${m[3] ?? ''}`,
      body: sub.richInput,
    };
  });
}

function batchSubrequest(
  api: Api,
  parent: ApiRequest,
  method: string,
  path: string,
  body: unknown,
  soqls: string[]
): ApiResponse {
  const target = new URL(`http://x${path}`);
  const subPath = normalizedPath(target.pathname);
  const m = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/.exec(subPath) as RegExpExecArray;
  const segments = segmentsOf(m[3]);
  if (!BATCHABLE.has(segments[0] ?? '')) throw notFound();
  const trace: ApiRequest['trace'] = {};
  const rawQuery = target.search ? target.search.slice(1) : undefined;
  const r = api.dispatch({
    method,
    segments,
    query: target.searchParams,
    body,
    version: Number(`${m[1]}.${m[2]}`),
    session: parent.session,
    trace,
    seq: parent.seq,
    path: subPath,
    rawQuery,
  });
  if (typeof trace.soql === 'string') soqls.push(trace.soql);
  return r;
}
