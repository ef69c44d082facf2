// The org's data: one table per sObject, an id index, computed fields (seat counts, User.Name),
// sessions, and a journal so a composite or allOrNone call can roll back what it wrote.

import { seedApps } from '../metadata/apps.js';
import { IdFactory, to18 } from './ids.js';
import {
  FieldDef,
  ObjectDef,
  Schema,
  isHidden,
  isNillable,
  isPermissionable,
  labelFor,
  particleDataType,
  wellKnownPrefix,
  FieldType,
} from './schema.js';
import { buildStandardSchema } from './standard-schema.js';
import { userPermissionLabel } from './user-permissions.js';
import { aggregateSetOf, createAggregateSet, recalculateAggregate } from '../rules/groups.js';
import type { Behaviour } from '../seeds/behaviours.js';
import { SeedError, timeZones } from '../seeds/check.js';
import { INTEGRATION_LICENSE, INTEGRATION_PSL } from '../seeds/defaults.js';
import type { ResolvedSeed, SeedRecordValue } from '../seeds/types.js';

export type Rec = Record<string, unknown> & { Id: string };

/** A login to record (state.recordLogin): a seeded one or a token exchange; `time` is anything Date.parse reads. */
export interface LoginRow {
  type: string;
  time: string;
  status?: string;
  application?: string;
  sourceIp?: string;
  loginUrl?: string;
  browser?: string;
  platform?: string;
  apiType?: string;
  apiVersion?: string;
}

interface JournalEntry {
  kind: 'insert' | 'update' | 'delete';
  type: string;
  id: string;
  before?: Rec;
}

export interface Session {
  token: string;
  userId: string;
  expired: boolean;
  /** A JWT session's OAuth scopes (oauth.ts); absent for the seeded admin's session, which has them all. */
  scopes?: string[];
}

/** EntityDefinition and EntityParticle rows all carry this Id in real orgs; DurableId is their key. */
export const ENTITY_ROW_ID = '000000000000000AAA';

/** Salesforce's datetime format: 2026-01-31T12:00:00.000+0000 */
export function sfDateTime(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

export class OrgState {
  public readonly schema: Schema;
  public readonly ids = new IdFactory();
  public readonly behaviour: Behaviour;
  public readonly orgId: string;
  public readonly seed: ResolvedSeed;
  public adminUserId = '';
  public readonly usernamesTakenElsewhere: Set<string>;
  public readonly sessions = new Map<string, Session>();
  /** the seed's apps as given; the org's apps are ConnectedApplication / ExternalClientApplication rows (apps.ts) */
  public readonly connectedApps: ResolvedSeed['connectedApps'];
  public readonly externalClientApps: ResolvedSeed['externalClientApps'];

  private readonly tables = new Map<string, Map<string, Rec>>();
  private readonly index = new Map<string, string>();
  private readonly deleted = new Set<string>();
  private journal: JournalEntry[] = [];
  private clockMs = 0;
  /** top-level requests served so far (the server counts them); group recalculation is timed in requests */
  public requestCount = 0;
  /** group id -> last request at which its Status still reads 'Updating' (not journaled: a failed write's recalculation is harmless) */
  private readonly recalculating = new Map<string, number>();
  private readonly durableIds = new Map<string, string>();
  private entityCache?: { version: number; rows: Map<string, Rec[]> };

  public constructor(seed: ResolvedSeed) {
    this.seed = seed;
    this.schema = buildStandardSchema(timeZones);
    this.behaviour = seed.behaviour;
    this.orgId = seed.org.id;
    this.usernamesTakenElsewhere = new Set(seed.usernamesTakenElsewhere.map((u) => u.toLowerCase()));
    this.connectedApps = seed.connectedApps;
    this.externalClientApps = seed.externalClientApps;
    // Columns this org lacks (behaviour.absentFields: feature- and license-dependent ones).
    seed.behaviour.absentFields.forEach((path, i) => {
      const [object, field] = path.split('.');
      const def = this.schema.get(object);
      if (!def) throw new SeedError(`seed.behaviour.absentFields[${i}]`, `no sObject named '${object}'`);
      this.schema.removeField(def, field);
    });
    // Facts §13 #11: which query endpoints serve the ECA objects.
    for (const name of ['ExternalClientApplication', 'ExtlClntAppOauthPlcyCnfg']) {
      const def = this.schema.require(name);
      def.endpoints = {
        data: seed.behaviour.ecaQueryEndpoints.includes('data'),
        tooling: seed.behaviour.ecaQueryEndpoints.includes('tooling'),
      };
    }
  }

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

  public records(type: string): Rec[] {
    const def = this.schema.require(type);
    if (def.virtual) return this.entityRows(def.name);
    return [...this.table(def.name).values()];
  }

  /** The record a reference value points at: by Id, or by the target's key field (EntityDefinitionId holds a DurableId). */
  public resolveReference(field: FieldDef, value: unknown): { def: ObjectDef; rec: Rec } | undefined {
    if (!field.referenceKey) {
      // An Id of an object outside referenceTo (alsoHolds) is a null relationship.
      const found = this.find(value);
      return found && field.alsoHolds?.includes(found.def.name) ? undefined : found;
    }
    const target = this.schema.require((field.referenceTo ?? [])[0]);
    const rec = typeof value === 'string' ? this.findBy(target.name, field.referenceKey, value) : undefined;
    return rec ? { def: target, rec } : undefined;
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

  /** A field's value as the API shows it, computed fields included. */
  public value(def: ObjectDef, rec: Rec, field: FieldDef): unknown {
    if (field.computed) return this.computed(def, rec, field);
    if (def.name === 'PermissionSetGroup' && field.name === 'Status') return this.groupStatus(rec);
    const v = rec[field.name];
    return v === undefined ? null : v;
  }

  private computed(def: ObjectDef, rec: Rec, field: FieldDef): unknown {
    const key = `${def.name}.${field.name}`;
    switch (key) {
      case 'User.Name':
      case 'Contact.Name':
        return [rec.FirstName, rec.LastName].filter((x) => typeof x === 'string' && x !== '').join(' ');

      case 'UserLicense.UsedLicenses':
        return ((rec._phantom as number) ?? 0) + this.activeUsersOnLicense(rec.Id);
      case 'PermissionSetLicense.UsedLicenses':
        return (
          ((rec._phantom as number) ?? 0) +
          this.records('PermissionSetLicenseAssign').filter((a) => a.PermissionSetLicenseId === rec.Id).length
        );
      default:
        return null;
    }
  }

  public activeUsersOnLicense(licenseId: string): number {
    let n = 0;
    for (const u of this.table('User').values()) {
      if (u.IsActive === true && this.userLicenseId(u) === licenseId) n++;
    }
    return n;
  }

  public userLicenseId(user: Rec): string | undefined {
    const profile = this.get('Profile', user.ProfileId);
    return profile?.UserLicenseId as string | undefined;
  }

  public freeSeats(type: 'UserLicense' | 'PermissionSetLicense', id: string): number {
    const def = this.schema.require(type);
    const rec = this.get(type, id);
    if (!rec) return 0;
    const used = this.value(def, rec, def.fields.get('usedlicenses') as FieldDef) as number;
    return (rec.TotalLicenses as number) - used;
  }

  public findBy(type: string, field: string, value: string): Rec | undefined {
    const lower = value.toLowerCase();
    for (const r of this.records(type)) {
      const v = r[field];
      if (typeof v === 'string' && v.toLowerCase() === lower) return r;
    }
    return undefined;
  }

  public integrationLicense(): Rec | undefined {
    return this.findBy('UserLicense', 'Name', INTEGRATION_LICENSE);
  }

  public integrationPsl(): Rec | undefined {
    return this.findBy('PermissionSetLicense', 'DeveloperName', INTEGRATION_PSL);
  }

  public isIntegrationUser(user: Rec): boolean {
    const lic = this.integrationLicense();
    return lic !== undefined && this.userLicenseId(user) === lic.Id;
  }

  public username(userId: string): string | undefined {
    return this.get('User', userId)?.Username as string | undefined;
  }

  // --- login history ------------------------------------------------------------------------------------

  /**
   * Writes a LoginHistory row for the user. A successful login later than the user's LastLoginDate moves it
   * (login bookkeeping, not a change of the user record: LastModifiedDate stays).
   */
  public recordLogin(user: Rec, login: LoginRow): Rec {
    const time = sfDateTime(new Date(login.time));
    const status = login.status ?? 'Success';
    const ui = login.type === 'Application';
    const row = this.insert(
      'LoginHistory',
      {
        UserId: user.Id,
        LoginTime: time,
        LoginType: login.type,
        SourceIp: login.sourceIp ?? '127.0.0.1',
        LoginUrl: login.loginUrl ?? `${this.seed.org.myDomain}.my.salesforce.com`,
        Browser: login.browser ?? (ui ? 'Chrome 131' : 'Unknown'),
        Platform: login.platform ?? (ui ? 'Mac OSX' : 'Unknown'),
        Status: status,
        Application: login.application ?? (ui ? 'Browser' : 'N/A'),
        ApiType: login.apiType ?? 'N/A',
        ApiVersion: login.apiVersion ?? 'N/A',
      },
      user.Id
    );
    const last =
      typeof user.LastLoginDate === 'string' ? Date.parse(user.LastLoginDate.replace(/\+0000$/, 'Z')) : -Infinity;
    if (status === 'Success' && Date.parse(login.time) > last) user.LastLoginDate = time;
    return row;
  }

  // --- permission set group recalculation ----------------------------------------------------------

  /** 'Updating' while a recalculation runs (behaviour groupRecalculationRequests), else the stored Status. */
  public groupStatus(group: Rec): string {
    const until = this.recalculating.get(group.Id);
    return until !== undefined && this.requestCount <= until ? 'Updating' : String(group.Status);
  }

  /** Recalculates the group (its aggregate set, groups.ts); its Status reads 'Updating' for the next n requests. */
  public recalculateGroup(groupId: string): void {
    recalculateAggregate(this, groupId);
    const n = this.behaviour.groupRecalculationRequests;
    if (n > 0) this.recalculating.set(groupId, this.requestCount + n);
  }

  // --- EntityDefinition / EntityParticle ------------------------------------------------------------

  private entityRows(type: string): Rec[] {
    if (this.entityCache?.version !== this.schema.version)
      this.entityCache = { version: this.schema.version, rows: this.buildEntityRows() };
    return this.entityCache.rows.get(type) ?? [];
  }

  /** A custom object's 01I id or a custom field's 00N id (15 chars, as DurableIds show them), fixed for the org's life. */
  private durableId(key: string, prefix: string): string {
    let id = this.durableIds.get(key);
    if (!id) {
      id = this.ids.next(prefix).slice(0, 15);
      this.durableIds.set(key, id);
    }
    return id;
  }

  /** One EntityDefinition per object of the data API, one EntityParticle per field, from the schema. */
  private buildEntityRows(): Map<string, Rec[]> {
    const entities: Rec[] = [];
    const particles: Rec[] = [];
    for (const def of this.schema.all()) {
      if (def.virtual || !def.endpoints.data) continue;
      const entityId = def.custom ? this.durableId(def.name, '01I') : def.name;
      entities.push({
        Id: ENTITY_ROW_ID,
        DurableId: entityId,
        QualifiedApiName: def.name,
        DeveloperName: def.name.replace(/__c$/i, ''),
        NamespacePrefix: null,
        Label: def.label,
        PluralLabel: `${def.label}s`,
        KeyPrefix: def.keyPrefix,
        // Setup objects other than User take no custom fields.
        IsCustomizable: def.dataObject || def.name === 'User',
        IsCustomSetting: false,
        IsQueryable: true,
      });
      for (const name of def.noEntityParticles ? [] : def.fieldOrder) {
        const f = def.fields.get(name.toLowerCase()) as FieldDef;
        if (isHidden(f)) continue;
        // Real orgs name a standard lookup's particle after its relationship (OwnerId -> Owner) and a custom field by its 00N id.
        const standardLookup =
          !f.custom && f.type === 'reference' && f.relationshipName !== undefined && f.name.endsWith('Id');
        const developerName = f.custom ? f.name.replace(/__c$/i, '') : standardLookup ? f.name.slice(0, -2) : f.name;
        const particleKey = f.custom ? this.durableId(`${def.name}.${f.name}`, '00N') : developerName;
        const textual = ['string', 'textarea', 'email', 'phone', 'url', 'picklist'].includes(f.type);
        particles.push({
          Id: ENTITY_ROW_ID,
          DurableId: `${entityId}.${particleKey}`,
          QualifiedApiName: f.name,
          DeveloperName: developerName,
          NamespacePrefix: null,
          Label: f.label,
          DataType: particleDataType(f),
          Length: f.length ?? (textual ? 255 : f.type === 'id' || f.type === 'reference' ? 18 : 0),
          RelationshipName: f.relationshipName ?? null,
          IsNillable: isNillable(f),
          IsCreatable: f.createable,
          IsUpdatable: f.updateable,
          IsPermissionable: isPermissionable(def, f),
          IsCalculated: f.computed === true,
          IsCompound: f.computed === true && f.name === 'Name',
          EntityDefinitionId: entityId,
        });
      }
    }
    return new Map([
      ['EntityDefinition', entities],
      ['EntityParticle', particles],
    ]);
  }

  // --- writing (journaled) -----------------------------------------------------------------------

  /** Stores a record as given (rules ran before); fills Id, audit fields and boolean defaults. */
  public insert(type: string, values: Record<string, unknown>, userId: string, fixedId?: string): Rec {
    const def = this.schema.require(type);
    const id = fixedId ?? this.ids.next(def.keyPrefix);
    const now = this.now();
    const rec: Rec = { Id: id };
    for (const f of def.fields.values()) if (f.type === 'boolean' && !f.computed) rec[f.name] = false;
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
    return rec;
  }

  public update(type: string, id: string, changes: Record<string, unknown>, userId: string): Rec {
    const def = this.schema.require(type);
    const rec = this.table(def.name).get(id);
    if (!rec) throw new Error(`update of missing ${type} ${id}`);
    this.journal.push({ kind: 'update', type: def.name, id, before: { ...rec } });
    Object.assign(rec, changes);
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

  // --- building from a seed ------------------------------------------------------------------------

  /** A generic sObject (Account-like) for seed records or objects named in permission sets. */
  public ensureDataObject(name: string, label?: string): ObjectDef {
    const existing = this.schema.get(name);
    if (existing) return existing;
    const objectLabel = label ?? labelFor(name);
    return this.schema.define({
      name,
      label: objectLabel,
      keyPrefix: wellKnownPrefix(name) ?? this.schema.freshPrefix(),
      endpoints: { data: true, tooling: false },
      dataObject: true,
      fields: [
        { name: 'Name', type: 'string', length: 255, label: `${objectLabel} Name` },
        { name: 'OwnerId', type: 'reference', referenceTo: ['User'], relationshipName: 'Owner', label: 'Owner ID' },
      ],
    });
  }

  public ensureField(def: ObjectDef, name: string, type: FieldType = 'string'): FieldDef {
    return def.fields.get(name.toLowerCase()) ?? this.schema.addField(def, { name, type });
  }
}

function inferType(values: SeedRecordValue[]): FieldType {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) return 'boolean';
  if (present.length > 0 && present.every((v) => typeof v === 'number'))
    return present.every((v) => Number.isInteger(v)) ? 'int' : 'double';
  return 'string';
}

const OBJECT_PERM_FIELDS: Record<string, string> = {
  read: 'PermissionsRead',
  create: 'PermissionsCreate',
  edit: 'PermissionsEdit',
  delete: 'PermissionsDelete',
  viewall: 'PermissionsViewAllRecords',
  modifyall: 'PermissionsModifyAllRecords',
  viewallfields: 'PermissionsViewAllFields',
};

function licenseKeyFor(name: string): string {
  if (name === 'Salesforce') return 'SFDC';
  return `EMU_${name.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
}

function aliasFor(username: string): string {
  return (
    username
      .split('@')[0]
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 8) || 'user'
  );
}

/** 'AccountId' -> 'Account', 'Invoice__c' -> 'Invoice__r' */
function relationshipNameFor(field: string): string {
  return field.endsWith('__c') ? field.replace(/__c$/, '__r') : field.replace(/Id$/, '');
}

/**
 * The seed's `objects` section and the fields its `records` imply, before anything else reads the schema:
 * declared objects first, then declared fields (lookups may point at any of them), then inferred ones.
 */
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

  for (const [typeName, rows] of Object.entries(seed.records)) {
    const def = st.schema.require(typeName);
    const keys = new Map<string, SeedRecordValue[]>();
    for (const row of rows) for (const [k, v] of Object.entries(row)) keys.set(k, [...(keys.get(k) ?? []), v]);
    for (const [k, vals] of keys) st.ensureField(def, k, inferType(vals));
  }
}

/** Builds the org from a resolved seed. Seed rows are stored literally (rules don't run on them). */
export function buildState(seed: ResolvedSeed): OrgState {
  const st = new OrgState(seed);
  const sys = '';
  declareObjects(st, seed);

  st.insert(
    'Organization',
    {
      Name: seed.org.name,
      InstanceName: seed.org.instanceName,
      IsSandbox: seed.org.isSandbox,
      TrialExpirationDate: null,
      NamespacePrefix: null,
      OrganizationType: seed.org.organizationType,
      TimeZoneSidKey: seed.org.defaults.timeZoneSidKey,
      DefaultLocaleSidKey: seed.org.defaults.localeSidKey,
      LanguageLocaleKey: seed.org.defaults.languageLocaleKey,
      Country: 'US',
      PrimaryContact: 'Emulator Admin',
    },
    sys,
    seed.org.id
  );

  const licenseByName = new Map<string, Rec>();
  for (const l of seed.userLicenses) {
    const rec = st.insert(
      'UserLicense',
      {
        Name: l.name,
        MasterLabel: l.masterLabel ?? l.name,
        LicenseDefinitionKey: l.licenseDefinitionKey ?? licenseKeyFor(l.name),
        Status: l.status ?? 'Active',
        TotalLicenses: l.total,
        UsedLicensesLastUpdated: st.now(),
        _phantom: 0,
      },
      sys
    );
    licenseByName.set(l.name.toLowerCase(), rec);
  }

  const pslByName = new Map<string, Rec>();
  for (const p of seed.permissionSetLicenses) {
    const rec = st.insert(
      'PermissionSetLicense',
      {
        DeveloperName: p.developerName,
        MasterLabel: p.label ?? p.developerName,
        Language: 'en_US',
        PermissionSetLicenseKey: p.permissionSetLicenseKey ?? licenseKeyFor(p.developerName),
        Status: p.status ?? 'Active',
        ExpirationDate: p.expirationDate ?? null,
        TotalLicenses: p.total,
        IsAvailableForIntegrations: p.isAvailableForIntegrations ?? false,
        MaximumPermissionsApiEnabled: true,
        MaximumPermissionsRunFlow: true,
        _phantom: 0,
        _compatibleUserLicenses: p.compatibleUserLicenses
          ? JSON.stringify(p.compatibleUserLicenses.map((n) => licenseByName.get(n.toLowerCase())?.Id))
          : null,
      },
      sys
    );
    pslByName.set(p.developerName.toLowerCase(), rec);
  }

  const permFields = (perms: string[] | undefined, defs: ObjectDef[]): Record<string, boolean> => {
    const out: Record<string, boolean> = {};
    for (const p of perms ?? []) {
      for (const def of defs)
        st.schema.addField(def, { name: `Permissions${p}`, type: 'boolean', label: userPermissionLabel(p) });
      out[`Permissions${p}`] = true;
    }
    return out;
  };
  const psDef = st.schema.require('PermissionSet');
  const profileDef = st.schema.require('Profile');

  const profileByName = new Map<string, { profile: Rec; ownSet: Rec }>();
  for (const p of seed.profiles) {
    const license = licenseByName.get(p.license.toLowerCase()) as Rec;
    const perms = permFields(p.userPermissions, [profileDef, psDef]);
    const profile = st.insert(
      'Profile',
      {
        Name: p.name,
        Description: p.description ?? null,
        UserLicenseId: license.Id,
        UserType: 'Standard',
        _custom: p.custom ?? false,
        ...perms,
      },
      sys
    );
    const ownSet = st.insert(
      'PermissionSet',
      {
        Name: `X${profile.Id}`,
        Label: profile.Id,
        Description: null,
        LicenseId: license.Id,
        ProfileId: profile.Id,
        IsOwnedByProfile: true,
        IsCustom: p.custom ?? false,
        Type: 'Profile',
        NamespacePrefix: null,
        ...perms,
      },
      sys
    );
    profileByName.set(p.name.toLowerCase(), { profile, ownSet });
  }

  const setByName = new Map<string, Rec>();
  for (const ps of seed.permissionSets) {
    let licenseId: string | null = null;
    if (ps.license)
      licenseId = (licenseByName.get(ps.license.toLowerCase()) ?? pslByName.get(ps.license.toLowerCase()))?.Id ?? null;
    const set = st.insert(
      'PermissionSet',
      {
        Name: ps.name,
        Label: ps.label ?? ps.name,
        Description: ps.description ?? null,
        LicenseId: licenseId,
        ProfileId: null,
        IsOwnedByProfile: false,
        IsCustom: true,
        Type: ps.hasActivationRequired ? 'Session' : 'Regular',
        NamespacePrefix: ps.namespacePrefix ?? null,
        HasActivationRequired: ps.hasActivationRequired ?? false,
        ...permFields(ps.userPermissions, [psDef, profileDef]),
      },
      sys
    );
    setByName.set(ps.name.toLowerCase(), set);
    for (const [objName, perms] of Object.entries(ps.objects ?? {})) {
      const objDef = st.schema.get(objName) ?? st.ensureDataObject(objName);
      const flags: Record<string, boolean> = {};
      for (const perm of perms) flags[OBJECT_PERM_FIELDS[perm]] = true;
      st.insert('ObjectPermissions', { ParentId: set.Id, SobjectType: objDef.name, ...flags }, sys);
    }
    for (const [fieldPath, perms] of Object.entries(ps.fields ?? {})) {
      const [objName, fieldName] = fieldPath.split('.');
      const objDef = st.schema.get(objName) ?? st.ensureDataObject(objName);
      const field = st.ensureField(objDef, fieldName);
      st.insert(
        'FieldPermissions',
        {
          ParentId: set.Id,
          SobjectType: objDef.name,
          Field: `${objDef.name}.${field.name}`,
          PermissionsRead: perms.includes('read') || perms.includes('edit'),
          PermissionsEdit: perms.includes('edit'),
        },
        sys
      );
    }
  }

  const groupByName = new Map<string, Rec>();
  const mutingDef = st.schema.require('MutingPermissionSet');
  for (const g of seed.permissionSetGroups) {
    const group = st.insert(
      'PermissionSetGroup',
      {
        DeveloperName: g.name,
        MasterLabel: g.label ?? g.name,
        Description: g.description ?? null,
        Language: 'en_US',
        Status: g.status ?? 'Updated',
        NamespacePrefix: null,
      },
      sys
    );
    groupByName.set(g.name.toLowerCase(), group);
    for (const member of g.permissionSets) {
      st.insert(
        'PermissionSetGroupComponent',
        { PermissionSetGroupId: group.Id, PermissionSetId: (setByName.get(member.toLowerCase()) as Rec).Id },
        sys
      );
    }
    if (g.muting) {
      // The group's muting permission set: true = muted.
      const muting = st.insert(
        'MutingPermissionSet',
        {
          DeveloperName: `${g.name}_Muting`,
          MasterLabel: `${g.label ?? g.name} Muting`,
          Language: 'en_US',
          NamespacePrefix: null,
          ...permFields(g.muting.userPermissions, [mutingDef]),
        },
        sys
      );
      for (const [objName, perms] of Object.entries(g.muting.objects ?? {})) {
        const objDef = st.schema.get(objName) ?? st.ensureDataObject(objName);
        st.insert(
          'ObjectPermissions',
          {
            ParentId: muting.Id,
            SobjectType: objDef.name,
            ...Object.fromEntries(perms.map((p) => [OBJECT_PERM_FIELDS[p], true])),
          },
          sys
        );
      }
      st.insert('PermissionSetGroupComponent', { PermissionSetGroupId: group.Id, PermissionSetId: muting.Id }, sys);
    }
    createAggregateSet(st, group, sys);
  }

  for (const u of seed.users) {
    const { profile, ownSet } = profileByName.get(u.profile.toLowerCase()) as { profile: Rec; ownSet: Rec };
    const local = u.username.split('@')[0];
    const user = st.insert(
      'User',
      {
        Username: u.username,
        LastName: u.lastName ?? local.charAt(0).toUpperCase() + local.slice(1),
        FirstName: u.firstName ?? null,
        Email: u.email ?? u.username,
        Alias: u.alias ?? aliasFor(u.username),
        CommunityNickname: local,
        TimeZoneSidKey: u.timeZoneSidKey ?? seed.org.defaults.timeZoneSidKey,
        LocaleSidKey: u.localeSidKey ?? seed.org.defaults.localeSidKey,
        EmailEncodingKey: u.emailEncodingKey ?? seed.org.defaults.emailEncodingKey,
        LanguageLocaleKey: u.languageLocaleKey ?? seed.org.defaults.languageLocaleKey,
        ProfileId: profile.Id,
        UserType: 'Standard',
        IsActive: u.active ?? true,
        FederationIdentifier: u.federationIdentifier ?? null,
      },
      sys
    );
    if (u.username.toLowerCase() === seed.admin.username.toLowerCase()) st.adminUserId = user.Id;
    st.insert(
      'PermissionSetAssignment',
      { AssigneeId: user.Id, PermissionSetId: ownSet.Id, PermissionSetGroupId: null, IsActive: true },
      sys
    );
    for (const psl of u.permissionSetLicenses ?? []) {
      st.insert(
        'PermissionSetLicenseAssign',
        { AssigneeId: user.Id, PermissionSetLicenseId: (pslByName.get(psl.toLowerCase()) as Rec).Id },
        sys
      );
    }
    for (const name of u.permissionSets ?? []) {
      const set = setByName.get(name.toLowerCase());
      const group = groupByName.get(name.toLowerCase());
      // A group's assignment names the group's aggregate set too (groups.ts).
      const permissionSetId = set?.Id ?? (group ? aggregateSetOf(st, group.Id)?.Id : undefined) ?? null;
      st.insert(
        'PermissionSetAssignment',
        {
          AssigneeId: user.Id,
          PermissionSetId: permissionSetId,
          PermissionSetGroupId: set ? null : (group?.Id ?? null),
          IsActive: true,
        },
        sys
      );
    }
  }

  // Seeded logins, oldest first whatever the seed's order (ids then follow time, as in a real org).
  const started = Date.now();
  const logins = seed.users.flatMap((u) =>
    (u.loginHistory ?? []).map((l) => ({
      user: st.findBy('User', 'Username', u.username) as Rec,
      login: { ...l, time: l.time ?? new Date(started - (l.daysAgo ?? 0) * 86_400_000).toISOString() },
    }))
  );
  logins.sort((a, b) => Date.parse(a.login.time) - Date.parse(b.login.time));
  for (const { user, login } of logins) st.recordLogin(user, login);

  // `used` above the listed holders stands for seats held by users the seed doesn't list.
  for (const l of seed.userLicenses) {
    const rec = licenseByName.get(l.name.toLowerCase()) as Rec;
    rec._phantom = Math.max(0, (l.used ?? 0) - st.activeUsersOnLicense(rec.Id));
  }
  for (const p of seed.permissionSetLicenses) {
    const rec = pslByName.get(p.developerName.toLowerCase()) as Rec;
    const held = st.records('PermissionSetLicenseAssign').filter((a) => a.PermissionSetLicenseId === rec.Id).length;
    rec._phantom = Math.max(0, (p.used ?? 0) - held);
  }

  for (const [typeName, rows] of Object.entries(seed.records)) {
    const def = st.schema.require(typeName);
    rows.forEach((row, i) => {
      const values: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) values[(def.fields.get(k.toLowerCase()) as FieldDef).name] = v;
      for (const f of def.fields.values()) {
        if (f.required && (values[f.name] === undefined || values[f.name] === null))
          throw new SeedError(`seed.records.${typeName}[${i}].${f.name}`, 'is required');
      }
      if (def.fields.has('ownerid') && values.OwnerId === undefined) values.OwnerId = st.adminUserId;
      st.insert(def.name, values, st.adminUserId);
    });
  }

  // Connected apps, External Client Apps, their grants and OAuth tokens (apps.ts).
  seedApps(st, seed);

  // Seed rows were written before the admin existed; attribute them to the admin.
  for (const def of st.schema.all()) {
    if (!def.fields.has('createdbyid')) continue;
    for (const rec of st.table(def.name).values()) {
      if (!rec.CreatedById) rec.CreatedById = st.adminUserId;
      if (!rec.LastModifiedById) rec.LastModifiedById = st.adminUserId;
    }
  }
  st.sessions.set(seed.admin.accessToken, { token: seed.admin.accessToken, userId: st.adminUserId, expired: false });
  st.resetJournal();
  return st;
}

export { isHidden };
