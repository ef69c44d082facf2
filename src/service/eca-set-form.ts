import type { OrgClient } from './org-client.js';
import { DeployFailedError } from './metadata-api.js';
import { soqlList } from './query-reader.js';

/**
 * How a policy writes its permission sets: the Metadata API reference says commaSeparatedPermissionSet holds
 * "Permission set IDs", Salesforce's sample and a live org hold API names. A policy listing Ids is read as the sets'
 * names (`permissionSets`) and written back as Ids: `setIds` knows the Id of each name read from an Id.
 */
export type SetForm = { setsAsIds: boolean; setIds: Map<string, string> };

/** A PermissionSet Id (key prefix 0PS), 15 or 18 characters. */
export const isSetId = (entry: string): boolean => /^0PS[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?$/.test(entry);

/** Entries that are set Ids become the sets' names, every policy's in one query (none when no policy lists an Id). */
export async function namesForIds(
  client: OrgClient,
  policies: Array<SetForm & { permissionSets: string[] }>
): Promise<void> {
  const ids = [...new Set(policies.flatMap((p) => p.permissionSets.filter(isSetId)))];
  if (!ids.length) return;
  const rows = await client.queryByIds(ids, (list) => `SELECT Id, Name FROM PermissionSet WHERE Id IN ${list}`);
  const nameOf = new Map(rows.map((r) => [String(r.Id).slice(0, 15), String(r.Name)]));
  for (const policy of policies) {
    policy.setsAsIds = policy.permissionSets.some(isSetId);
    policy.permissionSets = policy.permissionSets.map((entry) => {
      const name = isSetId(entry) ? nameOf.get(entry.slice(0, 15)) : undefined;
      if (name === undefined) return entry;
      policy.setIds.set(name.toLowerCase(), entry);
      return name;
    });
  }
}

/**
 * The commaSeparatedPermissionSet entries for these sets: their names, or (`asIds`: the policy lists Ids) their
 * Ids, those it didn't read from the policy in one query. A name the org doesn't have stays a name (the org names it).
 */
export async function setEntries(
  client: OrgClient,
  form: SetForm,
  names: readonly string[],
  asIds = form.setsAsIds
): Promise<string[]> {
  if (!asIds) return [...names];
  const unknown = names.filter((n) => !isSetId(n) && !form.setIds.has(n.toLowerCase()));
  if (unknown.length)
    for (const row of await client.query(`SELECT Id, Name FROM PermissionSet WHERE Name IN ${soqlList(unknown)}`))
      form.setIds.set(String(row.Name).toLowerCase(), String(row.Id));
  return names.map((n) => form.setIds.get(n.toLowerCase()) ?? n);
}

/** A deploy the org refused for the names in commaSeparatedPermissionSet (it wants the sets' Ids there). */
const setNamesRefused = (error: unknown): boolean =>
  error instanceof DeployFailedError && error.failures.some((f) => /commaSeparatedPermissionSet/.test(f.problem ?? ''));

/**
 * Deploys the policy with its sets as it lists them (Ids or names; an empty list: names, as Salesforce's sample),
 * the Ids the caller read (`change.setIds`) first. An org that refuses names there gets the same deploy once more
 * with Ids: a deploy is all-or-nothing, so the refused one wrote nothing.
 */
export async function writeSets<T>(
  client: OrgClient,
  form: SetForm,
  change: { permissionSets: string[]; setIds?: ReadonlyMap<string, string> },
  deploy: (entries: string[]) => Promise<T>
): Promise<T> {
  for (const [name, id] of change.setIds ?? []) if (!form.setIds.has(name)) form.setIds.set(name, id);
  return deploy(await setEntries(client, form, change.permissionSets)).catch(async (error: unknown) => {
    if (form.setsAsIds || !change.permissionSets.length || !setNamesRefused(error)) throw error;
    return deploy(await setEntries(client, form, change.permissionSets, true));
  });
}
