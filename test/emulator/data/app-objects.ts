// Standard objects of apps (object reference: ConnectedApplication, SetupEntityAccess, OauthToken; ECA objects): connected apps, External Client Apps and their OAuth policy, OAuth
// tokens, and SetupEntityAccess (the grants). Rows come from the seed, the Metadata API and the token endpoint
// (metadata/, oauth/); ExternalClientApplication's endpoints follow behaviour ecaQueryEndpoints (state.ts).
// Each function is one object's definition (schema.ts ObjectSpec); standard-schema.ts puts them in the org in order.

import { ObjectSpec, createOnly, readOnly, ro } from './schema.js';

export function connectedApplication(): ObjectSpec {
  return {
    name: 'ConnectedApplication',
    label: 'Connected App',
    keyPrefix: '0H4',
    ...readOnly,
    fields: [
      // #11 item 2: Name is the app's label ("Connected App Name"; redpanda-data/connect setup.sh finds API name
      // RedpandaConnect by Name='Redpanda Connect'). No DeveloperName and no MasterLabel (field reference): the API name
      // lives only in the Metadata API (ConnectedApp fullName), kept in the hidden _fullName.
      { name: 'Name', type: 'string', ...ro, label: 'Connected App Name' },
      {
        name: 'OptionsAllowAdminApprovedUsersOnly',
        type: 'boolean',
        ...ro,
        label: 'Admin Approved Users Are Pre-Authorized',
      },
    ],
  };
}

export function externalClientApplication(): ObjectSpec {
  return {
    name: 'ExternalClientApplication',
    label: 'External Client Application',
    keyPrefix: '0xI',
    ...readOnly,
    fields: [
      { name: 'DeveloperName', type: 'string', ...ro },
      { name: 'MasterLabel', type: 'string', ...ro },
      { name: 'DistributionState', type: 'picklist', ...ro },
      { name: 'OrgScopedExternalApp', type: 'string', ...ro },
      { name: 'ContactEmail', type: 'email', ...ro },
      { name: 'Description', type: 'textarea', ...ro },
      { name: 'NamespacePrefix', type: 'string', ...ro },
    ],
  };
}

export function extlClntAppOauthPlcyCnfg(): ObjectSpec {
  return {
    name: 'ExtlClntAppOauthPlcyCnfg',
    label: 'External Client App OAuth Policy Config',
    keyPrefix: '0xP',
    ...readOnly,
    fields: [
      {
        name: 'ExternalClientApplicationId',
        type: 'reference',
        referenceTo: ['ExternalClientApplication'],
        relationshipName: 'ExternalClientApplication',
        ...ro,
        label: 'External Client Application ID',
      },
      { name: 'DeveloperName', type: 'string', ...ro },
      { name: 'MasterLabel', type: 'string', ...ro },
      { name: 'PermittedUsersPolicyType', type: 'picklist', ...ro },
      { name: 'IpRelaxationPolicyType', type: 'picklist', ...ro },
      { name: 'RefreshTokenPolicyType', type: 'picklist', ...ro },
      { name: 'RefreshTokenValidityPeriod', type: 'int', ...ro },
      { name: 'RefreshTokenValidityUnit', type: 'picklist', ...ro },
      { name: 'RequiredSessionLevel', type: 'picklist', ...ro },
      { name: 'SessionTimeoutInMinutes', type: 'int', ...ro },
      { name: 'IsClientCredentialsFlowEnabled', type: 'boolean', ...ro },
      { name: 'IsTokenExchangeFlowEnabled', type: 'boolean', ...ro },
      { name: 'IsGuestCodeCredFlowEnabled', type: 'boolean', ...ro },
      { name: 'ClientCredentialsFlowUser', type: 'string', ...ro },
    ],
  };
}

export function oauthToken(): ObjectSpec {
  return {
    name: 'OauthToken',
    label: 'OAuth Token',
    keyPrefix: '0CQ',
    ...readOnly,
    endpoints: { data: true, tooling: false },
    audit: false,
    fields: [
      { name: 'AppName', type: 'string', ...ro, label: 'Application Name' },
      { name: 'UserId', type: 'reference', referenceTo: ['User'], relationshipName: 'User', ...ro, label: 'User ID' },
      { name: 'LastUsedDate', type: 'datetime', ...ro, label: 'Last Used Date' },
      { name: 'UseCount', type: 'int', ...ro, label: 'Use Count' },
      { name: 'CreatedDate', type: 'datetime', ...ro, label: 'Created Date' },
      // "To delete an AccessToken, send a request to the revoke OAuth token endpoint with the DeleteToken as the
      // parameter" (object reference, OauthToken): the row itself can't be deleted through the API (query only).
      { name: 'DeleteToken', type: 'string', ...ro, computed: true, label: 'Delete Token' },
    ],
  };
}

export function setupEntityAccess(): ObjectSpec {
  return {
    name: 'SetupEntityAccess',
    label: 'Setup Entity Access',
    keyPrefix: '0J0',
    updateable: false,
    fields: [
      {
        name: 'ParentId',
        type: 'reference',
        referenceTo: ['PermissionSet'],
        relationshipName: 'Parent',
        required: true,
        ...createOnly,
        label: 'Parent ID',
      },
      {
        name: 'SetupEntityId',
        type: 'reference',
        referenceTo: ['ConnectedApplication', 'ExternalClientApplication'],
        required: true,
        ...createOnly,
        label: 'Setup Entity ID',
      },
      // Derived from SetupEntityId's key prefix; never createable (SetupEntityAccess object reference).
      { name: 'SetupEntityType', type: 'picklist', ...ro, label: 'Setup Entity Type' },
    ],
  };
}
