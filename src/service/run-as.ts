import { serviceError } from './errors.js';
import { assignPslFix, createUserFix, setActiveFix } from './fixes.js';
import { command, type CommandFix } from './plan.js';
import { assigneeFilter, pslAssignmentQuery, userFilter } from './user-filters.js';
import type { Found, Reads } from './inspection.js';

/**
 * The client credentials flow's execution ("run as") user: Salesforce returns the app's tokens on behalf of this
 * user, who "must have the API Only permission" (Metadata API reference, ExtlClntAppOauthConfigurablePolicies
 * clientCredentialsFlowUser; ConnectedApp oauthClientCredentialUser). The app names the user by Username.
 */

export type RunAsUser = {
  id: string;
  username: string;
  /** Why the user may be the run-as user: on the Salesforce Integration license, or another one with API Only User. */
  basis: 'Salesforce Integration license' | 'API Only User permission';
};

export type RunAsKeys = 'runAsUser' | 'runAsApiOnlySets' | 'runAsPsl';

/** What the checks read, in the caller's inspection: the user, sets granting API Only, the integration PSL. */
export function runAsReads(value: string): Reads<RunAsKeys> {
  return {
    queries: {
      runAsUser: `SELECT Id, Username, IsActive, Profile.Name, Profile.UserLicense.Name, Profile.PermissionsApiUserOnly FROM User WHERE ${userFilter(value)}`,
      runAsApiOnlySets: `SELECT Id FROM PermissionSetAssignment WHERE ${assigneeFilter(value)} AND PermissionSet.PermissionsApiUserOnly = true`,
      runAsPsl: pslAssignmentQuery(value),
    },
  };
}

/**
 * The checks before any write: the user exists, is active, is on the Salesforce Integration license or at least
 * has API Only User (through its profile or a set), and, on that license, holds the Salesforce API Integration PSL.
 */
export function checkRunAsUser(found: Found<RunAsKeys>, value: string): RunAsUser {
  const user = found.runAsUser[0];
  if (!user) throw serviceError('UserNotFound', [value], [createUserFix()]);
  const username = String(user.Username);
  if (user.IsActive !== true) throw serviceError('UserInactive', [username], [setActiveFix(user.Id, true)]);
  const profile = (user.Profile ?? {}) as {
    Name?: string;
    PermissionsApiUserOnly?: boolean;
    UserLicense?: { Name?: string } | null;
  };
  const license = String(profile.UserLicense?.Name ?? '');
  const integration = license === 'Salesforce Integration';
  const apiOnly = profile.PermissionsApiUserOnly === true || found.runAsApiOnlySets.length > 0;
  if (!integration && !apiOnly)
    throw serviceError('RunAsNotApiOnly', [username, license, String(profile.Name ?? '')], [createUserFix()]);
  if (integration && !found.runAsPsl.length)
    throw serviceError('RunAsPslMissing', [username], [assignPslFix(username)]);
  return {
    id: user.Id,
    username,
    basis: integration ? 'Salesforce Integration license' : 'API Only User permission',
  };
}

/** The preauthorize command that makes `app` run as `username` (the checklist's and errors' fix). */
export const runAsFix = (app: string, username: string): CommandFix =>
  command('integration-user preauthorize', { app, 'run-as': username });
