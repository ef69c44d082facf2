// ObjectPermissions and FieldPermissions rules (their object reference pages): restricted picklists, dependencies between
// permissions, the parent set's writability, the integration license's standard-object limit (#15), and a row
// whose permissions all turn false deleted.

import { ApiError, badRequest } from '../http/errors.js';
import { isPermissionable } from '../data/schema.js';
import type { OrgState } from '../data/state.js';
import { ObjectRules, errorFromSpec } from './object-rules.js';
import { recalculateGroupsOf } from './permission-sets.js';

const OBJECT_PERM_WORDS: Array<[string, string]> = [
  ['PermissionsRead', 'Read'],
  ['PermissionsCreate', 'Create'],
  ['PermissionsEdit', 'Edit'],
  ['PermissionsDelete', 'Delete'],
  ['PermissionsViewAllRecords', 'View All'],
  ['PermissionsModifyAllRecords', 'Modify All'],
  ['PermissionsViewAllFields', 'View All Fields'],
];

const OBJECT_PERM_DEPS: Record<string, string[]> = {
  PermissionsCreate: ['PermissionsRead'],
  PermissionsEdit: ['PermissionsRead'],
  PermissionsDelete: ['PermissionsRead', 'PermissionsEdit'],
  PermissionsViewAllRecords: ['PermissionsRead'],
  PermissionsModifyAllRecords: ['PermissionsRead', 'PermissionsEdit', 'PermissionsDelete', 'PermissionsViewAllRecords'],
  PermissionsViewAllFields: ['PermissionsRead'],
};

const word = (field: string): string => (OBJECT_PERM_WORDS.find(([f]) => f === field) as [string, string])[1];

export function firstGrantedWord(rec: Record<string, unknown>): string | undefined {
  return OBJECT_PERM_WORDS.find(([f]) => rec[f] === true)?.[1];
}

export function isStandardObject(name: string): boolean {
  return !/__(c|mdt|x|e|b)$/i.test(name);
}

function restrictedPicklist(label: string, field: string, value: string): ApiError {
  return badRequest(
    'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    `${label}: bad value for restricted picklist field: ${value}`,
    [field]
  );
}

function checkObjectPermissionDeps(values: Record<string, unknown>): void {
  const obj = values.SobjectType as string;
  for (const [perm, deps] of Object.entries(OBJECT_PERM_DEPS)) {
    if (values[perm] !== true) continue;
    const missing = deps.filter((d) => values[d] !== true);
    if (missing.length) {
      throw badRequest(
        'FIELD_INTEGRITY_EXCEPTION',
        `Permission ${word(perm)} ${obj} depends on permission(s): ${missing.map((m) => `${word(m)} ${obj}`).join(', ')}`
      );
    }
  }
}

function anyObjectPermission(rec: Record<string, unknown>): boolean {
  return OBJECT_PERM_WORDS.some(([f]) => rec[f] === true);
}

/** #15: a set on the integration user license can't carry standard-object permissions. */
function checkIntegrationLicensedSet(state: OrgState, values: Record<string, unknown>): void {
  const parent = state.get('PermissionSet', values.ParentId);
  const integrationLicense = state.integrationLicense();
  const grant = firstGrantedWord(values);
  if (
    state.behaviour.integrationLicensedPermsetStandardObjects === 'reject' &&
    integrationLicense &&
    parent?.LicenseId === integrationLicense.Id &&
    isStandardObject(values.SobjectType as string) &&
    grant
  ) {
    throw badRequest(
      'FIELD_INTEGRITY_EXCEPTION',
      `The user license doesn't allow the permission: ${grant} ${values.SobjectType as string}`
    );
  }
}

/**
 * A standard profile can't be edited (Help, "Give Integration Users API Only Access"), so neither can the permissions under its own set.
 * Custom profiles' sets take them (that is how profiles get object access through the API).
 */
function checkParentWritable(state: OrgState, parentId: unknown): void {
  const parent = state.get('PermissionSet', parentId);
  // A group's aggregate set is the platform's: its permissions follow the members (groups.ts).
  if (
    parent?.Type === 'Group' ||
    (parent?.IsOwnedByProfile === true && state.get('Profile', parent.ProfileId)?._custom !== true)
  ) {
    throw badRequest(
      'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
      'insufficient access rights on cross-reference id',
      ['ParentId']
    );
  }
}

export const objectPermissionRules: ObjectRules = {
  beforeInsert({ state }, values) {
    // SobjectType is a restricted picklist of the objects permission sets can grant.
    const def = state.schema.get(values.SobjectType as string);
    if (!def || !def.endpoints.data || !def.dataObject)
      throw restrictedPicklist('Sobject Type Name', 'SobjectType', values.SobjectType as string);
    values.SobjectType = def.name;
    checkParentWritable(state, values.ParentId);
    const existing = state
      .records('ObjectPermissions')
      .find((o) => o.ParentId === values.ParentId && o.SobjectType === def.name);
    if (existing)
      throw badRequest(
        'DUPLICATE_VALUE',
        `duplicate value found: <unknown> duplicates value on record with id: ${existing.Id}`
      );
    checkObjectPermissionDeps(values);
    checkIntegrationLicensedSet(state, values);
  },
  afterInsert({ state }, rec) {
    recalculateGroupsOf(state, rec.ParentId);
  },
  beforeUpdate({ state }, rec, _changes, merged) {
    checkParentWritable(state, rec.ParentId);
    checkObjectPermissionDeps(merged);
    checkIntegrationLicensedSet(state, merged);
  },
  // An update that leaves every permission false deletes the record (ObjectPermissions object reference).
  afterUpdate({ state }, rec) {
    if (!anyObjectPermission(rec)) state.remove('ObjectPermissions', rec.Id);
    recalculateGroupsOf(state, rec.ParentId);
  },
  beforeDelete({ state }, rec) {
    checkParentWritable(state, rec.ParentId);
  },
  afterDelete({ state }, rec) {
    recalculateGroupsOf(state, rec.ParentId);
  },
};

export const fieldPermissionRules: ObjectRules = {
  beforeInsert({ state }, values) {
    const def = state.schema.get(values.SobjectType as string);
    if (!def || !def.endpoints.data || !def.dataObject)
      throw restrictedPicklist('Sobject Type Name', 'SobjectType', values.SobjectType as string);
    values.SobjectType = def.name;
    checkParentWritable(state, values.ParentId);
    // Field is written Object.Field, the object being SobjectType.
    const [objPart, fieldPart, extra] = String(values.Field).split('.');
    const field =
      fieldPart && !extra && objPart.toLowerCase() === def.name.toLowerCase()
        ? def.fields.get(fieldPart.toLowerCase())
        : undefined;
    // A required field's access can't be restricted (text unsettled: behaviour requiredFieldPermissionError).
    if (field?.required)
      throw errorFromSpec(state.behaviour.requiredFieldPermissionError, { field: `${def.name}.${field.name}` }, [
        'Field',
      ]);
    // Ids, system and compound fields are not in the Field picklist either.
    if (!field || !isPermissionable(def, field))
      throw restrictedPicklist('Field Name', 'Field', values.Field as string);
    values.Field = `${def.name}.${field.name}`;
    const existing = state
      .records('FieldPermissions')
      .find((f) => f.ParentId === values.ParentId && f.Field === values.Field);
    if (existing)
      throw badRequest(
        'DUPLICATE_VALUE',
        `duplicate value found: <unknown> duplicates value on record with id: ${existing.Id}`
      );
    if (values.PermissionsEdit === true && values.PermissionsRead !== true) {
      throw badRequest(
        'FIELD_INTEGRITY_EXCEPTION',
        `Permission Edit ${values.Field as string} depends on permission(s): Read ${values.Field as string}`
      );
    }
  },
  afterInsert({ state }, rec) {
    recalculateGroupsOf(state, rec.ParentId);
  },
  beforeUpdate({ state }, rec, _changes, merged) {
    checkParentWritable(state, rec.ParentId);
    if (merged.PermissionsEdit === true && merged.PermissionsRead !== true) {
      throw badRequest(
        'FIELD_INTEGRITY_EXCEPTION',
        `Permission Edit ${merged.Field as string} depends on permission(s): Read ${merged.Field as string}`
      );
    }
  },
  afterUpdate({ state }, rec) {
    if (rec.PermissionsRead !== true && rec.PermissionsEdit !== true) state.remove('FieldPermissions', rec.Id);
    recalculateGroupsOf(state, rec.ParentId);
  },
  beforeDelete({ state }, rec) {
    checkParentWritable(state, rec.ParentId);
  },
  afterDelete({ state }, rec) {
    recalculateGroupsOf(state, rec.ParentId);
  },
};
