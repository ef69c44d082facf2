import { Messages, type SfError } from '@salesforce/core';
import { type SObjectRecord, soqlQuote } from './query-reader.js';
import { serviceError } from './errors.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const shared = Messages.loadMessages('plugin-integration-user', 'shared');

/** The free user license; looked up by Name, the only documented key. */
export const INTEGRATION_USER_LICENSE = 'Salesforce Integration';
/** Its standard profile in new orgs, and the deprecated one older orgs may still have. */
export const INTEGRATION_PROFILE = 'Minimum Access - API Only Integrations';
export const LEGACY_INTEGRATION_PROFILE = 'Salesforce API Only System Integrations';
/** The permission set license every integration user needs before standard-object access. */
export const INTEGRATION_PSL = 'SalesforceAPIIntegrationPsl';
export const INTEGRATION_PSL_LABEL = 'Salesforce API Integration';

export type Seats = { total: number; used: number; free: number };

/** How many seats a UserLicense or PermissionSetLicense has left (counts can't be filtered on in SOQL). */
export function seatsOf(license: SObjectRecord, taking = 0): Seats {
  const total = Number(license.TotalLicenses ?? 0);
  const used = Number(license.UsedLicenses ?? 0) + taking;
  return { total, used, free: Math.max(total - used, 0) };
}

export const userLicenseQuery = (): string =>
  `SELECT Id, Name, MasterLabel, Status, TotalLicenses, UsedLicenses FROM UserLicense WHERE Name = ${soqlQuote(INTEGRATION_USER_LICENSE)}`;

/** Profiles on the integration license, plus the one named by --profile wherever it is. */
export function integrationProfilesQuery(override?: string): string {
  const named = override ? ` OR Name = ${soqlQuote(override)}` : '';
  return `SELECT Id, Name, UserLicense.Name FROM Profile WHERE UserLicense.Name = ${soqlQuote(INTEGRATION_USER_LICENSE)}${named} ORDER BY Name`;
}

/** Active users holding integration seats, to name them when none is free. */
export const integrationSeatHoldersQuery = (): string =>
  `SELECT Id, Username FROM User WHERE Profile.UserLicense.Name = ${soqlQuote(INTEGRATION_USER_LICENSE)} AND IsActive = true ORDER BY Username LIMIT 10`;

/** Matches the integration PSL by API name or label, on PermissionSetLicense or through a relationship prefix. */
export const pslFilter = (prefix = ''): string =>
  `(${prefix}DeveloperName = ${soqlQuote(INTEGRATION_PSL)} OR ${prefix}MasterLabel = ${soqlQuote(INTEGRATION_PSL_LABEL)})`;

/**
 * Chooses the profile for a new integration user: the --profile override (which must be on the
 * integration license), else the current standard profile, else the legacy one, else any on the
 * license. Profiles are found through their license because standard names are localized.
 */
export function chooseIntegrationProfile(profiles: SObjectRecord[], override?: string): SObjectRecord | SfError {
  const onLicense = profiles.filter((p) => licenseNameOf(p) === INTEGRATION_USER_LICENSE);
  const names = onLicense.map((p) => `"${String(p.Name)}"`).join(', ') || shared.getMessage('profiles.none');
  if (override) {
    const named = profiles.find((p) => String(p.Name).toLowerCase() === override.toLowerCase());
    if (!named) return serviceError('UnknownProfile', [override], [names]);
    const license = licenseNameOf(named);
    if (license !== INTEGRATION_USER_LICENSE)
      return serviceError('ProfileWrongLicense', [String(named.Name), license ?? 'unknown'], [names]);
    return named;
  }
  const preferred =
    onLicense.find((p) => p.Name === INTEGRATION_PROFILE) ??
    onLicense.find((p) => p.Name === LEGACY_INTEGRATION_PROFILE) ??
    onLicense[0];
  return preferred ?? serviceError('NoIntegrationProfile');
}

function licenseNameOf(profile: SObjectRecord): string | undefined {
  return (profile.UserLicense as SObjectRecord | null)?.Name as string | undefined;
}

/** The license of a user record queried with Profile.Name and Profile.UserLicense.Name. */
export function userLicenseOf(user: SObjectRecord): { profile: string; license: string } {
  const profile = user.Profile as SObjectRecord | null;
  return {
    profile: (profile?.Name as string | undefined) ?? 'unknown',
    license: (profile && licenseNameOf(profile)) ?? 'unknown',
  };
}

/** Who holds the seats of a license, for the error that says none is free. */
export function heldBy(usernames: readonly string[], used?: number): string {
  if (used === 0) return shared.getMessage('seats.noneInUse');
  return usernames.length
    ? shared.getMessage('seats.heldBy', [usernames.join(', ')])
    : shared.getMessage('seats.heldByUnlisted');
}

/** Stands for a seat holder the org doesn't list, in a fix's example. */
export const anUnlistedHolder = (): string => shared.getMessage('seats.unlistedHolder');
