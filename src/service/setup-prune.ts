import { Messages } from '@salesforce/core';
import { soqlList, soqlQuote, type OrgClient, type SObjectRecord } from './org-client.js';
import type { GrantResult } from './grant-result.js';
import { derivePermissionSetName } from './permissions.js';
import type { Planned, UserPlan } from './setup-apply.js';
import type { SetupRemoval } from './setup-result.js';
import type { UserFound } from './setup.js';
import type { Reads } from './inspection.js';
import type { SetupSpec, SpecUser } from './spec.js';
import type { CreateReport } from './create.js';
import { INTEGRATION_USER_LICENSE } from './licenses.js';
import { findConnectedApp, sameId, type ConnectedAppComponents } from './app-lookup.js';
import { markPruned, outsideUsersLockedOut, removalsOf, type AppEntry } from './setup-prune-entries.js';
import type { SetupAppStep } from './preauthorize-setup.js';
import { pruneEcaLists } from './setup-prune-eca.js';

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

/**
 * After the write call: a removal whose step (grant; preauthorize for an app's entry) wasn't applied wasn't made,
 * nor was an app entry's when the app's rows went the Metadata API way (the fallback sends no deletions).
 */
export function prunedOutcome(plan: UserPlan, removals: SetupRemoval[]): SetupRemoval[] {
  const applied = (name: string): boolean => plan.steps.find((s) => s.line.name === name)?.line.status === 'applied';
  const made = (r: SetupRemoval): boolean => (r.app ? applied('preauthorize') && !plan.fellBack : applied('grant'));
  return removals.map((r) => (r.status === 'removed' && !made(r) ? { ...r, status: 'not-run' } : r));
}

/**
 * The pre-authorization entries the spec manages on its connected apps' lists (SetupEntityAccess rows): under the
 * integration profiles' own sets, or under a set the spec names (a user's sets, its generated set, an app's sets).
 */
export function appEntryReads(managedSets: string[]): Reads<'appEntries'> {
  const sets = managedSets.length ? ` OR Parent.Name IN ${soqlList(managedSets)}` : '';
  return {
    queries: {
      appEntries: `SELECT Id, ParentId, SetupEntityId, Parent.Name, Parent.IsOwnedByProfile, Parent.Profile.Name FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication' AND (Parent.Profile.UserLicense.Name = ${soqlQuote(INTEGRATION_USER_LICENSE)}${sets})`,
    },
  };
}

/** Every set name the spec manages: each user's sets, its generated set, and its app's sets. */
export function managedSetsOf(spec: SetupSpec): string[] {
  return [
    ...new Set(
      spec.users.flatMap((user) => [
        ...(user.permissionSets ?? []),
        user.permissionSetName ?? derivePermissionSetName(user.name),
        ...(user.app?.permissionSets ?? []),
      ])
    ),
  ];
}

/**
 * The entries on the spec's apps' lists that the spec manages (a spec user's profile, a set the spec names) but no
 * spec user of that app wants any more, unless another user outside the spec who uses the app (an OAuth token for
 * it) would be left on none of the app's lists (preauthorize's lock-out rule): then every such entry of the app is
 * kept and those users named. A connected app's go as SetupEntityAccess rows in the write call of the app's first
 * spec user; an External Client App's come out of the one deploy of its policy that setup makes (setup-prune-eca.ts),
 * from the lists its plan's retrieve read. Connected apps that go the Metadata API way this run (to switch to
 * admin-approved) are left for a re-run (their lists are written whole from what the inspection read).
 */
export async function planAppPrune(
  client: OrgClient,
  spec: SetupSpec,
  plans: readonly UserPlan[],
  found: readonly UserFound[],
  options: {
    dryRun: boolean;
    components: ConnectedAppComponents;
    /** false (--check): only say what would go, add no writes. */
    apply: boolean;
    /** The sets a user's app lists with `preauthorize: permission-set`. */
    appSets: (user: SpecUser) => string[];
  }
): Promise<SetupRemoval[][]> {
  const removals: SetupRemoval[][] = plans.map(() => []);
  const specUsers = new Set(plans.map((p) => p.username.toLowerCase()));
  const managedSets = new Set(managedSetsOf(spec).map((n) => n.toLowerCase()));
  const profileOf = (plan: UserPlan): string | undefined =>
    (plan.steps.find((s) => s.line.name === 'create')?.step.result as CreateReport | undefined)?.profile || undefined;
  const managedProfiles = new Set(plans.flatMap((p) => profileOf(p)?.toLowerCase() ?? []));
  const managed = (entry: AppEntry): boolean =>
    (entry.type === 'Profile' ? managedProfiles : managedSets).has(entry.name.toLowerCase());
  const apps = [...new Set(spec.users.flatMap((u) => (u.app ? [u.app.name.toLowerCase()] : [])))];
  for (const appName of apps) {
    const users = plans.flatMap((plan, index) => (plan.user.app?.name.toLowerCase() === appName ? [index] : []));
    const first = users[0];
    const steps = users.map((i) => plans[i].steps.find((s) => s.line.name === 'preauthorize'));
    if (steps.some((s) => !s || s.step.status === 'blocked')) continue;
    const wanted = new Set(
      users.flatMap((i) => {
        const { user } = plans[i];
        if (user.app?.preauthorize === 'permission-set')
          return options.appSets(user).map((n) => `PermissionSet:${n.toLowerCase()}`);
        return [`Profile:${(profileOf(plans[i]) ?? '').toLowerCase()}`];
      })
    );
    const extra = (entry: AppEntry): boolean =>
      managed(entry) && !wanted.has(`${entry.type}:${entry.name.toLowerCase()}`);
    const ecaLists = (steps[0]?.step as SetupAppStep).ecaLists;
    if (ecaLists) {
      // An External Client App's plan lists its users' profile with their sets (preauthorize's planner): wanted too.
      const profiles = new Set(users.map((i) => profileOf(plans[i])?.toLowerCase()));
      const ecaExtra = (entry: AppEntry): boolean =>
        extra(entry) && !(entry.type === 'Profile' && profiles.has(entry.name.toLowerCase()));
      removals[first] = await pruneEcaLists(client, ecaLists, steps[0] as Planned, ecaExtra, {
        ...options,
        app: plans[first].user.app?.name ?? appName,
        specUsers,
      });
      continue;
    }
    if (steps.some((s) => s?.step.writes.some((w) => w.kind === 'metadata'))) continue;
    const appFound = found[first].app;
    if (!appFound || appFound.eca.length) continue;
    const app = await findConnectedApp(
      client,
      plans[first].user.app?.name ?? appName,
      options.components,
      appFound.connectedApps
    );
    if (!app?.adminApproved) continue;
    const extras: AppEntry[] = [];
    for (const row of found[first].appEntries?.appEntries ?? []) {
      if (!sameId(row.SetupEntityId, app.id)) continue;
      const parent = (row.Parent ?? {}) as { Name?: string; IsOwnedByProfile?: boolean; Profile?: { Name?: string } };
      const entry: AppEntry = parent.IsOwnedByProfile
        ? { id: String(row.Id), name: String(parent.Profile?.Name), type: 'Profile' }
        : { id: String(row.Id), name: String(parent.Name), type: 'PermissionSet' };
      if (extra(entry)) extras.push(entry);
    }
    if (!extras.length) continue;
    const outside = await outsideUsersLockedOut(client, specUsers, app, extras);
    removals[first] = removalsOf(extras, app.name, outside, options.dryRun);
    if (outside.length || !options.apply) continue;
    const step = steps[0] as Planned;
    step.step.writes = [
      ...step.step.writes,
      {
        kind: 'records',
        referenceId: 'pruneApp',
        method: 'DELETE',
        sobject: 'SetupEntityAccess',
        records: extras.map((e) => ({ Id: e.id ?? '' })),
      },
    ];
    markPruned(step, extras, options.dryRun);
  }
  return removals;
}
