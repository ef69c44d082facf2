import { OrgClient, SObjectRecord, soqlList } from './org-client.js';
import { INTEGRATION_USER_LICENSE, userLicenseOf } from './licenses.js';
import { assigneeFilter, pslAssignmentQuery, userQuery } from './user-filters.js';
import {
  accessOf,
  broadPowers,
  corePowerColumns,
  heldAccessQueries,
  licenseResolver,
  OBJECT_ACCESS,
  OPTIONAL_POWER_KEYS,
  optionalPowerQueries,
  optionalPowersOf,
  type ObjectAccess,
  type OptionalPowerKey,
} from './permissions.js';
import { privateKeyProblem } from './jwt.js';
import { checkLogin } from './verify-login.js';
import { serviceError } from './errors.js';
import { shellQuote } from './shell.js';
import { CONNECTED_APP_ROWS, findConnectedApp, sameId, type ConnectedAppComponents } from './app-lookup.js';
import { readEcaPolicy } from './eca-metadata.js';
import { inspect, type Reads } from './inspection.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';
/** The checklist, in order. `identity`: who the JWT login logged in (token response, the license read, userinfo when the token's scope allows). */
export type CheckName =
  | 'user'
  | 'license'
  | 'permission-set-license'
  | 'permission-sets'
  | 'access'
  | 'app'
  | 'jwt-login'
  | 'query'
  | 'identity';
export type Check = { name: CheckName; status: CheckStatus; message: string; action?: string };
export type ObjectAccessRow = { object: string } & Record<ObjectAccess, boolean>;
export type FieldAccessRow = { field: string; read: boolean; edit: boolean };

export type VerifyInput = {
  user: string;
  targetOrg: string;
  app?: string;
  clientId?: string;
  privateKey?: string;
  /** The login URL the admin names (--login-url, spec verify.loginUrl); default: the org's instance URL with the audience of its kind. */
  loginUrl?: string;
  query: string;
  objects: string[];
  /** Minutes to keep retrying a JWT login refused while an app change propagates. */
  waitMinutes: number;
  /** The connected app's component, when this run read it already (setup): no second readMetadata. */
  appComponents?: ConnectedAppComponents;
};

export type VerifyResult = {
  username: string;
  checks: Check[];
  access: ObjectAccessRow[];
  fields: FieldAccessRow[];
  query?: { totalSize: number };
};

/**
 * Checks an integration user end to end: one bulk inspection of the org (one request; with --app, the connected app's readMetadata at the same time, and a retrieve more
 * for an External Client App),
 * then, when a key is given, one JWT bearer exchange as the user (a second only when the org
 * refuses the audience, see loginAttempts), a query with that session, and userinfo only when the
 * token's scope allows it. Every check that doesn't pass names the command that fixes it. Nothing
 * is written, and the user's session is used only in memory.
 */
export async function verifyIntegrationUser(client: OrgClient, input: VerifyInput): Promise<VerifyResult> {
  // A key that can't sign is a flag problem: said before the org is asked anything.
  const keyProblem = input.privateKey === undefined ? undefined : privateKeyProblem(input.privateKey);
  if (keyProblem) throw serviceError('InvalidPrivateKey', [keyProblem]);
  const checks: Check[] = [];
  const add = (name: CheckName, status: CheckStatus, message: string, action?: string): void => {
    checks.push(action ? { name, status, message, action } : { name, status, message });
  };
  // Everything in one round trip (verifyReads); the app: its ConnectedApp component read at the same time (its label finds its row), and its access rows under the user's sets.
  const {
    found: [{ verify: found }],
    components,
  } = await inspect(
    client,
    [{ verify: verifyReads(input) }],
    input.app && !input.appComponents?.has(input.app.toLowerCase()) ? [input.app] : []
  );

  const user = found.user[0];
  const username = (user?.Username as string | undefined) ?? input.user;
  // The username as a shell word, for the commands the checks print as fixes.
  const userArg = shellQuote(username);
  const result: VerifyResult = { username, checks, access: [], fields: [] };

  // 1-3: the user, its license and profile, the PSL.
  if (!user) {
    add(
      'user',
      'fail',
      `There is no user ${input.user} in this org.`,
      `sf integration-user create --name "<name>" --email <email> --username ${shellQuote(input.user)} --target-org ${input.targetOrg}`
    );
    return result;
  }
  if (user.IsActive === true) add('user', 'pass', `${username} exists and is active.`);
  else
    add(
      'user',
      'fail',
      `${username} is inactive.`,
      `sf data update record --sobject User --record-id ${String(user.Id)} --values "IsActive=true" --target-org ${input.targetOrg}`
    );
  const { profile, license } = userLicenseOf(user);
  if (license === INTEGRATION_USER_LICENSE)
    add('license', 'pass', `On the ${INTEGRATION_USER_LICENSE} license with profile "${profile}".`);
  else
    add(
      'license',
      'fail',
      `On the "${license}" license (profile "${profile}"), not on ${INTEGRATION_USER_LICENSE}.`,
      `sf integration-user create --name "<name>" --email <email> --target-org ${input.targetOrg}`
    );
  const hasPsl = found.psl.length > 0;
  if (hasPsl) add('permission-set-license', 'pass', 'Holds the Salesforce API Integration permission set license.');
  else
    add(
      'permission-set-license',
      'fail',
      'Lacks the Salesforce API Integration permission set license: no standard-object access is possible.',
      `sf integration-user assign-psl --username ${userArg} --target-org ${input.targetOrg}`
    );

  // 4-6: what the sets hold. A group's assignment names its aggregate set (PermissionSetId), whose powers and
  // object permissions are the group's after muting; its members' sets say only which licenses it needs.
  const held = found.assignments.filter(
    (a) => (a.PermissionSet as SObjectRecord | null)?.IsOwnedByProfile !== true || a.PermissionSetGroupId
  );
  // An app's list reaches the user through a held group's member sets too (a muting set's PermissionSet is null).
  const memberIds = found.members.filter((m) => m.PermissionSet).map((m) => m.PermissionSetId);
  const memberNames = found.members.flatMap((m) =>
    m.PermissionSet ? [String((m.PermissionSet as SObjectRecord).Name)] : []
  );
  const optionalPowers = optionalPowersOf(found);
  const nameOf = (a: SObjectRecord): string =>
    String(
      a.PermissionSetGroupId
        ? (a.PermissionSetGroup as SObjectRecord | null)?.DeveloperName
        : (a.PermissionSet as SObjectRecord | null)?.Name
    );

  const licenseOf = licenseResolver(found.licenses, found.psls);
  const rows = found.setObjects;
  const misfits: string[] = [];
  const powers: string[] = [];
  for (const assignment of held) {
    const set = assignment.PermissionSet as SObjectRecord | null;
    if (!set) continue;
    if (!assignment.PermissionSetGroupId) {
      const { fit, name } = licenseOf(set.LicenseId);
      if (fit === 'other') misfits.push(`${String(set.Name)} (license ${name})`);
    }
    const setRows = rows.filter((r) => r.ParentId === assignment.PermissionSetId);
    powers.push(
      ...broadPowers({ ...set, ...optionalPowers(assignment.PermissionSetId) }, setRows).map(
        (p) => `${nameOf(assignment)}: ${p}`
      )
    );
  }
  for (const member of found.members) {
    const set = member.PermissionSet as SObjectRecord | null;
    if (!set) continue;
    const { fit, name } = licenseOf(set.LicenseId);
    if (fit === 'other') misfits.push(`${String(set.Name)} in a group (license ${name})`);
  }
  const setNames = held.map(nameOf);
  if (misfits.length) {
    add(
      'permission-sets',
      'fail',
      `Assigned sets whose license doesn't fit: ${misfits.join(', ')}.`,
      `Remove them (sf data delete record --sobject PermissionSetAssignment --record-id <id> --target-org ${input.targetOrg}) and grant License "--None--" sets instead: sf integration-user grant --username ${userArg} --object <Object>:read --target-org ${input.targetOrg}`
    );
  } else if (powers.length) {
    add(
      'permission-sets',
      'warn',
      `Broad power for an integration: ${powers.join(', ')}.`,
      `Grant only what the integration needs: sf integration-user grant --username ${userArg} --object <Object>:read --target-org ${input.targetOrg}`
    );
  } else
    add(
      'permission-sets',
      held.length ? 'pass' : 'warn',
      held.length
        ? `${held.length} permission set(s) and group(s) assigned, all fitting the license: ${setNames.join(', ')}.`
        : 'No permission set assigned: the user can read nothing.',
      held.length
        ? undefined
        : `sf integration-user grant --username ${userArg} --object <Object>:read --target-org ${input.targetOrg}`
    );

  // 5: the effective access, the union over every set the user holds.
  const byObject = new Map<string, Set<ObjectAccess>>();
  for (const row of rows) {
    const object = String(row.SobjectType);
    byObject.set(object, new Set([...(byObject.get(object) ?? []), ...accessOf(row)]));
  }
  const objects = input.objects.length ? input.objects : [...byObject.keys()].sort();
  result.access = objects.map((object) => {
    const access = byObject.get(object) ?? new Set<ObjectAccess>();
    return {
      object,
      ...(Object.fromEntries(OBJECT_ACCESS.map((a) => [a, access.has(a)])) as Record<ObjectAccess, boolean>),
    };
  });
  const fieldMap = new Map<string, FieldAccessRow>();
  for (const row of found.setFields) {
    const field = String(row.Field);
    const current = fieldMap.get(field) ?? { field, read: false, edit: false };
    fieldMap.set(field, {
      field,
      read: current.read || row.PermissionsRead === true,
      edit: current.edit || row.PermissionsEdit === true,
    });
  }
  result.fields = [...fieldMap.values()].sort((a, b) => a.field.localeCompare(b.field));
  const unreadable = result.access.filter((row) => !row.read).map((row) => row.object);
  if (!result.access.length)
    add(
      'access',
      'warn',
      'No object access from any permission set.',
      `sf integration-user grant --username ${userArg} --object <Object>:read --target-org ${input.targetOrg}`
    );
  else if (unreadable.length)
    add(
      'access',
      'warn',
      `No read access on ${unreadable.join(', ')}.`,
      `sf integration-user grant --username ${userArg} ${unreadable.map((o) => `--object ${o}:read`).join(' ')} --target-org ${input.targetOrg}`
    );
  else add('access', 'pass', `Read access on ${result.access.map((row) => row.object).join(', ')}.`);

  // 6: the app pre-authorizes the user's profile or one of its sets.
  if (!input.app) add('app', 'skip', 'No --app given.');
  else {
    const app = await findConnectedApp(
      client,
      input.app,
      input.appComponents?.has(input.app.toLowerCase()) ? input.appComponents : components,
      found.connectedApps
    );
    const viaMembers = found.memberAppAccess.filter((a) => memberIds.some((id) => sameId(a.ParentId, id)));
    const listed = app ? [...found.appAccess, ...viaMembers].filter((a) => sameId(a.SetupEntityId, app.id)) : [];
    if (!app) await checkEcaPolicy(client, input, { username, profile, setNames: [...setNames, ...memberNames] }, add);
    else if (!app.adminApproved)
      add(
        'app',
        'fail',
        `${input.app} lets users self-authorize, which an API-only user can never do.`,
        `sf integration-user preauthorize --app ${input.app} --target-org ${input.targetOrg}`
      );
    else if (!listed.length)
      add(
        'app',
        'fail',
        `${input.app} is admin-approved but lists neither profile "${profile}" nor a set ${username} holds.`,
        `sf integration-user preauthorize --app ${input.app} --target-org ${input.targetOrg}`
      );
    else add('app', 'pass', `${input.app} is admin-approved and pre-authorizes ${username}.`);
  }

  // 7-9: the real thing, as the user.
  await checkLogin(client, input, { username, userId: String(user.Id), license, org: found.org[0] ?? {} }, add, result);
  return result;
}

/** An External Client App's policy, read back through the Metadata API (retrieve: 2 requests). */
async function checkEcaPolicy(
  client: OrgClient,
  input: VerifyInput,
  user: { username: string; profile: string; setNames: string[] },
  add: (name: CheckName, status: CheckStatus, message: string, action?: string) => void
): Promise<void> {
  const fix = `sf integration-user preauthorize --app ${input.app} --target-org ${input.targetOrg}`;
  const policy = await readEcaPolicy(client, input.app ?? '').catch(() => undefined);
  if (!policy)
    add(
      'app',
      'fail',
      `There is no External Client App or connected app named ${input.app} whose settings this admin can read.`,
      fix
    );
  else if (policy.policy !== 'AdminApprovedPreAuthorized')
    add('app', 'fail', `${input.app} lets users self-authorize, which an API-only user can never do.`, fix);
  else if (!policy.profiles.includes(user.profile) && !policy.permissionSets.some((s) => user.setNames.includes(s))) {
    add(
      'app',
      'fail',
      `${input.app} is admin-approved but lists neither profile "${user.profile}" nor a set ${user.username} holds.`,
      fix
    );
  } else add('app', 'pass', `${input.app} is admin-approved and pre-authorizes ${user.username}.`);
}

/**
 * What verify reads, in one round trip: the user, its PSL and assignments, what its sets hold (reached through
 * its assignments by semi-joins), the licenses, the org, and with --app the app's access rows under its sets.
 */
type VerifyKey =
  | 'user'
  | 'psl'
  | 'assignments'
  | 'licenses'
  | 'org'
  | 'psls'
  | 'setFields'
  | 'setObjects'
  | 'members'
  | 'connectedApps'
  | 'appAccess'
  | 'memberAppAccess'
  | OptionalPowerKey;

function verifyReads(input: VerifyInput): Reads<VerifyKey> {
  const assignee = assigneeFilter(input.user);
  const heldSets = `(SELECT PermissionSetId FROM PermissionSetAssignment WHERE ${assignee})`;
  return {
    queries: {
      user: userQuery(input.user),
      psl: pslAssignmentQuery(input.user),
      assignments: `SELECT Id, PermissionSetId, PermissionSetGroupId, PermissionSet.Name, PermissionSet.LicenseId, PermissionSet.IsOwnedByProfile, PermissionSetGroup.DeveloperName, ${corePowerColumns('PermissionSet.')} FROM PermissionSetAssignment WHERE ${assignee}`,
      licenses: 'SELECT Id, Name FROM UserLicense',
      // The org's Id (who the JWT login must land in) and kind (which audience it signs).
      org: 'SELECT Id, IsSandbox FROM Organization',
      psls: 'SELECT Id, DeveloperName, MasterLabel FROM PermissionSetLicense',
      setFields: input.objects.length
        ? `SELECT ParentId, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE ParentId IN ${heldSets} AND SobjectType IN ${soqlList(input.objects)}`
        : undefined,
      ...heldAccessQueries(assignee),
      ...optionalPowerQueries(`Id IN ${heldSets}`),
      connectedApps: input.app ? CONNECTED_APP_ROWS : undefined,
      appAccess: input.app
        ? `SELECT ParentId, SetupEntityId FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication' AND ParentId IN ${heldSets}`
        : undefined,
      // A group's member sets pre-authorize its holders too; SOQL nests no semi-joins, so every group member's rows are read and kept by Id.
      memberAppAccess: input.app
        ? "SELECT ParentId, SetupEntityId FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication' AND ParentId IN (SELECT PermissionSetId FROM PermissionSetGroupComponent)"
        : undefined,
    },
    optional: OPTIONAL_POWER_KEYS,
  };
}
