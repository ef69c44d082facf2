import type { SfError } from '@salesforce/core';
import { OrgClient, RECORDS_PER_COLLECTION, SObjectRecord, soqlList, soqlQuote, Subrequest } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';
import { shellQuote } from './shell.js';
import { completeNames, nameQueries, objectListsFields } from './object-names.js';
import { INTEGRATION_USER_LICENSE, userLicenseOf } from './licenses.js';
import { assigneeFilter, pslAssignmentQuery, userQuery } from './user-filters.js';
import {
  accessOf,
  broadPowers,
  corePowerColumns,
  derivePermissionSetName,
  FieldGrant,
  grantInputError,
  isStandardObject,
  licenseResolver,
  NO_LICENSE,
  ObjectGrant,
  objectPermissionFields,
  OBJECT_PERMISSION_COLUMNS,
  OPTIONAL_POWER_KEYS,
  optionalPowerQueries,
  optionalPowersOf,
  type OptionalPowerKey,
  parseFieldGrants,
  parseObjectGrants,
} from './permissions.js';

export type GrantInput = {
  user: string;
  targetOrg: string;
  permissionSets: string[];
  groups: string[];
  objects: string[];
  fields: string[];
  permissionSetName?: string;
  /** For setup's dry run: earlier steps of the plan create the user (with this name) and give it the PSL. */
  planned?: { userName?: string; psl: boolean };
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

export type GeneratedSet = {
  name: string;
  label: string;
  /** `created` / `updated` / `unchanged`, or `would-create` / `would-update` on a dry run. */
  status: 'created' | 'updated' | 'unchanged' | 'would-create' | 'would-update' | 'blocked';
  objects: ObjectGrant[];
  fields: FieldGrant[];
};

export type GrantResult = {
  username: string;
  userId: string;
  dryRun: boolean;
  permissionSets: GrantItem[];
  /** The least-privilege set made from --object / --field, when they were given. */
  generatedPermissionSet?: GeneratedSet;
  warnings: string[];
};

/** Written into the generated set's description: only sets that carry it are rewritten. */
export const MANAGED_MARKER = 'Managed by sf integration-user grant';

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
  | 'generated'
  | 'generatedObjects'
  | 'generatedFields'
  | 'entities'
  | 'particles'
  | OptionalPowerKey;
export type GrantFound = Record<GrantQueryKey, SObjectRecord[]>;
/** grantQueries' keys whose object or column an org may not have (OrgClient.queries' `optional`). */
export const GRANT_OPTIONAL_QUERIES: GrantQueryKey[] = [...OPTIONAL_POWER_KEYS];

/**
 * A set of the org's own, not a profile's nor a group's aggregate set (PermissionSet.Type 'Group', which a
 * group's assignment names): those are never granted by name.
 */
const OWN_SET = 'IsOwnedByProfile = false AND PermissionSetGroupId = null';

/** The queries about the generated set, by its name. */
function generatedSetQueries(
  name: string
): Pick<Record<GrantQueryKey, string>, 'generated' | 'generatedObjects' | 'generatedFields'> {
  const parent = `Parent.Name = ${soqlQuote(name)} AND Parent.PermissionSetGroupId = null`;
  return {
    generated: `SELECT Id, Name, Label, LicenseId, Description FROM PermissionSet WHERE Name = ${soqlQuote(name)} AND PermissionSetGroupId = null`,
    generatedObjects: `SELECT Id, ${OBJECT_PERMISSION_COLUMNS} FROM ObjectPermissions WHERE ${parent}`,
    generatedFields: `SELECT Id, SobjectType, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE ${parent}`,
  };
}

/**
 * Everything grant reads, as independent queries for one round trip: the user, its PSL and
 * assignments, the named sets and groups with what they hold (filtered by name, so nothing waits
 * for an Id), the licenses, and the generated set when its name is known. What a group grants is
 * read from its aggregate set (the group's permissions after muting); its members give its licenses.
 */
export function grantQueries(input: GrantInput, generatedName?: string): Record<GrantQueryKey, string | undefined> {
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
  return {
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
      ? generatedSetQueries(generatedName)
      : { generated: undefined, generatedObjects: undefined, generatedFields: undefined }),
    // The objects and fields as given; completeNames looks up any the org spells otherwise.
    entities: undefined,
    particles: undefined,
    ...nameQueries(grantedObjects, fieldPairs(fieldGrants)),
  };
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

/** A planned grant: the result to report, and the writes that make it so. */
export type GrantPlan = {
  result: GrantResult;
  /** Creates or changes the generated set (a new set is `@{set.id}`). */
  setSubrequests: Subrequest[];
  /** The generated set's Id when it exists already. */
  setId?: string;
  /** One assignment per item to assign: the field and the set or group Id (`@{set.id}` for a new generated set). */
  assignments: Array<{ item: GrantItem; field: 'PermissionSetId' | 'PermissionSetGroupId'; id: string }>;
};

/**
 * Grants an integration user permission sets, groups and a generated least-privilege set: one
 * bulk read (two when the generated set's name comes from the user's name), a plan in which every
 * item fits the user's license or blocks the whole run, then at most one composite call for the
 * generated set and one collection call for the assignments.
 */
export async function grant(
  client: OrgClient,
  input: GrantInput,
  options: { dryRun: boolean },
  inspectedAgain = false
): Promise<GrantResult> {
  const invalid = grantInputError(input);
  if (invalid) throw invalid;
  const generating = input.objects.length > 0 || input.fields.length > 0;
  const found = await client.queries(grantQueries(input, input.permissionSetName), GRANT_OPTIONAL_QUERIES);
  await completeGrantNames(client, found, input);
  if (generating && !input.permissionSetName && found.user[0])
    Object.assign(
      found,
      await client.queries(generatedSetQueries(derivePermissionSetName(String(found.user[0].Name))))
    );
  const plan = planGrant(found, input, options);
  const { result } = plan;
  if (options.dryRun) return result;

  // Writes: the generated set in one composite call (all or nothing), then every assignment in one collection call.
  let generatedSetId = plan.setId;
  try {
    const bodies = await client.compositeAll(plan.setSubrequests);
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
  for (let start = 0; start < plan.assignments.length; start += RECORDS_PER_COLLECTION) {
    const chunk = plan.assignments.slice(start, start + RECORDS_PER_COLLECTION);
    const saved = await client.insertMany(
      'PermissionSetAssignment',
      chunk.map(({ field, id }) => ({ AssigneeId: result.userId, [field]: id === '@{set.id}' ? generatedSetId : id }))
    );
    saved.forEach((outcome, index) => {
      const { item } = chunk[index];
      if (outcome.success) return;
      const [first] = outcome.errors;
      // Assigned by someone else since the inspection: the goal is met.
      if (first?.statusCode === 'DUPLICATE_VALUE') {
        item.status = 'already-assigned';
        return;
      }
      item.status = 'failed';
      item.error = {
        errorCode: first?.statusCode ?? 'UNKNOWN_ERROR',
        message: first?.message ?? 'unknown error',
        fields: first?.fields ?? [],
      };
      item.reason = `${item.error.errorCode}: ${item.error.message}`;
    });
  }
  return result;
}

/**
 * The grant from the inspection: every item judged against the user's license, the generated set's
 * difference, and the writes. Throws GrantBlocked (with the result as data) when anything is blocked.
 * `input.planned`: earlier steps of the same plan create the user and give it the PSL (setup).
 */
export function planGrant(found: GrantFound, input: GrantInput, options: { dryRun: boolean }): GrantPlan {
  const objectGrants = parseObjectGrants(input.objects);
  const fieldGrants = parseFieldGrants(input.fields);
  const generating = objectGrants.length > 0 || fieldGrants.length > 0;
  const user = found.user[0] ?? (input.planned?.userName ? plannedUser(input.user, input.planned.userName) : undefined);
  if (!user) throw serviceError('UserNotFound', [input.user], [input.targetOrg]);
  const username = user.Username as string;
  if (user.IsActive !== true) throw serviceError('UserInactive', [username], [String(user.Id), input.targetOrg]);
  const { profile, license: userLicense } = userLicenseOf(user);
  if (userLicense !== INTEGRATION_USER_LICENSE)
    throw serviceError('GrantUserWrongLicense', [username, userLicense, profile], [input.targetOrg]);

  const sets = matchByNameOrLabel(input.permissionSets, found.sets, 'Name', 'Label');
  const groups = matchByNameOrLabel(input.groups, found.groups, 'DeveloperName', 'MasterLabel');
  const generatedName = input.permissionSetName ?? derivePermissionSetName(String(user.Name));
  const grantedObjects = [
    ...new Set([...objectGrants.map((g) => g.object), ...fieldGrants.map((g) => g.field.split('.')[0])]),
  ];

  const licenseOf = licenseResolver(found.userLicenses, found.psls);

  const hasPsl = found.psl.length > 0 || input.planned?.psl === true;
  const assignedSetIds = new Set(found.assignments.map((a) => a.PermissionSetId));
  const assignedGroupIds = new Set(found.assignments.map((a) => a.PermissionSetGroupId));
  const objectRowsOf = (setId: string): SObjectRecord[] =>
    [...found.setObjects, ...found.groupObjects].filter((r) => r.ParentId === setId);
  const optionalPowers = optionalPowersOf(found);
  const blockers: SfError[] = [];
  const warnings: string[] = [];
  const fixPsl = (): string =>
    `sf integration-user assign-psl --username ${shellQuote(username)} --target-org ${input.targetOrg}`;

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
        blocked: serviceError('SetLicenseDoesNotFit', [String(set.Name), license], [shellQuote(username)]),
      };
    if ((fit === 'integration-psl' || (fit === 'none' && standard.length > 0)) && !hasPsl) {
      return { license, powers, blocked: serviceError('PslRequired', [String(set.Name), username], [fixPsl()]) };
    }
    const note =
      fit === 'integration-user-license'
        ? `Licensed to the ${INTEGRATION_USER_LICENSE} user license: it can't carry standard-object permissions.`
        : undefined;
    return { license, powers, note };
  };

  const items: GrantItem[] = [];
  /** A named set or group that isn't there, or whose label names several: blocked. */
  const missing = (type: GrantItem['type'], wanted: string, ambiguous?: string[]): void => {
    const error = serviceError(
      ambiguous ? `Ambiguous${type}` : `${type}NotFound`,
      [wanted, ambiguous?.join(', ') ?? ''],
      [input.targetOrg]
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
    items.push(itemFor(record.Name as string, 'PermissionSet', verdict, assignedSetIds.has(record.Id)));
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
      const why = serviceError('SetLicenseDoesNotFit', [String(misfit.member.Name), misfit.name], [username]);
      blocked = serviceError(
        'GroupMemberDoesNotFit',
        [name, String(misfit.member.Name), why.message],
        why.actions ?? []
      );
    } else if (
      !hasPsl &&
      (fits.some((f) => f.fit === 'integration-psl') || rows.some((r) => isStandardObject(String(r.SobjectType))))
    ) {
      blocked = serviceError('GroupPslRequired', [name, username], [fixPsl()]);
    } else if (record.Status !== 'Updated') blocked = serviceError('GroupNotUpdated', [name, String(record.Status)]);
    const powers = aggregate ? broadPowers({ ...aggregate, ...optionalPowers(aggregate.Id) }, rows) : [];
    items.push(itemFor(name, 'PermissionSetGroup', { license, blocked, powers }, assignedGroupIds.has(record.Id)));
  }

  const plan = generating ? planGeneratedSet() : undefined;

  const result: GrantResult = { username, userId: user.Id, dryRun: options.dryRun, permissionSets: items, warnings };
  if (plan) result.generatedPermissionSet = plan.summary;
  for (const item of items) {
    if (item.broadPowers?.length)
      warnings.push(
        `${item.name} carries broad power (${item.broadPowers.join(', ')}); an integration rarely needs it.`
      );
  }
  if (blockers.length) {
    const error = serviceError('GrantBlocked', [username, blockers.map((b) => `- ${b.message}`).join('\n')], []);
    error.actions = [...new Set(blockers.flatMap((b) => b.actions ?? []))];
    error.setData(result);
    throw error;
  }
  const ids = new Map<string, { field: 'PermissionSetId' | 'PermissionSetGroupId'; id: string }>();
  for (const s of sets)
    if (s.record) ids.set(`PermissionSet:${String(s.record.Name)}`, { field: 'PermissionSetId', id: s.record.Id });
  for (const g of groups)
    if (g.record)
      ids.set(`PermissionSetGroup:${String(g.record.DeveloperName)}`, {
        field: 'PermissionSetGroupId',
        id: g.record.Id,
      });
  if (plan) ids.set(`PermissionSet:${plan.summary.name}`, { field: 'PermissionSetId', id: plan.setId ?? '@{set.id}' });
  const assignments = items
    .filter((i) => i.status === 'assigned')
    .map((item) => ({
      item,
      ...(ids.get(`${item.type}:${item.name}`) ?? { field: 'PermissionSetId' as const, id: '' }),
    }));
  if (options.dryRun) for (const item of items) if (item.status === 'assigned') item.status = 'would-assign';
  return { result, setSubrequests: plan?.subrequests ?? [], setId: plan?.setId, assignments };

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
    return item;
  }

  /** The generated set: what exists, what must change to match the flags exactly, and its assignment. */
  function planGeneratedSet(): { summary: GeneratedSet; subrequests: Subrequest[]; setId?: string } {
    const existing = found.generated[0];
    const label = existing ? String(existing.Label) : generatedName.replace(/_/g, ' ');
    const canonical = new Map(
      found.entities.map((e) => [String(e.QualifiedApiName).toLowerCase(), String(e.QualifiedApiName)])
    );
    const summary: GeneratedSet = {
      name: generatedName,
      label,
      status: existing ? 'unchanged' : 'created',
      objects: [],
      fields: [],
    };
    const block = (error: SfError): { summary: GeneratedSet; subrequests: Subrequest[] } => {
      blockers.push(error);
      summary.status = 'blocked';
      items.push({
        name: generatedName,
        type: 'PermissionSet',
        license: NO_LICENSE,
        status: 'blocked',
        reason: error.message,
      });
      return { summary, subrequests: [] };
    };

    if (existing && existing.LicenseId)
      return block(serviceError('GeneratedSetLicensed', [generatedName, licenseOf(existing.LicenseId).name]));
    const description = (existing?.Description as string | null | undefined) ?? '';
    if (existing && !description.startsWith(MANAGED_MARKER))
      return block(serviceError('GeneratedSetNotManaged', [generatedName]));
    if (existing && !description.includes(`for ${username}.`))
      return block(serviceError('GeneratedSetOtherUser', [generatedName]));
    for (const object of grantedObjects) {
      if (!canonical.has(object.toLowerCase())) return block(serviceError('UnknownObject', [object]));
    }
    summary.objects = objectGrants.map((g) => ({
      object: canonical.get(g.object.toLowerCase()) ?? g.object,
      access: g.access,
    }));
    for (const grantOfField of fieldGrants) {
      const [object, name] = grantOfField.field.split('.');
      const particle = found.particles.find(
        (p) =>
          String((p.EntityDefinition as SObjectRecord | null)?.QualifiedApiName).toLowerCase() ===
            object.toLowerCase() && String(p.QualifiedApiName).toLowerCase() === name.toLowerCase()
      );
      if (!particle) {
        const listed = objectListsFields(found, object);
        return block(
          listed
            ? serviceError('UnknownField', [grantOfField.field])
            : serviceError('FieldsNotListed', [canonical.get(object.toLowerCase()) ?? object, grantOfField.field])
        );
      }
      const field = `${canonical.get(object.toLowerCase()) ?? object}.${String(particle.QualifiedApiName)}`;
      if (particle.IsPermissionable !== true) return block(serviceError('FieldNotPermissionable', [field]));
      if (grantOfField.access === 'edit' && particle.IsUpdatable !== true)
        return block(serviceError('FieldNotUpdatable', [field], [`${field}:read`]));
      summary.fields.push({ field, access: grantOfField.access });
      if (!summary.objects.some((o) => o.object === field.split('.')[0])) {
        warnings.push(
          `${field}: field access has no effect without read on ${field.split('.')[0]}; add --object ${field.split('.')[0]}:read.`
        );
      }
    }
    const standard = summary.objects.filter((o) => isStandardObject(o.object));
    if (standard.length && !hasPsl) return block(serviceError('PslRequired', [generatedName, username], [fixPsl()]));
    for (const o of summary.objects) {
      if (o.access.includes('modifyall') || o.access.includes('viewall'))
        warnings.push(
          `${generatedName} gives ${o.access.includes('modifyall') ? 'Modify All' : 'View All'} on ${o.object}; an integration rarely needs it.`
        );
    }

    // The difference between the set as it is and as the flags say it must be.
    const setRef = existing ? existing.Id : '@{set.id}';
    const subrequests: Subrequest[] = [];
    if (!existing) {
      subrequests.push({
        referenceId: 'set',
        method: 'POST',
        url: '/sobjects/PermissionSet',
        body: {
          Name: generatedName,
          Label: label.slice(0, 80),
          Description: `${MANAGED_MARKER} for ${username}.`.slice(0, 255),
        },
      });
    }
    const objectRows = new Map(found.generatedObjects.map((r) => [String(r.SobjectType).toLowerCase(), r]));
    const fieldRows = new Map(found.generatedFields.map((r) => [String(r.Field).toLowerCase(), r]));
    const objectCreates = summary.objects.filter((o) => !objectRows.has(o.object.toLowerCase()));
    const objectUpdates = summary.objects.filter((o) => {
      const row = objectRows.get(o.object.toLowerCase());
      return row && accessOf(row).join() !== o.access.join();
    });
    const fieldAccess = (row: SObjectRecord): string => (row.PermissionsEdit === true ? 'edit' : 'read');
    const fieldCreates = summary.fields.filter((f) => !fieldRows.has(f.field.toLowerCase()));
    const fieldUpdates = summary.fields.filter((f) => {
      const row = fieldRows.get(f.field.toLowerCase());
      return row && fieldAccess(row) !== f.access;
    });
    const removals = [
      ...found.generatedObjects.filter(
        (r) => !summary.objects.some((o) => o.object.toLowerCase() === String(r.SobjectType).toLowerCase())
      ),
      ...found.generatedFields.filter(
        (r) => !summary.fields.some((f) => f.field.toLowerCase() === String(r.Field).toLowerCase())
      ),
    ].map((r) => r.Id);

    const collection = (kind: string, method: 'POST' | 'PATCH', records: Array<Record<string, unknown>>): void => {
      for (let start = 0; start < records.length; start += RECORDS_PER_COLLECTION) {
        subrequests.push({
          referenceId: `${kind}${start}`,
          method,
          url: '/composite/sobjects',
          body: { allOrNone: true, records: records.slice(start, start + RECORDS_PER_COLLECTION) },
        });
      }
    };
    // Removals first, so a field row never outlives its object's access in between.
    for (let start = 0; start < removals.length; start += RECORDS_PER_COLLECTION) {
      subrequests.push({
        referenceId: `remove${start}`,
        method: 'DELETE',
        url: `/composite/sobjects?allOrNone=true&ids=${removals.slice(start, start + RECORDS_PER_COLLECTION).join(',')}`,
      });
    }
    collection(
      'objectCreate',
      'POST',
      objectCreates.map((o) => ({
        attributes: { type: 'ObjectPermissions' },
        ParentId: setRef,
        SobjectType: o.object,
        ...objectPermissionFields(o.access),
      }))
    );
    collection(
      'objectUpdate',
      'PATCH',
      objectUpdates.map((o) => ({
        attributes: { type: 'ObjectPermissions' },
        Id: objectRows.get(o.object.toLowerCase())?.Id,
        ...objectPermissionFields(o.access),
      }))
    );
    collection(
      'fieldCreate',
      'POST',
      fieldCreates.map((f) => ({
        attributes: { type: 'FieldPermissions' },
        ParentId: setRef,
        SobjectType: f.field.split('.')[0],
        Field: f.field,
        PermissionsRead: true,
        PermissionsEdit: f.access === 'edit',
      }))
    );
    collection(
      'fieldUpdate',
      'PATCH',
      fieldUpdates.map((f) => ({
        attributes: { type: 'FieldPermissions' },
        Id: fieldRows.get(f.field.toLowerCase())?.Id,
        PermissionsRead: true,
        PermissionsEdit: f.access === 'edit',
      }))
    );
    if (existing && subrequests.length) summary.status = 'updated';
    if (options.dryRun)
      summary.status =
        summary.status === 'created' ? 'would-create' : summary.status === 'updated' ? 'would-update' : summary.status;
    const assigned = existing ? assignedSetIds.has(existing.Id) : false;
    items.push({
      name: generatedName,
      type: 'PermissionSet',
      license: NO_LICENSE,
      status: assigned ? 'already-assigned' : 'assigned',
    });
    return { summary, subrequests, setId: existing?.Id };
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
