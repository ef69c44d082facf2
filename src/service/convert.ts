import { Messages, type SfError } from '@salesforce/core';
import type { OrgClient, SObjectRecord } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';
import {
  chooseIntegrationProfile,
  INTEGRATION_USER_LICENSE,
  integrationProfilesQuery,
  Seats,
  seatsOf,
  userLicenseOf,
  userLicenseQuery,
} from './licenses.js';
import { assigneeFilter, userQuery } from './user-filters.js';
import { heldAccessQueries, isStandardObject, licenseResolver, NO_LICENSE } from './permissions.js';
import { applyStep, type Step } from './plan.js';
import { inspectOne, type Found, type Reads } from './inspection.js';
import { createUserFix, grantFix, removeAssignmentFix } from './fixes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.convert');

export type ConvertResult = {
  userId: string;
  username: string;
  fromLicense: string;
  fromProfile: string;
  profile: string;
  userLicense: string;
  /** `converted`, `already-integration` (nothing to do), or `would-convert` on a dry run. */
  status: 'converted' | 'already-integration' | 'would-convert';
  dryRun: boolean;
  /** Assignments that don't fit the integration license; the move is blocked while there are any. */
  blockers: Array<{
    name: string;
    type: 'PermissionSet' | 'PermissionSetGroup';
    license: string;
    assignmentId: string;
  }>;
  seats: Seats;
};

/**
 * Moves an existing user onto the integration profile (and so the Salesforce Integration
 * license), for integrations that run on a full license today: one read checks a seat is free and
 * that every permission set and group it holds fits the new license, then one update of its ProfileId.
 */
export async function convertUser(
  client: OrgClient,
  input: ConvertInput,
  options: { dryRun: boolean }
): Promise<ConvertResult> {
  const found = await inspectOne(client, convertReads(input));
  return applyStep(client, planConvert(found, input, options), options);
}

export type ConvertInput = { user: string; profile?: string };
type ConvertKey = 'user' | 'license' | 'profiles' | 'assignments' | 'licenses' | 'psls' | 'setObjects' | 'members';

/** What convert reads, in one round trip: the user, the license and its profiles, and what the user holds. */
export function convertReads(input: ConvertInput): Reads<ConvertKey> {
  return {
    queries: {
      user: userQuery(input.user),
      license: userLicenseQuery(),
      profiles: integrationProfilesQuery(input.profile),
      assignments: `SELECT Id, PermissionSetId, PermissionSet.Name, PermissionSet.LicenseId, PermissionSet.IsOwnedByProfile, PermissionSetGroupId, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE ${assigneeFilter(input.user)}`,
      licenses: 'SELECT Id, Name FROM UserLicense',
      psls: 'SELECT Id, DeveloperName, MasterLabel FROM PermissionSetLicense',
      // What the held sets and groups carry: their members, licenses and standard-object access.
      ...heldAccessQueries(assigneeFilter(input.user)),
    },
  };
}

/**
 * The convert step from the inspection: done when the user is on the integration license already; blocked
 * without a free seat or while it holds assignments that don't fit; else one update of its ProfileId.
 */
export function planConvert(
  found: Found<ConvertKey>,
  input: ConvertInput,
  options: { dryRun: boolean }
): Step<ConvertResult> {
  const user = found.user[0];
  if (!user) throw serviceError('UserNotFound', [input.user], [createUserFix()]);
  const license = found.license[0];
  if (!license) throw serviceError('NoIntegrationLicense');
  const { profile: fromProfile, license: fromLicense } = userLicenseOf(user);
  const result: ConvertResult = {
    userId: user.Id,
    username: String(user.Username),
    fromLicense,
    fromProfile,
    profile: fromProfile,
    userLicense: fromLicense,
    status: 'would-convert',
    dryRun: options.dryRun,
    blockers: [],
    seats: seatsOf(license),
  };
  if (fromLicense === INTEGRATION_USER_LICENSE) {
    result.status = 'already-integration';
    return { step: 'convert', status: 'done', message: result.status, writes: [], result };
  }
  const profile = chooseIntegrationProfile(found.profiles, input.profile);
  const { members } = found;

  // A License None set with standard-object access needs the PSL, which only an integration user can get: it must go before the move.
  // A group's assignment names its aggregate set, whose rows are the group's access after muting.
  const standardObjectSets = new Set(
    found.setObjects.filter((r) => isStandardObject(String(r.SobjectType))).map((r) => String(r.ParentId))
  );
  const resolve = licenseResolver(found.licenses, found.psls);
  const licenseOf = (licenseId: unknown, setId?: unknown): { fits: boolean; name: string } => {
    if (typeof licenseId !== 'string' || !licenseId)
      return standardObjectSets.has(String(setId))
        ? { fits: false, name: messages.getMessage('blocker.needsPsl', [NO_LICENSE]) }
        : { fits: true, name: NO_LICENSE };
    const { fit, name } = resolve(licenseId);
    return { fits: fit !== 'other', name };
  };
  for (const a of found.assignments) {
    const set = a.PermissionSet as SObjectRecord | null;
    if (a.PermissionSetGroupId) {
      // Each member's license (a muting set, with a null PermissionSet, has none), then what the group grants.
      const misfit = members
        .filter((m) => m.PermissionSetGroupId === a.PermissionSetGroupId && m.PermissionSet)
        .map((m) => licenseOf((m.PermissionSet as SObjectRecord).LicenseId))
        .find((fit) => !fit.fits);
      const license = misfit ?? licenseOf(null, a.PermissionSetId);
      if (!license.fits)
        result.blockers.push({
          name: String((a.PermissionSetGroup as SObjectRecord).DeveloperName),
          type: 'PermissionSetGroup',
          license: license.name,
          assignmentId: a.Id,
        });
    } else if (set && set.IsOwnedByProfile !== true) {
      const fit = licenseOf(set.LicenseId, a.PermissionSetId);
      if (!fit.fits)
        result.blockers.push({ name: String(set.Name), type: 'PermissionSet', license: fit.name, assignmentId: a.Id });
    }
  }

  const blocked = (error: SfError): Step<ConvertResult> => ({
    step: 'convert',
    status: 'blocked',
    message: error.message,
    writes: [],
    error,
    result,
  });
  if (profile instanceof Error) return blocked(profile);
  if (user.IsActive === true && result.seats.free < 1)
    return blocked(serviceError('ConvertNoSeat', [result.seats.total]));
  if (result.blockers.length) {
    const list = result.blockers
      .map((b) =>
        messages.getMessage(b.type === 'PermissionSet' ? 'blocker.set' : 'blocker.group', [b.name, b.license])
      )
      .join(', ');
    const removals = result.blockers.map((b) => removeAssignmentFix(b.assignmentId));
    return blocked(serviceError('ConvertBlocked', [result.username, list], [removals, grantFix(result.username)]));
  }
  result.profile = String(profile.Name);
  result.userLicense = INTEGRATION_USER_LICENSE;
  return {
    step: 'convert',
    status: 'todo',
    message: result.status,
    writes: [
      {
        kind: 'data',
        referenceId: 'user',
        method: 'PATCH',
        url: `/sobjects/User/${user.Id}`,
        body: { ProfileId: profile.Id },
      },
    ],
    consumes: { userSeats: user.IsActive === true ? 1 : 0 },
    result,
    written: () =>
      Object.assign(result, { status: 'converted', seats: seatsOf(license, user.IsActive === true ? 1 : 0) }),
    explain: (error) =>
      Promise.resolve(
        error instanceof SalesforceApiError && error.errorCode === 'FIELD_INTEGRITY_EXCEPTION'
          ? convertRefused(error, result.username)
          : (error as Error)
      ),
  };
}

/** Salesforce may refuse license changes outright; then a new user is the way. */
function convertRefused(error: SalesforceApiError, username: string): SfError {
  return serviceError('ConvertRefused', [username, error.salesforceMessage], [createUserFix()]);
}
