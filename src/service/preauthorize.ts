import { X509Certificate } from 'node:crypto';
import { Messages, SfError } from '@salesforce/core';
import { OrgClient, SObjectRecord, soqlList, soqlQuote } from './org-client.js';
import { errorWords, isOrgFailure, SalesforceApiError, serviceError } from './errors.js';
import { applyStep, blockedError, verbatim, writeEach, type Step, type Write } from './plan.js';
import { createUserFix, grantFix } from './fixes.js';
import { inspect } from './inspection.js';
import { chooseIntegrationProfile, userLicenseOf } from './licenses.js';
import { userFilter } from './user-filters.js';
import { licenseResolver } from './permissions.js';
import {
  appNotFound,
  findConnectedApp,
  findEca,
  type ConnectedApp,
  type ConnectedAppComponents,
} from './app-lookup.js';
import {
  appAccessReads,
  connectedAppSettings,
  planAppAccess,
  writeAccessRows,
  type AppAccessFound,
  type AppAccessPlan,
} from './connected-app-access.js';
import { readEcaPolicy, type UsersPolicy } from './eca-metadata.js';
import { deployNewEca, earlierCreate, readConsumerKey, type EarlierCreate } from './eca-create.js';

// The pre-authorization planner. Finding the app: app-lookup.ts; External Client App metadata (policy, new apps, keys): eca-metadata.ts.
export { setElement } from './eca-metadata.js';
export type { UsersPolicy } from './eca-metadata.js';
export type AppType = 'ExternalClientApplication' | 'ConnectedApp';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.preauthorize');

export type PreauthorizeInput = {
  app: string;
  /** Profile to pre-authorize; default: the org's integration profile. */
  profile?: string;
  permissionSets: string[];
  /** Also assign the permission sets to this user when it lacks them. */
  user?: string;
  /** For setup's dry run: permission sets an earlier step creates (License None), taken as found. */
  plannedSets?: string[];
  /** Create a missing External Client App for the JWT bearer flow. */
  create?: { certificatePath: string; certificate: string; contactEmail: string };
  /** Use the Metadata API even where SetupEntityAccess rows would do (setup, after the org refused them). */
  metadataOnly?: boolean;
};

export type PreauthorizeResult = {
  app: string;
  appType: AppType;
  /** The policy after the run (before it, on a dry run). */
  policy: UsersPolicy;
  previousPolicy: UsersPolicy | 'none';
  /** Every pre-authorized profile and permission set after the run. */
  profiles: string[];
  permissionSets: string[];
  added: { profiles: string[]; permissionSets: string[] };
  /** True when this run changed (or, on a dry run, would change) the app. */
  changed: boolean;
  created: boolean;
  dryRun: boolean;
  /** The consumer key (the JWT `iss`) the org holds for the app --create made, read back from the org. Never a secret. */
  consumerKey?: string;
  /** Where in Setup an admin finds that consumer key, when the org wouldn't give it to this run. */
  consumerKeyLocation?: string;
  /** Users who used the app and aren't covered by the new lists: switching to admin-approved locks them out. */
  usersLosingAccess: string[];
  /** Permission sets assigned to --username by this run. */
  assignedTo?: { username: string; permissionSets: string[] };
};

/**
 * What preauthorize will do: one step whose write is the app's change (through the Metadata API, or
 * SetupEntityAccess rows whose answer decides whether the Metadata API must follow) and the assignments to
 * --username. `needsConfirmation`: the change would lock out users who use the app now; ask before applying.
 */
export type PreauthorizePlan = Step<PreauthorizeResult> & { needsConfirmation: boolean };

/** The step of a plan: to do when the app changes or sets are to be assigned, its write `apply`. */
function preauthorizeStep(
  result: PreauthorizeResult,
  needsConfirmation: boolean,
  todo: boolean,
  apply: () => Promise<void>
): PreauthorizePlan {
  return {
    step: 'preauthorize',
    status: todo ? 'todo' : 'done',
    message: stepMessage(result.app, [...result.added.profiles, ...result.added.permissionSets]),
    writes: todo ? [{ kind: 'metadata', referenceId: 'app', apply }] : [],
    result,
    needsConfirmation,
  };
}

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/;

/** The certificate file must be one PEM X.509 certificate; its private key signs the JWTs. */
export function readCertificate(path: string, text: string): string {
  try {
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
    if (!pem) throw new Error(errorWords('reason.noCertificate'));
    const certificate = new X509Certificate(pem);
    if (new Date(certificate.validTo).getTime() < Date.now())
      throw new Error(errorWords('reason.expired', [certificate.validTo]));
    return pem;
  } catch (error) {
    throw serviceError('InvalidCertificate', [path, (error as Error).message]);
  }
}

/**
 * Plans the pre-authorization of an app for integration users: read the app and its current settings
 * (one query batch, and at the same time the connected app's readMetadata; the OAuth policy's retrieve
 * for an External Client App), work out the lists it must hold, and who would lose access if the policy
 * switches. Nothing is written until the plan's apply() runs.
 */
export async function planPreauthorize(
  client: OrgClient,
  input: PreauthorizeInput,
  options: { dryRun: boolean }
): Promise<PreauthorizePlan> {
  try {
    return await plan(client, input, options);
  } catch (error) {
    // What the org holds blocks the step; an answer the org couldn't give (a fault, an expired session) is the run's error.
    if (!(error instanceof SfError) || isOrgFailure(error)) throw error;
    return {
      step: 'preauthorize',
      status: 'blocked',
      message: error.message,
      writes: [],
      error,
      result: emptyResult(input, options),
      needsConfirmation: false,
    };
  }
}

/** The result of a step that is blocked before anything about the app is known. */
const emptyResult = (input: PreauthorizeInput, options: { dryRun: boolean }): PreauthorizeResult => ({
  app: input.app,
  appType: 'ConnectedApp',
  policy: 'AllSelfAuthorized',
  previousPolicy: 'none',
  profiles: [],
  permissionSets: [],
  added: { profiles: [], permissionSets: [] },
  changed: false,
  created: false,
  dryRun: options.dryRun,
  usersLosingAccess: [],
});

async function plan(
  client: OrgClient,
  input: PreauthorizeInput,
  options: { dryRun: boolean }
): Promise<PreauthorizePlan> {
  if (!API_NAME.test(input.app)) throw serviceError('InvalidAppName', [input.app]);
  if (input.create && !EMAIL.test(input.create.contactEmail))
    throw serviceError('InvalidContactEmail', [input.create.contactEmail]);
  if (input.user && !input.permissionSets.length) throw serviceError('UsernameNeedsPermissionSet');
  // The certificate file is checked before the org is asked anything, as every other flag value.
  if (input.create) readCertificate(input.create.certificatePath, input.create.certificate);

  const userWhere = input.user ? userFilter(input.user) : undefined;
  const {
    found: [{ access, own }],
    components,
  } = await inspect(
    client,
    [
      {
        access: appAccessReads(input.app, input.permissionSets),
        own: {
          queries: {
            profiles: `SELECT Id, Name, UserLicense.Name FROM Profile WHERE UserLicense.Name = 'Salesforce Integration'${input.profile ? ` OR Name = ${soqlQuote(input.profile)}` : ''}`,
            user: userWhere
              ? `SELECT Id, Username, Profile.Name, Profile.UserLicense.Name, (SELECT PermissionSet.Name FROM PermissionSetAssignments) FROM User WHERE ${userWhere}`
              : undefined,
          },
        },
      },
    ],
    [input.app]
  );
  const found = { ...access, ...own };
  const connectedApp = await findConnectedApp(client, input.app, components, found.connectedApps);
  const ecaRow = await findEca(client, input.app, found.eca);
  if (ecaRow.found === true && connectedApp) throw serviceError('AmbiguousApp', [input.app]);

  const profile = chooseIntegrationProfile(found.profiles, input.profile);
  if (profile instanceof Error) throw profile;
  const profileName = String(profile.Name);
  const planned = new Set(options.dryRun ? (input.plannedSets ?? []) : []);
  const existingSets = input.permissionSets.filter((name) => !planned.has(name));
  const sets = [
    ...checkPermissionSets(existingSets, found.sets, found.licenses, found.psls),
    ...input.permissionSets.filter((name) => planned.has(name)).map((name) => ({ Id: '', Name: name })),
  ];
  const user = userWhere ? found.user[0] : undefined;
  if (userWhere && !user) throw serviceError('UserNotFound', [input.user ?? ''], [createUserFix()]);
  if (user && userLicenseOf(user).license !== 'Salesforce Integration') {
    const { license, profile: userProfile } = userLicenseOf(user);
    throw serviceError('GrantUserWrongLicense', [String(user.Username), license, userProfile], [createUserFix()]);
  }
  const held = new Set(
    ((user?.PermissionSetAssignments as { records?: SObjectRecord[] } | null)?.records ?? []).map((a) =>
      String((a.PermissionSet as SObjectRecord | null)?.Name)
    )
  );
  const toAssign = user ? sets.filter((s) => !held.has(String(s.Name))) : [];
  const createContext = { profileName, sets: sets.map((s) => String(s.Name)), user, toAssign };

  let eca = ecaRow.found === true ? { id: ecaRow.id } : undefined;
  // Neither app found: --create makes one; else the Metadata API's list decides (it also sees External Client
  // Apps an org serves through no query endpoint) and names the close API names.
  if (!connectedApp && !eca && (!input.create || ecaRow.found === 'unknown')) {
    const answer = await appNotFound(client, input.app);
    if (answer instanceof Error) {
      if (!input.create) throw answer;
    } else eca = answer.eca;
  }
  if (!connectedApp && !eca) return planCreate(client, input, createContext, options);
  // A re-run of --create goes on where an earlier one stopped, or, when that one finished, changes nothing.
  const earlier = input.create && eca ? await earlierCreate(client, input.app) : undefined;
  if (input.create && !earlier)
    throw serviceError('AppExists', [input.app, eca ? 'an External Client App' : 'a connected app']);
  if (earlier && earlier.next !== 'done') return planCreate(client, input, createContext, options, earlier, eca?.id);

  const byRows =
    eca || input.metadataOnly
      ? undefined
      : planAppAccess(found, connectedApp, {
          profile: profileName,
          sets: createContext.sets,
          planned: Object.fromEntries([...planned].map((name) => [name, '(planned)'])),
        });
  if (byRows && connectedApp)
    return planByAccessRows(client, input, { ...createContext, plan: byRows, app: connectedApp }, options);

  const current = eca
    ? await readEcaPolicy(client, input.app)
    : connectedAppSettings(client, connectedApp as ConnectedApp);
  const label = eca
    ? (current as Awaited<ReturnType<typeof readEcaPolicy>>).label
    : (connectedApp as ConnectedApp).label;
  const profiles = union(current.profiles, [profileName]);
  const permissionSets = union(current.permissionSets, createContext.sets);
  const added = {
    profiles: minus(profiles, current.profiles),
    permissionSets: minus(permissionSets, current.permissionSets),
  };
  const switching = current.policy !== 'AdminApprovedPreAuthorized';
  const changed = switching || added.profiles.length > 0 || added.permissionSets.length > 0;
  const usersLosingAccess = switching ? await usersLockedOut(client, label, profiles, permissionSets) : [];

  const result: PreauthorizeResult = {
    app: input.app,
    appType: eca ? 'ExternalClientApplication' : 'ConnectedApp',
    policy: options.dryRun ? current.policy : 'AdminApprovedPreAuthorized',
    previousPolicy: current.policy,
    profiles: options.dryRun ? current.profiles : profiles,
    permissionSets: options.dryRun ? current.permissionSets : permissionSets,
    added,
    changed,
    created: false,
    dryRun: options.dryRun,
    usersLosingAccess,
  };
  if (earlier) await attachConsumerKey(client, result, input.app, eca?.id, label);
  return preauthorizeStep(result, usersLosingAccess.length > 0, changed || toAssign.length > 0, async () => {
    if (changed) await current.write({ profiles, permissionSets });
    await assignSets(client, user, toAssign, result);
  });
}

/**
 * Pre-authorizes through SetupEntityAccess rows (an admin-approved connected app): one collection
 * insert. Where the org refuses a row (unsettled for profile-owned sets), the lists go through the
 * Metadata API instead, from the component read with the inspection.
 */
function planByAccessRows(
  client: OrgClient,
  input: PreauthorizeInput,
  context: {
    profileName: string;
    sets: string[];
    user?: SObjectRecord;
    toAssign: SObjectRecord[];
    plan: AppAccessPlan;
    app: ConnectedApp;
  },
  options: { dryRun: boolean }
): PreauthorizePlan {
  const { plan } = context;
  const profiles = union(
    plan.profiles,
    plan.missing.filter((p) => p.profile).map((p) => p.name)
  );
  const permissionSets = union(
    plan.permissionSets,
    plan.missing.filter((p) => !p.profile).map((p) => p.name)
  );
  const result: PreauthorizeResult = {
    app: input.app,
    appType: 'ConnectedApp',
    policy: 'AdminApprovedPreAuthorized',
    previousPolicy: 'AdminApprovedPreAuthorized',
    profiles: options.dryRun ? plan.profiles : profiles,
    permissionSets: options.dryRun ? plan.permissionSets : permissionSets,
    added: { profiles: minus(profiles, plan.profiles), permissionSets: minus(permissionSets, plan.permissionSets) },
    changed: plan.missing.length > 0,
    created: false,
    dryRun: options.dryRun,
    usersLosingAccess: [],
  };
  return preauthorizeStep(result, false, plan.missing.length > 0 || context.toAssign.length > 0, async () => {
    await writeAccessRows(client, plan, context.app, { profiles, permissionSets });
    await assignSets(client, context.user, context.toAssign, result);
  });
}

/**
 * A new local External Client App for the JWT bearer flow (eca-metadata.ts deploys it in stages); after an
 * interrupted run, only the stages still missing. Its consumer key is read back from the org afterwards.
 */
function planCreate(
  client: OrgClient,
  input: PreauthorizeInput,
  context: { profileName: string; sets: string[]; user?: SObjectRecord; toAssign: SObjectRecord[] },
  options: { dryRun: boolean },
  earlier?: EarlierCreate,
  ecaId?: string
): PreauthorizePlan {
  const create = input.create!;
  const certificate = readCertificate(create.certificatePath, create.certificate);
  const app = input.app;
  const label = app.replace(/_/g, ' ');
  const result: PreauthorizeResult = {
    app,
    appType: 'ExternalClientApplication',
    policy: 'AdminApprovedPreAuthorized',
    previousPolicy: 'none',
    profiles: [context.profileName],
    permissionSets: context.sets,
    added: { profiles: [context.profileName], permissionSets: context.sets },
    changed: true,
    created: !options.dryRun,
    dryRun: options.dryRun,
    usersLosingAccess: [],
  };
  return preauthorizeStep(result, false, true, async () => {
    const eca = {
      app,
      label,
      contactEmail: create.contactEmail,
      certificate,
      profile: context.profileName,
      permissionSets: context.sets,
    };
    const id = (await deployNewEca(client, eca, earlier)) ?? ecaId;
    await assignSets(client, context.user, context.toAssign, result);
    await attachConsumerKey(client, result, app, id, label);
  });
}

/** The consumer key the org holds for the app, or where an admin finds it when the org won't say. */
async function attachConsumerKey(
  client: OrgClient,
  result: PreauthorizeResult,
  app: string,
  id: string | undefined,
  label: string
): Promise<void> {
  const key = await readConsumerKey(client, app, id);
  if (key) result.consumerKey = key;
  else result.consumerKeyLocation = messages.getMessage('consumerKeyLocation', [label]);
}

/** Users who have tokens for the app (OauthToken.AppName is the app's label) but aren't on the new lists: admin-approved would lock them out. */
async function usersLockedOut(
  client: OrgClient,
  label: string,
  profiles: string[],
  permissionSets: string[]
): Promise<string[]> {
  const tokens = await client.query(
    `SELECT UserId, User.Username, User.Profile.Name FROM OauthToken WHERE AppName = ${soqlQuote(label)}`
  );
  const userIds = [...new Set(tokens.map((t) => String(t.UserId)))];
  const holders = permissionSets.length
    ? await client.queryByIds(
        userIds,
        (idList) =>
          `SELECT AssigneeId FROM PermissionSetAssignment WHERE AssigneeId IN ${idList} AND PermissionSet.Name IN ${soqlList(permissionSets)}`
      )
    : [];
  const covered = new Set(holders.map((h) => String(h.AssigneeId)));
  const locked = tokens.filter((t) => {
    const user = t.User as SObjectRecord | null;
    const profile = String((user?.Profile as SObjectRecord | null)?.Name);
    return !profiles.includes(profile) && !covered.has(String(t.UserId));
  });
  return [...new Set(locked.map((t) => String((t.User as SObjectRecord | null)?.Username)))].sort();
}

async function assignSets(
  client: OrgClient,
  user: SObjectRecord | undefined,
  sets: SObjectRecord[],
  result: PreauthorizeResult
): Promise<void> {
  if (!user || !sets.length) return;
  const written = await writeEach(client, {
    kind: 'records',
    referenceId: 'assign',
    method: 'POST',
    sobject: 'PermissionSetAssignment',
    records: sets.map((s) => ({ AssigneeId: user.Id, PermissionSetId: s.Id })),
  });
  // An assignment already there is the goal met; any other refusal fails the run (the app's change stays made).
  const failed = written.find((w) => w.outcome === 'failed');
  if (failed?.outcome === 'failed') throw new SalesforceApiError(failed.error.errorCode, failed.error.message);
  result.assignedTo = { username: String(user.Username), permissionSets: sets.map((s) => String(s.Name)) };
}

/** Every named set must exist and fit an integration user (facts: license None, the API Integration PSL or the integration license). */
function checkPermissionSets(
  names: string[],
  sets: SObjectRecord[],
  licenses: SObjectRecord[],
  psls: SObjectRecord[]
): SObjectRecord[] {
  const licenseOf = licenseResolver(licenses, psls);
  return names.map((name) => {
    const set = sets.find((s) => String(s.Name).toLowerCase() === name.toLowerCase());
    if (!set) throw serviceError('PreauthorizeSetNotFound', [name]);
    const { fit, name: license } = licenseOf(set.LicenseId);
    if (fit === 'other')
      throw serviceError('SetLicenseDoesNotFit', [String(set.Name), license], [grantFix(verbatim('<username>'))]);
    return set;
  });
}

const union = (a: string[], b: string[]): string[] => [...a, ...b.filter((x) => !a.includes(x))];
const minus = (a: string[], b: string[]): string[] => a.filter((x) => !b.includes(x));

/** What setup's preauthorize step is for: the app, how to pre-authorize, and the sets an earlier step makes. */
export type SetupAppInput = PreauthorizeInput & {
  /** Sets an earlier step of the same call creates, with the reference its writes name it by (`@{set.id}`). */
  plannedRefs: Record<string, string>;
};

/**
 * Setup's preauthorize step, from the shared inspection (`found`: appAccessReads). A connected app that is
 * admin-approved already gets its SetupEntityAccess rows in the user's one composite call (rows an earlier user
 * of the same run adds are `claimed` and not added twice), with the Metadata API as the fallback where the org
 * refuses them. Otherwise the preauthorize command's own plan: its dry run now, the real plan when it is
 * applied, so that it sees what the earlier users' writes changed.
 */
export async function planSetupPreauthorize(
  client: OrgClient,
  found: AppAccessFound,
  input: SetupAppInput,
  options: { noPrompt: boolean; claimed: Set<string>; components: ConnectedAppComponents }
): Promise<Step<{ app: string }> & { fallback?: Write[] }> {
  const { app } = input;
  const step = (
    status: 'todo' | 'done',
    added: string[],
    writes: Write[],
    fallback?: Write[]
  ): Step<{ app: string }> & { fallback?: Write[] } => ({
    step: 'preauthorize',
    status,
    message: stepMessage(app, added),
    writes,
    result: { app },
    fallback,
  });
  const metadataWrite = (metadataInput: PreauthorizeInput): Write => ({
    kind: 'metadata',
    referenceId: 'app',
    apply: async () => {
      const planned = await planPreauthorize(client, metadataInput, { dryRun: false });
      await applyStep(client, planned, { dryRun: false });
    },
  });
  // An External Client App (or one of each, which the preauthorize plan refuses) goes the Metadata API way.
  const connectedApp = found.eca.length
    ? undefined
    : await findConnectedApp(client, app, options.components, found.connectedApps);
  const fast = planAppAccess(found, connectedApp, {
    profile: input.profile,
    sets: input.permissionSets,
    planned: input.plannedRefs,
  });
  if (fast) {
    const missing = fast.missing.filter((p) => !options.claimed.has(`${fast.appId}:${p.parentId}`));
    for (const p of missing) options.claimed.add(`${fast.appId}:${p.parentId}`);
    const writes = missing.map((p, n): Write => ({
      kind: 'data',
      referenceId: `access${n}`,
      method: 'POST',
      url: '/sobjects/SetupEntityAccess',
      body: { ParentId: p.parentId, SetupEntityId: fast.appId },
    }));
    return step(
      writes.length ? 'todo' : 'done',
      missing.map((p) => p.name),
      writes,
      [metadataWrite({ ...input, metadataOnly: true })]
    );
  }
  // As the preauthorize command does it: a dry run now, the real plan when it runs.
  const planned = await planPreauthorize(client, input, { dryRun: true });
  if (planned.status === 'blocked') throw blockedError(planned);
  if (planned.needsConfirmation && !options.noPrompt)
    throw serviceError('LockoutConfirmationRequired', [app, planned.result.usersLosingAccess.join(', ')]);
  const added = [...planned.result.added.profiles, ...planned.result.added.permissionSets];
  return planned.result.changed ? step('todo', added, [metadataWrite(input)]) : step('done', added, []);
}

/** What the step will add to the app's lists, or that it pre-authorizes already. */
const stepMessage = (app: string, added: readonly string[]): string =>
  added.length ? messages.getMessage('step.todo', [app, added.join(', ')]) : messages.getMessage('step.done', [app]);
