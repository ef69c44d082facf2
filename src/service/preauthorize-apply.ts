import { Messages } from '@salesforce/core';
import { OrgClient, SObjectRecord } from './org-client.js';
import { SalesforceApiError } from './errors.js';
import { writeEach } from './plan.js';
import type { ConnectedApp } from './app-lookup.js';
import { connectedAppSettings, writeAccessRows, type AppAccessPlan } from './connected-app-access.js';
import { readEcaPolicy } from './eca-metadata.js';
import { deployNewEca, readConsumerKey, type EarlierCreate } from './eca-create.js';
import { readCertificate } from './preauthorize-input.js';
import type { RunAsUser } from './run-as.js';
import { usersLockedOut } from './preauthorize-lockout.js';
import {
  minus,
  preauthorizeStep,
  union,
  type PreauthorizeInput,
  type PreauthorizePlan,
  type PreauthorizeResult,
  type RunAsResult,
} from './preauthorize-result.js';

// The three ways preauthorize changes an app, each a step whose write is its apply: SetupEntityAccess rows (an
// admin-approved connected app), the OAuth policy through the Metadata API (a connected app's or an External
// Client App's), or a new External Client App deployed in stages (--create). Then the sets --username lacks.

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.preauthorize');

/** What the planner found that every way needs: the profile and sets to list, and the sets --username lacks. */
export type AppContext = {
  profileName: string;
  sets: string[];
  /** The sets' Ids by lowercased name (those the org has). */
  setIds?: ReadonlyMap<string, string>;
  user?: SObjectRecord;
  toAssign: SObjectRecord[];
  /** --run-as, checked: the client credentials flow's run-as user. */
  runAs?: RunAsUser;
};

/**
 * The app's lists through the Metadata API: its policy switched to admin-approved (after the lock-out guard:
 * who would lose access) and the profile and sets added. A re-run of --create that finished reads the key back.
 */
export async function planPolicyChange(
  client: OrgClient,
  input: PreauthorizeInput,
  context: AppContext,
  options: { dryRun: boolean },
  app: { eca?: { id: string }; connectedApp?: ConnectedApp; earlier?: EarlierCreate }
): Promise<PreauthorizePlan> {
  const { eca, connectedApp, earlier } = app;
  const { profileName, user, toAssign } = context;
  const runAs = context.runAs;
  const current = eca
    ? await readEcaPolicy(client, input.app, { global: runAs !== undefined })
    : connectedAppSettings(client, connectedApp as ConnectedApp);
  const label = eca
    ? (current as Awaited<ReturnType<typeof readEcaPolicy>>).label
    : (connectedApp as ConnectedApp).label;
  const gone =
    (names: string[] = []) =>
    (name: string): boolean =>
      !names.some((n) => n.toLowerCase() === name.toLowerCase());
  const profiles = union(current.profiles, [profileName]).filter(gone(input.remove?.profiles));
  const permissionSets = union(current.permissionSets, context.sets).filter(gone(input.remove?.permissionSets));
  // setup --prune: entries of the lists as read that this write leaves out.
  const removed =
    current.profiles.some((p) => !profiles.includes(p)) ||
    current.permissionSets.some((p) => !permissionSets.includes(p));
  const added = {
    profiles: minus(profiles, current.profiles),
    permissionSets: minus(permissionSets, current.permissionSets),
  };
  const switching = current.policy !== 'AdminApprovedPreAuthorized';
  const flow = current.clientCredentials;
  // The flow is as asked when it is on (an ECA: both switches) and runs as this user (compared by username).
  const runAsChanged =
    runAs !== undefined &&
    (!flow.enabled || flow.globalEnabled === false || flow.runAs?.toLowerCase() !== runAs.username.toLowerCase());
  const changed = switching || added.profiles.length > 0 || added.permissionSets.length > 0 || runAsChanged || removed;
  const lockOut = switching ? await usersLockedOut(client, label, profiles, permissionSets) : undefined;

  // The policy and lists after the run: what they will be, on a dry run too (the plan, not the org's state).
  const result: PreauthorizeResult = {
    app: input.app,
    appType: eca ? 'ExternalClientApplication' : 'ConnectedApp',
    policy: 'AdminApprovedPreAuthorized',
    previousPolicy: current.policy,
    profiles,
    permissionSets,
    added,
    changed,
    created: false,
    dryRun: options.dryRun,
    usersLosingAccess: lockOut?.users ?? [],
  };
  if (lockOut?.users.length) result.keepingPermissionSets = lockOut.keepingSets;
  if (runAs) result.runAs = runAsResult(runAs, flow.runAs, runAsChanged);
  // The global OAuth settings read for the flow carry the consumer key where the org lets them: the next step names it.
  const knownKey = eca ? (current as Awaited<ReturnType<typeof readEcaPolicy>>).consumerKey : undefined;
  if (knownKey && !earlier) result.consumerKey = knownKey;
  if (earlier) await attachConsumerKey(client, result, input.app, eca?.id, label);
  const step = preauthorizeStep(
    result,
    result.usersLosingAccess.length > 0,
    changed || toAssign.length > 0,
    async () => {
      // The lists as the result holds them when the write runs: setup --prune may have taken entries out.
      if (result.changed) {
        const { flowLeftOff } = await current.write({
          profiles: result.profiles,
          permissionSets: result.permissionSets,
          setIds: context.setIds,
          runAs: runAs?.username,
        });
        if (flowLeftOff && result.runAs) result.runAs.setupStep = flowSetupStep(eca !== undefined, label);
      }
      await assignSets(client, user, toAssign, result);
    }
  );
  const previous = flow.runAs;
  const runAsSwitch =
    runAs && previous && previous.toLowerCase() !== runAs.username.toLowerCase()
      ? { from: previous, to: runAs.username }
      : undefined;
  const listed = { profiles: [profileName], permissionSets: context.sets };
  return { ...step, lockOut, runAsSwitch, appLabel: label, listed };
}

/**
 * Pre-authorizes through SetupEntityAccess rows (an admin-approved connected app): one collection
 * insert. Where the org refuses a row (unsettled for profile-owned sets), the lists go through the
 * Metadata API instead, from the component read with the inspection.
 */
export function planByAccessRows(
  client: OrgClient,
  input: PreauthorizeInput,
  context: AppContext & { plan: AppAccessPlan; app: ConnectedApp },
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
    profiles,
    permissionSets,
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
 * A new local External Client App for the JWT bearer flow (eca-create.ts deploys it in stages); after an
 * interrupted run, only the stages still missing. Its consumer key is read back from the org afterwards.
 */
export function planCreate(
  client: OrgClient,
  input: PreauthorizeInput,
  context: AppContext,
  options: { dryRun: boolean },
  earlier?: EarlierCreate,
  ecaId?: string
): PreauthorizePlan {
  const create = input.create!;
  const certificate =
    create.certificatePath === undefined
      ? undefined
      : readCertificate(create.certificatePath, create.certificate ?? '');
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
  if (context.runAs) {
    result.runAs = runAsResult(context.runAs, undefined, true);
    // Salesforce makes the consumer secret and no API returns it here: the admin reads it in Setup.
    result.consumerSecretLocation = messages.getMessage('consumerSecretLocation', [label]);
  }
  return preauthorizeStep(result, false, true, async () => {
    const eca = {
      app,
      label,
      contactEmail: create.contactEmail,
      certificate,
      profile: context.profileName,
      permissionSets: context.sets,
      runAs: context.runAs?.username,
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

/** The run-as part of the result: who, why they may be, who it was before. */
function runAsResult(runAs: RunAsUser, previous: string | undefined, changed: boolean): RunAsResult {
  return {
    username: runAs.username,
    userId: runAs.id,
    basis: runAs.basis,
    ...(previous ? { previousUsername: previous } : {}),
    changed,
  };
}

/** Where an admin turns the flow on when the Metadata API couldn't (an ECA's global OAuth settings; a connected app's Run As). */
function flowSetupStep(eca: boolean, label: string): string {
  return messages.getMessage(eca ? 'runAs.ecaSetupStep' : 'runAs.connectedAppSetupStep', [label]);
}
