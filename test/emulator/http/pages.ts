// Query answers in pages, and the size limits of a request.
// Sources: Salesforce Help 000386264 "Maximum number of rows returned by SOQL queries over the REST API";
// REST API Developer Guide, "Execute a SOQL Query" and "Retrieving the Remaining SOQL Query Results";
// SOAP API Developer Guide, "queryMore() and queryLocator" (ten open cursors per user).

import { ApiError } from './errors.js';
import { IdFactory } from '../data/ids.js';
import { QueryResult } from '../data/soql.js';
import { OrgState } from '../data/state.js';

/** SOQL and SOSL limits: a statement is at most 100,000 characters. */
export const SOQL_MAX_LENGTH = 100_000;
/** Help 000386264: the request URI plus its headers are at most 16,384 bytes. */
export const REQUEST_HEAD_LIMIT = 16_384;

interface Cursor {
  records: unknown[];
  totalSize: number;
  endpoint: 'data' | 'tooling';
  userId: string;
}

/** The ways a query answer is addressed: the request's API version, endpoint and session user. */
export interface PageContext {
  version: number;
  endpoint: 'data' | 'tooling';
  userId: string;
}

/**
 * Query answers of at most `queryPageSize` records; the rest wait behind a locator
 * (`nextRecordsUrl` = `/services/data/vXX.X/[tooling/]query/<locator>-<offset>`) until read. A user holds at most
 * `openQueryCursors` unread locators: opening one more releases the oldest. A locator read to the end is closed.
 */
export class QueryPages {
  private readonly cursors = new Map<string, Cursor>();
  /** Locators are no records: a counter of their own keeps record Ids the same however a run pages. */
  private readonly locators = new IdFactory();

  public constructor(private readonly state: OrgState) {}

  /** Refuses a statement longer than Salesforce parses (text: MALFORMED_QUERY as orgs answer it, django-salesforce issue 164). */
  public static checkLength(soql: string): void {
    if (soql.length > SOQL_MAX_LENGTH)
      throw new ApiError(
        400,
        'MALFORMED_QUERY',
        `SOQL statements can not be longer than ${SOQL_MAX_LENGTH} characters.`
      );
  }

  /** The first page of a query's answer. */
  public first(run: { result: QueryResult; aggregate: boolean }, ctx: PageContext): Record<string, unknown> {
    const { result, aggregate } = run;
    const behaviour = this.state.behaviour;
    if (aggregate) {
      // SOQL reference, GROUP BY considerations: no queryMore() for aggregates. The code is what a public sf audit
      // plugin (j-schreiber/js-sf-cli-security-audit) halves its Id chunks on; the text is Salesforce's.
      if (result.records.length > behaviour.aggregateQueryRowLimit) {
        throw new ApiError(
          400,
          'EXCEEDED_ID_LIMIT',
          'Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch'
        );
      }
      return { ...result };
    }
    if (result.records.length <= behaviour.queryPageSize) return { ...result };
    const mine = [...this.cursors].filter(([, c]) => c.userId === ctx.userId);
    if (mine.length >= behaviour.openQueryCursors) this.cursors.delete(mine[0][0]);
    const locator = this.locators.next('01g');
    this.cursors.set(locator, {
      records: result.records,
      totalSize: result.totalSize,
      endpoint: ctx.endpoint,
      userId: ctx.userId,
    });
    return this.page(locator, 0, ctx.version);
  }

  /** The page behind `<locator>-<offset>`, for its own user on its own endpoint. */
  public next(token: string, ctx: PageContext): Record<string, unknown> {
    const m = /^([A-Za-z0-9]+)-(\d+)$/.exec(token);
    const cursor = m ? this.cursors.get(m[1]) : undefined;
    if (
      !m ||
      !cursor ||
      cursor.userId !== ctx.userId ||
      cursor.endpoint !== ctx.endpoint ||
      Number(m[2]) > cursor.records.length
    ) {
      throw new ApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    return this.page(m[1], Number(m[2]), ctx.version);
  }

  private page(locator: string, from: number, version: number): Record<string, unknown> {
    const cursor = this.cursors.get(locator) as Cursor;
    const size = this.state.behaviour.queryPageSize;
    const records = cursor.records.slice(from, from + size);
    const next = from + size;
    const done = next >= cursor.records.length;
    if (done) this.cursors.delete(locator);
    const prefix = cursor.endpoint === 'tooling' ? 'tooling/query' : 'query';
    return {
      totalSize: cursor.totalSize,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version.toFixed(1)}/${prefix}/${locator}-${next}` }),
      records,
    };
  }
}

/**
 * What Salesforce's front end answers a request whose head is too large (Help 000386264): the URI alone over
 * 16,384 bytes is 414, URI plus headers over it 431. The answer is the web server's page, not a REST error:
 * `<h1>Bad Message 414</h1><pre>reason: URI Too Long</pre>` (quoted in dxatscale/sfpowerscripts issue 860;
 * "Bad Message 431 reason: Request Header Fields Too Large" in Stitch's Salesforce troubleshooting page).
 */
export function oversizedHead(
  url: string,
  rawHeaders: string[]
): { status: number; body: string; reason: string } | undefined {
  const uri = Buffer.byteLength(url);
  let head = uri;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    head += Buffer.byteLength(rawHeaders[i]) + 2 + Buffer.byteLength(rawHeaders[i + 1]) + 2;
  const [status, reason] =
    uri > REQUEST_HEAD_LIMIT
      ? [414, 'URI Too Long']
      : head > REQUEST_HEAD_LIMIT
        ? [431, 'Request Header Fields Too Large']
        : [0, ''];
  return status ? { status, reason, body: `<h1>Bad Message ${status}</h1><pre>reason: ${reason}</pre>` } : undefined;
}
