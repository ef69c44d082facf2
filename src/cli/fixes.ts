import { Messages, SfError } from '@salesforce/core';
import type { Advice, Fix, FlagValue } from '../service/plan.js';
import { renderTokens, ServiceError, type RenderFix } from '../service/errors.js';
import { shellQuote } from '../service/shell.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'shared');

/** How this run names things in the fixes it prints: the binary the user runs, and the org as they name it. */
export type RenderContext = {
  /** `this.config.bin`: "sf" when the plugin runs inside sf. */
  bin: string;
  /** --target-org as one shell word: the org's alias when it has one, else the admin's username. */
  targetOrg: string;
};

const flagWords = (name: string, value: FlagValue): string[] => {
  if (value === true) return [`--${name}`];
  if (Array.isArray(value)) return value.flatMap((v) => flagWords(name, v));
  return [`--${name}`, typeof value === 'string' ? shellQuote(value) : value.verbatim];
};

/**
 * A fix as the user runs it: `<bin> <command> --flag value ... --target-org <org>`, each value one shell word
 * (shell.ts); a spec change as where and what to write; words as they are.
 */
export function renderFix(fix: Fix, context: RenderContext): string {
  if (fix.kind === 'text') return fix.message;
  if (fix.kind === 'spec') return messages.getMessage('fix.spec', [fix.path, fix.change]);
  const flags = Object.entries(fix.flags).flatMap(([name, value]) => flagWords(name, value));
  return [context.bin, fix.command, ...flags, '--target-org', context.targetOrg].join(' ');
}

/** The renderer for a service's fixes in this run. */
export const fixRenderer =
  (context: RenderContext): RenderFix =>
  (fix) =>
    renderFix(fix, context);

/** Words that name fixes, from their messages bundle, with each fix rendered. */
export function renderAdvice(words: Advice, context: RenderContext): string {
  const bundle = Messages.loadMessages('plugin-integration-user', words.bundle);
  return bundle.getMessage(words.key, renderTokens(words.tokens, fixRenderer(context)));
}

/** An error's actions with its fixes rendered (a service's error; any other is left as it is). */
export function renderError<E>(error: E, context: RenderContext): E {
  if (error instanceof ServiceError) error.renderActions(fixRenderer(context));
  return error;
}

/** An error as a --json result shows it: its name, message and rendered actions, and the errors it gathers, each the same way. */
export type ErrorJson = { name: string; message: string; actions: string[]; causes?: ErrorJson[] };

export function errorJson(error: unknown, context: RenderContext): ErrorJson {
  const e = renderError(error, context) as SfError;
  const json: ErrorJson = { name: e.name ?? 'Error', message: e.message ?? String(error), actions: e.actions ?? [] };
  // The reasons behind a blocked step (every set a grant can't assign): one a cause, not only lines of the message.
  const causes = error instanceof ServiceError ? error.causes : [];
  return causes.length ? { ...json, causes: causes.map((cause) => errorJson(cause, context)) } : json;
}
