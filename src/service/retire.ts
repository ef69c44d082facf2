import type { OrgClient, SObjectRecord } from './org-client.js';
import { serviceError } from './errors.js';
import { inspectOne } from './inspection.js';
import { createUserFix } from './fixes.js';
import { seatsOf } from './licenses.js';
import type { AppListEntry, RetireInput, RetireResult } from './retire-result.js';
import { MANAGED_MARKER } from './generated-set.js';
import { exitCodeOf, type Outcome, type RecordsWrite, subrequestsOf } from './plan.js';
import { appLabels, retireAccessReads, retireReads } from './retire-reads.js';
import { assigneeFilter } from './user-filters.js';
import { planRunAsStops, type RunAsPlan, stopRunAs } from './retire-run-as.js';
import { planEcaLists } from './retire-eca-lists.js';

/**
 * Retiring an integration user: its OAuth tokens revoked, its place in app lists no one else needs removed, its
 * permission set, group and PSL assignments removed, the user deactivated (users can't be deleted). The order is
 * the one Salesforce accepts (Salesforce Help, "Remove a Permission Set License from a User": the sets that need
 * a PSL go before the PSL; "Considerations for Deactivating Users": assignments survive deactivation, so they are
 * removed explicitly): (0) the apps whose client credentials flow runs as the user stop doing so (retire-run-as.ts);
 * (1) tokens, through the revoke endpoint, as OauthToken rows can't be deleted (object
 * reference, OauthToken); (2) one all-or-none composite call: app list entries, then set and group assignments;
 * (3) the PSL assignments read again (the org may have removed them with the last set that needed them) and
 * deleted, the user deactivated, and, when asked, the generated set deleted, in one more composite call.
 */

// The command's input and result, also from here (the command's module); their home is retire-result.ts.
export type { AppListEntry, RetireInput, RetireResult } from './retire-result.js';

export type RetirePlan = {
  result: RetireResult;
  /**
   * The run would write and the user logged in within --recent-days or an app's client credentials flow runs as it
   * (an integration that would stop): a person's yes, or --no-prompt.
   */
  needsConfirmation: boolean;
  /** Nothing to write: the user is retired already. */
  done: boolean;
  tokens: string[];
  runAs: RunAsPlan;
  /** Composite call 1: app list entries, then set and group assignments. */
  access: RecordsWrite[];
  deleteGeneratedSetId?: string;
};

export async function planRetire(
  client: OrgClient,
  input: RetireInput,
  options: { dryRun: boolean }
): Promise<RetirePlan> {
  const found = await inspectOne(client, retireReads(input.user));
  const user = found.user[0];
  if (!user) throw serviceError('UserNotFound', [input.user], [createUserFix()]);
  const username = String(user.Username);
  const lastLogin = (user.LastLoginDate as string | null) ?? null;
  const recentLogin =
    lastLogin !== null && Date.now() - Date.parse(lastLogin.replace(/\+0000$/, 'Z')) < input.recentDays * 86_400_000;
  const assignments = found.assignments.filter(
    (a) => (a.PermissionSet as SObjectRecord | null)?.IsOwnedByProfile !== true
  );
  const heldSetIds = found.assignments.map((a) => String(a.PermissionSetId));
  const access = input.keepAssignments
    ? { appAccess: [], holders: [] }
    : await inspectOne(client, retireAccessReads(user.Id, heldSetIds));
  const others = new Map(access.holders.map((h) => [String(h.PermissionSetId), Number(h.holders ?? 0)]));
  const runAs = await planRunAsStops(client, username);
  const labels = appLabels(found.connectedApps, found.ecas);
  const setById = new Map(found.assignments.map((a) => [String(a.PermissionSetId), a.PermissionSet as SObjectRecord]));

  const license = found.license[0];
  const psl = found.psl[0];
  const result: RetireResult = {
    userId: user.Id,
    username,
    status: options.dryRun ? 'would-retire' : 'retired',
    dryRun: options.dryRun,
    lastLogin,
    recentLogin,
    tokensRevoked: [],
    runAsStopped: runAs.stops,
    appAccessRemoved: [],
    appAccessKept: [],
    permissionSetsRemoved: [],
    permissionSetGroupsRemoved: [],
    permissionSetLicensesRemoved: [],
    deactivated: user.IsActive === true,
    seatsFreed: { userLicense: 0, permissionSetLicense: 0 },
    seats: {
      userLicense: license ? seatsOf(license) : { total: 0, used: 0, free: 0 },
      ...(psl ? { permissionSetLicense: seatsOf(psl) } : {}),
    },
  };
  const onIntegrationLicense =
    String(((user.Profile as SObjectRecord | null)?.UserLicense as SObjectRecord | null)?.Name) ===
    String(license?.Name);
  if (user.IsActive === true && onIntegrationLicense) result.seatsFreed.userLicense = 1;

  const tokens = input.keepAssignments ? [] : found.tokens.map((t) => String(t.DeleteToken));
  if (!input.keepAssignments) {
    result.tokensRevoked = found.tokens.map((t) => String(t.AppName));
    for (const row of access.appAccess) {
      const set = setById.get(String(row.ParentId));
      const profile = set?.IsOwnedByProfile === true ? String((set.Profile as SObjectRecord | null)?.Name) : undefined;
      const entry: AppListEntry = {
        app: labels.get(String(row.SetupEntityId)) ?? String(row.SetupEntityId),
        ...(profile ? { profile } : { permissionSet: String(set?.Name) }),
      };
      const otherUsers = others.get(String(row.ParentId)) ?? 0;
      if (otherUsers) result.appAccessKept.push({ ...entry, otherUsers });
      else result.appAccessRemoved.push(entry);
    }
    // External Client Apps' lists: in their policies, from the run-as retrieve, back in its one deploy.
    const eca = planEcaLists(runAs.read, found.assignments, others);
    runAs.ecaLists = eca.changes;
    for (const { otherUsers, ...entry } of eca.entries)
      if (otherUsers) result.appAccessKept.push({ ...entry, otherUsers });
      else result.appAccessRemoved.push(entry);
    // Profiles first, then sets, by app and name: the same order whatever order the org answers in.
    const order = (e: AppListEntry): string =>
      `${e.app}\u0000${e.profile ? 0 : 1}${e.profile ?? e.permissionSet ?? ''}`;
    result.appAccessRemoved.sort((a, b) => order(a).localeCompare(order(b)));
    result.appAccessKept.sort((a, b) => order(a).localeCompare(order(b)));
    for (const a of assignments) {
      if (a.PermissionSetGroupId)
        result.permissionSetGroupsRemoved.push(String((a.PermissionSetGroup as SObjectRecord).DeveloperName));
      else result.permissionSetsRemoved.push(String((a.PermissionSet as SObjectRecord).Name));
    }
    result.permissionSetLicensesRemoved = found.pslas.map((p) =>
      String((p.PermissionSetLicense as SObjectRecord | null)?.DeveloperName)
    );
    if (
      psl &&
      found.pslas.some((p) => (p.PermissionSetLicense as SObjectRecord | null)?.DeveloperName === psl.DeveloperName)
    )
      result.seatsFreed.permissionSetLicense = 1;
  }

  // The generated set: one that carries grant's marker among the sets it holds.
  const generatedAssignment = assignments.find((a) => {
    const description = (a.PermissionSet as SObjectRecord | null)?.Description;
    return !a.PermissionSetGroupId && typeof description === 'string' && description.startsWith(MANAGED_MARKER);
  });
  let deleteGeneratedSetId: string | undefined;
  if (generatedAssignment && input.deleteGeneratedSet) {
    const generated = generatedAssignment.PermissionSet as SObjectRecord;
    const setId = String(generatedAssignment.PermissionSetId);
    const otherUsers = others.get(setId) ?? 0;
    result.generatedSet = {
      name: String(generated.Name),
      action: otherUsers ? 'kept' : options.dryRun ? 'would-delete' : 'deleted',
      otherUsers,
    };
    if (!otherUsers) deleteGeneratedSetId = setId;
  }

  const removedRows = access.appAccess.filter((row) => !(others.get(String(row.ParentId)) ?? 0));
  const deletes: RecordsWrite[] = [
    {
      kind: 'records',
      referenceId: 'appAccess',
      method: 'DELETE',
      sobject: 'SetupEntityAccess',
      records: removedRows.map((row) => ({ Id: row.Id })),
    },
    {
      kind: 'records',
      referenceId: 'assignments',
      method: 'DELETE',
      sobject: 'PermissionSetAssignment',
      records: input.keepAssignments ? [] : assignments.map((a) => ({ Id: a.Id })),
    },
  ];
  const writes = deletes.filter((w) => w.records.length > 0);
  const done =
    user.IsActive !== true &&
    !runAs.stops.length &&
    !runAs.ecaLists.length &&
    !tokens.length &&
    !writes.length &&
    !result.permissionSetLicensesRemoved.length &&
    !deleteGeneratedSetId;
  if (done) result.status = 'already-retired';
  return {
    result,
    needsConfirmation: !done && user.IsActive === true && (recentLogin || runAs.stops.length > 0),
    done,
    tokens,
    runAs,
    access: writes,
    deleteGeneratedSetId,
  };
}

/**
 * Applies a retire plan in the order above. A refused write stops the run; what went before stays written, and
 * the outcomes give the exit code (0 done, 68 partly, 1 nothing written).
 */
export async function applyRetire(
  client: OrgClient,
  plan: RetirePlan,
  input: RetireInput
): Promise<{ result: RetireResult; exitCode: 0 | 1 | 68; error?: Error }> {
  const { result } = plan;
  if (plan.done || result.dryRun) return { result, exitCode: 0 };
  const outcomes: Outcome[] = [];
  let refused: Error | undefined;
  // A stage that wrote something is applied; one that had nothing to write adds no outcome.
  const stage = async (
    name: NonNullable<RetireResult['failure']>['stage'],
    run: () => Promise<boolean>
  ): Promise<boolean> => {
    try {
      if (await run()) outcomes.push('applied');
      return true;
    } catch (error) {
      outcomes.push('failed');
      refused = error as Error;
      result.failure = { stage: name, message: (error as Error).message };
      return false;
    }
  };
  const ok =
    (await stage('runAs', () => stopRunAs(client, plan.runAs))) &&
    (await stage('tokens', async () => {
      for (const token of plan.tokens) await client.revokeToken(token);
      return plan.tokens.length > 0;
    })) &&
    (await stage('access', async () => {
      const subrequests = subrequestsOf(plan.access);
      if (subrequests.length) await client.compositeAll(subrequests);
      return subrequests.length > 0;
    })) &&
    (await stage('deactivate', async () => {
      // Read again: the org may have taken the PSL assignments away with the sets that needed them.
      const pslas = input.keepAssignments
        ? []
        : await client.query(`SELECT Id FROM PermissionSetLicenseAssign WHERE ${assigneeFilter(result.userId)}`);
      const writes: RecordsWrite[] = [];
      if (pslas.length)
        writes.push({
          kind: 'records',
          referenceId: 'psls',
          method: 'DELETE',
          sobject: 'PermissionSetLicenseAssign',
          records: pslas.map((p) => ({ Id: p.Id })),
        });
      const subrequests = subrequestsOf(writes);
      if (result.deactivated)
        subrequests.push({
          referenceId: 'user',
          method: 'PATCH',
          url: `/sobjects/User/${result.userId}`,
          body: { IsActive: false },
        });
      if (plan.deleteGeneratedSetId)
        subrequests.push({
          referenceId: 'generatedSet',
          method: 'DELETE',
          url: `/sobjects/PermissionSet/${plan.deleteGeneratedSetId}`,
        });
      if (subrequests.length === 1) await client.sendOne(subrequests[0]);
      else if (subrequests.length) await client.compositeAll(subrequests);
      return subrequests.length > 0;
    }));
  const exitCode = exitCodeOf(outcomes);
  if (!ok) result.status = exitCode === 68 ? 'partly-retired' : 'failed';
  return { result, exitCode, error: refused };
}
