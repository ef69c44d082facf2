import type { SfError } from '@salesforce/core';
import type { StepName } from './plan.js';
import type { VerifyReport, VerifyResult } from './verify-result.js';
import type { SetupCheckReport } from './setup-check.js';

// What setup answers: each user's steps as lines (the command's JSON), before and after the command layer renders their fixes.

/** The steps setup runs for each user: those of the five commands of the procedure. */
export type SetupStepName = Exclude<StepName, 'convert'>;

export type SetupStep = {
  name: SetupStepName;
  /** Planned: done / todo / blocked. After the run: done, applied, failed, or (after a failure) not-run. */
  status: 'done' | 'todo' | 'blocked' | 'applied' | 'failed' | 'not-run';
  message: string;
  error?: StepError;
};
/** Why a step is blocked or failed; `causes`: the reasons it gathers (each set a grant can't assign), each the same way. */
export type StepError = { name: string; message: string; actions: string[]; causes?: StepError[] };

/**
 * What `setup --prune` removes (or would) that the spec doesn't list: an assignment of the user, or (with `app`) an
 * entry of the app's pre-authorization lists; not-run when the user's writes failed; kept when users outside the
 * spec would lose the app (`reason` names them).
 */
export type SetupRemoval = {
  type: 'PermissionSet' | 'PermissionSetGroup' | 'Profile';
  name: string;
  /** The app whose list holds the entry. */
  app?: string;
  status: 'would-remove' | 'removed' | 'not-run' | 'kept';
  reason?: string;
};
export type SetupUser = { username: string; steps: SetupStep[]; removals?: SetupRemoval[]; verify?: VerifyResult };
/** One difference between the org and the spec (setup --check): whose, where in the spec, which step, and what resolves it. */
export type SetupDifference = {
  user: string;
  /** The user's place in the spec: users[i]. */
  at: string;
  step: SetupStepName;
  difference: string;
  /** The command (or spec change) that resolves it, as the user runs it; a blocked step's fixes, one a line. */
  fix?: string;
};
/** What `setup --check` found: in sync, or every difference. */
export type SetupCheck = { inSync: boolean; differences: SetupDifference[] };
export type SetupResult = { spec: string; dryRun: boolean; users: SetupUser[]; check?: SetupCheck };

/** A step's line as setup reports it: its error whole, whose fixes the command layer renders. */
export type SetupLine = Omit<SetupStep, 'error'> & { error?: SfError };
/** The result as setup reports it (SetupResult once the command layer rendered its fixes). */
/** Which user's steps a run writes now (1-based), of how many: the command shows it while the run goes on. */
export type SetupProgress = { user: number; users: number; username: string };

export type SetupReport = {
  spec: string;
  dryRun: boolean;
  users: Array<{ username: string; steps: SetupLine[]; removals?: SetupRemoval[]; verify?: VerifyReport }>;
  check?: SetupCheckReport;
};
