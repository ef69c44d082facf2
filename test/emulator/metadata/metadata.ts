// The Metadata API over SOAP (POST /services/Soap/m/{version}), as jsforce's conn.metadata calls it:
// CRUD calls (readMetadata, updateMetadata, upsertMetadata, createMetadata), listMetadata, describeMetadata,
// and the zip-based retrieve / checkRetrieveStatus and deploy / checkDeployStatus. Answers use Salesforce's
// envelopes (metadata namespace, xsi:type on records, booleans as text); errors are SOAP faults (HTTP 500).
//
// State changes happen synchronously inside one call (a deploy is applied by the status check that completes
// it), so the state's journal can roll back a failed component or a whole deploy. Reading a zip (deploy) and
// writing one (a completed retrieve) are the only asynchronous steps, and they never touch the state.

import JSZip from 'jszip';
import { effectivePermissionSetIds } from '../rules/access.js';
import { Component, DEPLOY_ORDER, METADATA_TYPES, MetadataProblem } from './apps.js';
import { componentsOf } from './components.js';
import { saveConnectedApp } from './connected-app.js';
import { deployComponent } from './eca-deploy.js';
import type { OrgState, Rec } from '../data/state.js';
import {
  METADATA_NS,
  Tree,
  TreeValue,
  XmlError,
  componentFile,
  element,
  isTree,
  listOf,
  parseComponentFile,
  parseXml,
  plain,
  textList,
  textOf,
} from './xml.js';

export interface SoapReply {
  status: number;
  xml: string;
  /** the operation, for the request log */
  operation?: string;
  /** metadata components created or changed */
  writes: number;
  /** the fault's code */
  errorCode?: string;
}

/** Metadata API calls need Modify All Data or Modify Metadata (the emulator's admin always passes). */
const METADATA_PERMISSIONS = ['PermissionsModifyAllData', 'PermissionsModifyMetadata'];

interface RetrieveJob {
  kind: 'retrieve';
  id: string;
  checks: number;
  singlePackage: boolean;
  types: Array<{ name: string; members: string[] }>;
  version: string;
  result?: Tree;
}

interface PlannedComponent {
  type: string;
  fullName: string;
  fileName: string;
  tree?: Tree;
  /** a problem found while reading the zip */
  problem?: string;
}

interface DeployJob {
  kind: 'deploy';
  id: string;
  checks: number;
  userId: string;
  createdDate: string;
  options: { rollbackOnError: boolean; checkOnly: boolean; ignoreWarnings: boolean };
  /** problems with the zip as a whole (package.xml missing or unreadable) */
  packageProblems: Array<{ fileName: string; problem: string }>;
  components: PlannedComponent[];
  result?: Tree;
}

type Job = RetrieveJob | DeployJob;

const bool = (v: boolean): string => (v ? 'true' : 'false');

function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="${METADATA_NS}" xmlns:sf="${METADATA_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

function respond(operation: string, results: TreeValue[], writes = 0): SoapReply {
  return {
    status: 200,
    operation,
    writes,
    xml: envelope(`<${operation}Response>${element('result', results)}</${operation}Response>`),
  };
}

/** A SOAP fault as Salesforce sends one: faultcode sf:CODE, faultstring "CODE: message", the detail element. */
export function soapFault(code: string, message: string, operation?: string, faultcode = `sf:${code}`): SoapReply {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const detail = faultcode.startsWith('sf:')
    ? `<detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault"><sf:exceptionCode>${code}</sf:exceptionCode><sf:exceptionMessage>${esc(message)}</sf:exceptionMessage></sf:UnexpectedErrorFault></detail>`
    : '';
  const text = faultcode.startsWith('sf:') ? `${code}: ${message}` : message;
  return {
    status: 500,
    operation,
    writes: 0,
    errorCode: code,
    xml: envelope(
      `<soapenv:Fault><faultcode>${faultcode}</faultcode><faultstring>${esc(text)}</faultstring>${detail}</soapenv:Fault>`
    ),
  };
}

const INVALID_TYPE = 'This type of metadata is not available for this organization';

function typeName(raw: string): string | undefined {
  return Object.keys(METADATA_TYPES).find((t) => t.toLowerCase() === raw.trim().toLowerCase());
}

export class MetadataService {
  private readonly jobs = new Map<string, Job>();

  public constructor(private readonly state: OrgState) {}

  /**
   * One SOAP request. `sessionUser` maps the SessionHeader's sessionId to a user id (undefined = invalid).
   * Resolves with the reply; the state is only touched synchronously between awaits.
   */
  public async handle(rawBody: string, sessionUser: (token: string) => string | undefined): Promise<SoapReply> {
    let doc: Tree;
    try {
      doc = parseXml(rawBody);
    } catch (e) {
      return soapFault(
        'INVALID_XML',
        `Unable to parse the request: ${(e as XmlError).message}`,
        undefined,
        'soapenv:Client'
      );
    }
    const env = isTree(doc.Envelope) ? doc.Envelope : {};
    const body = isTree(env.Body) ? env.Body : {};
    const operation = Object.keys(body)[0];
    if (!operation)
      return soapFault('INVALID_XML', 'The request has no operation in its SOAP body.', undefined, 'soapenv:Client');
    const op = body[operation];
    const args = isTree(op) ? op : {};
    const header = isTree(env.Header) ? env.Header : {};
    const token = isTree(header.SessionHeader) ? textOf(header.SessionHeader.sessionId) : '';
    const userId = token ? sessionUser(token) : undefined;
    if (!userId)
      return soapFault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session', operation);
    if (userId !== this.state.adminUserId) {
      const held = effectivePermissionSetIds(this.state, userId);
      const allowed = [...held].some((id) =>
        METADATA_PERMISSIONS.some((p) => this.state.get('PermissionSet', id)?.[p] === true)
      );
      if (!allowed)
        return soapFault(
          'INSUFFICIENT_ACCESS',
          'use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions',
          operation
        );
    }

    switch (operation) {
      case 'readMetadata':
        return this.read(args);
      case 'updateMetadata':
      case 'upsertMetadata':
      case 'createMetadata':
        return this.save(operation, args, userId);
      case 'listMetadata':
        return this.list(args);
      case 'describeMetadata':
        return this.describe();
      case 'retrieve':
        return this.retrieve(args);
      case 'checkRetrieveStatus':
        return this.checkRetrieve(args);
      case 'deploy':
        return this.deploy(args, userId);
      case 'checkDeployStatus':
        return this.checkDeploy(args);
      case 'checkStatus':
        return this.checkStatus(args);
      default:
        return soapFault(
          'INVALID_OPERATION',
          `No operation available for request {${METADATA_NS}}${operation}, please check the WSDL for the service.`,
          operation,
          'soapenv:Client'
        );
    }
  }

  // --- CRUD ------------------------------------------------------------------------------------

  private read(args: Tree): SoapReply {
    const type = typeName(textOf(args.type));
    if (!type) return soapFault('INVALID_TYPE', INVALID_TYPE, 'readMetadata');
    const all = componentsOf(this.state, type);
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

  private save(
    operation: 'updateMetadata' | 'upsertMetadata' | 'createMetadata',
    args: Tree,
    userId: string
  ): SoapReply {
    const mode = operation === 'updateMetadata' ? 'update' : operation === 'upsertMetadata' ? 'upsert' : 'create';
    const ctx = { state: this.state, userId };
    let writes = 0;
    const results = listOf(args.metadata).map((item): Tree => {
      const tree = isTree(item) ? item : {};
      const fullName = textOf(tree.fullName);
      const raw = textOf(tree['@type']);
      const type = typeName(raw);
      const savepoint = this.state.savepoint();
      try {
        if (!type)
          throw new MetadataProblem(
            'INVALID_TYPE',
            raw ? `Unknown type name: ${raw}` : 'Must specify a concrete type (xsi:type) for each metadata record.'
          );
        const created = this.saveOne(ctx, type, mode, tree);
        writes++;
        return { ...(mode === 'upsert' ? { created: bool(created) } : {}), fullName, success: 'true' };
      } catch (e) {
        if (!(e instanceof MetadataProblem)) throw e;
        this.state.rollback(savepoint);
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

  private saveOne(
    ctx: { state: OrgState; userId: string },
    type: string,
    mode: 'update' | 'upsert' | 'create',
    tree: Tree
  ): boolean {
    if (type === 'ConnectedApp') return saveConnectedApp(ctx, tree, mode).created;
    const fullName = textOf(tree.fullName).trim();
    if (!fullName) throw new MetadataProblem('REQUIRED_FIELD_MISSING', 'Required field is missing: fullName');
    const exists = componentsOf(this.state, type).some((c) => c.fullName.toLowerCase() === fullName.toLowerCase());
    if (mode === 'update' && !exists)
      throw new MetadataProblem(
        'INVALID_CROSS_REFERENCE_KEY',
        `In field: fullName - no ${type} named ${fullName} found`
      );
    if (mode === 'create' && exists)
      throw new MetadataProblem('DUPLICATE_DEVELOPER_NAME', `A ${type} named ${fullName} already exists.`);
    if (type === 'ExternalClientApplication' && exists) {
      // deploy refuses an existing app; a CRUD update replaces the header's fields (the org-scoped id stays).
      const app = this.state.findBy('ExternalClientApplication', 'DeveloperName', fullName) as Rec;
      const next = plain(tree);
      delete next.fullName;
      if (!textOf(next.label).trim())
        throw new MetadataProblem('REQUIRED_FIELD_MISSING', 'Required field is missing: label');
      next.distributionState = textOf(next.distributionState) || 'Local';
      next.orgScopedExternalApp =
        textOf(next.orgScopedExternalApp) || textOf((app._metadata as Tree).orgScopedExternalApp);
      this.state.update(
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
      return false;
    }
    return deployComponent(ctx, type, fullName, tree, new Set()).created;
  }

  private list(args: Tree): SoapReply {
    const results: Tree[] = [];
    for (const q of listOf(args.queries)) {
      const type = isTree(q) ? typeName(textOf(q.type)) : undefined;
      if (!type) continue;
      for (const c of componentsOf(this.state, type))
        results.push(
          this.fileProperties(c, `${METADATA_TYPES[type].folder}/${c.fullName}.${METADATA_TYPES[type].suffix}`)
        );
    }
    return respond('listMetadata', results);
  }

  private describe(): SoapReply {
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
        testRequired: String(!this.state.seed.org.isSandbox),
      },
    ]);
  }

  private fileProperties(c: Component, fileName: string): Tree {
    const admin = this.state.get('User', this.state.adminUserId);
    const name = [admin?.FirstName, admin?.LastName].filter(Boolean).join(' ');
    return {
      createdById: this.state.adminUserId,
      createdByName: name,
      createdDate: c.createdDate.replace('+0000', 'Z'),
      fileName,
      fullName: c.fullName,
      id: c.id,
      lastModifiedById: this.state.adminUserId,
      lastModifiedByName: name,
      lastModifiedDate: c.lastModifiedDate.replace('+0000', 'Z'),
      manageableState: 'unmanaged',
      type: c.type,
    };
  }

  // --- retrieve --------------------------------------------------------------------------------

  private retrieve(args: Tree): SoapReply {
    const request = isTree(args.request) ? args.request : {};
    const unpackaged = isTree(request.unpackaged) ? request.unpackaged : {};
    const types = listOf(unpackaged.types)
      .filter(isTree)
      .map((t) => ({ name: textOf(t.name), members: textList(t.members) }));
    if (!isTree(request.unpackaged) && (listOf(request.packageNames).length || listOf(request.specificFiles).length)) {
      return soapFault(
        'INVALID_OPERATION',
        'The emulator retrieves unpackaged components only (request.unpackaged).',
        'retrieve'
      );
    }
    const id = this.state.ids.next('09S');
    const version = textOf(unpackaged.version) || textOf(request.apiVersion) || '66.0';
    this.jobs.set(id, {
      kind: 'retrieve',
      id,
      checks: 0,
      singlePackage: textOf(request.singlePackage) === 'true',
      types,
      version,
    });
    return respond('retrieve', [{ done: 'false', id, state: 'Queued' }]);
  }

  private job<K extends Job['kind']>(args: Tree, kind: K): Extract<Job, { kind: K }> | undefined {
    const id = textList(args.asyncProcessId)[0] ?? textOf(args.id);
    const job = [...this.jobs.values()].find((j) => j.id.slice(0, 15) === id.slice(0, 15));
    return job?.kind === kind ? (job as Extract<Job, { kind: K }>) : undefined;
  }

  /** behaviour.metadataAsyncPolls: the check that completes a job (0 = the first one). */
  private completes(job: Job): boolean {
    job.checks++;
    return job.checks > this.state.behaviour.metadataAsyncPolls;
  }

  private async checkRetrieve(args: Tree): Promise<SoapReply> {
    const job = this.job(args, 'retrieve');
    if (!job) return soapFault('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', 'checkRetrieveStatus');
    if (!job.result && !this.completes(job))
      return respond('checkRetrieveStatus', [{ done: 'false', id: job.id, status: 'InProgress', success: 'false' }]);
    if (!job.result) job.result = await this.buildRetrieve(job);
    const includeZip = textOf(args.includeZip) !== 'false';
    const result = { ...job.result };
    if (!includeZip) delete result.zipFile;
    return respond('checkRetrieveStatus', [result]);
  }

  private async buildRetrieve(job: RetrieveJob): Promise<Tree> {
    // Everything is read from the state first, synchronously; the zip is written afterwards.
    const prefix = job.singlePackage ? '' : 'unpackaged/';
    const files: Array<{ path: string; xml: string; component: Component }> = [];
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
      const all = componentsOf(this.state, type);
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
    const manifest = componentFile('Package', {
      types: job.types.map((t) => ({ members: t.members, name: t.name })),
      version: job.version,
    });
    const zip = new JSZip();
    zip.file(`${prefix}package.xml`, manifest, { createFolders: false });
    for (const f of files) zip.file(f.path, f.xml, { createFolders: false });
    const zipFile = await zip.generateAsync({ type: 'base64', compression: 'DEFLATE' });
    const now = new Date().toISOString();
    const fileProperties: Tree[] = files.map((f) => this.fileProperties(f.component, f.path));
    fileProperties.push({
      createdById: this.state.adminUserId,
      createdByName: '',
      createdDate: now,
      fileName: `${prefix}package.xml`,
      fullName: `${prefix}package.xml`,
      id: '',
      lastModifiedById: this.state.adminUserId,
      lastModifiedByName: '',
      lastModifiedDate: now,
      manageableState: 'unmanaged',
      type: 'Package',
    });
    return { done: 'true', fileProperties, id: job.id, messages, status: 'Succeeded', success: 'true', zipFile };
  }

  // --- deploy ----------------------------------------------------------------------------------

  private async deploy(args: Tree, userId: string): Promise<SoapReply> {
    const options = isTree(args.DeployOptions) ? args.DeployOptions : {};
    const id = this.state.ids.next('0Af');
    const job: DeployJob = {
      kind: 'deploy',
      id,
      checks: 0,
      userId,
      createdDate: new Date().toISOString(),
      options: {
        // Metadata API default: false (production orgs want true; sf and the plugin send it).
        rollbackOnError: textOf(options.rollbackOnError) === 'true',
        checkOnly: textOf(options.checkOnly) === 'true',
        ignoreWarnings: textOf(options.ignoreWarnings) === 'true',
      },
      packageProblems: [],
      components: [],
    };
    await this.readZip(job, textOf(args.ZipFile), textOf(options.singlePackage) === 'true');
    this.jobs.set(id, job);
    return respond('deploy', [{ done: 'false', id, state: 'Queued' }]);
  }

  /**
   * Reads the packages of the zip and each component they name. `singlePackage` (DeployOptions) says the layout:
   * true, one package with package.xml at the root; false, every top-level folder is a package with its own
   * package.xml. A mismatch fails with "No package.xml found" in both directions: a root package.xml with
   * singlePackage false fails for each top-level folder (forcedotcom/cli issue 4, Salesforce Stack Exchange 252340,
   * the jsforce maintainer in jsforce/gulp-jsforce-deploy issue 7); a zip whose package.xml sits in a folder fails with
   * singlePackage true (Salesforce Inspector reloaded issue 978, whose deploy sends singlePackage true).
   */
  private async readZip(job: DeployJob, base64: string, singlePackage: boolean): Promise<void> {
    let zip: JSZip;
    try {
      zip = await JSZip.loadAsync(Buffer.from(base64, 'base64'));
    } catch (e) {
      job.packageProblems.push({
        fileName: 'package.xml',
        problem: `Error reading the zip file: ${(e as Error).message}`,
      });
      return;
    }
    const paths = Object.keys(zip.files).filter((p) => !zip.files[p].dir);
    const folders = [...new Set(paths.filter((p) => p.includes('/')).map((p) => p.slice(0, p.indexOf('/'))))];
    const manifests = singlePackage ? paths.filter((p) => p === 'package.xml') : folders.map((f) => `${f}/package.xml`);
    const missing = manifests.filter((m) => !zip.files[m]);
    for (const m of missing) job.packageProblems.push({ fileName: m, problem: 'No package.xml found' });
    if (singlePackage && manifests.length === 0)
      job.packageProblems.push({ fileName: 'package.xml', problem: 'No package.xml found' });
    if (job.packageProblems.length) return;
    for (const manifestPath of manifests) {
      const root = manifestPath.slice(0, -'package.xml'.length);
      const manifest = parseComponentFile(await zip.files[manifestPath].async('string'));
      if (manifest?.type !== 'Package') {
        job.packageProblems.push({
          fileName: manifestPath,
          problem: 'Error parsing file: package.xml is not a Package manifest',
        });
        continue;
      }
      for (const t of listOf(manifest.tree.types).filter(isTree)) {
        const raw = textOf(t.name);
        const type = typeName(raw);
        if (!type) {
          job.packageProblems.push({
            fileName: manifestPath,
            problem: `Unknown type name '${raw}' specified in package.xml`,
          });
          continue;
        }
        const { folder, suffix } = METADATA_TYPES[type];
        let members = textList(t.members);
        if (members.includes('*')) {
          const inFolder = Object.keys(zip.files).filter(
            (p) => p.startsWith(`${root}${folder}/`) && p.endsWith(`.${suffix}`)
          );
          members = [
            ...new Set([
              ...members.filter((m) => m !== '*'),
              ...inFolder.map((p) => p.slice(`${root}${folder}/`.length, -(suffix.length + 1))),
            ]),
          ];
        }
        for (const member of members) {
          const fileName = `${root}${folder}/${member}.${suffix}`;
          const file = zip.files[fileName];
          if (!file) {
            job.components.push({
              type,
              fullName: member,
              fileName,
              problem: `An object '${member}' of type ${type} was named in package.xml, but was not found in zipped directory`,
            });
            continue;
          }
          const parsed = parseComponentFile(await file.async('string'));
          if (!parsed || parsed.type !== type) {
            job.components.push({
              type,
              fullName: member,
              fileName,
              problem: `Error parsing file: the root element must be ${type}`,
            });
            continue;
          }
          job.components.push({ type, fullName: member, fileName, tree: parsed.tree });
        }
      }
    }
  }

  private checkDeploy(args: Tree): SoapReply {
    const job = this.job(args, 'deploy');
    if (!job) return soapFault('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', 'checkDeployStatus');
    const includeDetails = textOf(args.includeDetails) === 'true';
    let writes = 0;
    if (!job.result) {
      if (!this.completes(job)) {
        return respond('checkDeployStatus', [
          {
            ...this.deployHeader(job),
            done: 'false',
            numberComponentErrors: '0',
            numberComponentsDeployed: '0',
            status: 'InProgress',
            success: 'false',
          },
        ]);
      }
      writes = this.applyDeploy(job);
    }
    const result = { ...(job.result as Tree) };
    if (!includeDetails) delete result.details;
    return respond('checkDeployStatus', [result], writes);
  }

  private deployHeader(job: DeployJob): Tree {
    const user = this.state.get('User', job.userId);
    return {
      checkOnly: bool(job.options.checkOnly),
      createdBy: job.userId,
      createdByName: [user?.FirstName, user?.LastName].filter(Boolean).join(' '),
      createdDate: job.createdDate,
      id: job.id,
      ignoreWarnings: bool(job.options.ignoreWarnings),
      lastModifiedDate: new Date().toISOString(),
      numberComponentsTotal: String(job.components.length),
      numberTestErrors: '0',
      numberTestsCompleted: '0',
      numberTestsTotal: '0',
      rollbackOnError: bool(job.options.rollbackOnError),
      runTestsEnabled: 'false',
      startDate: job.createdDate,
    };
  }

  /** Applies the deploy (synchronously) and stores its result; returns the components written. */
  private applyDeploy(job: DeployJob): number {
    const { state } = this;
    const ctx = { state, userId: job.userId };
    const now = new Date().toISOString();
    const message = (c: PlannedComponent, extra: Tree): Tree => ({
      changed: 'false',
      componentType: c.type,
      created: 'false',
      createdDate: now,
      deleted: 'false',
      fileName: c.fileName,
      fullName: c.fullName,
      ...extra,
    });
    const successes: Tree[] = [];
    const failures: Tree[] = job.packageProblems.map((p) => ({
      changed: 'false',
      componentType: '',
      created: 'false',
      createdDate: now,
      deleted: 'false',
      fileName: p.fileName,
      fullName: p.fileName.split('/').pop() ?? p.fileName,
      problem: p.problem,
      problemType: 'Error',
      success: 'false',
    }));
    const policyApps = new Set(
      job.components
        .filter((c) => c.type === 'ExtlClntAppOauthConfigurablePolicies' && c.tree)
        .map((c) => textOf((c.tree as Tree).externalClientApplication).toLowerCase())
    );
    const ordered = [...job.components].sort((a, b) => DEPLOY_ORDER.indexOf(a.type) - DEPLOY_ORDER.indexOf(b.type));
    state.resetJournal();
    const savepoint = state.savepoint();
    let written = 0;
    for (const c of ordered) {
      if (c.problem || !c.tree) {
        failures.push(
          message(c, { problem: c.problem ?? 'Error parsing file', problemType: 'Error', success: 'false' })
        );
        continue;
      }
      const componentSavepoint = state.savepoint();
      try {
        const { created } = deployComponent(ctx, c.type, c.fullName, c.tree, policyApps);
        successes.push(
          message(c, { changed: bool(!created), created: bool(created), id: this.idOf(c), success: 'true' })
        );
        written++;
      } catch (e) {
        if (!(e instanceof MetadataProblem)) throw e;
        state.rollback(componentSavepoint);
        failures.push(message(c, { problem: e.message, problemType: 'Error', success: 'false' }));
      }
    }
    const rolledBack = (failures.length > 0 && job.options.rollbackOnError) || job.options.checkOnly;
    if (rolledBack) state.rollback(savepoint);
    state.resetJournal();
    const status =
      failures.length === 0
        ? 'Succeeded'
        : job.options.rollbackOnError || successes.length === 0
          ? 'Failed'
          : 'SucceededPartial';
    if (status === 'Succeeded') {
      successes.push({
        changed: 'true',
        componentType: '',
        created: 'false',
        createdDate: now,
        deleted: 'false',
        fileName: 'package.xml',
        fullName: 'package.xml',
        success: 'true',
      });
    }
    job.result = {
      ...this.deployHeader(job),
      completedDate: now,
      details: { componentFailures: failures, componentSuccesses: successes },
      done: 'true',
      ...(status === 'Failed' && job.components.length === 0 && failures.length > 0
        ? { errorMessage: textOf(failures[0].problem), errorStatusCode: 'UNKNOWN_EXCEPTION' }
        : {}),
      numberComponentErrors: String(failures.length),
      numberComponentsDeployed: String(written),
      status,
      success: bool(status === 'Succeeded'),
    };
    return rolledBack ? 0 : written;
  }

  private idOf(c: PlannedComponent): string {
    return (
      componentsOf(this.state, c.type).find((x) => x.fullName.toLowerCase() === c.fullName.toLowerCase())?.id ?? ''
    );
  }

  private checkStatus(args: Tree): SoapReply {
    const results = textList(args.asyncProcessId).map((id): Tree => {
      const job = [...this.jobs.values()].find((j) => j.id.slice(0, 15) === id.slice(0, 15));
      const done =
        job?.result !== undefined || (job !== undefined && job.checks > this.state.behaviour.metadataAsyncPolls);
      return {
        done: bool(done),
        id,
        state: job ? (done ? 'Completed' : 'InProgress') : 'Error',
        ...(job ? {} : { message: 'invalid cross reference id', statusCode: 'INVALID_CROSS_REFERENCE_KEY' }),
      };
    });
    return respond('checkStatus', results);
  }
}
