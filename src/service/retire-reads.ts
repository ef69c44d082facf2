import { type SObjectRecord, soqlList, soqlQuote } from './org-client.js';
import type { Reads } from './inspection.js';
import { pslFilter, userLicenseQuery } from './licenses.js';
import { assigneeFilter, isUserId } from './user-filters.js';

/**
 * What retire reads, in two round trips: first the user and everything it holds (assignments, PSL assignments,
 * OAuth tokens), the seats, and the apps; then, by the Ids the first answer gave, which apps list the sets it
 * holds (its profile's own set among them) and how many other active users hold each of those sets (one
 * aggregate row a set, whatever the number of users).
 */

export type RetireKey = 'user' | 'assignments' | 'pslas' | 'tokens' | 'license' | 'psl' | 'connectedApps' | 'ecas';
export type RetireAccessKey = 'appAccess' | 'holders';

export function retireReads(user: string): Reads<RetireKey> {
  const tokenUser = isUserId(user) ? `UserId = ${soqlQuote(user)}` : `User.Username = ${soqlQuote(user)}`;
  return {
    queries: {
      user: `SELECT Id, Username, Name, IsActive, LastLoginDate, Profile.Name, Profile.UserLicense.Name FROM User WHERE ${isUserId(user) ? 'Id' : 'Username'} = ${soqlQuote(user)}`,
      assignments: `SELECT Id, PermissionSetId, PermissionSet.Name, PermissionSet.Description, PermissionSet.IsOwnedByProfile, PermissionSet.Profile.Name, PermissionSetGroupId, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE ${assigneeFilter(user)}`,
      pslas: `SELECT Id, PermissionSetLicense.DeveloperName FROM PermissionSetLicenseAssign WHERE ${assigneeFilter(user)}`,
      // OauthToken's Id is null (object reference): its DeleteToken is what revokes it.
      tokens: `SELECT AppName, DeleteToken, LastUsedDate FROM OauthToken WHERE ${tokenUser}`,
      license: userLicenseQuery(),
      psl: `SELECT Id, DeveloperName, TotalLicenses, UsedLicenses FROM PermissionSetLicense WHERE ${pslFilter()}`,
      connectedApps: 'SELECT Id, Name FROM ConnectedApplication',
      ecas: 'SELECT Id, MasterLabel FROM ExternalClientApplication',
    },
    // ExternalClientApplication is "for internal use only" and not served everywhere.
    optional: ['ecas'],
  };
}

export function retireAccessReads(userId: string, setIds: readonly string[]): Reads<RetireAccessKey> {
  const sets = soqlList([...setIds]);
  return {
    queries: {
      appAccess: setIds.length
        ? `SELECT Id, ParentId, SetupEntityId FROM SetupEntityAccess WHERE ParentId IN ${sets} AND SetupEntityType IN ('ConnectedApplication', 'ExternalClientApplication')`
        : undefined,
      holders: setIds.length
        ? `SELECT PermissionSetId, COUNT(Id) holders FROM PermissionSetAssignment WHERE PermissionSetId IN ${sets} AND AssigneeId != ${soqlQuote(userId)} AND Assignee.IsActive = true GROUP BY PermissionSetId`
        : undefined,
    },
  };
}

/** The label an app shows (ConnectedApplication.Name holds the label; an External Client App's MasterLabel). */
export function appLabels(connectedApps: SObjectRecord[], ecas: SObjectRecord[]): Map<string, string> {
  return new Map([
    ...connectedApps.map((a): [string, string] => [a.Id, String(a.Name)]),
    ...ecas.map((a): [string, string] => [a.Id, String(a.MasterLabel)]),
  ]);
}
