import { readFile } from 'node:fs/promises';
import type { SfError } from '@salesforce/core';
import type { OrgClient } from './org-client.js';
import { serviceError } from './errors.js';
import { assignIntegrationPsl } from './licenses.js';
import { createIntegrationUser, type OrgContext } from './users.js';
import { grant, type GrantResult } from './grant.js';
import { planPreauthorize, type PreauthorizeInput } from './apps.js';
import { verifyIntegrationUser, type VerifyResult } from './verification.js';
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

type Planned = { step: SetupStep; apply?: () => Promise<void> };

const errorOf = (error: unknown): SetupStep['error'] => {
  const e = error as SfError;
  return { name: e.name ?? 'Error', message: e.message ?? String(error), actions: e.actions ?? [] };
};

/**
 * The five commands' steps for every user of a spec, as one plan: a dry run of each step (in
 * order, each seeing what the earlier ones will have done) gives done / todo / blocked; a blocked
 * step anywhere stops the run before the first write; then the todo steps run in order, and verify
 * ends each user's run.
 */
export async function setup(
  client: OrgClient,
  org: OrgContext,
  spec: SetupSpec,
  options: { dryRun: boolean; specFile: string; noPrompt: boolean }
): Promise<SetupResult> {
  const plans: Array<{ user: SpecUser; username: string; steps: Planned[] }> = [];
  for (const user of spec.users) plans.push(await planUser(client, org, user, options.noPrompt));

  const result: SetupResult = {
    spec: options.specFile,
    dryRun: options.dryRun,
    users: plans.map((p) => ({ username: p.username, steps: p.steps.map((s) => s.step) })),
  };
  const blocked = result.users.flatMap((u) => u.steps.filter((s) => s.status === 'blocked').map((s) => `- ${u.username}, ${s.name}: ${s.error?.message ?? s.message}`));
  if (blocked.length) {
    const error = serviceError('SetupBlocked', [blocked.join('\n')]);
    error.actions = [...new Set(result.users.flatMap((u) => u.steps.flatMap((s) => s.error?.actions ?? [])))];
    throw error.setData(result);
  }
  if (options.dryRun) return result;

  for (const [index, plan] of plans.entries()) {
    let failed = false;
    for (const planned of plan.steps) {
      if (failed) {
        if (planned.step.status === 'todo') planned.step.status = 'not-run';
        continue;
      }
      if (planned.step.status !== 'todo' || !planned.apply) continue;
      try {
        await planned.apply();
        planned.step.status = 'applied';
      } catch (error) {
        Object.assign(planned.step, { status: 'failed', error: errorOf(error) });
        failed = true;
      }
    }
    if (!failed) result.users[index].verify = await verifyStep(client, org, plan.user, plan.username, result.users[index]);
  }
  return result;
}

/** One user's steps, each inspected as a dry run of its command. */
async function planUser(client: OrgClient, org: OrgContext, user: SpecUser, noPrompt: boolean): Promise<{ user: SpecUser; username: string; steps: Planned[] }> {
  const steps: Planned[] = [];
  const blockedStep = (name: SetupStepName, error: unknown): Planned => ({ step: { name, status: 'blocked', message: 'blocked', error: errorOf(error) } });
  const createInput = { name: user.name, email: user.email, username: user.username, alias: user.alias, profile: user.profile, timeZone: user.timeZone, locale: user.locale, language: user.language };

  let username = user.username ?? '';
  let exists = false;
  try {
    const created = await createIntegrationUser(client, org, createInput, { dryRun: true });
    username = created.username;
    exists = created.status === 'exists';
    steps.push({
      step: { name: 'create', status: exists ? 'done' : 'todo', message: exists ? `${username} exists on the Salesforce Integration license` : `create ${username}` },
      apply: async () => {
        await createIntegrationUser(client, org, createInput, { dryRun: false });
      },
    });
  } catch (error) {
    return { user, username: username || user.name, steps: [blockedStep('create', error)] };
  }

  let pslDone = false;
  try {
    const psl = await assignIntegrationPsl(client, { user: username, targetOrg: org.targetOrg }, { dryRun: true, plannedUser: !exists });
    pslDone = psl.status === 'already-assigned';
    steps.push({
      step: { name: 'assign-psl', status: pslDone ? 'done' : 'todo', message: pslDone ? 'holds SalesforceAPIIntegrationPsl' : 'assign SalesforceAPIIntegrationPsl' },
      apply: async () => {
        await assignIntegrationPsl(client, { user: username, targetOrg: org.targetOrg }, { dryRun: false });
      },
    });
  } catch (error) {
    steps.push(blockedStep('assign-psl', error));
  }

  const grantInput = {
    user: username,
    targetOrg: org.targetOrg,
    permissionSets: user.permissionSets ?? [],
    groups: user.permissionSetGroups ?? [],
    objects: user.objects ?? [],
    fields: user.fields ?? [],
    permissionSetName: user.permissionSetName,
  };
  const generating = grantInput.objects.length > 0 || grantInput.fields.length > 0;
  if (generating || grantInput.permissionSets.length || grantInput.groups.length) {
    try {
      const planned: GrantResult = await grant(client, { ...grantInput, planned: { userName: exists ? undefined : user.name, psl: true } }, { dryRun: true });
      const done = planned.permissionSets.every((i) => i.status === 'already-assigned') && (!planned.generatedPermissionSet || planned.generatedPermissionSet.status === 'unchanged');
      steps.push({
        step: { name: 'grant', status: done ? 'done' : 'todo', message: planned.permissionSets.map((i) => `${i.name}: ${i.status === 'would-assign' ? 'assign' : i.status}`).join(', ') },
        apply: async () => {
          const granted = await grant(client, grantInput, { dryRun: false });
          const failed = granted.permissionSets.filter((i) => i.status === 'failed');
          if (failed.length) throw serviceError('GrantFailed', [username]).setData(granted);
        },
      });
    } catch (error) {
      steps.push(blockedStep('grant', error));
    }
  }

  if (user.app) {
    const bySet = user.app.preauthorize === 'permission-set';
    const generatedName = user.permissionSetName ?? derivePermissionSetName(user.name);
    const sets = bySet ? (user.app.permissionSets ?? (generating ? [generatedName] : [])) : [];
    const input: PreauthorizeInput = { app: user.app.name, targetOrg: org.targetOrg, permissionSets: sets, plannedSets: generating ? [generatedName] : [] };
    try {
      const plan = await planPreauthorize(client, input, { dryRun: true });
      if (plan.needsConfirmation && !noPrompt) throw serviceError('LockoutConfirmationRequired', [user.app.name, plan.result.usersLosingAccess.join(', ')]);
      const todo = plan.result.changed;
      steps.push({
        step: { name: 'preauthorize', status: todo ? 'todo' : 'done', message: `${user.app.name}: ${[...plan.result.added.profiles, ...plan.result.added.permissionSets].join(', ') || 'already pre-authorized'}` },
        apply: async () => {
          await (await planPreauthorize(client, input, { dryRun: false })).apply();
        },
      });
    } catch (error) {
      steps.push(blockedStep('preauthorize', error));
    }
  }
  steps.push({ step: { name: 'verify', status: 'todo', message: user.verify?.clientId ? 'check every step, then log in as the user with JWT and query' : 'check every step' } });
  return { user, username, steps };
}

async function verifyStep(client: OrgClient, org: OrgContext, user: SpecUser, username: string, into: SetupUser): Promise<VerifyResult> {
  const step = into.steps.find((s) => s.name === 'verify');
  const connectionUrl = client.instanceUrl;
  const verified = await verifyIntegrationUser(client, {
    user: username,
    targetOrg: org.targetOrg,
    app: user.app?.name,
    clientId: user.verify?.clientId,
    privateKey: user.verify?.jwtKeyFile ? await readFile(user.verify.jwtKeyFile, 'utf8') : undefined,
    loginUrl: user.verify?.loginUrl ?? connectionUrl,
    query: user.verify?.query ?? 'SELECT Id, Name FROM Account LIMIT 10',
    objects: [],
    waitMinutes: 0,
  });
  const failed = verified.checks.filter((c) => c.status === 'fail');
  if (step) Object.assign(step, failed.length ? { status: 'failed', message: failed.map((c) => `${c.name}: ${c.message}`).join('; ') } : { status: 'applied', message: 'every check passed' });
  return verified;
}
