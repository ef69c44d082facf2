import { Messages } from '@salesforce/core';
import type { SObjectRecord } from './org-client.js';
import type { GrantResult } from './grant-result.js';
import { derivePermissionSetName } from './permissions.js';
import type { UserPlan } from './setup-apply.js';
import type { SetupRemoval } from './setup-result.js';
import type { UserFound } from './setup.js';

/**
 * `setup --prune`: what the spec doesn't list goes too. By default setup adds what is missing and leaves extras
 * alone (setup --check names them); with --prune the sets and groups assigned to a spec user that the spec
 * doesn't list are removed, in the user's one write call with the additions. The generated set needs no pruning:
 * it carries our marker and is always made to hold exactly the spec's objects and fields (generated-set.ts).
 */

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.setup');

/** An assignment the spec doesn't list: its record, and the set's or group's name. */
export type ExtraAssignment = { id: string; name: string; type: 'PermissionSet' | 'PermissionSetGroup' };

/**
 * The sets and groups assigned to the user that the spec doesn't list (its sets, groups, generated set): never a
 * profile's own set, never a group's member set (the group's assignment stands for it).
 */
export function extraAssignments(plan: UserPlan, found: UserFound): ExtraAssignment[] {
  if (!found.grant || !found.create.user[0]) return [];
  const grant = plan.steps.find((s) => s.line.name === 'grant')?.step.result as GrantResult | undefined;
  const known = new Set(
    [
      ...(plan.user.permissionSets ?? []),
      ...(plan.user.permissionSetGroups ?? []),
      plan.user.permissionSetName ?? derivePermissionSetName(plan.user.name),
      ...(grant?.permissionSets.map((item) => item.name) ?? []),
    ].map((n) => n.toLowerCase())
  );
  const extras: ExtraAssignment[] = [];
  for (const row of found.grant.assignments) {
    const set = row.PermissionSet as { Name?: string; IsOwnedByProfile?: boolean } | null | undefined;
    if (!set || set.IsOwnedByProfile) continue;
    const group = (row.PermissionSetGroup as SObjectRecord | null | undefined)?.DeveloperName as string | undefined;
    const assigned = row.PermissionSetGroupId ? group : set.Name;
    if (!assigned || known.has(assigned.toLowerCase())) continue;
    extras.push({
      id: String(row.Id),
      name: assigned,
      type: row.PermissionSetGroupId ? 'PermissionSetGroup' : 'PermissionSet',
    });
  }
  return extras;
}

/**
 * Adds the removals of a user's extra assignments to its grant step (one sObject collection DELETE in the user's
 * write call): a grant with nothing else to do becomes one to do. The removals as the result reports them.
 */
export function planPrune(plan: UserPlan, found: UserFound, dryRun: boolean): SetupRemoval[] {
  const grant = plan.steps.find((s) => s.line.name === 'grant');
  if (!grant || grant.step.status === 'blocked') return [];
  const extras = extraAssignments(plan, found);
  if (!extras.length) return [];
  grant.step.writes = [
    ...grant.step.writes,
    {
      kind: 'records',
      referenceId: 'prune',
      method: 'DELETE',
      sobject: 'PermissionSetAssignment',
      records: extras.map((e) => ({ Id: e.id })),
    },
  ];
  const words = messages.getMessage(dryRun ? 'prune.wouldRemove' : 'prune.remove', [
    extras.map((e) => e.name).join(', '),
  ]);
  grant.step.status = 'todo';
  grant.line.status = 'todo';
  grant.line.message = grant.line.message ? `${grant.line.message}; ${words}` : words;
  return extras.map((e) => ({ type: e.type, name: e.name, status: dryRun ? 'would-remove' : 'removed' }));
}

/** After the write call: a removal whose step wasn't applied wasn't made. */
export function prunedOutcome(plan: UserPlan, removals: SetupRemoval[]): SetupRemoval[] {
  const grant = plan.steps.find((s) => s.line.name === 'grant');
  const applied = grant?.line.status === 'applied';
  return removals.map((r) => (r.status === 'removed' && !applied ? { ...r, status: 'not-run' } : r));
}
