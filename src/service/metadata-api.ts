import type { Connection } from '@salesforce/core';
import { errorWords, SalesforceApiError } from './errors.js';
import type { Retrying } from './retry.js';

/** One component a deploy refused. */
export type DeployProblem = { componentType?: string; fullName?: string; problem?: string };
/** One component a deploy wrote; `id` is its record Id (an ExternalClientApplication's 0xI...). */
export type DeployedComponent = { componentType: string; fullName: string; id: string };
/** A component as listMetadata lists it. */
export type ListedComponent = { type: string; fullName: string; id: string };

/** A deploy the org refused: Salesforce's problems per component, so callers can tell which component failed. */
export class DeployFailedError extends SalesforceApiError {
  public constructor(
    public readonly failures: DeployProblem[],
    message: string
  ) {
    super('DEPLOY_FAILED', message);
  }
}

/** readMetadata and updateMetadata take up to 10 components a call (Metadata API Developer Guide). */
const COMPONENTS_PER_CALL = 10;
/** listMetadata takes up to 3 queries a call. */
const TYPES_PER_LIST = 3;
/** About two minutes of polling for an asynchronous Metadata API call. */
const POLL_LIMIT = 30;

const list = <T>(value: T | T[] | undefined): T[] => (Array.isArray(value) ? value : value ? [value] : []);

type SaveResult = {
  success: boolean | string;
  errors?: { statusCode?: string; message?: string } | Array<{ statusCode?: string; message?: string }>;
};

/**
 * The Metadata API calls the plugin makes (SOAP through jsforce), under the org client's retry policy: reads,
 * listMetadata, updateMetadata of a whole component, and zip retrieve and deploy, waited for.
 */
export class MetadataApi {
  public constructor(
    private readonly connection: Connection,
    private readonly retrying: Retrying
  ) {}

  private get apiVersion(): string {
    return this.connection.getApiVersion();
  }

  /** readMetadata of several components of one type (10 a call): those the org has, in any order. */
  public async readMany<T extends { fullName?: string }>(type: string, fullNames: string[]): Promise<T[]> {
    const found: T[] = [];
    for (let start = 0; start < fullNames.length; start += COMPONENTS_PER_CALL) {
      const names = fullNames.slice(start, start + COMPONENTS_PER_CALL);
      const records = (await this.retrying(
        true,
        () => this.connection.metadata.read(type as never, names) as Promise<unknown>
      )) as Array<T | null | undefined>;
      found.push(...records.filter((r): r is T => typeof r?.fullName === 'string' && r.fullName !== ''));
    }
    return found;
  }

  /** listMetadata: every component of these types, with its Id (3 types a call). */
  public async list(types: string[]): Promise<ListedComponent[]> {
    const listed: ListedComponent[] = [];
    for (let start = 0; start < types.length; start += TYPES_PER_LIST) {
      const queries = types.slice(start, start + TYPES_PER_LIST).map((type) => ({ type }));
      const answer = (await this.retrying(
        true,
        () => this.connection.metadata.list(queries as never) as Promise<unknown>
      )) as ListedComponent[] | ListedComponent | undefined;
      listed.push(
        ...list(answer).map((c) => ({ type: String(c.type), fullName: String(c.fullName), id: String(c.id ?? '') }))
      );
    }
    return listed;
  }

  /** updateMetadata of whole components (read-modify-write by the caller), 10 a call. */
  public async update(
    type: string,
    metadata: ({ fullName: string } & Record<string, unknown>) | Array<{ fullName: string } & Record<string, unknown>>
  ): Promise<void> {
    const components = list(metadata);
    for (let start = 0; start < components.length; start += COMPONENTS_PER_CALL) {
      const chunk = components.slice(start, start + COMPONENTS_PER_CALL);
      const saved = list(
        (await this.retrying(
          false,
          () => this.connection.metadata.update(type as never, chunk as never) as Promise<unknown>
        )) as SaveResult | SaveResult[]
      );
      const failed = saved.find((s) => String(s.success) !== 'true');
      if (failed) {
        const error = list(failed.errors)[0];
        throw new SalesforceApiError(
          error?.statusCode ?? 'UNKNOWN_ERROR',
          error?.message ?? `updateMetadata of ${type} failed`
        );
      }
    }
  }

  /** Retrieve (unpackaged) and wait for it: returns the zip file's bytes. */
  public async retrieve(types: Array<{ name: string; members: string[] }>): Promise<Buffer> {
    const metadata = this.connection.metadata;
    // Starting a retrieve again only starts another read.
    const started = (await this.retrying(true, () =>
      Promise.resolve(
        metadata.retrieve({
          apiVersion: this.apiVersion,
          singlePackage: false,
          unpackaged: { types, version: this.apiVersion },
        } as never)
      )
    )) as { id: string };
    const done = await this.poll(() => metadata.checkRetrieveStatus(started.id));
    const result = done as { success?: boolean | string; zipFile?: string; errorMessage?: string; status?: string };
    if (String(result.success) !== 'true' || !result.zipFile)
      throw new SalesforceApiError('RETRIEVE_FAILED', result.errorMessage ?? `retrieve ${result.status ?? 'failed'}`);
    return Buffer.from(result.zipFile, 'base64');
  }

  /**
   * Deploys a zip whose package.xml sits at its root, and waits for it. singlePackage must say that layout: with
   * singlePackage false the org reads every top-level folder as a package and fails with "No package.xml found"
   * (forcedotcom/cli issue 4); true with a root package.xml is what sf itself sends (source-deploy-retrieve's
   * MetadataApiDeploy defaults). Returns the components written; a failed deploy is thrown as DeployFailedError.
   */
  public async deploy(zip: Buffer): Promise<DeployedComponent[]> {
    const metadata = this.connection.metadata;
    const started = (await this.retrying(false, () =>
      Promise.resolve(metadata.deploy(zip, { rollbackOnError: true, singlePackage: true }) as never)
    )) as { id: string };
    const done = (await this.poll(() => metadata.checkDeployStatus(started.id, true))) as {
      success?: boolean | string;
      status?: string;
      errorMessage?: string;
      details?: {
        componentFailures?: DeployProblem | DeployProblem[];
        componentSuccesses?: DeployedComponent | DeployedComponent[];
      };
    };
    if (String(done.success) === 'true') return list(done.details?.componentSuccesses).filter((c) => c.componentType);
    const failures = list(done.details?.componentFailures);
    const problems = failures.map((f) => `${f.componentType ?? ''} ${f.fullName ?? ''}: ${f.problem ?? ''}`.trim());
    throw new DeployFailedError(
      failures,
      problems.join('; ') || done.errorMessage || `deploy ${done.status ?? 'failed'}`
    );
  }

  /** Polls an asynchronous Metadata API call until it reports done, with a growing pause. */
  private async poll(check: () => Promise<unknown>): Promise<unknown> {
    for (let attempt = 0; attempt < POLL_LIMIT; attempt++) {
      // A status check reads the job's state: safe to send again.
      const status = (await this.retrying(true, check)) as { done?: boolean | string };
      if (String(status.done) === 'true') return status;
      await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 5000)));
    }
    throw new SalesforceApiError('METADATA_TIMEOUT', errorWords('reason.metadataTimeout'));
  }
}
