// What a session's user may do with data objects (facts §10): object permissions from the profile's own
// set, assigned permission sets and the members of assigned groups. View All Data / Modify All Data open
// everything. The emulator's admin is a System Administrator and is never restricted.

import { ApiError, badRequest, unsupportedTypeMessage } from './errors.js';
import type { ObjectDef } from './schema.js';
import type { OrgState } from './state.js';

export type DataOperation = 'read' | 'create' | 'edit' | 'delete';

const FLAG: Record<DataOperation, string> = { read: 'PermissionsRead', create: 'PermissionsCreate', edit: 'PermissionsEdit', delete: 'PermissionsDelete' };

/** Permission set ids the user holds: every assigned set (the profile's own one included) and each assigned group's members. */
export function heldPermissionSetIds(state: OrgState, userId: string): Set<string> {
  const held = new Set<string>();
  for (const a of state.records('PermissionSetAssignment')) {
    if (a.AssigneeId !== userId) continue;
    if (a.PermissionSetId) held.add(a.PermissionSetId as string);
    if (a.PermissionSetGroupId) {
      for (const c of state.records('PermissionSetGroupComponent')) if (c.PermissionSetGroupId === a.PermissionSetGroupId) held.add(c.PermissionSetId as string);
    }
  }
  const user = state.get('User', userId);
  const own = user && state.records('PermissionSet').find((p) => p.IsOwnedByProfile === true && p.ProfileId === user.ProfileId);
  if (own) held.add(own.Id);
  return held;
}

function holdsUserPermission(state: OrgState, held: Set<string>, permission: string): boolean {
  for (const id of held) if (state.get('PermissionSet', id)?.[permission] === true) return true;
  return false;
}

/** True when the user may do `op` on the object. Only data objects are guarded; setup objects stay readable. */
export function mayAccess(state: OrgState, userId: string | undefined, def: ObjectDef, op: DataOperation): boolean {
  if (!userId || userId === state.adminUserId || !def.dataObject) return true;
  const held = heldPermissionSetIds(state, userId);
  if (holdsUserPermission(state, held, 'PermissionsModifyAllData')) return true;
  if (op === 'read' && holdsUserPermission(state, held, 'PermissionsViewAllData')) return true;
  return state.records('ObjectPermissions').some((o) => held.has(o.ParentId as string) && o.SobjectType === def.name && o[FLAG[op]] === true);
}

/**
 * The refusal for a DML call the user's permissions don't allow: an object they can't read doesn't exist for
 * them (INVALID_TYPE); one they can read but not change answers like a non-createable or non-updateable type.
 */
export function dmlRefusal(state: OrgState, userId: string | undefined, def: ObjectDef, op: Exclude<DataOperation, 'read'>): ApiError | undefined {
  if (mayAccess(state, userId, def, op)) return undefined;
  if (!mayAccess(state, userId, def, 'read')) return badRequest('INVALID_TYPE', unsupportedTypeMessage(def.name));
  const verb = op === 'create' ? 'inserted' : op === 'edit' ? 'updated' : 'deleted';
  return badRequest('INVALID_TYPE_FOR_OPERATION', `entity type cannot be ${verb}: ${def.label}`);
}
