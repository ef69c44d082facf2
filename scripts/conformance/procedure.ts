// The acceptance procedure of a conformance run, judged only from what the plugin's and the stock
// sf's commands answer with --json: the five commands do their work, the org (read back with the
// stock sf) shows it, the same five again find it done and change nothing, and cleanup takes the
// test user's access away and deactivates it (users can't be deleted).

import type { Config, RunNames } from './config.js';
import { plugin, sf, type CommandRun } from './commands.js';
import type { Report } from './report.js';
import { changesBetween, expectFields, heldByUser, userStateQuery } from './judging.js';
import { cleanupRequest, judgeCleanup, type CleanupPlan } from './cleanup.js';
import type {
  AssignPslOut,
  CreateOut,
  GrantOut,
  Held,
  PreauthorizeOut,
  QueryOut,
  Verdict,
  VerifyOut,
} from './judging.js';

/** Judges a command's --json result (untrusted: every field may be missing). */
type Judge = (result: unknown) => Verdict;
type StepDef = { name: string; args: () => string[]; first: Judge; again: Judge };

const GRANTED = 'Account:read';
const ADMIN_APPROVED = 'AdminApprovedPreAuthorized';
const PSL = 'SalesforceAPIIntegrationPsl';
/** For the cleanup request when sf's answer named no version; every current org serves it. */
const FALLBACK_API_VERSION = 'v60.0';

export class Procedure {
  private username?: string;
  private userId?: string;
  private setName?: string;
  private setId?: string;
  private clientId?: string;
  private previousPolicy?: string;
  private appCreated = false;
  /** The run's generated set is on the given app's list: it stays, as the app needs it. */
  private setOnApp = false;
  private setDeleted = false;
  private cleanedUp = false;

  public constructor(
    private readonly config: Config,
    private readonly names: RunNames,
    private readonly report: Report
  ) {}

  private get app(): string {
    return this.config.app ?? this.names.appName;
  }

  public async run(): Promise<void> {
    if (await this.checkOrg()) {
      const before = await this.firstRun();
      const after = before && (await this.reRun(before));
      await this.cleanUp(after);
    }
    this.listWhatIsLeft();
  }

  private async checkOrg(): Promise<boolean> {
    this.report.phase('Check the org');
    const query = 'SELECT Id, Name, IsSandbox, OrganizationType FROM Organization';
    return this.command('org', sf(['data', 'query', '--query', query, '--target-org', this.config.org]), (r) => {
      const org = ((r as QueryOut).records?.[0] ?? {}) as {
        Id?: string;
        Name?: string;
        IsSandbox?: boolean;
        OrganizationType?: string;
      };
      const problems = org.Id ? [] : ['the Organization query returned no row'];
      if (org.IsSandbox === false && !this.config.allowProduction) {
        problems.push(
          `${org.Name} (${org.Id}) is a production org; the run leaves an inactive user there, which can't be deleted. Try a sandbox first, or set PIU_ALLOW_PRODUCTION=true`
        );
      }
      return {
        outcome: `${org.Name} (${org.Id}), ${org.IsSandbox ? 'a sandbox' : 'production'}, ${org.OrganizationType}`,
        problems,
      };
    });
  }

  /** Every step once; the org state afterwards when all of them did their work. */
  private async firstRun(): Promise<Held | undefined> {
    this.report.phase('First run: each step does its work');
    const steps = this.steps();
    for (const [i, step] of steps.entries()) {
      if (!(await this.command(step.name, plugin(step.args()), step.first))) {
        for (const rest of steps.slice(i + 1)) this.skip(rest.name, `not run: ${step.name} failed`);
        return this.skipReRun(step.name);
      }
    }
    const held = await this.readUser('org shows it', (read) => {
      const problems: string[] = [];
      if (!read.isActive) problems.push('the user is inactive');
      if (!read.licenses.some((l) => l.name === PSL)) problems.push(`the user doesn't hold ${PSL}`);
      if (!read.sets.some((s) => s.name === this.setName)) problems.push(`the user doesn't hold ${this.setName}`);
      return problems;
    });
    return held ?? this.skipReRun('org shows it');
  }

  private skipReRun(failed: string): undefined {
    this.report.phase('Re-run: each step finds its work done and changes nothing');
    for (const step of this.steps()) this.skip(step.name, `not run: ${failed} failed in the first run`);
    return undefined;
  }

  /** Every step again; the org state afterwards when it is as before. */
  private async reRun(before: Held): Promise<Held | undefined> {
    this.report.phase('Re-run: each step finds its work done and changes nothing');
    for (const step of this.steps()) await this.command(step.name, plugin(step.args()), step.again);
    return this.readUser('org unchanged', (after) => changesBetween(before, after));
  }

  /** The test user loses every permission set and license assignment and is deactivated, in one composite request. */
  private async cleanUp(known?: Held): Promise<void> {
    if (!this.userId) return;
    this.report.phase("Cleanup: users can't be deleted, so the test user loses its access and is deactivated");
    const held = known ?? (await this.readUser('read assignments', () => []));
    if (!held) return;
    // The generated set is the run's own: deleted, unless the given app lists it now.
    this.setId ??= held.sets.find((s) => s.name === this.setName)?.setId;
    const plan: CleanupPlan = {
      userId: this.userId,
      username: this.username ?? this.userId,
      held,
      deleteSet: !this.setOnApp && this.setId && this.setName ? { id: this.setId, name: this.setName } : undefined,
      apiVersion: held.apiVersion ?? FALLBACK_API_VERSION,
    };
    const body = JSON.stringify(cleanupRequest(plan));
    const run = await sf([
      'api',
      'request',
      'rest',
      `services/data/${plan.apiVersion}/composite`,
      '--method',
      'POST',
      '--body',
      body,
      '--target-org',
      this.config.org,
    ]);
    const parts =
      run.json?.result === undefined
        ? [{ step: 'cleanup', verdict: { outcome: '', problems: [run.failure ?? 'no result'] } }]
        : judgeCleanup(plan, run.json.result);
    for (const [i, { step, verdict }] of parts.entries()) {
      const ok = verdict.problems.length === 0;
      this.report.add({
        step,
        status: ok ? 'pass' : 'fail',
        outcome: ok ? verdict.outcome : verdict.problems.join('; '),
        ...(i === 0 ? { command: run.shown, ms: run.ms } : {}),
      });
      if (step === `delete ${this.setName}`) this.setDeleted = ok;
    }
    this.cleanedUp = parts.every((p) => p.verdict.problems.length === 0);
  }

  private listWhatIsLeft(): void {
    const left = this.report.left;
    if (this.userId) {
      left.push(
        this.cleanedUp
          ? `user ${this.username} (${this.userId}): inactive, without permission sets or licenses; users can't be deleted, and an inactive one takes no seat`
          : `user ${this.username} (${this.userId}): its cleanup failed (see above); remove its assignments and deactivate it in Setup > Users`
      );
      left.push(`the login history of the JWT logins as ${this.username}`);
    }
    const triedToCreate = this.report.steps.some((s) => s.step === 'preauthorize --create' && s.status !== 'skip');
    if (this.appCreated)
      left.push(
        `External Client App ${this.app} (consumer key ${this.clientId}), made by this run: delete it in Setup > External Client App Manager`
      );
    else if (triedToCreate)
      left.push(
        `maybe a partly made External Client App ${this.app}: look for it in Setup > External Client App Manager`
      );
    if (this.setOnApp) {
      const switched =
        this.previousPolicy === 'AllSelfAuthorized'
          ? ', and the app is admin-approved now (it let users self-authorize before)'
          : '';
      left.push(
        `${this.app} pre-authorizes permission set ${this.setName}${switched}: take the set off the app's policy, then delete the set in Setup > Permission Sets`
      );
    } else if (this.setName && !this.setDeleted)
      left.push(`permission set ${this.setName}, generated by this run: delete it in Setup > Permission Sets`);
  }

  /** The five commands, with what the first run and the re-run must each answer. */
  private steps(): StepDef[] {
    const org = ['--target-org', this.config.org];
    const user = (): string[] => ['--username', this.username ?? ''];
    const existingApp = this.config.app !== undefined;
    return [
      {
        name: 'create',
        args: () => ['integration-user', 'create', '--name', this.names.userName, '--email', this.config.email, ...org],
        first: (result) => {
          const r = result as CreateOut;
          this.username = r.username;
          this.userId = /^[a-zA-Z0-9]{15,18}$/.test(r.id ?? '') ? r.id : undefined;
          return {
            outcome: `created ${r.username} (${r.id}), profile "${r.profile}"`,
            problems: [
              ...expectFields(r, { status: 'created', created: true }),
              ...(this.userId ? [] : ['no User Id in the result']),
            ],
          };
        },
        again: (r) => ({
          outcome: `${(r as CreateOut).username} exists already; created: false`,
          problems: expectFields(r as CreateOut, { status: 'exists', created: false, id: this.userId }),
        }),
      },
      {
        name: 'assign-psl',
        args: () => ['integration-user', 'assign-psl', ...user(), ...org],
        first: (r) => ({
          outcome: `assigned ${(r as AssignPslOut).permissionSetLicense}`,
          problems: expectFields(r as AssignPslOut, { status: 'assigned', assigned: true }),
        }),
        again: (r) => ({
          outcome: 'already assigned; assigned: false',
          problems: expectFields(r as AssignPslOut, { status: 'already-assigned', assigned: false }),
        }),
      },
      {
        name: 'grant',
        args: () => ['integration-user', 'grant', ...user(), '--object', GRANTED, ...org],
        first: (r) => {
          this.setName = (r as GrantOut).generatedPermissionSet?.name;
          return grantVerdict(
            r as GrantOut,
            'created',
            'assigned',
            `generated ${this.setName} (${GRANTED}) and assigned it`
          );
        },
        again: (r) =>
          grantVerdict(
            r as GrantOut,
            'unchanged',
            'already-assigned',
            `${this.setName} unchanged and already assigned`
          ),
      },
      existingApp
        ? {
            name: 'preauthorize',
            args: () => [
              'integration-user',
              'preauthorize',
              '--app',
              this.app,
              '--permission-set',
              this.setName ?? '',
              ...user(),
              ...org,
            ],
            first: (result) => {
              const r = result as PreauthorizeOut;
              this.previousPolicy = r.previousPolicy;
              this.clientId = this.config.clientId;
              this.setOnApp = !!this.setName && (r.permissionSets ?? []).includes(this.setName);
              return appVerdict(
                r,
                this.setName,
                { changed: true, policy: ADMIN_APPROVED },
                `${r.appType} ${r.app} pre-authorizes permission set ${this.setName} (policy before: ${r.previousPolicy})`
              );
            },
            again: (r) =>
              appVerdict(
                r as PreauthorizeOut,
                this.setName,
                { changed: false, policy: ADMIN_APPROVED },
                `${this.app} pre-authorizes ${this.setName} already; changed: false`
              ),
          }
        : {
            name: 'preauthorize --create',
            args: () => [
              'integration-user',
              'preauthorize',
              '--app',
              this.app,
              '--create',
              '--certificate-file',
              this.config.certFile ?? '',
              '--contact-email',
              this.config.email,
              ...org,
            ],
            first: (result) => {
              const r = result as PreauthorizeOut;
              this.appCreated = r.created === true;
              this.clientId = r.consumerKey;
              const profiles = (r.profiles ?? []).map((p) => `"${p}"`).join(', ');
              const verdict = appVerdict(
                r,
                undefined,
                { created: true, changed: true, policy: ADMIN_APPROVED },
                `created External Client App ${r.app}, admin-approved for ${profiles}; consumer key ${r.consumerKey}`
              );
              if (!this.clientId) verdict.problems.push('no consumerKey in the result');
              return verdict;
            },
            again: (r) =>
              appVerdict(
                r as PreauthorizeOut,
                undefined,
                { created: false, changed: false, consumerKey: this.clientId },
                `${this.app} exists and is set up already; created: false, changed: false`
              ),
          },
      {
        name: 'verify',
        args: () => [
          'integration-user',
          'verify',
          ...user(),
          '--app',
          this.app,
          '--client-id',
          this.clientId ?? '',
          '--jwt-key-file',
          this.config.keyFile,
          '--wait',
          String(this.config.waitMinutes),
          ...(this.config.loginUrl ? ['--login-url', this.config.loginUrl] : []),
          ...org,
        ],
        first: (r) => verifyVerdict(r as VerifyOut),
        again: (r) => verifyVerdict(r as VerifyOut),
      },
    ];
  }

  /** Runs one command and records it as a step: it passes when it exits 0 and its result is as judged. */
  private async command(step: string, running: Promise<CommandRun>, judge: Judge): Promise<boolean> {
    const run = await running;
    let verdict: Verdict = { outcome: '', problems: [run.failure ?? 'no result'] };
    if (run.json?.result !== undefined) {
      verdict = judge(run.json.result);
      if (run.exitCode !== 0) verdict.problems.unshift(`exit code ${run.exitCode}`);
    }
    const ok = verdict.problems.length === 0;
    this.report.add({
      step,
      status: ok ? 'pass' : 'fail',
      outcome: ok ? verdict.outcome : verdict.problems.join('; '),
      command: run.shown,
      ms: run.ms,
    });
    return ok;
  }

  private skip(step: string, outcome: string): void {
    this.report.add({ step, status: 'skip', outcome });
  }

  /** The test user as the stock sf reads it, judged by `check`; undefined when the read or the check failed. */
  private async readUser(step: string, check: (held: Held) => string[]): Promise<Held | undefined> {
    let held: Held | undefined;
    const ok = await this.command(
      step,
      sf(['data', 'query', '--query', userStateQuery(this.userId ?? ''), '--target-org', this.config.org]),
      (r) => {
        held = heldByUser(r as QueryOut);
        if (!held) return { outcome: '', problems: [`no user ${this.userId}`] };
        const sets = held.sets.map((s) => s.name).join(', ') || 'no permission set';
        const licenses = held.licenses.map((l) => l.name).join(', ') || 'no permission set license';
        return {
          outcome: `${held.isActive ? 'active' : 'inactive'}; holds ${sets}; ${licenses}`,
          problems: check(held),
        };
      }
    );
    return ok ? held : undefined;
  }
}

function grantVerdict(r: GrantOut, setStatus: string, assignment: string, outcome: string): Verdict {
  const generated = r.generatedPermissionSet;
  const problems = expectFields(generated, { status: setStatus });
  const items = r.permissionSets ?? [];
  if (!items.some((i) => i.name === generated?.name))
    problems.push(`the generated set ${generated?.name} is not among the assigned sets`);
  for (const item of items)
    if (item.status !== assignment) problems.push(`${item.name} is ${item.status}, expected ${assignment}`);
  return { outcome, problems };
}

function appVerdict(
  r: PreauthorizeOut,
  setName: string | undefined,
  fields: Record<string, unknown>,
  outcome: string
): Verdict {
  const problems = expectFields(r, fields);
  if (setName && !(r.permissionSets ?? []).includes(setName))
    problems.push(`the app's permission sets don't include ${setName}`);
  return { outcome, problems };
}

function verifyVerdict(r: VerifyOut): Verdict {
  const checks = r.checks ?? [];
  const problems = checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.message}`);
  for (const name of ['jwt-login', 'query']) {
    const status = checks.find((c) => c.name === name)?.status;
    if (status !== 'pass' && status !== 'fail') problems.push(`check ${name} is ${status ?? 'missing'}, expected pass`);
  }
  if (!(r.access ?? []).some((a) => a.object === 'Account' && a.read))
    problems.push('no read access on Account in the access matrix');
  const count = (status: string): number => checks.filter((c) => c.status === status).length;
  return {
    outcome: `${checks.length} checks: ${count('pass')} pass, ${count('warn')} warn, ${count('skip')} skip; the JWT login and the query as the user (${r.query?.totalSize} rows) worked`,
    problems,
  };
}
