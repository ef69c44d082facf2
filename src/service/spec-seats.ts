import { serviceError } from './errors.js';
import { removePslAssignmentFix, setActiveFix } from './fixes.js';
import { heldBy } from './licenses.js';
import { verbatim } from './plan.js';
import type { UserFound } from './setup.js';
import type { UserPlan } from './setup-apply.js';

/**
 * Every user's steps were planned from the same inspection, so each saw the seats free before the run. Counted
 * across the spec: the steps that would take a seat beyond the free ones are blocked (the run then stops before
 * its first write), each saying how many seats the spec needs, how many are missing, and who holds them now.
 */
export function blockBeyondFreeSeats(plans: UserPlan[], found: UserFound | undefined): void {
  const kinds = [
    {
      kind: 'userSeats',
      step: 'create',
      key: 'SpecNeedsMoreSeats',
      holders: found?.create.holders.map((u) => u.Username),
    },
    {
      kind: 'pslSeats',
      step: 'assign-psl',
      key: 'SpecNeedsMorePslSeats',
      holders: found?.psl.holders.map((h) => (h.Assignee as { Username?: unknown } | null)?.Username),
    },
  ] as const;
  for (const { kind, step, key, holders } of kinds) {
    const taking = plans.flatMap((plan) =>
      plan.steps.filter((s) => s.step.status === 'todo' && (s.step.consumes?.[kind] ?? 0) > 0 && s.step.step === step)
    );
    const seats = plans.map((plan) => plan.seats?.[kind]).find((found) => found !== undefined);
    if (!seats || taking.length <= seats.free) continue;
    const missing = taking.length - seats.free;
    const fix =
      kind === 'userSeats'
        ? setActiveFix(verbatim('<user id>'), false)
        : removePslAssignmentFix(verbatim('<assignment id>'));
    const error = serviceError(
      key,
      [taking.length, seats.free, seats.total, missing, heldBy((holders ?? []).map(String), seats.used)],
      [missing, fix]
    );
    for (const beyond of taking.slice(seats.free)) {
      Object.assign(beyond.step, { status: 'blocked', writes: [], error });
      Object.assign(beyond.line, { status: 'blocked', message: 'blocked', error });
    }
  }
}
