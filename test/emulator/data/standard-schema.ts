// Every standard object the emulator knows, with the fields the plugin and sf touch: the objects' definitions
// live by topic in org-objects.ts, permission-objects.ts, data-objects.ts and app-objects.ts; this puts them in
// the schema in a fixed order (describe and EntityDefinition list them in it) and links parents to children.

import { account, caseObject, contact, entityDefinition, entityParticle, opportunity } from './data-objects.js';
import {
  connectedApplication,
  externalClientApplication,
  extlClntAppOauthPlcyCnfg,
  oauthToken,
  setupEntityAccess,
} from './app-objects.js';
import {
  loginHistory,
  organization,
  permissionSetLicense,
  profile,
  sandboxProcess,
  user,
  userLicense,
} from './org-objects.js';
import {
  fieldPermissions,
  mutingPermissionSet,
  objectPermissions,
  permissionSet,
  permissionSetAssignment,
  permissionSetGroup,
  permissionSetGroupComponent,
  permissionSetLicenseAssign,
} from './permission-objects.js';
import { Schema } from './schema.js';

/** Child relationships used by parent-child subqueries: parent, relationship name, child object, child field. */
const CHILD_RELATIONSHIPS: Array<[string, string, string, string]> = [
  ['User', 'PermissionSetAssignments', 'PermissionSetAssignment', 'AssigneeId'],
  ['User', 'PermissionSetLicenseAssignments', 'PermissionSetLicenseAssign', 'AssigneeId'],
  ['PermissionSet', 'Assignments', 'PermissionSetAssignment', 'PermissionSetId'],
  ['PermissionSet', 'ObjectPerms', 'ObjectPermissions', 'ParentId'],
  ['PermissionSet', 'FieldPerms', 'FieldPermissions', 'ParentId'],
  ['PermissionSetGroup', 'PermissionSetGroupComponents', 'PermissionSetGroupComponent', 'PermissionSetGroupId'],
  ['PermissionSetGroup', 'Assignments', 'PermissionSetAssignment', 'PermissionSetGroupId'],
  ['PermissionSetLicense', 'PermissionSetLicenseAssignments', 'PermissionSetLicenseAssign', 'PermissionSetLicenseId'],
  ['Profile', 'Users', 'User', 'ProfileId'],
  ['Account', 'Contacts', 'Contact', 'AccountId'],
  ['Account', 'Opportunities', 'Opportunity', 'AccountId'],
  ['Account', 'Cases', 'Case', 'AccountId'],
  ['EntityDefinition', 'Particles', 'EntityParticle', 'EntityDefinitionId'],
  ['PermissionSet', 'SetupEntityAccessItems', 'SetupEntityAccess', 'ParentId'],
  ['User', 'OauthTokens', 'OauthToken', 'UserId'],
];

/** Every standard object the emulator knows; `timeZones` lists User.TimeZoneSidKey's values. */
export function buildStandardSchema(timeZones: () => string[]): Schema {
  const s = new Schema();
  const objects = [
    organization(),
    userLicense(),
    permissionSetLicense(),
    profile(),
    user(timeZones),
    permissionSetLicenseAssign(),
    permissionSet(),
    permissionSetGroup(),
    permissionSetGroupComponent(),
    mutingPermissionSet(),
    permissionSetAssignment(),
    objectPermissions(),
    fieldPermissions(),
    sandboxProcess(),
    account(),
    contact(),
    opportunity(),
    caseObject(),
    entityDefinition(),
    entityParticle(),
    connectedApplication(),
    externalClientApplication(),
    extlClntAppOauthPlcyCnfg(),
    oauthToken(),
    setupEntityAccess(),
    loginHistory(),
  ];
  for (const spec of objects) s.define(spec);
  for (const [parent, relationshipName, childObject, field] of CHILD_RELATIONSHIPS)
    s.addChildRelationship(parent, { relationshipName, childObject, field });
  return s;
}
