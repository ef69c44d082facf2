import { Messages, type SfError } from '@salesforce/core';
import { type SObjectRecord, soqlQuote } from './org-client.js';
import { serviceError } from './errors.js';
import { objectListsFields, type NameRows } from './object-names.js';
import {
  accessOf,
  type FieldGrant,
  isStandardObject,
  type LicenseFit,
  type ObjectGrant,
  objectPermissionFields,
  OBJECT_PERMISSION_COLUMNS,
} from './permissions.js';
import type { Found, Reads } from './inspection.js';
import type { CommandFix, Write } from './plan.js';
import { objectDescribeFix, objectListFix } from './fixes.js';
import { generatedSetChanges, type GeneratedSetChanges } from './generated-set-changes.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.grant');

/**
 * The least-privilege permission set grant generates from --object / --field: License "--None--", holding
 * exactly that access. Declarative: the set is made to match the flags (rows added, changed and removed), and
 * the same flags again change nothing. Only a set carrying MANAGED_MARKER for this user is ever rewritten.
 */

/** The generated set as the result reports it: its name, what it holds, and what this run did to it. */
export type GeneratedSet = {
  name: string;
  label: string;
  /** `created` / `updated` / `unchanged`, or `would-create` / `would-update` on a dry run. */
  status: 'created' | 'updated' | 'unchanged' | 'would-create' | 'would-update' | 'blocked';
  objects: ObjectGrant[];
  fields: FieldGrant[];
  /**
   * The difference to the set as it was in the org, by access word: what this run adds, removes and leaves (on a
   * dry run, what it would). Absent when blocked.
   */
  changes?: GeneratedSetChanges;
};

/** Written into the generated set's description: only sets that carry it are rewritten. */
export const MANAGED_MARKER = 'Managed by sf integration-user grant';

export type GeneratedSetKey = 'generated' | 'generatedObjects' | 'generatedFields';

/** What the generated set is now, by its name: the set, and its object and field permissions. */
export function generatedSetReads(name: string): Reads<GeneratedSetKey> {
  const parent = `Parent.Name = ${soqlQuote(name)} AND Parent.PermissionSetGroupId = null`;
  return {
    queries: {
      generated: `SELECT Id, Name, Label, LicenseId, Description FROM PermissionSet WHERE Name = ${soqlQuote(name)} AND PermissionSetGroupId = null`,
      generatedObjects: `SELECT Id, ${OBJECT_PERMISSION_COLUMNS} FROM ObjectPermissions WHERE ${parent}`,
      generatedFields: `SELECT Id, SobjectType, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE ${parent}`,
    },
  };
}

/** The generated set as planned: what it will hold, the writes that make it so, or why it can't be. */
export type GeneratedSetPlan = {
  summary: GeneratedSet;
  writes: Write[];
  /** Its Id when it exists already; a new set is `@{set.id}` in later writes of the same call. */
  setId?: string;
  blocked?: SfError;
  /** Access an integration rarely needs, or field access that has no effect (sf's warnings). */
  warnings: string[];
};

/**
 * The generated set from the inspection: what exists, and the difference to the flags as writes (removals
 * first, so a field row never outlives its object's access in between; then object and field rows created and
 * changed, 200 records a call). `found` holds the set's rows and the objects' and fields' names in the org's
 * own spelling (object-names.ts).
 */
export function planGeneratedSet(
  found: Found<GeneratedSetKey> & NameRows,
  wanted: {
    name: string;
    username: string;
    objects: ObjectGrant[];
    fields: FieldGrant[];
    hasPsl: boolean;
    licenseOf: (licenseId: unknown) => { fit: LicenseFit; name: string };
    /** The fix that gives the user the PSL, for the error when standard objects need it. */
    pslFix: CommandFix;
  },
  options: { dryRun: boolean }
): GeneratedSetPlan {
  const { name, username } = wanted;
  const existing = found.generated[0];
  const label = existing ? String(existing.Label) : name.replace(/_/g, ' ');
  const canonical = new Map(
    found.entities.map((e) => [String(e.QualifiedApiName).toLowerCase(), String(e.QualifiedApiName)])
  );
  const summary: GeneratedSet = {
    name,
    label,
    status: existing ? 'unchanged' : 'created',
    objects: [],
    fields: [],
  };
  const warnings: string[] = [];
  const block = (error: SfError): GeneratedSetPlan => {
    summary.status = 'blocked';
    return { summary, writes: [], blocked: error, warnings };
  };

  if (existing && existing.LicenseId)
    return block(serviceError('GeneratedSetLicensed', [name, wanted.licenseOf(existing.LicenseId).name]));
  const description = (existing?.Description as string | null | undefined) ?? '';
  if (existing && !description.startsWith(MANAGED_MARKER)) return block(serviceError('GeneratedSetNotManaged', [name]));
  if (existing && !description.includes(`for ${username}.`))
    return block(serviceError('GeneratedSetOtherUser', [name]));
  const grantedObjects = [
    ...new Set([...wanted.objects.map((g) => g.object), ...wanted.fields.map((g) => g.field.split('.')[0])]),
  ];
  for (const object of grantedObjects) {
    if (!canonical.has(object.toLowerCase())) return block(serviceError('UnknownObject', [object], [objectListFix()]));
  }
  summary.objects = wanted.objects.map((g) => ({
    object: canonical.get(g.object.toLowerCase()) ?? g.object,
    access: g.access,
  }));
  for (const grantOfField of wanted.fields) {
    const [object, fieldName] = grantOfField.field.split('.');
    const particle = found.particles.find(
      (p) =>
        String((p.EntityDefinition as SObjectRecord | null)?.QualifiedApiName).toLowerCase() === object.toLowerCase() &&
        String(p.QualifiedApiName).toLowerCase() === fieldName.toLowerCase()
    );
    if (!particle) {
      const listed = objectListsFields(found, object);
      return block(
        listed
          ? serviceError('UnknownField', [grantOfField.field], [objectDescribeFix()])
          : serviceError('FieldsNotListed', [canonical.get(object.toLowerCase()) ?? object, grantOfField.field])
      );
    }
    const field = `${canonical.get(object.toLowerCase()) ?? object}.${String(particle.QualifiedApiName)}`;
    if (particle.IsPermissionable !== true) return block(serviceError('FieldNotPermissionable', [field]));
    if (grantOfField.access === 'edit' && particle.IsUpdatable !== true)
      return block(serviceError('FieldNotUpdatable', [field], [`${field}:read`]));
    summary.fields.push({ field, access: grantOfField.access });
    if (!summary.objects.some((o) => o.object === field.split('.')[0])) {
      warnings.push(
        messages.getMessage('warning.fieldWithoutObject', [field, field.split('.')[0], field.split('.')[0]])
      );
    }
  }
  const standard = summary.objects.filter((o) => isStandardObject(o.object));
  if (standard.length && !wanted.hasPsl) return block(serviceError('PslRequired', [name, username], [wanted.pslFix]));
  for (const o of summary.objects) {
    if (o.access.includes('modifyall') || o.access.includes('viewall'))
      warnings.push(
        messages.getMessage(o.access.includes('modifyall') ? 'warning.modifyAll' : 'warning.viewAll', [name, o.object])
      );
  }

  // The difference between the set as it is and as the flags say it must be.
  const setRef = existing ? existing.Id : '@{set.id}';
  const writes: Write[] = [];
  if (!existing) {
    writes.push({
      kind: 'data',
      referenceId: 'set',
      method: 'POST',
      url: '/sobjects/PermissionSet',
      body: {
        Name: name,
        Label: label.slice(0, 80),
        Description: `${MANAGED_MARKER} for ${username}.`.slice(0, 255),
      },
    });
  }
  const objectRows = new Map(found.generatedObjects.map((r) => [String(r.SobjectType).toLowerCase(), r]));
  const fieldRows = new Map(found.generatedFields.map((r) => [String(r.Field).toLowerCase(), r]));
  const objectUpdates = summary.objects.filter((o) => {
    const row = objectRows.get(o.object.toLowerCase());
    return row && accessOf(row).join() !== o.access.join();
  });
  const fieldAccess = (row: SObjectRecord): string => (row.PermissionsEdit === true ? 'edit' : 'read');
  const fieldUpdates = summary.fields.filter((f) => {
    const row = fieldRows.get(f.field.toLowerCase());
    return row && fieldAccess(row) !== f.access;
  });
  const removals = [
    ...found.generatedObjects.filter(
      (r) => !summary.objects.some((o) => o.object.toLowerCase() === String(r.SobjectType).toLowerCase())
    ),
    ...found.generatedFields.filter(
      (r) => !summary.fields.some((f) => f.field.toLowerCase() === String(r.Field).toLowerCase())
    ),
  ];
  const records = (
    referenceId: string,
    method: 'POST' | 'PATCH' | 'DELETE',
    sobject: string,
    rows: Array<Record<string, unknown>>
  ): void => {
    if (rows.length) writes.push({ kind: 'records', referenceId, method, sobject, records: rows });
  };
  // Removals first, so a field row never outlives its object's access in between.
  records(
    'remove',
    'DELETE',
    'ObjectPermissions/FieldPermissions',
    removals.map((r) => ({ Id: r.Id }))
  );
  records(
    'objectCreate',
    'POST',
    'ObjectPermissions',
    summary.objects
      .filter((o) => !objectRows.has(o.object.toLowerCase()))
      .map((o) => ({ ParentId: setRef, SobjectType: o.object, ...objectPermissionFields(o.access) }))
  );
  records(
    'objectUpdate',
    'PATCH',
    'ObjectPermissions',
    objectUpdates.map((o) => ({ Id: objectRows.get(o.object.toLowerCase())?.Id, ...objectPermissionFields(o.access) }))
  );
  records(
    'fieldCreate',
    'POST',
    'FieldPermissions',
    summary.fields
      .filter((f) => !fieldRows.has(f.field.toLowerCase()))
      .map((f) => ({
        ParentId: setRef,
        SobjectType: f.field.split('.')[0],
        Field: f.field,
        PermissionsRead: true,
        PermissionsEdit: f.access === 'edit',
      }))
  );
  records(
    'fieldUpdate',
    'PATCH',
    'FieldPermissions',
    fieldUpdates.map((f) => ({
      Id: fieldRows.get(f.field.toLowerCase())?.Id,
      PermissionsRead: true,
      PermissionsEdit: f.access === 'edit',
    }))
  );
  summary.changes = generatedSetChanges(found.generatedObjects, found.generatedFields, summary.objects, summary.fields);
  if (existing && writes.length) summary.status = 'updated';
  if (options.dryRun)
    summary.status =
      summary.status === 'created' ? 'would-create' : summary.status === 'updated' ? 'would-update' : summary.status;
  return { summary, writes, setId: existing?.Id, warnings };
}
