import { Messages, type SfError } from '@salesforce/core';
import type { Fix } from './plan.js';
import type { CreateReport } from './create.js';
import type { GrantResult } from './grant-result.js';
import type { AccessList } from './generated-set-changes.js';
import { removeAssignmentFix, setActiveFix, setupFix, updateUserFix } from './fixes.js';
import type { UserPlan } from './setup-apply.js';
import { extraAssignments } from './setup-prune.js';
import type { SetupRemoval, SetupStepName } from './setup-result.js';
import type { UserFound } from './setup.js';

/**
 * `setup --check`: the differences between the org and the spec, read from setup's own dry-run plan. A step to
 * do or blocked is a difference (what would change, or why it can't), and so are what a done step found but
 * doesn't change: an inactive user, user fields the spec words otherwise, sets and groups assigned by hand.
 */

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.setup');

/** One difference as setup reports it: its fix structured, or the error of a blocked step (its fixes in its actions). */
export type SetupDifferenceReport = {
  user: string;
  /** The user's place in the spec: users[i]. */
  at: string;
  step: SetupStepName;
  difference: string;
  fix?: Fix;
  error?: SfError;
};
export type SetupCheckReport = { inSync: boolean; differences: SetupDifferenceReport[] };

/** Every difference of the planned users (their plans, and what the inspection found for each, in spec order). */
export function checkOf(
  plans: readonly UserPlan[],
  found: readonly UserFound[],
  specFile: string,
  appEntries: ReadonlyArray<readonly SetupRemoval[]> = []
): SetupCheckReport {
  const differences = plans.flatMap((plan, index) => [
    ...userDifferences(plan, found[index], index, specFile),
    // Entries on the app's lists that the spec manages and no longer wants: setup --prune removes them.
    ...(appEntries[index] ?? []).map((entry): SetupDifferenceReport => ({
      user: plan.username,
      at: `users[${index}]`,
      step: 'preauthorize',
      difference: [
        messages.getMessage(entry.type === 'Profile' ? 'check.extraAppProfile' : 'check.extraAppSet', [
          entry.app ?? '',
          entry.name,
        ]),
        ...(entry.reason ? [entry.reason] : []),
      ].join('; '),
      ...(entry.status === 'kept' ? {} : { fix: setupFix(specFile, true) }),
    })),
  ]);
  return { inSync: differences.length === 0, differences };
}

function userDifferences(plan: UserPlan, found: UserFound, index: number, specFile: string): SetupDifferenceReport[] {
  const differences: SetupDifferenceReport[] = [];
  const add = (step: SetupStepName, difference: string, fix?: Fix, error?: SfError): void => {
    differences.push({
      user: plan.username,
      at: `users[${index}]`,
      step,
      difference,
      ...(fix ? { fix } : {}),
      ...(error ? { error } : {}),
    });
  };
  const setup = setupFix(specFile);
  const inactive = found.create.user[0]?.IsActive === false;
  for (const { step, line } of plan.steps) {
    const name = line.name;
    if (name === 'verify') continue;
    // An inactive user blocks the steps after create: the one difference is create's (reactivate it).
    if (inactive && line.error?.name === 'UserInactiveError') continue;
    if (step.status === 'blocked') {
      add(name, line.error?.message ?? line.message, undefined, line.error);
      continue;
    }
    if (name === 'create' && step.status === 'done') {
      const created = step.result as CreateReport;
      const user = found.create.user[0];
      if (inactive)
        add(name, messages.getMessage('check.userInactive', [created.username]), setActiveFix(String(user.Id), true));
      if (created.differences?.length)
        add(
          name,
          messages.getMessage('check.userDiffers', [
            created.username,
            created.differences.map((d) => messages.getMessage('check.field', [d.field, d.org, d.given])).join(', '),
          ]),
          updateUserFix(String(user?.Id), created.differences)
        );
    }
    if (name === 'grant' && step.status === 'todo') {
      const before = differences.length;
      grantDifferences(step.result as GrantResult, (difference) => add(name, difference, setup));
      // A grant to do that none of the above names (never expected): its plan's own words.
      if (differences.length === before) add(name, line.message, setup);
    } else if (name === 'assign-psl' && step.status === 'todo')
      add(name, messages.getMessage('check.psl', [line.message]), setup);
    else if (name === 'preauthorize' && step.status === 'todo')
      add(name, messages.getMessage('check.preauthorize', [line.message]), setup);
    else if (step.status === 'todo') add(name, line.message, setup);
  }
  // Sets and groups assigned by hand that the spec doesn't list: setup leaves them (--prune removes them).
  for (const extra of extraAssignments(plan, found))
    add(
      'grant',
      messages.getMessage(extra.type === 'PermissionSetGroup' ? 'check.extraGroup' : 'check.extraSet', [extra.name]),
      removeAssignmentFix(extra.id)
    );
  return differences;
}

/** A planned grant's differences: sets and groups not assigned, the generated set missing or changed by hand. */
function grantDifferences(grant: GrantResult, add: (difference: string) => void): void {
  const generated = grant.generatedPermissionSet;
  for (const item of grant.permissionSets) {
    if (item.status !== 'would-assign' && item.status !== 'assigned') continue;
    // A generated set to create is one difference, not two.
    if (generated?.status === 'would-create' && item.name === generated.name) continue;
    add(
      messages.getMessage(item.type === 'PermissionSetGroup' ? 'check.missingGroup' : 'check.missingSet', [item.name])
    );
  }
  if (generated?.status === 'would-create') add(messages.getMessage('check.generatedMissing', [generated.name]));
  const changes = generated?.changes;
  if (generated?.status === 'would-update' && changes) {
    const parts = [
      ...(isEmpty(changes.added) ? [] : [messages.getMessage('check.lacks', [accessWords(changes.added)])]),
      ...(isEmpty(changes.removed) ? [] : [messages.getMessage('check.extraAccess', [accessWords(changes.removed)])]),
    ];
    if (parts.length) add(messages.getMessage('check.generatedChanged', [generated.name, parts.join('; ')]));
  }
}

const isEmpty = (list: AccessList): boolean => list.objects.length + list.fields.length === 0;

/** `Account (read, edit), Account.Industry (read)`. */
const accessWords = (list: AccessList): string =>
  [
    ...list.objects.map((o) => `${o.object} (${o.access.join(', ')})`),
    ...list.fields.map((f) => `${f.field} (${f.access.join(', ')})`),
  ].join(', ');
