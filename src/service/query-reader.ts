// Longer than 300 lines: one class, QueryReader, every way the plugin reads query answers within Salesforce's request
// limits (pages, composite and batch packing, Id chunks, reads beside a paged query); apart, they would share its state.
import { errorWords, SalesforceApiError, serviceError } from './errors.js';

/** A record as the REST API returns it; relationship fields are nested records or null. */
export type SObjectRecord = { Id: string; attributes?: { type: string; url: string } } & Record<string, unknown>;

/** One page of a query's answer (REST API Developer Guide, "Execute a SOQL Query"). */
type QueryPage = { totalSize: number; done: boolean; nextRecordsUrl?: string; records: SObjectRecord[] };
/** A request's answer as a composite or batch subrequest reports it; `error` when it was a call of its own. */
type Answer = { status: number; body: unknown; error?: Error };
type CompositeResponse = { compositeResponse: Array<{ referenceId: string; httpStatusCode: number; body: unknown }> };
type BatchResponse = { hasErrors: boolean; results: Array<{ statusCode: number; result: unknown }> };

/** What a query of several reads gives per query: every record, or the answer that failed it. */
export type QueryOutcome = { records: SObjectRecord[] } | { failed: Answer };
/** A query's first page only, and where the rest is (`nextRecordsUrl`, absent when it was the last). */
export type FirstPage = { records: SObjectRecord[]; nextRecordsUrl?: string };

/** Salesforce runs at most 5 query or collection subrequests in one composite call. */
export const QUERIES_PER_COMPOSITE = 5;
/** A composite batch runs up to 25 independent subrequests, queries included. */
export const SUBREQUESTS_PER_BATCH = 25;
/** Help 000386264 recommends URIs under 2,000 characters; a longer query goes in a composite batch body instead. */
export const MAX_GET_URI = 2000;
/** SOQL and SOSL limits: a statement is at most 100,000 characters. */
export const MAX_SOQL_LENGTH = 100_000;
/**
 * Ids inlined in one query. A public sf audit plugin (j-schreiber/js-sf-cli-security-audit) reads 256 at a time and
 * halves a chunk the org refuses with EXCEEDED_ID_LIMIT (an aggregate answer over one batch); so does this one.
 */
export const IDS_PER_QUERY = 256;
/** Unread query locators one user may hold (SOAP API Developer Guide, "queryMore() and queryLocator"). */
const OPEN_CURSORS = 10;

/** Quote a value as a SOQL string literal: backslashes and single quotes are escaped. */
export function soqlQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `('a', 'b')` for an IN clause. */
export function soqlList(values: readonly string[]): string {
  return `(${values.map(soqlQuote).join(', ')})`;
}

/** The first error code of an error body (`[{errorCode}]`, or a collection's `[{errors: [{statusCode}]}]`). */
export function firstErrorCode(body: unknown): string | undefined {
  const first = (Array.isArray(body) ? body[0] : body) as
    { errorCode?: string; errors?: Array<{ statusCode: string }> } | undefined;
  return first?.errorCode ?? first?.errors?.[0]?.statusCode;
}

/** How the reader reaches the org: the org client's one REST call, and its reading of an error answer. */
export type Transport = {
  apiVersion: () => string;
  /** One REST call to an absolute path (`/services/data/...`). */
  send: <T>(method: 'GET' | 'POST', path: string, body?: unknown, readOnly?: boolean) => Promise<T>;
  toError: (status: number, body: unknown) => Error;
};

const nextOf = (page: QueryPage): string | undefined => (page.done ? undefined : page.nextRecordsUrl);

/**
 * Reads queries to the end, within Salesforce's request limits: every page behind `nextRecordsUrl` is read (the
 * next pages of several queries together, in one composite batch per round), no GET URI is longer than 2,000
 * characters (a longer query goes in a composite batch body), and no statement is longer than 100,000.
 */
export class QueryReader {
  public constructor(private readonly transport: Transport) {}

  private get version(): string {
    return `v${this.transport.apiVersion()}`;
  }

  private get dataPath(): string {
    return `/services/data/${this.version}`;
  }

  /**
   * Every record of one query. A locator the org no longer knows (a last page whose answer was lost and is asked
   * again, or a cursor released for newer ones) means reading the query again from its start, once.
   */
  public async all(soql: string, tooling = false): Promise<SObjectRecord[]> {
    for (let attempt = 0; ; attempt++) {
      const records: SObjectRecord[] = [];
      try {
        await this.forEachPage(soql, (page) => void records.push(...page), tooling);
        return records;
      } catch (error) {
        if (attempt > 0 || !(error instanceof SalesforceApiError) || error.errorCode !== 'INVALID_QUERY_LOCATOR')
          throw error;
      }
    }
  }

  /**
   * Every record of a query whose first page came already (a subrequest of a composite call): the next pages are
   * read here; a locator the org no longer knows means reading the query again from its start.
   */
  public async restOf(soql: string, first: QueryPage): Promise<SObjectRecord[]> {
    const records = [...first.records];
    try {
      for (let next = nextOf(first); next;) {
        const page: QueryPage = await this.transport.send<QueryPage>('GET', next);
        records.push(...page.records);
        next = nextOf(page);
      }
      return records;
    } catch (error) {
      if (!(error instanceof SalesforceApiError) || error.errorCode !== 'INVALID_QUERY_LOCATOR') throw error;
      return this.all(soql);
    }
  }

  /** Hands each page of one query's answer to `onPage` as it arrives, holding none; resolves with the number of records. */
  public async forEachPage(
    soql: string,
    onPage: (records: SObjectRecord[]) => void | Promise<void>,
    tooling = false
  ): Promise<number> {
    let page = await this.firstPage(soql, tooling);
    let count = 0;
    for (;;) {
      count += page.records.length;
      await onPage(page.records);
      const next = nextOf(page);
      if (!next) return count;
      page = await this.transport.send<QueryPage>('GET', next);
    }
  }

  /**
   * Each query's every record, or the answer that failed it, in as few calls as the limits allow: the queries
   * together, then each round of next pages together. With `onPage`, pages are handed over instead of kept, and
   * at most ten queries are open at once, so no cursor of this run is released before it is read.
   */
  public async readAll(
    queries: string[],
    onPage?: (index: number, records: SObjectRecord[]) => void | Promise<void>,
    /** Queries (by index) read to their first page only: their outcome's `nextRecordsUrl` says where the rest is. */
    firstPageOnly: ReadonlySet<number> = new Set()
  ): Promise<QueryOutcome[]> {
    if (onPage && queries.length > OPEN_CURSORS) {
      const outcomes: QueryOutcome[] = [];
      for (let start = 0; start < queries.length; start += OPEN_CURSORS) {
        outcomes.push(
          ...(await this.readAll(queries.slice(start, start + OPEN_CURSORS), (index, records) =>
            onPage(start + index, records)
          ))
        );
      }
      return outcomes;
    }
    const state: Array<{ outcome: QueryOutcome; next?: string }> = [];
    const take = async (index: number, page: QueryPage): Promise<void> => {
      if (onPage) await onPage(index, page.records);
      else (state[index].outcome as { records: SObjectRecord[] }).records.push(...page.records);
      if (firstPageOnly.has(index)) (state[index].outcome as FirstPage).nextRecordsUrl = nextOf(page);
      else state[index].next = nextOf(page);
    };
    const firsts = await this.firstAnswers(queries);
    for (const [index, answer] of firsts.entries()) {
      state[index] = answer.status < 400 ? { outcome: { records: [] } } : { outcome: { failed: answer } };
      if (answer.status < 400) await take(index, answer.body as QueryPage);
    }
    // More than ten of the queries paged, and the org released the oldest cursors: those are read again, alone,
    // once the others are read (so that no re-read releases another's cursor).
    const released: number[] = [];
    for (;;) {
      const pending = [...state.keys()].filter((index) => state[index].next);
      if (!pending.length) break;
      const answers = await this.getMany(pending.map((index) => state[index].next as string));
      for (const [k, answer] of answers.entries()) {
        const index = pending[k];
        if (answer.status < 400) await take(index, answer.body as QueryPage);
        else if (!onPage && firstErrorCode(answer.body) === 'INVALID_QUERY_LOCATOR') {
          state[index] = { outcome: { records: [] } };
          released.push(index);
        } else state[index] = { outcome: { failed: answer } };
      }
    }
    for (const index of released) state[index] = { outcome: { records: await this.all(queries[index]) } };
    return state.map((s) => s.outcome);
  }

  /**
   * The records of a query over a list of Ids, `IDS_PER_QUERY` Ids a query (`soqlFor` gets them as an IN list), a
   * chunk the org refuses with EXCEEDED_ID_LIMIT read again in halves. Handed to `onPage` page by page when given.
   */
  public async byIds(
    ids: readonly string[],
    soqlFor: (idList: string) => string,
    onPage?: (records: SObjectRecord[]) => void | Promise<void>
  ): Promise<SObjectRecord[]> {
    return this.byChunks(chunksOf(ids), soqlFor, onPage);
  }

  /**
   * Reads a query page by page and, beside each page, the queries over its records' Ids (`soqlFor`, IDS_PER_QUERY
   * Ids a query): they go in the same composite batch as the GET of the query's next page, so a page and what it
   * needs cost one request. A chunk the org refuses with EXCEEDED_ID_LIMIT is read again in halves. `onPage` gets
   * each page with every record of its queries; nothing is kept. Resolves with the number of records.
   */
  public async forEachPageWithIds(
    soql: string,
    soqlFor: (idList: string) => string,
    onPage: (records: SObjectRecord[], byIds: SObjectRecord[]) => void | Promise<void>,
    /** The query's first page, when an earlier request brought it (readAll's firstPageOnly). */
    first?: FirstPage
  ): Promise<number> {
    let page: QueryPage = first
      ? { totalSize: 0, done: !first.nextRecordsUrl, nextRecordsUrl: first.nextRecordsUrl, records: first.records }
      : await this.firstPage(soql, false);
    let count = 0;
    for (;;) {
      count += page.records.length;
      const next = nextOf(page);
      const chunks = chunksOf(page.records.map((r) => r.Id));
      const queries = chunks.map((chunk) => soqlFor(soqlList(chunk)));
      queries.forEach(checkLength);
      const answers = await this.batch([
        ...(next ? [next.replace(/^\/services\/data\//, '')] : []),
        ...queries.map((query) => `${this.version}/query?q=${encodeURIComponent(query)}`),
      ]);
      const nextAnswer = next ? answers.shift() : undefined;
      const records: SObjectRecord[] = [];
      const halves: string[][] = [];
      for (const [index, answer] of answers.entries()) {
        if (answer.status < 400) {
          // An answer longer than a page (not an aggregate's) is read to its end.
          let part = answer.body as QueryPage;
          records.push(...part.records);
          for (let more = nextOf(part); more; more = nextOf(part)) {
            part = await this.transport.send<QueryPage>('GET', more);
            records.push(...part.records);
          }
        } else if (firstErrorCode(answer.body) === 'EXCEEDED_ID_LIMIT' && chunks[index].length > 1) {
          const half = Math.ceil(chunks[index].length / 2);
          halves.push(chunks[index].slice(0, half), chunks[index].slice(half));
        } else throw this.transport.toError(answer.status, answer.body);
      }
      if (halves.length) records.push(...(await this.byChunks(halves, soqlFor)));
      await onPage(page.records, records);
      if (!nextAnswer) return count;
      if (nextAnswer.status >= 400) throw this.transport.toError(nextAnswer.status, nextAnswer.body);
      page = nextAnswer.body as QueryPage;
    }
  }

  /** The records of a query over chunks of Ids, the chunks together; one the org finds too big, in halves. */
  private async byChunks(
    initial: string[][],
    soqlFor: (idList: string) => string,
    onPage?: (records: SObjectRecord[]) => void | Promise<void>
  ): Promise<SObjectRecord[]> {
    const records: SObjectRecord[] = [];
    let chunks = initial;
    while (chunks.length) {
      const current = chunks;
      const outcomes = await this.readAll(
        current.map((chunk) => soqlFor(soqlList(chunk))),
        onPage ? (_index, page): void | Promise<void> => onPage(page) : undefined
      );
      chunks = [];
      for (const [index, outcome] of outcomes.entries()) {
        if ('records' in outcome) records.push(...outcome.records);
        else if (firstErrorCode(outcome.failed.body) === 'EXCEEDED_ID_LIMIT' && current[index].length > 1) {
          const half = Math.ceil(current[index].length / 2);
          chunks.push(current[index].slice(0, half), current[index].slice(half));
        } else throw outcome.failed.error ?? this.transport.toError(outcome.failed.status, outcome.failed.body);
      }
    }
    return records;
  }

  /** The first page of one query: a GET while the URI stays short, else the query in a composite batch body. */
  private async firstPage(soql: string, tooling: boolean): Promise<QueryPage> {
    checkLength(soql);
    const resource = `${tooling ? '/tooling' : ''}/query?q=${encodeURIComponent(soql)}`;
    if (this.dataPath.length + resource.length <= MAX_GET_URI)
      return this.transport.send<QueryPage>('GET', `${this.dataPath}${resource}`);
    // Composite batch serves no Tooling resources; the plugin's Tooling queries are all short.
    if (tooling) throw serviceError('QueryTooLong', [soql.length, errorWords('reason.toolingUri', [MAX_GET_URI])]);
    const [answer] = await this.batch([`${this.version}${resource}`]);
    if (answer.status >= 400) throw this.transport.toError(answer.status, answer.body);
    return answer.body as QueryPage;
  }

  /** Each query's first answer: one alone by GET (or batch when long), up to 5 as one composite call, more in batches of 25. */
  private async firstAnswers(queries: string[]): Promise<Answer[]> {
    queries.forEach(checkLength);
    if (queries.length === 0) return [];
    if (queries.length === 1) return [await this.answerOf(() => this.firstPage(queries[0], false))];
    const resources = queries.map((query) => `/query?q=${encodeURIComponent(query)}`);
    if (queries.length <= QUERIES_PER_COMPOSITE) {
      const response = await this.transport.send<CompositeResponse>(
        'POST',
        `${this.dataPath}/composite`,
        {
          allOrNone: false,
          compositeRequest: resources.map((resource, index) => ({
            referenceId: `q${index}`,
            method: 'GET',
            url: `${this.dataPath}${resource}`,
          })),
        },
        true
      );
      return response.compositeResponse.map((sub) => ({ status: sub.httpStatusCode, body: sub.body }));
    }
    return this.batch(resources.map((resource) => `${this.version}${resource}`));
  }

  /** GETs of absolute paths (next pages): one alone, Tooling ones each alone (a batch serves no Tooling), the rest in batches. */
  private async getMany(paths: string[]): Promise<Answer[]> {
    if (paths.length === 1 || paths.every((path) => path.includes('/tooling/'))) {
      const answers: Answer[] = [];
      for (const path of paths) answers.push(await this.answerOf(() => this.transport.send<QueryPage>('GET', path)));
      return answers;
    }
    const answers: Answer[] = new Array<Answer>(paths.length);
    const data = [...paths.keys()].filter((index) => !paths[index].includes('/tooling/'));
    const batched = await this.batch(data.map((index) => paths[index].replace(/^\/services\/data\//, '')));
    data.forEach((index, k) => (answers[index] = batched[k]));
    for (const [index, path] of paths.entries()) {
      if (!answers[index]) answers[index] = await this.answerOf(() => this.transport.send<QueryPage>('GET', path));
    }
    return answers;
  }

  /** GETs as composite batches of 25; each url is relative to /services/data (`v66.0/query?q=...`). */
  private async batch(urls: string[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (let start = 0; start < urls.length; start += SUBREQUESTS_PER_BATCH) {
      const chunk = urls.slice(start, start + SUBREQUESTS_PER_BATCH);
      const response = await this.transport.send<BatchResponse>(
        'POST',
        `${this.dataPath}/composite/batch`,
        { haltOnError: false, batchRequests: chunk.map((url) => ({ method: 'GET', url })) },
        true
      );
      answers.push(...response.results.map((sub) => ({ status: sub.statusCode, body: sub.result })));
    }
    return answers;
  }

  /** A call of its own, its Salesforce error kept as an answer (status and body) like a subrequest's. */
  private async answerOf(call: () => Promise<QueryPage>): Promise<Answer> {
    try {
      return { status: 200, body: await call() };
    } catch (error) {
      if (!(error instanceof SalesforceApiError)) throw error;
      return {
        status: error.status ?? 400,
        body: [{ errorCode: error.errorCode, message: error.salesforceMessage }],
        error,
      };
    }
  }
}

/** Ids, each once, IDS_PER_QUERY at a time. */
function chunksOf(ids: readonly string[]): string[][] {
  const unique = [...new Set(ids)];
  const chunks: string[][] = [];
  for (let start = 0; start < unique.length; start += IDS_PER_QUERY)
    chunks.push(unique.slice(start, start + IDS_PER_QUERY));
  return chunks;
}

/** A statement Salesforce would refuse for its length is a bug of the plugin's, said before anything is sent. */
function checkLength(soql: string): void {
  if (soql.length > MAX_SOQL_LENGTH)
    throw serviceError('QueryTooLong', [soql.length, errorWords('reason.soqlLimit', [MAX_SOQL_LENGTH])]);
}
