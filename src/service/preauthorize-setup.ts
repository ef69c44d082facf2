import { lockoutError } from './preauthorize-lockout.js';
import { serviceError } from './errors.js';
import type { OrgClient } from './org-client.js';
import { applyStep, blockedError, type Step, type Write } from './plan.js';
import { findConnectedApp, type ConnectedAppComponents } from './app-lookup.js';
import { planAppAccess, type AppAccessFound } from './connected-app-access.js';
import { planPreauthorize, type PreauthorizeFound } from './preauthorize.js';
import { planMessage, stepMessage, type PreauthorizeInput, type PreauthorizePlan } from './preauthorize-result.js';
import type { EcaPolicyState } from './verify-result.js';

// Setup's preauthorize step: SetupEntityAccess rows in the user's one composite call where they do, else the
// preauthorize command's own plan.

/** Setup's preauthorize step: its app, and an External Client App's policy as this run leaves it (for verify). */
export type SetupAppStep = Step<{ app: string; ecaPolicy?: EcaPolicyState }> & {
  fallback?: Write[];
  ecaLists?: EcaLists;
};

/**
 * An External Client App's lists as this run's one deploy of its policy leaves them (read by the plan's retrieve),
 * and how setup --prune takes entries out of that same deploy: `remove` answers the step's write.
 */
export type EcaLists = {
  label: string;
  profiles: string[];
  permissionSets: string[];
  /** What the plan itself puts on the lists (preauthorize lists the integration profile with the sets): never pruned. */
  listed: { profiles: string[]; permissionSets: string[] };
  remove: (entries: { profiles: string[]; permissionSets: string[] }) => Write;
};

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
  options: {
    noPrompt: boolean;
    claimed: Set<string>;
    components: ConnectedAppComponents;
    /** The preauthorize planner's own reads (profiles), from setup's inspection. */
    own: PreauthorizeFound['found'][0]['own'];
  }
): Promise<SetupAppStep> {
  const { app } = input;
  const step = (
    status: 'todo' | 'done',
    added: string[],
    writes: Write[],
    fallback?: Write[],
    ecaPolicy?: EcaPolicyState
  ): SetupAppStep => ({
    step: 'preauthorize',
    status,
    message: stepMessage(app, added),
    writes,
    result: ecaPolicy ? { app, ecaPolicy } : { app },
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
  // The run-as user is the app's metadata (oauthConfig / OAuth policy): the Metadata API way.
  const fast = input.runAs
    ? undefined
    : planAppAccess(found, connectedApp, {
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
  // As the preauthorize command does it, from setup's inspection. The first user of the run to change this app
  // applies this very plan (its retrieve read the policy already); a later one plans again when it runs, so that
  // it sees what the earlier users' writes changed.
  const planned = await planPreauthorize(
    client,
    input,
    { dryRun: true },
    // The run-as user's reads aren't in setup's inspection: with --run-as the planner reads for itself.
    input.runAs ? undefined : { found: [{ access: found, own: options.own }], components: options.components }
  );
  if (planned.status === 'blocked') throw blockedError(planned);
  if (planned.needsConfirmation && planned.lockOut && !options.noPrompt)
    throw lockoutError(app, planned.lockOut, { profile: input.profile, permissionSets: input.permissionSets });
  // Another run-as user today: every integration using the app would switch identity; only with --no-prompt.
  if (planned.runAsSwitch && !options.noPrompt)
    throw serviceError('RunAsChangeConfirmationRequired', [app, planned.runAsSwitch.from, planned.runAsSwitch.to]);
  // A run-as user this run creates is only planned now: such a step plans again when it runs.
  const firstOfApp = !options.claimed.has(`policy:${app.toLowerCase()}`);
  const first = !input.runAs && firstOfApp;
  options.claimed.add(`policy:${app.toLowerCase()}`);
  const { result } = planned;
  const added = [...result.added.profiles, ...result.added.permissionSets];
  // The policy as the deploy leaves it (or as read, when nothing changes): verify needs no second retrieve.
  const ecaPolicy =
    first && result.appType === 'ExternalClientApplication' && !input.create
      ? { policy: result.policy, profiles: result.profiles, permissionSets: result.permissionSets }
      : undefined;
  const write: Write =
    first && !input.create
      ? {
          kind: 'metadata',
          referenceId: 'app',
          apply: async () => void (await applyStep(client, planned, { dryRun: false })),
        }
      : metadataWrite(input);
  const planStep = result.changed
    ? { ...step('todo', added, [write], undefined, ecaPolicy), message: planMessage(result, true) }
    : step('done', added, [], undefined, ecaPolicy);
  if (firstOfApp && result.appType === 'ExternalClientApplication' && !input.create)
    planStep.ecaLists = ecaListsOf(planned, write, ecaPolicy ? { ecaPolicy } : { replanned: input });
  return planStep;
}

/**
 * The first plan of an External Client App: its lists, and the removal of entries from its one deploy. The plan
 * applied as it is (`ecaPolicy`) takes them out of its result; one planned again when it runs (app.runAs) is told
 * them in its input.
 */
function ecaListsOf(
  planned: PreauthorizePlan,
  write: Write,
  how: { ecaPolicy: EcaPolicyState } | { replanned: PreauthorizeInput }
): EcaLists {
  const { result } = planned;
  const lower = (names: string[]): Set<string> => new Set(names.map((n) => n.toLowerCase()));
  return {
    label: planned.appLabel ?? result.app,
    profiles: result.profiles,
    permissionSets: result.permissionSets,
    listed: planned.listed ?? { profiles: [], permissionSets: [] },
    remove: (entries) => {
      if ('replanned' in how) {
        how.replanned.remove = entries;
        return write;
      }
      const { ecaPolicy } = how;
      const profiles = lower(entries.profiles);
      const sets = lower(entries.permissionSets);
      result.profiles = result.profiles.filter((p) => !profiles.has(p.toLowerCase()));
      result.permissionSets = result.permissionSets.filter((p) => !sets.has(p.toLowerCase()));
      result.changed = true;
      // verify reads the policy as the deploy leaves it.
      Object.assign(ecaPolicy, { profiles: result.profiles, permissionSets: result.permissionSets });
      if (planned.status === 'done' && planned.apply) {
        planned.status = 'todo';
        planned.writes = [{ kind: 'metadata', referenceId: 'app', apply: planned.apply }];
      }
      return write;
    },
  };
}
