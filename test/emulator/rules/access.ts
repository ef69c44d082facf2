// What a session's user may do with data objects: object permissions from the profile's own
// set, assigned permission sets and assigned groups' aggregate sets (muting applied). View All Data / Modify
// All Data open everything. The emulator's admin is a System Administrator and is never restricted.

import { ApiError, badRequest, unsupportedTypeMessage } from '../http/errors.js';
import type { ObjectDef } from '../data/schema.js';
import type { OrgState } from '../data/state.js';
import { membersOf } from './groups.js';

export type DataOperation = 'read' | 'create' | 'edit' | 'delete';

const FLAG: Record<DataOperation, string> = {
  read: 'PermissionsRead',
  create: 'PermissionsCreate',
  edit: 'PermissionsEdit',
  delete: 'PermissionsDelete',
};

/**
 * Permission sets whose permissions the user has: every assigned set (a group's assignment names the group's
 * aggregate set, which holds the group's permissions after muting: groups.ts) and the profile's own one.
 */
export function effectivePermissionSetIds(state: OrgState, userId: string): Set<string> {
  const held = new Set<string>();
  for (const a of state.records('PermissionSetAssignment'))
    if (a.AssigneeId === userId && a.PermissionSetId) held.add(a.PermissionSetId as string);
  const user = state.get('User', userId);
  const own =
    user && state.records('PermissionSet').find((p) => p.IsOwnedByProfile === true && p.ProfileId === user.ProfileId);
  if (own) held.add(own.Id);
  return held;
}

/**
 * The sets a grant listed per set reaches the user through (SetupEntityAccess: app pre-authorization): every
 * assigned set and the profile's own one, and for a group its member sets rather than its aggregate set.
 */
export function heldPermissionSetIds(state: OrgState, userId: string): Set<string> {
  const held = new Set<string>();
  for (const id of effectivePermissionSetIds(state, userId))
    if (state.get('PermissionSet', id)?.Type !== 'Group') held.add(id);
  for (const a of state.records('PermissionSetAssignment')) {
    if (a.AssigneeId !== userId || !a.PermissionSetGroupId) continue;
    for (const member of membersOf(state, a.PermissionSetGroupId).sets) held.add(member.Id);
  }
  return held;
}

function holdsUserPermission(state: OrgState, held: Set<string>, permission: string): boolean {
  for (const id of held) if (state.get('PermissionSet', id)?.[permission] === true) return true;
  return false;
}

/** Does the user hold this user permission (a PermissionSet column, e.g. PermissionsApiUserOnly) through the profile or an assignment? */
export function hasUserPermission(state: OrgState, userId: string, permission: string): boolean {
  return holdsUserPermission(state, effectivePermissionSetIds(state, userId), permission);
}

/** True when the user may do `op` on the object. Only data objects are guarded; setup objects stay readable. */
export function mayAccess(state: OrgState, userId: string | undefined, def: ObjectDef, op: DataOperation): boolean {
  if (!userId || userId === state.adminUserId || !def.dataObject) return true;
  const held = effectivePermissionSetIds(state, userId);
  if (holdsUserPermission(state, held, 'PermissionsModifyAllData')) return true;
  if (op === 'read' && holdsUserPermission(state, held, 'PermissionsViewAllData')) return true;
  return state
    .records('ObjectPermissions')
    .some((o) => held.has(o.ParentId as string) && o.SobjectType === def.name && o[FLAG[op]] === true);
}

/**
 * The refusal for a DML call the user's permissions don't allow: an object they can't read doesn't exist for
 * them (INVALID_TYPE); one they can read but not change answers like a non-createable or non-updateable type.
 */
export function dmlRefusal(
  state: OrgState,
  userId: string | undefined,
  def: ObjectDef,
  op: Exclude<DataOperation, 'read'>
): ApiError | undefined {
  if (mayAccess(state, userId, def, op)) return undefined;
  if (!mayAccess(state, userId, def, 'read')) return badRequest('INVALID_TYPE', unsupportedTypeMessage(def.name));
  const verb = op === 'create' ? 'inserted' : op === 'edit' ? 'updated' : 'deleted';
  return badRequest('INVALID_TYPE_FOR_OPERATION', `entity type cannot be ${verb}: ${def.label}`);
}
