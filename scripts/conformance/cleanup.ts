// Cleanup as one composite request, sent with the stock `sf api request rest`: the test user's
// permission set assignments deleted, then its permission set license assignments (no set needs
// them any more), the run's generated set, the user deactivated (users can't be deleted), and a
// read of what the user holds afterwards. collateSubrequests false keeps that order (Composite
// resource, REST API Developer Guide); allOrNone false lets each part succeed on its own.

import { heldByUser, userStateQuery, type Held, type QueryOut, type Verdict } from './judging.js';

export type CleanupPlan = {
  userId: string;
  username: string;
  held: Held;
  /** The generated set to delete, when it is the run's own and no app lists it. */
  deleteSet?: { id: string; name: string };
  /** e.g. v66.0: the version sf used for the user's query. */
  apiVersion: string;
};

type Subrequest = { method: string; url: string; referenceId: string; body?: unknown };
type SubResponse = { referenceId: string; httpStatusCode: number; body: unknown };
type SaveResult = { id?: string; success?: boolean; errors?: Array<{ statusCode?: string; message?: string }> };

/** The composite request body. */
export function cleanupRequest(plan: CleanupPlan): {
  allOrNone: boolean;
  collateSubrequests: boolean;
  compositeRequest: Subrequest[];
} {
  const base = `/services/data/${plan.apiVersion}`;
  const collection = (ids: string[]): string => `${base}/composite/sobjects?ids=${ids.join(',')}&allOrNone=false`;
  const requests: Subrequest[] = [];
  if (plan.held.sets.length)
    requests.push({
      method: 'DELETE',
      url: collection(plan.held.sets.map((s) => s.id)),
      referenceId: 'permissionSetAssignments',
    });
  if (plan.held.licenses.length)
    requests.push({
      method: 'DELETE',
      url: collection(plan.held.licenses.map((l) => l.id)),
      referenceId: 'licenseAssignments',
    });
  if (plan.deleteSet)
    requests.push({
      method: 'DELETE',
      url: `${base}/sobjects/PermissionSet/${plan.deleteSet.id}`,
      referenceId: 'generatedSet',
    });
  requests.push({
    method: 'PATCH',
    url: `${base}/sobjects/User/${plan.userId}`,
    body: { IsActive: false },
    referenceId: 'deactivate',
  });
  // Quotes encoded too, so the body shows unescaped in a shell command.
  const soql = encodeURIComponent(userStateQuery(plan.userId)).replace(/'/g, '%27');
  requests.push({ method: 'GET', url: `${base}/query?q=${soql}`, referenceId: 'afterwards' });
  return { allOrNone: false, collateSubrequests: false, compositeRequest: requests };
}

const failure = (errors: unknown): string => {
  const list = (Array.isArray(errors) ? errors : [errors]) as Array<{
    errorCode?: string;
    statusCode?: string;
    message?: string;
  }>;
  return list.map((e) => `${e?.errorCode ?? e?.statusCode ?? 'error'}: ${e?.message ?? JSON.stringify(e)}`).join('; ');
};

/** One verdict per part of the cleanup, from `sf api request rest --json`'s result ({statusCode, body}). */
export function judgeCleanup(plan: CleanupPlan, result: unknown): Array<{ step: string; verdict: Verdict }> {
  const response = result as { statusCode?: number; body?: { compositeResponse?: SubResponse[] } } | undefined;
  const parts = response?.body?.compositeResponse;
  if (response?.statusCode !== 200 || !Array.isArray(parts)) {
    return [
      {
        step: 'cleanup',
        verdict: {
          outcome: '',
          problems: [`the composite request answered ${response?.statusCode}: ${failure(response?.body)}`],
        },
      },
    ];
  }
  const part = (referenceId: string): SubResponse | undefined => parts.find((p) => p.referenceId === referenceId);
  const steps: Array<{ step: string; verdict: Verdict }> = [];
  const removals = (referenceId: string, items: Array<{ id: string; name: string }>): void => {
    const saves = (Array.isArray(part(referenceId)?.body) ? part(referenceId)?.body : []) as SaveResult[];
    for (const item of items) {
      const save = saves.find((s) => s.id === item.id);
      const problems =
        save?.success === true
          ? []
          : [save ? failure(save.errors) : `no result for ${item.id}: ${failure(part(referenceId)?.body)}`];
      steps.push({ step: `remove ${item.name}`, verdict: { outcome: `deleted ${item.id}`, problems } });
    }
  };
  const noContent = (step: string, referenceId: string, outcome: string): void => {
    const answer = part(referenceId);
    const problems =
      answer?.httpStatusCode === 204 ? [] : [`answered ${answer?.httpStatusCode}: ${failure(answer?.body)}`];
    steps.push({ step, verdict: { outcome, problems } });
  };

  removals('permissionSetAssignments', plan.held.sets);
  removals('licenseAssignments', plan.held.licenses);
  if (plan.deleteSet) noContent(`delete ${plan.deleteSet.name}`, 'generatedSet', `deleted ${plan.deleteSet.id}`);
  noContent('deactivate user', 'deactivate', `${plan.username} is inactive`);

  const afterwards = part('afterwards');
  const held = afterwards?.httpStatusCode === 200 ? heldByUser(afterwards.body as QueryOut) : undefined;
  const problems = !held
    ? [`the read-back answered ${afterwards?.httpStatusCode}: ${failure(afterwards?.body)}`]
    : [
        ...(held.isActive ? ['the user is still active'] : []),
        ...held.sets.map((s) => `it still holds ${s.name}`),
        ...held.licenses.map((l) => `it still holds ${l.name}`),
      ];
  steps.push({
    step: 'cleanup shows',
    verdict: { outcome: 'inactive; holds no permission set and no permission set license', problems },
  });
  return steps;
}
