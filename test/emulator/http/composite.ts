// /composite: up to 25 subrequests (at most 5 of them queries or sObject Collections) with @{ref...} references
// to earlier answers, allOrNone, and collated subrequests running in no guaranteed order (behaviour
// collateSubrequests). One request-log entry with its subrequests. Composite batch: batch.ts.

import {
  Api,
  ApiRequest,
  ApiResponse,
  LATEST_API_VERSION,
  OLDEST_API_VERSION,
  errorResponse,
  normalizedPath,
  objectBody,
  segmentsOf,
} from './api.js';
import { ApiError, badRequest, methodNotAllowed, notFound, text } from './errors.js';
import type { SubrequestLogEntry } from './log.js';

const HALTED_MESSAGE = 'The transaction was rolled back since another operation in the same transaction failed.';

interface CompositeBody {
  allOrNone?: boolean;
  collateSubrequests?: unknown;
  compositeRequest?: unknown;
}

interface Subrequest {
  method?: string;
  url?: string;
  referenceId?: string;
  body?: unknown;
}

interface SubAnswer {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

/** A composite as it runs: the answers and log entries by request index, and what later subrequests need. */
interface Progress {
  allOrNone: boolean;
  savepoint: number;
  /** answers of the subrequests that succeeded, by referenceId, for @{ref...} */
  bodies: Map<string, unknown>;
  responses: SubAnswer[];
  logged: SubrequestLogEntry[];
  soqls: string[];
  /** indexes run so far, in the order they ran */
  ran: number[];
  stop: boolean;
  faulted: boolean;
}

export function composite(api: Api, req: ApiRequest): ApiResponse {
  if (req.method !== 'POST') throw methodNotAllowed(req.method, ['POST']);
  const body = objectBody(req.body) as CompositeBody;
  const subs = checkedSubrequests(body);
  const p: Progress = {
    allOrNone: body.allOrNone === true,
    savepoint: api.state.savepoint(),
    bodies: new Map(),
    responses: [],
    logged: [],
    soqls: [],
    ran: [],
    stop: false,
    faulted: false,
  };
  // Answers stay in request order whatever order the subrequests ran in.
  for (const index of executionOrder(subs, collates(body, req.version, api.state.behaviour.collateSubrequests))) {
    if (p.stop) skip(p, subs[index], index);
    else runOne(api, req, p, subs[index], index);
  }
  req.trace.subrequests = p.logged.map(
    (l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) as unknown as SubrequestLogEntry
  );
  req.trace.soql = p.soqls;
  return { status: 200, body: { compositeResponse: p.responses }, ...(p.faulted ? { fault: true } : {}) };
}

/** The body's subrequests, refused whole (nothing run) when there are too many or one is malformed. */
function checkedSubrequests(body: CompositeBody): Subrequest[] {
  if (!Array.isArray(body.compositeRequest))
    throw badRequest('JSON_PARSER_ERROR', 'compositeRequest is required and must be a list');
  const subs = body.compositeRequest as Subrequest[];
  if (subs.length > 25) throw badRequest('LIMIT_EXCEEDED', 'A composite request can have at most 25 subrequests.');
  const heavy = subs.filter((s) =>
    /\/(query|queryAll)(\/|\?|$)|\/composite\/sobjects/.test(String(s.url ?? ''))
  ).length;
  if (heavy > 5)
    throw badRequest(
      'LIMIT_EXCEEDED',
      'A composite request can have at most 5 query or sObject Collections subrequests.'
    );
  subs.forEach((s, i) => {
    if (typeof s !== 'object' || s === null || !s.method || !s.url || !s.referenceId) {
      throw badRequest('JSON_PARSER_ERROR', `compositeRequest[${i}] needs method, url and referenceId`);
    }
    if (!/^[A-Za-z0-9_]+$/.test(s.referenceId))
      throw badRequest(
        'INVALID_INPUT',
        `Invalid referenceId: ${s.referenceId}. Reference IDs can contain only letters, numbers and underscores.`
      );
  });
  return subs;
}

function halted(ref: string): SubAnswer {
  return {
    body: [{ errorCode: 'PROCESSING_HALTED', message: HALTED_MESSAGE }],
    httpHeaders: {},
    httpStatusCode: 400,
    referenceId: ref,
  };
}

/** After an allOrNone failure: the rest answer PROCESSING_HALTED without running. */
function skip(p: Progress, sub: Subrequest, index: number): void {
  p.responses[index] = halted(sub.referenceId as string);
  p.logged[index] = {
    method: String(sub.method).toUpperCase(),
    url: String(sub.url),
    status: 400,
    errorCode: 'PROCESSING_HALTED',
  };
}

function runOne(api: Api, req: ApiRequest, p: Progress, sub: Subrequest, index: number): void {
  const ref = sub.referenceId as string;
  let r: ApiResponse;
  let url = String(sub.url);
  try {
    url = resolveReferences(url, p.bodies, true) as string;
    const subBody = resolveReferences(sub.body, p.bodies, false);
    r = subrequest(api, req, String(sub.method).toUpperCase(), url, subBody, p.allOrNone, p.soqls);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    r = errorResponse(e);
  }
  const failed = r.status >= 400 || (p.allOrNone && r.partialFailure === true);
  if (r.fault) p.faulted = true;
  p.responses[index] = {
    body: r.body ?? null,
    httpHeaders: r.headers ?? {},
    httpStatusCode: r.status,
    referenceId: ref,
  };
  p.logged[index] = {
    method: String(sub.method).toUpperCase(),
    url,
    status: r.status,
    errorCode: r.status >= 400 ? r.errorCode : undefined,
    fault: r.fault,
  };
  if (!failed) p.bodies.set(ref, r.body);
  else if (p.allOrNone) {
    // Everything so far rolls back; what ran answers PROCESSING_HALTED, and so does the rest.
    api.state.rollback(p.savepoint);
    for (const before of p.ran) {
      p.responses[before] = halted(p.responses[before].referenceId);
      p.logged[before] = { ...p.logged[before], status: 400, errorCode: 'PROCESSING_HALTED' };
    }
    p.stop = true;
  }
  p.ran.push(index);
}

function subrequest(
  api: Api,
  parent: ApiRequest,
  method: string,
  url: string,
  body: unknown,
  allOrNone: boolean,
  soqls: string[]
): ApiResponse {
  const target = new URL(`http://x${url.startsWith('/') ? url : `/${url}`}`);
  const path = normalizedPath(target.pathname);
  const m = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/.exec(path);
  if (!m) throw notFound();
  const version = Number(`${m[1]}.${m[2]}`);
  if (version > LATEST_API_VERSION || version < OLDEST_API_VERSION) throw notFound();
  const segments = segmentsOf(m[3]);
  if (segments[0] === 'composite' && (segments.length === 1 || segments[1] === 'batch'))
    throw badRequest('INVALID_INPUT', 'Composite requests cannot be nested.');
  const trace: ApiRequest['trace'] = {};
  const rawQuery = target.search ? target.search.slice(1) : undefined;
  const r = api.dispatch({
    method,
    segments,
    query: target.searchParams,
    body,
    version,
    session: parent.session,
    trace,
    forceAllOrNone: allOrNone,
    seq: parent.seq,
    path,
    rawQuery,
  });
  if (typeof trace.soql === 'string') soqls.push(trace.soql);
  return r;
}

/**
 * Whether Salesforce may collate (and so reorder) a composite's unrelated subrequests: collateSubrequests
 * defaults to true from API 49.0 (false in 48.0), and "the order of execution is not guaranteed (unless there
 * is an explicit dependency between the subrequests)" (REST API Developer Guide, Composite Request Body).
 * behaviour.collateSubrequests 'reorder' makes that visible; 'in-order' runs every composite as sent.
 */
function collates(body: { collateSubrequests?: unknown }, version: number, behaviour: 'in-order' | 'reorder'): boolean {
  if (behaviour !== 'reorder') return false;
  return body.collateSubrequests === undefined ? version >= 49 : body.collateSubrequests === true;
}

/**
 * The order subrequests run in: as sent, or (collated) in reverse except that a subrequest referring to
 * another (`@{ref...}` in its url or body) runs after it.
 */
function executionOrder(
  subs: Array<{ url?: string; referenceId?: string; body?: unknown }>,
  collate: boolean
): number[] {
  const all = subs.map((_s, i) => i);
  if (!collate) return all;
  const deps = subs.map((sub, i) => {
    const textOf = `${String(sub.url)} ${JSON.stringify(sub.body ?? null)}`;
    return all.filter((j) => j < i && textOf.includes(`@{${String(subs[j].referenceId)}`));
  });
  const order: number[] = [];
  while (order.length < subs.length) {
    const next = all.filter((i) => !order.includes(i) && deps[i].every((d) => order.includes(d))).pop() as number;
    order.push(next);
  }
  return order;
}

/** @{ref.id}, @{ref.records[0].Id} ... against earlier subrequest bodies. */
function resolveReferences(value: unknown, bodies: Map<string, unknown>, inUrl: boolean): unknown {
  if (typeof value === 'string') {
    return value.replace(/@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g, (_m, ref: string, path: string) => {
      const expr = `${ref}${path}`;
      if (!bodies.has(ref))
        throw new ApiError(
          400,
          'PROCESSING_HALTED',
          `Invalid reference specified. No value for ${expr} found in ${ref}.`
        );
      let cur: unknown = bodies.get(ref);
      for (const part of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
        const key = part.startsWith('.') ? part.slice(1) : Number(part.slice(1, -1));
        cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[key] : undefined;
      }
      if (cur === undefined || cur === null || typeof cur === 'object')
        throw new ApiError(
          400,
          'PROCESSING_HALTED',
          `Invalid reference specified. No value for ${expr} found in ${ref}.`
        );
      return inUrl ? encodeURIComponent(text(cur)) : text(cur);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, bodies, inUrl));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, bodies, inUrl)]));
  }
  return value;
}
