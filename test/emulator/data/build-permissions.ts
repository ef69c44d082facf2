// Profiles, permission sets and permission set groups from a resolved seed, with the object, field and user
// permissions they carry (buildState calls these in this order).

import { createAggregateSet } from '../rules/groups.js';
import type { ResolvedSeed, SeedPermissionSetGroup } from '../seeds/types.js';
import { ObjectDef } from './schema.js';
import { OrgState, Rec } from './state.js';
import { userPermissionLabel } from './user-permissions.js';

/** Rows the build writes are nobody's until the admin exists (buildState attributes them to the admin). */
export const SYSTEM = '';

/** Records later steps look up by name (lower case). */
export type ByName<T = Rec> = Map<string, T>;

const OBJECT_PERM_FIELDS: Record<string, string> = {
  read: 'PermissionsRead',
  create: 'PermissionsCreate',
  edit: 'PermissionsEdit',
  delete: 'PermissionsDelete',
  viewall: 'PermissionsViewAllRecords',
  modifyall: 'PermissionsModifyAllRecords',
  viewallfields: 'PermissionsViewAllFields',
};

/** Permissions<Name> = true for each user permission, adding the columns to the objects that carry them. */
function permFields(st: OrgState, perms: string[] | undefined, defs: ObjectDef[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const p of perms ?? []) {
    for (const def of defs)
      st.schema.addField(def, { name: `Permissions${p}`, type: 'boolean', label: userPermissionLabel(p) });
    out[`Permissions${p}`] = true;
  }
  return out;
}

/** Each profile and its own permission set (Type 'Profile'), with the same user permissions. */
export function insertProfiles(
  st: OrgState,
  seed: ResolvedSeed,
  licenseByName: ByName
): ByName<{ profile: Rec; ownSet: Rec }> {
  const psDef = st.schema.require('PermissionSet');
  const profileDef = st.schema.require('Profile');

  const profileByName = new Map<string, { profile: Rec; ownSet: Rec }>();
  for (const p of seed.profiles) {
    const license = licenseByName.get(p.license.toLowerCase()) as Rec;
    const perms = permFields(st, p.userPermissions, [profileDef, psDef]);
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
      SYSTEM
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
      SYSTEM
    );
    profileByName.set(p.name.toLowerCase(), { profile, ownSet });
  }
  return profileByName;
}

/** Each permission set with its object and field permissions. */
export function insertPermissionSets(
  st: OrgState,
  seed: ResolvedSeed,
  licenseByName: ByName,
  pslByName: ByName
): ByName {
  const psDef = st.schema.require('PermissionSet');
  const profileDef = st.schema.require('Profile');
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
        ...permFields(st, ps.userPermissions, [psDef, profileDef]),
      },
      SYSTEM
    );
    setByName.set(ps.name.toLowerCase(), set);
    for (const [objName, perms] of Object.entries(ps.objects ?? {})) {
      const objDef = st.schema.get(objName) ?? st.ensureDataObject(objName);
      const flags: Record<string, boolean> = {};
      for (const perm of perms) flags[OBJECT_PERM_FIELDS[perm]] = true;
      st.insert('ObjectPermissions', { ParentId: set.Id, SobjectType: objDef.name, ...flags }, SYSTEM);
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
        SYSTEM
      );
    }
  }
  return setByName;
}

/** Each group with its components, its muting set and its aggregate set (rules/groups.ts). */
export function insertGroups(st: OrgState, seed: ResolvedSeed, setByName: ByName): ByName {
  const groupByName = new Map<string, Rec>();
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
      SYSTEM
    );
    groupByName.set(g.name.toLowerCase(), group);
    for (const member of g.permissionSets) {
      st.insert(
        'PermissionSetGroupComponent',
        { PermissionSetGroupId: group.Id, PermissionSetId: (setByName.get(member.toLowerCase()) as Rec).Id },
        SYSTEM
      );
    }
    if (g.muting) insertMutingSet(st, g, group);
    createAggregateSet(st, group, SYSTEM);
  }
  return groupByName;
}

/** The group's muting permission set (true = muted), its object permissions, and its component row. */
function insertMutingSet(st: OrgState, g: SeedPermissionSetGroup, group: Rec): void {
  const mutingDef = st.schema.require('MutingPermissionSet');
  const { userPermissions, objects } = g.muting ?? {};
  const muting = st.insert(
    'MutingPermissionSet',
    {
      DeveloperName: `${g.name}_Muting`,
      MasterLabel: `${g.label ?? g.name} Muting`,
      Language: 'en_US',
      NamespacePrefix: null,
      ...permFields(st, userPermissions, [mutingDef]),
    },
    SYSTEM
  );
  for (const [objName, perms] of Object.entries(objects ?? {})) {
    const objDef = st.schema.get(objName) ?? st.ensureDataObject(objName);
    st.insert(
      'ObjectPermissions',
      {
        ParentId: muting.Id,
        SobjectType: objDef.name,
        ...Object.fromEntries(perms.map((p) => [OBJECT_PERM_FIELDS[p], true])),
      },
      SYSTEM
    );
  }
  st.insert('PermissionSetGroupComponent', { PermissionSetGroupId: group.Id, PermissionSetId: muting.Id }, SYSTEM);
}
