import { OrgClient, SObjectRecord, soqlQuote } from './org-client.js';
import { errorWords, serviceError, type ServiceError } from './errors.js';
import { command, type Fix } from './plan.js';

// The lock-out guard: switching an app to admin-approved shuts out whoever uses it and isn't on its new lists.

/** Who a switch to admin-approved locks out, and what could keep them. */
export type LockOut = {
  /** Users with tokens for the app whom the new lists don't cover. */
  users: string[];
  /**
   * Permission sets they hold that the app's list can take (License "--None--", not a profile's or a group's own):
   * listed with --permission-set, these keep every one of them who holds one (fewest sets first).
   */
  keepingSets: string[];
  /** Those of them who hold no such set: only a set assigned to them first could keep them. */
  noSetKeeps: string[];
};

/**
 * Users who have tokens for the app (OauthToken.AppName is the app's label) but aren't on the new lists, and the
 * sets that could keep them: one query of the tokens, one of the token users' permission set assignments (only
 * when there are tokens; paged by Id, 256 a query, like every Id list).
 */
export async function usersLockedOut(
  client: OrgClient,
  label: string,
  profiles: string[],
  permissionSets: string[]
): Promise<LockOut> {
  const tokens = await client.query(
    `SELECT UserId, User.Username, User.Profile.Name FROM OauthToken WHERE AppName = ${soqlQuote(label)}`
  );
  const userIds = [...new Set(tokens.map((t) => String(t.UserId)))];
  const assignments = userIds.length
    ? await client.queryByIds(
        userIds,
        (idList) =>
          `SELECT AssigneeId, PermissionSet.Name, PermissionSet.LicenseId, PermissionSet.PermissionSetGroupId FROM PermissionSetAssignment WHERE AssigneeId IN ${idList} AND PermissionSet.IsOwnedByProfile = false`
      )
    : [];
  const setOf = (a: SObjectRecord): Partial<SObjectRecord> => (a.PermissionSet as SObjectRecord | null) ?? {};
  const covered = new Set(
    assignments.filter((a) => permissionSets.includes(String(setOf(a).Name))).map((a) => String(a.AssigneeId))
  );
  const locked = new Map<string, string>();
  for (const t of tokens) {
    const user = t.User as SObjectRecord | null;
    const profile = String((user?.Profile as SObjectRecord | null)?.Name);
    if (!profiles.includes(profile) && !covered.has(String(t.UserId)))
      locked.set(String(t.UserId), String(user?.Username));
  }
  // The sets each locked-out user holds that an integration app's list can take (preauthorize refuses the others).
  const listable = new Map<string, Set<string>>();
  for (const a of assignments) {
    const set = setOf(a);
    if (!locked.has(String(a.AssigneeId)) || set.LicenseId || set.PermissionSetGroupId) continue;
    const holders = listable.get(String(set.Name)) ?? new Set<string>();
    listable.set(String(set.Name), holders.add(String(a.AssigneeId)));
  }
  const keepingSets: string[] = [];
  const left = new Set([...locked.keys()].filter((id) => [...listable.values()].some((h) => h.has(id))));
  // Greedy cover: the set that keeps the most users still locked out, then the next.
  while (left.size) {
    const [best] = [...listable.entries()]
      .map(([name, holders]) => [name, [...holders].filter((id) => left.has(id)).length] as const)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    keepingSets.push(best[0]);
    for (const id of listable.get(best[0]) ?? []) left.delete(id);
  }
  const kept = new Set([...listable.values()].flatMap((h) => [...h]));
  return {
    users: [...new Set(locked.values())].sort(),
    keepingSets: keepingSets.sort(),
    noSetKeeps: [...new Set([...locked].filter(([id]) => !kept.has(id)).map(([, name]) => name))].sort(),
  };
}

/**
 * The refusal of a switch that locks users out, with fixes that work: list sets they hold (their profiles are
 * full-license ones, which preauthorize refuses), or assign them one first; or --no-prompt, and what it costs.
 */
export function lockoutError(
  app: string,
  lockOut: LockOut,
  flags: { profile?: string; permissionSets: string[]; username?: string }
): ServiceError {
  const users = lockOut.users.join(', ');
  const keep: Fix = lockOut.keepingSets.length
    ? command('integration-user preauthorize', {
        app,
        profile: flags.profile,
        'permission-set': [...flags.permissionSets, ...lockOut.keepingSets],
        username: flags.username,
      })
    : { kind: 'text', message: errorWords('reason.assignSetFirst') };
  const noSet = !lockOut.noSetKeeps.length
    ? ''
    : lockOut.keepingSets.length
      ? ` ${errorWords('reason.noSetKeepsSome', [lockOut.noSetKeeps.join(', ')])}`
      : ` ${errorWords('reason.noSetKeepsAny')}`;
  return serviceError('LockoutConfirmationRequired', [app, users, noSet], [keep, users]);
}
