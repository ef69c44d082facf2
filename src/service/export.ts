import { writeFile } from 'node:fs/promises';
import { type OrgClient, type SObjectRecord, soqlList, soqlQuote } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';
import { createUserFix } from './fixes.js';
import { inspectOne } from './inspection.js';
import { INTEGRATION_PROFILE, INTEGRATION_USER_LICENSE } from './licenses.js';
import { MANAGED_MARKER } from './generated-set.js';
import { accessOf, derivePermissionSetName } from './permissions.js';
import type { SetupSpec, SpecUser } from './spec.js';
import { userFilter } from './user-filters.js';

/**
 * `export`: the spec of integration users as the org holds them, so that `setup --check` on it finds nothing to
 * change and `setup` writes nothing. Two round trips: the users and their assignments; then the object and field
 * permissions of the sets `grant` generated for them (those carrying MANAGED_MARKER), which the spec words as
 * `objects` and `fields` (the generated set is made from them) rather than as a set to assign.
 */

export type ExportInput = { users: readonly string[]; file?: string };
export type ExportResult = {
  /** The file written, when one was given. */
  file?: string;
  format: 'yaml' | 'json';
  spec: SetupSpec;
};

export async function exportSpec(client: OrgClient, input: ExportInput): Promise<ExportResult> {
  const userWhere = input.users.length
    ? input.users.map((u) => `(${userFilter(u)})`).join(' OR ')
    : `Profile.UserLicense.Name = ${soqlQuote(INTEGRATION_USER_LICENSE)} AND IsActive = true`;
  // The apps that pre-authorize them: connected apps through SetupEntityAccess (ConnectedApplication.Name is the
  // label, so listMetadata, sent at the same time, gives the API name a spec names), External Client Apps through
  // their OAuth policy (one retrieve), as list does. Without Metadata API access, no app is exported.
  const [found, apiNames, appPolicies] = await Promise.all([
    inspectOne(client, {
      queries: {
        appAccess:
          "SELECT ParentId, SetupEntityId FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication'",
        connectedApps: 'SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication',
        users: `SELECT Id, Username, Name, Email, Alias, Profile.Name FROM User WHERE ${userWhere} ORDER BY Username`,
        assignments: `SELECT AssigneeId, PermissionSetId, PermissionSet.Name, PermissionSet.Description, PermissionSet.IsOwnedByProfile, PermissionSetGroupId, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE AssigneeId IN (SELECT Id FROM User WHERE ${userWhere})`,
      },
    }),
    client.metadata.list(['ConnectedApp']).catch(withoutAccess),
    import('./eca-metadata.js')
      .then(({ readAppPolicies }) => readAppPolicies(client))
      .catch((error: unknown) => ({ policies: withoutAccess(error), connectedApps: withoutAccess(error) })),
  ]);
  const ecaPolicies = appPolicies.policies;
  // The apps whose client credentials flow is on and runs as a user: `app.runAs: true`.
  const { appsRunningAs } = await import('./eca-metadata.js');
  const runAsApps = appsRunningAs(appPolicies, { enabledOnly: true });
  const apiNameOf = (id: string): string | undefined =>
    apiNames.find((c) => c.id.slice(0, 15) === id.slice(0, 15))?.fullName;
  const approvedApps = new Map(
    found.connectedApps
      .filter((a) => a.OptionsAllowAdminApprovedUsersOnly === true)
      .map((a): [string, string | undefined] => [a.Id, apiNameOf(a.Id)])
  );
  for (const wanted of input.users) {
    const lower = wanted.toLowerCase();
    if (!found.users.some((u) => u.Id === wanted || String(u.Username).toLowerCase() === lower))
      throw serviceError('UserNotFound', [wanted], [createUserFix()]);
  }
  const isGenerated = (a: SObjectRecord): boolean => {
    const description = (a.PermissionSet as SObjectRecord | null)?.Description;
    return !a.PermissionSetGroupId && typeof description === 'string' && description.startsWith(MANAGED_MARKER);
  };
  const generatedIds = [...new Set(found.assignments.filter(isGenerated).map((a) => String(a.PermissionSetId)))];
  const access = generatedIds.length
    ? await inspectOne(client, {
        queries: {
          objects: `SELECT ParentId, SobjectType, PermissionsRead, PermissionsCreate, PermissionsEdit, PermissionsDelete, PermissionsViewAllRecords, PermissionsModifyAllRecords FROM ObjectPermissions WHERE ParentId IN ${soqlList(generatedIds)} ORDER BY SobjectType`,
          fields: `SELECT ParentId, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE ParentId IN ${soqlList(generatedIds)} ORDER BY Field`,
        },
      })
    : { objects: [], fields: [] };

  const users = found.users.map((user): SpecUser => {
    const held = found.assignments.filter((a) => a.AssigneeId === user.Id);
    const name = String(user.Name);
    const spec: SpecUser = { name, email: String(user.Email), username: String(user.Username) };
    if (typeof user.Alias === 'string' && user.Alias) spec.alias = user.Alias;
    const profile = (user.Profile as SObjectRecord | null)?.Name;
    if (typeof profile === 'string' && profile !== INTEGRATION_PROFILE) spec.profile = profile;
    const sets = held
      .filter((a) => !a.PermissionSetGroupId && !isGenerated(a))
      .map((a) => a.PermissionSet as SObjectRecord | null)
      .filter((s) => s && s.IsOwnedByProfile !== true)
      .map((s) => String(s?.Name))
      .sort();
    const groups = held
      .filter((a) => a.PermissionSetGroupId)
      .map((a) => String((a.PermissionSetGroup as SObjectRecord).DeveloperName))
      .sort();
    if (sets.length) spec.permissionSets = sets;
    if (groups.length) spec.permissionSetGroups = groups;
    const generated = held.find(isGenerated);
    if (generated) {
      const setId = String(generated.PermissionSetId);
      const objects = access.objects
        .filter((o) => o.ParentId === setId && accessOf(o).length)
        .map((o) => `${String(o.SobjectType)}:${accessOf(o).join(',')}`);
      const fields = access.fields
        .filter((f) => f.ParentId === setId && (f.PermissionsRead === true || f.PermissionsEdit === true))
        .map((f) => `${String(f.Field)}:${f.PermissionsEdit === true ? 'edit' : 'read'}`);
      if (objects.length) spec.objects = objects;
      if (fields.length) spec.fields = fields;
      const setName = String((generated.PermissionSet as SObjectRecord).Name);
      if (setName !== derivePermissionSetName(name)) spec.permissionSetName = setName;
    }
    const app = appOf(
      held,
      (typeof profile === 'string' && profile) || '',
      found.appAccess
        .filter((row) => approvedApps.get(String(row.SetupEntityId)))
        .map((row) => ({ app: String(approvedApps.get(String(row.SetupEntityId))), parentId: String(row.ParentId) })),
      ecaPolicies.filter((p) => p.policy === 'AdminApprovedPreAuthorized'),
      new Set(runAsApps.get(String(user.Username).toLowerCase()))
    );
    if (app) spec.app = app;
    return spec;
  });
  if (!users.length) throw serviceError('ExportNoUsers', [], [createUserFix()]);

  const spec: SetupSpec = { users };
  const format = input.file && /\.json$/i.test(input.file) ? 'json' : 'yaml';
  if (input.file) await writeFile(input.file, await specText(spec, format), 'utf8');
  return { ...(input.file ? { file: input.file } : {}), format, spec };
}

/**
 * An admin who can't use the Metadata API gets a spec without apps; a fault that outlived the retries, a lost
 * connection or an expired session fails the export instead of leaving the apps out unsaid.
 */
function withoutAccess(error: unknown): never[] {
  const transient = ['SERVER_UNAVAILABLE', 'REQUEST_LIMIT_EXCEEDED', 'UNABLE_TO_LOCK_ROW'];
  if (error instanceof SalesforceApiError && !transient.includes(error.errorCode) && (error.status ?? 0) < 500)
    return [];
  throw error;
}

/** The spec as its file holds it: YAML (the yaml package setup reads it with) or JSON, by the file's extension. */
export async function specText(spec: SetupSpec, format: 'yaml' | 'json'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(spec, null, 2)}\n`;
  const { stringify } = await import('yaml');
  return stringify(spec);
}

/**
 * The one app a spec names for a user: the first (by API name) whose admin-approved list covers it, by its profile
 * ("profile") or else by the sets it holds ("permission-set", those sets). A spec holds one app a user; a user
 * other apps also pre-authorize keeps them (setup leaves apps it isn't told about alone). An app whose client
 * credentials flow runs as the user comes first, with `runAs: true` (setup then keeps it running as the user).
 */
function appOf(
  held: SObjectRecord[],
  profile: string,
  connectedAppRows: Array<{ app: string; parentId: string }>,
  ecaPolicies: Array<{ app: string; profiles: string[]; permissionSets: string[] }>,
  runAsApps: ReadonlySet<string>
): SpecUser['app'] | undefined {
  const setNames = new Map(
    held
      .filter((a) => !a.PermissionSetGroupId)
      .map((a): [string, SObjectRecord | null] => [String(a.PermissionSetId), a.PermissionSet as SObjectRecord | null])
  );
  const byApp = new Map<string, { profile: boolean; sets: Set<string> }>();
  const entry = (app: string): { profile: boolean; sets: Set<string> } => {
    const found = byApp.get(app) ?? { profile: false, sets: new Set<string>() };
    byApp.set(app, found);
    return found;
  };
  for (const row of connectedAppRows) {
    const set = setNames.get(row.parentId);
    if (!set) continue;
    if (set.IsOwnedByProfile === true) entry(row.app).profile = true;
    else entry(row.app).sets.add(String(set.Name));
  }
  const heldNames = [...setNames.values()].filter((s) => s && s.IsOwnedByProfile !== true).map((s) => String(s?.Name));
  for (const policy of ecaPolicies) {
    if (profile && policy.profiles.includes(profile)) entry(policy.app).profile = true;
    for (const name of heldNames) if (policy.permissionSets.includes(name)) entry(policy.app).sets.add(name);
  }
  const names = [...byApp.keys()].sort();
  const first = names.find((name) => runAsApps.has(name)) ?? names[0];
  if (!first) return undefined;
  const { profile: byProfile, sets } = byApp.get(first) as { profile: boolean; sets: Set<string> };
  const runAs = runAsApps.has(first) ? { runAs: true } : {};
  return byProfile
    ? { name: first, ...runAs }
    : { name: first, preauthorize: 'permission-set', permissionSets: [...sets].sort(), ...runAs };
}
