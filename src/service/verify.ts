import { Messages } from '@salesforce/core';
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
import { just, VERIFY } from './verify-words.js';
import { serviceError } from './errors.js';
import { closeApps, CONNECTED_APP_ROWS, findConnectedApp, sameId, type ConnectedAppComponents } from './app-lookup.js';
import { readEcaPolicy } from './eca-metadata.js';
import { inspect, type Reads } from './inspection.js';
import { advice, verbatim, type Advice } from './plan.js';
import {
  assignPslFix,
  createAppFix,
  createUserFix,
  grantFix,
  preauthorizeFix,
  removeAssignmentFix,
  setActiveFix,
} from './fixes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
/** The bundle of verify's findings and fixes. */
const messages = Messages.loadMessages('plugin-integration-user', VERIFY);

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
/** A check as the result shows it: what was found, and the command (or words) that fix it. */
export type Check = { name: CheckName; status: CheckStatus; message: string; action?: string };
/** A check as verify finds it: its fix structured, for the command layer to render (`action`). */
export type Finding = { name: CheckName; status: CheckStatus; message: string; fix?: Advice };
export type ObjectAccessRow = { object: string } & Record<ObjectAccess, boolean>;
export type FieldAccessRow = { field: string; read: boolean; edit: boolean };

export type VerifyInput = {
  user: string;
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
  /** Told of each JWT login refused while an app change propagates (--wait), and the time left. */
  onProgress?: (progress: LoginWait) => void;
};

/** A JWT login refused while an app change propagates, and how long verify keeps trying (--wait). */
export type LoginWait = { attempt: number; secondsLeft: number };

export type VerifyResult = {
  username: string;
  checks: Check[];
  access: ObjectAccessRow[];
  fields: FieldAccessRow[];
  query?: { totalSize: number };
};
/** The result as verify finds it: each check's fix structured. */
export type VerifyReport = Omit<VerifyResult, 'checks'> & { checks: Finding[] };

/** Adds a check: its message from the verify bundle (`check.<key>`), its fix as words that name commands. */
export type AddCheck = (name: CheckName, status: CheckStatus, key: string, tokens?: unknown[], fix?: Advice) => void;

/**
 * Checks an integration user end to end: one bulk inspection of the org (one request; with --app, the
 * connected app's readMetadata at the same time, and a retrieve more for an External Client App), then, when
 * a key is given, one JWT bearer exchange as the user (a second only when the org refuses the audience, see
 * loginAttempts), a query with that session, and userinfo only when the token's scope allows it. Every check
 * that doesn't pass names the command that fixes it. Nothing is written, and the user's session is used only
 * in memory.
 */
export async function verifyIntegrationUser(client: OrgClient, input: VerifyInput): Promise<VerifyReport> {
  // A key that can't sign is a flag problem: said before the org is asked anything.
  const keyProblem = input.privateKey === undefined ? undefined : privateKeyProblem(input.privateKey);
  if (keyProblem) throw serviceError('InvalidPrivateKey', [keyProblem]);
  const checks: Finding[] = [];
  const add: AddCheck = (name, status, key, tokens = [], fix) => {
    const message = messages.getMessage(`check.${key}`, tokens.map(String));
    checks.push(fix ? { name, status, message, fix } : { name, status, message });
  };
  // Everything in one round trip (verifyReads); the app: its ConnectedApp component read at the same time (its
  // label finds its row), and its access rows under the user's sets.
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
  const result: VerifyReport = { username, checks, access: [], fields: [] };

  // 1-3: the user, its license and profile, the PSL.
  if (!user) {
    add('user', 'fail', 'user.missing', [input.user], just(createUserFix(input.user)));
    return result;
  }
  if (user.IsActive === true) add('user', 'pass', 'user.pass', [username]);
  else add('user', 'fail', 'user.inactive', [username], just(setActiveFix(user.Id, true)));
  const { profile, license } = userLicenseOf(user);
  if (license === INTEGRATION_USER_LICENSE) add('license', 'pass', 'license.pass', [INTEGRATION_USER_LICENSE, profile]);
  else add('license', 'fail', 'license.fail', [license, profile, INTEGRATION_USER_LICENSE], just(createUserFix()));
  if (found.psl.length > 0) add('permission-set-license', 'pass', 'psl.pass');
  else add('permission-set-license', 'fail', 'psl.fail', [], just(assignPslFix(username)));

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
      if (fit === 'other') misfits.push(messages.getMessage('check.sets.misfit', [String(set.Name), name]));
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
    if (fit === 'other') misfits.push(messages.getMessage('check.sets.groupMisfit', [String(set.Name), name]));
  }
  const setNames = held.map(nameOf);
  if (misfits.length)
    add(
      'permission-sets',
      'fail',
      'sets.misfits',
      [misfits.join(', ')],
      advice(VERIFY, 'fix.removeMisfits', removeAssignmentFix(verbatim('<id>')), grantFix(username))
    );
  else if (powers.length)
    add(
      'permission-sets',
      'warn',
      'sets.broad',
      [powers.join(', ')],
      advice(VERIFY, 'fix.grantOnlyNeeded', grantFix(username))
    );
  else if (held.length) add('permission-sets', 'pass', 'sets.pass', [held.length, setNames.join(', ')]);
  else add('permission-sets', 'warn', 'sets.none', [], just(grantFix(username)));

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
  if (!result.access.length) add('access', 'warn', 'access.none', [], just(grantFix(username)));
  else if (unreadable.length)
    add('access', 'warn', 'access.unreadable', [unreadable.join(', ')], just(grantFix(username, unreadable)));
  else add('access', 'pass', 'access.pass', [result.access.map((row) => row.object).join(', ')]);

  // 6: the app pre-authorizes the user's profile or one of its sets.
  if (!input.app) add('app', 'skip', 'app.skip');
  else {
    const app = await findConnectedApp(
      client,
      input.app,
      input.appComponents?.has(input.app.toLowerCase()) ? input.appComponents : components,
      found.connectedApps
    );
    const viaMembers = found.memberAppAccess.filter((a) => memberIds.some((id) => sameId(a.ParentId, id)));
    const listed = app ? [...found.appAccess, ...viaMembers].filter((a) => sameId(a.SetupEntityId, app.id)) : [];
    const fix = just(preauthorizeFix(input.app));
    if (!app)
      await checkEcaPolicy(client, input.app, { username, profile, setNames: [...setNames, ...memberNames] }, add);
    else if (!app.adminApproved) add('app', 'fail', 'app.selfAuthorized', [input.app], fix);
    else if (!listed.length) add('app', 'fail', 'app.unlisted', [input.app, profile, username], fix);
    else add('app', 'pass', 'app.pass', [input.app, username]);
  }

  // 7-9: the real thing, as the user.
  await checkLogin(client, input, { username, userId: String(user.Id), license, org: found.org[0] ?? {} }, add, result);
  return result;
}

/** An External Client App's policy, read back through the Metadata API (retrieve: 2 requests). */
async function checkEcaPolicy(
  client: OrgClient,
  app: string,
  user: { username: string; profile: string; setNames: string[] },
  add: AddCheck
): Promise<void> {
  const fix = just(preauthorizeFix(app));
  const policy = await readEcaPolicy(client, app).catch(() => undefined);
  // No such app: preauthorize --app would fail the same way, so name the apps close to it, or --create.
  if (!policy)
    add(
      'app',
      'fail',
      'app.unreadable',
      [app, await closeApps(client, app)],
      advice(VERIFY, 'fix.appUnknown', createAppFix(app))
    );
  else if (policy.policy !== 'AdminApprovedPreAuthorized') add('app', 'fail', 'app.selfAuthorized', [app], fix);
  else if (!policy.profiles.includes(user.profile) && !policy.permissionSets.some((s) => user.setNames.includes(s)))
    add('app', 'fail', 'app.unlisted', [app, user.profile, user.username], fix);
  else add('app', 'pass', 'app.pass', [app, user.username]);
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
