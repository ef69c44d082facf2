import { OrgClient, soqlList } from './org-client.js';
import { completeNames, nameQueries } from './object-names.js';
import { assigneeFilter, pslAssignmentQuery, userQuery } from './user-filters.js';
import {
  corePowerColumns,
  FieldGrant,
  OBJECT_PERMISSION_COLUMNS,
  OPTIONAL_POWER_KEYS,
  optionalPowerQueries,
  type OptionalPowerKey,
  parseFieldGrants,
  parseObjectGrants,
} from './permissions.js';
import { generatedSetReads, type GeneratedSetKey } from './generated-set.js';
import type { Found, Reads } from './inspection.js';
import type { GrantInput } from './grant-result.js';

// What grant reads from the org (one inspection), and the names of objects and fields completed from it.

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
  | 'setNames'
  | 'groupNames'
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
    // The names too: setup --check names sets and groups assigned by hand (no other round trip).
    assignments: `SELECT Id, PermissionSetId, PermissionSetGroupId, PermissionSet.Name, PermissionSet.IsOwnedByProfile, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE ${assignee}`,
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
    // Every set's and group's name, only when a named one isn't there (completeGrantCandidates): for "did you mean".
    setNames: undefined,
    groupNames: undefined,
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

/** The org's own sets and groups by API name and label, for "did you mean" when a named one isn't there. */
const SET_NAMES = `SELECT Name, Label FROM PermissionSet WHERE ${OWN_SET}`;
const GROUP_NAMES = 'SELECT DeveloperName, MasterLabel FROM PermissionSetGroup';

/**
 * When a named set or group isn't in the org (by API name or label, as planGrant matches them), reads every
 * set's or group's name and label for "did you mean": one more round trip then, none when every name is found.
 */
export async function completeGrantCandidates(client: OrgClient, found: GrantFound, input: GrantInput): Promise<void> {
  const missing = (wanted: readonly string[], records: GrantFound[GrantQueryKey], fields: string[]): boolean =>
    wanted.some(
      (name) => !records.some((r) => fields.some((field) => String(r[field]).toLowerCase() === name.toLowerCase()))
    );
  const setNames = missing(input.permissionSets, found.sets, ['Name', 'Label']) ? SET_NAMES : undefined;
  const groupNames = missing(input.groups, found.groups, ['DeveloperName', 'MasterLabel']) ? GROUP_NAMES : undefined;
  if (setNames || groupNames) Object.assign(found, await client.queries({ setNames, groupNames }));
}
