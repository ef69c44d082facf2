// The REST surface's shared shapes: a request as the handlers see it (top-level or a composite subrequest), the
// answer they give, the API versions served, and what the handlers outside server.ts use of the server.

import type { DmlContext } from '../data/dml.js';
import type { OrgState, Session } from '../data/state.js';
import { ApiError, badRequest } from './errors.js';
import type { FaultInjector } from './faults.js';
import type { SubrequestLogEntry } from './log.js';

export const LATEST_API_VERSION = 66;
export const OLDEST_API_VERSION = 20;
/** Records in one sObject Collections call (and describeGlobal's maxBatchSize). */
export const COLLECTION_LIMIT = 200;

function releaseLabel(v: number): string {
  const i = v - 51; // v51.0 = Spring '21
  const season = ['Spring', 'Summer', 'Winter'][((i % 3) + 3) % 3];
  const year = 21 + Math.floor(i / 3) + (season === 'Winter' ? 1 : 0);
  return `${season} '${String(year).padStart(2, '0')}`;
}

export function apiVersions(): Array<{ label: string; url: string; version: string }> {
  const out = [];
  for (let v = OLDEST_API_VERSION; v <= LATEST_API_VERSION; v++)
    out.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  return out;
}

export interface ApiRequest {
  method: string;
  /** path segments after /services/data/vNN.N */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  version: number;
  session: Session;
  /** filled by handlers so the log has it even when the request fails */
  trace: { soql?: string | string[]; subrequests?: SubrequestLogEntry[]; writes?: number; user?: string };
  /** inside an allOrNone composite, collections are all-or-none too */
  forceAllOrNone?: boolean;
  /** for recordError faults: the HTTP request's number, and this (sub)request's normalized path and raw query */
  seq: number;
  path: string;
  rawQuery?: string;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  errorCode?: string;
  /** a 200 answer that still failed (a collection with failed records) */
  partialFailure?: boolean;
  /** a recordError fault failed one of its records */
  fault?: boolean;
}

/** What the handlers outside server.ts (collections, composite, batch) use of the server. */
export interface Api {
  readonly state: OrgState;
  readonly faults: FaultInjector;
  /** Everything under /services/data/vNN.N; composite and batch subrequests come here too. */
  dispatch(req: ApiRequest): ApiResponse;
}

export function errorResponse(e: ApiError): ApiResponse {
  return { status: e.status, body: e.toBody(), errorCode: e.errorCode };
}

/** The session user's context for DML (writes are attributed to them). */
export function dmlContext(api: Api, req: ApiRequest): DmlContext {
  return { state: api.state, userId: req.session.userId };
}

export function versionString(req: ApiRequest): string {
  return `v${req.version.toFixed(1)}`;
}

export function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('JSON_PARSER_ERROR', 'The request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** The path of a subrequest url ("/services/data/v66.0/..."), repeated and trailing slashes folded as the server does. */
export function normalizedPath(pathname: string): string {
  return pathname.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
}

/** The path segments after /services/data/vNN.N, decoded. */
export function segmentsOf(rest: string | undefined): string[] {
  return (rest ?? '')
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
}
