import type { OrgClient } from './org-client.js';
import { SalesforceApiError } from './errors.js';
import { derivePermissionSetName, grantInputError } from './permissions.js';
import { generatedSetReads } from './generated-set.js';
import { inspectOne } from './inspection.js';
import { blockedError, subrequestsOf, writeEach, type RecordsWrite } from './plan.js';
import { completeGrantCandidates, completeGrantNames, grantReads } from './grant-reads.js';
import { planGrant } from './grant-plan.js';
import type { GrantInput, GrantOutcome } from './grant-result.js';

// The grant command's service: read (grant-reads.ts), plan (grant-plan.ts), then write. Its input, result and
// exit code: grant-result.ts; the generated least-privilege set: generated-set.ts.

/**
 * Grants an integration user permission sets, groups and a generated least-privilege set: one
 * bulk read (two when the generated set's name comes from the user's name), a plan in which every
 * item fits the user's license or blocks the whole run, then at most one composite call for the
 * generated set and one collection call for the assignments (each assignment on its own: some may
 * fail and the others stay, exit 68).
 */
export async function grant(
  client: OrgClient,
  input: GrantInput,
  options: { dryRun: boolean },
  inspectedAgain = false
): Promise<GrantOutcome> {
  const invalid = grantInputError(input);
  if (invalid) throw invalid;
  const generating = input.objects.length > 0 || input.fields.length > 0;
  const found = await inspectOne(client, grantReads(input, input.permissionSetName));
  await completeGrantNames(client, found, input);
  await completeGrantCandidates(client, found, input);
  if (generating && !input.permissionSetName && found.user[0])
    Object.assign(
      found,
      await inspectOne(client, generatedSetReads(derivePermissionSetName(String(found.user[0].Name))))
    );
  const plan = planGrant(found, input, options);
  if (plan.status === 'blocked') throw blockedError(plan);
  const { result } = plan;
  const outcome = { result, warnings: plan.warnings };
  if (options.dryRun) return outcome;

  // Writes: the generated set in one composite call (all or nothing), then every assignment on its own.
  const setWrites = plan.writes.filter((w) => w.referenceId !== 'assign');
  const assignments = plan.writes.find((w): w is RecordsWrite => w.kind === 'records' && w.referenceId === 'assign');
  let generatedSetId: unknown;
  try {
    const bodies = await client.compositeAll(subrequestsOf(setWrites));
    if (bodies.set) generatedSetId = (bodies.set as { id: string }).id;
  } catch (error) {
    // Another run made the set since the inspection. Its creation is this run's first write and rolled
    // back whole, so nothing of this run is in the org yet: inspect again, once, and go on from there.
    const duplicate =
      error instanceof SalesforceApiError &&
      error.referenceId === 'set' &&
      ['DUPLICATE_DEVELOPER_NAME', 'DUPLICATE_VALUE'].includes(error.errorCode);
    if (duplicate && !inspectedAgain) return grant(client, input, options, true);
    throw error;
  }
  if (!assignments) return outcome;
  const written = await writeEach(client, assignments, (value) => (value === '@{set.id}' ? generatedSetId : value));
  written.forEach((outcome, index) => {
    const item = plan.assigning[index];
    if (outcome.outcome === 'already') item.status = 'already-assigned';
    else if (outcome.outcome === 'failed') {
      item.status = 'failed';
      item.error = outcome.error;
      item.reason = `${outcome.error.errorCode}: ${outcome.error.message}`;
    }
  });
  return { result, warnings: plan.warnings };
}
