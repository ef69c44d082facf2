// The seed's data: `objects` (data objects and fields declared up front, checked against the schema when
// the state is built) and `records` (rows of any data object).

import { API_NAME, Obj, SeedError, list, obj, optBool, optCount, optStr, optStrList, reqStr } from './check.js';
import {
  SEED_FIELD_TYPES,
  type ResolvedSeed,
  type SeedFieldType,
  type SeedObjectField,
  type SeedRecordValue,
} from './types.js';

export function resolveObjects(raw: unknown): ResolvedSeed['objects'] {
  const objects: ResolvedSeed['objects'] = {};
  if (raw === undefined) return objects;
  const os = obj(raw, 'seed.objects', Object.keys(raw as Obj));
  for (const [type, value] of Object.entries(os)) {
    const p = `seed.objects.${type}`;
    if (!API_NAME.test(type)) throw new SeedError(p, 'must be an sObject API name');
    const o = obj(value, p, ['label', 'fields', 'entityParticles']);
    const fields: Record<string, SeedObjectField> = {};
    if (o.fields !== undefined) {
      const fs = obj(o.fields, `${p}.fields`, Object.keys(o.fields as Obj));
      for (const [name, fraw] of Object.entries(fs)) fields[name] = fieldOf(name, fraw, `${p}.fields.${name}`);
    }
    objects[type] = {
      label: optStr(o.label, `${p}.label`),
      fields,
      entityParticles: optBool(o.entityParticles, `${p}.entityParticles`),
    };
  }
  return objects;
}

function fieldOf(name: string, raw: unknown, fp: string): SeedObjectField {
  if (!API_NAME.test(name) || name.toLowerCase() === 'id')
    throw new SeedError(fp, 'must be a field API name other than Id');
  const f = obj(raw ?? {}, fp, ['type', 'label', 'required', 'length', 'referenceTo']);
  const type = optStr(f.type, `${fp}.type`);
  if (type !== undefined && !(SEED_FIELD_TYPES as readonly string[]).includes(type))
    throw new SeedError(`${fp}.type`, `must be one of ${SEED_FIELD_TYPES.join(', ')}`);
  const referenceTo =
    typeof f.referenceTo === 'string'
      ? [reqStr(f.referenceTo, `${fp}.referenceTo`)]
      : optStrList(f.referenceTo, `${fp}.referenceTo`);
  if (type === 'reference' && !referenceTo?.length)
    throw new SeedError(`${fp}.referenceTo`, 'is required for a reference field');
  if (referenceTo && type !== undefined && type !== 'reference')
    throw new SeedError(`${fp}.referenceTo`, "only a 'reference' field has one");
  const length = optCount(f.length, `${fp}.length`);
  return {
    type: (type ?? (referenceTo ? 'reference' : undefined)) as SeedFieldType | undefined,
    label: optStr(f.label, `${fp}.label`),
    required: optBool(f.required, `${fp}.required`),
    length,
    referenceTo,
  };
}

export function resolveRecords(raw: unknown): ResolvedSeed['records'] {
  const records: ResolvedSeed['records'] = {};
  if (raw === undefined) return records;
  const r = obj(raw, 'seed.records', Object.keys(raw as Obj));
  for (const [type, rows] of Object.entries(r)) {
    if (!API_NAME.test(type)) throw new SeedError(`seed.records.${type}`, 'must be an sObject API name');
    records[type] = list(rows, `seed.records.${type}`).map((row, i) => {
      const p = `seed.records.${type}[${i}]`;
      const rec = obj(row, p, Object.keys(row ?? {}));
      for (const [k, val] of Object.entries(rec)) {
        if (!API_NAME.test(k)) throw new SeedError(`${p}.${k}`, 'field names must be API names');
        if (k.toLowerCase() === 'id') throw new SeedError(`${p}.${k}`, 'ids are assigned by the emulator');
        if (val !== null && !['string', 'number', 'boolean'].includes(typeof val))
          throw new SeedError(`${p}.${k}`, 'values must be strings, numbers, booleans or null');
      }
      return rec as Record<string, SeedRecordValue>;
    });
  }
  return records;
}
