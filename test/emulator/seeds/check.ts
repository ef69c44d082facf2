// The small validators every seed section uses. Each throws SeedError naming the path of the offending value.

export class SeedError extends Error {
  public constructor(
    public readonly path: string,
    detail: string
  ) {
    super(`${path}: ${detail}`);
    this.name = 'SeedError';
  }
}

export type Obj = Record<string, unknown>;

export function obj(v: unknown, path: string, known: string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SeedError(path, 'must be an object');
  for (const k of Object.keys(v))
    if (!known.includes(k)) throw new SeedError(`${path}.${k}`, `unknown key (known: ${known.join(', ')})`);
  return v as Obj;
}
export function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new SeedError(path, 'must be a list');
  return v;
}
export function optStr(v: unknown, path: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new SeedError(path, 'must be a non-empty string');
  return v;
}
export function reqStr(v: unknown, path: string): string {
  if (v === undefined) throw new SeedError(path, 'is required');
  return optStr(v, path) as string;
}
export function optBool(v: unknown, path: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new SeedError(path, 'must be true or false');
  return v;
}
export function optCount(v: unknown, path: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < 0) throw new SeedError(path, 'must be a whole number >= 0');
  return v as number;
}
export function optStrList(v: unknown, path: string): string[] | undefined {
  if (v === undefined) return undefined;
  return list(v, path).map((x, i) => reqStr(x, `${path}[${i}]`));
}
export function uniqueBy<T>(items: T[], key: (t: T) => string, path: string, what: string): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item).toLowerCase();
    if (seen.has(k)) throw new SeedError(`${path}[${i}]`, `duplicate ${what} '${key(item)}'`);
    seen.add(k);
  });
}

/** The lower-case names of a resolved list, for the sections that refer to it. */
export function namesOf<T>(items: T[], key: (t: T) => string): Set<string> {
  return new Set(items.map((t) => key(t).toLowerCase()));
}

export const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// Time zones: the org's and each user's TimeZoneSidKey, and the User.TimeZoneSidKey picklist.

let zoneCache: Set<string> | undefined;
export function timeZones(): string[] {
  return [...zoneSet()];
}
export function zoneSet(): Set<string> {
  if (!zoneCache) zoneCache = new Set([...Intl.supportedValuesOf('timeZone'), 'GMT', 'UTC']);
  return zoneCache;
}
export function isTimeZone(value: string): boolean {
  return zoneSet().has(value);
}
