// The org's tables: one per sObject, an id index, and a journal of writes, so a composite, an allOrNone call
// or a failed request can roll back what it wrote. OrgState (state.ts) is the org built on top of them.

import { IdFactory, to18 } from './ids.js';
import type { ObjectDef, Schema } from './schema.js';

export type Rec = Record<string, unknown> & { Id: string };

interface JournalEntry {
  kind: 'insert' | 'update' | 'delete';
  type: string;
  id: string;
  before?: Rec;
}

/** Salesforce's datetime format: 2026-01-31T12:00:00.000+0000 */
export function sfDateTime(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

export class Store {
  public readonly ids = new IdFactory();
  private readonly tables = new Map<string, Map<string, Rec>>();
  private readonly index = new Map<string, string>();
  private readonly deleted = new Set<string>();
  private journal: JournalEntry[] = [];
  /** Per table, a count of its writes: the SOQL engine's indexes are rebuilt when it moves (soql-index.ts). */
  private readonly versions = new Map<string, number>();
  private readonly booleans = new Map<ObjectDef, { version: number; names: string[] }>();
  private clockMs = 0;

  public constructor(public readonly schema: Schema) {}

  /** Strictly increasing timestamps, so LastModifiedDate orders writes even within one millisecond. */
  public now(): string {
    this.clockMs = Math.max(Date.now(), this.clockMs + 1);
    return sfDateTime(new Date(this.clockMs));
  }

  // --- reading ---------------------------------------------------------------------------------

  public table(type: string): Map<string, Rec> {
    const def = this.schema.require(type);
    let t = this.tables.get(def.name);
    if (!t) {
      t = new Map();
      this.tables.set(def.name, t);
    }
    return t;
  }

  /** A number that changes whenever a record of the table is inserted, changed, deleted or restored. */
  public tableVersion(type: string): number {
    return this.versions.get(type) ?? 0;
  }

  /** The stored boolean fields of an object (false unless given), worked out once per schema version. */
  private booleansOf(def: ObjectDef): string[] {
    const known = this.booleans.get(def);
    if (known?.version === this.schema.version) return known.names;
    const names = [...def.fields.values()].filter((f) => f.type === 'boolean' && !f.computed).map((f) => f.name);
    this.booleans.set(def, { version: this.schema.version, names });
    return names;
  }

  private touch(type: string): void {
    this.versions.set(type, this.tableVersion(type) + 1);
  }

  /** A record by any id shape (15 or 18 chars, any case for 18). */
  public find(id: unknown): { def: ObjectDef; rec: Rec } | undefined {
    const id18 = to18(id);
    if (!id18) return undefined;
    const type = this.index.get(id18.toUpperCase());
    if (!type) return undefined;
    const rec = this.table(type).get(this.canonicalId(id18) ?? id18);
    return rec ? { def: this.schema.require(type), rec } : undefined;
  }

  public get(type: string, id: unknown): Rec | undefined {
    const found = this.find(id);
    return found && found.def.name.toLowerCase() === type.toLowerCase() ? found.rec : undefined;
  }

  /** The stored casing of an 18-char id matched case-insensitively. */
  private canonicalId(id18: string): string | undefined {
    const type = this.index.get(id18.toUpperCase());
    if (!type) return undefined;
    const t = this.table(type);
    if (t.has(id18)) return id18;
    for (const key of t.keys()) if (key.toUpperCase() === id18.toUpperCase()) return key;
    return undefined;
  }

  // --- writing (journaled) -----------------------------------------------------------------------

  /** Stores a record as given (rules ran before); fills Id, audit fields and boolean defaults. */
  public insert(type: string, values: Record<string, unknown>, userId: string, fixedId?: string): Rec {
    const def = this.schema.require(type);
    const id = fixedId ?? this.ids.next(def.keyPrefix);
    const now = this.now();
    const rec: Rec = { Id: id };
    for (const name of this.booleansOf(def)) rec[name] = false;
    Object.assign(rec, values);
    if (def.fields.has('createddate')) {
      rec.CreatedDate = now;
      rec.CreatedById = userId || null;
      rec.LastModifiedDate = now;
      rec.LastModifiedById = userId || null;
      rec.SystemModstamp = now;
    }
    this.table(def.name).set(id, rec);
    this.index.set(id.toUpperCase(), def.name);
    this.journal.push({ kind: 'insert', type: def.name, id });
    this.touch(def.name);
    return rec;
  }

  public update(type: string, id: string, changes: Record<string, unknown>, userId: string): Rec {
    const def = this.schema.require(type);
    const rec = this.table(def.name).get(id);
    if (!rec) throw new Error(`update of missing ${type} ${id}`);
    this.journal.push({ kind: 'update', type: def.name, id, before: { ...rec } });
    Object.assign(rec, changes);
    this.touch(def.name);
    if (def.fields.has('lastmodifieddate')) {
      const now = this.now();
      rec.LastModifiedDate = now;
      rec.LastModifiedById = userId || null;
      rec.SystemModstamp = now;
    }
    return rec;
  }

  public remove(type: string, id: string): void {
    const def = this.schema.require(type);
    const rec = this.table(def.name).get(id);
    if (!rec) return;
    this.journal.push({ kind: 'delete', type: def.name, id, before: { ...rec } });
    this.deleted.add(id.toUpperCase());
    this.table(def.name).delete(id);
    this.index.delete(id.toUpperCase());
    this.touch(def.name);
  }

  /** True for an id whose record was deleted (REST answers ENTITY_IS_DELETED). */
  public wasDeleted(id: string): boolean {
    const id18 = to18(id);
    return id18 !== undefined && this.deleted.has(id18.toUpperCase()) && !this.index.has(id18.toUpperCase());
  }

  public savepoint(): number {
    return this.journal.length;
  }

  /** Undoes every write after the savepoint, newest first. */
  public rollback(savepoint: number): void {
    while (this.journal.length > savepoint) {
      const e = this.journal.pop() as JournalEntry;
      const t = this.table(e.type);
      this.touch(e.type);
      if (e.kind === 'insert') {
        t.delete(e.id);
        this.index.delete(e.id.toUpperCase());
      } else {
        t.set(e.id, e.before as Rec);
        this.index.set(e.id.toUpperCase(), e.type);
      }
    }
  }

  /** Records created, changed or deleted since the savepoint (each record once). */
  public writesSince(savepoint: number): number {
    const ids = new Set<string>();
    for (let i = savepoint; i < this.journal.length; i++) ids.add(this.journal[i].id);
    return ids.size;
  }

  /** The journal only matters inside one request; drop it between requests. */
  public resetJournal(): void {
    this.journal = [];
  }
}
