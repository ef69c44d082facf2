// The seed's profiles, permission sets and permission set groups (with their muting sets), and the object,
// field and user permissions they carry.

import { API_NAME, Obj, SeedError, list, obj, optBool, optStr, optStrList, reqStr, uniqueBy } from './check.js';
import { INTEGRATION_LICENSE, INTEGRATION_PROFILE_PERMISSIONS, defaultProfiles } from './defaults.js';
import type { ObjectPermissionName, SeedPermissionSet, SeedPermissionSetGroup, SeedProfile } from './types.js';

const OBJECT_PERMS: ObjectPermissionName[] = [
  'read',
  'create',
  'edit',
  'delete',
  'viewall',
  'modifyall',
  'viewallfields',
];

export function resolveProfiles(raw: unknown, licenseNames: Set<string>): SeedProfile[] {
  const profiles: SeedProfile[] =
    raw === undefined
      ? defaultProfiles(licenseNames)
      : list(raw, 'seed.profiles').map((v, i) => {
          const p = `seed.profiles[${i}]`;
          const pr = obj(v, p, ['name', 'license', 'custom', 'userPermissions', 'description']);
          const license = reqStr(pr.license, `${p}.license`);
          if (!licenseNames.has(license.toLowerCase()))
            throw new SeedError(`${p}.license`, `no user license named '${license}' in seed.userLicenses`);
          const custom = optBool(pr.custom, `${p}.custom`);
          // The standard profiles on the integration license are API only (Help, "Give Integration Users API Only Access") (whatever their, maybe localized, name).
          const standardIntegration = custom !== true && license.toLowerCase() === INTEGRATION_LICENSE.toLowerCase();
          return {
            name: reqStr(pr.name, `${p}.name`),
            license,
            custom,
            userPermissions:
              checkUserPermissions(pr.userPermissions, `${p}.userPermissions`) ??
              (standardIntegration ? [...INTEGRATION_PROFILE_PERMISSIONS] : undefined),
            description: optStr(pr.description, `${p}.description`),
          };
        });
  uniqueBy(profiles, (p) => p.name, 'seed.profiles', 'profile name');
  return profiles;
}

export function resolvePermissionSets(
  raw: unknown,
  licenseNames: Set<string>,
  pslNames: Set<string>
): SeedPermissionSet[] {
  const permissionSets =
    raw === undefined
      ? []
      : list(raw, 'seed.permissionSets').map((v, i) =>
          permissionSetOf(v, `seed.permissionSets[${i}]`, licenseNames, pslNames)
        );
  uniqueBy(permissionSets, (p) => p.name, 'seed.permissionSets', 'permission set name');
  return permissionSets;
}

function permissionSetOf(v: unknown, p: string, licenseNames: Set<string>, pslNames: Set<string>): SeedPermissionSet {
  const ps = obj(v, p, [
    'name',
    'label',
    'description',
    'license',
    'objects',
    'fields',
    'userPermissions',
    'hasActivationRequired',
    'namespacePrefix',
  ]);
  const name = reqStr(ps.name, `${p}.name`);
  if (!API_NAME.test(name) || name.includes('__') || name.endsWith('_') || name.length > 80) {
    throw new SeedError(
      `${p}.name`,
      'must be an API name: letters, digits and _, starting with a letter, no __, no trailing _'
    );
  }
  let license: string | null = null;
  if (ps.license !== undefined && ps.license !== null) {
    license = reqStr(ps.license, `${p}.license`);
    if (!licenseNames.has(license.toLowerCase()) && !pslNames.has(license.toLowerCase())) {
      throw new SeedError(
        `${p}.license`,
        `'${license}' is neither a user license name nor a PSL developer name in this seed`
      );
    }
  }
  const objects = objectPermissionsOf(ps.objects, `${p}.objects`);
  const fields = fieldPermissionsOf(ps.fields, `${p}.fields`);
  return {
    name,
    label: optStr(ps.label, `${p}.label`),
    description: optStr(ps.description, `${p}.description`),
    license,
    objects,
    fields,
    userPermissions: checkUserPermissions(ps.userPermissions, `${p}.userPermissions`),
    hasActivationRequired: optBool(ps.hasActivationRequired, `${p}.hasActivationRequired`),
    namespacePrefix: optStr(ps.namespacePrefix, `${p}.namespacePrefix`),
  };
}

/** `{ Account: ['read', 'edit'] }` (a permission set's or a muting set's `objects`); {} when absent. */
function objectPermissionsOf(v: unknown, path: string): Record<string, ObjectPermissionName[]> {
  const objects: Record<string, ObjectPermissionName[]> = {};
  if (v === undefined) return objects;
  for (const [objName, perms] of Object.entries(obj(v, path, Object.keys(v as Obj)))) {
    if (!API_NAME.test(objName)) throw new SeedError(`${path}.${objName}`, 'object name must be an API name');
    objects[objName] = list(perms, `${path}.${objName}`).map((x, j) => {
      const perm = String(x).toLowerCase() as ObjectPermissionName;
      if (!OBJECT_PERMS.includes(perm))
        throw new SeedError(`${path}.${objName}[${j}]`, `must be one of ${OBJECT_PERMS.join(', ')}`);
      return perm;
    });
  }
  return objects;
}

/** `{ 'Account.Industry': ['read'] }` (a permission set's `fields`); {} when absent. */
function fieldPermissionsOf(v: unknown, path: string): Record<string, Array<'read' | 'edit'>> {
  const fields: Record<string, Array<'read' | 'edit'>> = {};
  if (v === undefined) return fields;
  for (const [fieldName, perms] of Object.entries(obj(v, path, Object.keys(v as Obj)))) {
    if (!/^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/.test(fieldName))
      throw new SeedError(`${path}.${fieldName}`, "must be written 'Object.Field'");
    fields[fieldName] = list(perms, `${path}.${fieldName}`).map((x, j) => {
      const perm = String(x).toLowerCase();
      if (perm !== 'read' && perm !== 'edit')
        throw new SeedError(`${path}.${fieldName}[${j}]`, "must be 'read' or 'edit'");
      return perm;
    });
  }
  return fields;
}

export function resolvePermissionSetGroups(raw: unknown, permsetNames: Set<string>): SeedPermissionSetGroup[] {
  const permissionSetGroups =
    raw === undefined
      ? []
      : list(raw, 'seed.permissionSetGroups').map((v, i) => {
          const p = `seed.permissionSetGroups[${i}]`;
          const g = obj(v, p, ['name', 'label', 'description', 'permissionSets', 'status', 'muting']);
          const name = reqStr(g.name, `${p}.name`);
          if (!API_NAME.test(name)) throw new SeedError(`${p}.name`, 'must be an API name');
          const members = optStrList(g.permissionSets, `${p}.permissionSets`) ?? [];
          members.forEach((m, j) => {
            if (!permsetNames.has(m.toLowerCase()))
              throw new SeedError(`${p}.permissionSets[${j}]`, `no permission set named '${m}' in seed.permissionSets`);
          });
          const status = optStr(g.status, `${p}.status`) ?? 'Updated';
          if (!['Updated', 'Outdated', 'Updating', 'Failed'].includes(status))
            throw new SeedError(`${p}.status`, "must be 'Updated', 'Outdated', 'Updating' or 'Failed'");
          const group: SeedPermissionSetGroup = {
            name,
            label: optStr(g.label, `${p}.label`),
            description: optStr(g.description, `${p}.description`),
            permissionSets: members,
            status: status as SeedPermissionSetGroup['status'],
          };
          if (g.muting !== undefined) group.muting = mutingOf(g.muting, `${p}.muting`);
          return group;
        });
  uniqueBy(permissionSetGroups, (g) => g.name, 'seed.permissionSetGroups', 'group name');
  for (const [i, g] of permissionSetGroups.entries()) {
    if (permsetNames.has(g.name.toLowerCase()))
      throw new SeedError(`seed.permissionSetGroups[${i}].name`, `'${g.name}' is also a permission set name`);
  }
  return permissionSetGroups;
}

/** A group's muting: `{ objects?: { Account: ['edit', 'delete'] }, userPermissions?: ['ModifyAllData'] }`. */
function mutingOf(v: unknown, path: string): NonNullable<SeedPermissionSetGroup['muting']> {
  const m = obj(v, path, ['objects', 'userPermissions']);
  const objects = objectPermissionsOf(m.objects, `${path}.objects`);
  return { objects, userPermissions: checkUserPermissions(m.userPermissions, `${path}.userPermissions`) };
}

function checkUserPermissions(v: unknown, path: string): string[] | undefined {
  const perms = optStrList(v, path);
  perms?.forEach((n, j) => {
    if (!API_NAME.test(n)) throw new SeedError(`${path}[${j}]`, "must be a permission name like 'ModifyAllData'");
  });
  return perms?.map((n) => n.replace(/^Permissions/, ''));
}
