import { Messages, type SfError } from '@salesforce/core';
import { OrgClient, SObjectRecord, soqlList } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';
import { assignPslFix, grantFix, createUserFix, queryFix, setActiveFix } from './fixes.js';
import { completeNames, nameQueries } from './object-names.js';
import { INTEGRATION_USER_LICENSE, userLicenseOf } from './licenses.js';
import { assigneeFilter, pslAssignmentQuery, userQuery } from './user-filters.js';
import {
  broadPowers,
  corePowerColumns,
  derivePermissionSetName,
  FieldGrant,
  grantInputError,
  isStandardObject,
  licenseResolver,
  NO_LICENSE,
  OBJECT_PERMISSION_COLUMNS,
  OPTIONAL_POWER_KEYS,
  optionalPowerQueries,
  optionalPowersOf,
  type OptionalPowerKey,
  parseFieldGrants,
  parseObjectGrants,
} from './permissions.js';
import { generatedSetReads, planGeneratedSet, type GeneratedSet, type GeneratedSetKey } from './generated-set.js';
import { inspectOne, type Found, type Reads } from './inspection.js';
import { blockedError, exitCodeOf, subrequestsOf, writeEach, type RecordsWrite, type Step } from './plan.js';

export type { GeneratedSet } from './generated-set.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.grant');

/** Queries an admin runs to see the names a set or group can be granted by. */
const LIST_SETS =
  'SELECT Name, Label, License.Name FROM PermissionSet WHERE IsOwnedByProfile = false AND PermissionSetGroupId = null';
const LIST_GROUPS = 'SELECT DeveloperName, MasterLabel, Status FROM PermissionSetGroup';
export { MANAGED_MARKER } from './generated-set.js';

export type GrantInput = {
  user: string;
  permissionSets: string[];
  groups: string[];
  objects: string[];
  fields: string[];
  permissionSetName?: string;
  /**
   * For setup: earlier steps of the same plan create the user (with this name; its writes name it `userRef`,
   * `@{user.id}`) and give it the PSL.
   */
  planned?: { userName?: string; psl: boolean; userRef?: string };
};

export type GrantStatus = 'assigned' | 'already-assigned' | 'would-assign' | 'blocked' | 'failed';

export type GrantItem = {
  /** API name of the permission set or group. */
  name: string;
  type: 'PermissionSet' | 'PermissionSetGroup';
  /** "--None--", or the user license or permission set license; for a group, its sets' licenses. */
  license: string;
  status: GrantStatus;
  /** Why it is blocked or failed, or what to know about it. */
  reason?: string;
  /** Salesforce's own error, when the assignment failed at write time. */
  error?: { errorCode: string; message: string; fields: string[] };
  /** Broad powers it carries (least privilege). */
  broadPowers?: string[];
};

export type GrantResult = {
  username: string;
  userId: string;
  dryRun: boolean;
  permissionSets: GrantItem[];
  /** The least-privilege set made from --object / --field, when they were given. */
  generatedPermissionSet?: GeneratedSet;
};

/** What a grant did, and what it warns of (broad power, field access without effect): sf's warnings, not the result's. */
export type GrantOutcome = { result: GrantResult; warnings: string[] };

type GrantQueryKey =
  | 'user'
  | 'psl'
  | 'assignments'
  | 'sets'
  | 'groups'
  | 'userLicenses'
  | 'psls'
  | 'members'
  | 'groupSets'
  | 'setObjects'
  | 'groupObjects'
  | GeneratedSetKey
  | 'entities'
  | 'particles'
  | OptionalPowerKey;
export type GrantFound = Found<GrantQueryKey>;

/**
 * A set of the org's own, not a profile's nor a group's aggregate set (PermissionSet.Type 'Group', which a
 * group's assignment names): those are never granted by name.
 */
const OWN_SET = 'IsOwnedByProfile = false AND PermissionSetGroupId = null';

/**
 * Everything grant reads, as independent queries for one round trip: the user, its PSL and
 * assignments, the named sets and groups with what they hold (filtered by name, so nothing waits
 * for an Id), the licenses, and the generated set when its name is known. What a group grants is
 * read from its aggregate set (the group's permissions after muting); its members give its licenses.
 */
export function grantReads(input: GrantInput, generatedName?: string): Reads<GrantQueryKey> {
  const objectGrants = parseObjectGrants(input.objects);
  const fieldGrants = parseFieldGrants(input.fields);
  const grantedObjects = [
    ...new Set([...objectGrants.map((g) => g.object), ...fieldGrants.map((g) => g.field.split('.')[0])]),
  ];
  const assignee = assigneeFilter(input.user);
  const sets = input.permissionSets.length ? soqlList(input.permissionSets) : undefined;
  const groups = input.groups.length ? soqlList(input.groups) : undefined;
  // The named sets (by API name or label) of the org's own, as seen from PermissionSet (prefix '') or a child ('Parent.').
  const ownSets = (prefix: string): string =>
    `${OWN_SET.replace(/\b(IsOwnedByProfile|PermissionSetGroupId)\b/g, `${prefix}$1`)} AND (${prefix}Name IN ${sets as string} OR ${prefix}Label IN ${sets as string})`;
  // The named groups (by API name or label), as seen from PermissionSetGroup (prefix '') or through a relationship.
  const named = (prefix: string): string =>
    `(${prefix}DeveloperName IN ${groups as string} OR ${prefix}MasterLabel IN ${groups as string})`;
  const powerFilter = [sets && `(${ownSets('')})`, groups && named('PermissionSetGroup.')].filter(Boolean).join(' OR ');
  const queries: Record<GrantQueryKey, string | undefined> = {
    user: userQuery(input.user),
    psl: pslAssignmentQuery(input.user),
    assignments: `SELECT Id, PermissionSetId, PermissionSetGroupId FROM PermissionSetAssignment WHERE ${assignee}`,
    sets: sets
      ? `SELECT Id, Name, Label, LicenseId, ${corePowerColumns()} FROM PermissionSet WHERE ${ownSets('')}`
      : undefined,
    groups: groups
      ? `SELECT Id, DeveloperName, MasterLabel, Status FROM PermissionSetGroup WHERE ${named('')}`
      : undefined,
    userLicenses: 'SELECT Id, Name FROM UserLicense',
    psls: 'SELECT Id, DeveloperName, MasterLabel FROM PermissionSetLicense',
    // A muting permission set is a component too; its PermissionSet relationship is null.
    members: groups
      ? `SELECT PermissionSetGroupId, PermissionSetId, PermissionSet.Name, PermissionSet.LicenseId FROM PermissionSetGroupComponent WHERE ${named('PermissionSetGroup.')}`
      : undefined,
    groupSets: groups
      ? `SELECT Id, PermissionSetGroupId, ${corePowerColumns()} FROM PermissionSet WHERE ${named('PermissionSetGroup.')}`
      : undefined,
    setObjects: sets
      ? `SELECT ${OBJECT_PERMISSION_COLUMNS} FROM ObjectPermissions WHERE ${ownSets('Parent.')}`
      : undefined,
    // The object reference's own example of a group's object permissions (PermissionSetGroup, Usage).
    groupObjects: groups
      ? `SELECT ${OBJECT_PERMISSION_COLUMNS} FROM ObjectPermissions WHERE ${named('Parent.PermissionSetGroup.')}`
      : undefined,
    ...(powerFilter
      ? optionalPowerQueries(powerFilter)
      : (Object.fromEntries(OPTIONAL_POWER_KEYS.map((k) => [k, undefined])) as Record<OptionalPowerKey, undefined>)),
    ...(generatedName && (objectGrants.length || fieldGrants.length)
      ? generatedSetReads(generatedName).queries
      : { generated: undefined, generatedObjects: undefined, generatedFields: undefined }),
    // The objects and fields as given; completeNames looks up any the org spells otherwise.
    entities: undefined,
    particles: undefined,
    ...nameQueries(grantedObjects, fieldPairs(fieldGrants)),
  };
  // The broad-power columns some orgs lack are read in queries of their own, optional (permissions.ts).
  return { queries, optional: [...OPTIONAL_POWER_KEYS] };
}

/** --field grants as [object, field] pairs. */
const fieldPairs = (grants: FieldGrant[]): Array<[string, string]> =>
  grants.map((g) => g.field.split('.') as [string, string]);

/** The objects and fields the flags name, completed with the org's spelling of any the first read missed. */
export async function completeGrantNames(client: OrgClient, found: GrantFound, input: GrantInput): Promise<void> {
  const fieldGrants = parseFieldGrants(input.fields);
  const objects = [
    ...new Set([
      ...parseObjectGrants(input.objects).map((g) => g.object),
      ...fieldGrants.map((g) => g.field.split('.')[0]),
    ]),
  ];
  await completeNames(client, found, objects, fieldPairs(fieldGrants));
}

/**
 * A planned grant: the step (its writes: the generated set's rows, then one assignment record per item to
 * assign, referenceId `assign`) and the items those assignment records stand for, in the same order.
 */
export type GrantPlan = Step<GrantResult> & { assigning: GrantItem[]; warnings: string[] };

/**
 * Grants an integration user permission sets, groups and a generated least-privilege set: one
 * bulk read (two when the generated set's name comes from the user's name), a plan in which every
 * item fits the user's license or blocks the whole run, then at most one composite call for the
 * generated set and one collection call for the assignments (each assignment on its own: some may
 * fail and the others stay, exit 68).
 */
export async function grant(
  client: OrgClient,
  input: GrantInput,
  options: { dryRun: boolean },
  inspectedAgain = false
): Promise<GrantOutcome> {
  const invalid = grantInputError(input);
  if (invalid) throw invalid;
  const generating = input.objects.length > 0 || input.fields.length > 0;
  const found = await inspectOne(client, grantReads(input, input.permissionSetName));
  await completeGrantNames(client, found, input);
  if (generating && !input.permissionSetName && found.user[0])
    Object.assign(
      found,
      await inspectOne(client, generatedSetReads(derivePermissionSetName(String(found.user[0].Name))))
    );
  const plan = planGrant(found, input, options);
  if (plan.status === 'blocked') throw blockedError(plan);
  const { result } = plan;
  const outcome = { result, warnings: plan.warnings };
  if (options.dryRun) return outcome;

  // Writes: the generated set in one composite call (all or nothing), then every assignment on its own.
  const setWrites = plan.writes.filter((w) => w.referenceId !== 'assign');
  const assignments = plan.writes.find((w): w is RecordsWrite => w.kind === 'records' && w.referenceId === 'assign');
  let generatedSetId: unknown;
  try {
    const bodies = await client.compositeAll(subrequestsOf(setWrites));
    if (bodies.set) generatedSetId = (bodies.set as { id: string }).id;
  } catch (error) {
    // Another run made the set since the inspection. Its creation is this run's first write and rolled
    // back whole, so nothing of this run is in the org yet: inspect again, once, and go on from there.
    const duplicate =
      error instanceof SalesforceApiError &&
      error.referenceId === 'set' &&
      ['DUPLICATE_DEVELOPER_NAME', 'DUPLICATE_VALUE'].includes(error.errorCode);
    if (duplicate && !inspectedAgain) return grant(client, input, options, true);
    throw error;
  }
  if (!assignments) return outcome;
  const written = await writeEach(client, assignments, (value) => (value === '@{set.id}' ? generatedSetId : value));
  written.forEach((outcome, index) => {
    const item = plan.assigning[index];
    if (outcome.outcome === 'already') item.status = 'already-assigned';
    else if (outcome.outcome === 'failed') {
      item.status = 'failed';
      item.error = outcome.error;
      item.reason = `${outcome.error.errorCode}: ${outcome.error.message}`;
    }
  });
  return { result, warnings: plan.warnings };
}

/** The exit code of a grant: 68 when some assignments failed and others were made, 1 when none could be made. */
export function grantExitCode(result: GrantResult): 0 | 1 | 68 {
  return exitCodeOf(
    result.permissionSets.map((item) =>
      item.status === 'failed' ? 'failed' : item.status === 'assigned' ? 'applied' : 'done'
    )
  );
}

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
    const error = ambiguous
      ? serviceError(`Ambiguous${type}`, [wanted, ambiguous.join(', ')])
      : serviceError(`${type}NotFound`, [wanted, ''], [queryFix(type === 'PermissionSet' ? LIST_SETS : LIST_GROUPS)]);
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
