// The org's rules per sObject (each module names its sources): seats, licenses, duplicates, the PSL-first rule, permission
// dependencies, each object's in its module. Unsettled answers come from the seed's `behaviour` switches.
// dml.ts runs them around every insert, update and delete made through the API.

import { setupEntityAccessRules } from './app-rules.js';
import { psaRules, pslaRules } from './assignments.js';
import { fieldPermissionRules, objectPermissionRules } from './object-permissions.js';
import type { ObjectRules } from './object-rules.js';
import { groupComponentRules, groupRules, permissionSetRules } from './permission-sets.js';
import { profileRules, userRules } from './users.js';

export { errorFromSpec, type ObjectRules, type RuleContext } from './object-rules.js';

export const RULES: Record<string, ObjectRules> = {
  User: userRules,
  Profile: profileRules,
  PermissionSetLicenseAssign: pslaRules,
  PermissionSetAssignment: psaRules,
  PermissionSet: permissionSetRules,
  PermissionSetGroup: groupRules,
  PermissionSetGroupComponent: groupComponentRules,
  ObjectPermissions: objectPermissionRules,
  FieldPermissions: fieldPermissionRules,
  SetupEntityAccess: setupEntityAccessRules,
};
