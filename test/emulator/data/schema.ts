// The schema: the sObjects the emulator knows, their fields, types, relationships and which operations each
// allows (each object's page of the object reference). Lookups are case-insensitive; results use the casing defined here. The standard objects
// are defined in standard-schema.ts; the seed adds data objects and fields (build-schema.ts).

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'reference';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  /** target sObject names for references; more than one = polymorphic */
  referenceTo?: string[];
  relationshipName?: string;
  /** the target field a reference holds when it isn't the Id (EntityParticle.EntityDefinitionId holds a DurableId) */
  referenceKey?: string;
  /**
   * Other objects whose Ids the field takes, though its relationship resolves only to referenceTo (null for
   * these): PermissionSetGroupComponent.PermissionSetId holds a MutingPermissionSet's Id (rules/groups.ts).
   */
  alsoHolds?: string[];
  createable: boolean;
  updateable: boolean;
  /** required on insert (REQUIRED_FIELD_MISSING when absent) */
  required?: boolean;
  length?: number;
  /** server-side value, computed on every read (never stored) */
  computed?: boolean;
  /** filterable in WHERE; default true */
  filterable?: boolean;
  custom?: boolean;
  /** restricted picklist values (undefined = any) */
  picklistValues?: () => string[];
}

export interface ChildRelationship {
  relationshipName: string;
  childObject: string;
  field: string;
}

export interface ObjectDef {
  name: string;
  label: string;
  keyPrefix: string;
  fields: Map<string, FieldDef>;
  fieldOrder: string[];
  relationships: Map<string, FieldDef>;
  childRelationships: Map<string, ChildRelationship>;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  /** which query endpoints serve it */
  endpoints: { data: boolean; tooling: boolean };
  custom: boolean;
  /** objects the seed's `records` section may fill */
  dataObject: boolean;
  /** rows derived from the schema on every read (EntityDefinition, EntityParticle); never stored */
  virtual?: boolean;
  /** the object has no EntityParticle rows (seed objects.<name>.entityParticles: false) */
  noEntityParticles?: boolean;
  /** the field record URLs end with when it isn't the Id (DurableId for the entity metadata objects) */
  urlKey?: string;
}

export interface FieldSpec extends Partial<FieldDef> {
  name: string;
  type: FieldType;
}

/** One object's definition, as Schema.define takes it (the standard ones: standard-schema.ts). */
export interface ObjectSpec {
  name: string;
  label?: string;
  keyPrefix: string;
  fields: FieldSpec[];
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
  endpoints?: { data: boolean; tooling: boolean };
  /** false: no CreatedDate ... SystemModstamp */
  audit?: boolean;
  dataObject?: boolean;
  virtual?: boolean;
  urlKey?: string;
}

/** A field the API only reads. */
export const ro = { createable: false, updateable: false };
/** A field set once, at creation. */
export const createOnly = { createable: true, updateable: false };
/** An object the API only reads. */
export const readOnly = { createable: false, updateable: false, deletable: false };

const AUDIT_FIELDS: FieldSpec[] = [
  { name: 'CreatedDate', type: 'datetime', label: 'Created Date', createable: false, updateable: false },
  {
    name: 'CreatedById',
    type: 'reference',
    label: 'Created By ID',
    referenceTo: ['User'],
    relationshipName: 'CreatedBy',
    createable: false,
    updateable: false,
  },
  { name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date', createable: false, updateable: false },
  {
    name: 'LastModifiedById',
    type: 'reference',
    label: 'Last Modified By ID',
    referenceTo: ['User'],
    relationshipName: 'LastModifiedBy',
    createable: false,
    updateable: false,
  },
  { name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp', createable: false, updateable: false },
];

/** 'FirstName' -> 'First Name', 'ProfileId' -> 'Profile ID' */
export function labelFor(name: string): string {
  const base = name.replace(/__c$/, '').replace(/Id$/, 'ID');
  return base.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_/g, ' ');
}

export class Schema {
  private readonly objects = new Map<string, ObjectDef>();
  private readonly byPrefix = new Map<string, ObjectDef>();
  private customPrefixCounter = 0;
  /** `object.field` (lower case) this org doesn't have */
  private readonly absent = new Set<string>();
  /** bumped on every object or field added, so derived rows (EntityParticle) know when to rebuild */
  public version = 0;

  public define(spec: ObjectSpec): ObjectDef {
    const def: ObjectDef = {
      name: spec.name,
      label: spec.label ?? labelFor(spec.name),
      keyPrefix: spec.keyPrefix,
      fields: new Map(),
      fieldOrder: [],
      relationships: new Map(),
      childRelationships: new Map(),
      createable: spec.createable ?? true,
      updateable: spec.updateable ?? true,
      deletable: spec.deletable ?? true,
      endpoints: spec.endpoints ?? { data: true, tooling: true },
      custom: spec.name.endsWith('__c'),
      dataObject: spec.dataObject ?? false,
      virtual: spec.virtual,
      urlKey: spec.urlKey,
    };
    this.version++;
    this.objects.set(def.name.toLowerCase(), def);
    this.byPrefix.set(def.keyPrefix, def);
    this.addField(def, { name: 'Id', type: 'id', label: `${def.label} ID`, createable: false, updateable: false });
    for (const f of spec.fields) this.addField(def, f);
    if (spec.audit !== false) for (const f of AUDIT_FIELDS) this.addField(def, f);
    return def;
  }

  public addField(def: ObjectDef, spec: FieldSpec): FieldDef {
    const existing = def.fields.get(spec.name.toLowerCase());
    if (existing) return existing;
    if (this.absent.has(`${def.name}.${spec.name}`.toLowerCase()))
      throw new Error(`${def.name}.${spec.name} is not a column of this org (behaviour.absentFields)`);
    const field: FieldDef = {
      label: labelFor(spec.name),
      createable: true,
      updateable: true,
      custom: spec.name.endsWith('__c'),
      // An explicit undefined (an optional seed value) keeps the default.
      ...(Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as FieldSpec),
    };
    def.fields.set(field.name.toLowerCase(), field);
    def.fieldOrder.push(field.name);
    this.version++;
    if (field.type === 'reference' && field.relationshipName) {
      def.relationships.set(field.relationshipName.toLowerCase(), field);
    }
    return field;
  }

  /** Takes a field out of the org for good (behaviour.absentFields): describe and SOQL no longer know it. */
  public removeField(def: ObjectDef, name: string): void {
    const field = def.fields.get(name.toLowerCase());
    this.absent.add(`${def.name}.${name}`.toLowerCase());
    if (!field) return;
    def.fields.delete(name.toLowerCase());
    def.fieldOrder.splice(def.fieldOrder.indexOf(field.name), 1);
    if (field.relationshipName) def.relationships.delete(field.relationshipName.toLowerCase());
    this.version++;
  }

  public addChildRelationship(parent: string, rel: ChildRelationship): void {
    const def = this.get(parent);
    if (def) def.childRelationships.set(rel.relationshipName.toLowerCase(), rel);
  }

  public get(name: string): ObjectDef | undefined {
    return this.objects.get(name.toLowerCase());
  }

  public require(name: string): ObjectDef {
    const def = this.get(name);
    if (!def) throw new Error(`emulator schema has no sObject ${name}`);
    return def;
  }

  public getByPrefix(prefix: string): ObjectDef | undefined {
    return this.byPrefix.get(prefix);
  }

  public all(): ObjectDef[] {
    return [...this.objects.values()];
  }

  /** A key prefix for an object the seed introduces (custom objects get a0x, like real orgs). */
  public freshPrefix(): string {
    for (;;) {
      const n = this.customPrefixCounter++;
      const prefix = `a${'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[Math.floor(n / 36) % 36]}${'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[n % 36]}`;
      if (!this.byPrefix.has(prefix)) return prefix;
    }
  }
}

const WELL_KNOWN_PREFIXES: Record<string, string> = {
  account: '001',
  contact: '003',
  opportunity: '006',
  lead: '00Q',
  case: '500',
  task: '00T',
  event: '00U',
  campaign: '701',
  contract: '800',
  order: '801',
  product2: '01t',
  pricebook2: '01s',
  asset: '02i',
  solution: '501',
};

export function wellKnownPrefix(name: string): string | undefined {
  return WELL_KNOWN_PREFIXES[name.toLowerCase()];
}

/** Hidden fields (leading underscore) carry emulator bookkeeping; no API surface shows them. */
export function isHidden(field: FieldDef): boolean {
  return field.name.startsWith('_');
}

/** Fields every record carries that no permission set can grant or take away. */
const SYSTEM_FIELDS = new Set([
  'Id',
  'OwnerId',
  'CreatedDate',
  'CreatedById',
  'LastModifiedDate',
  'LastModifiedById',
  'SystemModstamp',
]);

/** Salesforce's nillable: required fields, booleans, ids and system fields never are. */
export function isNillable(field: FieldDef): boolean {
  return !field.required && field.type !== 'boolean' && field.type !== 'id' && !SYSTEM_FIELDS.has(field.name);
}

/**
 * Can a FieldPermissions row name this field? Only fields of data objects, and never required fields,
 * Id, system fields (owner, audit) or compound/calculated ones: their access follows the object.
 */
export function isPermissionable(def: ObjectDef, field: FieldDef): boolean {
  return def.dataObject && !field.required && !field.computed && !isHidden(field) && !SYSTEM_FIELDS.has(field.name);
}

/** EntityParticle.DataType: lower-case describe names, except int, which it calls integer. */
export function particleDataType(field: FieldDef): string {
  return field.type === 'int' ? 'integer' : field.type;
}

export function isNumeric(type: FieldType): boolean {
  return type === 'int' || type === 'double' || type === 'currency' || type === 'percent';
}
