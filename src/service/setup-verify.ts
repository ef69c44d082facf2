import { readFile } from 'node:fs/promises';
import { Messages } from '@salesforce/core';
import { UNSUPPORTED, type OrgClient, type SObjectRecord } from './org-client.js';
import type { OrgContext } from './connect.js';
import type { ConnectedAppComponents } from './app-lookup.js';
import { verifyIntegrationUser } from './verify.js';
import type { VerifyReport } from './verify-result.js';
import { OPTIONAL_POWER_KEYS } from './permissions.js';
import type { SetupAppStep } from './preauthorize-setup.js';
import type { UserPlan } from './setup-apply.js';
import { verifyReads, type VerifyKey } from './verify-reads.js';
import type { EcaPolicyState } from './verify-result.js';
import type { Found } from './inspection.js';

// What setup's verify takes from the run instead of reading it again: the inspection's reads, the reads that
// rode in the user's write call, the write call's answers, and an External Client App's policy as deployed.

/** A preauthorize step's External Client App policy as this run leaves it (its deploy changes no row verify reads). */
export const ecaPolicyOf = (planned: UserPlan['steps'][number]): EcaPolicyState | undefined =>
  planned.step.step === 'preauthorize' ? (planned.step as SetupAppStep).result?.ecaPolicy : undefined;

/** The PSL assignment this user's write call made (its answer holds the new Id: an all-or-nothing call that succeeded). */
export function pslOf(plan: UserPlan): { psl: SObjectRecord[] } | undefined {
  const id = (plan.answers?.psl as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? { psl: [{ Id: id }] } : undefined;
}

/**
 * verify's reads a user's writes can change, to ride in its write call: the user, its assignments and
 * what its sets hold, the app's rows under them; its groups' members when it is given groups, the optional
 * powers where the org has their columns, and the groups' app rows when a set is pre-authorized.
 */
export function changedReads(plan: UserPlan, inspected: Found<VerifyKey>, bySet: boolean): Record<string, string> {
  const { queries } = verifyReads({ user: plan.username, app: plan.user.app?.name, objects: [] });
  // The PSL assignment is not read again: the call's answer gives it (pslOf).
  const keys: VerifyKey[] = ['user', 'assignments', 'setObjects', 'setFields', 'appAccess'];
  if (plan.user.permissionSetGroups?.length) keys.push('members');
  keys.push(...OPTIONAL_POWER_KEYS.filter((key) => inspected[key] !== UNSUPPORTED));
  if (bySet) keys.push('memberAppAccess');
  return Object.fromEntries(keys.flatMap((key) => (queries[key] ? [[key, queries[key]]] : [])));
}

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.setup');

/** Setup's verify step for one user, from what the run knows already; its line says verified or what failed. */
export async function verifyStep(
  client: OrgClient,
  org: OrgContext,
  plan: UserPlan,
  known: { components: ConnectedAppComponents; found?: Found<VerifyKey> }
): Promise<VerifyReport> {
  const { user, username } = plan;
  const line = plan.steps.find((s) => s.step.step === 'verify')?.line;
  const app = plan.steps.find((s) => s.step.step === 'preauthorize')?.step as SetupAppStep | undefined;
  const verified = await verifyIntegrationUser(client, {
    user: username,
    app: user.app?.name,
    clientId: user.verify?.clientId,
    privateKey: user.verify?.jwtKeyFile ? await readFile(user.verify.jwtKeyFile, 'utf8') : undefined,
    flow: user.verify?.flow,
    // The consumer secret only from the environment variable the spec names, never from the spec.
    clientSecret: user.verify?.clientSecretEnv
      ? process.env[user.verify.clientSecretEnv]?.trim() || undefined
      : undefined,
    loginUrl: user.verify?.loginUrl,
    query: user.verify?.query ?? 'SELECT Id, Name FROM Account LIMIT 10',
    objects: [],
    waitMinutes: user.verify?.wait ?? 0,
    appComponents: known.components,
    ecaPolicy: app?.result.ecaPolicy,
    found: known.found,
  });
  const failed = verified.checks.filter((c) => c.status === 'fail');
  if (line)
    Object.assign(
      line,
      failed.length
        ? { status: 'failed', message: failed.map((c) => `${c.name}: ${c.message}`).join('; ') }
        : { status: 'applied', message: messages.getMessage('step.verified') }
    );
  return verified;
}
