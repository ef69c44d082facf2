// Longer than 300 lines: one class, OrgClient, the only code that talks to the org; the parts of it with a job of
// their own are apart already (query paging: query-reader.ts, the Metadata API: metadata-api.ts, retries: retry.ts).
import type { Connection } from '@salesforce/core';
import { SalesforceApiError } from './errors.js';
import { MetadataApi } from './metadata-api.js';
import {
  type FirstPage,
  firstErrorCode,
  QUERIES_PER_COMPOSITE,
  QueryReader,
  SObjectRecord,
  SUBREQUESTS_PER_BATCH,
} from './query-reader.js';
import { retryingAs, toApiError, type RestError, type Retrying } from './retry.js';

export {
  IDS_PER_QUERY,
  MAX_GET_URI,
  MAX_SOQL_LENGTH,
  QUERIES_PER_COMPOSITE,
  soqlList,
  soqlQuote,
} from './query-reader.js';
export type { FirstPage, SObjectRecord } from './query-reader.js';
export { fetchRetrying } from './retry.js';
export { DeployFailedError } from './metadata-api.js';
export type { DeployedComponent, DeployProblem, ListedComponent } from './metadata-api.js';

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

/** A query's records; with `queries`' firstPageOnly, its first page and where the rest is. */
export type PagedRecords = SObjectRecord[] & { nextRecordsUrl?: string };

/** What `queries` gives for an optional query on an object or column the org doesn't have. */
export const UNSUPPORTED: SObjectRecord[] = Object.freeze([]) as unknown as SObjectRecord[];
/** An object the org doesn't serve, a column it doesn't have ("No such column"): an optional query's "not here". */
const NOT_IN_THIS_ORG = new Set(['INVALID_TYPE', 'INVALID_FIELD']);

/** sObject collections take up to 200 records per call. */
export const RECORDS_PER_COLLECTION = 200;

/**
 * Packs subrequests into composite calls within Salesforce's limits: at most 25 subrequests, of
 * which at most 5 query or collection operations (up to 200 records each).
 */
function compositeCalls(subrequests: Subrequest[]): Subrequest[][] {
  const calls: Subrequest[][] = [];
  let current: Subrequest[] = [];
  let collections = 0;
  for (const sub of subrequests) {
    // Queries count against the same five as collections (REST API Developer Guide, Composite).
    const isCollection = sub.url.startsWith('/composite/sobjects') || /^\/query(All)?[/?]/.test(sub.url);
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
 * page: query-reader.ts), data writes (composite, sObject collections), the Metadata API (`metadata`:
 * metadata-api.ts), all under one retry policy for transient faults (retry.ts). Everything above it works
 * with plain records.
 */
export class OrgClient {
  /** The Metadata API calls, under the same retry policy. */
  public readonly metadata: MetadataApi;
  private readonly reader: QueryReader;
  private readonly retrying: Retrying;

  public constructor(private readonly connection: Connection) {
    this.retrying = retryingAs(() => this.username);
    this.metadata = new MetadataApi(connection, this.retrying);
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
   * Runs several independent queries in one round trip and returns each query's records under its key
   * (queryList by name).
   */
  public async queries<K extends string>(
    soql: Record<K, string | undefined>,
    optional: ReadonlyArray<NoInfer<K>> = [],
    /** Queries read to their first page only (the rest later, e.g. by forEachPageWithIds). */
    firstPageOnly: ReadonlyArray<NoInfer<K>> = []
  ): Promise<Record<K, PagedRecords>> {
    const keys = Object.keys(soql) as K[];
    const records = await this.queryList(
      keys.map((key) => ({
        soql: soql[key],
        optional: optional.includes(key),
        firstPageOnly: firstPageOnly.includes(key),
      }))
    );
    return Object.fromEntries(keys.map((key, index) => [key, records[index]])) as Record<
      K,
      SObjectRecord[] & FirstPage
    >;
  }

  /**
   * Runs several independent queries in one round trip and returns each query's records, in order: one query
   * alone, up to 5 as one composite call (one API call), more as composite batches of up to 25; then each round
   * of next pages of them all in one batch, until every query is read to the end. A query left undefined is
   * skipped and gives no records; the same SOQL twice is sent once. An optional query whose object or column
   * the org doesn't have (INVALID_TYPE, INVALID_FIELD) gives UNSUPPORTED instead of failing the call, when every
   * query of that SOQL is optional.
   */
  public async queryList(
    queries: ReadonlyArray<{ soql?: string; optional?: boolean; firstPageOnly?: boolean }>
  ): Promise<SObjectRecord[][]> {
    const result: SObjectRecord[][] = queries.map(() => []);
    const positionsOf = new Map<string, number[]>();
    queries.forEach(({ soql }, index) => {
      if (soql) positionsOf.set(soql, [...(positionsOf.get(soql) ?? []), index]);
    });
    const unique = [...positionsOf.keys()];
    const firstOnly = new Set(
      unique.flatMap((soql, index) =>
        (positionsOf.get(soql) ?? []).some((at) => queries[at].firstPageOnly) ? [index] : []
      )
    );
    const outcomes = await this.reader.readAll(unique, undefined, firstOnly);
    unique.forEach((soql, index) => {
      const outcome = outcomes[index];
      const positions = positionsOf.get(soql) ?? [];
      if ('records' in outcome)
        for (const at of positions)
          result[at] = firstOnly.has(index)
            ? Object.assign(outcome.records, { nextRecordsUrl: (outcome as FirstPage).nextRecordsUrl })
            : outcome.records;
      else if (
        NOT_IN_THIS_ORG.has(firstErrorCode(outcome.failed.body) ?? '') &&
        positions.every((at) => queries[at].optional)
      )
        for (const at of positions) result[at] = UNSUPPORTED;
      else throw outcome.failed.error ?? toApiError(outcome.failed.status, outcome.failed.body, this.username);
    });
    return result;
  }

  /** Every record of a query, read to its last page. */
  public async query(soql: string): Promise<SObjectRecord[]> {
    return this.reader.all(soql);
  }

  /**
   * Every record of a query whose first page a composite call answered (a read riding after its writes), the
   * next pages read here.
   */
  public async restOf(soql: string, firstPage: unknown): Promise<SObjectRecord[]> {
    return this.reader.restOf(soql, firstPage as Parameters<QueryReader['restOf']>[1]);
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
   * Reads a query page by page with the queries over each page's Ids (`soqlFor` gets them IDS_PER_QUERY at a time
   * as an IN list) in the same request as the next page: `onPage` gets each page and its queries' records, and
   * nothing is kept, so memory stays flat however long the query's answer.
   */
  public async forEachPageWithIds(
    soql: string,
    soqlFor: (idList: string) => string,
    onPage: (records: SObjectRecord[], byIds: SObjectRecord[]) => void | Promise<void>,
    /** The query's first page, when `queries` brought it (its firstPageOnly). */
    first?: FirstPage
  ): Promise<number> {
    return this.reader.forEachPageWithIds(soql, soqlFor, onPage, first);
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

  /**
   * One subrequest as its own REST call, for a command whose one write needs no composite around it. A refusal
   * carries the subrequest's referenceId, as in a composite call.
   */
  public async sendOne(subrequest: Subrequest): Promise<unknown> {
    try {
      return await this.send<unknown>(subrequest.method, subrequest.url, subrequest.body);
    } catch (error) {
      if (error instanceof SalesforceApiError) error.referenceId = subrequest.referenceId;
      throw error;
    }
  }

  /**
   * Revokes an OAuth token with the revoke endpoint (POST /services/oauth2/revoke, form `token=`; Mobile SDK guide
   * "Revoking OAuth Tokens"): an OauthToken row can't be deleted through the API, its DeleteToken is revoked
   * instead (object reference, OauthToken). False when the org answers `invalid_token`: revoked already (a re-run,
   * or an earlier attempt whose answer was lost), so a retry is safe.
   */
  public async revokeToken(token: string): Promise<boolean> {
    try {
      await this.retrying(true, () =>
        this.connection.request(
          {
            method: 'POST',
            url: '/services/oauth2/revoke',
            body: new URLSearchParams({ token }).toString(),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          },
          { retry: { maxRetries: 0 } }
        )
      );
      return true;
    } catch (error) {
      if (error instanceof SalesforceApiError && error.errorCode === 'invalid_token') return false;
      throw error;
    }
  }

  /** Inserts one record and returns its Id. */
  public async insert(sobject: string, record: Record<string, unknown>): Promise<string> {
    const body = await this.send<{ id: string }>('POST', `/sobjects/${sobject}`, record);
    return body.id;
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
