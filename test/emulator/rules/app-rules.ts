// SetupEntityAccess rules (SetupEntityAccess object reference; unsettled: its seed switches): the type is derived from the entity,
// duplicates and rows under profile-owned sets follow the seed's switches. A row for a connected app is one
// view of its pre-authorization; the ConnectedApp metadata lists are the other (metadata/apps.ts).

import { DUPLICATE_VALUE_UNKNOWN_MESSAGE, badRequest } from '../http/errors.js';
import { setupEntityType } from '../metadata/apps.js';
import type { ObjectRules } from './object-rules.js';
import type { OrgState, Rec } from '../data/state.js';

const CROSS_REFERENCE_READONLY = 'insufficient access rights on cross-reference id';

function checkParent(state: OrgState, parentId: unknown): void {
  const parent = state.get('PermissionSet', parentId);
  if (parent?.IsOwnedByProfile === true && state.behaviour.setupEntityAccessOnProfilePermset === 'reject') {
    throw badRequest('INSUFFICIENT_ACCESS_OR_READONLY', CROSS_REFERENCE_READONLY, ['ParentId']);
  }
}

export const setupEntityAccessRules: ObjectRules = {
  beforeInsert({ state }, values): Rec | undefined {
    const entityId = values.SetupEntityId as string;
    const type = setupEntityType(entityId);
    if (type === 'ExternalClientApplication' && state.behaviour.setupEntityAccessForEca === 'reject') {
      throw badRequest('FIELD_INTEGRITY_EXCEPTION', `Setup Entity ID: id value of incorrect type: ${entityId}`, [
        'SetupEntityId',
      ]);
    }
    checkParent(state, values.ParentId);
    const existing = state
      .records('SetupEntityAccess')
      .find((g) => g.ParentId === values.ParentId && g.SetupEntityId === entityId);
    if (existing) {
      if (state.behaviour.duplicateSetupEntityAccess === 'noop') return existing;
      throw badRequest('DUPLICATE_VALUE', DUPLICATE_VALUE_UNKNOWN_MESSAGE);
    }
    values.SetupEntityType = type;
    return undefined;
  },
  beforeDelete({ state }, rec) {
    checkParent(state, rec.ParentId);
  },
};
