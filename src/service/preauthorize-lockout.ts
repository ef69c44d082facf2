import { OrgClient, SObjectRecord, soqlList, soqlQuote } from './org-client.js';

// The lock-out guard: switching an app to admin-approved shuts out whoever uses it and isn't on its new lists.

/** Users who have tokens for the app (OauthToken.AppName is the app's label) but aren't on the new lists: admin-approved would lock them out. */
export async function usersLockedOut(
  client: OrgClient,
  label: string,
  profiles: string[],
  permissionSets: string[]
): Promise<string[]> {
  const tokens = await client.query(
    `SELECT UserId, User.Username, User.Profile.Name FROM OauthToken WHERE AppName = ${soqlQuote(label)}`
  );
  const userIds = [...new Set(tokens.map((t) => String(t.UserId)))];
  const holders = permissionSets.length
    ? await client.queryByIds(
        userIds,
        (idList) =>
          `SELECT AssigneeId FROM PermissionSetAssignment WHERE AssigneeId IN ${idList} AND PermissionSet.Name IN ${soqlList(permissionSets)}`
      )
    : [];
  const covered = new Set(holders.map((h) => String(h.AssigneeId)));
  const locked = tokens.filter((t) => {
    const user = t.User as SObjectRecord | null;
    const profile = String((user?.Profile as SObjectRecord | null)?.Name);
    return !profiles.includes(profile) && !covered.has(String(t.UserId));
  });
  return [...new Set(locked.map((t) => String((t.User as SObjectRecord | null)?.Username)))].sort();
}
