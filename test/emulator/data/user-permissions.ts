// User permissions: the Permissions<Name> boolean columns of PermissionSet, Profile and MutingPermissionSet, and
// their labels as Salesforce names them in error texts and describe.

import type { FieldSpec } from './schema.js';

// User permission names given in seeds become Permissions<Name> booleans on PermissionSet and Profile.
export const COMMON_USER_PERMISSIONS = [
  'ApiEnabled',
  'ApiUserOnly',
  'ViewSetup',
  'ModifyAllData',
  'ViewAllData',
  'ManageUsers',
  'AssignPermissionSets',
  'CustomizeApplication',
  'AuthorApex',
  'RunFlow',
  'ChatterInternalUser',
  'UseAnyApiClient',
  'ViewAllUsers',
  'ManageInternalUsers',
  'ManageProfilesPermissionsets',
];

/** Salesforce's labels for COMMON_USER_PERMISSIONS, as error texts and describe name them. */
const USER_PERMISSION_LABELS: Record<string, string> = {
  ApiEnabled: 'API Enabled',
  ApiUserOnly: 'API Only User',
  ViewSetup: 'View Setup and Configuration',
  ModifyAllData: 'Modify All Data',
  ViewAllData: 'View All Data',
  ManageUsers: 'Manage Users',
  AssignPermissionSets: 'Assign Permission Sets',
  CustomizeApplication: 'Customize Application',
  AuthorApex: 'Author Apex',
  RunFlow: 'Run Flows',
  ChatterInternalUser: 'Chatter Internal User',
  UseAnyApiClient: 'Use Any API Client',
  ViewAllUsers: 'View All Users',
  ManageInternalUsers: 'Manage Internal Users',
  ManageProfilesPermissionsets: 'Manage Profiles and Permission Sets',
};

/** 'ModifyAllData' (or 'PermissionsModifyAllData') -> 'Modify All Data'; names outside the table are split into words. */
export function userPermissionLabel(name: string): string {
  const bare = name.replace(/^Permissions/, '');
  const known = Object.keys(USER_PERMISSION_LABELS).find((k) => k.toLowerCase() === bare.toLowerCase());
  return known
    ? USER_PERMISSION_LABELS[known]
    : bare.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
}

/** The Permissions<Name> columns every permission-carrying object has (a seed can add others). */
export function userPermissionFields(): FieldSpec[] {
  return COMMON_USER_PERMISSIONS.map((p): FieldSpec => ({
    name: `Permissions${p}`,
    type: 'boolean',
    label: userPermissionLabel(p),
  }));
}
