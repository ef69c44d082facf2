import { Messages, type SfError } from '@salesforce/core';
import type { SObjectRecord } from './org-client.js';
import { serviceError } from './errors.js';
import { assignPslFix, grantFix, createUserFix, queryFix, setActiveFix } from './fixes.js';
import { INTEGRATION_USER_LICENSE, userLicenseOf } from './licenses.js';
import {
  broadPowers,
  derivePermissionSetName,
  isStandardObject,
  licenseResolver,
  NO_LICENSE,
  optionalPowersOf,
  parseFieldGrants,
  parseObjectGrants,
} from './permissions.js';
import { planGeneratedSet } from './generated-set.js';
import { closeNames, didYouMean } from './close-names.js';
import type { Step } from './plan.js';
import type { GrantFound } from './grant-reads.js';
import type { GrantInput, GrantItem, GrantResult } from './grant-result.js';

// Grant's assignment planning: each named set and group judged against the user's license, the generated set's
// difference (generated-set.ts), and the assignment records to write.

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.grant');

/** Queries an admin runs to see the names a set or group can be granted by. */
const LIST_SETS =
  'SELECT Name, Label, License.Name FROM PermissionSet WHERE IsOwnedByProfile = false AND PermissionSetGroupId = null';
const LIST_GROUPS = 'SELECT DeveloperName, MasterLabel, Status FROM PermissionSetGroup';

/**
 * A planned grant: the step (its writes: the generated set's rows, then one assignment record per item to
 * assign, referenceId `assign`) and the items those assignment records stand for, in the same order.
 */
export type GrantPlan = Step<GrantResult> & { assigning: GrantItem[]; warnings: string[] };

/**
 * The grant from the inspection: every item judged against the user's license, the generated set's
 * difference, and the writes. Blocked (the error GrantBlocked with the result as data) when anything is.
 * `input.planned`: earlier steps of the same plan create the user and give it the PSL (setup).
 */
export function planGrant(found: GrantFound, input: GrantInput, options: { dryRun: boolean }): GrantPlan {
  const objectGrants = parseObjectGrants(input.objects);
  const fieldGrants = parseFieldGrants(input.fields);
  const generating = objectGrants.length > 0 || fieldGrants.length > 0;
  const user = found.user[0] ?? (input.planned?.userName ? plannedUser(input.user, input.planned.userName) : undefined);
  const emptyResult: GrantResult = {
    username: (user?.Username as string | undefined) ?? input.user,
    userId: user?.Id ?? '',
    dryRun: options.dryRun,
    permissionSets: [],
  };
  const blockedBy = (error: SfError, result = emptyResult): GrantPlan => ({
    step: 'grant',
    status: 'blocked',
    message: error.message,
    writes: [],
    error,
    result,
    assigning: [],
    warnings: [],
  });
  if (!user) return blockedBy(serviceError('UserNotFound', [input.user], [createUserFix()]));
  const username = user.Username as string;
  if (user.IsActive !== true) return blockedBy(serviceError('UserInactive', [username], [setActiveFix(user.Id, true)]));
  const { profile, license: userLicense } = userLicenseOf(user);
  if (userLicense !== INTEGRATION_USER_LICENSE)
    return blockedBy(serviceError('GrantUserWrongLicense', [username, userLicense, profile], [createUserFix()]));

  const sets = matchByNameOrLabel(input.permissionSets, found.sets, 'Name', 'Label');
  const groups = matchByNameOrLabel(input.groups, found.groups, 'DeveloperName', 'MasterLabel');
  const generatedName = input.permissionSetName ?? derivePermissionSetName(String(user.Name));
  const licenseOf = licenseResolver(found.userLicenses, found.psls);

  const hasPsl = found.psl.length > 0 || input.planned?.psl === true;
  const assignedSetIds = new Set(found.assignments.map((a) => a.PermissionSetId));
  const assignedGroupIds = new Set(found.assignments.map((a) => a.PermissionSetGroupId));
  const objectRowsOf = (setId: string): SObjectRecord[] =>
    [...found.setObjects, ...found.groupObjects].filter((r) => r.ParentId === setId);
  const optionalPowers = optionalPowersOf(found);
  const blockers: SfError[] = [];
  const warnings: string[] = [];
  const fixPsl = assignPslFix(username);

  /** Why a set can't go to this user now, if it can't; notes and powers for the result. */
  const judge = (set: SObjectRecord): { license: string; blocked?: SfError; note?: string; powers: string[] } => {
    const { fit, name: license } = licenseOf(set.LicenseId);
    const rows = objectRowsOf(set.Id);
    const standard = rows.filter((r) => isStandardObject(String(r.SobjectType))).map((r) => String(r.SobjectType));
    const powers = broadPowers({ ...set, ...optionalPowers(set.Id) }, rows);
    if (fit === 'other')
      return {
        license,
        powers,
        blocked: serviceError('SetLicenseDoesNotFit', [String(set.Name), license], [grantFix(username)]),
      };
    if ((fit === 'integration-psl' || (fit === 'none' && standard.length > 0)) && !hasPsl) {
      return { license, powers, blocked: serviceError('PslRequired', [String(set.Name), username], [fixPsl]) };
    }
    const note =
      fit === 'integration-user-license'
        ? messages.getMessage('item.userLicense', [INTEGRATION_USER_LICENSE])
        : undefined;
    return { license, powers, note };
  };

  const items: GrantItem[] = [];
  /** The assignment each item to assign gets: the field and the set or group Id (`@{set.id}` for a new generated set). */
  const targets = new Map<GrantItem, { field: 'PermissionSetId' | 'PermissionSetGroupId'; id: string }>();
  /** A named set or group that isn't there, or whose label names several: blocked. */
  const missing = (type: GrantItem['type'], wanted: string, ambiguous?: string[]): void => {
    // The org's names, read only when a name isn't found (completeGrantCandidates), for "did you mean".
    const close = closeNames(
      type === 'PermissionSet'
        ? found.setNames.map((r) => ({ name: String(r.Name), label: String(r.Label) }))
        : found.groupNames.map((r) => ({ name: String(r.DeveloperName), label: String(r.MasterLabel) })),
      wanted
    );
    const error = ambiguous
      ? serviceError(`Ambiguous${type}`, [wanted, ambiguous.join(', ')])
      : serviceError(
          `${type}NotFound`,
          [wanted, didYouMean(close)],
          [queryFix(type === 'PermissionSet' ? LIST_SETS : LIST_GROUPS)]
        );
    blockers.push(error);
    items.push({ name: wanted, type, license: 'unknown', status: 'blocked', reason: error.message });
  };
  for (const { input: wanted, record, ambiguous } of sets) {
    if (!record) {
      missing('PermissionSet', wanted, ambiguous);
      continue;
    }
    const verdict = judge(record);
    const item = itemFor(record.Name as string, 'PermissionSet', verdict, assignedSetIds.has(record.Id));
    targets.set(item, { field: 'PermissionSetId', id: record.Id });
  }
  for (const { input: wanted, record, ambiguous } of groups) {
    if (!record) {
      missing('PermissionSetGroup', wanted, ambiguous);
      continue;
    }
    // What the group grants is its aggregate set's (muted permissions left out); its member sets give only
    // its licenses (a muting set, whose PermissionSet is null, has none).
    const members = found.members
      .filter((m) => m.PermissionSetGroupId === record.Id && m.PermissionSet)
      .map((m) => m.PermissionSet as SObjectRecord);
    const fits = members.map((member) => ({ member, ...licenseOf(member.LicenseId) }));
    const license = [...new Set(fits.map((f) => f.name))].join(', ') || NO_LICENSE;
    const aggregate = found.groupSets.find((s) => s.PermissionSetGroupId === record.Id);
    const rows = aggregate ? objectRowsOf(aggregate.Id) : [];
    const name = record.DeveloperName as string;
    const misfit = fits.find((f) => f.fit === 'other');
    let blocked: SfError | undefined;
    if (misfit) {
      const why = serviceError('SetLicenseDoesNotFit', [String(misfit.member.Name), misfit.name], [grantFix(username)]);
      blocked = serviceError('GroupMemberDoesNotFit', [name, String(misfit.member.Name), why.message]).because([why]);
    } else if (
      !hasPsl &&
      (fits.some((f) => f.fit === 'integration-psl') || rows.some((r) => isStandardObject(String(r.SobjectType))))
    ) {
      blocked = serviceError('GroupPslRequired', [name, username], [fixPsl]);
    } else if (record.Status !== 'Updated') blocked = serviceError('GroupNotUpdated', [name, String(record.Status)]);
    const powers = aggregate ? broadPowers({ ...aggregate, ...optionalPowers(aggregate.Id) }, rows) : [];
    const item = itemFor(name, 'PermissionSetGroup', { license, blocked, powers }, assignedGroupIds.has(record.Id));
    targets.set(item, { field: 'PermissionSetGroupId', id: record.Id });
  }

  const generated = generating
    ? planGeneratedSet(
        found,
        {
          name: generatedName,
          username,
          objects: objectGrants,
          fields: fieldGrants,
          hasPsl,
          licenseOf,
          pslFix: fixPsl,
        },
        options
      )
    : undefined;
  if (generated?.blocked) {
    blockers.push(generated.blocked);
    items.push({
      name: generatedName,
      type: 'PermissionSet',
      license: NO_LICENSE,
      status: 'blocked',
      reason: generated.blocked.message,
    });
  } else if (generated) {
    warnings.push(...generated.warnings);
    const assigned = generated.setId ? assignedSetIds.has(generated.setId) : false;
    const item: GrantItem = {
      name: generatedName,
      type: 'PermissionSet',
      license: NO_LICENSE,
      status: assigned ? 'already-assigned' : 'assigned',
    };
    items.push(item);
    targets.set(item, { field: 'PermissionSetId', id: generated.setId ?? '@{set.id}' });
  }

  const result: GrantResult = { username, userId: user.Id, dryRun: options.dryRun, permissionSets: items };
  if (generated) result.generatedPermissionSet = generated.summary;
  for (const item of items) {
    if (item.broadPowers?.length)
      warnings.push(messages.getMessage('warning.broadPower', [item.name, item.broadPowers.join(', ')]));
  }
  if (blockers.length) {
    const error = serviceError('GrantBlocked', [username, blockers.map((b) => `- ${b.message}`).join('\n')]).because(
      blockers
    );
    error.setData(result);
    return blockedBy(error, result);
  }
  const assigning = items.filter((i) => i.status === 'assigned');
  const assignee = user.Id || input.planned?.userRef || '';
  const writes = [...(generated?.writes ?? [])];
  if (assigning.length)
    writes.push({
      kind: 'records',
      referenceId: 'assign',
      method: 'POST',
      sobject: 'PermissionSetAssignment',
      records: assigning.map((item) => {
        const { field, id } = targets.get(item) ?? { field: 'PermissionSetId', id: '' };
        return { AssigneeId: assignee, [field]: id };
      }),
    });
  if (options.dryRun) for (const item of items) if (item.status === 'assigned') item.status = 'would-assign';
  const message = items
    .map((i) =>
      messages.getMessage('step.item', [
        i.name,
        i.status === 'would-assign' || i.status === 'assigned' ? messages.getMessage('step.assign') : i.status,
      ])
    )
    .join(', ');
  return { step: 'grant', status: writes.length ? 'todo' : 'done', message, writes, result, assigning, warnings };

  function itemFor(
    name: string,
    type: GrantItem['type'],
    verdict: { license: string; blocked?: SfError; note?: string; powers: string[] },
    assigned: boolean
  ): GrantItem {
    const item: GrantItem = {
      name,
      type,
      license: verdict.license,
      status: assigned ? 'already-assigned' : 'assigned',
    };
    if (verdict.blocked) {
      blockers.push(verdict.blocked);
      Object.assign(item, { status: 'blocked', reason: verdict.blocked.message });
    } else if (verdict.note) item.reason = verdict.note;
    if (verdict.powers.length) item.broadPowers = verdict.powers;
    items.push(item);
    return item;
  }
}

/** The user an earlier step of the plan will create: active, on the integration license, nothing assigned. */
function plannedUser(username: string, name: string): SObjectRecord {
  return {
    Id: '',
    Username: username,
    Name: name,
    IsActive: true,
    Profile: { Id: '', Name: 'integration profile', UserLicense: { Id: '', Name: INTEGRATION_USER_LICENSE } },
  };
}

/** Each wanted name matched to one record by API name, else by label; a label shared by several is ambiguous. */
function matchByNameOrLabel(
  wanted: readonly string[],
  records: SObjectRecord[],
  nameField: string,
  labelField: string
): Array<{ input: string; record?: SObjectRecord; ambiguous?: string[] }> {
  return [...new Set(wanted)].map((input) => {
    const lower = input.toLowerCase();
    const byName = records.find((r) => String(r[nameField]).toLowerCase() === lower);
    if (byName) return { input, record: byName };
    const byLabel = records.filter((r) => String(r[labelField]).toLowerCase() === lower);
    if (byLabel.length > 1) return { input, ambiguous: byLabel.map((r) => String(r[nameField])) };
    return { input, record: byLabel[0] };
  });
}
