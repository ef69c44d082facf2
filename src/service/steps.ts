import type { SfError } from '@salesforce/core';

/**
 * One change a command makes to the org. Inspection decides its status before anything is
 * written: `done` (the org already has it), `todo` (apply will make it) or `blocked` (it can't be
 * made; `error` says why and how to fix it).
 */
export type Step =
  | { name: string; status: 'done' }
  | { name: string; status: 'todo'; apply: () => Promise<void> }
  | { name: string; status: 'blocked'; error: SfError };

export type StepStatus = Step['status'];

/**
 * Applies a plan: a blocked step anywhere stops it before the first write, a dry run stops after
 * planning, and otherwise the `todo` steps run in order.
 */
export async function applySteps(steps: readonly Step[], dryRun: boolean): Promise<void> {
  for (const step of steps) {
    if (step.status === 'blocked') throw step.error;
  }
  if (dryRun) return;
  for (const step of steps) {
    if (step.status === 'todo') await step.apply();
  }
}
