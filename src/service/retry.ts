import { expiredSession, requestFailed, requestTooLarge, SalesforceApiError } from './errors.js';

/**
 * One retry policy for every request the plugin sends, and what the org's error answers mean: a transient
 * fault (UNABLE_TO_LOCK_ROW, 503, a connection reset of a read, REQUEST_LIMIT_EXCEEDED) is sent again with
 * backoff; anything else becomes a SalesforceApiError (or an expired session, a failed connection).
 */

export type RestError = { errorCode?: string; statusCode?: string; message?: string; fields?: string[] };

/** Faults after which the org is unchanged, so sending the same request again is safe. */
const TRANSIENT_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'REQUEST_LIMIT_EXCEEDED']);
const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);
const BACKOFF_MS = [250, 750, 2000];

/** Runs a call under the retry policy; `readOnly`: the call changes nothing, so a reset connection may be retried. */
export type Retrying = <T>(readOnly: boolean, call: () => Promise<T>) => Promise<T>;

/**
 * Runs a call, again with backoff while the org answers with a transient fault. A connection reset
 * is retried only for a read-only call: a reset write may have landed. `username` names the session in an
 * expired-session error.
 */
export function retryingAs(username: () => string | undefined): Retrying {
  return async <T>(readOnly: boolean, call: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const failure = classify(error, readOnly, username());
        if (failure.retry && attempt < BACKOFF_MS.length) {
          await pause(BACKOFF_MS[attempt]);
          continue;
        }
        throw failure.error;
      }
    }
  };
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

/** The first error of a REST error body (`[{errorCode, message}]`, or an OAuth `{error, error_description}`) given as text, if it is one. */
function restErrorIn(text: string | undefined): RestError | undefined {
  try {
    const parsed = JSON.parse(text ?? '') as unknown;
    const first = (Array.isArray(parsed) ? parsed[0] : parsed) as
      (RestError & { error?: unknown; error_description?: unknown }) | undefined;
    // An OAuth endpoint's error (`{error, error_description}`, e.g. the revoke endpoint's invalid_token).
    if (typeof first?.error === 'string')
      return {
        errorCode: first.error,
        message: typeof first.error_description === 'string' ? first.error_description : first.error,
      };
    return typeof first?.errorCode === 'string' ? first : undefined;
  } catch {
    return undefined;
  }
}

export function toApiError(status: number, body: unknown, username?: string): Error {
  const first = (Array.isArray(body) ? body[0] : body) as RestError | undefined;
  const errorCode = first?.errorCode ?? first?.statusCode ?? gatewayCode(status) ?? `ERROR_HTTP_${status}`;
  if (errorCode === 'INVALID_SESSION_ID') return expiredSession(username);
  return new SalesforceApiError(errorCode, first?.message ?? `HTTP ${status}`, first?.fields ?? [], status);
}

function fieldsOf(data: unknown): string[] {
  const fields = (data as RestError | undefined)?.fields;
  return Array.isArray(fields) ? fields : [];
}
