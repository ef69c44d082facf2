// describe / global describe shapes (what jsforce and sf read from /sobjects).

import { FieldDef, ObjectDef, isHidden, isNillable } from './schema.js';

function urls(def: ObjectDef, version: string): Record<string, string> {
  const base = `/services/data/${version}/sobjects/${def.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

export function describeGlobalEntry(def: ObjectDef, version: string): Record<string, unknown> {
  return {
    activateable: false,
    createable: def.createable,
    custom: def.custom,
    customSetting: false,
    deletable: def.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    keyPrefix: def.keyPrefix,
    label: def.label,
    labelPlural: `${def.label}s`,
    layoutable: def.dataObject,
    mergeable: false,
    name: def.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: def.dataObject,
    triggerable: def.dataObject,
    undeletable: def.deletable,
    updateable: def.updateable,
    urls: urls(def, version),
  };
}

function soapType(f: FieldDef): string {
  const map: Record<string, string> = {
    id: 'tns:ID',
    reference: 'tns:ID',
    boolean: 'xsd:boolean',
    int: 'xsd:int',
    double: 'xsd:double',
    currency: 'xsd:double',
    percent: 'xsd:double',
    date: 'xsd:date',
    datetime: 'xsd:dateTime',
  };
  return map[f.type] ?? 'xsd:string';
}

export function describeObject(def: ObjectDef, version: string): Record<string, unknown> {
  const fields = def.fieldOrder
    .map((n) => def.fields.get(n.toLowerCase()) as FieldDef)
    .filter((f) => !isHidden(f))
    .map((f) => ({
      name: f.name,
      label: f.label,
      type: f.type,
      soapType: soapType(f),
      length: f.length ?? (['string', 'textarea', 'email', 'phone', 'url', 'picklist'].includes(f.type) ? 255 : 0),
      createable: f.createable,
      updateable: f.updateable,
      nillable: isNillable(f),
      defaultedOnCreate: f.type === 'boolean' || f.name === 'Id' || !f.createable,
      filterable: f.filterable !== false,
      sortable: true,
      groupable: !['double', 'currency', 'percent'].includes(f.type),
      custom: f.custom ?? false,
      calculated: f.computed ?? false,
      idLookup: f.name === 'Id' || f.name === 'Username' || f.name === 'Name',
      unique: f.name === 'Username',
      referenceTo: f.referenceTo ?? [],
      relationshipName: f.relationshipName ?? null,
      polymorphicForeignKey: (f.referenceTo?.length ?? 0) > 1,
      picklistValues: f.picklistValues
        ? f.picklistValues().map((v) => ({ active: true, defaultValue: false, label: v, value: v }))
        : [],
      restrictedPicklist: f.picklistValues !== undefined,
    }));
  return {
    ...describeGlobalEntry(def, version),
    fields,
    childRelationships: [...def.childRelationships.values()].map((r) => ({
      childSObject: r.childObject,
      field: r.field,
      relationshipName: r.relationshipName,
      cascadeDelete: false,
    })),
    recordTypeInfos: [],
  };
}
