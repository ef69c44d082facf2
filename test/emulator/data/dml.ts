// Generic create/update/delete: field names, read-only fields, value types, required fields,
// lengths, emails, restricted picklists and lookups, checked in that order; then the object's rules
// (rules/rules.ts). Each call is atomic: a failure rolls back whatever it had written.

import { ApiError, badRequest, invalidFieldOnSobject, methodNotAllowed, notFound, text } from '../http/errors.js';
import { isIdShaped, to18 } from './ids.js';
import { FieldDef, ObjectDef, isHidden } from './schema.js';
import { OrgState, Rec } from './state.js';
import { RULES, errorFromSpec } from '../rules/rules.js';
import { dmlRefusal, mayAccess } from '../rules/access.js';

export interface DmlContext {
  state: OrgState;
  /** the session user; writes are attributed to them */
  userId: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function jsonTypeError(type: string, value: unknown): ApiError {
  const token =
    typeof value === 'string'
      ? 'VALUE_STRING'
      : typeof value === 'number'
        ? 'VALUE_NUMBER_INT'
        : typeof value === 'boolean'
          ? `VALUE_${String(value).toUpperCase()}`
          : 'START_OBJECT';
  return badRequest(
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${type} from ${token} value ${String(value)} or request may be missing a required field`
  );
}

/** Body keys -> canonical field names with coerced values; rejects unknown and read-only fields. */
function readBody(def: ObjectDef, body: Record<string, unknown>, mode: 'create' | 'update'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const readOnly: string[] = [];
  for (const [key, raw] of Object.entries(body)) {
    if (key === 'attributes') continue;
    const field = def.fields.get(key.toLowerCase());
    if (!field || isHidden(field)) throw invalidFieldOnSobject(key, def.name);
    if (field.name === 'Id') {
      // Updates may repeat the record's own Id; inserts can't choose one.
      if (mode === 'update') continue;
      throw badRequest('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']);
    }
    if (!(mode === 'create' ? field.createable : field.updateable)) {
      readOnly.push(field.name);
      continue;
    }
    out[field.name] = coerce(field, raw);
  }
  if (readOnly.length) {
    throw badRequest(
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      readOnly
    );
  }
  return out;
}

function coerce(field: FieldDef, raw: unknown): unknown {
  if (raw === null) return null;
  if (typeof raw === 'object') throw jsonTypeError(field.type === 'boolean' ? 'boolean' : 'string', raw);
  switch (field.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw jsonTypeError('boolean', raw);
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (Number.isNaN(n) || typeof raw === 'boolean')
        throw jsonTypeError(field.type === 'int' ? 'int' : 'double', raw);
      return field.type === 'int' ? Math.trunc(n) : n;
    }
    case 'date':
    case 'datetime': {
      const s = text(raw);
      if (Number.isNaN(Date.parse(s)))
        throw badRequest(
          'JSON_PARSER_ERROR',
          `Cannot deserialize value of type \`${field.type === 'date' ? 'java.util.Date' : 'java.util.Calendar'}\` from String "${s}": not a valid representation`
        );
      if (field.type === 'date') return s.slice(0, 10);
      return new Date(s).toISOString().replace('Z', '+0000');
    }
    default: {
      const s = text(raw);
      return s === '' ? null : s;
    }
  }
}

function checkRequired(def: ObjectDef, values: Record<string, unknown>): void {
  const missing = def.fieldOrder.filter((name) => {
    const f = def.fields.get(name.toLowerCase()) as FieldDef;
    return f.required && (values[f.name] === undefined || values[f.name] === null || values[f.name] === '');
  });
  if (missing.length)
    throw badRequest('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
}

/** Lengths, emails, restricted picklists and lookups, in field order. */
function checkValues(ctx: DmlContext, def: ObjectDef, values: Record<string, unknown>): void {
  for (const name of def.fieldOrder) {
    const f = def.fields.get(name.toLowerCase()) as FieldDef;
    const v = values[f.name];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string' && f.length !== undefined && v.length > f.length) {
      throw badRequest('STRING_TOO_LONG', `${f.label}: data value too large: ${v} (max length=${f.length})`, [f.name]);
    }
    if (f.type === 'email' && !EMAIL.test(text(v)))
      throw badRequest('INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${text(v)}`, [f.name]);
    if (f.type === 'picklist' && f.picklistValues && !f.picklistValues().includes(text(v))) {
      throw badRequest(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `${f.label}: bad value for restricted picklist field: ${text(v)}`,
        [f.name]
      );
    }
    if (f.type === 'reference') values[f.name] = checkReference(ctx, f, v);
  }
}

function checkReference(ctx: DmlContext, f: FieldDef, v: unknown): string {
  if (!isIdShaped(v)) throw badRequest('MALFORMED_ID', `${f.label}: id value of incorrect type: ${text(v)}`, [f.name]);
  const prefix = v.slice(0, 3);
  const targets = [...(f.referenceTo ?? []), ...(f.alsoHolds ?? [])].map((t) => ctx.state.schema.require(t));
  if (!targets.some((t) => t.keyPrefix === prefix))
    throw badRequest('FIELD_INTEGRITY_EXCEPTION', `${f.label}: id value of incorrect type: ${v}`, [f.name]);
  const found = ctx.state.find(v);
  if (!found || !targets.includes(found.def))
    throw badRequest('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [f.name]);
  return found.rec.Id;
}

function atomic<T>(ctx: DmlContext, fn: () => T): T {
  const sp = ctx.state.savepoint();
  try {
    return fn();
  } catch (e) {
    ctx.state.rollback(sp);
    throw e;
  }
}

export function resolveType(ctx: DmlContext, type: string): ObjectDef {
  const def = ctx.state.schema.get(type);
  // A data object the session's user can't read doesn't exist for them (rules/access.ts).
  if (!def || !def.endpoints.data || !mayAccess(ctx.state, ctx.userId, def, 'read')) throw notFound();
  return def;
}

export function insertRecord(ctx: DmlContext, def: ObjectDef, body: Record<string, unknown>): Rec {
  if (!def.createable) throw badRequest('INVALID_TYPE_FOR_OPERATION', `entity type cannot be inserted: ${def.label}`);
  const refusal = dmlRefusal(ctx.state, ctx.userId, def, 'create');
  if (refusal) throw refusal;
  return atomic(ctx, () => {
    const values = readBody(def, body, 'create');
    const rules = RULES[def.name];
    rules?.defaults?.(ctx, values);
    checkRequired(def, values);
    checkValues(ctx, def, values);
    const standIn = rules?.beforeInsert?.(ctx, values);
    if (standIn) return standIn;
    const rec = ctx.state.insert(def.name, values, ctx.userId);
    rules?.afterInsert?.(ctx, rec);
    return rec;
  });
}

/** A record by id for this type, or 404 as REST answers for a wrong id. */
export function findRecord(ctx: DmlContext, def: ObjectDef, id: string): Rec {
  const notAnId = `Provided external ID field does not exist or is not accessible: ${id}`;
  if (!isIdShaped(id)) throw notFound(notAnId);
  const rec = ctx.state.get(def.name, to18(id));
  if (!rec) throw notFound();
  return rec;
}

export function updateRecord(ctx: DmlContext, def: ObjectDef, id: string, body: Record<string, unknown>): Rec {
  if (!def.updateable) {
    const rules = RULES[def.name];
    throw (
      rules?.updateRefused?.(ctx) ??
      badRequest('INVALID_TYPE_FOR_OPERATION', `entity type cannot be updated: ${def.label}`)
    );
  }
  const refusal = dmlRefusal(ctx.state, ctx.userId, def, 'edit');
  if (refusal) throw refusal;
  return atomic(ctx, () => {
    const rec = findRecord(ctx, def, id);
    const rules = RULES[def.name];
    const changes = readBody(def, rules?.prepareUpdate?.(ctx, rec, body) ?? body, 'update');
    const merged = { ...rec, ...changes };
    const nulled = Object.keys(changes).filter(
      (k) => changes[k] === null && (def.fields.get(k.toLowerCase()) as FieldDef).required
    );
    if (nulled.length)
      throw badRequest('REQUIRED_FIELD_MISSING', `Required fields are missing: [${nulled.join(', ')}]`, nulled);
    checkValues(ctx, def, changes);
    rules?.beforeUpdate?.(ctx, rec, changes, merged);
    const before = { ...rec };
    const updated = ctx.state.update(def.name, rec.Id, changes, ctx.userId);
    rules?.afterUpdate?.(ctx, updated, before);
    return updated;
  });
}

export function deleteRecord(ctx: DmlContext, def: ObjectDef, id: string): void {
  if (!def.deletable) throw badRequest('INVALID_TYPE_FOR_OPERATION', `entity type cannot be deleted: ${def.label}`);
  const refusal = dmlRefusal(ctx.state, ctx.userId, def, 'delete');
  if (refusal) throw refusal;
  atomic(ctx, () => {
    const rec = findRecord(ctx, def, id);
    const rules = RULES[def.name];
    rules?.beforeDelete?.(ctx, rec);
    ctx.state.remove(def.name, rec.Id);
    rules?.afterDelete?.(ctx, rec);
  });
}

/** The methods REST allows on a record of this type (for 405 answers). */
export function allowedRecordMethods(def: ObjectDef): string[] {
  return ['HEAD', 'GET', ...(def.updateable ? ['PATCH'] : []), ...(def.deletable ? ['DELETE'] : [])];
}

export function refuseMethod(ctx: DmlContext, def: ObjectDef, method: string): ApiError {
  if (method === 'PATCH' && !def.updateable) {
    const custom = RULES[def.name]?.updateRefused?.(ctx);
    if (custom) return custom;
  }
  return methodNotAllowed(method, allowedRecordMethods(def));
}

export { errorFromSpec };
