import type { CreateReport, CreateUserResult } from '../service/create.js';
import type { ListReport, ListResult } from '../service/list.js';
import type { SetupCheck, SetupReport, SetupResult } from '../service/setup-result.js';
import type { SetupCheckReport } from '../service/setup-check.js';
import type { VerifyReport, VerifyResult } from '../service/verify-result.js';
import { errorJson, renderAdvice, renderFix, type RenderContext } from './fixes.js';

/**
 * A service's report as the command's --json result: the fixes it names structured (a check's fix, a
 * candidate's command, an error's actions) rendered with the binary the user runs and the org as they name it.
 */

export function verifyResult(report: VerifyReport, context: RenderContext): VerifyResult {
  return {
    ...report,
    checks: report.checks.map(({ fix, ...check }) => (fix ? { ...check, action: renderAdvice(fix, context) } : check)),
  };
}

export function setupResult(report: SetupReport, context: RenderContext): SetupResult {
  const { check, ...rest } = report;
  return {
    ...rest,
    users: report.users.map(({ verify, ...user }) => ({
      ...user,
      steps: user.steps.map(({ error, ...step }) => (error ? { ...step, error: errorJson(error, context) } : step)),
      ...(verify ? { verify: verifyResult(verify, context) } : {}),
    })),
    ...(check ? { check: setupCheck(check, context) } : {}),
  };
}

/** A check's differences, each with what resolves it rendered: its fix, or a blocked step's fixes (one a line). */
function setupCheck(check: SetupCheckReport, context: RenderContext): SetupCheck {
  return {
    inSync: check.inSync,
    differences: check.differences.map(({ fix, error, ...difference }) => {
      const fixes = fix ? [renderFix(fix, context)] : error ? errorJson(error, context).actions : [];
      return fixes.length ? { ...difference, fix: fixes.join('\n') } : difference;
    }),
  };
}

export function createResult(report: CreateReport, context: RenderContext): CreateUserResult {
  const { note, ...rest } = report;
  return note ? { ...rest, note: renderAdvice(note, context) } : rest;
}

export function listResult(report: ListReport, context: RenderContext): ListResult {
  const { candidates, ...rest } = report;
  if (!candidates) return rest;
  return {
    ...rest,
    candidates: candidates.map(({ fix, ...candidate }) => ({ ...candidate, command: renderFix(fix, context) })),
  };
}
