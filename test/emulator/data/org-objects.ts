// Standard objects of the org and its users: Organization, the licenses, Profile, User, LoginHistory, and
// SandboxProcess (sf's post-login check). Each function is one object's definition (schema.ts ObjectSpec);
// standard-schema.ts puts them in the org in order.

import { ObjectSpec, createOnly, readOnly, ro } from './schema.js';
import { userPermissionFields } from './user-permissions.js';

export function organization(): ObjectSpec {
  return {
    name: 'Organization',
    keyPrefix: '00D',
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      { name: 'Name', type: 'string', ...ro },
      { name: 'InstanceName', type: 'string', ...ro },
      { name: 'IsSandbox', type: 'boolean', ...ro },
      { name: 'TrialExpirationDate', type: 'datetime', ...ro },
      { name: 'NamespacePrefix', type: 'string', ...ro },
      { name: 'OrganizationType', type: 'picklist', ...ro },
      { name: 'TimeZoneSidKey', type: 'picklist', ...ro },
      { name: 'DefaultLocaleSidKey', type: 'picklist', ...ro },
      { name: 'LanguageLocaleKey', type: 'picklist', ...ro },
      { name: 'Country', type: 'string', ...ro },
      { name: 'PrimaryContact', type: 'string', ...ro },
    ],
  };
}

export function userLicense(): ObjectSpec {
  return {
    name: 'UserLicense',
    label: 'User License',
    keyPrefix: '100',
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      { name: 'Name', type: 'string', ...ro },
      { name: 'MasterLabel', type: 'string', ...ro },
      { name: 'LicenseDefinitionKey', type: 'string', ...ro },
      { name: 'Status', type: 'picklist', ...ro },
      { name: 'TotalLicenses', type: 'int', ...ro },
      { name: 'UsedLicenses', type: 'int', ...ro, computed: true },
      { name: 'UsedLicensesLastUpdated', type: 'datetime', ...ro },
      { name: '_phantom', type: 'int', ...ro },
    ],
  };
}

export function permissionSetLicense(): ObjectSpec {
  return {
    name: 'PermissionSetLicense',
    label: 'Permission Set License',
    keyPrefix: '0PL',
    createable: false,
    updateable: false,
    deletable: false,
    fields: [
      { name: 'DeveloperName', type: 'string', ...ro },
      { name: 'MasterLabel', type: 'string', ...ro },
      { name: 'Language', type: 'picklist', ...ro },
      { name: 'PermissionSetLicenseKey', type: 'string', ...ro },
      { name: 'Status', type: 'picklist', ...ro },
      { name: 'ExpirationDate', type: 'date', ...ro },
      { name: 'TotalLicenses', type: 'int', ...ro },
      { name: 'UsedLicenses', type: 'int', ...ro, computed: true },
      { name: 'IsAvailableForIntegrations', type: 'boolean', ...ro },
      { name: 'MaximumPermissionsApiEnabled', type: 'boolean', ...ro },
      { name: 'MaximumPermissionsRunFlow', type: 'boolean', ...ro },
      { name: '_phantom', type: 'int', ...ro },
      { name: '_compatibleUserLicenses', type: 'string', ...ro },
    ],
  };
}

export function profile(): ObjectSpec {
  return {
    name: 'Profile',
    keyPrefix: '00e',
    deletable: false,
    fields: [
      { name: 'Name', type: 'string', required: true, length: 255 },
      { name: 'Description', type: 'string', length: 255 },
      {
        name: 'UserLicenseId',
        type: 'reference',
        referenceTo: ['UserLicense'],
        relationshipName: 'UserLicense',
        required: true,
        ...createOnly,
        label: 'User License ID',
      },
      { name: 'UserType', type: 'picklist', ...ro },
      ...userPermissionFields(),
      { name: '_custom', type: 'boolean', ...ro },
    ],
  };
}

export function user(timeZones: () => string[]): ObjectSpec {
  return {
    name: 'User',
    keyPrefix: '005',
    deletable: false,
    fields: [
      { name: 'Username', type: 'string', required: true, length: 80 },
      { name: 'LastName', type: 'string', required: true, length: 80, label: 'Last Name' },
      { name: 'FirstName', type: 'string', length: 40, label: 'First Name' },
      { name: 'Name', type: 'string', ...ro, computed: true, label: 'Full Name' },
      { name: 'Email', type: 'email', required: true, length: 128 },
      { name: 'Alias', type: 'string', required: true, length: 8 },
      { name: 'CommunityNickname', type: 'string', length: 40, label: 'Nickname' },
      { name: 'TimeZoneSidKey', type: 'picklist', required: true, label: 'Time Zone', picklistValues: timeZones },
      { name: 'LocaleSidKey', type: 'picklist', required: true, label: 'Locale' },
      { name: 'EmailEncodingKey', type: 'picklist', required: true, label: 'Email Encoding' },
      { name: 'LanguageLocaleKey', type: 'picklist', required: true, label: 'Language' },
      {
        name: 'ProfileId',
        type: 'reference',
        referenceTo: ['Profile'],
        relationshipName: 'Profile',
        required: true,
        label: 'Profile ID',
      },
      { name: 'UserType', type: 'picklist', ...ro, label: 'User Type' },
      { name: 'IsActive', type: 'boolean', label: 'Active' },
      { name: 'FederationIdentifier', type: 'string', length: 512, label: 'SAML Federation ID' },
      { name: 'Title', type: 'string', length: 80 },
      { name: 'Department', type: 'string', length: 80 },
      { name: 'CompanyName', type: 'string', length: 80, label: 'Company Name' },
      { name: 'LastLoginDate', type: 'datetime', ...ro, label: 'Last Login' },
    ],
  };
}

// Tooling-only: sf's post-login sandbox check; always empty here.
export function sandboxProcess(): ObjectSpec {
  return {
    name: 'SandboxProcess',
    keyPrefix: '0GR',
    createable: false,
    updateable: false,
    deletable: false,
    endpoints: { data: false, tooling: true },
    fields: [
      { name: 'SandboxName', type: 'string', ...ro },
      { name: 'SandboxInfoId', type: 'string', ...ro },
      { name: 'SandboxOrganization', type: 'string', ...ro },
      { name: 'Status', type: 'picklist', ...ro },
      { name: 'LicenseType', type: 'picklist', ...ro },
      { name: 'CopyProgress', type: 'int', ...ro },
      { name: 'SourceId', type: 'string', ...ro },
      { name: 'Description', type: 'string', ...ro },
      { name: 'StartDate', type: 'datetime', ...ro },
      { name: 'EndDate', type: 'datetime', ...ro },
    ],
  };
}

/** LoginHistory.LoginType values (the picklist's documented and commonly seen values; seeds must use one). */
export const LOGIN_TYPES = [
  'Application',
  'Remote Access 2.0',
  'Remote Access Client',
  'SAML Sfdc Initiated SSO',
  'SAML Idp Initiated SSO',
  'SAML Chatter Communities External User SSO',
  'Chatter Communities External User',
  'Other Apex API',
  'Partner Product',
  'Sync',
] as const;

// Login history (read-only). UserId has no relationship in real orgs: `User.Name` in a LoginHistory query is
// refused, so the user's fields need a second query. Only the fields the object reference lists as
// filterable can be in WHERE (Status, Application, Browser, Platform, SourceIp, ApiType, ApiVersion can't).
const noFilter = { ...ro, filterable: false };

export function loginHistory(): ObjectSpec {
  return {
    name: 'LoginHistory',
    label: 'Login History',
    keyPrefix: '0Ya',
    ...readOnly,
    endpoints: { data: true, tooling: false },
    audit: false,
    fields: [
      { name: 'UserId', type: 'reference', referenceTo: ['User'], ...ro, label: 'User ID' },
      { name: 'LoginTime', type: 'datetime', ...ro, label: 'Login Time' },
      {
        name: 'LoginType',
        type: 'picklist',
        ...ro,
        label: 'Login Type',
        length: 40,
        picklistValues: () => [...LOGIN_TYPES],
      },
      { name: 'SourceIp', type: 'string', ...noFilter, label: 'Source IP', length: 39 },
      { name: 'LoginUrl', type: 'string', ...ro, label: 'Login URL', length: 255 },
      { name: 'Browser', type: 'string', ...noFilter, length: 64 },
      { name: 'Platform', type: 'string', ...noFilter, length: 64 },
      { name: 'Status', type: 'string', ...noFilter, length: 128 },
      { name: 'Application', type: 'string', ...noFilter, length: 64 },
      { name: 'ApiType', type: 'string', ...noFilter, label: 'API Type', length: 64 },
      { name: 'ApiVersion', type: 'string', ...noFilter, label: 'API Version', length: 32 },
    ],
  };
}
