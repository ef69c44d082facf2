import type { SfError } from '@salesforce/core';
import { OrgClient, SObjectRecord } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';
import { INTEGRATION_PSL, INTEGRATION_USER_LICENSE, pslFilter, Seats, seatsOf, userLicenseOf } from './licenses.js';
import { pslAssignmentQuery, userQuery } from './user-filters.js';
import { applySteps, Step } from './steps.js';

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
