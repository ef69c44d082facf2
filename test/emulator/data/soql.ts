// The SOQL engine: a real parser (@jetstreamapp/soql-parser-js) and an evaluator over the org state.
// Errors use Salesforce's codes and its message shape: the query echoed, a caret, "ERROR at Row:R:Column:C",
// then the reason.

import {
  parseQuery,
  Query,
  FieldType as SoqlField,
  WhereClause,
  HavingClause,
  OrderByClause,
  GroupByClause,
  FieldFunctionExpression,
  Subquery,
} from '@jetstreamapp/soql-parser-js';
import { ApiError, badRelationshipMessage, noSuchColumnMessage, text, unsupportedTypeMessage } from '../http/errors.js';
import { to18 } from './ids.js';
import { FieldDef, ObjectDef, isHidden, isNumeric } from './schema.js';
import { OrgState, Rec } from './state.js';
import { mayAccess } from '../rules/access.js';
import { checkCatalogQuery, exactValueMatch } from './setup-objects.js';

export interface QueryOptions {
  /** API version of the request, e.g. 66 */
  apiVersion: number;
  endpoint: 'data' | 'tooling';
  /** the session user; undefined = the emulator itself (full access) */
  userId?: string;
}

export type OutRecord = Record<string, unknown>;

export interface QueryResult {
  totalSize: number;
  done: boolean;
  records: OutRecord[];
  nextRecordsUrl?: string;
}

export interface ColumnMeta {
  aggregate: boolean;
  apexType: string | null;
  booleanType: boolean;
  columnName: string;
  custom: boolean;
  displayName: string;
  foreignKeyName: string | null;
  insertable: boolean;
  joinColumns: ColumnMeta[];
  numberType: boolean;
  textType: boolean;
  updatable: boolean;
}

export interface ColumnsResult {
  columnMetadata: ColumnMeta[];
  entityName: string;
  groupBy: boolean;
  idSelected: boolean;
  keyPrefix: string | null;
}

// --- error positions -------------------------------------------------------------------------------

function rowCol(soql: string, offset: number): { row: number; col: number; line: string } {
  const before = soql.slice(0, offset);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = soql.indexOf('\n', offset) === -1 ? soql.length : soql.indexOf('\n', offset);
  return { row, col: offset - lineStart + 1, line: soql.slice(lineStart, lineEnd) };
}

function positioned(soql: string, offset: number, message: string): string {
  const { row, col, line } = rowCol(soql, Math.max(0, offset));
  return `\n${line}\n${' '.repeat(col - 1)}^\nERROR at Row:${row}:Column:${col}\n${message}`;
}

/** Offsets inside string literals, so a search for a name never lands in a value. */
function literalMask(soql: string): boolean[] {
  const mask = new Array<boolean>(soql.length).fill(false);
  let inString = false;
  for (let i = 0; i < soql.length; i++) {
    const c = soql[i];
    if (inString) {
      mask[i] = true;
      if (c === '\\') {
        mask[i + 1] = true;
        i++;
      } else if (c === "'") inString = false;
    } else if (c === "'") {
      inString = true;
      mask[i] = true;
    }
  }
  return mask;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where `text` first appears as a whole name outside literals (0 when not found). */
function locate(soql: string, text: string, after = 0): number {
  const mask = literalMask(soql);
  const re = new RegExp(`(?<![A-Za-z0-9_.])${escapeRe(text)}(?![A-Za-z0-9_])`, 'gi');
  re.lastIndex = after;
  for (let m = re.exec(soql); m; m = re.exec(soql)) if (!mask[m.index]) return m.index;
  return after > 0 ? locate(soql, text, 0) : 0;
}

function locateObject(soql: string, name: string): number {
  const mask = literalMask(soql);
  const re = new RegExp(`\\bFROM\\s+(${escapeRe(name)})(?![A-Za-z0-9_])`, 'gi');
  for (let m = re.exec(soql); m; m = re.exec(soql)) if (!mask[m.index]) return m.index + m[0].length - m[1].length;
  return locate(soql, name);
}

// --- parse errors ----------------------------------------------------------------------------------

const TOKEN_RE = /\s+|'(?:\\.|[^'\\])*'?|!=|<>|<=|>=|[(),=<>]|[^\s(),'=<>!]+|./gy;

function isEofError(message: string): boolean {
  return (
    /but found: ''|found --> '' <--|expecting EOF but found: ''/.test(message) || /but found: '<EOF>'/.test(message)
  );
}

/** Re-parses growing prefixes to find the first token the parser can't accept. */
function malformed(soql: string, parserMessage: string): ApiError {
  const lex = /at offset: (\d+)/.exec(parserMessage);
  if (lex) {
    const offset = Number(lex[1]);
    return new ApiError(400, 'MALFORMED_QUERY', positioned(soql, offset, `unexpected token: '${soql[offset]}'`));
  }
  const tokens: Array<{ start: number; end: number; text: string }> = [];
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(soql); m && m[0].length > 0; m = TOKEN_RE.exec(soql)) {
    if (!/^\s+$/.test(m[0])) tokens.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
  }
  for (const t of tokens) {
    try {
      parseQuery(soql.slice(0, t.end));
    } catch (e) {
      if (!isEofError((e as Error).message))
        return new ApiError(400, 'MALFORMED_QUERY', positioned(soql, t.start, `unexpected token: '${t.text}'`));
    }
  }
  return new ApiError(400, 'MALFORMED_QUERY', positioned(soql, soql.trimEnd().length, 'unexpected token: <EOF>'));
}

// --- values ----------------------------------------------------------------------------------------

function unescapeLiteral(raw: string, keepLikeEscapes: boolean): string {
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

function likeToRegex(pattern: string): RegExp {
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

type Scalar = string | number | boolean | null;

/** Normalized form used for = / IN: ids as 18-char upper case, text lower case. */
function norm(v: unknown, field: FieldDef | undefined): Scalar {
  if (v === null || v === undefined) return null;
  if (field && (field.type === 'id' || field.type === 'reference')) return (to18(v) ?? text(v)).toUpperCase();
  if (typeof v === 'string') {
    if (field && (field.type === 'datetime' || field.type === 'date')) return v;
    return v.toLowerCase();
  }
  return v as Scalar;
}

function compare(a: unknown, b: unknown, field?: FieldDef): number {
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

const DAY = 86_400_000;

/** Date literal -> [start, end) in UTC milliseconds. */
function dateRange(literal: string, n: number | undefined): [number, number] | undefined {
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

function toMillis(v: unknown, field: FieldDef): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(field.type === 'date' && v.length === 10 ? `${v}T00:00:00Z` : v.replace(/\+0000$/, 'Z'));
  return Number.isNaN(t) ? undefined : t;
}

// --- the compiled query --------------------------------------------------------------------------

/** A resolved field path: relationship hops, then a field. */
interface Path {
  raw: string;
  hops: FieldDef[];
  /** object at each hop's end; NAME_OBJECT for polymorphic hops */
  objects: ObjectDef[];
  field: FieldDef;
  /** the object the final field lives on */
  owner: ObjectDef;
}

/** The object SOQL uses behind a polymorphic relationship (e.g. PermissionSet.License). */
const NAME_OBJECT: ObjectDef = (() => {
  const fields = new Map<string, FieldDef>();
  const add = (name: string, type: FieldDef['type']): void => {
    fields.set(name.toLowerCase(), { name, label: name, type, createable: false, updateable: false });
  };
  add('Id', 'id');
  add('Name', 'string');
  add('Type', 'picklist');
  return {
    name: 'Name',
    label: 'Name',
    keyPrefix: '',
    fields,
    fieldOrder: ['Id', 'Name', 'Type'],
    relationships: new Map(),
    childRelationships: new Map(),
    createable: false,
    updateable: false,
    deletable: false,
    endpoints: { data: true, tooling: true },
    custom: false,
    dataObject: false,
  };
})();

type Item =
  | { kind: 'field'; path: Path; alias?: string }
  | { kind: 'agg'; fn: string; path?: Path; alias?: string; raw: string; distinct: boolean }
  | { kind: 'sub'; rel: string; child: Compiled; parentField: string };

interface Compiled {
  def: ObjectDef;
  alias?: string;
  items: Item[];
  where?: (rec: Rec) => boolean;
  having?: (group: Rec[]) => boolean;
  groupBy: Path[];
  orderBy: Array<{ key: (recs: Rec[]) => unknown; field?: FieldDef; desc: boolean; nullsFirst: boolean }>;
  limit?: number;
  offset?: number;
  countOnly: boolean;
  aggregate: boolean;
}

export class SoqlEngine {
  public constructor(private readonly state: OrgState) {}

  /** Runs a query and returns every matching record (no batching). */
  public run(soql: string, opts: QueryOptions): QueryResult {
    return this.runShaped(soql, opts).result;
  }

  /** Runs a query; `aggregate` says whether it groups or aggregates (such answers can't be paged). */
  public runShaped(soql: string, opts: QueryOptions): { result: QueryResult; aggregate: boolean } {
    const compiled = this.compile(soql, opts);
    return { result: this.execute(compiled, opts), aggregate: compiled.aggregate };
  }

  public columns(soql: string, opts: QueryOptions): ColumnsResult {
    const c = this.compile(soql, opts);
    return {
      columnMetadata: c.countOnly ? [] : c.items.map((item, i) => this.columnFor(item, c, i)),
      entityName: c.def.name,
      groupBy: c.groupBy.length > 0,
      idSelected: c.items.some((it) => it.kind === 'field' && it.path.hops.length === 0 && it.path.field.name === 'Id'),
      keyPrefix: c.def.keyPrefix || null,
    };
  }

  // --- compile ---------------------------------------------------------------------------------

  private compile(soql: string, opts: QueryOptions): Compiled {
    let q: Query;
    try {
      q = parseQuery(soql);
    } catch (e) {
      throw malformed(soql, (e as Error).message);
    }
    return this.compileQuery(q, soql, opts);
  }

  private resolveObject(name: string | undefined, soql: string, opts: QueryOptions): ObjectDef {
    const def = name ? this.state.schema.get(name) : undefined;
    const denied = def && this.deniedForSession(def, opts);
    if (!def || !def.endpoints[opts.endpoint] || denied) {
      throw new ApiError(
        400,
        'INVALID_TYPE',
        positioned(soql, locateObject(soql, name ?? ''), unsupportedTypeMessage(name ?? ''))
      );
    }
    return def;
  }

  private deniedForSession(def: ObjectDef, opts: QueryOptions): boolean {
    if (!opts.userId) return false;
    const user = this.state.get('User', opts.userId);
    if (!user) return false;
    // Data objects need Read from the user's permission sets (access.ts); setup objects stay readable.
    if (!mayAccess(this.state, opts.userId, def, 'read')) return true;
    if (!this.state.isIntegrationUser(user)) return false;
    return this.state.behaviour.integrationUserDeniedTypes.some((t) => t.toLowerCase() === def.name.toLowerCase());
  }

  private compileQuery(q: Query | Subquery, soql: string, opts: QueryOptions, forcedDef?: ObjectDef): Compiled {
    const def = forcedDef ?? this.resolveObject((q as Query).sObject, soql, opts);
    const catalog = checkCatalogQuery(def, q);
    const alias = q.sObjectAlias;
    const resolve = (raw: string, filtering = false): Path => this.resolvePath(def, alias, raw, soql, opts, filtering);

    const items: Item[] = [];
    let countOnly = false;
    for (const f of q.fields ?? [])
      items.push(...this.compileSelectItem(f, def, resolve, soql, opts, (c) => (countOnly = c)));
    if (countOnly && items.length > 0) {
      throw new ApiError(
        400,
        'MALFORMED_QUERY',
        positioned(soql, locate(soql, 'COUNT'), 'COUNT() and COUNT(fieldName) can only be used alone in a SELECT')
      );
    }
    const groupBy = (q.groupBy ? (Array.isArray(q.groupBy) ? q.groupBy : [q.groupBy]) : []).map((g: GroupByClause) => {
      if (!('field' in g))
        throw new ApiError(
          400,
          'MALFORMED_QUERY',
          positioned(
            soql,
            locate(soql, 'GROUP'),
            'GROUP BY ROLLUP/CUBE and functions are not supported by the emulator'
          )
        );
      return resolve(g.field);
    });
    const aggregate = items.some((i) => i.kind === 'agg') || groupBy.length > 0;
    if (aggregate) {
      for (const it of items) {
        if (it.kind === 'field' && !groupBy.some((g) => samePath(g, it.path))) {
          throw new ApiError(
            400,
            'MALFORMED_QUERY',
            positioned(soql, locate(soql, it.path.raw), `Field must be grouped or aggregated: ${it.path.field.name}`)
          );
        }
        if (it.kind === 'sub')
          throw new ApiError(
            400,
            'MALFORMED_QUERY',
            positioned(soql, locate(soql, it.rel), 'Nested queries are not supported in aggregate queries')
          );
      }
    }
    const where = q.where ? this.compileWhere(q.where, (raw) => resolve(raw, true), soql, opts, def) : undefined;
    const having = q.having ? this.compileHaving(q.having, resolve, soql) : undefined;
    const orderBy = (q.orderBy ? (Array.isArray(q.orderBy) ? q.orderBy : [q.orderBy]) : []).map((o: OrderByClause) => {
      const desc = o.order === 'DESC';
      const nullsFirst = o.nulls ? o.nulls === 'FIRST' : !desc;
      if ('field' in o && o.field) {
        const p = resolve(o.field);
        return { key: (recs: Rec[]): unknown => this.pathValue(recs[0], p), field: p.field, desc, nullsFirst };
      }
      const fn = (o as { fn: FieldFunctionExpression }).fn;
      const agg = this.aggregator(fn.functionName ?? '', fn.parameters?.[0] as string | undefined, resolve, soql);
      return { key: agg, desc, nullsFirst };
    });
    // The metadata catalog ignores LIMIT and OFFSET (setup-objects.ts).
    return {
      def,
      alias,
      items,
      where,
      having,
      groupBy,
      orderBy,
      limit: catalog ? undefined : q.limit,
      offset: catalog ? undefined : q.offset,
      countOnly,
      aggregate,
    };
  }

  private compileSelectItem(
    f: SoqlField,
    def: ObjectDef,
    resolve: (raw: string) => Path,
    soql: string,
    opts: QueryOptions,
    setCountOnly: (v: boolean) => void
  ): Item[] {
    switch (f.type) {
      case 'Field':
        return [
          {
            kind: 'field',
            path: resolve('objectPrefix' in f && f.objectPrefix ? `${f.objectPrefix}.${f.field}` : f.field),
            alias: f.alias,
          },
        ];
      case 'FieldRelationship':
        return [{ kind: 'field', path: resolve(f.rawValue ?? [...f.relationships, f.field].join('.')) }];
      case 'FieldFunctionExpression': {
        const name = f.functionName.toUpperCase();
        if (name === 'FIELDS') {
          const which = text(f.parameters[0]).toUpperCase();
          return def.fieldOrder
            .map((n) => def.fields.get(n.toLowerCase()) as FieldDef)
            .filter((fd) => !isHidden(fd) && (which === 'ALL' || (which === 'CUSTOM' ? fd.custom : !fd.custom)))
            .map((fd) => ({ kind: 'field' as const, path: resolve(fd.name) }));
        }
        if (name === 'COUNT' && f.parameters.length === 0) {
          setCountOnly(true);
          return [];
        }
        if (['COUNT', 'COUNT_DISTINCT', 'MIN', 'MAX', 'SUM', 'AVG'].includes(name)) {
          const param = f.parameters[0];
          if (typeof param !== 'string')
            throw new ApiError(
              400,
              'MALFORMED_QUERY',
              positioned(soql, locate(soql, name), `${name} takes a field name`)
            );
          return [
            {
              kind: 'agg',
              fn: name,
              path: resolve(param),
              alias: f.alias,
              raw: f.rawValue ?? `${name}(${param})`,
              distinct: name === 'COUNT_DISTINCT',
            },
          ];
        }
        if (['TOLABEL', 'FORMAT', 'CONVERTCURRENCY'].includes(name) && typeof f.parameters[0] === 'string') {
          return [{ kind: 'field', path: resolve(f.parameters[0]), alias: f.alias }];
        }
        throw new ApiError(
          400,
          'MALFORMED_QUERY',
          positioned(soql, locate(soql, f.functionName), `unsupported function in the emulator: ${f.functionName}`)
        );
      }
      case 'FieldSubquery': {
        const sub = f.subquery;
        const rel = def.childRelationships.get(sub.relationshipName.toLowerCase());
        if (!rel) {
          throw new ApiError(
            400,
            'INVALID_TYPE',
            positioned(
              soql,
              locate(soql, sub.relationshipName),
              `Didn't understand relationship '${sub.relationshipName}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`
            )
          );
        }
        const child = this.compileQuery(sub, soql, opts, this.state.schema.require(rel.childObject));
        return [{ kind: 'sub', rel: rel.relationshipName, child, parentField: rel.field }];
      }
      default:
        throw new ApiError(
          400,
          'MALFORMED_QUERY',
          positioned(soql, locate(soql, 'TYPEOF'), 'TYPEOF is not supported by the emulator')
        );
    }
  }

  private resolvePath(
    def: ObjectDef,
    alias: string | undefined,
    raw: string,
    soql: string,
    opts: QueryOptions,
    filtering: boolean
  ): Path {
    let segments = raw.split('.');
    if (segments.length > 1) {
      const first = segments[0].toLowerCase();
      if (
        (alias && first === alias.toLowerCase()) ||
        (first === def.name.toLowerCase() && !def.relationships.has(first))
      )
        segments = segments.slice(1);
    }
    const hops: FieldDef[] = [];
    const objects: ObjectDef[] = [];
    let cur = def;
    for (const seg of segments.slice(0, -1)) {
      const rel = cur.relationships.get(seg.toLowerCase());
      if (!rel)
        throw new ApiError(400, 'INVALID_FIELD', positioned(soql, locate(soql, raw), badRelationshipMessage(seg)));
      hops.push(rel);
      const targets = rel.referenceTo ?? [];
      cur = targets.length === 1 ? this.state.schema.require(targets[0]) : NAME_OBJECT;
      objects.push(cur);
    }
    const last = segments[segments.length - 1];
    const field = cur.fields.get(last.toLowerCase());
    if (!field || isHidden(field))
      throw new ApiError(
        400,
        'INVALID_FIELD',
        positioned(soql, locate(soql, raw), noSuchColumnMessage(last, cur.name))
      );
    if (filtering) this.checkFilterable(cur, field, raw, soql, opts);
    return { raw, hops, objects, field, owner: cur };
  }

  private checkFilterable(owner: ObjectDef, field: FieldDef, raw: string, soql: string, opts: QueryOptions): void {
    // Facts §2 / §13 #13: seat counts on UserLicense can't be filtered from API 64.0 on.
    const seatCount = owner.name === 'UserLicense' && (field.name === 'TotalLicenses' || field.name === 'UsedLicenses');
    if (
      (seatCount && opts.apiVersion >= 64 && this.state.behaviour.licenseCountFilter === 'reject') ||
      field.filterable === false
    ) {
      throw new ApiError(
        400,
        'INVALID_FIELD',
        positioned(soql, locate(soql, raw), `field '${field.name}' can not be filtered in a query call`)
      );
    }
  }

  // --- WHERE ------------------------------------------------------------------------------------

  private compileWhere(
    where: WhereClause,
    resolve: (raw: string) => Path,
    soql: string,
    opts: QueryOptions,
    outer: ObjectDef
  ): (rec: Rec) => boolean {
    type Tok =
      { t: '(' } | { t: ')' } | { t: 'AND' } | { t: 'OR' } | { t: 'NOT' } | { t: 'C'; fn: (rec: Rec) => boolean };
    const toks: Tok[] = [];
    const flatten = (w: WhereClause | undefined): void => {
      if (!w) return;
      const left = w.left as Record<string, unknown> | null;
      if (left && !('field' in left) && !('fn' in left)) {
        // "(NOT ..." arrives as a bare paren count followed by the NOT operator.
        for (let i = 0; i < ((left.openParen as number) ?? 0); i++) toks.push({ t: '(' });
      } else if (left) {
        for (let i = 0; i < ((left.openParen as number) ?? 0); i++) toks.push({ t: '(' });
        toks.push({ t: 'C', fn: this.compileCondition(left, resolve, soql, opts, outer) });
        for (let i = 0; i < ((left.closeParen as number) ?? 0); i++) toks.push({ t: ')' });
      }
      if ('operator' in w && w.operator) {
        toks.push({ t: w.operator });
        flatten((w as { right: WhereClause }).right);
      }
    };
    flatten(where);
    checkSemiJoinPlacement(where, soql);
    return parseBoolean(toks, soql);
  }

  private compileCondition(
    cond: Record<string, unknown>,
    resolve: (raw: string) => Path,
    soql: string,
    opts: QueryOptions,
    outer: ObjectDef
  ): (rec: Rec) => boolean {
    if ('fn' in cond)
      throw new ApiError(
        400,
        'MALFORMED_QUERY',
        positioned(soql, locate(soql, 'WHERE'), 'functions in WHERE are not supported by the emulator')
      );
    const path = resolve(cond.field as string);
    const field = path.field;
    const op = String(cond.operator).toUpperCase();
    const get = (rec: Rec): unknown => this.pathValue(rec, path);

    if ('valueQuery' in cond && cond.valueQuery) {
      if (field.type !== 'id' && field.type !== 'reference') {
        throw new ApiError(
          400,
          'INVALID_FIELD',
          positioned(soql, locate(soql, path.raw), `Invalid field for semi/anti join: ${field.name}`)
        );
      }
      // SOQL reference, semi-join and anti-join restrictions: no semi-join inside a semi-join, and the inner select
      // on another object than the outer one (texts as orgs answer them, quoted in public repositories).
      const inner = cond.valueQuery as Query;
      if (inner.where && hasSemiJoin(inner.where)) {
        throw new ApiError(
          400,
          'MALFORMED_QUERY',
          positioned(soql, semiJoinAt(soql, String(cond.field)), 'Nesting of semi join sub-selects is not supported')
        );
      }
      const sub = this.compileQuery(inner, soql, opts);
      if (sub.def.name === outer.name) {
        throw new ApiError(
          400,
          'MALFORMED_QUERY',
          positioned(
            soql,
            semiJoinAt(soql, String(cond.field)),
            'The inner and outer selects should not be on the same object type'
          )
        );
      }
      const subField = sub.items.length === 1 && sub.items[0].kind === 'field' ? sub.items[0].path : undefined;
      if (!subField || (subField.field.type !== 'id' && subField.field.type !== 'reference')) {
        throw new ApiError(
          400,
          'MALFORMED_QUERY',
          positioned(
            soql,
            locate(soql, 'SELECT', 10),
            'The selected field in a semi join subquery must be an Id or reference field'
          )
        );
      }
      let ids: Set<Scalar> | undefined;
      const idSet = (): Set<Scalar> => {
        ids ??= new Set(this.matching(sub).map((r) => norm(this.pathValue(r, subField), subField.field)));
        return ids;
      };
      const notIn = op === 'NOT IN';
      return (rec) => {
        const v = norm(get(rec), field);
        const hit = v !== null && idSet().has(v);
        return notIn ? !hit : hit;
      };
    }

    const literalTypes = Array.isArray(cond.literalType) ? (cond.literalType as string[]) : undefined;
    const rawValues = Array.isArray(cond.value) ? (cond.value as string[]) : [cond.value as string];
    const values = rawValues.map((raw, i) =>
      this.literal(raw, (literalTypes ? literalTypes[i] : cond.literalType) as string, field, path, op, soql, cond)
    );

    switch (op) {
      case '=':
      case '!=':
      case '<>': {
        const lit = values[0];
        const negate = op !== '=';
        if (lit.kind === 'range') {
          return (rec) => {
            const t = toMillis(get(rec), field);
            const inRange = t !== undefined && t >= lit.range[0] && t < lit.range[1];
            return negate ? !inRange : inRange;
          };
        }
        const target = lit.kind === 'value' ? lit.norm : null;
        const exact = lit.kind === 'value' && exactValueMatch(this.state, path.owner);
        return (rec) => {
          const v = get(rec);
          let eq: boolean;
          if (target === null) eq = v === null || v === undefined;
          else if (field.type === 'datetime' && typeof target === 'string')
            eq = toMillis(v, field) === toMillis(target, field);
          else eq = exact ? v === (lit as { value: Scalar }).value : norm(v, field) === target;
          return negate ? !eq : eq;
        };
      }
      case '<':
      case '>':
      case '<=':
      case '>=': {
        const lit = values[0];
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
      case 'LIKE': {
        const lit = values[0];
        const re = likeToRegex(lit.kind === 'value' && typeof lit.value === 'string' ? lit.value : '');
        return (rec) => {
          const v = get(rec);
          return typeof v === 'string' && re.test(v);
        };
      }
      case 'IN':
      case 'NOT IN': {
        const exact = exactValueMatch(this.state, path.owner);
        const set = new Set(values.map((l) => (l.kind === 'value' ? (exact ? l.value : l.norm) : null)));
        const notIn = op === 'NOT IN';
        return (rec) => {
          const v = exact ? (get(rec) as Scalar) : norm(get(rec), field);
          const hit = set.has(v);
          return notIn ? !hit : hit;
        };
      }
      default:
        throw new ApiError(
          400,
          'INVALID_FIELD',
          positioned(soql, locate(soql, path.raw), `includes or excludes operator only valid on multipicklist field`)
        );
    }
  }

  private literal(
    raw: string,
    literalType: string,
    field: FieldDef,
    path: Path,
    op: string,
    soql: string,
    cond: Record<string, unknown>
  ): { kind: 'value'; value: Scalar; norm: Scalar } | { kind: 'range'; range: [number, number] } {
    const at = (): number => locate(soql, path.raw);
    const typeName: Record<string, string> = {
      boolean: 'boolean',
      int: 'integer',
      double: 'double',
      currency: 'currency',
      percent: 'percent',
      date: 'date',
      datetime: 'dateTime',
    };
    const fail = (message: string): never => {
      throw new ApiError(400, 'INVALID_FIELD', positioned(soql, at(), message));
    };
    const numeric = isNumeric(field.type);
    const temporal = field.type === 'date' || field.type === 'datetime';
    switch (literalType) {
      case 'NULL':
        return { kind: 'value', value: null, norm: null };
      case 'STRING': {
        if (field.type === 'boolean' || numeric || temporal) {
          fail(
            `value of filter criterion for field '${field.name}' must be of type ${typeName[field.type]} and should not be enclosed in quotes`
          );
        }
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
            positioned(soql, at(), `invalid ID field: ${value}`)
          );
        }
        return { kind: 'value', value, norm: norm(value, field) };
      }
      case 'BOOLEAN': {
        if (field.type !== 'boolean')
          fail(
            `value of filter criterion for field '${field.name}' must be of type ${typeName[field.type] ?? 'string'} and should be enclosed in quotes`
          );
        const b = raw.toUpperCase() === 'TRUE';
        return { kind: 'value', value: b, norm: b };
      }
      case 'INTEGER':
      case 'DECIMAL':
      case 'INTEGER_WITH_CURRENCY_PREFIX':
      case 'DECIMAL_WITH_CURRENCY_PREFIX': {
        if (!numeric)
          fail(
            `value of filter criterion for field '${field.name}' must be of type ${typeName[field.type] ?? 'string'} and should be enclosed in quotes`
          );
        const n = Number(raw.replace(/^[A-Z]{3}/, ''));
        return { kind: 'value', value: n, norm: n };
      }
      case 'DATETIME':
      case 'DATE': {
        if (!temporal)
          fail(
            `value of filter criterion for field '${field.name}' must be of type ${typeName[field.type] ?? 'string'} and should be enclosed in quotes`
          );
        if (field.type === 'datetime' && literalType === 'DATE') {
          const start = Date.parse(`${raw}T00:00:00Z`);
          return { kind: 'range', range: [start, start + DAY] };
        }
        return { kind: 'value', value: raw, norm: raw };
      }
      case 'DATE_LITERAL':
      case 'DATE_N_LITERAL': {
        if (!temporal)
          fail(
            `value of filter criterion for field '${field.name}' must be of type ${typeName[field.type] ?? 'string'} and should be enclosed in quotes`
          );
        const nValue = cond.dateLiteralVariable;
        const range = dateRange(raw, Array.isArray(nValue) ? (nValue[0] as number) : (nValue as number | undefined));
        if (!range)
          throw new ApiError(
            400,
            'MALFORMED_QUERY',
            positioned(soql, locate(soql, raw.split(':')[0]), `date literal ${raw} is not supported by the emulator`)
          );
        return { kind: 'range', range };
      }
      default:
        return fail(`unsupported literal ${raw}`);
    }
  }

  // --- HAVING / aggregates -------------------------------------------------------------------------

  private aggregator(
    fnName: string,
    param: string | undefined,
    resolve: (raw: string) => Path,
    soql: string
  ): (recs: Rec[]) => unknown {
    const fn = fnName.toUpperCase();
    if (fn === 'COUNT' && !param) return (recs) => recs.length;
    if (!param || !['COUNT', 'COUNT_DISTINCT', 'MIN', 'MAX', 'SUM', 'AVG'].includes(fn)) {
      throw new ApiError(
        400,
        'MALFORMED_QUERY',
        positioned(soql, locate(soql, fnName), `unsupported aggregate function: ${fnName}`)
      );
    }
    const path = resolve(param);
    return (recs) =>
      aggregateValues(
        fn,
        recs.map((r) => this.pathValue(r, path)),
        path.field
      );
  }

  private compileHaving(having: HavingClause, resolve: (raw: string) => Path, soql: string): (group: Rec[]) => boolean {
    type Tok =
      { t: '(' } | { t: ')' } | { t: 'AND' } | { t: 'OR' } | { t: 'NOT' } | { t: 'C'; fn: (group: Rec[]) => boolean };
    const toks: Tok[] = [];
    const flatten = (h: HavingClause | undefined): void => {
      if (!h) return;
      const left = h.left as unknown as Record<string, unknown>;
      if (left) {
        for (let i = 0; i < ((left.openParen as number) ?? 0); i++) toks.push({ t: '(' });
        if ('fn' in left) {
          const fn = left.fn as FieldFunctionExpression;
          const agg = this.aggregator(fn.functionName ?? '', fn.parameters?.[0] as string | undefined, resolve, soql);
          const target = Number(left.value);
          const op = String(left.operator);
          toks.push({
            t: 'C',
            fn: (group) => {
              const v = agg(group) as number;
              return op === '='
                ? v === target
                : op === '!='
                  ? v !== target
                  : op === '<'
                    ? v < target
                    : op === '>'
                      ? v > target
                      : op === '<='
                        ? v <= target
                        : v >= target;
            },
          });
        } else {
          const path = resolve(left.field as string);
          const target = norm(unescapeLiteral(String(left.value), false), path.field);
          toks.push({ t: 'C', fn: (group) => norm(this.pathValue(group[0], path), path.field) === target });
        }
        for (let i = 0; i < ((left.closeParen as number) ?? 0); i++) toks.push({ t: ')' });
      }
      if ('operator' in h && h.operator) {
        toks.push({ t: h.operator });
        flatten((h as { right: HavingClause }).right);
      }
    };
    flatten(having);
    return parseBoolean(toks, soql);
  }

  // --- evaluation ----------------------------------------------------------------------------------

  /** A path's value for a record: follows lookups; null when a hop is empty. */
  private pathValue(rec: Rec | undefined, path: Path): unknown {
    let cur: Rec | undefined = rec;
    let curDef: ObjectDef | undefined;
    for (const hop of path.hops) {
      if (!cur) return null;
      const found = this.state.resolveReference(hop, cur[hop.name]);
      if (!found) return null;
      cur = found.rec;
      curDef = found.def;
    }
    if (!cur) return null;
    if (path.owner === NAME_OBJECT) return nameObjectValue(curDef as ObjectDef, cur, path.field.name);
    const owner = curDef ?? path.owner;
    return this.state.value(owner, cur, path.field);
  }

  private matching(c: Compiled, candidates?: Rec[]): Rec[] {
    let recs = (candidates ?? this.state.records(c.def.name)).filter((r) => !c.where || c.where(r));
    if (!c.aggregate && c.orderBy.length > 0)
      recs = sortBy(
        recs.map((r) => [r]),
        c.orderBy
      ).map((g) => g[0]);
    return recs;
  }

  private execute(c: Compiled, opts: QueryOptions, candidates?: Rec[]): QueryResult {
    const version = `v${opts.apiVersion.toFixed(1)}`;
    let recs = this.matching(c, candidates);
    if (c.countOnly) {
      const n = Math.min(recs.length - Math.min(recs.length, c.offset ?? 0), c.limit ?? Infinity);
      return { totalSize: n, done: true, records: [] };
    }
    if (c.aggregate) {
      const groups = new Map<string, Rec[]>();
      if (c.groupBy.length === 0) groups.set('', recs);
      for (const r of c.groupBy.length ? recs : []) {
        const key = JSON.stringify(c.groupBy.map((g) => norm(this.pathValue(r, g), g.field)));
        groups.set(key, [...(groups.get(key) ?? []), r]);
      }
      let list = [...groups.values()].filter((g) => !c.having || c.having(g));
      if (c.orderBy.length) list = sortBy(list, c.orderBy);
      list = window(list, c.offset, c.limit);
      const out = list.map((group) => {
        const row: OutRecord = { attributes: { type: 'AggregateResult' } };
        let expr = 0;
        for (const it of c.items) {
          if (it.kind === 'field')
            row[it.alias ?? it.path.field.name] = group.length ? this.pathValue(group[0], it.path) : null;
          else if (it.kind === 'agg') {
            const key = it.alias ?? `expr${expr++}`;
            row[key] = aggregateValues(
              it.fn,
              group.map((r) => (it.path ? this.pathValue(r, it.path) : r.Id)),
              it.path?.field
            );
          }
        }
        return row;
      });
      return { totalSize: out.length, done: true, records: out };
    }
    recs = window(recs, c.offset, c.limit);
    return { totalSize: recs.length, done: true, records: recs.map((r) => this.project(c, r, version, opts)) };
  }

  /** One record in the REST shape: attributes, selected fields, nested lookups, child subqueries. */
  private project(c: Compiled, rec: Rec, version: string, opts: QueryOptions): OutRecord {
    // The Tooling API answers with its own sObject URLs; entity metadata rows are addressed by DurableId.
    const url = (def: ObjectDef, r: Rec): string =>
      `/services/data/${version}/${opts.endpoint === 'tooling' ? 'tooling/' : ''}sobjects/${def.name}/${text(r[def.urlKey ?? 'Id'])}`;
    const out: OutRecord = { attributes: { type: c.def.name, url: url(c.def, rec) } };
    const recOf = new Map<OutRecord, { def: ObjectDef; rec: Rec }>([[out, { def: c.def, rec }]]);
    for (const it of c.items) {
      if (it.kind === 'sub') {
        const link = it.child.def.fields.get(it.parentField.toLowerCase()) as FieldDef;
        const parentKey = norm(rec[link.referenceKey ?? 'Id'], link);
        const children = this.state
          .records(it.child.def.name)
          .filter((r) => norm(r[it.parentField], link) === parentKey);
        const res = this.execute(it.child, opts, children);
        out[it.rel] = res.totalSize > 0 ? res : null;
        continue;
      }
      if (it.kind !== 'field') continue;
      let target = out;
      let ok = true;
      for (let i = 0; i < it.path.hops.length; i++) {
        const hop = it.path.hops[i];
        const key = hop.relationshipName as string;
        if (!(key in target)) {
          const holder = recOf.get(target);
          const found = holder ? this.state.resolveReference(hop, holder.rec[hop.name]) : undefined;
          if (found) {
            const polymorphic = it.path.objects[i] === NAME_OBJECT;
            const nested: OutRecord = {
              attributes: { type: polymorphic ? 'Name' : found.def.name, url: url(found.def, found.rec) },
            };
            recOf.set(nested, found);
            target[key] = nested;
          } else target[key] = null;
        }
        const next = target[key] as OutRecord | null;
        if (!next) {
          ok = false;
          break;
        }
        target = next;
      }
      if (!ok) continue;
      const holder = recOf.get(target) as { def: ObjectDef; rec: Rec };
      const value =
        it.path.owner === NAME_OBJECT
          ? nameObjectValue(holder.def, holder.rec, it.path.field.name)
          : this.state.value(holder.def, holder.rec, it.path.field);
      target[it.path.hops.length === 0 && it.alias ? it.alias : it.path.field.name] = value;
    }
    return out;
  }

  // --- columns=true ----------------------------------------------------------------------------------

  private columnFor(item: Item, c: Compiled, index: number): ColumnMeta {
    const base = (name: string, display: string, field?: FieldDef): ColumnMeta => ({
      aggregate: false,
      apexType: field ? apexType(field) : null,
      booleanType: field?.type === 'boolean',
      columnName: name,
      custom: field?.custom ?? false,
      displayName: display,
      foreignKeyName: null,
      insertable: field?.createable ?? false,
      joinColumns: [],
      numberType: field ? isNumeric(field.type) : false,
      textType: field ? !['boolean', 'date', 'datetime'].includes(field.type) && !isNumeric(field.type) : false,
      updatable: field?.updateable ?? false,
    });
    if (item.kind === 'agg') {
      const exprIndex = c.items.slice(0, index).filter((i) => i.kind === 'agg' && !i.alias).length;
      const col = base(item.alias ?? `expr${exprIndex}`, item.raw);
      col.aggregate = true;
      col.apexType = item.fn.startsWith('COUNT') ? 'Integer' : item.path ? apexType(item.path.field) : null;
      col.numberType = item.fn.startsWith('COUNT') || item.fn === 'SUM' || item.fn === 'AVG';
      return col;
    }
    if (item.kind === 'sub') {
      const col = base(item.rel, item.rel);
      col.aggregate = true;
      col.joinColumns = item.child.items.map((ci, i) => this.columnFor(ci, item.child, i));
      return col;
    }
    const p = item.path;
    if (p.hops.length === 0) return base(item.alias ?? p.field.name, item.alias ?? p.field.name, p.field);
    // Relationship path: a column per hop, nested through joinColumns.
    const names = p.hops.map((h) => h.relationshipName as string);
    const build = (i: number): ColumnMeta => {
      if (i === p.hops.length) return base(p.field.name, [...names, p.field.name].join('.'), p.field);
      const col = base(names[i], names.slice(0, i + 1).join('.'));
      col.foreignKeyName = p.hops[i].name;
      col.joinColumns = [build(i + 1)];
      return col;
    };
    return build(0);
  }
}

function apexType(f: FieldDef): string {
  const map: Record<string, string> = {
    id: 'Id',
    reference: 'Id',
    boolean: 'Boolean',
    int: 'Integer',
    double: 'Double',
    currency: 'Decimal',
    percent: 'Decimal',
    date: 'Date',
    datetime: 'Datetime',
  };
  return map[f.type] ?? 'String';
}

function samePath(a: Path, b: Path): boolean {
  return a.field === b.field && a.hops.length === b.hops.length && a.hops.every((h, i) => h === b.hops[i]);
}

function nameObjectValue(def: ObjectDef, rec: Rec, field: string): unknown {
  if (field === 'Id') return rec.Id;
  if (field === 'Type') return def.name;
  return rec.Name ?? rec.MasterLabel ?? rec.DeveloperName ?? null;
}

function aggregateValues(fn: string, values: unknown[], field?: FieldDef): unknown {
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

function window<T>(list: T[], offset?: number, limit?: number): T[] {
  const start = offset ?? 0;
  return list.slice(start, limit === undefined ? undefined : start + limit);
}

function sortBy(groups: Rec[][], orderBy: Compiled['orderBy']): Rec[][] {
  const keyed = groups.map((g) => ({ g, keys: orderBy.map((o) => o.key(g)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < orderBy.length; i++) {
      const o = orderBy[i];
      const va = a.keys[i];
      const vb = b.keys[i];
      const na = va === null || va === undefined;
      const nb = vb === null || vb === undefined;
      if (na && nb) continue;
      if (na || nb) return na === o.nullsFirst ? -1 : 1;
      const c = compare(va, vb, o.field);
      if (c !== 0) return o.desc ? -c : c;
    }
    return 0;
  });
  return keyed.map((k) => k.g);
}

/** Where `field IN (SELECT` starts, so an error points at the semi-join, not an earlier plain use of the field. */
function semiJoinAt(soql: string, field: string): number {
  const m = new RegExp(`(?<![A-Za-z0-9_.])${escapeRe(field)}\\s+(?:NOT\\s+)?IN\\s*\\(\\s*SELECT\\b`, 'i').exec(soql);
  return m ? m.index : locate(soql, field);
}

function hasSemiJoin(where: WhereClause): boolean {
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
function checkSemiJoinPlacement(where: WhereClause, soql: string): void {
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
function parseBoolean<T>(toks: Array<{ t: string; fn?: (x: T) => boolean }>, soql: string): (x: T) => boolean {
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
