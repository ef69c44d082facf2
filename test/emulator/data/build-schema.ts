// The part of the seed that shapes the schema, applied before anything else reads it: the data objects the
// seed declares or fills, their declared fields (new ones added, existing ones amended), and the fields its
// records use, typed from their values.

import { SeedError } from '../seeds/check.js';
import type { ResolvedSeed, SeedRecordValue } from '../seeds/types.js';
import { FieldType, ObjectDef } from './schema.js';
import { OrgState } from './state.js';

export function declareSeedSchema(st: OrgState, seed: ResolvedSeed): void {
  declareObjects(st, seed);
  declareFields(st, seed);
  inferFields(st, seed);
}

function inferType(values: SeedRecordValue[]): FieldType {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) return 'boolean';
  if (present.length > 0 && present.every((v) => typeof v === 'number'))
    return present.every((v) => Number.isInteger(v)) ? 'int' : 'double';
  return 'string';
}

/** 'AccountId' -> 'Account', 'Invoice__c' -> 'Invoice__r' */
function relationshipNameFor(field: string): string {
  return field.endsWith('__c') ? field.replace(/__c$/, '__r') : field.replace(/Id$/, '');
}

/** The seed's `objects` and the objects its `records` name, before anything else reads the schema. */
function declareObjects(st: OrgState, seed: ResolvedSeed): void {
  const dataObject = (section: 'objects' | 'records', typeName: string, label?: string): ObjectDef => {
    const known = st.schema.get(typeName);
    if (known && !known.dataObject)
      throw new SeedError(
        `seed.${section}.${typeName}`,
        `${known.name} is a setup object; describe it in its own seed section`
      );
    return known ?? st.ensureDataObject(typeName, label);
  };
  for (const [typeName, o] of Object.entries(seed.objects)) {
    const def = dataObject('objects', typeName, o.label);
    if (o.label) def.label = o.label;
    if (o.entityParticles === false) {
      def.noEntityParticles = true;
      st.schema.version++;
    }
  }
  for (const typeName of Object.keys(seed.records)) dataObject('records', typeName);
}

/** Declared fields (lookups may point at any declared object): new ones added, existing ones amended. */
function declareFields(st: OrgState, seed: ResolvedSeed): void {
  for (const [typeName, o] of Object.entries(seed.objects)) {
    const def = st.schema.require(typeName);
    for (const [name, f] of Object.entries(o.fields ?? {})) {
      const path = `seed.objects.${typeName}.fields.${name}`;
      const existing = def.fields.get(name.toLowerCase());
      if (existing) {
        if (f.type !== undefined && f.type !== existing.type)
          throw new SeedError(`${path}.type`, `${def.name}.${existing.name} is a ${existing.type} field`);
        if (f.referenceTo)
          throw new SeedError(
            `${path}.referenceTo`,
            `${def.name}.${existing.name} already exists; its targets can't change`
          );
        if (f.required && !existing.createable)
          throw new SeedError(`${path}.required`, `${def.name}.${existing.name} is read-only and can't be required`);
        if (f.required !== undefined) existing.required = f.required;
        if (f.label !== undefined) existing.label = f.label;
        if (f.length !== undefined) existing.length = f.length;
        st.schema.version++;
        continue;
      }
      const referenceTo = f.referenceTo?.map((t, i) => {
        const target = st.schema.get(t);
        if (!target || !target.endpoints.data || target.virtual)
          throw new SeedError(`${path}.referenceTo[${i}]`, `no sObject named '${t}'`);
        return target.name;
      });
      const type = f.type ?? 'string';
      st.schema.addField(def, {
        name,
        type,
        label: f.label,
        required: f.required,
        length: f.length,
        ...(type === 'reference' ? { referenceTo, relationshipName: relationshipNameFor(name) } : {}),
      });
    }
  }
}

/** Fields the records use that nobody declared, typed from their values. */
function inferFields(st: OrgState, seed: ResolvedSeed): void {
  for (const [typeName, rows] of Object.entries(seed.records)) {
    const def = st.schema.require(typeName);
    const keys = new Map<string, SeedRecordValue[]>();
    for (const row of rows) for (const [k, v] of Object.entries(row)) keys.set(k, [...(keys.get(k) ?? []), v]);
    for (const [k, vals] of keys) st.ensureField(def, k, inferType(vals));
  }
}
