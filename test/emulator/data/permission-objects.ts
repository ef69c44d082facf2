// Standard objects of permissions: permission sets, groups and their components, muting sets, the two
// assignment objects, and object and field permissions. Each function is one object's definition
// (schema.ts ObjectSpec); standard-schema.ts puts them in the org in order.

import { FieldSpec, ObjectSpec, createOnly, ro } from './schema.js';
import { userPermissionFields } from './user-permissions.js';

export function permissionSetLicenseAssign(): ObjectSpec {
  return {
    name: 'PermissionSetLicenseAssign',
    label: 'Permission Set License Assignment',
    keyPrefix: '2LA',
    updateable: false,
    fields: [
      {
        name: 'AssigneeId',
        type: 'reference',
        referenceTo: ['User'],
        relationshipName: 'Assignee',
        required: true,
        ...createOnly,
        label: 'Assignee ID',
      },
      {
        name: 'PermissionSetLicenseId',
        type: 'reference',
        referenceTo: ['PermissionSetLicense'],
        relationshipName: 'PermissionSetLicense',
        required: true,
        ...createOnly,
        label: 'Permission Set License ID',
      },
    ],
  };
}

export function permissionSet(): ObjectSpec {
  return {
    name: 'PermissionSet',
    label: 'Permission Set',
    keyPrefix: '0PS',
    fields: [
      { name: 'Name', type: 'string', required: true, length: 80 },
      { name: 'Label', type: 'string', required: true, length: 80 },
      { name: 'Description', type: 'textarea', length: 255 },
      {
        name: 'LicenseId',
        type: 'reference',
        referenceTo: ['UserLicense', 'PermissionSetLicense'],
        relationshipName: 'License',
        ...createOnly,
        label: 'License ID',
      },
      {
        name: 'ProfileId',
        type: 'reference',
        referenceTo: ['Profile'],
        relationshipName: 'Profile',
        ...ro,
        label: 'Profile ID',
      },
      { name: 'IsOwnedByProfile', type: 'boolean', ...ro },
      { name: 'IsCustom', type: 'boolean', ...ro },
      {
        name: 'PermissionSetGroupId',
        type: 'reference',
        referenceTo: ['PermissionSetGroup'],
        relationshipName: 'PermissionSetGroup',
        ...ro,
      },
      { name: 'Type', type: 'picklist', ...ro },
      { name: 'NamespacePrefix', type: 'string', ...ro },
      { name: 'HasActivationRequired', type: 'boolean' },
      ...userPermissionFields(),
    ],
  };
}

export function permissionSetGroup(): ObjectSpec {
  return {
    name: 'PermissionSetGroup',
    label: 'Permission Set Group',
    keyPrefix: '0PG',
    fields: [
      { name: 'DeveloperName', type: 'string', required: true, length: 80 },
      { name: 'MasterLabel', type: 'string', required: true, length: 80 },
      { name: 'Description', type: 'textarea', length: 255 },
      { name: 'Language', type: 'picklist' },
      // Stored, but read through state.groupStatus(): 'Updating' while a recalculation runs.
      { name: 'Status', type: 'picklist', ...ro },
      { name: 'HasActivationRequired', type: 'boolean' },
      { name: 'NamespacePrefix', type: 'string', ...ro },
    ],
  };
}

export function permissionSetGroupComponent(): ObjectSpec {
  return {
    name: 'PermissionSetGroupComponent',
    label: 'Permission Set Group Component',
    keyPrefix: '0PH',
    updateable: false,
    fields: [
      {
        name: 'PermissionSetGroupId',
        type: 'reference',
        referenceTo: ['PermissionSetGroup'],
        relationshipName: 'PermissionSetGroup',
        required: true,
        ...createOnly,
      },
      {
        name: 'PermissionSetId',
        type: 'reference',
        referenceTo: ['PermissionSet'],
        alsoHolds: ['MutingPermissionSet'],
        relationshipName: 'PermissionSet',
        required: true,
        ...createOnly,
      },
    ],
  };
}

// A group's muting permission set (rules/groups.ts): what it enables is taken out of the group's aggregate set.
// Key prefix 0QM as Jetstream's permission analysis found (jetstreamapp/jetstream pull request 1998).
export function mutingPermissionSet(): ObjectSpec {
  return {
    name: 'MutingPermissionSet',
    label: 'Muting Permission Set',
    keyPrefix: '0QM',
    fields: [
      { name: 'DeveloperName', type: 'string', required: true, length: 80 },
      { name: 'MasterLabel', type: 'string', required: true, length: 80 },
      { name: 'Description', type: 'textarea', length: 255 },
      { name: 'Language', type: 'picklist' },
      { name: 'NamespacePrefix', type: 'string', ...ro },
      ...userPermissionFields(),
    ],
  };
}

export function permissionSetAssignment(): ObjectSpec {
  return {
    name: 'PermissionSetAssignment',
    label: 'Permission Set Assignment',
    keyPrefix: '0Pa',
    fields: [
      {
        name: 'AssigneeId',
        type: 'reference',
        referenceTo: ['User'],
        relationshipName: 'Assignee',
        required: true,
        ...createOnly,
        label: 'Assignee ID',
      },
      {
        name: 'PermissionSetId',
        type: 'reference',
        referenceTo: ['PermissionSet'],
        relationshipName: 'PermissionSet',
        ...createOnly,
        label: 'Permission Set ID',
      },
      {
        name: 'PermissionSetGroupId',
        type: 'reference',
        referenceTo: ['PermissionSetGroup'],
        relationshipName: 'PermissionSetGroup',
        ...createOnly,
        label: 'Permission Set Group ID',
      },
      { name: 'ExpirationDate', type: 'datetime' },
      { name: 'IsActive', type: 'boolean', ...ro },
      { name: 'IsRevoked', type: 'boolean', ...ro },
    ],
  };
}

export function objectPermissions(): ObjectSpec {
  const objectPerms = [
    'PermissionsRead',
    'PermissionsCreate',
    'PermissionsEdit',
    'PermissionsDelete',
    'PermissionsViewAllRecords',
    'PermissionsModifyAllRecords',
    'PermissionsViewAllFields',
  ];
  return {
    name: 'ObjectPermissions',
    label: 'Object Permissions',
    keyPrefix: '110',
    fields: [
      {
        name: 'ParentId',
        type: 'reference',
        referenceTo: ['PermissionSet'],
        alsoHolds: ['MutingPermissionSet'],
        relationshipName: 'Parent',
        required: true,
        ...createOnly,
        label: 'Parent ID',
      },
      { name: 'SobjectType', type: 'picklist', required: true, ...createOnly, label: 'Sobject Type Name' },
      ...objectPerms.map((p): FieldSpec => ({ name: p, type: 'boolean' })),
    ],
  };
}

export function fieldPermissions(): ObjectSpec {
  return {
    name: 'FieldPermissions',
    label: 'Field Permissions',
    keyPrefix: '01k',
    fields: [
      {
        name: 'ParentId',
        type: 'reference',
        referenceTo: ['PermissionSet'],
        alsoHolds: ['MutingPermissionSet'],
        relationshipName: 'Parent',
        required: true,
        ...createOnly,
        label: 'Parent ID',
      },
      { name: 'SobjectType', type: 'picklist', required: true, ...createOnly, label: 'Sobject Type Name' },
      { name: 'Field', type: 'picklist', required: true, ...createOnly, label: 'Field Name' },
      { name: 'PermissionsRead', type: 'boolean' },
      { name: 'PermissionsEdit', type: 'boolean' },
    ],
  };
}
