import { Messages, SfError } from '@salesforce/core';
import type { OrgClient } from './org-client.js';
import { isOrgFailure, serviceError } from './errors.js';
import { planPsl, pslReads } from './assign-psl.js';
import { createReads, planCreate } from './create.js';
import { usernameFor, validateCreateInput } from './create-input.js';
import type { OrgContext } from './connect.js';
import { completeGrantCandidates, completeGrantNames, grantReads } from './grant-reads.js';
import { planGrant } from './grant-plan.js';
import type { GrantInput } from './grant-result.js';
import { planSetupPreauthorize, type SetupAppInput } from './preauthorize-setup.js';
import { preauthorizeReads } from './preauthorize.js';
import { verifyReads } from './verify-reads.js';
import { changedReads, ecaPolicyOf, pslOf, verifyStep } from './setup-verify.js';
import type { ConnectedAppComponents } from './app-lookup.js';
import { derivePermissionSetName } from './permissions.js';
import { blockBeyondFreeSeats } from './spec-seats.js';
import { inspect, statementCount, type FoundGroup, type ReadGroup } from './inspection.js';
import { SUBREQUESTS_PER_BATCH } from './query-reader.js';
import type { SetupSpec, SpecUser } from './spec.js';
import { applyUser, errorOf, type Planned, type UserPlan } from './setup-apply.js';
import { checkOf } from './setup-check.js';
import { appEntryReads, managedSetsOf, planAppPrune, planPrune, prunedOutcome } from './setup-prune.js';
import type { SetupLine, SetupProgress, SetupReport, SetupStepName } from './setup-result.js';

// The setup command's result types, also from here (the command's module); their home is setup-result.ts.
export type { SetupProgress, SetupReport, SetupResult } from './setup-result.js';

/**
 * `setup` joins the planners of the five commands for every user of a spec: their reads go out as one
 * inspection, each user's steps are planned from it in order (each seeing what the earlier ones will do), and
 * each user's data writes go out as one composite call. It knows no planner's internals: each planner says what
 * it reads (`createReads`, ...) and returns a Step.
 */

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.setup');

/**
 * What one user's steps read: each planner's own reads, under its step's name; `verifying`: verify's too, so
 * that a run that writes nothing verifies from them (no second inspection).
 */
function userReads(user: SpecUser, org: OrgContext, verifying = true, managedSets?: string[]) {
  const username = usernameFor(user, org);
  const grant = grantInputOf(user, username);
  const appRead = user.app
    ? preauthorizeReads({ app: user.app.name, permissionSets: appSetsOf(user), profile: user.profile })
    : undefined;
  return {
    create: createReads(user, org),
    psl: pslReads(username),
    // The generated set is named after the spec's name, so one inspection can read it.
    grant: granting(grant) ? grantReads(grant, grant.permissionSetName) : undefined,
    // The preauthorize planner's reads for the spec's app: the app's rows, and the profiles.
    app: appRead?.access,
    appOwn: appRead?.own,
    verify: verifying ? verifyReads({ user: username, app: user.app?.name, objects: [] }) : undefined,
    // --prune and --check: the app list entries the spec manages (the same query for every user: sent once).
    appEntries: managedSets && user.app ? appEntryReads(managedSets) : undefined,
  };
}

export type UserFound = FoundGroup<ReturnType<typeof userReads>>;

/**
 * The five commands' steps for every user of a spec, as one plan: one inspection of the org for
 * every step of every user (one composite batch; the same query is sent once), the steps planned
 * from it in order (each seeing what the earlier ones will do) as done / todo / blocked; a blocked
 * step anywhere stops the run before the first write. Then each user's writes go out in one
 * composite call, and verify ends each user's run.
 */
export async function setup(
  client: OrgClient,
  org: OrgContext,
  spec: SetupSpec,
  options: {
    dryRun: boolean;
    specFile: string;
    noPrompt: boolean;
    /** `--check`: plan as a dry run and report each difference instead of stopping at a blocked step. */
    check?: boolean;
    /** `--prune`: also remove the sets and groups assigned to a spec user that the spec doesn't list. */
    prune?: boolean;
    onProgress?: (progress: SetupProgress) => void;
  },
  inspectedAgain = false
): Promise<SetupReport> {
  const dryRun = options.dryRun || options.check === true;
  // The spec's connected apps are read through the Metadata API at the same time (their label finds their row).
  // verify's reads ride along when they add no batch to the inspection (one user's do not).
  const pruning = options.prune === true || options.check === true;
  const managed = pruning ? managedSetsOf(spec) : undefined;
  const withVerify = spec.users.map((user) => userReads(user, org, true, managed));
  const without = spec.users.map((user) => userReads(user, org, false, managed));
  const batches = (groups: ReadGroup[]): number => Math.ceil(statementCount(groups) / SUBREQUESTS_PER_BATCH);
  const { found, components } = await inspect(
    client,
    batches(withVerify) === batches(without) ? withVerify : without,
    spec.users.flatMap((user) => (user.app ? [user.app.name] : []))
  );
  // Pre-authorizations an earlier user's writes make (app:parent), so a later user doesn't insert them twice.
  const claimed = new Set<string>();
  const plans: UserPlan[] = [];
  for (const [index, user] of spec.users.entries()) {
    plans.push(
      await planUser(client, org, user, found[index], {
        dryRun,
        noPrompt: options.noPrompt,
        claimed,
        components,
      })
    );
  }

  blockBeyondFreeSeats(plans, found[0]);
  const assignments = plans.map((plan, index) =>
    options.prune && !options.check ? planPrune(plan, found[index], dryRun) : []
  );
  const appEntries = pruning
    ? await planAppPrune(client, spec, plans, found, { dryRun, components, apply: !options.check, appSets: appSetsOf })
    : plans.map(() => []);
  const removals = plans.map((_, index) => (options.check ? [] : [...assignments[index], ...appEntries[index]]));

  const result: SetupReport = {
    spec: options.specFile,
    dryRun,
    users: plans.map((p, index) => ({
      username: p.username,
      steps: p.steps.map((s) => s.line),
      ...(removals[index].length ? { removals: removals[index] } : {}),
    })),
  };
  // A check writes nothing and runs no verify (no JWT login): its blocked and to-do steps are the differences.
  if (options.check) {
    for (const user of result.users) user.steps = user.steps.filter((s) => s.name !== 'verify');
    return { ...result, check: checkOf(plans, found, options.specFile, appEntries) };
  }
  // Each blocked step named by its place in the spec (users[i]) as well as by its user.
  const blocked = result.users.flatMap((u, i) =>
    u.steps
      .filter((s) => s.status === 'blocked')
      .map((s) => `- users[${i}] ${u.username}, ${s.name}: ${s.error?.message ?? s.message}`)
  );
  if (blocked.length) {
    const causes = result.users.flatMap((u) => u.steps.flatMap((s) => (s.error ? [s.error] : [])));
    // The plan is the error's data; the setup command renders its fixes before sf prints it.
    throw Object.assign(serviceError('SetupBlocked', [blocked.join('\n')]).because(causes), { data: result });
  }
  if (dryRun) return result;

  // A run that writes nothing verifies each user from the inspection's reads; one that writes reads what its
  // writes change in its write call (readAfter), the rest from the inspection, until a Metadata API write
  // changes what the inspection saw. Otherwise (or when they don't fit the call) verify reads on its own.
  const writesNothing = plans.every((plan) => plan.steps.every((s) => s.step.writes.length === 0));
  const bySet = spec.users.some((user) => user.app?.preauthorize === 'permission-set');
  let metadataWritten = false;
  for (const [index, plan] of plans.entries()) {
    options.onProgress?.({ user: index + 1, users: plans.length, username: plan.username });
    const inspected = found[index].verify as UserFound['verify'] | undefined;
    metadataWritten ||= plan.steps.some((s) => s.step.writes.some((w) => w.kind === 'metadata') && !ecaPolicyOf(s));
    const reuse = inspected && !metadataWritten && usernameFor(plan.user, org) === plan.username;
    const readAfter = reuse && !writesNothing ? changedReads(plan, inspected, bySet) : {};
    const applied = await applyUser(client, plan, readAfter);
    if (removals[index].length) result.users[index].removals = prunedOutcome(plan, removals[index]);
    if (applied)
      result.users[index].verify = await verifyStep(client, org, plan, {
        components,
        found: !reuse
          ? undefined
          : writesNothing
            ? inspected
            : plan.readBack && { ...inspected, ...plan.readBack, ...pslOf(plan) },
      });
  }
  // A user whose writes lost a race with a run next to this one: nothing of it was written, so plan it
  // again, once, from what the org holds now (the other run's work then reads as done).
  const raced = plans.flatMap((plan, index) => (plan.raced ? [index] : []));
  if (raced.length && !inspectedAgain) {
    const again = await setup(client, org, { users: raced.map((index) => spec.users[index]) }, options, true);
    raced.forEach((index, n) => (result.users[index] = again.users[n]));
  }
  return result;
}

const generatedNameOf = (user: SpecUser): string => user.permissionSetName ?? derivePermissionSetName(user.name);

const grantInputOf = (user: SpecUser, username: string): GrantInput => ({
  user: username,
  permissionSets: user.permissionSets ?? [],
  groups: user.permissionSetGroups ?? [],
  objects: user.objects ?? [],
  fields: user.fields ?? [],
  permissionSetName: generatedNameOf(user),
});

const granting = (input: GrantInput): boolean =>
  input.permissionSets.length + input.groups.length + input.objects.length + input.fields.length > 0;
const generating = (user: SpecUser): boolean => (user.objects?.length ?? 0) + (user.fields?.length ?? 0) > 0;

/** With `preauthorize: permission-set`: the sets to list (default: the generated set). */
function appSetsOf(user: SpecUser): string[] {
  if (user.app?.preauthorize !== 'permission-set') return [];
  return user.app.permissionSets ?? (generating(user) ? [generatedNameOf(user)] : []);
}

/** One user's steps, planned from the shared inspection: create, assign-psl, grant, preauthorize, verify. */
async function planUser(
  client: OrgClient,
  org: OrgContext,
  user: SpecUser,
  found: UserFound,
  options: { dryRun: boolean; noPrompt: boolean; claimed: Set<string>; components: ConnectedAppComponents }
): Promise<UserPlan> {
  const plan: UserPlan = { user, username: user.username ?? user.name, steps: [] };
  const add = (step: Planned['step']): void => {
    const line: SetupLine = { name: step.step as SetupStepName, status: step.status, message: step.message };
    if (step.status === 'blocked') Object.assign(line, { message: 'blocked', error: errorOf(step.error) });
    plan.steps.push({ step, line });
  };
  /** A planner that throws: what the org holds blocks the step; an answer the org couldn't give is the run's error. */
  const blockedBy = (name: SetupStepName, error: unknown): Planned['step'] => {
    if (isOrgFailure(error)) throw error;
    return {
      step: name,
      status: 'blocked',
      message: 'blocked',
      writes: [],
      error: error as SfError,
      result: undefined,
    };
  };

  // create (a spec user carries the create flags under the same names)
  const invalid = validateCreateInput(user);
  if (invalid) {
    add(blockedBy('create', invalid));
    return plan;
  }
  const created = planCreate(client, found.create, org, user, options);
  plan.username = created.result.username;
  add(created);
  if (created.status === 'blocked') return plan;
  const exists = created.status === 'done';
  // How later writes of the same call name the user.
  const userRef = exists ? (created.result.id ?? '') : '@{user.id}';

  const psl = planPsl(found.psl, { user: plan.username }, { ...options, plannedUser: exists ? undefined : userRef });
  plan.seats = { userSeats: created.result.seats, pslSeats: psl.status === 'blocked' ? undefined : psl.result.seats };
  add(psl);

  const grantInput: GrantInput = {
    ...grantInputOf(user, plan.username),
    planned: { userName: exists ? undefined : user.name.trim(), psl: true, userRef },
  };
  let newSet: string | undefined;
  if (found.grant) {
    try {
      await completeGrantNames(client, found.grant, grantInput);
      await completeGrantCandidates(client, found.grant, grantInput);
      const granted = planGrant(found.grant, grantInput, options);
      if (granted.result.generatedPermissionSet && granted.writes.some((w) => w.referenceId === 'set'))
        newSet = '@{set.id}';
      add(granted);
    } catch (error) {
      add(blockedBy('grant', error));
    }
  }

  // preauthorize: SetupEntityAccess rows when the data API can do it, else the Metadata API.
  if (user.app && found.app) {
    const bySet = user.app.preauthorize === 'permission-set';
    const input: SetupAppInput = {
      app: user.app.name,
      profile: bySet ? undefined : created.result.profile || undefined,
      permissionSets: appSetsOf(user),
      plannedSets: newSet ? [generatedNameOf(user)] : [],
      plannedRefs: newSet ? { [generatedNameOf(user)]: newSet } : {},
      // app.runAs: the client credentials flow runs as this user (checked again when the real plan runs).
      ...(user.app.runAs ? { runAs: plan.username, plannedRunAs: true } : {}),
    };
    try {
      add(await planSetupPreauthorize(client, found.app, input, { ...options, own: found.appOwn }));
    } catch (error) {
      add(blockedBy('preauthorize', error));
    }
  }
  add({
    step: 'verify',
    status: 'todo',
    message: messages.getMessage(user.verify?.clientId ? 'step.verifyLogin' : 'step.verify'),
    writes: [],
    result: undefined,
  });
  return plan;
}
