// PermissionSet, PermissionSetGroup and PermissionSetGroupComponent rules: API names unique per type, what a
// profile's own set or a group's aggregate set refuses, deletes refused while assigned, groups recalculated when
// their members change (groups.ts).

import { badRequest } from '../http/errors.js';
import { to18 } from '../data/ids.js';
import type { OrgState, Rec } from '../data/state.js';
import { aggregateSetOf, createAggregateSet, removeAggregateSet } from './groups.js';
import { ObjectRules, PROFILE_SET_MESSAGE, READ_ONLY_MESSAGE, errorFromSpec } from './object-rules.js';

const API_NAME_RULE =
  'The Name field can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.';

function isApiName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(name) && !name.includes('__') && !name.endsWith('_');
}

function checkSetName(
  state: OrgState,
  type: 'PermissionSet' | 'PermissionSetGroup',
  field: 'Name' | 'DeveloperName',
  name: string,
  selfId?: string
): void {
  // PermissionSet Name: letters, digits and _, starting with a letter (PermissionSet object reference); an over-long
  // name is caught earlier as STRING_TOO_LONG (Name has length 80).
  if (!isApiName(name)) throw badRequest('FIELD_INTEGRITY_EXCEPTION', API_NAME_RULE, [field]);
  const lower = name.toLowerCase();
  // A group's aggregate set carries the group's name (groups.ts); it takes no name of its own.
  const clash = state
    .records(type)
    .some(
      (r) => r.Id !== selfId && String(r[field]).toLowerCase() === lower && !r.NamespacePrefix && r.Type !== 'Group'
    );
  if (clash) throw errorFromSpec(state.behaviour.duplicateSetNameError, { name }, [field]);
}

/** Groups whose effective permissions include this set's: they recalculate when it changes. */
export function recalculateGroupsOf(state: OrgState, permissionSetId: unknown): void {
  for (const c of state.records('PermissionSetGroupComponent'))
    if (c.PermissionSetId === permissionSetId) state.recalculateGroup(c.PermissionSetGroupId as string);
}

function refuseIfAssigned(
  state: OrgState,
  rec: Rec,
  field: 'PermissionSetId' | 'PermissionSetGroupId',
  label: string
): void {
  if (state.records('PermissionSetAssignment').some((a) => a[field] === rec.Id)) {
    throw badRequest(
      'DELETE_FAILED',
      `Your attempt to delete ${label} could not be completed because it is associated with the following permission set assignments.`
    );
  }
}

export const permissionSetRules: ObjectRules = {
  defaults(_ctx, values) {
    values.IsOwnedByProfile = false;
    values.IsCustom = true;
    values.Type = values.HasActivationRequired === true ? 'Session' : 'Regular';
    values.NamespacePrefix = null;
  },
  beforeInsert({ state }, values) {
    checkSetName(state, 'PermissionSet', 'Name', values.Name as string);
  },
  // LicenseId is set once, at creation (PermissionSet object reference: create, no update); behaviour permissionSetLicenseChange picks the refusal.
  prepareUpdate({ state }, rec, body) {
    const spec = state.behaviour.permissionSetLicenseChange;
    const key = Object.keys(body).find((k) => k.toLowerCase() === 'licenseid');
    if (spec === 'readOnlyField' || key === undefined) return body;
    const wanted = body[key] === null || body[key] === '' ? null : (to18(body[key]) ?? body[key]);
    const current = rec.LicenseId ? to18(rec.LicenseId) : null;
    if (typeof wanted === 'string' ? wanted.toUpperCase() !== current?.toUpperCase() : wanted !== current) {
      throw errorFromSpec(spec, { permissionSet: rec.Name as string }, ['LicenseId']);
    }
    const rest = { ...body };
    delete rest[key];
    return rest;
  },
  beforeUpdate({ state }, rec, changes) {
    if (rec.Type === 'Group') throw badRequest('INSUFFICIENT_ACCESS_OR_READONLY', READ_ONLY_MESSAGE);
    if (rec.IsOwnedByProfile === true) {
      const profile = state.get('Profile', rec.ProfileId);
      if (profile?._custom !== true) throw badRequest('INSUFFICIENT_ACCESS_OR_READONLY', READ_ONLY_MESSAGE);
    }
    if (changes.Name !== undefined) checkSetName(state, 'PermissionSet', 'Name', changes.Name as string, rec.Id);
  },
  afterUpdate({ state }, rec) {
    recalculateGroupsOf(state, rec.Id);
  },
  beforeDelete({ state }, rec) {
    if (rec.IsOwnedByProfile === true || rec.Type === 'Group')
      throw badRequest('INSUFFICIENT_ACCESS_OR_READONLY', READ_ONLY_MESSAGE);
    refuseIfAssigned(state, rec, 'PermissionSetId', rec.Label as string);
  },
  afterDelete({ state }, rec) {
    for (const type of ['ObjectPermissions', 'FieldPermissions'] as const) {
      for (const child of state.records(type)) if (child.ParentId === rec.Id) state.remove(type, child.Id);
    }
    for (const c of state.records('PermissionSetGroupComponent')) {
      if (c.PermissionSetId !== rec.Id) continue;
      state.remove('PermissionSetGroupComponent', c.Id);
      state.recalculateGroup(c.PermissionSetGroupId as string);
    }
  },
};

export const groupRules: ObjectRules = {
  defaults(_ctx, values) {
    values.Status = 'Updated';
    values.NamespacePrefix = null;
  },
  beforeInsert({ state }, values) {
    checkSetName(state, 'PermissionSetGroup', 'DeveloperName', values.DeveloperName as string);
  },
  afterInsert({ state, userId }, rec) {
    createAggregateSet(state, rec, userId);
  },
  beforeUpdate({ state }, rec, changes) {
    if (changes.DeveloperName !== undefined)
      checkSetName(state, 'PermissionSetGroup', 'DeveloperName', changes.DeveloperName as string, rec.Id);
  },
  afterUpdate({ state, userId }, rec) {
    const aggregate = aggregateSetOf(state, rec.Id);
    if (aggregate)
      state.update('PermissionSet', aggregate.Id, { Name: rec.DeveloperName, Label: rec.MasterLabel }, userId);
  },
  beforeDelete({ state }, rec) {
    refuseIfAssigned(state, rec, 'PermissionSetGroupId', rec.MasterLabel as string);
  },
  afterDelete({ state }, rec) {
    for (const c of state.records('PermissionSetGroupComponent'))
      if (c.PermissionSetGroupId === rec.Id) state.remove('PermissionSetGroupComponent', c.Id);
    removeAggregateSet(state, rec.Id);
  },
};

export const groupComponentRules: ObjectRules = {
  beforeInsert({ state }, values) {
    // A permission set, or the group's muting permission set.
    const set = state.get('PermissionSet', values.PermissionSetId);
    if (set?.IsOwnedByProfile === true)
      throw badRequest('FIELD_INTEGRITY_EXCEPTION', PROFILE_SET_MESSAGE, ['PermissionSetId']);
    const existing = state
      .records('PermissionSetGroupComponent')
      .find(
        (c) => c.PermissionSetGroupId === values.PermissionSetGroupId && c.PermissionSetId === values.PermissionSetId
      );
    if (existing)
      throw badRequest(
        'DUPLICATE_VALUE',
        `duplicate value found: <unknown> duplicates value on record with id: ${existing.Id}`
      );
  },
  afterInsert({ state }, rec) {
    state.recalculateGroup(rec.PermissionSetGroupId as string);
  },
  afterDelete({ state }, rec) {
    state.recalculateGroup(rec.PermissionSetGroupId as string);
  },
};
