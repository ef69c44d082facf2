import type { SfError } from '@salesforce/core';
import { serviceError } from './errors.js';
import { command, verbatim } from './plan.js';
import type { RetireResult } from './retire.js';

/**
 * Why a retire needs a yes before it writes (a login within --recent-days: the integration may still run; an app
 * whose client credentials flow runs as the user stops with it), as the error a run that can't ask ends with:
 * its fixes are the same command with --no-prompt, and for an app, moving the app to another run-as user first.
 */
export function retireConfirmationError(
  result: RetireResult,
  recentDays: number,
  rerun: ReturnType<typeof command>
): SfError {
  const noPrompt = command(rerun.command, { ...rerun.flags, 'no-prompt': true });
  const error = result.recentLogin
    ? serviceError('RetireRecentLogin', retireQuestionValues(result, recentDays), [noPrompt])
    : serviceError('RetireRunAsUser', retireQuestionValues(result, recentDays), [
        command('integration-user preauthorize', {
          app: result.runAsStopped[0].app,
          'run-as': verbatim('<another user>'),
        }),
        noPrompt,
      ]);
  return error.setData(result);
}

/** The values the question and the error name: the user and its last login, or the apps that run as it. */
export function retireQuestionValues(result: RetireResult, recentDays: number): Array<string | number> {
  return result.recentLogin
    ? [result.username, String(result.lastLogin), recentDays]
    : [result.runAsStopped.map((s) => s.app).join(', '), result.username];
}
