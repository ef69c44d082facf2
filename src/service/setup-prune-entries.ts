import { Messages } from '@salesforce/core';
import type { OrgClient } from './org-client.js';
import { usersLockedOut } from './preauthorize-lockout.js';
import type { Planned } from './setup-apply.js';
import type { SetupRemoval } from './setup-result.js';

// What pruning an app's lists shares between connected apps (setup-prune.ts) and External Client Apps
// (setup-prune-eca.ts): the entry, the lock-out rule, the removals as reported, the step's words.

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.setup');

/** An app list entry as pruning sees it (a connected app's: its SetupEntityAccess row). */
export type AppEntry = { id?: string; name: string; type: 'Profile' | 'PermissionSet' };

/** The users outside the spec who use the app (an OAuth token) and would be on none of its lists without the extras. */
export async function outsideUsersLockedOut(
  client: OrgClient,
  specUsers: ReadonlySet<string>,
  app: { label: string; profiles: string[]; permissionSets: string[] },
  extras: AppEntry[]
): Promise<string[]> {
  const gone = new Set(extras.map((e) => `${e.type}:${e.name.toLowerCase()}`));
  const lockOut = await usersLockedOut(
    client,
    app.label,
    app.profiles.filter((p) => !gone.has(`Profile:${p.toLowerCase()}`)),
    app.permissionSets.filter((s) => !gone.has(`PermissionSet:${s.toLowerCase()}`))
  );
  return lockOut.users.filter((u) => !specUsers.has(u.toLowerCase()));
}

/** The removals as the result reports them: kept (and why) when users outside the spec rely on the app. */
export function removalsOf(extras: AppEntry[], app: string, outside: string[], dryRun: boolean): SetupRemoval[] {
  const reason = outside.length ? messages.getMessage('prune.keptFor', [outside.join(', ')]) : undefined;
  return extras.map((e) => ({
    type: e.type,
    name: e.name,
    app,
    status: reason ? 'kept' : dryRun ? 'would-remove' : 'removed',
    ...(reason ? { reason } : {}),
  }));
}

/** The step that removes the entries: to do, its message naming them. */
export function markPruned(step: Planned, extras: AppEntry[], dryRun: boolean): void {
  const words = messages.getMessage(dryRun ? 'prune.wouldRemove' : 'prune.remove', [
    extras.map((e) => e.name).join(', '),
  ]);
  step.step.status = 'todo';
  step.line.status = 'todo';
  step.line.message = `${step.line.message}; ${words}`;
}
