import { readFile } from 'node:fs/promises';
import type { SfError } from '@salesforce/core';
import type { OrgClient, SObjectRecord, Subrequest } from './org-client.js';
import { RECORDS_PER_COLLECTION } from './org-client.js';
import { isOrgFailure, SalesforceApiError, serviceError } from './errors.js';
import { planPsl, pslQueries } from './assign-psl.js';
import { createUserQueries, planCreateUser, usernameFor, validateCreateInput } from './create.js';
import type { OrgContext } from './connect.js';
import { completeGrantNames, GRANT_OPTIONAL_QUERIES, grantQueries, planGrant, type GrantInput } from './grant.js';
import { planPreauthorize, type PreauthorizeInput } from './preauthorize.js';
import { appAccessQueries, planAppAccess } from './connected-app-access.js';
import { findConnectedApp, inspectWithApps, type ConnectedAppComponents } from './app-lookup.js';
import { verifyIntegrationUser, type VerifyResult } from './verify.js';
import { derivePermissionSetName } from './permissions.js';
import type { SetupSpec, SpecUser } from './spec.js';

export type SetupStepName = 'create' | 'assign-psl' | 'grant' | 'preauthorize' | 'verify';

export type SetupStep = {
  name: SetupStepName;
  /** Planned: done / todo / blocked. After the run: done, applied, failed, or (after a failure) not-run. */
  status: 'done' | 'todo' | 'blocked' | 'applied' | 'failed' | 'not-run';
  message: string;
  error?: { name: string; message: string; actions: string[] };
};

export type SetupUser = { username: string; steps: SetupStep[]; verify?: VerifyResult };
export type SetupResult = { spec: string; dryRun: boolean; users: SetupUser[] };

/**
 * One user's plan. The data writes of every step go out as one composite call (all or nothing);
 * `owner` says which step each subrequest belongs to. A pre-authorization the data API can't make
 * (an External Client App, a policy to switch) runs afterwards through the Metadata API.
 */
type UserPlan = {
  user: SpecUser;
  username: string;
  steps: SetupStep[];
  writes: Subrequest[];
  owner: Map<string, SetupStepName>;
  /** The Metadata API pre-authorization: planned afresh when it runs, so it sees the earlier users' changes. */
  preauthorize?: PreauthorizeInput;
  /** The same, for when the org refuses the SetupEntityAccess rows. */
  fallback?: PreauthorizeInput;
  /** What a refused User insert means (a username taken in another org, no free seat), as create says it. */
  explainCreate?: (error: unknown) => Promise<Error | undefined>;
  /** The writes lost a race with another run (a duplicate of what this run was about to make). */
  raced?: boolean;
};

type Found = Record<string, SObjectRecord[]>;

const errorOf = (error: unknown): SetupStep['error'] => {
  const e = error as SfError;
  return { name: e.name ?? 'Error', message: e.message ?? String(error), actions: e.actions ?? [] };
};

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
  options: { dryRun: boolean; specFile: string; noPrompt: boolean },
  inspectedAgain = false
): Promise<SetupResult> {
  const queries: Record<string, string | undefined> = {};
  const optional: string[] = [];
  for (const [index, user] of spec.users.entries()) {
    for (const [key, soql] of Object.entries(userQueries(user, org))) queries[`${index}.${key}`] = soql;
    if (user.app) optional.push(`${index}.app.eca`);
    optional.push(...GRANT_OPTIONAL_QUERIES.map((key) => `${index}.grant.${key}`));
  }
  // The spec's connected apps are read through the Metadata API at the same time (their label finds their row).
  const { found, components } = await inspectWithApps(
    client,
    queries,
    optional,
    spec.users.flatMap((user) => (user.app ? [user.app.name] : []))
  );
  // Pre-authorizations an earlier user's writes make (app:parent), so a later user doesn't insert them twice.
  const claimed = new Set<string>();
  const plans: UserPlan[] = [];
  for (const [index, user] of spec.users.entries()) {
    const mine = (step: string): Found =>
      Object.fromEntries(
        Object.entries(found).flatMap(([key, records]) =>
          key.startsWith(`${index}.${step}.`) ? [[key.slice(`${index}.${step}.`.length), records]] : []
        )
      );
    plans.push(
      await planUser(client, org, user, mine, {
        dryRun: options.dryRun,
        noPrompt: options.noPrompt,
        claimed,
        components,
      })
    );
  }

  const result: SetupResult = {
    spec: options.specFile,
    dryRun: options.dryRun,
    users: plans.map((p) => ({ username: p.username, steps: p.steps })),
  };
  const blocked = result.users.flatMap((u) =>
    u.steps
      .filter((s) => s.status === 'blocked')
      .map((s) => `- ${u.username}, ${s.name}: ${s.error?.message ?? s.message}`)
  );
  if (blocked.length) {
    const error = serviceError('SetupBlocked', [blocked.join('\n')]);
    error.actions = [...new Set(result.users.flatMap((u) => u.steps.flatMap((s) => s.error?.actions ?? [])))];
    throw error.setData(result);
  }
  if (options.dryRun) return result;

  for (const [index, plan] of plans.entries()) {
    if (await applyUser(client, plan)) result.users[index].verify = await verifyStep(client, org, plan, components);
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

/** Every query the steps of one user need, keyed `<step>.<name>`. */
function userQueries(user: SpecUser, org: OrgContext): Record<string, string | undefined> {
  const username = usernameFor(user, org);
  const prefixed = (step: string, soql: Record<string, string | undefined>): Array<[string, string | undefined]> =>
    Object.entries(soql).map(([key, value]) => [`${step}.${key}`, value]);
  const grant = grantInputOf(user, username, org);
  return Object.fromEntries([
    ...prefixed('create', createUserQueries(user, org)),
    ...prefixed('psl', pslQueries(username)),
    ...(granting(grant) ? prefixed('grant', grantQueries(grant, grant.permissionSetName)) : []),
    ...(user.app ? prefixed('app', appAccessQueries(user.app.name, appSetsOf(user))) : []),
  ]);
}

const generatedNameOf = (user: SpecUser): string => user.permissionSetName ?? derivePermissionSetName(user.name);

const grantInputOf = (user: SpecUser, username: string, org: OrgContext): GrantInput => ({
  user: username,
  targetOrg: org.targetOrg,
  permissionSets: user.permissionSets ?? [],
  groups: user.permissionSetGroups ?? [],
  objects: user.objects ?? [],
  fields: user.fields ?? [],
  // The generated set is named after the spec's name, so one inspection can read it.
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

/** One user's steps, planned from the shared inspection. */
async function planUser(
  client: OrgClient,
  org: OrgContext,
  user: SpecUser,
  found: (step: string) => Found,
  options: { dryRun: boolean; noPrompt: boolean; claimed: Set<string>; components: ConnectedAppComponents }
): Promise<UserPlan> {
  const plan: UserPlan = { user, username: user.username ?? user.name, steps: [], writes: [], owner: new Map() };
  const add = (
    name: SetupStepName,
    status: SetupStep['status'],
    message: string,
    writes: Subrequest[] = [],
    error?: unknown
  ): void => {
    // A step is blocked by what the org holds; an answer the org couldn't give (a fault, an expired session) is the run's error.
    if (status === 'blocked' && isOrgFailure(error)) throw error;
    plan.steps.push(error ? { name, status, message, error: errorOf(error) } : { name, status, message });
    for (const write of writes) plan.owner.set(write.referenceId, name);
    plan.writes.push(...writes);
  };

  // create (a spec user carries the create flags under the same names)
  const invalid = validateCreateInput(user);
  if (invalid) {
    add('create', 'blocked', 'blocked', [], invalid);
    return plan;
  }
  const created = planCreateUser(client, found('create') as Parameters<typeof planCreateUser>[1], org, user, options);
  plan.username = created.result.username;
  if (created.step.status === 'blocked') {
    add('create', 'blocked', 'blocked', [], created.step.error);
    return plan;
  }
  const exists = created.step.status === 'done';
  plan.explainCreate = created.explainInsertError;
  const userRef = exists ? (created.result.id ?? '') : '@{user.id}';
  if (exists) add('create', 'done', `${plan.username} exists on the Salesforce Integration license`);
  else
    add('create', 'todo', `create ${plan.username}`, [
      { referenceId: 'user', method: 'POST', url: '/sobjects/User', body: created.record },
    ]);

  // assign-psl
  const psl = planPsl(
    client,
    found('psl') as Parameters<typeof planPsl>[1],
    { user: plan.username, targetOrg: org.targetOrg },
    { ...options, plannedUser: !exists }
  );
  if (psl.step.status === 'blocked') add('assign-psl', 'blocked', 'blocked', [], psl.step.error);
  else if (psl.step.status === 'done') add('assign-psl', 'done', 'holds SalesforceAPIIntegrationPsl');
  else
    add('assign-psl', 'todo', 'assign SalesforceAPIIntegrationPsl', [
      {
        referenceId: 'psl',
        method: 'POST',
        url: '/sobjects/PermissionSetLicenseAssign',
        body: { ...psl.record, AssigneeId: userRef },
      },
    ]);

  // grant
  const grantInput: GrantInput = {
    ...grantInputOf(user, plan.username, org),
    planned: { userName: exists ? undefined : user.name.trim(), psl: true },
  };
  let newSet: string | undefined;
  if (granting(grantInput)) {
    try {
      const grantFound = found('grant') as Parameters<typeof planGrant>[0];
      await completeGrantNames(client, grantFound, grantInput);
      const granted = planGrant(grantFound, grantInput, options);
      if (granted.result.generatedPermissionSet && !granted.setId) newSet = '@{set.id}';
      const writes = [...granted.setSubrequests];
      for (let start = 0; start < granted.assignments.length; start += RECORDS_PER_COLLECTION) {
        const records = granted.assignments
          .slice(start, start + RECORDS_PER_COLLECTION)
          .map((a) => ({ attributes: { type: 'PermissionSetAssignment' }, AssigneeId: userRef, [a.field]: a.id }));
        writes.push({
          referenceId: `assign${start}`,
          method: 'POST',
          url: '/composite/sobjects',
          body: { allOrNone: true, records },
        });
      }
      const message = granted.result.permissionSets
        .map((i) => `${i.name}: ${i.status === 'would-assign' || i.status === 'assigned' ? 'assign' : i.status}`)
        .join(', ');
      add('grant', writes.length ? 'todo' : 'done', message, writes);
    } catch (error) {
      add('grant', 'blocked', 'blocked', [], error);
    }
  }

  // preauthorize: SetupEntityAccess rows when the data API can do it, else the Metadata API.
  if (user.app) {
    const app = user.app.name;
    const bySet = user.app.preauthorize === 'permission-set';
    const input: PreauthorizeInput = {
      app,
      targetOrg: org.targetOrg,
      profile: bySet ? undefined : created.result.profile || undefined,
      permissionSets: appSetsOf(user),
      plannedSets: newSet ? [generatedNameOf(user)] : [],
    };
    try {
      const appFound = found('app');
      // An External Client App (or one of each, which the preauthorize plan refuses) goes the Metadata API way.
      const connectedApp = appFound.eca?.length
        ? undefined
        : await findConnectedApp(client, app, options.components, appFound.connectedApps ?? []);
      const fast = planAppAccess(appFound as Parameters<typeof planAppAccess>[0], connectedApp, {
        profile: input.profile,
        sets: input.permissionSets,
        planned: newSet ? { [generatedNameOf(user)]: newSet } : {},
      });
      if (fast) {
        const missing = fast.missing.filter((p) => !options.claimed.has(`${fast.appId}:${p.parentId}`));
        for (const p of missing) options.claimed.add(`${fast.appId}:${p.parentId}`);
        const writes = missing.map((p, n): Subrequest => ({
          referenceId: `access${n}`,
          method: 'POST',
          url: '/sobjects/SetupEntityAccess',
          body: { ParentId: p.parentId, SetupEntityId: fast.appId },
        }));
        add(
          'preauthorize',
          writes.length ? 'todo' : 'done',
          `${app}: ${missing.map((p) => p.name).join(', ') || 'already pre-authorized'}`,
          writes
        );
        plan.fallback = { ...input, metadataOnly: true };
      } else {
        // As the preauthorize command does it: a dry run now, the real plan when it runs.
        const planned = await planPreauthorize(client, input, { dryRun: true });
        if (planned.needsConfirmation && !options.noPrompt)
          throw serviceError('LockoutConfirmationRequired', [app, planned.result.usersLosingAccess.join(', ')]);
        const added = [...planned.result.added.profiles, ...planned.result.added.permissionSets];
        add(
          'preauthorize',
          planned.result.changed ? 'todo' : 'done',
          `${app}: ${added.join(', ') || 'already pre-authorized'}`
        );
        if (planned.result.changed) plan.preauthorize = input;
      }
    } catch (error) {
      add('preauthorize', 'blocked', 'blocked', [], error);
    }
  }
  add(
    'verify',
    'todo',
    user.verify?.clientId ? 'check every step, then log in as the user with JWT and query' : 'check every step'
  );
  return plan;
}

/**
 * Applies one user's plan: the data writes in one composite call (rolled back whole on a failure),
 * then a Metadata API pre-authorization if one is planned. When the org refuses a SetupEntityAccess
 * row (facts §7.4: unsettled for profile-owned sets), the other writes go again without it and the
 * pre-authorization goes through the Metadata API. True when every step got applied.
 */
async function applyUser(client: OrgClient, plan: UserPlan): Promise<boolean> {
  const step = (name: SetupStepName): SetupStep | undefined => plan.steps.find((s) => s.name === name);
  const fail = async (name: SetupStepName, error: unknown): Promise<false> => {
    for (const s of plan.steps) if (s.status === 'todo') s.status = 'not-run';
    const explained = name === 'create' && plan.explainCreate ? await plan.explainCreate(error) : error;
    // Another run made the same user or row since the inspection (this user's call was rolled back whole).
    plan.raced =
      explained === undefined ||
      (error instanceof SalesforceApiError &&
        ['DUPLICATE_VALUE', 'DUPLICATE_DEVELOPER_NAME'].includes(error.errorCode));
    Object.assign(step(name) ?? {}, { status: 'failed', error: errorOf(explained ?? error) });
    return false;
  };
  let writes = plan.writes;
  if (writes.length) {
    try {
      await client.compositeAll(writes);
    } catch (error) {
      const failedStep = error instanceof SalesforceApiError ? plan.owner.get(error.referenceId ?? '') : undefined;
      if (failedStep !== 'preauthorize')
        return fail(failedStep ?? writes.map((w) => plan.owner.get(w.referenceId)).find(Boolean) ?? 'create', error);
      writes = writes.filter((w) => plan.owner.get(w.referenceId) !== 'preauthorize');
      try {
        if (writes.length) await client.compositeAll(writes);
      } catch (again) {
        return fail(plan.owner.get((again as SalesforceApiError).referenceId ?? '') ?? 'create', again);
      }
      plan.preauthorize = plan.fallback;
    }
  }
  for (const s of plan.steps)
    if (s.status === 'todo' && s.name !== 'verify' && (s.name !== 'preauthorize' || !plan.preauthorize))
      s.status = 'applied';
  if (plan.preauthorize) {
    try {
      await (await planPreauthorize(client, plan.preauthorize, { dryRun: false })).apply();
      Object.assign(step('preauthorize') ?? {}, { status: 'applied' });
    } catch (error) {
      return fail('preauthorize', error);
    }
  }
  return true;
}

async function verifyStep(
  client: OrgClient,
  org: OrgContext,
  plan: UserPlan,
  appComponents: ConnectedAppComponents
): Promise<VerifyResult> {
  const { user, username } = plan;
  const step = plan.steps.find((s) => s.name === 'verify');
  const verified = await verifyIntegrationUser(client, {
    user: username,
    targetOrg: org.targetOrg,
    app: user.app?.name,
    clientId: user.verify?.clientId,
    privateKey: user.verify?.jwtKeyFile ? await readFile(user.verify.jwtKeyFile, 'utf8') : undefined,
    loginUrl: user.verify?.loginUrl,
    query: user.verify?.query ?? 'SELECT Id, Name FROM Account LIMIT 10',
    objects: [],
    waitMinutes: 0,
    appComponents,
  });
  const failed = verified.checks.filter((c) => c.status === 'fail');
  if (step)
    Object.assign(
      step,
      failed.length
        ? { status: 'failed', message: failed.map((c) => `${c.name}: ${c.message}`).join('; ') }
        : { status: 'applied', message: 'every check passed' }
    );
  return verified;
}
