// What a user may hold on its license, as the assignment rules (assignments.ts) and a move between licenses
// (users.ts) judge it: PSL seats and compatibility, a set's license, the integration license's limits.

import { ApiError, badRequest } from '../http/errors.js';
import type { OrgState, Rec } from '../data/state.js';
import { userPermissionLabel } from '../data/user-permissions.js';
import { aggregateSetOf, membersOf } from './groups.js';
import { errorFromSpec } from './object-rules.js';
import { firstGrantedWord, isStandardObject } from './object-permissions.js';

export function licenseLimit(): ApiError {
  return badRequest('LICENSE_LIMIT_EXCEEDED', 'License Limit Exceeded');
}

function pslLimit(state: OrgState): ApiError {
  return state.behaviour.pslLimitError === 'LICENSE_LIMIT_EXCEEDED'
    ? licenseLimit()
    : badRequest('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on cross-reference id');
}

export function holdsPsl(state: OrgState, userId: string, pslId: string): boolean {
  return state
    .records('PermissionSetLicenseAssign')
    .some((a) => a.AssigneeId === userId && a.PermissionSetLicenseId === pslId);
}

/** Seat and compatibility checks for giving `user` the PSL; throws the org's error. */
export function checkPslForUser(state: OrgState, user: Rec, psl: Rec): void {
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

/**
 * Can `set` go to `user`? Throws the org's refusal; returns a PSL the assignment must create first
 * (behaviour autoAssignPslOnPermsetAssign).
 */
export function checkSetForUser(state: OrgState, user: Rec, set: Rec, pendingPsls: Set<string>): string | undefined {
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
  // grants them); standard objects need the API Integration PSL first (Salesforce Help, "Give Integration Users API Only Access").
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
export function judgedSetsOfGroup(state: OrgState, groupId: unknown): Rec[] {
  const licensed = membersOf(state, groupId).sets.filter((s) => s.LicenseId);
  const aggregate = aggregateSetOf(state, groupId);
  return aggregate ? [...licensed, aggregate] : licensed;
}

/**
 * The name of a set `userId` holds (alone or through a group) that needs the PSL: licensed to it, or, for the
 * integration PSL, a --None-- set granting standard-object access (the rule assignment uses, checkSetForUser). What
 * keeps a PSL assignment from being deleted (behaviour pslaDeleteWhileRequired) or removes it with the last such
 * set (behaviour autoRemovePslOnLastPsaDelete).
 */
export function setNeedingPsl(state: OrgState, userId: string, pslId: string): string | undefined {
  const isIntegrationPsl = state.integrationPsl()?.Id === pslId;
  for (const a of state.records('PermissionSetAssignment')) {
    if (a.AssigneeId !== userId) continue;
    const group = a.PermissionSetGroupId ? state.get('PermissionSetGroup', a.PermissionSetGroupId) : undefined;
    const sets = group ? judgedSetsOfGroup(state, group.Id) : [state.get('PermissionSet', a.PermissionSetId)];
    for (const set of sets) {
      if (!set || set.IsOwnedByProfile === true) continue;
      const needs = set.LicenseId ? set.LicenseId === pslId : isIntegrationPsl && !!standardObjectGrant(state, set.Id);
      if (needs) return String(group?.DeveloperName ?? set.Name);
    }
  }
  return undefined;
}
