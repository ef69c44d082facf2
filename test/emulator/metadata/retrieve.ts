// retrieve: a job for the unpackaged components asked for, whose zip (package.xml and one file per component)
// the status check that completes it builds. Everything is read from the state first, synchronously; the zip
// is written afterwards and never touches the state.

import JSZip from 'jszip';
import type { OrgState } from '../data/state.js';
import { Component, METADATA_TYPES } from './apps.js';
import { componentsOf } from './components.js';
import { fileProperties } from './crud.js';
import { typeName } from './soap.js';
import { Tree, componentFile, isTree, listOf, textList, textOf } from './xml.js';

export interface RetrieveJob {
  kind: 'retrieve';
  id: string;
  checks: number;
  singlePackage: boolean;
  types: Array<{ name: string; members: string[] }>;
  version: string;
  result?: Tree;
}

interface RetrievedFile {
  path: string;
  xml: string;
  component: Component;
}

/** The job a retrieve request asks for, or the reason it can't be one (only unpackaged components are served). */
export function retrieveJob(state: OrgState, args: Tree): RetrieveJob | string {
  const request = isTree(args.request) ? args.request : {};
  const unpackaged = isTree(request.unpackaged) ? request.unpackaged : {};
  const types = listOf(unpackaged.types)
    .filter(isTree)
    .map((t) => ({ name: textOf(t.name), members: textList(t.members) }));
  if (!isTree(request.unpackaged) && (listOf(request.packageNames).length || listOf(request.specificFiles).length))
    return 'The emulator retrieves unpackaged components only (request.unpackaged).';
  const id = state.ids.next('09S');
  const version = textOf(unpackaged.version) || textOf(request.apiVersion) || '66.0';
  return { kind: 'retrieve', id, checks: 0, singlePackage: textOf(request.singlePackage) === 'true', types, version };
}

/** The completed retrieve's result: FileProperties, messages for what wasn't found, and the zip (base64). */
export async function buildRetrieve(state: OrgState, job: RetrieveJob): Promise<Tree> {
  // Everything is read from the state first, synchronously; the zip is written afterwards.
  const prefix = job.singlePackage ? '' : 'unpackaged/';
  const { files, messages } = retrievedFiles(state, job, prefix);
  const manifest = componentFile('Package', {
    types: job.types.map((t) => ({ members: t.members, name: t.name })),
    version: job.version,
  });
  const zip = new JSZip();
  zip.file(`${prefix}package.xml`, manifest, { createFolders: false });
  for (const f of files) zip.file(f.path, f.xml, { createFolders: false });
  const zipFile = await zip.generateAsync({ type: 'base64', compression: 'DEFLATE' });
  const now = new Date().toISOString();
  const properties: Tree[] = files.map((f) => fileProperties(state, f.component, f.path));
  properties.push({
    createdById: state.adminUserId,
    createdByName: '',
    createdDate: now,
    fileName: `${prefix}package.xml`,
    fullName: `${prefix}package.xml`,
    id: '',
    lastModifiedById: state.adminUserId,
    lastModifiedByName: '',
    lastModifiedDate: now,
    manageableState: 'unmanaged',
    type: 'Package',
  });
  return {
    done: 'true',
    fileProperties: properties,
    id: job.id,
    messages,
    status: 'Succeeded',
    success: 'true',
    zipFile,
  };
}

/** One file per component asked for (each once); a message for an unknown type or a name not found. */
function retrievedFiles(
  state: OrgState,
  job: RetrieveJob,
  prefix: string
): { files: RetrievedFile[]; messages: Tree[] } {
  const files: RetrievedFile[] = [];
  const messages: Tree[] = [];
  for (const t of job.types) {
    const type = typeName(t.name);
    if (!type) {
      messages.push({
        fileName: `${prefix}package.xml`,
        problem: `Unknown type name '${t.name}' specified in package.xml`,
      });
      continue;
    }
    const all = componentsOf(state, type);
    const { folder, suffix } = METADATA_TYPES[type];
    const wanted = t.members.includes('*')
      ? all
      : t.members.map((m) => all.find((c) => c.fullName.toLowerCase() === m.toLowerCase()) ?? m);
    for (const c of wanted) {
      if (typeof c === 'string') {
        messages.push({
          fileName: `${prefix}package.xml`,
          problem: `Entity of type '${type}' named '${c}' cannot be found`,
        });
        continue;
      }
      if (files.some((f) => f.component.type === type && f.component.fullName === c.fullName)) continue;
      files.push({
        path: `${prefix}${folder}/${c.fullName}.${suffix}`,
        xml: componentFile(type, c.tree),
        component: c,
      });
    }
  }
  return { files, messages };
}
