import type { Connection } from '@salesforce/core';
import { expiredSession, requestFailed, SalesforceApiError } from './errors.js';

/** A record as the REST API returns it; relationship fields are nested records or null. */
export type SObjectRecord = { Id: string; attributes?: { type: string; url: string } } & Record<string, unknown>;

type RestError = { errorCode?: string; statusCode?: string; message?: string; fields?: string[] };
type CompositeResponse = {
  compositeResponse: Array<{ referenceId: string; httpStatusCode: number; body: unknown }>;
};
type QueryResult = { totalSize: number; done: boolean; records: SObjectRecord[] };

/** Salesforce runs at most 5 query or collection subrequests in one composite call. */
const QUERIES_PER_COMPOSITE = 5;
/** Faults after which the org is unchanged, so sending the same request again is safe. */
const TRANSIENT_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'ERROR_HTTP_503', 'REQUEST_LIMIT_EXCEEDED']);
const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);
const BACKOFF_MS = [250, 750, 2000];

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

  /** The username of the admin session, for error messages. */
  public get username(): string | undefined {
    return this.connection.getUsername();
  }

  /**
   * Runs several queries in as few round trips as possible (one composite call per 5 queries)
   * and returns each query's records under its key.
   */
  public async queries<K extends string>(soql: Record<K, string>): Promise<Record<K, SObjectRecord[]>> {
    const entries = Object.entries(soql) as Array<[K, string]>;
    const result = {} as Record<K, SObjectRecord[]>;
    for (let start = 0; start < entries.length; start += QUERIES_PER_COMPOSITE) {
      const chunk = entries.slice(start, start + QUERIES_PER_COMPOSITE);
      if (chunk.length === 1) {
        const [key, query] = chunk[0];
        result[key] = await this.query(query);
        continue;
      }
      const response = await this.send<CompositeResponse>('POST', '/composite', {
        allOrNone: false,
        compositeRequest: chunk.map(([key, query]) => ({
          method: 'GET',
          url: `${this.dataPath()}/query?q=${encodeURIComponent(query)}`,
          referenceId: key,
        })),
      });
      for (const sub of response.compositeResponse) {
        if (sub.httpStatusCode >= 400) throw toApiError(sub.httpStatusCode, sub.body, this.username);
        result[sub.referenceId as K] = (sub.body as QueryResult).records;
      }
    }
    return result;
  }

  public async query(soql: string): Promise<SObjectRecord[]> {
    const body = await this.send<QueryResult>('GET', `/query?q=${encodeURIComponent(soql)}`);
    return body.records;
  }

  /** Inserts one record and returns its Id. */
  public async insert(sobject: string, record: Record<string, unknown>): Promise<string> {
    const body = await this.send<{ id: string }>('POST', `/sobjects/${sobject}`, record);
    return body.id;
  }

  private dataPath(): string {
    return `/services/data/v${this.apiVersion}`;
  }

  /** One REST call, retried with backoff while the org answers with a transient fault. */
  private async send<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.connection.request<T>({
          method,
          url: `${this.dataPath()}${path}`,
          body: body === undefined ? undefined : JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
          // Retries happen here, once, for every method; jsforce's own would multiply them.
        }, { retry: { maxRetries: 0 } });
      } catch (error) {
        const failure = classify(error, method, this.username);
        if (failure.retry && attempt < BACKOFF_MS.length) {
          await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[attempt]));
          continue;
        }
        throw failure.error;
      }
    }
  }
}

/** Turns whatever jsforce threw into our error, and says whether sending again is safe. */
function classify(error: unknown, method: string, username?: string): { retry: boolean; error: Error } {
  const e = error as { errorCode?: string; name?: string; message?: string; code?: string; data?: unknown; cause?: { code?: string } };
  const errorCode = e.errorCode ?? e.name ?? 'UNKNOWN_ERROR';
  // An access-token session just expires; a refresh-token session that can't be renewed says so in words.
  if (errorCode === 'INVALID_SESSION_ID' || /Unable to refresh session/i.test(e.message ?? '')) return { retry: false, error: expiredSession(username) };
  const networkCode = e.code ?? e.cause?.code;
  if (networkCode) {
    // A reset read is safe to repeat; a reset write may have landed, so the caller re-inspects on a re-run.
    return { retry: method === 'GET', error: requestFailed(networkCode, e.message ?? networkCode) };
  }
  const status = errorCode.startsWith('ERROR_HTTP_') ? Number(errorCode.slice('ERROR_HTTP_'.length)) : undefined;
  const apiError = new SalesforceApiError(errorCode, e.message ?? errorCode, fieldsOf(e.data), status);
  return { retry: TRANSIENT_CODES.has(errorCode) || (status !== undefined && TRANSIENT_STATUS.has(status)), error: apiError };
}

function toApiError(status: number, body: unknown, username?: string): Error {
  const first = (Array.isArray(body) ? body[0] : body) as RestError | undefined;
  const errorCode = first?.errorCode ?? first?.statusCode ?? `ERROR_HTTP_${status}`;
  if (errorCode === 'INVALID_SESSION_ID') return expiredSession(username);
  return new SalesforceApiError(errorCode, first?.message ?? `HTTP ${status}`, first?.fields ?? [], status);
}

function fieldsOf(data: unknown): string[] {
  const fields = (data as RestError | undefined)?.fields;
  return Array.isArray(fields) ? fields : [];
}
