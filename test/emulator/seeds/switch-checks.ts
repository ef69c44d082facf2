// The validators of behaviour switches (behaviours.ts): each takes the seed's value and its path, and returns
// the value as the emulator keeps it or throws SeedError naming the path.

import { API_NAME, SeedError } from './check.js';
import type { ErrorSpec } from './behaviours.js';

export type Check<T> = (value: unknown, path: string) => T;

export const oneOf =
  <T extends string>(...values: T[]): Check<T> =>
  (v, path) => {
    if (typeof v !== 'string' || !values.includes(v as T))
      throw new SeedError(path, `must be one of ${values.map((x) => `'${x}'`).join(', ')}`);
    return v as T;
  };
export const bool: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new SeedError(path, 'must be true or false');
  return v;
};
export const text: Check<string> = (v, path) => {
  if (typeof v !== 'string' || v === '') throw new SeedError(path, 'must be a non-empty string');
  return v;
};
export const stringList: Check<string[]> = (v, path) => {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new SeedError(path, 'must be a list of strings');
  return v as string[];
};
export const errorSpec: Check<ErrorSpec> = (v, path) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new SeedError(path, 'must be {errorCode, message, status?}');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!['errorCode', 'message', 'status'].includes(k))
      throw new SeedError(`${path}.${k}`, 'unknown key (known: errorCode, message, status)');
  const spec: ErrorSpec = {
    errorCode: text(o.errorCode, `${path}.errorCode`),
    message: text(o.message, `${path}.message`),
  };
  if (o.status !== undefined) {
    if (!Number.isInteger(o.status) || (o.status as number) < 400 || (o.status as number) > 599)
      throw new SeedError(`${path}.status`, 'must be an HTTP error status');
    spec.status = o.status as number;
  }
  return spec;
};
export const errorOrAccept: Check<ErrorSpec | 'accept'> = (v, path) => (v === 'accept' ? 'accept' : errorSpec(v, path));
export const errorOrReadOnly: Check<ErrorSpec | 'readOnlyField'> = (v, path) =>
  v === 'readOnlyField' ? 'readOnlyField' : errorSpec(v, path);
/** User permission API names, with or without the Permissions prefix; stored without it. */
export const userPermissionList: Check<string[]> = (v, path) =>
  stringList(v, path).map((n, i) => {
    const bare = n.replace(/^Permissions/, '');
    if (!API_NAME.test(bare))
      throw new SeedError(`${path}[${i}]`, "must be a user permission API name like 'ModifyAllData'");
    return bare;
  });
export const endpointList: Check<Array<'data' | 'tooling'>> = (v, path) =>
  stringList(v, path).map((e, i) => {
    if (e !== 'data' && e !== 'tooling') throw new SeedError(`${path}[${i}]`, "must be 'data' or 'tooling'");
    return e;
  });
/** `Object.Field` API names. */
export const objectFieldList: Check<string[]> = (v, path) =>
  stringList(v, path).map((n, i) => {
    const [object, field, extra] = n.split('.');
    if (extra !== undefined || !API_NAME.test(object ?? '') || !API_NAME.test(field ?? ''))
      throw new SeedError(`${path}[${i}]`, "must be 'Object.Field', e.g. 'PermissionSet.PermissionsUseAnyApiClient'");
    return n;
  });
export const count: Check<number> = (v, path) => {
  if (!Number.isInteger(v) || (v as number) < 0) throw new SeedError(path, 'must be a whole number >= 0');
  return v as number;
};

export const positive =
  (max: number): Check<number> =>
  (v, path) => {
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max)
      throw new SeedError(path, `must be a whole number from 1 to ${max}`);
    return v as number;
  };

export function sw<T>(defaultValue: T, check: Check<T>): { default: T; check: Check<T> } {
  return { default: defaultValue, check };
}
