// The Metadata API over SOAP (POST /services/Soap/m/{version}), as jsforce's conn.metadata calls it:
// CRUD calls (readMetadata, updateMetadata, upsertMetadata, createMetadata), listMetadata, describeMetadata
// (crud.ts), and the zip-based retrieve / checkRetrieveStatus (retrieve.ts) and deploy / checkDeployStatus
// (deploy.ts), whose jobs this service keeps. Answers use Salesforce's envelopes (metadata namespace, xsi:type on
// records, booleans as text); errors are SOAP faults (HTTP 500) (soap.ts).
//
// State changes happen synchronously inside one call (a deploy is applied by the status check that completes
// it), so the state's journal can roll back a failed component or a whole deploy. Reading a zip (deploy) and
// writing one (a completed retrieve) are the only asynchronous steps, and they never touch the state.

import type { OrgState } from '../data/state.js';
import { effectivePermissionSetIds } from '../rules/access.js';
import { describeMetadata, listMetadata, readMetadata, saveMetadata } from './crud.js';
import { DeployJob, applyDeploy, deployHeader, deployJob } from './deploy.js';
import { RetrieveJob, buildRetrieve, retrieveJob } from './retrieve.js';
import { SoapReply, bool, respond, soapFault } from './soap.js';
import { METADATA_NS, Tree, XmlError, isTree, parseXml, textList, textOf } from './xml.js';

export { soapFault, type SoapReply } from './soap.js';

/** Metadata API calls need Modify All Data or Modify Metadata (the emulator's admin always passes). */
const METADATA_PERMISSIONS = ['PermissionsModifyAllData', 'PermissionsModifyMetadata'];

type Job = RetrieveJob | DeployJob;

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
    if (!this.mayUseMetadataApi(userId))
      return soapFault(
        'INSUFFICIENT_ACCESS',
        'use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions',
        operation
      );
    return this.operation(operation, args, userId);
  }

  private mayUseMetadataApi(userId: string): boolean {
    if (userId === this.state.adminUserId) return true;
    const held = effectivePermissionSetIds(this.state, userId);
    return [...held].some((id) => METADATA_PERMISSIONS.some((p) => this.state.get('PermissionSet', id)?.[p] === true));
  }

  private operation(operation: string, args: Tree, userId: string): SoapReply | Promise<SoapReply> {
    switch (operation) {
      case 'readMetadata':
        return readMetadata(this.state, args);
      case 'updateMetadata':
      case 'upsertMetadata':
      case 'createMetadata':
        return saveMetadata(this.state, operation, args, userId);
      case 'listMetadata':
        return listMetadata(this.state, args);
      case 'describeMetadata':
        return describeMetadata(this.state);
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

  // --- the asynchronous jobs -------------------------------------------------------------------

  private retrieve(args: Tree): SoapReply {
    const job = retrieveJob(this.state, args);
    if (typeof job === 'string') return soapFault('INVALID_OPERATION', job, 'retrieve');
    this.jobs.set(job.id, job);
    return respond('retrieve', [{ done: 'false', id: job.id, state: 'Queued' }]);
  }

  private async deploy(args: Tree, userId: string): Promise<SoapReply> {
    const job = await deployJob(this.state, args, userId);
    this.jobs.set(job.id, job);
    return respond('deploy', [{ done: 'false', id: job.id, state: 'Queued' }]);
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
    if (!job.result) job.result = await buildRetrieve(this.state, job);
    const includeZip = textOf(args.includeZip) !== 'false';
    const result = { ...job.result };
    if (!includeZip) delete result.zipFile;
    return respond('checkRetrieveStatus', [result]);
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
            ...deployHeader(this.state, job),
            done: 'false',
            numberComponentErrors: '0',
            numberComponentsDeployed: '0',
            status: 'InProgress',
            success: 'false',
          },
        ]);
      }
      writes = applyDeploy(this.state, job);
    }
    const result = { ...(job.result as Tree) };
    if (!includeDetails) delete result.details;
    return respond('checkDeployStatus', [result], writes);
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
