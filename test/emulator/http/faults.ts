// Fault injection: fail the Nth request, or requests matching a path, without touching state; or
// fail one record of an sObject Collections write while the rest of it runs (recordError).

/** The error one record of a collection write gets from a recordError fault. */
export interface RecordError {
  /** 0-based position of the record (for DELETE, of the id in `ids`) */
  index: number;
  statusCode: string;
  message: string;
}

export interface Fault {
  /** the Nth request (1-based), counting every request the emulator receives */
  request?: number;
  /** substring of the normalized path + '?' + query (raw or decoded), or '/regex/' */
  path?: string;
  method?: string;
  /** default 503 */
  status?: number;
  errorCode?: string;
  message?: string;
  /** destroy the socket without an answer; nothing runs */
  reset?: boolean;
  /**
   * Run the request as usual (its writes land and are logged), then destroy the socket instead of
   * answering: the client can't tell whether a write happened. Not combinable with status, errorCode,
   * message, reset or recordError.
   */
  lostAnswer?: boolean;
  /** default 1 when `request` is set, unlimited otherwise */
  times?: number;
  /**
   * Fail one record instead of the request. Such a fault matches only sObject Collections writes
   * (POST/PATCH/DELETE on /composite/sobjects, top level or as a composite subrequest, which is matched by its
   * own url and the composite's `request` number) that have a record at `index`. The request runs normally,
   * except that this record fails with `{statusCode, message, fields: []}` and nothing of it is written; with
   * allOrNone the others roll back (ALL_OR_NONE_OPERATION_ROLLED_BACK) as Salesforce does. Not combinable with
   * status, errorCode, message or reset.
   */
  recordError?: RecordError;
}

const DEFAULTS_BY_STATUS: Record<number, { errorCode: string; message: string }> = {
  400: { errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record or 1 records' },
  401: { errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' },
  403: { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
  404: { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' },
  500: {
    errorCode: 'UNKNOWN_EXCEPTION',
    message:
      'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
  },
  502: { errorCode: 'SERVER_UNAVAILABLE', message: 'Bad Gateway' },
  503: { errorCode: 'SERVER_UNAVAILABLE', message: 'Server unavailable' },
};

export interface FaultHit {
  status: number;
  errorCode: string;
  message: string;
  reset: boolean;
}

/** Checks a fault's shape; returns an error text naming the bad key, or undefined. */
export function faultProblem(f: unknown): string | undefined {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return 'must be an object';
  const known = [
    'request',
    'path',
    'method',
    'status',
    'errorCode',
    'message',
    'reset',
    'times',
    'recordError',
    'lostAnswer',
  ];
  for (const [k, v] of Object.entries(f)) {
    if (!known.includes(k)) return `unknown key '${k}' (known: ${known.join(', ')})`;
    if ((k === 'request' || k === 'times') && (!Number.isInteger(v) || (v as number) < 1))
      return `${k} must be a positive integer`;
    if (k === 'status' && (!Number.isInteger(v) || (v as number) < 100 || (v as number) > 599))
      return 'status must be an HTTP status';
    if (['path', 'method', 'errorCode', 'message'].includes(k) && typeof v !== 'string') return `${k} must be a string`;
    if ((k === 'reset' || k === 'lostAnswer') && typeof v !== 'boolean') return `${k} must be a boolean`;
    if (k === 'path' && typeof v === 'string' && v.length > 2 && v.startsWith('/') && v.endsWith('/')) {
      try {
        new RegExp(v.slice(1, -1));
      } catch {
        return `path regex ${v} does not compile`;
      }
    }
  }
  const fault = f as Fault;
  if (fault.request === undefined && fault.path === undefined && fault.method === undefined)
    return 'needs request, path or method';
  if (fault.recordError !== undefined) return recordErrorProblem(fault);
  if (fault.lostAnswer !== undefined) {
    const clash = (['status', 'errorCode', 'message', 'reset'] as const).filter((k) => fault[k] !== undefined);
    if (clash.length) return `lostAnswer can't be combined with ${clash.join(', ')}`;
  }
  return undefined;
}

function recordErrorProblem(fault: Fault): string | undefined {
  const r = fault.recordError as unknown;
  if (typeof r !== 'object' || r === null || Array.isArray(r))
    return 'recordError must be {index, statusCode, message}';
  for (const k of Object.keys(r))
    if (!['index', 'statusCode', 'message'].includes(k))
      return `unknown key 'recordError.${k}' (known: index, statusCode, message)`;
  const { index, statusCode, message } = r as Partial<RecordError>;
  if (!Number.isInteger(index) || (index as number) < 0) return 'recordError.index must be a whole number >= 0';
  if (typeof statusCode !== 'string' || statusCode === '') return 'recordError.statusCode must be a non-empty string';
  if (typeof message !== 'string') return 'recordError.message must be a string';
  const clash = (['status', 'errorCode', 'message', 'reset'] as const).filter((k) => fault[k] !== undefined);
  if (clash.length) return `recordError can't be combined with ${clash.join(', ')}`;
  return undefined;
}

interface ActiveFault {
  fault: Fault;
  remaining: number;
  regex?: RegExp;
}

export class FaultInjector {
  private readonly faults: ActiveFault[] = [];

  public add(fault: Fault): void {
    const problem = faultProblem(fault);
    if (problem) throw new Error(`invalid fault ${JSON.stringify(fault)}: ${problem}`);
    const p = fault.path;
    const regex = p && p.length > 2 && p.startsWith('/') && p.endsWith('/') ? new RegExp(p.slice(1, -1)) : undefined;
    this.faults.push({ fault, remaining: fault.times ?? (fault.request !== undefined ? 1 : Infinity), regex });
  }

  /** The fault that fires for this request, consuming one of its `times` (recordError and lostAnswer faults never answer a request). */
  public match(seq: number, method: string, path: string, rawQuery: string | undefined): FaultHit | undefined {
    const active = this.take(
      seq,
      method,
      path,
      rawQuery,
      (f) => f.recordError === undefined && f.lostAnswer === undefined
    );
    if (!active) return undefined;
    const f = active.fault;
    const status = f.status ?? 503;
    const defaults = DEFAULTS_BY_STATUS[status] ?? {
      errorCode: 'UNKNOWN_EXCEPTION',
      message: `Injected fault (HTTP ${status})`,
    };
    return {
      status,
      errorCode: f.errorCode ?? defaults.errorCode,
      message: f.message ?? defaults.message,
      reset: f.reset === true,
    };
  }

  /** True when this request's answer is to be lost after it ran, consuming one of the fault's `times`. */
  public matchLostAnswer(seq: number, method: string, path: string, rawQuery: string | undefined): boolean {
    return this.take(seq, method, path, rawQuery, (f) => f.lostAnswer === true) !== undefined;
  }

  /** The record error for a collection write of `records` records, consuming one of the fault's `times`. */
  public matchRecordError(
    seq: number,
    method: string,
    path: string,
    rawQuery: string | undefined,
    records: number
  ): RecordError | undefined {
    const active = this.take(
      seq,
      method,
      path,
      rawQuery,
      (f) => f.recordError !== undefined && f.recordError.index < records
    );
    return active ? { ...(active.fault.recordError as RecordError) } : undefined;
  }

  private take(
    seq: number,
    method: string,
    path: string,
    rawQuery: string | undefined,
    accept: (f: Fault) => boolean
  ): ActiveFault | undefined {
    const target = rawQuery !== undefined ? `${path}?${rawQuery}` : path;
    let decoded = target;
    try {
      decoded = decodeURIComponent(target.replace(/\+/g, ' '));
    } catch {
      // keep the raw form
    }
    for (const active of this.faults) {
      const f = active.fault;
      if (active.remaining <= 0 || !accept(f)) continue;
      if (f.request !== undefined && f.request !== seq) continue;
      if (f.method !== undefined && f.method.toUpperCase() !== method.toUpperCase()) continue;
      if (f.path !== undefined) {
        const hit = active.regex
          ? active.regex.test(target) || active.regex.test(decoded)
          : target.includes(f.path) || decoded.includes(f.path);
        if (!hit) continue;
      }
      active.remaining--;
      return active;
    }
    return undefined;
  }
}
