// EntityDefinition and EntityParticle rows (the metadata catalog), derived from the schema: one EntityDefinition
// per object of the data API, one EntityParticle per field. OrgState rebuilds them when the schema changes.

import { FieldDef, ObjectDef, Schema, isHidden, isNillable, isPermissionable, particleDataType } from './schema.js';
import type { Rec } from './store.js';

/** EntityDefinition and EntityParticle rows all carry this Id in real orgs; DurableId is their key. */
export const ENTITY_ROW_ID = '000000000000000AAA';

/**
 * One EntityDefinition per object of the data API, one EntityParticle per field, from the schema. `durableId`
 * gives a custom object's 01I id or a custom field's 00N id, fixed for the org's life.
 */
export function buildEntityRows(
  schema: Schema,
  durableId: (key: string, prefix: string) => string
): Map<string, Rec[]> {
  const entities: Rec[] = [];
  const particles: Rec[] = [];
  for (const def of schema.all()) {
    if (def.virtual || !def.endpoints.data) continue;
    const entityId = def.custom ? durableId(def.name, '01I') : def.name;
    entities.push(entityRow(def, entityId));
    for (const name of def.noEntityParticles ? [] : def.fieldOrder) {
      const f = def.fields.get(name.toLowerCase()) as FieldDef;
      if (!isHidden(f)) particles.push(particleRow(def, f, entityId, durableId));
    }
  }
  return new Map([
    ['EntityDefinition', entities],
    ['EntityParticle', particles],
  ]);
}

function entityRow(def: ObjectDef, entityId: string): Rec {
  return {
    Id: ENTITY_ROW_ID,
    DurableId: entityId,
    QualifiedApiName: def.name,
    DeveloperName: def.name.replace(/__c$/i, ''),
    NamespacePrefix: null,
    Label: def.label,
    PluralLabel: `${def.label}s`,
    KeyPrefix: def.keyPrefix,
    // Setup objects other than User take no custom fields.
    IsCustomizable: def.dataObject || def.name === 'User',
    IsCustomSetting: false,
    IsQueryable: true,
  };
}

function particleRow(
  def: ObjectDef,
  f: FieldDef,
  entityId: string,
  durableId: (key: string, prefix: string) => string
): Rec {
  // Real orgs name a standard lookup's particle after its relationship (OwnerId -> Owner) and a custom field by its 00N id.
  const standardLookup =
    !f.custom && f.type === 'reference' && f.relationshipName !== undefined && f.name.endsWith('Id');
  const developerName = f.custom ? f.name.replace(/__c$/i, '') : standardLookup ? f.name.slice(0, -2) : f.name;
  const particleKey = f.custom ? durableId(`${def.name}.${f.name}`, '00N') : developerName;
  const textual = ['string', 'textarea', 'email', 'phone', 'url', 'picklist'].includes(f.type);
  return {
    Id: ENTITY_ROW_ID,
    DurableId: `${entityId}.${particleKey}`,
    QualifiedApiName: f.name,
    DeveloperName: developerName,
    NamespacePrefix: null,
    Label: f.label,
    DataType: particleDataType(f),
    Length: f.length ?? (textual ? 255 : f.type === 'id' || f.type === 'reference' ? 18 : 0),
    RelationshipName: f.relationshipName ?? null,
    IsNillable: isNillable(f),
    IsCreatable: f.createable,
    IsUpdatable: f.updateable,
    IsPermissionable: isPermissionable(def, f),
    IsCalculated: f.computed === true,
    IsCompound: f.computed === true && f.name === 'Name',
    EntityDefinitionId: entityId,
  };
}
