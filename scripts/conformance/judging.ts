// Reading the commands' --json results: expected field values, and the test user's assignments
// as `sf data query` returns them.

/** The parts of each command's --json result a run reads (schemas/ holds them whole); any may be missing. */
export type CreateOut = { id?: string; username?: string; profile?: string; status?: string; created?: boolean };
export type AssignPslOut = { permissionSetLicense?: string; status?: string; assigned?: boolean };
export type GrantOut = {
  generatedPermissionSet?: { name?: string; status?: string };
  permissionSets?: Array<{ name: string; status: string }>;
};
export type PreauthorizeOut = {
  app?: string;
  appType?: string;
  policy?: string;
  previousPolicy?: string;
  profiles?: string[];
  permissionSets?: string[];
  created?: boolean;
  changed?: boolean;
  consumerKey?: string;
};
export type VerifyOut = {
  checks?: Array<{ name: string; status: string; message: string }>;
  access?: Array<{ object: string; read: boolean }>;
  query?: { totalSize: number };
};
/** sf data query */
export type QueryOut = { records?: Row[] };
export type Verdict = { outcome: string; problems: string[] };

/** What the test user holds, with what shows a change: record Ids and LastModifiedDate. */
export type Held = {
  isActive: boolean;
  lastModified: string;
  /** Permission set (and group) assignments, not the profile's own set. */
  sets: Array<{ id: string; setId: string; name: string; lastModified: string }>;
  licenses: Array<{ id: string; name: string }>;
  /** The API version sf used for the read, e.g. v66.0 (from the record's URL). */
  apiVersion?: string;
};

/** One problem per field whose value differs ("status is "exists", expected "created""). */
export function expectFields(result: object | undefined, expected: Record<string, unknown>): string[] {
  const actual = (result ?? {}) as Record<string, unknown>;
  return Object.entries(expected)
    .filter(([key, value]) => actual[key] !== value)
    .map(([key, value]) => `${key} is ${JSON.stringify(actual[key])}, expected ${JSON.stringify(value)}`);
}

/** The user, its permission set assignments and permission set license assignments, in one query. */
export function userStateQuery(userId: string): string {
  if (!/^[a-zA-Z0-9]{15,18}$/.test(userId)) throw new Error(`not a record Id: ${userId}`);
  return [
    'SELECT Id, IsActive, LastModifiedDate,',
    '(SELECT Id, PermissionSetId, PermissionSet.Name, PermissionSet.LastModifiedDate FROM PermissionSetAssignments WHERE PermissionSet.IsOwnedByProfile = false),',
    '(SELECT Id, PermissionSetLicense.DeveloperName FROM PermissionSetLicenseAssignments)',
    `FROM User WHERE Id = '${userId}'`,
  ].join(' ');
}

export type Row = Record<string, unknown> & { Id: string };
// A child relationship with no rows comes back as null from a real org, as an empty list elsewhere.
const children = (parent: Row, name: string): Row[] => (parent[name] as { records?: Row[] } | null)?.records ?? [];
const byId = (a: { id: string }, b: { id: string }): number => a.id.localeCompare(b.id);

/** The result of `sf data query` with userStateQuery, or undefined when it found no user. */
export function heldByUser(result: QueryOut): Held | undefined {
  const user = result.records?.[0];
  if (!user) return undefined;
  return {
    isActive: user.IsActive === true,
    lastModified: String(user.LastModifiedDate),
    sets: children(user, 'PermissionSetAssignments')
      .map((a) => {
        const set = (a.PermissionSet ?? {}) as { Name?: string; LastModifiedDate?: string };
        return {
          id: a.Id,
          setId: String(a.PermissionSetId),
          name: String(set.Name ?? a.PermissionSetId),
          lastModified: String(set.LastModifiedDate),
        };
      })
      .sort(byId),
    licenses: children(user, 'PermissionSetLicenseAssignments')
      .map((a) => ({
        id: a.Id,
        name: String((a.PermissionSetLicense as { DeveloperName?: string } | undefined)?.DeveloperName),
      }))
      .sort(byId),
    apiVersion: /\/services\/data\/(v\d+\.\d+)\//.exec(
      String((user.attributes as { url?: string } | undefined)?.url)
    )?.[1],
  };
}

/** What differs between two reads of the user: nothing, after a re-run that changed nothing. */
export function changesBetween(before: Held, after: Held): string[] {
  const changes: string[] = [];
  if (after.lastModified !== before.lastModified)
    changes.push(`the User record changed (LastModifiedDate ${before.lastModified} -> ${after.lastModified})`);
  if (after.isActive !== before.isActive) changes.push(`the user is ${after.isActive ? 'active' : 'inactive'} now`);
  const describe = (list: Array<{ id: string; name: string; lastModified?: string }>): string[] =>
    list.map((a) => `${a.name} ${a.id}${a.lastModified ? ` ${a.lastModified}` : ''}`);
  for (const [what, was, now] of [
    ['permission set assignments', describe(before.sets), describe(after.sets)],
    ['permission set license assignments', describe(before.licenses), describe(after.licenses)],
  ] as const) {
    const gone = was.filter((a) => !now.includes(a));
    const added = now.filter((a) => !was.includes(a));
    if (gone.length || added.length)
      changes.push(`${what} changed: ${[...gone.map((a) => `was ${a}`), ...added.map((a) => `now ${a}`)].join(', ')}`);
  }
  return changes;
}
