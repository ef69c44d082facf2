import type { SObjectRecord } from './org-client.js';
import type { EcaPolicy } from './eca-metadata.js';

/**
 * retire on External Client Apps: their pre-authorization lists live in each app's OAuth policy
 * (ExtlClntAppOauthConfigurablePolicies commaSeparatedProfile / commaSeparatedPermissionSet: profile names and
 * permission set API names, Metadata API reference), not in SetupEntityAccess rows. The user's profile and the sets
 * it holds that a policy lists come out of that list when no other active user holds them (the rule retire applies
 * to a connected app's rows); the others are kept and named. The policies come from the one retrieve retire makes
 * for the apps running as the user (retire-run-as.ts) and go back in its one deploy.
 */

/** A policy whose lists lose entries: the lists it keeps. */
export type EcaListChange = { policy: EcaPolicy; profiles: string[]; permissionSets: string[] };

/** An entry of an app's list (as RetireResult reports it), and how many other active users hold it. */
type Entry = { app: string; profile?: string; permissionSet?: string; otherUsers: number };

/**
 * Which entries of the policies' lists are the user's (its profile, the sets it holds) and whether other active
 * users hold them (`others`: holders by set Id; a profile counts through its own set).
 */
export function planEcaLists(
  policies: readonly EcaPolicy[],
  assignments: readonly SObjectRecord[],
  others: ReadonlyMap<string, number>
): { entries: Entry[]; changes: EcaListChange[] } {
  const profiles = new Map<string, string>();
  const sets = new Map<string, string>();
  for (const a of assignments) {
    const set = (a.PermissionSet ?? {}) as { Name?: string; IsOwnedByProfile?: boolean; Profile?: { Name?: string } };
    if (a.PermissionSetGroupId) continue;
    if (set.IsOwnedByProfile && set.Profile?.Name)
      profiles.set(set.Profile.Name.toLowerCase(), String(a.PermissionSetId));
    else if (set.Name) sets.set(set.Name.toLowerCase(), String(a.PermissionSetId));
  }
  const entries: Entry[] = [];
  const changes: EcaListChange[] = [];
  for (const policy of policies) {
    const goes =
      (held: Map<string, string>, kind: 'profile' | 'permissionSet') =>
      (name: string): boolean => {
        const setId = held.get(name.toLowerCase());
        if (setId === undefined) return false;
        const otherUsers = others.get(setId) ?? 0;
        entries.push({ app: policy.label, [kind]: name, otherUsers });
        return otherUsers === 0;
      };
    const profileGoes = goes(profiles, 'profile');
    const setGoes = goes(sets, 'permissionSet');
    const removedProfiles = policy.profiles.filter(profileGoes);
    const removedSets = policy.permissionSets.filter(setGoes);
    if (removedProfiles.length || removedSets.length)
      changes.push({
        policy,
        profiles: policy.profiles.filter((p) => !removedProfiles.includes(p)),
        permissionSets: policy.permissionSets.filter((s) => !removedSets.includes(s)),
      });
  }
  return { entries, changes };
}
