// deploy: a job holding the components read from the zip (its packages, each with a package.xml), applied by
// the status check that completes it, in DEPLOY_ORDER, each component its own transaction, the whole rolled
// back with rollbackOnError or checkOnly. Reading the zip is asynchronous and never touches the state.

import JSZip from 'jszip';
import type { OrgState } from '../data/state.js';
import { DEPLOY_ORDER, METADATA_TYPES, MetadataProblem, WriteContext } from './apps.js';
import { componentsOf } from './components.js';
import { deployComponent } from './eca-deploy.js';
import { bool, typeName } from './soap.js';
import { Tree, isTree, listOf, parseComponentFile, textList, textOf } from './xml.js';

interface PlannedComponent {
  type: string;
  fullName: string;
  fileName: string;
  tree?: Tree;
  /** a problem found while reading the zip */
  problem?: string;
}

export interface DeployJob {
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

/** The job a deploy request makes (its id taken at once), with the zip read. */
export async function deployJob(state: OrgState, args: Tree, userId: string): Promise<DeployJob> {
  const options = isTree(args.DeployOptions) ? args.DeployOptions : {};
  const job: DeployJob = {
    kind: 'deploy',
    id: state.ids.next('0Af'),
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
  await readZip(job, textOf(args.ZipFile), textOf(options.singlePackage) === 'true');
  return job;
}

/**
 * Reads the packages of the zip and each component they name. `singlePackage` (DeployOptions) says the layout:
 * true, one package with package.xml at the root; false, every top-level folder is a package with its own
 * package.xml. A mismatch fails with "No package.xml found" in both directions: a root package.xml with
 * singlePackage false fails for each top-level folder (forcedotcom/cli issue 4, Salesforce Stack Exchange 252340,
 * the jsforce maintainer in jsforce/gulp-jsforce-deploy issue 7); a zip whose package.xml sits in a folder fails with
 * singlePackage true (Salesforce Inspector reloaded issue 978, whose deploy sends singlePackage true).
 */
async function readZip(job: DeployJob, base64: string, singlePackage: boolean): Promise<void> {
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
  for (const manifestPath of manifests) await readPackage(job, zip, manifestPath);
}

/** One package: its package.xml's types, and each member's file in the package's folders. */
async function readPackage(job: DeployJob, zip: JSZip, manifestPath: string): Promise<void> {
  const root = manifestPath.slice(0, -'package.xml'.length);
  const manifest = parseComponentFile(await zip.files[manifestPath].async('string'));
  if (manifest?.type !== 'Package') {
    job.packageProblems.push({
      fileName: manifestPath,
      problem: 'Error parsing file: package.xml is not a Package manifest',
    });
    return;
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
    for (const member of members) await readMember(job, zip, type, member, `${root}${folder}/${member}.${suffix}`);
  }
}

async function readMember(job: DeployJob, zip: JSZip, type: string, member: string, fileName: string): Promise<void> {
  const file = zip.files[fileName];
  if (!file) {
    job.components.push({
      type,
      fullName: member,
      fileName,
      problem: `An object '${member}' of type ${type} was named in package.xml, but was not found in zipped directory`,
    });
    return;
  }
  const parsed = parseComponentFile(await file.async('string'));
  if (!parsed || parsed.type !== type) {
    job.components.push({
      type,
      fullName: member,
      fileName,
      problem: `Error parsing file: the root element must be ${type}`,
    });
    return;
  }
  job.components.push({ type, fullName: member, fileName, tree: parsed.tree });
}

/** The DeployResult fields every status check answers. */
export function deployHeader(state: OrgState, job: DeployJob): Tree {
  const user = state.get('User', job.userId);
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
export function applyDeploy(state: OrgState, job: DeployJob): number {
  const now = new Date().toISOString();
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
  state.resetJournal();
  const savepoint = state.savepoint();
  const written = deployComponents(state, job, now, successes, failures);
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
    ...deployHeader(state, job),
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

/** Each planned component in DEPLOY_ORDER, its own transaction; a refused one becomes a failure. */
function deployComponents(state: OrgState, job: DeployJob, now: string, successes: Tree[], failures: Tree[]): number {
  const ctx: WriteContext = { state, userId: job.userId };
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
  // Apps whose OAuth policy is in this deploy: their OAuth settings generate no default policy.
  const policyApps = new Set(
    job.components
      .filter((c) => c.type === 'ExtlClntAppOauthConfigurablePolicies' && c.tree)
      .map((c) => textOf((c.tree as Tree).externalClientApplication).toLowerCase())
  );
  const ordered = [...job.components].sort((a, b) => DEPLOY_ORDER.indexOf(a.type) - DEPLOY_ORDER.indexOf(b.type));
  let written = 0;
  for (const c of ordered) {
    if (c.problem || !c.tree) {
      failures.push(message(c, { problem: c.problem ?? 'Error parsing file', problemType: 'Error', success: 'false' }));
      continue;
    }
    const componentSavepoint = state.savepoint();
    try {
      const { created } = deployComponent(ctx, c.type, c.fullName, c.tree, policyApps);
      const id = componentsOf(state, c.type).find((x) => x.fullName.toLowerCase() === c.fullName.toLowerCase())?.id;
      successes.push(message(c, { changed: bool(!created), created: bool(created), id: id ?? '', success: 'true' }));
      written++;
    } catch (e) {
      if (!(e instanceof MetadataProblem)) throw e;
      state.rollback(componentSavepoint);
      failures.push(message(c, { problem: e.message, problemType: 'Error', success: 'false' }));
    }
  }
  return written;
}
