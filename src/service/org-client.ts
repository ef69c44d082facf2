import type { Connection } from '@salesforce/core';
import { expiredSession, requestFailed, SalesforceApiError } from './errors.js';

/** A record as the REST API returns it; relationship fields are nested records or null. */
export type SObjectRecord = { Id: string; attributes?: { type: string; url: string } } & Record<string, unknown>;

type RestError = { errorCode?: string; statusCode?: string; message?: string; fields?: string[] };
type CompositeResponse = {
  compositeResponse: Array<{ referenceId: string; httpStatusCode: number; body: unknown }>;
};
type BatchResponse = { hasErrors: boolean; results: Array<{ statusCode: number; result: unknown }> };
type QueryResult = { totalSize: number; done: boolean; records: SObjectRecord[] };

/** One record's outcome in an sObject collection call. */
export type SaveResult = { id?: string; success: boolean; errors: Array<{ statusCode: string; message: string; fields?: string[] }> };

/** A composite subrequest; `url` is relative to /services/data/vXX.X. */
export type Subrequest = { referenceId: string; method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; body?: unknown };

/** What `queries` gives for an optional query on an object or column the org doesn't have. */
export const UNSUPPORTED: SObjectRecord[] = Object.freeze([]) as unknown as SObjectRecord[];
/** An object the org doesn't serve, a column it doesn't have ("No such column"): an optional query's "not here". */
const NOT_IN_THIS_ORG = new Set(['INVALID_TYPE', 'INVALID_FIELD']);

/** Salesforce runs at most 5 query or collection subrequests in one composite call. */
export const QUERIES_PER_COMPOSITE = 5;
/** A composite batch runs up to 25 independent subrequests, queries included. */
const SUBREQUESTS_PER_BATCH = 25;
/** sObject collections take up to 200 records per call. */
export const RECORDS_PER_COLLECTION = 200;
/** Faults after which the org is unchanged, so sending the same request again is safe. */
const TRANSIENT_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'REQUEST_LIMIT_EXCEEDED']);
const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);
const BACKOFF_MS = [250, 750, 2000];
/** About two minutes of polling for an asynchronous Metadata API call. */
const POLL_LIMIT = 30;

type DeployProblem = { componentType?: string; fullName?: string; problem?: string };

/**
 * Packs subrequests into composite calls within Salesforce's limits: at most 25 subrequests, of
 * which at most 5 query or collection operations (up to 200 records each).
 */
function compositeCalls(subrequests: Subrequest[]): Subrequest[][] {
  const calls: Subrequest[][] = [];
  let current: Subrequest[] = [];
  let collections = 0;
  for (const sub of subrequests) {
    const isCollection = sub.url.startsWith('/composite/sobjects');
    if (current.length === SUBREQUESTS_PER_BATCH || (isCollection && collections === QUERIES_PER_COMPOSITE)) {
      calls.push(current);
      current = [];
      collections = 0;
    }
    current.push(sub);
    if (isCollection) collections++;
  }
  if (current.length) calls.push(current);
  return calls;
}

/** Quote a value as a SOQL string literal: backslashes and single quotes are escaped. */
export function soqlQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `('a', 'b')` for an IN clause. */
export function soqlList(values: readonly string[]): string {
  return `(${values.map(soqlQuote).join(', ')})`;
}

/**
 * The only code that talks to the org: queries (batched through the composite API), inserts, and
 * one retry policy for transient faults. Everything above it works with plain records.
 */
export class OrgClient {
  public constructor(private readonly connection: Connection) {}

  public get apiVersion(): string {
    return this.connection.getApiVersion();
  }

  public get instanceUrl(): string {
    return this.connection.instanceUrl;
  }

  /** The username of the admin session, for error messages. */
  public get username(): string | undefined {
    return this.connection.getUsername();
  }

  /**
   * Runs several independent queries in one round trip and returns each query's records under its
   * key: one query alone, up to 5 as one composite call (one API call), more as composite batches
   * of up to 25. A query left undefined is skipped and gives no records; the same SOQL under two
   * keys is sent once. A key listed in `optional` whose object or column the org doesn't have
   * (INVALID_TYPE, INVALID_FIELD) gives UNSUPPORTED instead of failing the call.
   */
  public async queries<K extends string>(soql: Record<K, string | undefined>, optional: ReadonlyArray<NoInfer<K>> = []): Promise<Record<K, SObjectRecord[]>> {
    const result = {} as Record<K, SObjectRecord[]>;
    const keysOf = new Map<string, K[]>();
    for (const [key, query] of Object.entries(soql) as Array<[K, string | undefined]>) {
      result[key] = [];
      if (query) keysOf.set(query, [...(keysOf.get(query) ?? []), key]);
    }
    const unique = [...keysOf.keys()];
    const answers = await this.queryAnswers(unique);
    unique.forEach((query, index) => {
      const { status, body, error } = answers[index];
      const keys = keysOf.get(query) ?? [];
      if (status < 400) for (const key of keys) result[key] = (body as QueryResult).records;
      else if (NOT_IN_THIS_ORG.has(firstErrorCode(body) ?? '') && keys.every((key) => optional.includes(key))) for (const key of keys) result[key] = UNSUPPORTED;
      else throw error ?? toApiError(status, body, this.username);
    });
    return result;
  }

  /** Each query's answer (status and body), in as few calls as Salesforce's limits allow. */
  private async queryAnswers(queries: string[]): Promise<Array<{ status: number; body: unknown; error?: Error }>> {
    if (queries.length === 0) return [];
    if (queries.length === 1) {
      try {
        return [{ status: 200, body: { records: await this.query(queries[0]) } }];
      } catch (error) {
        if (!(error instanceof SalesforceApiError)) throw error;
        return [{ status: error.status ?? 400, body: [{ errorCode: error.errorCode }], error }];
      }
    }
    const url = (query: string): string => `/query?q=${encodeURIComponent(query)}`;
    if (queries.length <= QUERIES_PER_COMPOSITE) {
      const response = await this.send<CompositeResponse>(
        'POST',
        '/composite',
        { allOrNone: false, compositeRequest: queries.map((query, index) => ({ referenceId: `q${index}`, method: 'GET', url: `${this.dataPath()}${url(query)}` })) },
        true
      );
      return response.compositeResponse.map((sub) => ({ status: sub.httpStatusCode, body: sub.body }));
    }
    const answers: Array<{ status: number; body: unknown }> = [];
    for (let start = 0; start < queries.length; start += SUBREQUESTS_PER_BATCH) {
      const chunk = queries.slice(start, start + SUBREQUESTS_PER_BATCH);
      const response = await this.send<BatchResponse>('POST', '/composite/batch', { haltOnError: false, batchRequests: chunk.map((query) => ({ method: 'GET', url: `v${this.apiVersion}${url(query)}` })) }, true);
      answers.push(...response.results.map((sub) => ({ status: sub.statusCode, body: sub.result })));
    }
    return answers;
  }

  /**
   * One composite call, all or nothing: subrequests run in order and may refer to earlier results
   * (`@{ref.id}`); any failure rolls back the whole call and is thrown as the first real error, with
   * the referenceId of the subrequest that failed. Order matters without a reference too (the PSL before
   * the assignments that need it, removals before inserts), and from API 49.0 Salesforce collates
   * unrelated subrequests in no guaranteed order unless told not to (REST API Developer Guide, Composite).
   */
  private async composite(subrequests: Subrequest[]): Promise<Record<string, unknown>> {
    const response = await this.send<CompositeResponse>('POST', '/composite', {
      allOrNone: true,
      collateSubrequests: false,
      compositeRequest: subrequests.map((sub) => ({ ...sub, url: `${this.dataPath()}${sub.url}` })),
    });
    const bodies: Record<string, unknown> = {};
    const failed = response.compositeResponse.filter((sub) => sub.httpStatusCode >= 400 || collectionFailed(sub.body));
    // With allOrNone the others answer PROCESSING_HALTED; the cause is the first other error.
    const cause = failed.find((sub) => firstErrorCode(sub.body) !== 'PROCESSING_HALTED') ?? failed[0];
    if (cause) {
      const error = toApiError(cause.httpStatusCode, collectionError(cause.body) ?? cause.body, this.username);
      if (error instanceof SalesforceApiError) error.referenceId = cause.referenceId;
      throw error;
    }
    for (const sub of response.compositeResponse) bodies[sub.referenceId] = sub.body;
    return bodies;
  }

  /**
   * Writes subrequests that may refer to each other (`@{ref.id}`) in as few composite calls as the
   * limits allow, each all or nothing; a later call gets an earlier call's new Ids in place of its
   * references. Returns every subrequest's body by referenceId.
   */
  public async compositeAll(subrequests: Subrequest[]): Promise<Record<string, unknown>> {
    const bodies: Record<string, unknown> = {};
    for (const call of compositeCalls(subrequests)) {
      let text = JSON.stringify(call);
      for (const [ref, body] of Object.entries(bodies)) {
        const id = (body as { id?: unknown } | null)?.id;
        if (typeof id === 'string') text = text.replaceAll(`@{${ref}.id}`, id);
      }
      Object.assign(bodies, await this.composite(JSON.parse(text) as Subrequest[]));
    }
    return bodies;
  }

  /** Inserts up to 200 records of one type in one call; each record succeeds or fails on its own. */
  public async insertMany(sobject: string, records: Array<Record<string, unknown>>): Promise<SaveResult[]> {
    return this.send<SaveResult[]>('POST', '/composite/sobjects', {
      allOrNone: false,
      records: records.map((record) => ({ attributes: { type: sobject }, ...record })),
    });
  }

  public async query(soql: string): Promise<SObjectRecord[]> {
    const body = await this.send<QueryResult>('GET', `/query?q=${encodeURIComponent(soql)}`);
    return body.records;
  }

  /**
   * The API name of every object the org has (describeGlobal, one request, unpaged): the org's own spelling of
   * object names, where a query of EntityDefinition can filter only by equality.
   */
  public async objectNames(): Promise<string[]> {
    const body = await this.send<{ sobjects: Array<{ name: string }> }>('GET', '/sobjects');
    return body.sobjects.map((o) => o.name);
  }

  /** A query through the Tooling API, for setup objects the data API doesn't serve. */
  public async toolingQuery(soql: string): Promise<SObjectRecord[]> {
    const body = await this.send<QueryResult>('GET', `/tooling/query?q=${encodeURIComponent(soql)}`);
    return body.records;
  }

  /** Updates fields of one record. */
  public async update(sobject: string, id: string, fields: Record<string, unknown>): Promise<void> {
    await this.send<unknown>('PATCH', `/sobjects/${sobject}/${id}`, fields);
  }

  /** Inserts one record and returns its Id. */
  public async insert(sobject: string, record: Record<string, unknown>): Promise<string> {
    const body = await this.send<{ id: string }>('POST', `/sobjects/${sobject}`, record);
    return body.id;
  }

  /** Metadata API readMetadata of one component; undefined when the org has none by that name. */
  public async readMetadata<T extends { fullName?: string }>(type: string, fullName: string): Promise<T | undefined> {
    const record = await this.retrying(true, () => this.connection.metadata.read(type as never, fullName) as Promise<unknown>);
    const found = record as T | undefined;
    return found?.fullName ? found : undefined;
  }

  /** Metadata API updateMetadata of one whole component (read-modify-write by the caller). */
  public async updateMetadata(type: string, metadata: { fullName: string } & Record<string, unknown>): Promise<void> {
    const saved = (await this.retrying(false, () => this.connection.metadata.update(type as never, metadata as never) as Promise<unknown>)) as {
      success: boolean | string;
      errors?: { statusCode?: string; message?: string } | Array<{ statusCode?: string; message?: string }>;
    };
    if (String(saved.success) !== 'true') {
      const error = Array.isArray(saved.errors) ? saved.errors[0] : saved.errors;
      throw new SalesforceApiError(error?.statusCode ?? 'UNKNOWN_ERROR', error?.message ?? `updateMetadata of ${type} failed`);
    }
  }

  /** Retrieve (unpackaged) and wait for it: returns the zip file's bytes. */
  public async retrieve(types: Array<{ name: string; members: string[] }>): Promise<Buffer> {
    const metadata = this.connection.metadata;
    // Starting a retrieve again only starts another read.
    const started = (await this.retrying(true, () =>
      Promise.resolve(metadata.retrieve({ apiVersion: this.apiVersion, singlePackage: false, unpackaged: { types, version: this.apiVersion } } as never))
    )) as { id: string };
    const done = await this.poll(() => metadata.checkRetrieveStatus(started.id));
    const result = done as { success?: boolean | string; zipFile?: string; errorMessage?: string; status?: string };
    if (String(result.success) !== 'true' || !result.zipFile) throw new SalesforceApiError('RETRIEVE_FAILED', result.errorMessage ?? `retrieve ${result.status ?? 'failed'}`);
    return Buffer.from(result.zipFile, 'base64');
  }

  /** Deploy a zip and wait for it; a failed deploy is thrown with the component problems. */
  public async deploy(zip: Buffer): Promise<void> {
    const metadata = this.connection.metadata;
    const started = (await this.retrying(false, () => Promise.resolve(metadata.deploy(zip, { rollbackOnError: true, singlePackage: false }) as never))) as { id: string };
    const done = (await this.poll(() => metadata.checkDeployStatus(started.id, true))) as {
      success?: boolean | string;
      status?: string;
      errorMessage?: string;
      details?: { componentFailures?: DeployProblem | DeployProblem[] };
    };
    if (String(done.success) === 'true') return;
    const failures = done.details?.componentFailures;
    const problems = (Array.isArray(failures) ? failures : failures ? [failures] : []).map((f) => `${f.componentType ?? ''} ${f.fullName ?? ''}: ${f.problem ?? ''}`.trim());
    throw new SalesforceApiError('DEPLOY_FAILED', problems.join('; ') || done.errorMessage || `deploy ${done.status ?? 'failed'}`);
  }

  /** Polls an asynchronous Metadata API call until it reports done, with a growing pause. */
  private async poll(check: () => Promise<unknown>): Promise<unknown> {
    for (let attempt = 0; attempt < POLL_LIMIT; attempt++) {
      // A status check reads the job's state: safe to send again.
      const status = (await this.retrying(true, check)) as { done?: boolean | string };
      if (String(status.done) === 'true') return status;
      await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 5000)));
    }
    throw new SalesforceApiError('METADATA_TIMEOUT', 'the org did not finish the Metadata API request in time');
  }

  private dataPath(): string {
    return `/services/data/v${this.apiVersion}`;
  }

  /**
   * One REST call. Retries happen in retrying(), once, for every method; jsforce's own would multiply them.
   * `readOnly`: the call changes nothing (a GET, or a POST that only carries queries).
   */
  private send<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, readOnly = method === 'GET'): Promise<T> {
    const url = `${this.dataPath()}${path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // A new request object for every attempt: jsforce adds the Authorization header to the one it is
    // given, and sf lower-cases header names, so a reused object would carry it twice and get a 401.
    return this.retrying(readOnly, () =>
      this.connection.request<T>({ method, url, body: payload, headers: { 'content-type': 'application/json' } }, { retry: { maxRetries: 0 } })
    );
  }

  /**
   * Runs a call, again with backoff while the org answers with a transient fault. A connection reset
   * is retried only for a read-only call: a reset write may have landed.
   */
  private async retrying<T>(readOnly: boolean, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const failure = classify(error, readOnly, this.username);
        if (failure.retry && attempt < BACKOFF_MS.length) {
          await pause(BACKOFF_MS[attempt]);
          continue;
        }
        throw failure.error;
      }
    }
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * fetch() for the calls that don't go through the admin's connection (the JWT bearer exchange, and
 * the user's session in memory), under the same retry policy. Each such call is safe to send again
 * (a token exchange only issues another session), so a connection reset is retried too. A
 * connection that keeps failing is thrown as RequestFailed, which names the re-run.
 */
export async function fetchRetrying(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= BACKOFF_MS.length;
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      const e = error as { message?: string; cause?: { code?: string } };
      if (last) throw requestFailed(e.cause?.code ?? 'FETCH_FAILED', e.message ?? String(error));
      await pause(BACKOFF_MS[attempt]);
      continue;
    }
    if (last || !(await isTransientAnswer(response))) return response;
    await pause(BACKOFF_MS[attempt]);
  }
}

async function isTransientAnswer(response: Response): Promise<boolean> {
  if (TRANSIENT_STATUS.has(response.status)) return true;
  if (response.status < 400) return false;
  const body = (await response.clone().json().catch(() => undefined)) as RestError | RestError[] | undefined;
  const first = Array.isArray(body) ? body[0] : body;
  return TRANSIENT_CODES.has(first?.errorCode ?? '');
}

/** Turns whatever jsforce threw into our error, and says whether sending again is safe. */
function classify(error: unknown, readOnly: boolean, username?: string): { retry: boolean; error: Error } {
  const e = error as { errorCode?: string; name?: string; message?: string; code?: string; data?: unknown; cause?: { code?: string } };
  // SOAP faults come named like "sf:INVALID_SESSION_ID".
  const errorCode = (e.errorCode ?? e.name ?? 'UNKNOWN_ERROR').replace(/^sf:/, '');
  // An access-token session just expires; a refresh-token session that can't be renewed says so in words.
  if (errorCode === 'INVALID_SESSION_ID' || /Unable to refresh session/i.test(e.message ?? '')) return { retry: false, error: expiredSession(username) };
  const networkCode = e.code ?? e.cause?.code;
  if (networkCode) {
    // A reset read is safe to repeat; a reset write may have landed, so the caller re-inspects on a re-run.
    return { retry: readOnly, error: requestFailed(networkCode, e.message ?? networkCode) };
  }
  const status = errorCode.startsWith('ERROR_HTTP_') ? Number(errorCode.slice('ERROR_HTTP_'.length)) : undefined;
  // A Metadata API (SOAP) call answered with a REST-style error body: jsforce names it by its HTTP
  // status and keeps the body as the message; Salesforce's own code and text are inside.
  const body = status !== undefined ? restErrorIn(e.message) : undefined;
  const code = body?.errorCode ?? gatewayCode(status) ?? errorCode;
  const apiError = new SalesforceApiError(code, body?.message ?? e.message ?? errorCode, body?.fields ?? fieldsOf(e.data), status);
  return { retry: TRANSIENT_CODES.has(code) || (status !== undefined && TRANSIENT_STATUS.has(status)), error: apiError };
}

/** A gateway status with no Salesforce error in its answer (a load balancer's page), named for what it means. */
function gatewayCode(status: number | undefined): string | undefined {
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  return status !== undefined && TRANSIENT_STATUS.has(status) ? 'SERVER_UNAVAILABLE' : undefined;
}

/** The first error of a REST error body (`[{errorCode, message}]`) given as text, if it is one. */
function restErrorIn(text: string | undefined): RestError | undefined {
  try {
    const parsed = JSON.parse(text ?? '') as unknown;
    const first = (Array.isArray(parsed) ? parsed[0] : parsed) as RestError | undefined;
    return typeof first?.errorCode === 'string' ? first : undefined;
  } catch {
    return undefined;
  }
}

function toApiError(status: number, body: unknown, username?: string): Error {
  const first = (Array.isArray(body) ? body[0] : body) as RestError | undefined;
  const errorCode = first?.errorCode ?? first?.statusCode ?? gatewayCode(status) ?? `ERROR_HTTP_${status}`;
  if (errorCode === 'INVALID_SESSION_ID') return expiredSession(username);
  return new SalesforceApiError(errorCode, first?.message ?? `HTTP ${status}`, first?.fields ?? [], status);
}

/** A collection subrequest answers 200 with per-record failures inside. */
function collectionFailed(body: unknown): boolean {
  return Array.isArray(body) && body.some((r) => (r as SaveResult).success === false);
}

function collectionError(body: unknown): RestError[] | undefined {
  if (!Array.isArray(body)) return undefined;
  const failed = (body as SaveResult[]).find((r) => r.success === false && r.errors?.[0]?.statusCode !== 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
  return failed?.errors.map((e) => ({ errorCode: e.statusCode, message: e.message, fields: e.fields }));
}

function firstErrorCode(body: unknown): string | undefined {
  const first = (Array.isArray(body) ? body[0] : body) as (RestError & { errors?: Array<{ statusCode: string }> }) | undefined;
  return first?.errorCode ?? first?.errors?.[0]?.statusCode;
}

function fieldsOf(data: unknown): string[] {
  const fields = (data as RestError | undefined)?.fields;
  return Array.isArray(fields) ? fields : [];
}
