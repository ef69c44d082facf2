import type { Seats } from './licenses.js';
import { SfError } from '@salesforce/core';
import type { OrgClient, Subrequest } from './org-client.js';
import { SalesforceApiError } from './errors.js';
import { subrequestsOf, type Step, type Write } from './plan.js';
import type { SpecUser } from './spec.js';
import type { SetupLine } from './setup-result.js';

// Setup's writes for one user: one composite call for every step's data writes, a step's fallback where the org
// refuses its rows, then the Metadata API writes.

/** A planned step and the line of the result that reports it. */
export type Planned = { step: Step<unknown> & { fallback?: Write[] }; line: SetupLine };

/** One user's plan: its steps in order. The data writes of every step go out as one composite call (all or nothing). */
export type UserPlan = {
  user: SpecUser;
  username: string;
  steps: Planned[];
  /** The seats the org has free as this user's steps found them (the same inspection for every user). */
  seats?: { userSeats: Seats; pslSeats?: Seats };
  /** The writes lost a race with another run (a duplicate of what this run was about to make). */
  raced?: boolean;
};

/** Any error as an SfError, for a step's line. */
export const errorOf = (error: unknown): SfError =>
  error instanceof SfError ? (error as SfError) : new SfError(error instanceof Error ? error.message : String(error));

/**
 * Applies one user's plan: the data writes of every step in one composite call (rolled back whole on a
 * failure), then each step's Metadata API writes. A step whose data writes the org refuses and which has a
 * fallback (SetupEntityAccess rows, unsettled for profile-owned sets: the app's lists through the Metadata API
 * instead) gets its fallback, the other writes go again without its rows. True when every step got applied.
 */
export async function applyUser(client: OrgClient, plan: UserPlan): Promise<boolean> {
  const fail = async (failed: Planned, error: unknown): Promise<false> => {
    for (const s of plan.steps) if (s.line.status === 'todo') s.line.status = 'not-run';
    const explained = failed.step.step === 'create' && failed.step.explain ? await failed.step.explain(error) : error;
    // Another run made the same user or row since the inspection (this user's call was rolled back whole).
    plan.raced =
      explained === undefined ||
      (error instanceof SalesforceApiError &&
        ['DUPLICATE_VALUE', 'DUPLICATE_DEVELOPER_NAME'].includes(error.errorCode));
    Object.assign(failed.line, { status: 'failed', error: errorOf(explained ?? error) });
    return false;
  };
  const owner = new Map<string, Planned>();
  const dataOf = (steps: Planned[]): Subrequest[] =>
    steps.flatMap((s) => subrequestsOf(s.step.writes).map((sub) => (owner.set(sub.referenceId, s), sub)));
  const ownerOf = (error: unknown, subrequests: Subrequest[]): Planned =>
    (error instanceof SalesforceApiError ? owner.get(error.referenceId ?? '') : undefined) ??
    owner.get(subrequests[0].referenceId) ??
    plan.steps[0];

  let steps = plan.steps;
  const subrequests = dataOf(steps);
  if (subrequests.length) {
    try {
      await client.compositeAll(subrequests);
    } catch (error) {
      const refused = ownerOf(error, subrequests);
      if (!refused.step.fallback) return fail(refused, error);
      // The org refused what the data API can't settle: the others go again without it, it goes its fallback way.
      const { fallback } = refused.step;
      steps = steps.map((s) => (s === refused ? { ...s, step: { ...s.step, writes: fallback } } : s));
      const again = dataOf(steps.filter((s) => s !== refused));
      try {
        if (again.length) await client.compositeAll(again);
      } catch (error2) {
        return fail(ownerOf(error2, again), error2);
      }
    }
  }
  const metadataLast = steps.filter((s) => s.step.writes.some((w) => w.kind === 'metadata'));
  for (const s of steps)
    if (s.line.status === 'todo' && s.step.step !== 'verify' && !metadataLast.includes(s)) s.line.status = 'applied';
  for (const s of metadataLast) {
    try {
      for (const write of s.step.writes) if (write.kind === 'metadata') await write.apply();
      s.line.status = 'applied';
    } catch (error) {
      return fail(s, error);
    }
  }
  return true;
}
