import type { OrgClient } from './org-client.js';
import type { EcaLists } from './preauthorize-setup.js';
import type { Planned } from './setup-apply.js';
import type { SetupRemoval } from './setup-result.js';
import { markPruned, outsideUsersLockedOut, removalsOf, type AppEntry } from './setup-prune-entries.js';

/**
 * `setup --prune` on an External Client App: its lists live in its OAuth policy (ExtlClntAppOauthConfigurablePolicies
 * commaSeparatedProfile / commaSeparatedPermissionSet, Metadata API reference), written whole by one deploy. The
 * entries the spec manages and no spec user of the app wants come out of the lists that the plan's retrieve read,
 * in the same deploy setup makes for the app's additions (or, when it adds nothing, the only one): no second
 * retrieve, no second deploy. Kept and named when users outside the spec would be left on none of the lists.
 */
export async function pruneEcaLists(
  client: OrgClient,
  lists: EcaLists,
  step: Planned,
  extra: (entry: AppEntry) => boolean,
  options: { dryRun: boolean; apply: boolean; app: string; specUsers: ReadonlySet<string> }
): Promise<SetupRemoval[]> {
  const extras: AppEntry[] = [
    ...lists.profiles.map((name): AppEntry => ({ name, type: 'Profile' })),
    ...lists.permissionSets.map((name): AppEntry => ({ name, type: 'PermissionSet' })),
  ].filter((e) => extra(e) && !listedBy(lists, e));
  if (!extras.length) return [];
  const outside = await outsideUsersLockedOut(client, options.specUsers, lists, extras);
  const removals = removalsOf(extras, options.app, outside, options.dryRun);
  if (outside.length || !options.apply) return removals;
  const write = lists.remove({
    profiles: extras.filter((e) => e.type === 'Profile').map((e) => e.name),
    permissionSets: extras.filter((e) => e.type === 'PermissionSet').map((e) => e.name),
  });
  if (!step.step.writes.includes(write)) step.step.writes = [...step.step.writes, write];
  markPruned(step, extras, options.dryRun);
  return removals;
}

/** An entry the app's own plan puts on its lists: pruning it would fight the plan (a re-run would add it back). */
const listedBy = (lists: EcaLists, entry: AppEntry): boolean =>
  (entry.type === 'Profile' ? lists.listed.profiles : lists.listed.permissionSets).some(
    (name) => name.toLowerCase() === entry.name.toLowerCase()
  );
