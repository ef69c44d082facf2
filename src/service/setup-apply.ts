import type { Seats } from './licenses.js';
import { SfError } from '@salesforce/core';
import type { OrgClient, SObjectRecord, Subrequest } from './org-client.js';
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
  /** What the queries that rode in the write call found (readAfter), by key, every page. */
  readBack?: Record<string, SObjectRecord[]>;
  /** The write call's answers by referenceId (the new records' Ids). */
  answers?: Record<string, unknown>;
  /** A step's rows went the Metadata API way instead (its fallback): its SetupEntityAccess deletions weren't sent. */
  fellBack?: boolean;
};

/** Salesforce's limits on one composite call (REST API Developer Guide, Composite). */
const SUBREQUESTS_PER_COMPOSITE = 25;
const HEAVY_PER_COMPOSITE = 5;

/**
 * The write call with queries after its writes (they see the writes: one transaction), or undefined when they
 * don't fit one call (25 subrequests, of them 5 queries or collections: REST API Developer Guide, Composite).
 */
function withReads(subrequests: Subrequest[], reads: Record<string, string>): Subrequest[] | undefined {
  const queries = Object.entries(reads).map(([key, soql]): Subrequest => ({
    referenceId: `read_${key}`,
    method: 'GET',
    url: `/query?q=${encodeURIComponent(soql)}`,
  }));
  const all = [...subrequests, ...queries];
  const heavy = all.filter((sub) => /^\/(composite\/sobjects|query)[/?]/.test(sub.url)).length;
  return queries.length && all.length <= SUBREQUESTS_PER_COMPOSITE && heavy <= HEAVY_PER_COMPOSITE ? all : undefined;
}

export const errorOf = (error: unknown): SfError =>
  error instanceof SfError ? (error as SfError) : new SfError(error instanceof Error ? error.message : String(error));

/**
 * Applies one user's plan: the data writes of every step in one composite call (rolled back whole on a
 * failure), then each step's Metadata API writes. A step whose data writes the org refuses and which has a
 * fallback (SetupEntityAccess rows, unsettled for profile-owned sets: the app's lists through the Metadata API
 * instead) gets its fallback, the other writes go again without its rows. True when every step got applied.
 */
export async function applyUser(
  client: OrgClient,
  plan: UserPlan,
  readAfter: Record<string, string> = {}
): Promise<boolean> {
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
      const riding = withReads(subrequests, readAfter);
      const bodies = await client.compositeAll(riding ?? subrequests);
      plan.answers = bodies;
      if (riding) {
        const keys = Object.keys(readAfter);
        const records = await Promise.all(keys.map((key) => client.restOf(readAfter[key], bodies[`read_${key}`])));
        plan.readBack = Object.fromEntries(keys.map((key, n) => [key, records[n]]));
      }
    } catch (error) {
      const refused = ownerOf(error, subrequests);
      if (!refused.step.fallback) return fail(refused, error);
      // The org refused what the data API can't settle: the others go again without it, it goes its fallback way.
      const { fallback } = refused.step;
      plan.fellBack = true;
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
