import { soqlList } from './org-client.js';
import { assigneeFilter, ORG_QUERY, pslAssignmentQuery, userQuery } from './user-filters.js';
import {
  corePowerColumns,
  heldAccessQueries,
  OPTIONAL_POWER_KEYS,
  optionalPowerQueries,
  type OptionalPowerKey,
} from './permissions.js';
import { CONNECTED_APP_ROWS } from './app-lookup.js';
import type { Reads } from './inspection.js';

// What verify reads from the org for its checks (verify.ts), as one inspection.

/**
 * What verify reads, in one round trip: the user, its PSL and assignments, what its sets hold (reached through
 * its assignments by semi-joins), the licenses, the org, and with --app the app's access rows under its sets.
 */
export type VerifyKey =
  | 'user'
  | 'psl'
  | 'assignments'
  | 'licenses'
  | 'org'
  | 'psls'
  | 'setFields'
  | 'setObjects'
  | 'members'
  | 'connectedApps'
  | 'appAccess'
  | 'memberAppAccess'
  | OptionalPowerKey;

export function verifyReads(input: { user: string; app?: string; objects: string[] }): Reads<VerifyKey> {
  const assignee = assigneeFilter(input.user);
  const heldSets = `(SELECT PermissionSetId FROM PermissionSetAssignment WHERE ${assignee})`;
  return {
    queries: {
      user: userQuery(input.user),
      psl: pslAssignmentQuery(input.user),
      assignments: `SELECT Id, PermissionSetId, PermissionSetGroupId, PermissionSet.Name, PermissionSet.LicenseId, PermissionSet.IsOwnedByProfile, PermissionSetGroup.DeveloperName, ${corePowerColumns('PermissionSet.')} FROM PermissionSetAssignment WHERE ${assignee}`,
      licenses: 'SELECT Id, Name FROM UserLicense',
      // The org's Id (who the JWT login must land in) and kind (which audience it signs).
      org: ORG_QUERY,
      psls: 'SELECT Id, DeveloperName, MasterLabel FROM PermissionSetLicense',
      setFields: input.objects.length
        ? `SELECT ParentId, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE ParentId IN ${heldSets} AND SobjectType IN ${soqlList(input.objects)}`
        : undefined,
      ...heldAccessQueries(assignee),
      ...optionalPowerQueries(`Id IN ${heldSets}`),
      connectedApps: input.app ? CONNECTED_APP_ROWS : undefined,
      appAccess: input.app
        ? `SELECT ParentId, SetupEntityId FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication' AND ParentId IN ${heldSets}`
        : undefined,
      // A group's member sets pre-authorize its holders too; SOQL nests no semi-joins, so every group member's rows are read and kept by Id.
      memberAppAccess: input.app
        ? "SELECT ParentId, SetupEntityId FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication' AND ParentId IN (SELECT PermissionSetId FROM PermissionSetGroupComponent)"
        : undefined,
    },
    optional: OPTIONAL_POWER_KEYS,
  };
}
