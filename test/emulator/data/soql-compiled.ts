// A compiled query's vocabulary (resolved paths, select items, the compiled query) and what shapes its answers:
// order, OFFSET / LIMIT windows, polymorphic Name lookups, and the column metadata of columns=true.

import type { Lookup } from './soql-index.js';
import type { FieldDef, ObjectDef } from './schema.js';
import { isNumeric } from './schema.js';
import type { Rec } from './state.js';
import { compare } from './soql-values.js';

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

/** A resolved field path: relationship hops, then a field. */
export interface Path {
  raw: string;
  hops: FieldDef[];
  /** object at each hop's end; NAME_OBJECT for polymorphic hops */
  objects: ObjectDef[];
  field: FieldDef;
  /** the object the final field lives on */
  owner: ObjectDef;
}

/** The object SOQL uses behind a polymorphic relationship (e.g. PermissionSet.License). */
export const NAME_OBJECT: ObjectDef = (() => {
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

export type Item =
  | { kind: 'field'; path: Path; alias?: string }
  | { kind: 'agg'; fn: string; path?: Path; alias?: string; raw: string; distinct: boolean }
  | { kind: 'sub'; rel: string; child: Compiled; parentField: string };

export interface Compiled {
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
  /** top-level conjuncts an index can answer (soql-index.ts) */
  lookups?: Lookup[];
}

export function samePath(a: Path, b: Path): boolean {
  return a.field === b.field && a.hops.length === b.hops.length && a.hops.every((h, i) => h === b.hops[i]);
}

export function nameObjectValue(def: ObjectDef, rec: Rec, field: string): unknown {
  if (field === 'Id') return rec.Id;
  if (field === 'Type') return def.name;
  return rec.Name ?? rec.MasterLabel ?? rec.DeveloperName ?? null;
}

export function window<T>(list: T[], offset?: number, limit?: number): T[] {
  const start = offset ?? 0;
  return list.slice(start, limit === undefined ? undefined : start + limit);
}

export function sortBy(groups: Rec[][], orderBy: Compiled['orderBy']): Rec[][] {
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

/** One column of columns=true: a field, an aggregate, a subquery (its columns joined), or a lookup path hop by hop. */
export function columnFor(item: Item, c: Compiled, index: number): ColumnMeta {
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
    col.joinColumns = item.child.items.map((ci, i) => columnFor(ci, item.child, i));
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
