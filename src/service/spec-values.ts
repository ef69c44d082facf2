import { errorWords, ServiceError } from './errors.js';
import { validateCreateInput } from './create-input.js';
import { grantInputError, parseFieldGrants, parseObjectGrants } from './permissions.js';
import { checkPreauthorizeInput } from './preauthorize-input.js';
import type { Problem, SetupSpec, SpecUser } from './spec.js';

/**
 * A spec's values, checked by the rules the flags are checked by (create-input.ts, permissions.ts,
 * preauthorize-input.ts) before the org is touched, and said in the spec's terms: the place in the spec
 * (users[1].objects[0]), what is wrong with the value, and what to write there, never a flag the user didn't type.
 */

/** Words of a spec value's problem, from messages/errors.md (`spec.value.<error>`, `spec.write.<error>`). */
const say = (key: string, tokens: ReadonlyArray<string | number>): string => errorWords(`spec.${key}`, tokens);

/** The spec key a create check refuses, by its error. */
const CREATE_KEYS: Record<string, keyof SpecUser> = {
  InvalidName: 'name',
  InvalidEmail: 'email',
  InvalidUsername: 'username',
  InvalidAlias: 'alias',
  InvalidTimeZone: 'timeZone',
};

/** A flag check's error at a place in the spec, in the spec's words. */
function inSpec(at: string, error: unknown): Problem {
  if (!(error instanceof ServiceError)) throw error;
  const { key, tokens } = error;
  const actionTokens = error.actionTokens.filter((t): t is string => typeof t === 'string');
  return { at, what: say(`value.${key}`, tokens), write: say(`write.${key}`, actionTokens) };
}

/** The error a check throws, or none. */
function thrown(check: () => unknown): unknown {
  try {
    check();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** The first value of a (well-shaped) spec that its command would refuse before asking the org. */
export function specValueProblem(spec: SetupSpec): Problem | undefined {
  for (const [index, user] of spec.users.entries()) {
    const problem = userValueProblem(`users[${index}]`, user);
    if (problem) return problem;
  }
  return undefined;
}

function userValueProblem(at: string, user: SpecUser): Problem | undefined {
  const created = validateCreateInput(user);
  if (created instanceof ServiceError) {
    const key = created.key === 'InvalidLocale' ? String(created.tokens[1]) : CREATE_KEYS[created.key];
    return inSpec(`${at}.${key}`, created);
  }
  // Each entry alone for its form, then the list for what the entries need together (delete needs read and edit).
  for (const [n, value] of (user.objects ?? []).entries()) {
    const error = thrown(() => parseObjectGrants([value]));
    if (error instanceof ServiceError && error.key !== 'ObjectAccessDependency')
      return inSpec(`${at}.objects[${n}]`, error);
  }
  const together = thrown(() => parseObjectGrants(user.objects ?? []));
  if (together) {
    const object = String((together as ServiceError).tokens?.[0] ?? '');
    const n = (user.objects ?? []).findLastIndex((value) => value.slice(0, value.lastIndexOf(':')).trim() === object);
    return inSpec(n < 0 ? `${at}.objects` : `${at}.objects[${n}]`, together);
  }
  for (const [n, value] of (user.fields ?? []).entries()) {
    const error = thrown(() => parseFieldGrants([value]));
    if (error) return inSpec(`${at}.fields[${n}]`, error);
  }
  const named = grantInputError({
    permissionSets: ['-'],
    groups: [],
    objects: [],
    fields: [],
    permissionSetName: user.permissionSetName,
  });
  if (named) return inSpec(`${at}.permissionSetName`, named);
  if (user.app) {
    const app = user.app.name;
    const error = thrown(() => checkPreauthorizeInput({ app, permissionSets: [] }));
    if (error) return inSpec(`${at}.app.name`, error);
  }
  return undefined;
}
