import type { SfError } from '@salesforce/core';
import { OrgClient, SObjectRecord, soqlQuote } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';
import { applySteps, Step } from './steps.js';

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
  const names = onLicense.map((p) => `"${String(p.Name)}"`).join(', ') || '(none)';
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

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** A --username value is a User Id when it looks like one (prefix 005). */
export function isUserId(value: string): boolean {
  return value.startsWith('005') && SALESFORCE_ID.test(value);
}

export type AssignPslInput = { user: string; targetOrg: string };

export type AssignPslResult = {
  userId: string;
  username: string;
  permissionSetLicense: string;
  /** What this run did: `would-assign` only on a dry run. */
  status: 'assigned' | 'already-assigned' | 'would-assign';
  /** True only when this run inserted the assignment. */
  assigned: boolean;
  dryRun: boolean;
  /** Why nothing was assigned, when nothing was. */
  note?: string;
  seats: Seats;
};

/** A --username value (a username or a User Id) as a SOQL filter on User. */
export const userFilter = (user: string): string => `${isUserId(user) ? 'Id' : 'Username'} = ${soqlQuote(user)}`;

/** The same user as a filter on its assignments (PermissionSetAssignment, PermissionSetLicenseAssign). */
export const assigneeFilter = (user: string): string =>
  `${isUserId(user) ? 'AssigneeId' : 'Assignee.Username'} = ${soqlQuote(user)}`;

/** The user, with every field the steps look at (one query text, so a shared inspection sends it once). */
export function userQuery(user: string): string {
  return `SELECT Id, Username, Name, Alias, Email, IsActive, ProfileId, Profile.Name, Profile.UserLicense.Name FROM User WHERE ${userFilter(user)}`;
}

/** The user's assignment of the integration PSL, if any. */
export function pslAssignmentQuery(user: string): string {
  return `SELECT Id FROM PermissionSetLicenseAssign WHERE ${assigneeFilter(user)} AND ${pslFilter('PermissionSetLicense.')}`;
}

/** What assign-psl reads, in one round trip. */
export function pslQueries(user: string): Record<'psl' | 'user' | 'assignment' | 'holders', string> {
  return {
    psl: `SELECT Id, DeveloperName, MasterLabel, TotalLicenses, UsedLicenses FROM PermissionSetLicense WHERE ${pslFilter()}`,
    user: userQuery(user),
    assignment: pslAssignmentQuery(user),
    holders: `SELECT Assignee.Username FROM PermissionSetLicenseAssign WHERE ${pslFilter('PermissionSetLicense.')} ORDER BY Assignee.Username LIMIT 10`,
  };
}

/**
 * Gives an integration user the Salesforce API Integration permission set license: one bulk
 * inspection, then at most one insert. Already assigned is a success with a note.
 */
export async function assignIntegrationPsl(
  client: OrgClient,
  input: AssignPslInput,
  options: { dryRun: boolean }
): Promise<AssignPslResult> {
  const plan = planPsl(client, await client.queries(pslQueries(input.user)), input, options);
  await applySteps([plan.step], options.dryRun);
  return plan.result;
}

/**
 * The PSL step from the inspection. `plannedUser`: an earlier step of the same plan creates the
 * user (setup). `record` is the assignment to insert when the step is to do (without AssigneeId
 * for a planned user).
 */
export function planPsl(
  client: OrgClient,
  found: Record<keyof ReturnType<typeof pslQueries>, SObjectRecord[]>,
  input: AssignPslInput,
  options: { dryRun: boolean; plannedUser?: boolean }
): { result: AssignPslResult; step: Step; record?: { AssigneeId?: string; PermissionSetLicenseId: string } } {
  const psl = found.psl.find((p) => p.DeveloperName === INTEGRATION_PSL) ?? found.psl[0];
  const user = found.user[0];
  const result: AssignPslResult = {
    userId: user?.Id ?? '',
    username: (user?.Username as string | undefined) ?? input.user,
    permissionSetLicense: (psl?.DeveloperName as string | undefined) ?? INTEGRATION_PSL,
    status: 'would-assign',
    assigned: false,
    dryRun: options.dryRun,
    seats: psl ? seatsOf(psl) : { total: 0, used: 0, free: 0 },
  };
  const step = planPslStep();
  const record = step.status === 'todo' && psl ? { AssigneeId: user?.Id, PermissionSetLicenseId: psl.Id } : undefined;
  return { result, step, record };

  function planPslStep(): Step {
    const name = 'assign-psl';
    if (!psl) return { name, status: 'blocked', error: serviceError('PslMissing') };
    if (!user && options.plannedUser)
      return result.seats.free < 1
        ? { name, status: 'blocked', error: noFreePslSeat() }
        : { name, status: 'todo', apply: () => Promise.resolve() };
    if (!user) return { name, status: 'blocked', error: serviceError('UserNotFound', [input.user], [input.targetOrg]) };
    if (found.assignment.length > 0) {
      alreadyAssigned();
      return { name, status: 'done' };
    }
    if (user.IsActive !== true)
      return {
        name,
        status: 'blocked',
        error: serviceError('UserInactive', [result.username], [String(user.Id), input.targetOrg]),
      };
    const { profile, license } = userLicenseOf(user);
    if (license !== INTEGRATION_USER_LICENSE) {
      return {
        name,
        status: 'blocked',
        error: serviceError('UserWrongLicense', [result.username, license, profile], [input.targetOrg]),
      };
    }
    if (result.seats.free < 1) return { name, status: 'blocked', error: noFreePslSeat() };
    if (options.dryRun) result.note = `Would assign ${INTEGRATION_PSL} to ${result.username}.`;
    return {
      name,
      status: 'todo',
      apply: async () => {
        try {
          await client.insert('PermissionSetLicenseAssign', { AssigneeId: user.Id, PermissionSetLicenseId: psl.Id });
        } catch (error) {
          // Assigned by someone else since the inspection: the goal is met.
          if (error instanceof SalesforceApiError && error.errorCode === 'DUPLICATE_VALUE') return alreadyAssigned();
          if (error instanceof SalesforceApiError && error.errorCode === 'LICENSE_LIMIT_EXCEEDED')
            throw noFreePslSeat();
          throw error;
        }
        Object.assign(result, { status: 'assigned', assigned: true, seats: seatsOf(psl, 1) });
      },
    };
  }

  function alreadyAssigned(): void {
    result.status = 'already-assigned';
    result.note = `${result.username} already has the ${INTEGRATION_PSL} permission set license.`;
  }

  function noFreePslSeat(): SfError {
    const holders = found.holders.map((h) => String((h.Assignee as SObjectRecord | null)?.Username)).join(', ');
    return serviceError('NoFreePslSeat', [
      result.seats.total,
      holders ? `held by ${holders}` : 'held by users this org does not list',
    ]);
  }
}
