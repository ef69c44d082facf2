// The org's rules per sObject (facts §3-§5, §13): seats, licenses, duplicates, the PSL-first rule,
// permission dependencies. Unsettled answers come from the seed's `behaviour` switches.

import { ApiError, DUPLICATE_USERNAME_MESSAGE, DUPLICATE_VALUE_UNKNOWN_MESSAGE, badRequest } from '../http/errors.js';
import { to18 } from '../data/ids.js';
import type { ErrorSpec } from '../seeds/behaviours.js';
import { INTEGRATION_LICENSE, INTEGRATION_PSL } from '../seeds/defaults.js';
import { isPermissionable } from '../data/schema.js';
import { userPermissionLabel } from '../data/user-permissions.js';
import { OrgState, Rec } from '../data/state.js';
import { setupEntityAccessRules } from './app-rules.js';
import { aggregateSetOf, createAggregateSet, membersOf, removeAggregateSet } from './groups.js';

/** The context rules run in (same shape as DmlContext; kept here to avoid an import cycle). */
export interface RuleContext {
  state: OrgState;
  userId: string;
}

export interface ObjectRules {
  /** fill defaults before required-field checks */
  defaults?(ctx: RuleContext, values: Record<string, unknown>): void;
  /** may return an existing record that stands for this insert (an idempotent create: nothing is written) */
  beforeInsert?(ctx: RuleContext, values: Record<string, unknown>): void | Rec;
  afterInsert?(ctx: RuleContext, rec: Rec): void;
  beforeUpdate?(ctx: RuleContext, rec: Rec, changes: Record<string, unknown>, merged: Record<string, unknown>): void;
  afterUpdate?(ctx: RuleContext, rec: Rec, before: Rec): void;
  /** sees a PATCH body before the generic field checks; returns the body to go on with */
  prepareUpdate?(ctx: RuleContext, rec: Rec, body: Record<string, unknown>): Record<string, unknown>;
  beforeDelete?(ctx: RuleContext, rec: Rec): void;
  afterDelete?(ctx: RuleContext, rec: Rec): void;
  /** the answer to an update of a type that has none (PSLA: behaviour pslaUpdateError) */
  updateRefused?(ctx: RuleContext): ApiError | undefined;
}

export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

export function errorFromSpec(spec: ErrorSpec, vars: Record<string, string> = {}, fields: string[] = []): ApiError {
  return new ApiError(spec.status ?? 400, spec.errorCode, fill(spec.message, vars), fields);
}

/**
 * A username needs only "the form of an email address", checked loosely: at least one @ (several are
 * accepted: Salesforce Stack Exchange 136843, "User email and username discrepancy"), something on either
 * side, no whitespace; so an apostrophe (RFC 5322 local part, O'Brien) passes. Length 80: the field's (schema).
 */
const USERNAME = /^[^\s@]\S*@\S*[^\s@]$/;
const API_NAME_RULE =
  'The Name field can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.';
const PROFILE_SET_MESSAGE = "You can't assign or unassign this permission set because it's associated with a profile.";
const READ_ONLY_MESSAGE = 'insufficient access rights on object id';

function isApiName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(name) && !name.includes('__') && !name.endsWith('_');
}

function licenseLimit(): ApiError {
  return badRequest('LICENSE_LIMIT_EXCEEDED', 'License Limit Exceeded');
}

function pslLimit(state: OrgState): ApiError {
  return state.behaviour.pslLimitError === 'LICENSE_LIMIT_EXCEEDED'
    ? licenseLimit()
    : badRequest('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on cross-reference id');
}

function holdsPsl(state: OrgState, userId: string, pslId: string): boolean {
  return state
    .records('PermissionSetLicenseAssign')
    .some((a) => a.AssigneeId === userId && a.PermissionSetLicenseId === pslId);
}

/** Seat and compatibility checks for giving `user` the PSL; throws the org's error. */
function checkPslForUser(state: OrgState, user: Rec, psl: Rec): void {
  const compat = psl._compatibleUserLicenses
    ? (JSON.parse(psl._compatibleUserLicenses as string) as Array<string | null>)
    : null;
  if (compat && !compat.includes(state.userLicenseId(user) ?? '')) {
    throw errorFromSpec(
      state.behaviour.pslIncompatibleError,
      { psl: psl.DeveloperName as string, username: user.Username as string },
      []
    );
  }
  if (state.freeSeats('PermissionSetLicense', psl.Id) <= 0) throw pslLimit(state);
}

// --- object permissions ---------------------------------------------------------------------------

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

function firstGrantedWord(rec: Record<string, unknown>): string | undefined {
  return OBJECT_PERM_WORDS.find(([f]) => rec[f] === true)?.[1];
}

function isStandardObject(name: string): boolean {
  return !/__(c|mdt|x|e|b)$/i.test(name);
}

/** "The user license doesn't allow the permission: Read Account" for the first standard-object grant. */
function standardObjectGrant(state: OrgState, permissionSetId: string): string | undefined {
  for (const op of state.records('ObjectPermissions')) {
    if (op.ParentId !== permissionSetId || !isStandardObject(op.SobjectType as string)) continue;
    const w = firstGrantedWord(op);
    if (w) return `${w} ${op.SobjectType as string}`;
  }
  return undefined;
}

/**
 * The label of the first user permission the set enables that the integration user license doesn't allow
 * (behaviour integrationLicenseDeniedUserPermissions), e.g. 'Modify All Data'.
 */
function deniedUserPermission(state: OrgState, set: Rec): string | undefined {
  const psDef = state.schema.require('PermissionSet');
  for (const name of state.behaviour.integrationLicenseDeniedUserPermissions) {
    const field = psDef.fields.get(`permissions${name.toLowerCase()}`);
    if (field?.type === 'boolean' && set[field.name] === true) return userPermissionLabel(field.name);
  }
  return undefined;
}

// --- permission set assignment ------------------------------------------------------------------------

/**
 * Can `set` go to `user`? Throws the org's refusal; returns a PSL the assignment must create first
 * (behaviour autoAssignPslOnPermsetAssign).
 */
function checkSetForUser(state: OrgState, user: Rec, set: Rec, pendingPsls: Set<string>): string | undefined {
  const b = state.behaviour;
  const licenseId = set.LicenseId as string | null;
  if (licenseId) {
    const found = state.find(licenseId);
    if (found?.def.name === 'UserLicense' && licenseId !== state.userLicenseId(user)) {
      if (b.licenseMismatchError !== 'accept')
        throw errorFromSpec(b.licenseMismatchError, {
          permissionSet: set.Name as string,
          username: user.Username as string,
        });
    }
    if (
      found?.def.name === 'PermissionSetLicense' &&
      !holdsPsl(state, user.Id, licenseId) &&
      !pendingPsls.has(licenseId)
    ) {
      if (!b.autoAssignPslOnPermsetAssign)
        throw errorFromSpec(b.missingPslError, {
          psl: found.rec.DeveloperName as string,
          permissionSet: set.Name as string,
        });
      return licenseId;
    }
    return undefined;
  }
  // License "--None--" on an integration user: user permissions the license lacks are refused outright (no PSL
  // grants them); standard objects need the API Integration PSL first (facts §4.1).
  if (state.isIntegrationUser(user)) {
    const denied = deniedUserPermission(state, set);
    if (denied)
      throw badRequest('FIELD_INTEGRITY_EXCEPTION', `The user license doesn't allow the permission: ${denied}`);
    const psl = state.integrationPsl();
    const hasPsl = psl !== undefined && (holdsPsl(state, user.Id, psl.Id) || pendingPsls.has(psl.Id));
    const grant = hasPsl ? undefined : standardObjectGrant(state, set.Id);
    if (grant) throw badRequest('FIELD_INTEGRITY_EXCEPTION', `The user license doesn't allow the permission: ${grant}`);
  }
  return undefined;
}

/**
 * What a group's assignment is judged by: each member set's license (a muting set has none), and the permissions
 * of the group's aggregate set, which holds them after muting (groups.ts): a --None-- member's standard-object
 * access or denied user permission that the group mutes doesn't count, as the assignment is of the aggregate set.
 */
function judgedSetsOfGroup(state: OrgState, groupId: unknown): Rec[] {
  const licensed = membersOf(state, groupId).sets.filter((s) => s.LicenseId);
  const aggregate = aggregateSetOf(state, groupId);
  return aggregate ? [...licensed, aggregate] : licensed;
}

const psaRules: ObjectRules = {
  defaults(_ctx, values) {
    values.IsActive = true;
    values.IsRevoked = false;
  },
  beforeInsert({ state, userId }, values) {
    if (!values.AssigneeId)
      throw badRequest('REQUIRED_FIELD_MISSING', 'Required fields are missing: [AssigneeId]', ['AssigneeId']);
    const psId = values.PermissionSetId as string | undefined;
    const groupId = values.PermissionSetGroupId as string | undefined;
    if (!psId && !groupId)
      throw badRequest('REQUIRED_FIELD_MISSING', 'Required fields are missing: [PermissionSetId]', ['PermissionSetId']);
    if (psId && groupId)
      throw badRequest(
        'FIELD_INTEGRITY_EXCEPTION',
        'Specify either a permission set or a permission set group, not both.',
        ['PermissionSetId', 'PermissionSetGroupId']
      );
    const user = state.get('User', values.AssigneeId) as Rec;
    const set = psId ? (state.get('PermissionSet', psId) as Rec) : undefined;
    const group = groupId ? (state.get('PermissionSetGroup', groupId) as Rec) : undefined;
    if (set?.IsOwnedByProfile === true)
      throw badRequest('FIELD_INTEGRITY_EXCEPTION', PROFILE_SET_MESSAGE, ['PermissionSetId']);
    const duplicate = state
      .records('PermissionSetAssignment')
      .some(
        (a) => a.AssigneeId === user.Id && (set ? a.PermissionSetId === set.Id : a.PermissionSetGroupId === group?.Id)
      );
    if (duplicate) {
      throw badRequest(
        'DUPLICATE_VALUE',
        fill(state.behaviour.duplicatePsaMessage, {
          assigneeId: user.Id,
          permissionSetId: (set ?? group)?.Id as string,
        })
      );
    }
    const groupStatus = group ? state.groupStatus(group) : undefined;
    if (group && groupStatus !== 'Updated') {
      throw errorFromSpec(state.behaviour.groupNotUpdatedError, {
        group: group.DeveloperName as string,
        status: String(groupStatus),
      });
    }
    const members = set ? [set] : judgedSetsOfGroup(state, group?.Id);
    const needed = new Set<string>();
    for (const member of members) {
      const psl = checkSetForUser(state, user, member, needed);
      if (psl) needed.add(psl);
    }
    // Auto-assigned PSLs take a seat like any other assignment (facts §13 #1).
    for (const pslId of needed) {
      checkPslForUser(state, user, state.get('PermissionSetLicense', pslId) as Rec);
    }
    for (const pslId of needed)
      state.insert('PermissionSetLicenseAssign', { AssigneeId: user.Id, PermissionSetLicenseId: pslId }, userId);
    // A group's assignment names the group's aggregate set as well (object reference, PermissionSetAssignment).
    if (group) values.PermissionSetId = aggregateSetOf(state, group.Id)?.Id ?? null;
  },
  beforeDelete({ state }, rec) {
    const set = state.get('PermissionSet', rec.PermissionSetId);
    if (set?.IsOwnedByProfile === true) throw badRequest('FIELD_INTEGRITY_EXCEPTION', PROFILE_SET_MESSAGE);
  },
};

// --- users ---------------------------------------------------------------------------------------------

function checkUsername(state: OrgState, username: string, selfId?: string): void {
  if (!USERNAME.test(username)) throw errorFromSpec(state.behaviour.usernameFormatError, { username }, ['Username']);
  const lower = username.toLowerCase();
  const clash = state.records('User').some((u) => u.Id !== selfId && String(u.Username).toLowerCase() === lower);
  if (clash || state.usernamesTakenElsewhere.has(lower))
    throw badRequest('DUPLICATE_USERNAME', DUPLICATE_USERNAME_MESSAGE, ['Username']);
}

/**
 * A user moving to a profile on another user license (`moved` carries the new ProfileId) keeps what it holds only
 * if the new license allows it, as if each were assigned afresh: every held permission set (direct, or a member of
 * a held group) must pass the assignment checks (a set licensed to another user license fails with
 * licenseMismatchError; on the integration license a --None-- set must not enable a denied user permission nor,
 * without the PSL, standard-object access), and every held PSL must be compatible with the new license (else
 * licenseMismatchError too, {psl} = its developer name). 'accept' lets mismatches through.
 */
function checkHoldingsOnLicense(state: OrgState, moved: Rec): void {
  const b = state.behaviour;
  const seen = new Set<string>();
  for (const a of state.records('PermissionSetAssignment')) {
    if (a.AssigneeId !== moved.Id) continue;
    const sets = a.PermissionSetGroupId
      ? judgedSetsOfGroup(state, a.PermissionSetGroupId)
      : [state.get('PermissionSet', a.PermissionSetId)];
    for (const set of sets) {
      if (!set || set.IsOwnedByProfile === true || seen.has(set.Id)) continue;
      seen.add(set.Id);
      // A PSL-licensed set goes where its PSL goes: the PSL is judged below.
      if (set.LicenseId && state.find(set.LicenseId)?.def.name === 'PermissionSetLicense') continue;
      checkSetForUser(state, moved, set, new Set());
    }
  }
  const licenseId = state.userLicenseId(moved) ?? '';
  for (const pa of state.records('PermissionSetLicenseAssign')) {
    if (pa.AssigneeId !== moved.Id) continue;
    const psl = state.get('PermissionSetLicense', pa.PermissionSetLicenseId);
    const compat = psl?._compatibleUserLicenses
      ? (JSON.parse(psl._compatibleUserLicenses as string) as Array<string | null>)
      : null;
    if (psl && compat && !compat.includes(licenseId) && b.licenseMismatchError !== 'accept') {
      throw errorFromSpec(b.licenseMismatchError, {
        permissionSet: psl.DeveloperName as string,
        psl: psl.DeveloperName as string,
        username: moved.Username as string,
      });
    }
  }
}

const userRules: ObjectRules = {
  defaults({ state }, values) {
    values.UserType = 'Standard';
    if (values.IsActive === undefined || values.IsActive === null) values.IsActive = true;
    if (!values.CommunityNickname && typeof values.Username === 'string') {
      const base = values.Username.split('@')[0].slice(0, 32);
      let nick = base;
      for (
        let i = 1;
        state.records('User').some((u) => String(u.CommunityNickname).toLowerCase() === nick.toLowerCase());
        i++
      )
        nick = `${base}${i}`;
      values.CommunityNickname = nick;
    }
  },
  beforeInsert({ state }, values) {
    checkUsername(state, values.Username as string);
    const licenseId = state.get('Profile', values.ProfileId)?.UserLicenseId as string;
    if (values.IsActive === true && state.freeSeats('UserLicense', licenseId) <= 0) throw licenseLimit();
  },
  afterInsert({ state, userId }, rec) {
    const ownSet = state
      .records('PermissionSet')
      .find((p) => p.IsOwnedByProfile === true && p.ProfileId === rec.ProfileId);
    if (ownSet)
      state.insert(
        'PermissionSetAssignment',
        { AssigneeId: rec.Id, PermissionSetId: ownSet.Id, PermissionSetGroupId: null, IsActive: true },
        userId
      );
  },
  beforeUpdate({ state }, rec, changes, merged) {
    if (changes.Username !== undefined) checkUsername(state, changes.Username as string, rec.Id);
    const oldLicense = state.userLicenseId(rec);
    const newLicense = state.get('Profile', merged.ProfileId)?.UserLicenseId as string;
    const moving = newLicense !== oldLicense;
    if (moving && state.behaviour.profileLicenseChangeError !== 'accept') {
      throw errorFromSpec(state.behaviour.profileLicenseChangeError, {}, ['ProfileId']);
    }
    // A seat is needed when the user becomes active, or moves (active) to another license; the old seat frees itself
    // (UsedLicenses counts active users per license).
    const needsSeat = merged.IsActive === true && (rec.IsActive !== true || moving);
    if (needsSeat && state.freeSeats('UserLicense', newLicense) <= 0) throw licenseLimit();
    if (moving) checkHoldingsOnLicense(state, { ...rec, ProfileId: merged.ProfileId });
  },
  afterUpdate({ state, userId }, rec, before) {
    if (rec.ProfileId === before.ProfileId) return;
    // The profile's own set follows the profile: the user's assignment of the old one now names the new one.
    const ownSet = state
      .records('PermissionSet')
      .find((p) => p.IsOwnedByProfile === true && p.ProfileId === rec.ProfileId);
    const current = state
      .records('PermissionSetAssignment')
      .find((a) => a.AssigneeId === rec.Id && state.get('PermissionSet', a.PermissionSetId)?.IsOwnedByProfile === true);
    if (current && ownSet) state.update('PermissionSetAssignment', current.Id, { PermissionSetId: ownSet.Id }, userId);
    else if (ownSet)
      state.insert(
        'PermissionSetAssignment',
        {
          AssigneeId: rec.Id,
          PermissionSetId: ownSet.Id,
          PermissionSetGroupId: null,
          IsActive: true,
          IsRevoked: false,
        },
        userId
      );
  },
};

// --- profiles ----------------------------------------------------------------------------------------

const profileRules: ObjectRules = {
  defaults(_ctx, values) {
    values.UserType = 'Standard';
    values._custom = true;
  },
  beforeInsert({ state }, values) {
    if (state.findBy('Profile', 'Name', values.Name as string))
      throw badRequest(
        'DUPLICATE_VALUE',
        `duplicate value found: Name duplicates value on record with id: ${state.findBy('Profile', 'Name', values.Name as string)?.Id}`,
        ['Name']
      );
  },
  afterInsert({ state, userId }, rec) {
    const perms = Object.fromEntries(Object.entries(rec).filter(([k]) => k.startsWith('Permissions')));
    state.insert(
      'PermissionSet',
      {
        Name: `X${rec.Id}`,
        Label: rec.Id,
        LicenseId: rec.UserLicenseId,
        ProfileId: rec.Id,
        IsOwnedByProfile: true,
        IsCustom: true,
        Type: 'Profile',
        NamespacePrefix: null,
        ...perms,
      },
      userId
    );
  },
  beforeUpdate(_ctx, rec) {
    if (rec._custom !== true) throw badRequest('INSUFFICIENT_ACCESS_OR_READONLY', READ_ONLY_MESSAGE);
  },
  afterUpdate({ state, userId }, rec) {
    const ownSet = state.records('PermissionSet').find((p) => p.IsOwnedByProfile === true && p.ProfileId === rec.Id);
    const perms = Object.fromEntries(Object.entries(rec).filter(([k]) => k.startsWith('Permissions')));
    if (ownSet) state.update('PermissionSet', ownSet.Id, perms, userId);
  },
};

// --- PSL assignment ----------------------------------------------------------------------------------

const pslaRules: ObjectRules = {
  beforeInsert({ state }, values) {
    const user = state.get('User', values.AssigneeId) as Rec;
    const psl = state.get('PermissionSetLicense', values.PermissionSetLicenseId) as Rec;
    if (holdsPsl(state, user.Id, psl.Id)) throw badRequest('DUPLICATE_VALUE', DUPLICATE_VALUE_UNKNOWN_MESSAGE);
    checkPslForUser(state, user, psl);
  },
  updateRefused({ state }) {
    return errorFromSpec(state.behaviour.pslaUpdateError);
  },
};

// --- permission sets and groups ----------------------------------------------------------------------

function checkSetName(
  state: OrgState,
  type: 'PermissionSet' | 'PermissionSetGroup',
  field: 'Name' | 'DeveloperName',
  name: string,
  selfId?: string
): void {
  // Facts §3.4; an over-long name is caught earlier as STRING_TOO_LONG (Name has length 80).
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
function recalculateGroupsOf(state: OrgState, permissionSetId: unknown): void {
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

const permissionSetRules: ObjectRules = {
  defaults(_ctx, values) {
    values.IsOwnedByProfile = false;
    values.IsCustom = true;
    values.Type = values.HasActivationRequired === true ? 'Session' : 'Regular';
    values.NamespacePrefix = null;
  },
  beforeInsert({ state }, values) {
    checkSetName(state, 'PermissionSet', 'Name', values.Name as string);
  },
  // LicenseId is set once, at creation (facts §3.4); behaviour permissionSetLicenseChange picks the refusal.
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

const groupRules: ObjectRules = {
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

const groupComponentRules: ObjectRules = {
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

// --- ObjectPermissions / FieldPermissions ------------------------------------------------------------

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
 * A standard profile can't be edited (facts §1), so neither can the permissions under its own set.
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

const objectPermissionRules: ObjectRules = {
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
  // Facts §3.4: an update that leaves every permission false deletes the record.
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

const fieldPermissionRules: ObjectRules = {
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

export const RULES: Record<string, ObjectRules> = {
  User: userRules,
  Profile: profileRules,
  PermissionSetLicenseAssign: pslaRules,
  PermissionSetAssignment: psaRules,
  PermissionSet: permissionSetRules,
  PermissionSetGroup: groupRules,
  PermissionSetGroupComponent: groupComponentRules,
  ObjectPermissions: objectPermissionRules,
  FieldPermissions: fieldPermissionRules,
  SetupEntityAccess: setupEntityAccessRules,
};

export { INTEGRATION_LICENSE, INTEGRATION_PSL };
