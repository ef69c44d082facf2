import type { SObjectRecord } from './org-client.js';
import { accessOf, type FieldAccess, type FieldGrant, type ObjectAccess, type ObjectGrant } from './permissions.js';

/**
 * The generated set's difference, access word by access word: what the flags add to the set as it is in the org,
 * what they take away (objects, fields or single words such as edit that the flags no longer name), and what stays.
 * A plan shows all three, so a narrower grant never removes access silently.
 */

/** Access on objects and fields, each with the access words concerned (a field's edit comes with read). */
export type AccessList = {
  objects: Array<{ object: string; access: ObjectAccess[] }>;
  fields: Array<{ field: string; access: FieldAccess[] }>;
};

/** What a run adds to the generated set, removes from it, and leaves as it is (a dry run: would add / remove). */
export type GeneratedSetChanges = { added: AccessList; removed: AccessList; unchanged: AccessList };

/** A field row's or grant's access words: edit always with read, as Salesforce requires. */
const fieldWords = (edit: boolean): FieldAccess[] => (edit ? ['read', 'edit'] : ['read']);

/** One name's access before and after, split into added, removed and unchanged words; empty lists left out. */
function split<W extends string>(
  before: readonly W[],
  after: readonly W[]
): { added: W[]; removed: W[]; unchanged: W[] } {
  return {
    added: after.filter((w) => !before.includes(w)),
    removed: before.filter((w) => !after.includes(w)),
    unchanged: after.filter((w) => before.includes(w)),
  };
}

/**
 * The changes from the set's rows in the org (`objectRows`, `fieldRows`; none for a new set) to the access the
 * flags name, in the flags' order, then what only the org has (in the org's spelling). Names match case-insensitively.
 */
export function generatedSetChanges(
  objectRows: readonly SObjectRecord[],
  fieldRows: readonly SObjectRecord[],
  objects: readonly ObjectGrant[],
  fields: readonly FieldGrant[]
): GeneratedSetChanges {
  const changes: GeneratedSetChanges = {
    added: { objects: [], fields: [] },
    removed: { objects: [], fields: [] },
    unchanged: { objects: [], fields: [] },
  };
  const key = (name: unknown): string => String(name).toLowerCase();
  const objectBefore = new Map(objectRows.map((r) => [key(r.SobjectType), { name: String(r.SobjectType), row: r }]));
  const objectAfter = new Map(objects.map((o) => [key(o.object), o]));
  for (const name of new Set([...objectAfter.keys(), ...objectBefore.keys()])) {
    const before = objectBefore.get(name);
    const after = objectAfter.get(name);
    const object = after?.object ?? before?.name ?? name;
    const parts = split(before ? accessOf(before.row) : [], after?.access ?? []);
    for (const change of ['added', 'removed', 'unchanged'] as const)
      if (parts[change].length) changes[change].objects.push({ object, access: parts[change] });
  }
  const fieldBefore = new Map(fieldRows.map((r) => [key(r.Field), { name: String(r.Field), row: r }]));
  const fieldAfter = new Map(fields.map((f) => [key(f.field), f]));
  for (const name of new Set([...fieldAfter.keys(), ...fieldBefore.keys()])) {
    const before = fieldBefore.get(name);
    const after = fieldAfter.get(name);
    const field = after?.field ?? before?.name ?? name;
    const parts = split(
      before ? fieldWords(before.row.PermissionsEdit === true) : [],
      after ? fieldWords(after.access === 'edit') : []
    );
    for (const change of ['added', 'removed', 'unchanged'] as const)
      if (parts[change].length) changes[change].fields.push({ field, access: parts[change] });
  }
  return changes;
}
