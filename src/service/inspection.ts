import type { OrgClient, SObjectRecord } from './org-client.js';
import type { ConnectedAppComponent, ConnectedAppComponents } from './app-lookup.js';

/**
 * What a planner reads, and the one inspection that reads for many planners at once. Each planner says what it
 * reads as named queries (`createReads(input)`, `grantReads(input)`, ...) and takes what came back under the
 * same names (`Found<K>`), typed; setup hands every user's planners' reads to one `inspect` call, which sends
 * them through one `client.queryList` (the same SOQL once) and the apps' readMetadata beside it.
 */

/** Named queries; an undefined query reads nothing. `optional`: queries on an object or column the org may lack. */
export type Reads<K extends string> = { queries: Record<K, string | undefined>; optional?: readonly K[] };
/** What came back for each of a planner's queries: every record, read to the last page. */
export type Found<K extends string> = Record<K, SObjectRecord[]>;

/** Several planners' reads under names of the caller's choosing (`{ create, psl, grant }`); a planner left out reads nothing. */
export type ReadGroup = Record<string, Reads<string> | undefined>;
export type FoundGroup<G extends ReadGroup> = {
  [P in keyof G]: NonNullable<G[P]> extends Reads<infer K> ? Found<K> : never;
};

/**
 * Reads every group's queries in one round trip (client.queryList), and at the same time the ConnectedApp
 * components of `apps` (readMetadata, 10 a call): a connected app's label is how its ConnectedApplication row is
 * found (app-lookup.ts). A name that isn't a connected app has no component.
 */
export async function inspect<G extends ReadGroup>(
  client: OrgClient,
  groups: readonly G[],
  apps: readonly string[] = []
): Promise<{ found: Array<FoundGroup<G>>; components: ConnectedAppComponents }> {
  const slots: Array<{ group: number; name: string; key: string }> = [];
  const queries: Array<{ soql?: string; optional: boolean }> = [];
  groups.forEach((group, index) => {
    for (const [name, reads] of Object.entries(group)) {
      if (!reads) continue;
      for (const [key, soql] of Object.entries(reads.queries)) {
        slots.push({ group: index, name, key });
        queries.push({ soql, optional: (reads.optional ?? []).includes(key) });
      }
    }
  });
  const names = [...new Set(apps.map((a) => a.toLowerCase()))].map(
    (lower) => apps.find((a) => a.toLowerCase() === lower) ?? lower
  );
  const [records, read] = await Promise.all([
    client.queryList(queries),
    names.length ? client.metadata.readMany<ConnectedAppComponent>('ConnectedApp', names) : Promise.resolve([]),
  ]);
  const found = groups.map((group) =>
    Object.fromEntries(Object.entries(group).flatMap(([name, reads]) => (reads ? [[name, {}]] : [])))
  ) as Array<Record<string, Record<string, SObjectRecord[]>>>;
  slots.forEach(({ group, name, key }, index) => (found[group][name][key] = records[index]));
  return {
    found: found as Array<FoundGroup<G>>,
    components: new Map(read.map((c) => [c.fullName.toLowerCase(), c])),
  };
}

/** How many statements an inspection of these groups sends (the same SOQL once): 25 go in one batch. */
export function statementCount(groups: readonly ReadGroup[]): number {
  const soql = groups.flatMap((group) =>
    Object.values(group).flatMap((reads) => Object.values(reads?.queries ?? {}).filter((q) => q !== undefined))
  );
  return new Set(soql).size;
}

/** One planner's reads alone (a command's own inspection). */
export async function inspectOne<K extends string>(client: OrgClient, reads: Reads<K>): Promise<Found<K>> {
  const { found } = await inspect(client, [{ only: reads }]);
  return found[0].only;
}
