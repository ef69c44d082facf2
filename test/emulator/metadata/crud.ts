// The Metadata API's CRUD calls (readMetadata, updateMetadata, upsertMetadata, createMetadata), listMetadata
// and describeMetadata. Each record is its own transaction: a refused one is rolled back and answered with
// its error, the others are kept.

import type { OrgState, Rec } from '../data/state.js';
import { Component, METADATA_TYPES, MetadataProblem, WriteContext } from './apps.js';
import { componentsOf } from './components.js';
import { saveConnectedApp } from './connected-app.js';
import { deployComponent } from './eca-deploy.js';
import { INVALID_TYPE, SoapReply, bool, envelope, respond, soapFault, typeName } from './soap.js';
import { Tree, TreeValue, element, isTree, listOf, plain, textList, textOf } from './xml.js';

export function readMetadata(state: OrgState, args: Tree): SoapReply {
  const type = typeName(textOf(args.type));
  if (!type) return soapFault('INVALID_TYPE', INVALID_TYPE, 'readMetadata');
  const all = componentsOf(state, type);
  const records = textList(args.fullNames).map((name): TreeValue => {
    const c = all.find((x) => x.fullName.toLowerCase() === name.toLowerCase());
    // Salesforce answers an unknown name with a nil record.
    return c ? { '@type': type, ...c.tree, fullName: c.fullName } : null;
  });
  return {
    status: 200,
    operation: 'readMetadata',
    writes: 0,
    xml: envelope(`<readMetadataResponse><result>${element('records', records)}</result></readMetadataResponse>`),
  };
}

export function saveMetadata(
  state: OrgState,
  operation: 'updateMetadata' | 'upsertMetadata' | 'createMetadata',
  args: Tree,
  userId: string
): SoapReply {
  const mode = operation === 'updateMetadata' ? 'update' : operation === 'upsertMetadata' ? 'upsert' : 'create';
  const ctx: WriteContext = { state, userId };
  let writes = 0;
  const results = listOf(args.metadata).map((item): Tree => {
    const tree = isTree(item) ? item : {};
    const fullName = textOf(tree.fullName);
    const raw = textOf(tree['@type']);
    const type = typeName(raw);
    const savepoint = state.savepoint();
    try {
      if (!type)
        throw new MetadataProblem(
          'INVALID_TYPE',
          raw ? `Unknown type name: ${raw}` : 'Must specify a concrete type (xsi:type) for each metadata record.'
        );
      const created = saveOne(ctx, type, mode, tree);
      writes++;
      return { ...(mode === 'upsert' ? { created: bool(created) } : {}), fullName, success: 'true' };
    } catch (e) {
      if (!(e instanceof MetadataProblem)) throw e;
      state.rollback(savepoint);
      return {
        ...(mode === 'upsert' ? { created: 'false' } : {}),
        errors: { message: e.message, statusCode: e.statusCode },
        fullName,
        success: 'false',
      };
    }
  });
  return respond(operation, results, writes);
}

function saveOne(ctx: WriteContext, type: string, mode: 'update' | 'upsert' | 'create', tree: Tree): boolean {
  if (type === 'ConnectedApp') return saveConnectedApp(ctx, tree, mode).created;
  const fullName = textOf(tree.fullName).trim();
  if (!fullName) throw new MetadataProblem('REQUIRED_FIELD_MISSING', 'Required field is missing: fullName');
  const exists = componentsOf(ctx.state, type).some((c) => c.fullName.toLowerCase() === fullName.toLowerCase());
  if (mode === 'update' && !exists)
    throw new MetadataProblem('INVALID_CROSS_REFERENCE_KEY', `In field: fullName - no ${type} named ${fullName} found`);
  if (mode === 'create' && exists)
    throw new MetadataProblem('DUPLICATE_DEVELOPER_NAME', `A ${type} named ${fullName} already exists.`);
  if (type === 'ExternalClientApplication' && exists) {
    updateEcaHeader(ctx, fullName, tree);
    return false;
  }
  return deployComponent(ctx, type, fullName, tree, new Set()).created;
}

/** deploy refuses an existing app; a CRUD update replaces the header's fields (the org-scoped id stays). */
function updateEcaHeader(ctx: WriteContext, fullName: string, tree: Tree): void {
  const app = ctx.state.findBy('ExternalClientApplication', 'DeveloperName', fullName) as Rec;
  const next = plain(tree);
  delete next.fullName;
  if (!textOf(next.label).trim())
    throw new MetadataProblem('REQUIRED_FIELD_MISSING', 'Required field is missing: label');
  next.distributionState = textOf(next.distributionState) || 'Local';
  next.orgScopedExternalApp = textOf(next.orgScopedExternalApp) || textOf((app._metadata as Tree).orgScopedExternalApp);
  ctx.state.update(
    'ExternalClientApplication',
    app.Id,
    {
      MasterLabel: textOf(next.label),
      ContactEmail: textOf(next.contactEmail) || null,
      Description: textOf(next.description) || null,
      _metadata: next,
    },
    ctx.userId
  );
}

export function listMetadata(state: OrgState, args: Tree): SoapReply {
  const results: Tree[] = [];
  for (const q of listOf(args.queries)) {
    const type = isTree(q) ? typeName(textOf(q.type)) : undefined;
    if (!type) continue;
    for (const c of componentsOf(state, type))
      results.push(
        fileProperties(state, c, `${METADATA_TYPES[type].folder}/${c.fullName}.${METADATA_TYPES[type].suffix}`)
      );
  }
  return respond('listMetadata', results);
}

export function describeMetadata(state: OrgState): SoapReply {
  const metadataObjects = Object.entries(METADATA_TYPES).map(([xmlName, t]): Tree => ({
    directoryName: t.folder,
    inFolder: 'false',
    metaFile: 'false',
    suffix: t.suffix,
    xmlName,
  }));
  return respond('describeMetadata', [
    {
      metadataObjects,
      organizationNamespace: '',
      partialSaveAllowed: 'true',
      testRequired: String(!state.seed.org.isSandbox),
    },
  ]);
}

/** A component's FileProperties (listMetadata, retrieve): created and changed by the admin. */
export function fileProperties(state: OrgState, c: Component, fileName: string): Tree {
  const admin = state.get('User', state.adminUserId);
  const name = [admin?.FirstName, admin?.LastName].filter(Boolean).join(' ');
  return {
    createdById: state.adminUserId,
    createdByName: name,
    createdDate: c.createdDate.replace('+0000', 'Z'),
    fileName,
    fullName: c.fullName,
    id: c.id,
    lastModifiedById: state.adminUserId,
    lastModifiedByName: name,
    lastModifiedDate: c.lastModifiedDate.replace('+0000', 'Z'),
    manageableState: 'unmanaged',
    type: c.type,
  };
}
