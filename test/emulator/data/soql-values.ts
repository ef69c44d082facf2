// SOQL values: WHERE literals as each field type takes them, string escapes and LIKE patterns, how values compare
// (ids as 18 characters, text in any case), date literals (TODAY, LAST_N_DAYS:n, ... in UTC), and aggregate
// functions over a group's values.

import { ApiError, text } from '../http/errors.js';
import { to18 } from './ids.js';
import { FieldDef, isNumeric } from './schema.js';
import { escapeRe, locate, positioned } from './soql-errors.js';

export function unescapeLiteral(raw: string, keepLikeEscapes: boolean): string {
  const body = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i === body.length - 1) {
      out += c;
      continue;
    }
    const n = body[++i];
    const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', "'": "'", '"': '"', '\\': '\\' };
    if ((n === '%' || n === '_') && keepLikeEscapes) out += `\\${n}`;
    else out += map[n] ?? n;
  }
  return out;
}

export function likeToRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      re += escapeRe(pattern[++i]);
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 'is');
}

export type Scalar = string | number | boolean | null;

/** Normalized form used for = / IN: ids as 18-char upper case, text lower case. */
export function norm(v: unknown, field: FieldDef | undefined): Scalar {
  if (v === null || v === undefined) return null;
  if (field && (field.type === 'id' || field.type === 'reference')) return (to18(v) ?? text(v)).toUpperCase();
  if (typeof v === 'string') {
    if (field && (field.type === 'datetime' || field.type === 'date')) return v;
    return v.toLowerCase();
  }
  return v as Scalar;
}

export function compare(a: unknown, b: unknown, field?: FieldDef): number {
  if (field?.type === 'datetime' && typeof a === 'string' && typeof b === 'string')
    return Date.parse(a) - Date.parse(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  const la = sa.toLowerCase();
  const lb = sb.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

export const DAY = 86_400_000;

/** Date literal -> [start, end) in UTC milliseconds. */
export function dateRange(literal: string, n: number | undefined): [number, number] | undefined {
  const now = new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const weekStart = today - now.getUTCDay() * DAY;
  const month = (offset: number): [number, number] => [
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1),
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset + 1, 1),
  ];
  const year = (offset: number): [number, number] => [
    Date.UTC(now.getUTCFullYear() + offset, 0, 1),
    Date.UTC(now.getUTCFullYear() + offset + 1, 0, 1),
  ];
  const name = literal.split(':')[0].toUpperCase();
  const k = n ?? 0;
  switch (name) {
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TODAY':
      return [today, today + DAY];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'LAST_WEEK':
      return [weekStart - 7 * DAY, weekStart];
    case 'THIS_WEEK':
      return [weekStart, weekStart + 7 * DAY];
    case 'NEXT_WEEK':
      return [weekStart + 7 * DAY, weekStart + 14 * DAY];
    case 'LAST_MONTH':
      return month(-1);
    case 'THIS_MONTH':
      return month(0);
    case 'NEXT_MONTH':
      return month(1);
    case 'LAST_YEAR':
      return year(-1);
    case 'THIS_YEAR':
      return year(0);
    case 'NEXT_YEAR':
      return year(1);
    case 'LAST_N_DAYS':
      return [today - k * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today, today + (k + 1) * DAY];
    case 'N_DAYS_AGO':
      return [today - k * DAY, today - (k - 1) * DAY];
    default:
      return undefined;
  }
}

export function toMillis(v: unknown, field: FieldDef): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(field.type === 'date' && v.length === 10 ? `${v}T00:00:00Z` : v.replace(/\+0000$/, 'Z'));
  return Number.isNaN(t) ? undefined : t;
}

export function aggregateValues(fn: string, values: unknown[], field?: FieldDef): unknown {
  const present = values.filter((v) => v !== null && v !== undefined);
  switch (fn) {
    case 'COUNT':
      return present.length;
    case 'COUNT_DISTINCT':
      return new Set(present.map((v) => norm(v, field))).size;
    case 'MIN':
    case 'MAX': {
      if (!present.length) return null;
      return present.reduce((a, b) => (compare(a, b, field) <= 0 === (fn === 'MIN') ? a : b));
    }
    case 'SUM':
      return present.length ? present.reduce((a: number, b) => a + Number(b), 0) : null;
    case 'AVG':
      return present.length ? present.reduce((a: number, b) => a + Number(b), 0) / present.length : null;
    default:
      return null;
  }
}

/** A WHERE value: a plain value (and its normalized form), or a date literal's range [start, end) in UTC ms. */
export type Literal = { kind: 'value'; value: Scalar; norm: Scalar } | { kind: 'range'; range: [number, number] };

/** How Salesforce names a field type in a filter error. */
const TYPE_NAMES: Record<string, string> = {
  boolean: 'boolean',
  int: 'integer',
  double: 'double',
  currency: 'currency',
  percent: 'percent',
  date: 'date',
  datetime: 'dateTime',
};

/** A WHERE value as the field's type takes it; a literal of another type is INVALID_FIELD, as Salesforce answers. */
export function literal(
  raw: string,
  literalType: string,
  field: FieldDef,
  path: { raw: string },
  op: string,
  soql: string,
  cond: Record<string, unknown>
): Literal {
  const fail = (message: string): never => {
    throw new ApiError(400, 'INVALID_FIELD', positioned(soql, locate(soql, path.raw), message));
  };
  const numeric = isNumeric(field.type);
  const temporal = field.type === 'date' || field.type === 'datetime';
  const quotesNeeded = `value of filter criterion for field '${field.name}' must be of type ${TYPE_NAMES[field.type] ?? 'string'} and should be enclosed in quotes`;
  switch (literalType) {
    case 'NULL':
      return { kind: 'value', value: null, norm: null };
    case 'STRING':
      if (field.type === 'boolean' || numeric || temporal) {
        fail(
          `value of filter criterion for field '${field.name}' must be of type ${TYPE_NAMES[field.type]} and should not be enclosed in quotes`
        );
      }
      return stringLiteral(raw, field, op, soql, path.raw);
    case 'BOOLEAN': {
      if (field.type !== 'boolean') fail(quotesNeeded);
      const b = raw.toUpperCase() === 'TRUE';
      return { kind: 'value', value: b, norm: b };
    }
    case 'INTEGER':
    case 'DECIMAL':
    case 'INTEGER_WITH_CURRENCY_PREFIX':
    case 'DECIMAL_WITH_CURRENCY_PREFIX': {
      if (!numeric) fail(quotesNeeded);
      const n = Number(raw.replace(/^[A-Z]{3}/, ''));
      return { kind: 'value', value: n, norm: n };
    }
    case 'DATETIME':
    case 'DATE': {
      if (!temporal) fail(quotesNeeded);
      if (field.type === 'datetime' && literalType === 'DATE') {
        const start = Date.parse(`${raw}T00:00:00Z`);
        return { kind: 'range', range: [start, start + DAY] };
      }
      return { kind: 'value', value: raw, norm: raw };
    }
    case 'DATE_LITERAL':
    case 'DATE_N_LITERAL':
      if (!temporal) fail(quotesNeeded);
      return dateLiteral(raw, cond.dateLiteralVariable, soql);
    default:
      return fail(`unsupported literal ${raw}`);
  }
}

/** A quoted value; on an id or lookup field (not LIKE) it must be a 15- or 18-character id. */
function stringLiteral(raw: string, field: FieldDef, op: string, soql: string, pathRaw: string): Literal {
  const value = unescapeLiteral(raw, op === 'LIKE');
  if (
    (field.type === 'id' || field.type === 'reference') &&
    !field.referenceKey &&
    op !== 'LIKE' &&
    value !== '' &&
    !to18(value)
  ) {
    throw new ApiError(
      400,
      'INVALID_QUERY_FILTER_OPERATOR',
      positioned(soql, locate(soql, pathRaw), `invalid ID field: ${value}`)
    );
  }
  return { kind: 'value', value, norm: norm(value, field) };
}

/** TODAY, LAST_N_DAYS:n, ...: the range it stands for; one the emulator doesn't know is MALFORMED_QUERY. */
function dateLiteral(raw: string, nValue: unknown, soql: string): Literal {
  const range = dateRange(raw, Array.isArray(nValue) ? (nValue[0] as number) : (nValue as number | undefined));
  if (!range)
    throw new ApiError(
      400,
      'MALFORMED_QUERY',
      positioned(soql, locate(soql, raw.split(':')[0]), `date literal ${raw} is not supported by the emulator`)
    );
  return { kind: 'range', range };
}
