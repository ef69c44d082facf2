import { Messages, type SfError } from '@salesforce/core';
import type { OrgClient, SObjectRecord } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';
import {
  heldBy,
  INTEGRATION_PSL,
  INTEGRATION_USER_LICENSE,
  pslFilter,
  Seats,
  seatsOf,
  userLicenseOf,
} from './licenses.js';
import { createUserFix, setActiveFix } from './fixes.js';
import { pslAssignmentQuery, userQuery } from './user-filters.js';
import { applyStep, type Step } from './plan.js';
import { inspectOne, type Found, type Reads } from './inspection.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.assign-psl');

export type AssignPslInput = { user: string };

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

type PslKey = 'psl' | 'user' | 'assignment' | 'holders';
export type PslFound = Found<PslKey>;

/** What assign-psl reads, in one round trip. */
export function pslReads(user: string): Reads<PslKey> {
  return {
    queries: {
      psl: `SELECT Id, DeveloperName, MasterLabel, TotalLicenses, UsedLicenses FROM PermissionSetLicense WHERE ${pslFilter()}`,
      user: userQuery(user),
      assignment: pslAssignmentQuery(user),
      holders: `SELECT Assignee.Username FROM PermissionSetLicenseAssign WHERE ${pslFilter('PermissionSetLicense.')} ORDER BY Assignee.Username LIMIT 10`,
    },
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
  const found = await inspectOne(client, pslReads(input.user));
  return applyStep(client, planPsl(found, input, options), options);
}

/**
 * The PSL step from the inspection: done when the user holds it, else one PermissionSetLicenseAssign insert
 * (referenceId `psl`). `plannedUser`: an earlier step of the same plan creates the user, and this is how its
 * writes name it (`@{user.id}`, setup).
 */
export function planPsl(
  found: PslFound,
  input: AssignPslInput,
  options: { dryRun: boolean; plannedUser?: string }
): Step<AssignPslResult> {
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
  const blocked = (error: SfError): Step<AssignPslResult> => ({
    step: 'assign-psl',
    status: 'blocked',
    message: error.message,
    writes: [],
    error,
    result,
  });
  const todo = (assignee: string, pslId: string): Step<AssignPslResult> => ({
    step: 'assign-psl',
    status: 'todo',
    message: messages.getMessage('step.todo', [INTEGRATION_PSL]),
    writes: [
      {
        kind: 'data',
        referenceId: 'psl',
        method: 'POST',
        url: '/sobjects/PermissionSetLicenseAssign',
        body: { AssigneeId: assignee, PermissionSetLicenseId: pslId },
      },
    ],
    consumes: { pslSeats: 1 },
    result,
    written: () => Object.assign(result, { status: 'assigned', assigned: true, seats: seatsOf(psl, 1) }),
    explain: (error) => {
      // Assigned by someone else since the inspection: the goal is met.
      if (error instanceof SalesforceApiError && error.errorCode === 'DUPLICATE_VALUE') {
        alreadyAssigned();
        return Promise.resolve(undefined);
      }
      if (error instanceof SalesforceApiError && error.errorCode === 'LICENSE_LIMIT_EXCEEDED')
        return Promise.resolve(noFreePslSeat());
      return Promise.resolve(error as Error);
    },
  });

  if (!psl) return blocked(serviceError('PslMissing'));
  if (!user && options.plannedUser)
    return result.seats.free < 1 ? blocked(noFreePslSeat()) : todo(options.plannedUser, psl.Id);
  if (!user) return blocked(serviceError('UserNotFound', [input.user], [createUserFix()]));
  if (found.assignment.length > 0) {
    alreadyAssigned();
    return {
      step: 'assign-psl',
      status: 'done',
      message: messages.getMessage('step.done', [INTEGRATION_PSL]),
      writes: [],
      result,
    };
  }
  if (user.IsActive !== true)
    return blocked(serviceError('UserInactive', [result.username], [setActiveFix(user.Id, true)]));
  const { profile, license } = userLicenseOf(user);
  if (license !== INTEGRATION_USER_LICENSE)
    return blocked(serviceError('UserWrongLicense', [result.username, license, profile], [createUserFix()]));
  if (result.seats.free < 1) return blocked(noFreePslSeat());
  if (options.dryRun) result.note = messages.getMessage('note.wouldAssign', [INTEGRATION_PSL, result.username]);
  return todo(user.Id, psl.Id);

  function alreadyAssigned(): void {
    result.status = 'already-assigned';
    result.note = messages.getMessage('note.alreadyAssigned', [result.username, INTEGRATION_PSL]);
  }

  function noFreePslSeat(): SfError {
    const holders = found.holders.map((h) => String((h.Assignee as SObjectRecord | null)?.Username));
    return serviceError('NoFreePslSeat', [result.seats.total, heldBy(holders)]);
  }
}
