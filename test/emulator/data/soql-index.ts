// Indexes of the SOQL engine, so a query on a large org (seeds/generate.ts) reads the records its filter names
// instead of the whole table: a top-level AND conjunct `Field = value` or `Field IN (...)` on an Id or reference
// field of the queried object picks its candidates from a map of that field's values; the whole WHERE clause still
// runs on each candidate, so answers are the scan's, in the same (table) order (soql-index.test.ts compares them).
// An index is built on first use and again after a write to its table (Store.tableVersion).

import type { FieldDef, ObjectDef } from './schema.js';
import type { OrgState, Rec } from './state.js';
import type { Path } from './soql-compiled.js';
import { Scalar, norm } from './soql-values.js';

/** A conjunct the index can answer: the field (no relationship hops) and its normalized values. */
export interface Lookup {
  path: Path;
  keys: Scalar[];
}

interface Index {
  version: number;
  byKey: Map<Scalar, Rec[]>;
  order: Map<Rec, number>;
}

/** Id and reference fields of stored (not virtual, not computed) objects. */
export function indexable(def: ObjectDef, path: Path): boolean {
  const field = path.field;
  return (
    !def.virtual &&
    path.hops.length === 0 &&
    path.owner === def &&
    !field.computed &&
    (field.type === 'id' || field.type === 'reference')
  );
}

export class Indexes {
  /** false: every query scans its table (for comparing answers). */
  public enabled = true;
  /** Queries whose candidates came from an index (tests see that the index was used). */
  public hits = 0;
  private readonly indexes = new Map<string, Index>();

  public constructor(private readonly state: OrgState) {}

  /** The fewest candidates any lookup gives, in table order; undefined when there is no lookup. */
  public candidates(def: ObjectDef, lookups: Lookup[] | undefined): Rec[] | undefined {
    if (!this.enabled || !lookups?.length) return undefined;
    let best: Rec[] | undefined;
    for (const lookup of lookups) {
      const recs = this.matching(def, lookup.path.field, lookup.keys);
      if (!best || recs.length < best.length) best = recs;
    }
    this.hits++;
    return best;
  }

  /** The records whose field holds one of the keys, in table order. */
  public matching(def: ObjectDef, field: FieldDef, keys: Scalar[]): Rec[] {
    const index = this.index(def, field);
    const unique = [...new Set(keys)];
    if (unique.length === 1) return index.byKey.get(unique[0]) ?? [];
    return unique
      .flatMap((key) => index.byKey.get(key) ?? [])
      .sort((a, b) => (index.order.get(a) as number) - (index.order.get(b) as number));
  }

  private index(def: ObjectDef, field: FieldDef): Index {
    const name = `${def.name}.${field.name}`;
    const version = this.state.tableVersion(def.name);
    const known = this.indexes.get(name);
    if (known?.version === version) return known;
    const index: Index = { version, byKey: new Map(), order: new Map() };
    // Many rows share a value (a user's logins): its normal form is worked out once.
    const keyOf = new Map<unknown, Scalar>();
    for (const rec of this.state.table(def.name).values()) {
      index.order.set(rec, index.order.size);
      const value = this.state.value(def, rec, field);
      let key = keyOf.get(value);
      if (key === undefined) {
        key = norm(value, field);
        keyOf.set(value, key);
      }
      const bucket = index.byKey.get(key);
      if (bucket) bucket.push(rec);
      else index.byKey.set(key, [rec]);
    }
    this.indexes.set(name, index);
    return index;
  }
}
