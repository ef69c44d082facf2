import { soqlList, type OrgClient, type SObjectRecord } from './org-client.js';

/**
 * The org's own spelling of the objects and fields that --object / --field name. EntityDefinition and
 * EntityParticle take only equality filters (no OR, no NOT: Tooling API, "SOQL Operation Limitations"), and
 * whether their IN values match in any case is unsettled (OrgCheck issue 238 saw '<Local>' match nothing where
 * '<local>' did). So the first read asks for the names as given (spelled as the org spells them, the common
 * case, that is all), and only a name it doesn't find is looked up again, in bulk: every object's name, then
 * every field of the objects concerned, matched here in any case.
 */
export type NameRows = { entities: SObjectRecord[]; particles: SObjectRecord[] };

const PARTICLE_COLUMNS = 'EntityDefinition.QualifiedApiName, QualifiedApiName, IsPermissionable, IsUpdatable';

/** The first read: the granted objects, and the granted fields of each (for one round trip with the rest). */
export function nameQueries(
  objects: readonly string[],
  fields: ReadonlyArray<[object: string, field: string]>
): { entities?: string; particles?: string } {
  return {
    entities: objects.length
      ? `SELECT QualifiedApiName FROM EntityDefinition WHERE QualifiedApiName IN ${soqlList(objects)}`
      : undefined,
    particles: fields.length
      ? `SELECT ${PARTICLE_COLUMNS} FROM EntityParticle WHERE EntityDefinition.QualifiedApiName IN ${soqlList([...new Set(fields.map(([o]) => o))])} AND QualifiedApiName IN ${soqlList([...new Set(fields.map(([, f]) => f))])}`
      : undefined,
  };
}

const lower = (value: unknown): string => String(value).toLowerCase();
const objectOf = (particle: SObjectRecord): string =>
  lower((particle.EntityDefinition as SObjectRecord | null)?.QualifiedApiName);

/**
 * Adds to `found` the rows of every name the first read missed, spelled as the org spells it: no request when
 * it missed none; else one for every object's name (describeGlobal, when an object was missed: a full read of
 * EntityDefinition can't be paged by a filter, as it takes no comparison but equality) and one for every field
 * of the objects whose fields were missed. An object that then has no EntityParticle rows at all is one Salesforce
 * lists no fields of (see objectListsFields).
 */
export async function completeNames(
  client: OrgClient,
  found: NameRows,
  objects: readonly string[],
  fields: ReadonlyArray<[object: string, field: string]>
): Promise<void> {
  const known = (): Map<string, string> =>
    new Map(found.entities.map((e) => [lower(e.QualifiedApiName), String(e.QualifiedApiName)]));
  if (objects.some((o) => !known().has(lower(o)))) {
    const wanted = new Set(objects.map(lower));
    const names = (await client.objectNames()).filter((name) => wanted.has(lower(name)) && !known().has(lower(name)));
    found.entities = [...found.entities, ...names.map((name) => ({ Id: '', QualifiedApiName: name }))];
  }
  const canonical = known();
  const missed = fields.filter(
    ([o, f]) =>
      canonical.has(lower(o)) &&
      !found.particles.some((p) => objectOf(p) === lower(o) && lower(p.QualifiedApiName) === lower(f))
  );
  if (!missed.length) return;
  const objectsOfMissed = [...new Set(missed.map(([o]) => canonical.get(lower(o)) as string))];
  const rows = await client.query(
    `SELECT ${PARTICLE_COLUMNS} FROM EntityParticle WHERE EntityDefinition.QualifiedApiName IN ${soqlList(objectsOfMissed)}`
  );
  const seen = new Set(found.particles.map((p) => `${objectOf(p)}.${lower(p.QualifiedApiName)}`));
  found.particles = [
    ...found.particles,
    ...rows.filter((p) => !seen.has(`${objectOf(p)}.${lower(p.QualifiedApiName)}`)),
  ];
}

/** False for an object Salesforce lists no fields of (no EntityParticle row), once completeNames has read them. */
export function objectListsFields(found: NameRows, object: string): boolean {
  return found.particles.some((p) => objectOf(p) === lower(object));
}
