// The shape of the org's rules per sObject (rules.ts lists them) and what every rule module shares: the context
// rules run in, errors built from a behaviour switch's ErrorSpec, and texts several objects answer with.

import { ApiError } from '../http/errors.js';
import type { OrgState, Rec } from '../data/state.js';
import type { ErrorSpec } from '../seeds/behaviours.js';

/** The context rules run in (same shape as DmlContext; kept here to avoid an import cycle). */
export interface RuleContext {
  state: OrgState;
  userId: string;
}

export interface ObjectRules {
  /** fill defaults before required-field checks */
  defaults?(ctx: RuleContext, values: Record<string, unknown>): void;
  /** may return an existing record that stands for this insert (an idempotent create: nothing is written) */
  beforeInsert?(ctx: RuleContext, values: Record<string, unknown>): void | Rec;
  afterInsert?(ctx: RuleContext, rec: Rec): void;
  beforeUpdate?(ctx: RuleContext, rec: Rec, changes: Record<string, unknown>, merged: Record<string, unknown>): void;
  afterUpdate?(ctx: RuleContext, rec: Rec, before: Rec): void;
  /** sees a PATCH body before the generic field checks; returns the body to go on with */
  prepareUpdate?(ctx: RuleContext, rec: Rec, body: Record<string, unknown>): Record<string, unknown>;
  beforeDelete?(ctx: RuleContext, rec: Rec): void;
  afterDelete?(ctx: RuleContext, rec: Rec): void;
  /** the answer to an update of a type that has none (PSLA: behaviour pslaUpdateError) */
  updateRefused?(ctx: RuleContext): ApiError | undefined;
}

export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

export function errorFromSpec(spec: ErrorSpec, vars: Record<string, string> = {}, fields: string[] = []): ApiError {
  return new ApiError(spec.status ?? 400, spec.errorCode, fill(spec.message, vars), fields);
}

export const PROFILE_SET_MESSAGE =
  "You can't assign or unassign this permission set because it's associated with a profile.";
export const READ_ONLY_MESSAGE = 'insufficient access rights on object id';
