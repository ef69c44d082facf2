// What a seed leaves out gets: the integration license, its PSL and profile, the default licenses and
// profiles, the admin's token, an app's label. A list the seed gives replaces its default list.

import { createHash } from 'node:crypto';
import type { SeedPermissionSetLicense, SeedProfile, SeedUserLicense } from './types.js';

export const INTEGRATION_LICENSE = 'Salesforce Integration';
export const INTEGRATION_PSL = 'SalesforceAPIIntegrationPsl';
export const INTEGRATION_PROFILE = 'Minimum Access - API Only Integrations';
/** What both standard integration profiles carry (Help, "Give Integration Users API Only Access"); a seeded standard profile on that license gets them by default. */
export const INTEGRATION_PROFILE_PERMISSIONS = ['ApiEnabled', 'ApiUserOnly', 'ChatterInternalUser'] as const;

/** The user licenses of a seed without `userLicenses`. */
export function defaultUserLicenses(): SeedUserLicense[] {
  return [
    { name: INTEGRATION_LICENSE, total: 5, used: 0 },
    { name: 'Salesforce', total: 10, used: 0 },
  ];
}

/** The PSLs of a seed without `permissionSetLicenses`: an edition without the integration user license lacks its PSL too. */
export function defaultPermissionSetLicenses(licenseNames: Set<string>): SeedPermissionSetLicense[] {
  return licenseNames.has(INTEGRATION_LICENSE.toLowerCase())
    ? [{ developerName: INTEGRATION_PSL, label: 'Salesforce API Integration', total: 5, used: 0 }]
    : [];
}

/** The profiles of a seed without `profiles`: the standard ones whose user license the seed has. */
export function defaultProfiles(licenseNames: Set<string>): SeedProfile[] {
  return [
    {
      name: INTEGRATION_PROFILE,
      license: INTEGRATION_LICENSE,
      userPermissions: [...INTEGRATION_PROFILE_PERMISSIONS],
    },
    {
      name: 'System Administrator',
      license: 'Salesforce',
      userPermissions: [
        'ApiEnabled',
        'ViewSetup',
        'ModifyAllData',
        'ViewAllData',
        'ManageUsers',
        'AssignPermissionSets',
        'CustomizeApplication',
        'AuthorApex',
        'RunFlow',
        'ManageProfilesPermissionsets',
      ],
    },
    { name: 'Standard User', license: 'Salesforce', userPermissions: ['ApiEnabled', 'RunFlow'] },
  ].filter((p) => licenseNames.has(p.license.toLowerCase()));
}

/**
 * The label a seeded app without one gets: its API name in words (`Acme_Sync` becomes "Acme Sync",
 * `RedpandaConnect` "Redpanda Connect"), never the API name itself, as in real orgs, where
 * ConnectedApplication.Name and OauthToken.AppName hold the label (#11 item 2).
 */
export function labelFor(apiName: string): string {
  const words = apiName
    .replace(/_+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim();
  return words === apiName ? `${apiName} App` : words;
}

/** The seeded admin's access token: `<org id>!AQ0...`, the shape sf recognises tokens by. */
export function tokenFor(orgId: string, username: string): string {
  const digest = createHash('sha256')
    .update(`${orgId}/${username}`)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '');
  return `${orgId}!AQ0${digest.slice(0, 40)}`;
}
