// Builds the org from a resolved seed: the objects and fields it declares, then its records in dependency order
// (organization, licenses, profiles, permission sets, groups, users, logins, data, apps). Seed rows are stored
// literally: the org's rules (rules/) don't run on them.

import { seedApps } from '../metadata/seed-apps.js';
import { aggregateSetOf } from '../rules/groups.js';
import { SeedError } from '../seeds/check.js';
import type { ResolvedSeed } from '../seeds/types.js';
import { declareSeedSchema } from './build-schema.js';
import { insertGenerated } from './build-generated.js';
import { ByName, SYSTEM, insertGroups, insertPermissionSets, insertProfiles } from './build-permissions.js';
import { FieldDef } from './schema.js';
import { OrgState, Rec } from './state.js';

/** Builds the org from a resolved seed. Seed rows are stored literally (rules don't run on them). */
export function buildState(seed: ResolvedSeed): OrgState {
  const st = new OrgState(seed);
  declareSeedSchema(st, seed);
  insertOrganization(st, seed);
  const licenses = insertUserLicenses(st, seed);
  const psls = insertPermissionSetLicenses(st, seed, licenses);
  const profiles = insertProfiles(st, seed, licenses);
  const sets = insertPermissionSets(st, seed, licenses, psls);
  const groups = insertGroups(st, seed, sets);
  insertUsers(st, seed, { psls, profiles, sets, groups });
  insertLogins(st, seed);
  insertGenerated(st, seed, { psls, profiles, sets });
  countUnlistedSeats(st, seed, licenses, psls);
  insertRecords(st, seed);
  // Connected apps, External Client Apps, their grants and OAuth tokens (metadata/seed-apps.ts).
  seedApps(st, seed);
  attributeToAdmin(st);
  st.sessions.set(seed.admin.accessToken, { token: seed.admin.accessToken, userId: st.adminUserId, expired: false });
  st.resetJournal();
  return st;
}

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

function insertOrganization(st: OrgState, seed: ResolvedSeed): void {
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
    SYSTEM,
    seed.org.id
  );
}

function insertUserLicenses(st: OrgState, seed: ResolvedSeed): ByName {
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
      SYSTEM
    );
    licenseByName.set(l.name.toLowerCase(), rec);
  }
  return licenseByName;
}

function insertPermissionSetLicenses(st: OrgState, seed: ResolvedSeed, licenseByName: ByName): ByName {
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
      SYSTEM
    );
    pslByName.set(p.developerName.toLowerCase(), rec);
  }
  return pslByName;
}

/** Each user with its profile's set, its PSLs and its permission sets or groups. */
function insertUsers(
  st: OrgState,
  seed: ResolvedSeed,
  built: { psls: ByName; profiles: ByName<{ profile: Rec; ownSet: Rec }>; sets: ByName; groups: ByName }
): void {
  const { psls: pslByName, profiles: profileByName, sets: setByName, groups: groupByName } = built;
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
      SYSTEM
    );
    if (u.username.toLowerCase() === seed.admin.username.toLowerCase()) st.adminUserId = user.Id;
    st.insert(
      'PermissionSetAssignment',
      { AssigneeId: user.Id, PermissionSetId: ownSet.Id, PermissionSetGroupId: null, IsActive: true },
      SYSTEM
    );
    for (const psl of u.permissionSetLicenses ?? []) {
      st.insert(
        'PermissionSetLicenseAssign',
        { AssigneeId: user.Id, PermissionSetLicenseId: (pslByName.get(psl.toLowerCase()) as Rec).Id },
        SYSTEM
      );
    }
    for (const name of u.permissionSets ?? []) {
      const set = setByName.get(name.toLowerCase());
      const group = groupByName.get(name.toLowerCase());
      // A group's assignment names the group's aggregate set too (rules/groups.ts).
      const permissionSetId = set?.Id ?? (group ? aggregateSetOf(st, group.Id)?.Id : undefined) ?? null;
      st.insert(
        'PermissionSetAssignment',
        {
          AssigneeId: user.Id,
          PermissionSetId: permissionSetId,
          PermissionSetGroupId: set ? null : (group?.Id ?? null),
          IsActive: true,
        },
        SYSTEM
      );
    }
  }
}

/** Seeded logins, oldest first whatever the seed's order (ids then follow time, as in a real org). */
function insertLogins(st: OrgState, seed: ResolvedSeed): void {
  const started = Date.now();
  const logins = seed.users.flatMap((u) =>
    (u.loginHistory ?? []).map((l) => ({
      user: st.findBy('User', 'Username', u.username) as Rec,
      login: { ...l, time: l.time ?? new Date(started - (l.daysAgo ?? 0) * 86_400_000).toISOString() },
    }))
  );
  logins.sort((a, b) => Date.parse(a.login.time) - Date.parse(b.login.time));
  for (const { user, login } of logins) st.recordLogin(user, login);
}

/** `used` above the listed holders stands for seats held by users the seed doesn't list. */
function countUnlistedSeats(st: OrgState, seed: ResolvedSeed, licenseByName: ByName, pslByName: ByName): void {
  for (const l of seed.userLicenses) {
    const rec = licenseByName.get(l.name.toLowerCase()) as Rec;
    rec._phantom = Math.max(0, (l.used ?? 0) - st.activeUsersOnLicense(rec.Id));
  }
  for (const p of seed.permissionSetLicenses) {
    const rec = pslByName.get(p.developerName.toLowerCase()) as Rec;
    const held = st.records('PermissionSetLicenseAssign').filter((a) => a.PermissionSetLicenseId === rec.Id).length;
    rec._phantom = Math.max(0, (p.used ?? 0) - held);
  }
}

function insertRecords(st: OrgState, seed: ResolvedSeed): void {
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
}

/** Seed rows were written before the admin existed; attribute them to the admin. */
function attributeToAdmin(st: OrgState): void {
  for (const def of st.schema.all()) {
    if (!def.fields.has('createdbyid')) continue;
    for (const rec of st.table(def.name).values()) {
      if (!rec.CreatedById) rec.CreatedById = st.adminUserId;
      if (!rec.LastModifiedById) rec.LastModifiedById = st.adminUserId;
    }
  }
}
