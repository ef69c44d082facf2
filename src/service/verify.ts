import { Messages } from '@salesforce/core';
import { OrgClient, SObjectRecord } from './org-client.js';
import { INTEGRATION_USER_LICENSE, userLicenseOf } from './licenses.js';
import {
  accessOf,
  broadPowers,
  licenseResolver,
  OBJECT_ACCESS,
  optionalPowersOf,
  type ObjectAccess,
} from './permissions.js';
import { privateKeyProblem } from './jwt.js';
import { checkLogin } from './verify-login.js';
import { serviceError } from './errors.js';
import { closeApps, findConnectedApp, sameId } from './app-lookup.js';
import { readEcaPolicy, type ClientCredentials } from './eca-metadata.js';
import { connectedAppCertificate } from './certificate.js';
import { checkCertificate, type AppCertificateRead } from './verify-certificate.js';
import { connectedAppSettings } from './connected-app-access.js';
import { checkClientCredentials } from './verify-client-credentials.js';
import { runAsFix } from './run-as.js';
import { inspect } from './inspection.js';
import { verifyReads } from './verify-reads.js';
import { advice, verbatim } from './plan.js';
import {
  just,
  VERIFY,
  type AddCheck,
  type EcaPolicyState,
  type FieldAccessRow,
  type Finding,
  type ObjectAccessRow,
  type VerifyInput,
  type VerifyReport,
} from './verify-result.js';
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
const messages = Messages.loadMessages('plugin-integration-user', VERIFY);

// The verify command's result types, also from here (the command's module); their home is verify-result.ts.
export type { VerifyResult } from './verify-result.js';

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
  const known = input.app !== undefined && (input.appComponents?.has(input.app.toLowerCase()) || input.ecaPolicy);
  const { found, components } = input.found
    ? { found: input.found, components: input.appComponents ?? new Map<string, never>() }
    : await inspect(client, [{ verify: verifyReads(input) }], input.app && !known ? [input.app] : []).then((read) => ({
        found: read.found[0].verify,
        components: read.components,
      }));

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
  else if (held.length) add('permission-sets', 'pass', 'sets.pass', [setNames.join(', ')]);
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
  else {
    // In the access table's words: each object with the access it has (its columns).
    const accessWords = (row: ObjectAccessRow): string =>
      OBJECT_ACCESS.filter((a) => row[a])
        .map((a) => messages.getMessage(`column.${a}`))
        .join(', ');
    const objects = result.access.map((row) =>
      messages.getMessage('check.access.object', [row.object, accessWords(row)])
    );
    add('access', 'pass', 'access.pass', [objects.join('; ')]);
  }

  // 6: the app pre-authorizes the user's profile or one of its sets; its certificate (undefined: the app unread).
  let certificate: AppCertificateRead | undefined;
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
    let flow: ClientCredentials | undefined;
    if (!app)
      ({ flow, certificate } = await checkEcaPolicy(
        client,
        input.app,
        { username, profile, setNames: [...setNames, ...memberNames] },
        add,
        input.flow === 'client-credentials' ? undefined : input.ecaPolicy
      ));
    else {
      flow = connectedAppSettings(client, app).clientCredentials;
      const read = connectedAppCertificate(app.component.oauthConfig);
      certificate = { kind: 'ConnectedApp', label: app.label, read };
      if (!app.adminApproved) add('app', 'fail', 'app.selfAuthorized', [input.app], fix);
      else if (!listed.length) add('app', 'fail', 'app.unlisted', [input.app, profile, username], fix);
      else add('app', 'pass', 'app.pass', [input.app, username]);
    }
    if (input.flow === 'client-credentials') checkRunAs(add, input.app, username, flow);
  }
  if (input.flow === 'client-credentials' && !input.app) add('run-as', 'skip', 'runAs.noApp');
  // 7: the certificate the JWT login is checked against (the client credentials flow uses none).
  const notTried = input.flow === 'client-credentials' ? undefined : checkCertificate(add, input, certificate);

  // 8-10: the real thing, as the user.
  const who = { username, userId: String(user.Id), license, org: found.org[0] ?? {} };
  if (input.flow === 'client-credentials') await checkClientCredentials(client, input, who, add, result);
  else await checkLogin(client, input, who, add, result, { notTried });
  return result;
}

/** run-as: the app has the client credentials flow on (an ECA: both switches) and runs as this user. */
function checkRunAs(add: AddCheck, app: string, username: string, flow: ClientCredentials | undefined): void {
  const fix = just(runAsFix(app, username));
  if (!flow) return add('run-as', 'skip', 'runAs.unreadable', [app]);
  const on = flow.enabled && flow.globalEnabled !== false;
  if (flow.runAs && flow.runAs.toLowerCase() !== username.toLowerCase())
    return add('run-as', 'fail', 'runAs.other', [app, flow.runAs, username], fix);
  if (!flow.runAs) return add('run-as', 'fail', 'runAs.none', [app], fix);
  if (!on) return add('run-as', 'fail', 'runAs.off', [app, username], fix);
  add('run-as', 'pass', 'runAs.pass', [app, username]);
}

/**
 * An External Client App's policy, read back through the Metadata API (retrieve: 2 requests), or as setup's run
 * read or deployed it (a deploy reported successful leaves the policy it sent). The retrieve asks for the global
 * OAuth settings too (the same request): the client credentials flow's own switch and the app's certificate.
 */
async function checkEcaPolicy(
  client: OrgClient,
  app: string,
  user: { username: string; profile: string; setNames: string[] },
  add: AddCheck,
  known: EcaPolicyState | undefined
): Promise<{ flow?: ClientCredentials; certificate?: AppCertificateRead }> {
  const fix = just(preauthorizeFix(app));
  const policy: (EcaPolicyState & { clientCredentials?: ClientCredentials; label?: string }) | undefined =
    known ?? (await readEcaPolicy(client, app, { global: true }).catch(() => undefined));
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
  if (!policy) return {};
  // Setup's run read or deployed the policy without the global settings: the certificate wasn't read.
  const read = policy.certificate ?? 'not-read';
  const label = policy.label || app;
  return { flow: policy.clientCredentials, certificate: { kind: 'ExternalClientApplication', label, read } };
}
