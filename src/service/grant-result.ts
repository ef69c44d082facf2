import { exitCodeOf } from './plan.js';
import type { GeneratedSet } from './generated-set.js';

// What grant is asked and what it answers: its input, its result (the command's JSON), and the exit code of that result.

export type GrantInput = {
  user: string;
  permissionSets: string[];
  groups: string[];
  objects: string[];
  fields: string[];
  permissionSetName?: string;
  /**
   * For setup: earlier steps of the same plan create the user (with this name; its writes name it `userRef`,
   * `@{user.id}`) and give it the PSL.
   */
  planned?: { userName?: string; psl: boolean; userRef?: string };
};

export type GrantStatus = 'assigned' | 'already-assigned' | 'would-assign' | 'blocked' | 'failed';

export type GrantItem = {
  /** API name of the permission set or group. */
  name: string;
  type: 'PermissionSet' | 'PermissionSetGroup';
  /** "--None--", or the user license or permission set license; for a group, its sets' licenses. */
  license: string;
  status: GrantStatus;
  /** Why it is blocked or failed, or what to know about it. */
  reason?: string;
  /** Salesforce's own error, when the assignment failed at write time. */
  error?: { errorCode: string; message: string; fields: string[] };
  /** Broad powers it carries (least privilege). */
  broadPowers?: string[];
};

export type GrantResult = {
  username: string;
  userId: string;
  dryRun: boolean;
  permissionSets: GrantItem[];
  /** The least-privilege set made from --object / --field, when they were given. */
  generatedPermissionSet?: GeneratedSet;
};

/** What a grant did, and what it warns of (broad power, field access without effect): sf's warnings, not the result's. */
export type GrantOutcome = { result: GrantResult; warnings: string[] };

/** The exit code of a grant: 68 when some assignments failed and others were made, 1 when none could be made. */
export function grantExitCode(result: GrantResult): 0 | 1 | 68 {
  return exitCodeOf(
    result.permissionSets.map((item) =>
      item.status === 'failed' ? 'failed' : item.status === 'assigned' ? 'applied' : 'done'
    )
  );
}
