// Permission set groups: the group's own aggregate permission set, and muting.
//
// - A group has a PermissionSet of Type 'Group' (PermissionSetGroupId = the group) that "contains the aggregated
//   permissions for the group" (object reference, PermissionSet; PermissionSetGroup's usage example reads a group's
//   object permissions as `ObjectPermissions WHERE Parent.PermissionSetGroup.DeveloperName = ...`). A group's
//   assignment row names it in PermissionSetId beside PermissionSetGroupId (object reference, PermissionSetAssignment).
//   Its Name and Label are not documented: here they are the group's DeveloperName and MasterLabel (a public tool
//   shows the Type 'Group' set's Label as the group's name), so anything that finds sets by name or label without
//   leaving these out finds them.
// - A group may contain a MutingPermissionSet (key prefix 0QM, as Jetstream's permission analysis found): a
//   PermissionSetGroupComponent whose PermissionSetId is the muting set's Id, so its PermissionSet relationship is
//   null (sf-user-perm-report issue 39). What the muting set enables (its Permissions* columns, its ObjectPermissions
//   and FieldPermissions rows, whose Parent relationship is null too) is taken out of the group's aggregate.

import type { OrgState, Rec } from '../data/state.js';

const OBJECT_FLAGS = [
  'PermissionsRead',
  'PermissionsCreate',
  'PermissionsEdit',
  'PermissionsDelete',
  'PermissionsViewAllRecords',
  'PermissionsModifyAllRecords',
  'PermissionsViewAllFields',
];
/** An object permission stays only with what it depends on (the rules of ObjectPermissions, object-permissions.ts). */
const DEPENDS_ON: Record<string, string[]> = {
  PermissionsCreate: ['PermissionsRead'],
  PermissionsEdit: ['PermissionsRead'],
  PermissionsDelete: ['PermissionsRead', 'PermissionsEdit'],
  PermissionsViewAllRecords: ['PermissionsRead'],
  PermissionsModifyAllRecords: ['PermissionsRead', 'PermissionsEdit', 'PermissionsDelete', 'PermissionsViewAllRecords'],
  PermissionsViewAllFields: ['PermissionsRead'],
};

/** The group's aggregate permission set. */
export function aggregateSetOf(state: OrgState, groupId: unknown): Rec | undefined {
  return state.records('PermissionSet').find((p) => p.Type === 'Group' && p.PermissionSetGroupId === groupId);
}

/** The group's members: its permission sets, and its muting permission sets. */
export function membersOf(state: OrgState, groupId: unknown): { sets: Rec[]; muting: Rec[] } {
  const sets: Rec[] = [];
  const muting: Rec[] = [];
  for (const c of state.records('PermissionSetGroupComponent')) {
    if (c.PermissionSetGroupId !== groupId) continue;
    const set = state.get('PermissionSet', c.PermissionSetId);
    if (set) sets.push(set);
    const mute = state.get('MutingPermissionSet', c.PermissionSetId);
    if (mute) muting.push(mute);
  }
  return { sets, muting };
}

/** Makes the group's aggregate set (a new group), then fills it. */
export function createAggregateSet(state: OrgState, group: Rec, userId: string): Rec {
  const set = state.insert(
    'PermissionSet',
    {
      Name: group.DeveloperName,
      Label: group.MasterLabel,
      Description: null,
      LicenseId: null,
      ProfileId: null,
      IsOwnedByProfile: false,
      IsCustom: true,
      Type: 'Group',
      PermissionSetGroupId: group.Id,
      NamespacePrefix: group.NamespacePrefix ?? null,
    },
    userId
  );
  recalculateAggregate(state, group.Id, userId);
  return set;
}

/** Removes a deleted group's aggregate set and what it holds. */
export function removeAggregateSet(state: OrgState, groupId: string): void {
  const set = aggregateSetOf(state, groupId);
  if (!set) return;
  for (const type of ['ObjectPermissions', 'FieldPermissions'] as const)
    for (const row of state.records(type)) if (row.ParentId === set.Id) state.remove(type, row.Id);
  state.remove('PermissionSet', set.Id);
}

/**
 * The aggregate's permissions made again from the members: a user permission or object/field access is in it when
 * a member set grants it and no muting set of the group mutes it. Rows are updated in place, so their Ids stay.
 */
export function recalculateAggregate(state: OrgState, groupId: string, userId = ''): void {
  const aggregate = aggregateSetOf(state, groupId);
  if (!aggregate) return;
  const { sets, muting } = membersOf(state, groupId);
  const userPermissions: Record<string, boolean> = {};
  for (const field of state.schema.require('PermissionSet').fields.values()) {
    if (field.type !== 'boolean' || !/^Permissions/.test(field.name)) continue;
    userPermissions[field.name] =
      sets.some((s) => s[field.name] === true) && !muting.some((m) => m[field.name] === true);
  }
  state.update('PermissionSet', aggregate.Id, userPermissions, userId);

  const memberIds = new Set(sets.map((s) => s.Id));
  const mutingIds = new Set(muting.map((m) => m.Id));
  // Object access: the union of the members' rows, less what is muted, less what then lacks its dependencies.
  const objects = new Map<string, Record<string, boolean>>();
  for (const row of state.records('ObjectPermissions')) {
    if (!memberIds.has(row.ParentId as string)) continue;
    const flags = objects.get(row.SobjectType as string) ?? {};
    for (const f of OBJECT_FLAGS) flags[f] = flags[f] === true || row[f] === true;
    objects.set(row.SobjectType as string, flags);
  }
  for (const row of state.records('ObjectPermissions')) {
    const flags = mutingIds.has(row.ParentId as string) ? objects.get(row.SobjectType as string) : undefined;
    if (flags) for (const f of OBJECT_FLAGS) if (row[f] === true) flags[f] = false;
  }
  for (const flags of objects.values()) {
    for (const f of [...OBJECT_FLAGS].reverse())
      if (flags[f] && (DEPENDS_ON[f] ?? []).some((d) => !flags[d])) flags[f] = false;
  }
  sync(state, 'ObjectPermissions', aggregate.Id, 'SobjectType', objects, userId);

  // Field access: the same (Edit needs Read).
  const fields = new Map<string, Record<string, boolean>>();
  for (const row of state.records('FieldPermissions')) {
    if (!memberIds.has(row.ParentId as string)) continue;
    const flags = fields.get(row.Field as string) ?? { PermissionsRead: false, PermissionsEdit: false };
    fields.set(row.Field as string, {
      PermissionsRead: flags.PermissionsRead || row.PermissionsRead === true,
      PermissionsEdit: flags.PermissionsEdit || row.PermissionsEdit === true,
    });
  }
  for (const row of state.records('FieldPermissions')) {
    const flags = mutingIds.has(row.ParentId as string) ? fields.get(row.Field as string) : undefined;
    if (!flags) continue;
    if (row.PermissionsRead === true) flags.PermissionsRead = false;
    if (row.PermissionsEdit === true) flags.PermissionsEdit = false;
  }
  for (const flags of fields.values()) if (!flags.PermissionsRead) flags.PermissionsEdit = false;
  sync(state, 'FieldPermissions', aggregate.Id, 'Field', fields, userId);
}

/** The aggregate's rows of one type made to match `wanted` (key -> flags): updated, inserted, removed. */
function sync(
  state: OrgState,
  type: 'ObjectPermissions' | 'FieldPermissions',
  parentId: string,
  key: 'SobjectType' | 'Field',
  wanted: Map<string, Record<string, boolean>>,
  userId: string
): void {
  const existing = new Map(
    state
      .records(type)
      .filter((r) => r.ParentId === parentId)
      .map((r) => [r[key] as string, r])
  );
  for (const [name, flags] of wanted) {
    if (!Object.values(flags).some(Boolean)) continue;
    const row = existing.get(name);
    if (row) {
      state.update(type, row.Id, flags, userId);
      existing.delete(name);
    } else {
      const values: Record<string, unknown> = { ParentId: parentId, [key]: name, ...flags };
      if (type === 'FieldPermissions') values.SobjectType = name.split('.')[0];
      state.insert(type, values, userId);
    }
  }
  for (const row of existing.values()) state.remove(type, row.Id);
}
