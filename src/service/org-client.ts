import type { Connection } from '@salesforce/core';
import { expiredSession, requestFailed, requestTooLarge, SalesforceApiError } from './errors.js';
import {
  firstErrorCode,
  QUERIES_PER_COMPOSITE,
  QueryReader,
  SObjectRecord,
  SUBREQUESTS_PER_BATCH,
} from './org-queries.js';

export {
  IDS_PER_QUERY,
  MAX_GET_URI,
  MAX_SOQL_LENGTH,
  QUERIES_PER_COMPOSITE,
  soqlList,
  soqlQuote,
} from './org-queries.js';
export type { SObjectRecord } from './org-queries.js';

type RestError = { errorCode?: string; statusCode?: string; message?: string; fields?: string[] };
type CompositeResponse = {
  compositeResponse: Array<{ referenceId: string; httpStatusCode: number; body: unknown }>;
};

/** One record's outcome in an sObject collection call. */
export type SaveResult = {
  id?: string;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields?: string[] }>;
};

/** A composite subrequest; `url` is relative to /services/data/vXX.X. */
export type Subrequest = {
  referenceId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
};

/** What `queries` gives for an optional query on an object or column the org doesn't have. */
export const UNSUPPORTED: SObjectRecord[] = Object.freeze([]) as unknown as SObjectRecord[];
/** An object the org doesn't serve, a column it doesn't have ("No such column"): an optional query's "not here". */
const NOT_IN_THIS_ORG = new Set(['INVALID_TYPE', 'INVALID_FIELD']);

/** sObject collections take up to 200 records per call. */
export const RECORDS_PER_COLLECTION = 200;
/** Faults after which the org is unchanged, so sending the same request again is safe. */
const TRANSIENT_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'REQUEST_LIMIT_EXCEEDED']);
const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);
const BACKOFF_MS = [250, 750, 2000];
/** About two minutes of polling for an asynchronous Metadata API call. */
const POLL_LIMIT = 30;

/** One component a deploy refused. */
export type DeployProblem = { componentType?: string; fullName?: string; problem?: string };
/** One component a deploy wrote; `id` is its record Id (an ExternalClientApplication's 0xI...). */
export type DeployedComponent = { componentType: string; fullName: string; id: string };
/** A component as listMetadata lists it. */
export type ListedComponent = { type: string; fullName: string; id: string };

/** A deploy the org refused: Salesforce's problems per component, so callers can tell which component failed. */
export class DeployFailedError extends SalesforceApiError {
  public constructor(
    public readonly failures: DeployProblem[],
    message: string
  ) {
    super('DEPLOY_FAILED', message);
  }
}

/** Metadata API readMetadata takes up to 10 names a call. */
const NAMES_PER_READ = 10;
/** listMetadata takes up to 3 queries a call. */
const TYPES_PER_LIST = 3;

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

/**
 * The only code that talks to the org: queries (batched through the composite API, read to their last
 * page: org-queries.ts), inserts, and one retry policy for transient faults. Everything above it works
 * with plain records.
 */
export class OrgClient {
  private readonly reader: QueryReader;

  public constructor(private readonly connection: Connection) {
    this.reader = new QueryReader({
      apiVersion: () => this.apiVersion,
      send: <T>(method: 'GET' | 'POST', path: string, body?: unknown, readOnly?: boolean) =>
        this.sendTo<T>(method, path, body, readOnly),
      toError: (status, body) => toApiError(status, body, this.username),
    });
  }

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
   * of up to 25; then each round of next pages of them all in one batch, until every query is read to
   * the end. A query left undefined is skipped and gives no records; the same SOQL under two keys is
   * sent once. A key listed in `optional` whose object or column the org doesn't have (INVALID_TYPE,
   * INVALID_FIELD) gives UNSUPPORTED instead of failing the call.
   */
  public async queries<K extends string>(
    soql: Record<K, string | undefined>,
    optional: ReadonlyArray<NoInfer<K>> = []
  ): Promise<Record<K, SObjectRecord[]>> {
    const result = {} as Record<K, SObjectRecord[]>;
    const keysOf = new Map<string, K[]>();
    for (const [key, query] of Object.entries(soql) as Array<[K, string | undefined]>) {
      result[key] = [];
      if (query) keysOf.set(query, [...(keysOf.get(query) ?? []), key]);
    }
    const unique = [...keysOf.keys()];
    const outcomes = await this.reader.readAll(unique);
    unique.forEach((query, index) => {
      const outcome = outcomes[index];
      const keys = keysOf.get(query) ?? [];
      if ('records' in outcome) for (const key of keys) result[key] = outcome.records;
      else if (
        NOT_IN_THIS_ORG.has(firstErrorCode(outcome.failed.body) ?? '') &&
        keys.every((key) => optional.includes(key))
      )
        for (const key of keys) result[key] = UNSUPPORTED;
      else throw outcome.failed.error ?? toApiError(outcome.failed.status, outcome.failed.body, this.username);
    });
    return result;
  }

  /** Every record of a query, read to its last page. */
  public async query(soql: string): Promise<SObjectRecord[]> {
    return this.reader.all(soql);
  }

  /** A query through the Tooling API, for setup objects the data API doesn't serve; every page. */
  public async toolingQuery(soql: string): Promise<SObjectRecord[]> {
    return this.reader.all(soql, true);
  }

  /**
   * Hands each page of a query's answer to `onRecords` and keeps none: for readers that only count or
   * summarize, so memory stays flat whatever the org's size. Resolves with the number of records.
   */
  public async forEachPage(
    soql: string,
    onRecords: (records: SObjectRecord[]) => void | Promise<void>
  ): Promise<number> {
    return this.reader.forEachPage(soql, onRecords);
  }

  /**
   * The records of a query over a list of Ids, which may be long: `soqlFor` gets at most IDS_PER_QUERY of
   * them at a time as an IN list, the chunks go out together, and a chunk the org refuses with
   * EXCEEDED_ID_LIMIT (an aggregate answer larger than one batch) is read again in halves. With
   * `onRecords`, pages are handed over instead of kept.
   */
  public async queryByIds(
    ids: readonly string[],
    soqlFor: (idList: string) => string,
    onRecords?: (records: SObjectRecord[]) => void | Promise<void>
  ): Promise<SObjectRecord[]> {
    return this.reader.byIds(ids, soqlFor, onRecords);
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

  /**
   * A GET of a REST resource under /services/data/vXX.X (e.g. /apps/oauth/credentials/<app id>), at this
   * client's API version or `minimumVersion` (a resource newer than the version asked for), whichever is higher.
   */
  public async get<T>(path: string, minimumVersion = 0): Promise<T> {
    const version = Math.max(Number(this.apiVersion), minimumVersion).toFixed(1);
    return this.retrying(true, () =>
      this.connection.request<T>(
        { method: 'GET', url: `/services/data/v${version}${path}`, headers: { 'content-type': 'application/json' } },
        { retry: { maxRetries: 0 } }
      )
    );
  }

  /**
   * The API name of every object the org has (describeGlobal, one request, unpaged): the org's own spelling of
   * object names, where a query of EntityDefinition can filter only by equality.
   */
  public async objectNames(): Promise<string[]> {
    const body = await this.send<{ sobjects: Array<{ name: string }> }>('GET', '/sobjects');
    return body.sobjects.map((o) => o.name);
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
    const record = await this.retrying(
      true,
      () => this.connection.metadata.read(type as never, fullName) as Promise<unknown>
    );
    const found = record as T | undefined;
    return found?.fullName ? found : undefined;
  }

  /** Metadata API readMetadata of several components of one type (10 a call): those the org has, in any order. */
  public async readMetadataMany<T extends { fullName?: string }>(type: string, fullNames: string[]): Promise<T[]> {
    const found: T[] = [];
    for (let start = 0; start < fullNames.length; start += NAMES_PER_READ) {
      const names = fullNames.slice(start, start + NAMES_PER_READ);
      const records = (await this.retrying(
        true,
        () => this.connection.metadata.read(type as never, names) as Promise<unknown>
      )) as Array<T | null | undefined>;
      found.push(...records.filter((r): r is T => typeof r?.fullName === 'string' && r.fullName !== ''));
    }
    return found;
  }

  /** Metadata API listMetadata: every component of these types, with its Id (3 types a call). */
  public async listMetadata(types: string[]): Promise<ListedComponent[]> {
    const listed: ListedComponent[] = [];
    for (let start = 0; start < types.length; start += TYPES_PER_LIST) {
      const queries = types.slice(start, start + TYPES_PER_LIST).map((type) => ({ type }));
      const answer = (await this.retrying(
        true,
        () => this.connection.metadata.list(queries as never) as Promise<unknown>
      )) as ListedComponent[] | ListedComponent | undefined;
      listed.push(
        ...(Array.isArray(answer) ? answer : answer ? [answer] : []).map((c) => ({
          type: String(c.type),
          fullName: String(c.fullName),
          id: String(c.id ?? ''),
        }))
      );
    }
    return listed;
  }

  /** Metadata API updateMetadata of one whole component (read-modify-write by the caller). */
  public async updateMetadata(type: string, metadata: { fullName: string } & Record<string, unknown>): Promise<void> {
    const saved = (await this.retrying(
      false,
      () => this.connection.metadata.update(type as never, metadata as never) as Promise<unknown>
    )) as {
      success: boolean | string;
      errors?: { statusCode?: string; message?: string } | Array<{ statusCode?: string; message?: string }>;
    };
    if (String(saved.success) !== 'true') {
      const error = Array.isArray(saved.errors) ? saved.errors[0] : saved.errors;
      throw new SalesforceApiError(
        error?.statusCode ?? 'UNKNOWN_ERROR',
        error?.message ?? `updateMetadata of ${type} failed`
      );
    }
  }

  /** Retrieve (unpackaged) and wait for it: returns the zip file's bytes. */
  public async retrieve(types: Array<{ name: string; members: string[] }>): Promise<Buffer> {
    const metadata = this.connection.metadata;
    // Starting a retrieve again only starts another read.
    const started = (await this.retrying(true, () =>
      Promise.resolve(
        metadata.retrieve({
          apiVersion: this.apiVersion,
          singlePackage: false,
          unpackaged: { types, version: this.apiVersion },
        } as never)
      )
    )) as { id: string };
    const done = await this.poll(() => metadata.checkRetrieveStatus(started.id));
    const result = done as { success?: boolean | string; zipFile?: string; errorMessage?: string; status?: string };
    if (String(result.success) !== 'true' || !result.zipFile)
      throw new SalesforceApiError('RETRIEVE_FAILED', result.errorMessage ?? `retrieve ${result.status ?? 'failed'}`);
    return Buffer.from(result.zipFile, 'base64');
  }

  /**
   * Deploys a zip whose package.xml sits at its root, and waits for it. singlePackage must say that layout: with
   * singlePackage false the org reads every top-level folder as a package and fails with "No package.xml found"
   * (forcedotcom/cli issue 4); true with a root package.xml is what sf itself sends (source-deploy-retrieve's
   * MetadataApiDeploy defaults). Returns the components written; a failed deploy is thrown as DeployFailedError.
   */
  public async deploy(zip: Buffer): Promise<DeployedComponent[]> {
    const metadata = this.connection.metadata;
    const started = (await this.retrying(false, () =>
      Promise.resolve(metadata.deploy(zip, { rollbackOnError: true, singlePackage: true }) as never)
    )) as { id: string };
    const done = (await this.poll(() => metadata.checkDeployStatus(started.id, true))) as {
      success?: boolean | string;
      status?: string;
      errorMessage?: string;
      details?: {
        componentFailures?: DeployProblem | DeployProblem[];
        componentSuccesses?: DeployedComponent | DeployedComponent[];
      };
    };
    const list = <T>(value: T | T[] | undefined): T[] => (Array.isArray(value) ? value : value ? [value] : []);
    if (String(done.success) === 'true') return list(done.details?.componentSuccesses).filter((c) => c.componentType);
    const failures = list(done.details?.componentFailures);
    const problems = failures.map((f) => `${f.componentType ?? ''} ${f.fullName ?? ''}: ${f.problem ?? ''}`.trim());
    throw new DeployFailedError(
      failures,
      problems.join('; ') || done.errorMessage || `deploy ${done.status ?? 'failed'}`
    );
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
  private send<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    readOnly = method === 'GET'
  ): Promise<T> {
    return this.sendTo<T>(method, `${this.dataPath()}${path}`, body, readOnly);
  }

  /** One REST call to an absolute path (`/services/data/...`, e.g. a query's nextRecordsUrl). */
  private sendTo<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    readOnly = method === 'GET'
  ): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // A new request object for every attempt: jsforce adds the Authorization header to the one it is
    // given, and sf lower-cases header names, so a reused object would carry it twice and get a 401.
    return this.retrying(readOnly, () =>
      this.connection.request<T>(
        { method, url, body: payload, headers: { 'content-type': 'application/json' } },
        { retry: { maxRetries: 0 } }
      )
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
  const body = (await response
    .clone()
    .json()
    .catch(() => undefined)) as RestError | RestError[] | undefined;
  const first = Array.isArray(body) ? body[0] : body;
  return TRANSIENT_CODES.has(first?.errorCode ?? '');
}

/** Turns whatever jsforce threw into our error, and says whether sending again is safe. */
function classify(error: unknown, readOnly: boolean, username?: string): { retry: boolean; error: Error } {
  const e = error as {
    errorCode?: string;
    name?: string;
    message?: string;
    code?: string;
    data?: unknown;
    cause?: { code?: string };
  };
  // SOAP faults come named like "sf:INVALID_SESSION_ID".
  const errorCode = (e.errorCode ?? e.name ?? 'UNKNOWN_ERROR').replace(/^sf:/, '');
  // An access-token session just expires; a refresh-token session that can't be renewed says so in words.
  if (errorCode === 'INVALID_SESSION_ID' || /Unable to refresh session/i.test(e.message ?? ''))
    return { retry: false, error: expiredSession(username) };
  const networkCode = e.code ?? e.cause?.code;
  if (networkCode) {
    // A reset read is safe to repeat; a reset write may have landed, so the caller re-inspects on a re-run.
    return { retry: readOnly, error: requestFailed(networkCode, e.message ?? networkCode) };
  }
  const status = errorCode.startsWith('ERROR_HTTP_') ? Number(errorCode.slice('ERROR_HTTP_'.length)) : undefined;
  if (status === 414 || status === 431) return { retry: false, error: requestTooLarge(status) };
  // A Metadata API (SOAP) call answered with a REST-style error body: jsforce names it by its HTTP
  // status and keeps the body as the message; Salesforce's own code and text are inside.
  const body = status !== undefined ? restErrorIn(e.message) : undefined;
  const code = body?.errorCode ?? gatewayCode(status) ?? errorCode;
  const apiError = new SalesforceApiError(
    code,
    body?.message ?? e.message ?? errorCode,
    body?.fields ?? fieldsOf(e.data),
    status
  );
  return {
    retry: TRANSIENT_CODES.has(code) || (status !== undefined && TRANSIENT_STATUS.has(status)),
    error: apiError,
  };
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
  const failed = (body as SaveResult[]).find(
    (r) => r.success === false && r.errors?.[0]?.statusCode !== 'ALL_OR_NONE_OPERATION_ROLLED_BACK'
  );
  return failed?.errors.map((e) => ({ errorCode: e.statusCode, message: e.message, fields: e.fields }));
}

function fieldsOf(data: unknown): string[] {
  const fields = (data as RestError | undefined)?.fields;
  return Array.isArray(fields) ? fields : [];
}
