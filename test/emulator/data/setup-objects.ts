// The query rules of the metadata catalog objects (Tooling API Developer Guide, "SOQL Operation Limitations"):
// EntityDefinition, EntityParticle and FieldDefinition (in the emulator: the first two) take no OR ("Disjunctions
// not supported"), no NOT and no comparison but equality ("Only equals comparisons permitted"; IN is equality over
// a list, and public scripts filter QualifiedApiName and EntityDefinition.QualifiedApiName with it; LIKE works on
// the catalog's AppDefinition in forcedotcom's own code), no INCLUDES ("Unsupported filter type"), no COUNT() or
// GROUP BY ("The requested operation is not yet supported by this SObject storage type, ..."), and ignore LIMIT and
// OFFSET. The guide gives the texts, not the error codes: MALFORMED_QUERY here is assumed. The same objects serve
// the data API, so the rules hold on both endpoints.
// Whether their `=` / IN values match case-insensitively, as SOQL does elsewhere, is unsettled (OrgCheck issue
// 238: '<Local>' matched nothing where '<local>' did): behaviour.setupObjectValueMatch, 'exact' by default.

import type { Query, Subquery, WhereClause } from '@jetstreamapp/soql-parser-js';
import { ApiError } from '../http/errors.js';
import type { ObjectDef } from './schema.js';
import type { OrgState } from './state.js';

export const METADATA_CATALOG_OBJECTS = new Set(['EntityDefinition', 'EntityParticle', 'FieldDefinition']);

const EQUALITY = new Set(['=', 'IN', 'LIKE']);

function refused(message: string): ApiError {
  return new ApiError(400, 'MALFORMED_QUERY', message);
}

/** Throws Salesforce's refusal of a query on a catalog object that the catalog can't run; true for such an object. */
export function checkCatalogQuery(def: ObjectDef, q: Query | Subquery): boolean {
  if (!METADATA_CATALOG_OBJECTS.has(def.name)) return false;
  const counts = (q.fields ?? []).some(
    (f) => f.type === 'FieldFunctionExpression' && /^(COUNT|COUNT_DISTINCT|SUM|AVG|MIN|MAX)$/i.test(f.functionName)
  );
  if (q.groupBy || counts) {
    throw refused(
      'The requested operation is not yet supported by this SObject storage type, contact salesforce.com support for more information.'
    );
  }
  for (let w: WhereClause | undefined = q.where; w; w = (w as { right?: WhereClause }).right) {
    const left = w.left as { operator?: string } | null;
    const op = left?.operator?.toUpperCase();
    if (op === 'INCLUDES' || op === 'EXCLUDES') throw refused('Unsupported filter type');
    if (op !== undefined && !EQUALITY.has(op)) throw refused('Only equals comparisons permitted');
    if ('operator' in w && w.operator === 'OR') throw refused('Disjunctions not supported');
    if ('operator' in w && w.operator === 'NOT') throw refused('Only equals comparisons permitted');
  }
  return true;
}

/** Whether a `=` / IN value on this object's field matches only its exact spelling (behaviour setupObjectValueMatch). */
export function exactValueMatch(state: OrgState, owner: ObjectDef): boolean {
  return METADATA_CATALOG_OBJECTS.has(owner.name) && state.behaviour.setupObjectValueMatch === 'exact';
}
