// The parts of a WHERE or HAVING clause: where semi-joins may sit (SOQL and SOSL Reference, semi-join and
// anti-join restrictions), the boolean expression (NOT > AND > OR) over compiled conditions, and each
// condition's test by operator.

import type { WhereClause } from '@jetstreamapp/soql-parser-js';
import { ApiError } from '../http/errors.js';
import type { FieldDef } from './schema.js';
import { exactValueMatch } from './setup-objects.js';
import type { OrgState, Rec } from './state.js';
import type { Path } from './soql-compiled.js';
import { escapeRe, locate, positioned } from './soql-errors.js';
import { Literal, Scalar, compare, likeToRegex, norm, toMillis } from './soql-values.js';

/** Where `field IN (SELECT` starts, so an error points at the semi-join, not an earlier plain use of the field. */
export function semiJoinAt(soql: string, field: string): number {
  const m = new RegExp(`(?<![A-Za-z0-9_.])${escapeRe(field)}\\s+(?:NOT\\s+)?IN\\s*\\(\\s*SELECT\\b`, 'i').exec(soql);
  return m ? m.index : locate(soql, field);
}

export function hasSemiJoin(where: WhereClause): boolean {
  for (let w: WhereClause | undefined = where; w; w = (w as { right?: WhereClause }).right) {
    const left = w.left as Record<string, unknown> | null;
    if (left && 'valueQuery' in left && left.valueQuery) return true;
  }
  return false;
}

/** SOQL reference, semi-join and anti-join restrictions: no more than two IN or NOT IN subselects per WHERE clause. */
const MAX_SEMI_JOINS = 2;

/**
 * SOQL's semi-join rules: at most two per WHERE clause (the text is assumed: one public repository expects it), a
 * subquery condition can't be combined with OR, and must sit at the top level of the WHERE clause (the texts are
 * Salesforce's MALFORMED_QUERY messages).
 */
export function checkSemiJoinPlacement(where: WhereClause, soql: string): void {
  let depth = 0;
  let orAtTop = false;
  let orNested = false;
  const semis: Array<{ field: string; depth: number }> = [];
  for (let w: WhereClause | undefined = where; w; w = (w as { right?: WhereClause }).right) {
    const left = w.left as Record<string, unknown> | null;
    depth += (left?.openParen as number | undefined) ?? 0;
    if (left && 'valueQuery' in left && left.valueQuery) semis.push({ field: String(left.field), depth });
    depth -= (left?.closeParen as number | undefined) ?? 0;
    if ('operator' in w && w.operator === 'OR') {
      if (depth === 0) orAtTop = true;
      else orNested = true;
    }
  }
  const at = (field: string): number => semiJoinAt(soql, field);
  if (semis.length > MAX_SEMI_JOINS) {
    throw new ApiError(
      400,
      'MALFORMED_QUERY',
      positioned(soql, at(semis[MAX_SEMI_JOINS].field), `Maximum ${MAX_SEMI_JOINS} semi join sub-selects are allowed`)
    );
  }
  const nested = semis.find((x) => x.depth > 0);
  if (nested && (orAtTop || orNested)) {
    throw new ApiError(
      400,
      'MALFORMED_QUERY',
      positioned(
        soql,
        at(nested.field),
        'Semi join sub-selects are only allowed at the top level WHERE expressions and not in nested WHERE expressions.'
      )
    );
  }
  if (semis.length > 0 && orAtTop) {
    throw new ApiError(
      400,
      'MALFORMED_QUERY',
      positioned(soql, at(semis[0].field), "Semi join sub-selects are not allowed with the 'OR' operator")
    );
  }
}

/** Boolean expression over flattened tokens; precedence NOT > AND > OR. */
export function parseBoolean<T>(toks: Array<{ t: string; fn?: (x: T) => boolean }>, soql: string): (x: T) => boolean {
  let i = 0;
  const fail = (): never => {
    throw new ApiError(
      400,
      'MALFORMED_QUERY',
      positioned(soql, locate(soql, 'WHERE'), 'unexpected token in condition')
    );
  };
  const primary = (): ((x: T) => boolean) => {
    const tok = toks[i++];
    if (!tok) return fail();
    if (tok.t === 'NOT') {
      const inner = primary();
      return (x) => !inner(x);
    }
    if (tok.t === '(') {
      const inner = orExpr();
      if (toks[i++]?.t !== ')') fail();
      return inner;
    }
    if (tok.t === 'C' && tok.fn) return tok.fn;
    return fail();
  };
  const andExpr = (): ((x: T) => boolean) => {
    let left = primary();
    while (toks[i]?.t === 'AND') {
      i++;
      const l = left;
      const r = primary();
      left = (x) => l(x) && r(x);
    }
    return left;
  };
  const orExpr = (): ((x: T) => boolean) => {
    let left = andExpr();
    while (toks[i]?.t === 'OR') {
      i++;
      const l = left;
      const r = andExpr();
      left = (x) => l(x) || r(x);
    }
    return left;
  };
  const fn = orExpr();
  if (i !== toks.length) fail();
  return fn;
}

// --- a condition's test, by operator ------------------------------------------------------------------

type Test = (rec: Rec) => boolean;

/** `=`, `!=`, `<>`: null matches null; a date literal's range; the metadata catalog may match values exactly. */
export function equalityTest(
  state: OrgState,
  lit: Literal,
  negate: boolean,
  path: Path,
  get: (rec: Rec) => unknown
): Test {
  const field = path.field;
  if (lit.kind === 'range') {
    return (rec) => {
      const t = toMillis(get(rec), field);
      const inRange = t !== undefined && t >= lit.range[0] && t < lit.range[1];
      return negate ? !inRange : inRange;
    };
  }
  const target = lit.norm;
  const exact = exactValueMatch(state, path.owner);
  return (rec) => {
    const v = get(rec);
    let eq: boolean;
    if (target === null) eq = v === null || v === undefined;
    else if (field.type === 'datetime' && typeof target === 'string')
      eq = toMillis(v, field) === toMillis(target, field);
    else eq = exact ? v === lit.value : norm(v, field) === target;
    return negate ? !eq : eq;
  };
}

/** `<`, `>`, `<=`, `>=`: null never matches; against a date literal, its range's bounds. */
export function orderingTest(lit: Literal, op: string, field: FieldDef, get: (rec: Rec) => unknown): Test {
  return (rec) => {
    const v = get(rec);
    if (v === null || v === undefined) return false;
    if (lit.kind === 'range') {
      const t = toMillis(v, field);
      if (t === undefined) return false;
      if (op === '<') return t < lit.range[0];
      if (op === '<=') return t < lit.range[1];
      if (op === '>') return t >= lit.range[1];
      return t >= lit.range[0];
    }
    if (lit.value === null) return false;
    const c = compare(v, lit.value, field);
    return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
  };
}

export function likeTest(lit: Literal, get: (rec: Rec) => unknown): Test {
  const re = likeToRegex(lit.kind === 'value' && typeof lit.value === 'string' ? lit.value : '');
  return (rec) => {
    const v = get(rec);
    return typeof v === 'string' && re.test(v);
  };
}

/** `IN` / `NOT IN` a list of values (a subselect is a semi-join: soql.ts). */
export function inTest(
  state: OrgState,
  values: Literal[],
  notIn: boolean,
  path: Path,
  get: (rec: Rec) => unknown
): Test {
  const exact = exactValueMatch(state, path.owner);
  const set = new Set(values.map((l) => (l.kind === 'value' ? (exact ? l.value : l.norm) : null)));
  return (rec) => {
    const v = exact ? (get(rec) as Scalar) : norm(get(rec), path.field);
    const hit = set.has(v);
    return notIn ? !hit : hit;
  };
}
