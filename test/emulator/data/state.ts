// The org: its tables (store.ts) with what the API reads from them: computed fields (seat counts, User.Name),
// license helpers, sessions, group recalculation, login history, and the EntityDefinition / EntityParticle rows
// derived from the schema. The org is built from a seed in build-state.ts.

import { buildEntityRows } from './entity-rows.js';
import { FieldDef, FieldType, ObjectDef, labelFor, wellKnownPrefix } from './schema.js';
import { buildStandardSchema } from './standard-schema.js';
import { Rec, Store, sfDateTime } from './store.js';
import { recalculateAggregate } from '../rules/groups.js';
import type { Behaviour } from '../seeds/behaviours.js';
import { SeedError, timeZones } from '../seeds/check.js';
import { INTEGRATION_LICENSE, INTEGRATION_PSL } from '../seeds/defaults.js';
import type { ResolvedSeed } from '../seeds/types.js';

export type { Rec } from './store.js';

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

export interface Session {
  token: string;
  userId: string;
  expired: boolean;
  /** A JWT session's OAuth scopes (oauth/oauth.ts); absent for the seeded admin's session, which has them all. */
  scopes?: string[];
}

export class OrgState extends Store {
  public readonly behaviour: Behaviour;
  public readonly orgId: string;
  public readonly seed: ResolvedSeed;
  public adminUserId = '';
  public readonly usernamesTakenElsewhere: Set<string>;
  public readonly sessions = new Map<string, Session>();
  /** the seed's apps as given; the org's apps are ConnectedApplication / ExternalClientApplication rows (metadata/apps.ts) */
  public readonly connectedApps: ResolvedSeed['connectedApps'];
  public readonly externalClientApps: ResolvedSeed['externalClientApps'];

  /** top-level requests served so far (the server counts them); group recalculation is timed in requests */
  public requestCount = 0;
  /** group id -> last request at which its Status still reads 'Updating' (not journaled: a failed write's recalculation is harmless) */
  private readonly recalculating = new Map<string, number>();
  private readonly durableIds = new Map<string, string>();
  private entityCache?: { version: number; rows: Map<string, Rec[]> };

  public constructor(seed: ResolvedSeed) {
    super(buildStandardSchema(timeZones));
    this.seed = seed;
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
    // Which query endpoints serve the ECA objects (unsettled: behaviour ecaQueryEndpoints).
    for (const name of ['ExternalClientApplication', 'ExtlClntAppOauthPlcyCnfg']) {
      const def = this.schema.require(name);
      def.endpoints = {
        data: seed.behaviour.ecaQueryEndpoints.includes('data'),
        tooling: seed.behaviour.ecaQueryEndpoints.includes('tooling'),
      };
    }
  }

  // --- reading ---------------------------------------------------------------------------------

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
      case 'OauthToken.DeleteToken':
        return deleteTokenOf(rec);
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

  /** Recalculates the group (its aggregate set, rules/groups.ts); its Status reads 'Updating' for the next n requests. */
  public recalculateGroup(groupId: string): void {
    recalculateAggregate(this, groupId);
    const n = this.behaviour.groupRecalculationRequests;
    if (n > 0) this.recalculating.set(groupId, this.requestCount + n);
  }

  // --- EntityDefinition / EntityParticle ------------------------------------------------------------

  private entityRows(type: string): Rec[] {
    if (this.entityCache?.version !== this.schema.version)
      this.entityCache = {
        version: this.schema.version,
        rows: buildEntityRows(this.schema, (key, prefix) => this.durableId(key, prefix)),
      };
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

  // --- data objects a seed brings ------------------------------------------------------------------------

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

/** An OauthToken row's DeleteToken: opaque to its reader, what the revoke endpoint takes (oauth/revoke.ts). */
export function deleteTokenOf(token: Rec): string {
  return `5Aep861${token.Id}`;
}
