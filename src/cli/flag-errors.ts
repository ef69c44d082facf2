import { SfError } from '@salesforce/core';
import { serviceError } from '../service/errors.js';

/**
 * For `this.parse(...).catch(...)` in a command: a flag the parser refused (missing, unknown, of the
 * wrong form, a file that isn't there) becomes a named error whose action is the command's help.
 * A named error (an unknown --target-org) keeps its name and its own fix, if it has one; the exit code stays.
 */
export function flagError(commandLine: string): (error: unknown) => never {
  return (error: unknown): never => {
    const e = error as { message?: string; oclif?: { exit?: number }; exitCode?: number };
    const message = (e.message ?? String(error)).replace(/\s*See more help with --help\s*$/, '').trim();
    const wrapped = serviceError('InvalidFlags', [message], [commandLine]);
    // sf's requiredOrg flag found no --target-org and no default (sf-plugins-core flags/orgFlags.js getOrgOrThrow):
    // its own words say only -o; the fix says how to set a default too. The binary is the command line's first word.
    if (error instanceof SfError && error.name === 'NoDefaultEnvError') {
      error.actions = serviceError('NoDefaultOrg', [], [commandLine.split(' ')[0], commandLine]).actions;
      throw error;
    }
    if (error instanceof SfError && error.name !== 'Error') {
      if (!error.actions?.length) error.actions = wrapped.actions;
      throw error;
    }
    wrapped.exitCode = e.oclif?.exit ?? e.exitCode ?? 1;
    throw wrapped;
  };
}
