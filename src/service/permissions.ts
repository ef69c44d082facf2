import type { SfError } from '@salesforce/core';
import { errorWords, serviceError } from './errors.js';
import type { SObjectRecord } from './org-client.js';

/** Object access as the --object flag spells it, in Salesforce's order. */
export const OBJECT_ACCESS = ['read', 'create', 'edit', 'delete', 'viewall', 'modifyall'] as const;
export type ObjectAccess = (typeof OBJECT_ACCESS)[number];
export type FieldAccess = 'read' | 'edit';

export type ObjectGrant = { object: string; access: ObjectAccess[] };
export type FieldGrant = { field: string; access: FieldAccess };

/** The ObjectPermissions checkbox behind each access. */
export const OBJECT_PERMISSION_FIELDS: Record<ObjectAccess, string> = {
  read: 'PermissionsRead',
  create: 'PermissionsCreate',
  edit: 'PermissionsEdit',
  delete: 'PermissionsDelete',
  viewall: 'PermissionsViewAllRecords',
  modifyall: 'PermissionsModifyAllRecords',
};

/** ParentId, SobjectType and every access checkbox: an ObjectPermissions row as the rules read it. */
export const OBJECT_PERMISSION_COLUMNS = `ParentId, SobjectType, ${Object.values(OBJECT_PERMISSION_FIELDS).join(', ')}`;

/**
 * What a user's assignments hold, read through them (semi-joins), so it goes in the same round trip
 * as the assignments: the object permissions of the held sets, and the sets inside held groups (for
 * their licenses). A group's assignment names the group's
 * aggregate permission set (PermissionSet.Type 'Group', "the aggregated permissions for the group", muted
 * ones left out), so `setObjects` holds the groups' effective access too: never add the members' rows to it.
 * `assignee` is assigneeFilter(user).
 */
export function heldAccessQueries(assignee: string): { setObjects: string; members: string } {
  const held = `(SELECT PermissionSetId FROM PermissionSetAssignment WHERE ${assignee})`;
  return {
    setObjects: `SELECT ${OBJECT_PERMISSION_COLUMNS} FROM ObjectPermissions WHERE ParentId IN ${held}`,
    // A muting permission set is a component too; its PermissionSet relationship is null.
    members: `SELECT PermissionSetGroupId, PermissionSetId, PermissionSet.Name, PermissionSet.LicenseId FROM PermissionSetGroupComponent WHERE PermissionSetGroupId IN (SELECT PermissionSetGroupId FROM PermissionSetAssignment WHERE ${assignee})`,
  };
}

/** Salesforce's dependency rules between object permissions. */
const REQUIRES: Record<ObjectAccess, ObjectAccess[]> = {
  read: [],
  create: ['read'],
  edit: ['read'],
  delete: ['read', 'edit'],
  viewall: ['read'],
  modifyall: ['read', 'edit', 'delete', 'viewall'],
};

/** User permissions that give far more than an integration needs. */
export const BROAD_USER_PERMISSIONS = [
  'ModifyAllData',
  'ViewAllData',
  'ManageUsers',
  'AuthorApex',
  'CustomizeApplication',
  'UseAnyApiClient',
];

/**
 * Broad-power columns some orgs don't have: PermissionsUseAnyApiClient exists only where API Access Control is
 * on, which Salesforce Support enables (Salesforce Help, "Manage API Access"). Naming a missing column fails the
 * whole query (INVALID_FIELD "No such column"), so each is read in a query of its own, marked optional: where
 * the org lacks it, nobody holds it. Same round trip, no describe.
 */
export const OPTIONAL_USER_PERMISSIONS = ['UseAnyApiClient'] as const;
export type OptionalPowerKey = `power${(typeof OPTIONAL_USER_PERMISSIONS)[number]}`;
export const OPTIONAL_POWER_KEYS = OPTIONAL_USER_PERMISSIONS.map((p): OptionalPowerKey => `power${p}`);

/** The broad-power columns every org has, as `<prefix>PermissionsX, ...`. */
export function corePowerColumns(prefix = ''): string {
  return BROAD_USER_PERMISSIONS.filter((p) => !(OPTIONAL_USER_PERMISSIONS as readonly string[]).includes(p))
    .map((p) => `${prefix}Permissions${p}`)
    .join(', ');
}

/** One optional query per optional broad-power column, over the PermissionSet rows `filter` picks. */
export function optionalPowerQueries(filter: string): Record<OptionalPowerKey, string> {
  return Object.fromEntries(
    OPTIONAL_USER_PERMISSIONS.map((p) => [`power${p}`, `SELECT Id, Permissions${p} FROM PermissionSet WHERE ${filter}`])
  ) as Record<OptionalPowerKey, string>;
}

/** The optional columns' values by permission set Id, to lay over the sets read with corePowerColumns. */
export function optionalPowersOf(
  found: Partial<Record<OptionalPowerKey, SObjectRecord[]>>
): (setId: unknown) => Record<string, boolean> {
  const byId = new Map<string, Record<string, boolean>>();
  for (const key of OPTIONAL_POWER_KEYS) {
    const column = `Permissions${key.slice('power'.length)}`;
    for (const row of found[key] ?? []) byId.set(row.Id, { ...byId.get(row.Id), [column]: row[column] === true });
  }
  return (setId) => byId.get(String(setId)) ?? {};
}

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** A standard object has no namespace suffix such as __c (custom object) or __mdt. */
export function isStandardObject(object: string): boolean {
  return !object.includes('__');
}

const sortAccess = (access: Iterable<ObjectAccess>): ObjectAccess[] =>
  OBJECT_ACCESS.filter((a) => new Set(access).has(a));

/** The access list with everything it depends on, e.g. delete -> read, edit, delete. */
export function withDependencies(access: readonly ObjectAccess[]): ObjectAccess[] {
  const all = new Set<ObjectAccess>();
  const add = (a: ObjectAccess): void => {
    all.add(a);
    REQUIRES[a].forEach(add);
  };
  access.forEach(add);
  return sortAccess(all);
}

/**
 * Parses `--object Account:read,create` values. The same object twice is merged; an access whose
 * dependencies are missing is refused with the corrected value, as Salesforce would refuse it.
 */
export function parseObjectGrants(values: readonly string[]): ObjectGrant[] {
  const byObject = new Map<string, Set<ObjectAccess>>();
  for (const value of values) {
    const separator = value.lastIndexOf(':');
    const object = value.slice(0, separator).trim();
    if (separator < 1 || !API_NAME.test(object)) throw serviceError('InvalidObjectGrant', [value]);
    const access = new Set(byObject.get(object) ?? []);
    for (const raw of value.slice(separator + 1).split(',')) {
      const word = raw
        .trim()
        .toLowerCase()
        .replace(/[\s_-]/g, '');
      if (!(OBJECT_ACCESS as readonly string[]).includes(word))
        throw serviceError('InvalidObjectAccess', [raw.trim(), value]);
      access.add(word as ObjectAccess);
    }
    byObject.set(object, access);
  }
  return [...byObject].map(([object, access]) => {
    const given = sortAccess(access);
    const needed = withDependencies(given);
    if (needed.length !== given.length) {
      const missing = needed.filter((a) => !given.includes(a));
      throw serviceError(
        'ObjectAccessDependency',
        [object, given.join(', '), missing.join(', ')],
        [`${object}:${needed.join(',')}`]
      );
    }
    return { object, access: given };
  });
}

/** Parses `--field Account.Industry:read|edit` values; edit includes read, the same field twice keeps the wider access. */
export function parseFieldGrants(values: readonly string[]): FieldGrant[] {
  const byField = new Map<string, FieldAccess>();
  for (const value of values) {
    const separator = value.lastIndexOf(':');
    const field = value.slice(0, separator).trim();
    const [object, name, extra] = field.split('.');
    if (separator < 1 || extra !== undefined || !API_NAME.test(object ?? '') || !API_NAME.test(name ?? '')) {
      throw serviceError('InvalidFieldGrant', [value]);
    }
    const access = value
      .slice(separator + 1)
      .trim()
      .toLowerCase();
    if (access !== 'read' && access !== 'edit') throw serviceError('InvalidFieldGrant', [value]);
    byField.set(field, byField.get(field) === 'edit' ? 'edit' : access);
  }
  return [...byField].map(([field, access]) => ({ field, access }));
}

/** What an object permission row grants, as --object access words. */
export function accessOf(row: Record<string, unknown>): ObjectAccess[] {
  return OBJECT_ACCESS.filter((a) => row[OBJECT_PERMISSION_FIELDS[a]] === true);
}

/** The row's checkbox values for an access list (all six, so an update replaces them). */
export function objectPermissionFields(access: readonly ObjectAccess[]): Record<string, boolean> {
  return Object.fromEntries(OBJECT_ACCESS.map((a) => [OBJECT_PERMISSION_FIELDS[a], access.includes(a)]));
}

/** How a permission set's license fits a user on the Salesforce Integration license. */
export type LicenseFit =
  /** License "--None--": fits; standard-object permissions need the PSL first. */
  | 'none'
  /** The Salesforce API Integration PSL: fits, needs the PSL. */
  | 'integration-psl'
  /** The Salesforce Integration user license: fits, but can't carry standard-object permissions. */
  | 'integration-user-license'
  /** Anything else (Salesforce, Salesforce Platform, a feature PSL): can't be assigned. */
  | 'other';

export const NO_LICENSE = '--None--';

export function fitOf(
  license: { kind: 'none' } | { kind: 'user-license'; name: string } | { kind: 'psl'; developerName: string }
): LicenseFit {
  if (license.kind === 'none') return 'none';
  if (license.kind === 'psl')
    return license.developerName === 'SalesforceAPIIntegrationPsl' ? 'integration-psl' : 'other';
  return license.name === 'Salesforce Integration' ? 'integration-user-license' : 'other';
}

type LicenseRecord = { Id: string } & Record<string, unknown>;

/**
 * Resolves permission sets' LicenseId against the org's user licenses and PSLs (queried with
 * Name, and DeveloperName and MasterLabel): how each fits, and its name for messages.
 */
export function licenseResolver(
  userLicenses: readonly LicenseRecord[],
  psls: readonly LicenseRecord[]
): (licenseId: unknown) => { fit: LicenseFit; name: string } {
  const known = new Map<string, { fit: LicenseFit; name: string }>();
  for (const l of userLicenses)
    known.set(l.Id, { fit: fitOf({ kind: 'user-license', name: l.Name as string }), name: l.Name as string });
  for (const l of psls)
    known.set(l.Id, {
      fit: fitOf({ kind: 'psl', developerName: l.DeveloperName as string }),
      name: (l.MasterLabel ?? l.DeveloperName) as string,
    });
  return (licenseId) =>
    typeof licenseId === 'string' && licenseId
      ? (known.get(licenseId) ?? { fit: 'other', name: licenseId })
      : { fit: 'none', name: NO_LICENSE };
}

/** The broad powers a set carries: user permissions and View All / Modify All on objects. */
export function broadPowers(
  set: Record<string, unknown>,
  objectRows: ReadonlyArray<Record<string, unknown>>
): string[] {
  const powers = BROAD_USER_PERMISSIONS.filter((p) => set[`Permissions${p}`] === true);
  for (const row of objectRows) {
    if (row.PermissionsModifyAllRecords === true)
      powers.push(errorWords('power.modifyAllOn', [String(row.SobjectType)]));
    else if (row.PermissionsViewAllRecords === true)
      powers.push(errorWords('power.viewAllOn', [String(row.SobjectType)]));
  }
  return powers;
}

/** Errors of the flag values alone, found before the org is touched. */
export function grantInputError(input: {
  permissionSets: string[];
  groups: string[];
  objects: string[];
  fields: string[];
  permissionSetName?: string;
}): SfError | undefined {
  if (!input.permissionSets.length && !input.groups.length && !input.objects.length && !input.fields.length)
    return serviceError('NothingToGrant');
  const name = input.permissionSetName;
  if (name !== undefined && (!API_NAME.test(name) || name.includes('__') || name.endsWith('_') || name.length > 80)) {
    return serviceError('InvalidPermissionSetName', [name]);
  }
  return undefined;
}

/** `Acme Sync` -> `Acme_Sync_Integration`: a valid permission set API name for the generated set. */
export function derivePermissionSetName(userName: string): string {
  const words = userName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const base = words
    .join('_')
    .replace(/^[^A-Za-z]+/, '')
    .slice(0, 60)
    .replace(/_+$/, '');
  return base ? `${base}_Integration` : 'Integration_Access';
}
