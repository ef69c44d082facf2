// The SOQL engine: a real parser (@jetstreamapp/soql-parser-js), a compiler from the parsed query to tests and
// paths over the org state, and an evaluator that answers in the REST shape (records, aggregates, columns=true).
// Errors use Salesforce's codes and its message shape (soql-errors.ts). The engine's pure parts live beside it:
// values and literals (soql-values.ts), WHERE structure and condition tests (soql-where.ts), the compiled query and
// answer shaping (soql-compiled.ts). The class stays one file, longer than 300 lines, because compiling and
// evaluating call each other: a subquery or semi-join compiles with the same engine, and evaluation follows the
// compiled paths through the state.

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
import { FieldDef, ObjectDef, isHidden } from './schema.js';
import { OrgState, Rec } from './state.js';
import { mayAccess } from '../rules/access.js';
import { checkCatalogQuery } from './setup-objects.js';
import {
  ColumnMeta,
  Compiled,
  Item,
  NAME_OBJECT,
  Path,
  columnFor,
  nameObjectValue,
  samePath,
  sortBy,
  window,
} from './soql-compiled.js';
import { locate, locateObject, malformed, positioned } from './soql-errors.js';
import { Indexes, Lookup, indexable } from './soql-index.js';
import { exactValueMatch } from './setup-objects.js';
import { Scalar, aggregateValues, literal, norm, unescapeLiteral } from './soql-values.js';
import {
  checkSemiJoinPlacement,
  equalityTest,
  hasSemiJoin,
  inTest,
  likeTest,
  orderingTest,
  parseBoolean,
  semiJoinAt,
} from './soql-where.js';

export type { ColumnMeta } from './soql-compiled.js';

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

export interface ColumnsResult {
  columnMetadata: ColumnMeta[];
  entityName: string;
  groupBy: boolean;
  idSelected: boolean;
  keyPrefix: string | null;
}

export class SoqlEngine {
  /** Indexes on Id and reference fields (soql-index.ts); `indexes.enabled = false` makes every query scan. */
  public readonly indexes: Indexes;

  public constructor(private readonly state: OrgState) {
    this.indexes = new Indexes(state);
  }

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
      columnMetadata: c.countOnly ? [] : c.items.map((item, i) => columnFor(item, c, i)),
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
    // Data objects need Read from the user's permission sets (rules/access.ts); setup objects stay readable.
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
    const groupBy = compileGroupBy(q, resolve, soql);
    const aggregate = items.some((i) => i.kind === 'agg') || groupBy.length > 0;
    if (aggregate) checkAggregateItems(items, groupBy, soql);
    const lookups: Lookup[] = [];
    const where = q.where
      ? this.compileWhere(q.where, (raw) => resolve(raw, true), soql, opts, def, lookups)
      : undefined;
    const having = q.having ? this.compileHaving(q.having, resolve, soql) : undefined;
    const orderBy = this.compileOrderBy(q, resolve, soql);
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
      lookups,
    };
  }

  private compileOrderBy(q: Query | Subquery, resolve: (raw: string) => Path, soql: string): Compiled['orderBy'] {
    return (q.orderBy ? (Array.isArray(q.orderBy) ? q.orderBy : [q.orderBy]) : []).map((o: OrderByClause) => {
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
      case 'FieldFunctionExpression':
        return compileFunction(f, def, resolve, soql, setCountOnly);
      case 'FieldSubquery':
        return [this.compileSubquery(f.subquery, def, soql, opts)];
      default:
        throw new ApiError(
          400,
          'MALFORMED_QUERY',
          positioned(soql, locate(soql, 'TYPEOF'), 'TYPEOF is not supported by the emulator')
        );
    }
  }

  /** A parent-child subquery (`SELECT (SELECT ... FROM Contacts) FROM Account`), through a child relationship. */
  private compileSubquery(sub: Subquery, def: ObjectDef, soql: string, opts: QueryOptions): Item {
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
    return { kind: 'sub', rel: rel.relationshipName, child, parentField: rel.field };
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
    // Seat counts on UserLicense can't be filtered from API 64.0 on (UserLicense object reference; error: behaviour licenseCountFilter).
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
    outer: ObjectDef,
    lookups: Lookup[]
  ): (rec: Rec) => boolean {
    type Tok =
      { t: '(' } | { t: ')' } | { t: 'AND' } | { t: 'OR' } | { t: 'NOT' } | { t: 'C'; fn: (rec: Rec) => boolean };
    const toks: Tok[] = [];
    // Conditions outside parentheses are the clause's conjuncts when no OR or NOT stands outside them too.
    let depth = 0;
    let onlyAnd = true;
    const topLevel: Lookup[] = [];
    const flatten = (w: WhereClause | undefined): void => {
      if (!w) return;
      const left = w.left as Record<string, unknown> | null;
      if (left && !('field' in left) && !('fn' in left)) {
        // "(NOT ..." arrives as a bare paren count followed by the NOT operator.
        for (let i = 0; i < ((left.openParen as number) ?? 0); i++) toks.push({ t: '(' });
        depth += (left.openParen as number) ?? 0;
      } else if (left) {
        for (let i = 0; i < ((left.openParen as number) ?? 0); i++) toks.push({ t: '(' });
        depth += (left.openParen as number) ?? 0;
        const atTop = depth === 0;
        toks.push({
          t: 'C',
          fn: this.compileCondition(left, resolve, soql, opts, outer, (l) => atTop && topLevel.push(l)),
        });
        for (let i = 0; i < ((left.closeParen as number) ?? 0); i++) toks.push({ t: ')' });
        depth -= (left.closeParen as number) ?? 0;
      }
      if ('operator' in w && w.operator) {
        if (depth === 0 && w.operator !== 'AND') onlyAnd = false;
        toks.push({ t: w.operator });
        flatten((w as { right: WhereClause }).right);
      }
    };
    flatten(where);
    checkSemiJoinPlacement(where, soql);
    const test = parseBoolean(toks, soql);
    if (onlyAnd) lookups.push(...topLevel);
    return test;
  }

  private compileCondition(
    cond: Record<string, unknown>,
    resolve: (raw: string) => Path,
    soql: string,
    opts: QueryOptions,
    outer: ObjectDef,
    onLookup: (lookup: Lookup) => void
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
    if ('valueQuery' in cond && cond.valueQuery) return this.compileSemiJoin(cond, path, op, soql, opts, outer, get);

    const literalTypes = Array.isArray(cond.literalType) ? (cond.literalType as string[]) : undefined;
    const rawValues = Array.isArray(cond.value) ? (cond.value as string[]) : [cond.value as string];
    const values = rawValues.map((raw, i) =>
      literal(raw, (literalTypes ? literalTypes[i] : cond.literalType) as string, field, path, op, soql, cond)
    );
    if (
      (op === '=' || op === 'IN') &&
      indexable(outer, path) &&
      !exactValueMatch(this.state, path.owner) &&
      values.every((v) => v.kind === 'value' && v.norm !== null)
    )
      onLookup({ path, keys: values.map((v) => (v as { norm: Scalar }).norm) });
    switch (op) {
      case '=':
      case '!=':
      case '<>':
        return equalityTest(this.state, values[0], op !== '=', path, get);
      case '<':
      case '>':
      case '<=':
      case '>=':
        return orderingTest(values[0], op, field, get);
      case 'LIKE':
        return likeTest(values[0], get);
      case 'IN':
      case 'NOT IN':
        return inTest(this.state, values, op === 'NOT IN', path, get);
      default:
        throw new ApiError(
          400,
          'INVALID_FIELD',
          positioned(soql, locate(soql, path.raw), `includes or excludes operator only valid on multipicklist field`)
        );
    }
  }

  /** `field IN (SELECT ...)` / `NOT IN`: the inner query runs once, on first use, for the set of its ids. */
  private compileSemiJoin(
    cond: Record<string, unknown>,
    path: Path,
    op: string,
    soql: string,
    opts: QueryOptions,
    outer: ObjectDef,
    get: (rec: Rec) => unknown
  ): (rec: Rec) => boolean {
    const field = path.field;
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
    const from = candidates ?? this.indexes.candidates(c.def, c.lookups) ?? this.state.records(c.def.name);
    let recs = from.filter((r) => !c.where || c.where(r));
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
        const group = groups.get(key);
        if (group) group.push(r);
        else groups.set(key, [r]);
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
        const children =
          this.indexes.enabled && !it.child.def.virtual && !link.computed
            ? this.indexes.matching(it.child.def, link, [parentKey])
            : this.state.records(it.child.def.name).filter((r) => norm(r[it.parentField], link) === parentKey);
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
}

function compileGroupBy(q: Query | Subquery, resolve: (raw: string) => Path, soql: string): Path[] {
  return (q.groupBy ? (Array.isArray(q.groupBy) ? q.groupBy : [q.groupBy]) : []).map((g: GroupByClause) => {
    if (!('field' in g))
      throw new ApiError(
        400,
        'MALFORMED_QUERY',
        positioned(soql, locate(soql, 'GROUP'), 'GROUP BY ROLLUP/CUBE and functions are not supported by the emulator')
      );
    return resolve(g.field);
  });
}

/** In an aggregate query every plain field is grouped, and there are no subqueries. */
function checkAggregateItems(items: Item[], groupBy: Path[], soql: string): void {
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

/** A function in SELECT: FIELDS(ALL | STANDARD | CUSTOM), COUNT(), the aggregates, or toLabel / format / convertCurrency. */
function compileFunction(
  f: FieldFunctionExpression,
  def: ObjectDef,
  resolve: (raw: string) => Path,
  soql: string,
  setCountOnly: (v: boolean) => void
): Item[] {
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
      throw new ApiError(400, 'MALFORMED_QUERY', positioned(soql, locate(soql, name), `${name} takes a field name`));
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
