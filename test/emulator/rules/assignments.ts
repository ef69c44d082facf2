// The assignment objects' rules: PermissionSetAssignment (a set or a group to a user, with the PSL it needs,
// PermissionSetAssignment reference, Help "Give Integration Users API Only Access"; the PSL given on the way is
// unsettled: behaviour autoAssignPslOnPermsetAssign) and PermissionSetLicenseAssign (seats and compatibility; no update, behaviour pslaUpdateError).

import { DUPLICATE_VALUE_UNKNOWN_MESSAGE, badRequest } from '../http/errors.js';
import type { Rec } from '../data/state.js';
import { aggregateSetOf } from './groups.js';
import { checkPslForUser, checkSetForUser, holdsPsl, judgedSetsOfGroup, setNeedingPsl } from './holdings.js';
import { ObjectRules, PROFILE_SET_MESSAGE, errorFromSpec, fill } from './object-rules.js';

export const psaRules: ObjectRules = {
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
    // Auto-assigned PSLs take a seat like any other assignment (unsettled: behaviour autoAssignPslOnPermsetAssign).
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
  afterDelete({ state }, rec) {
    // Unsettled (behaviour autoRemovePslOnLastPsaDelete; Help "Remove a Permission Set License from a User":
    // "automatically removed in most cases"): the user's PSL assignments no set it still holds needs go too.
    if (!state.behaviour.autoRemovePslOnLastPsaDelete) return;
    for (const psla of state.records('PermissionSetLicenseAssign'))
      if (
        psla.AssigneeId === rec.AssigneeId &&
        !setNeedingPsl(state, psla.AssigneeId as string, psla.PermissionSetLicenseId as string)
      )
        state.remove('PermissionSetLicenseAssign', psla.Id);
  },
};

export const pslaRules: ObjectRules = {
  beforeInsert({ state }, values) {
    const user = state.get('User', values.AssigneeId) as Rec;
    const psl = state.get('PermissionSetLicense', values.PermissionSetLicenseId) as Rec;
    if (holdsPsl(state, user.Id, psl.Id)) throw badRequest('DUPLICATE_VALUE', DUPLICATE_VALUE_UNKNOWN_MESSAGE);
    checkPslForUser(state, user, psl);
  },
  beforeDelete({ state }, rec) {
    // Help "Remove a Permission Set License from a User": "First remove or modify the relevant assigned permission
    // sets that require the license, and then remove the assigned permission set license." The API's error isn't
    // published (placeholder text); behaviour pslaDeleteWhileRequired 'allow' deletes it anyway.
    if (state.behaviour.pslaDeleteWhileRequired === 'allow') return;
    const needing = setNeedingPsl(state, rec.AssigneeId as string, rec.PermissionSetLicenseId as string);
    if (needing) {
      const psl = state.get('PermissionSetLicense', rec.PermissionSetLicenseId)?.DeveloperName as string;
      throw badRequest(
        'FIELD_INTEGRITY_EXCEPTION',
        `You can't remove the permission set license ${psl} because the user has permission set ${needing}, which requires it.`
      );
    }
  },
  updateRefused({ state }) {
    return errorFromSpec(state.behaviour.pslaUpdateError);
  },
};
