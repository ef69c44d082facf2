import { readFile } from 'node:fs/promises';
import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { flagError } from '../../cli/flag-errors.js';
import type { PreauthorizeResult } from '../../service/preauthorize-result.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.preauthorize');

export type IntegrationUserPreauthorizeResult = PreauthorizeResult;

export default class IntegrationUserPreauthorize extends IntegrationUserCommand<IntegrationUserPreauthorizeResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    app: Flags.string({ char: 'a', required: true, summary: messages.getMessage('flags.app.summary') }),
    profile: Flags.string({ summary: messages.getMessage('flags.profile.summary') }),
    'permission-set': Flags.string({
      char: 'p',
      multiple: true,
      summary: messages.getMessage('flags.permission-set.summary'),
    }),
    username: Flags.string({
      char: 'u',
      summary: messages.getMessage('flags.username.summary'),
      dependsOn: ['permission-set'],
    }),
    'run-as': Flags.string({ summary: messages.getMessage('flags.run-as.summary') }),
    'no-prompt': Flags.boolean({ summary: messages.getMessage('flags.no-prompt.summary'), default: false }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
    create: Flags.boolean({
      summary: messages.getMessage('flags.create.summary'),
      dependsOn: ['contact-email'],
    }),
    'certificate-file': Flags.file({
      summary: messages.getMessage('flags.certificate-file.summary'),
      exists: true,
      dependsOn: ['create'],
    }),
    'contact-email': Flags.string({
      summary: messages.getMessage('flags.contact-email.summary'),
      dependsOn: ['create'],
    }),
  };

  public async run(): Promise<IntegrationUserPreauthorizeResult> {
    const { flags } = await this.parse(IntegrationUserPreauthorize).catch(
      flagError(`${this.config.bin} integration-user preauthorize`)
    );
    const [{ planPreauthorize }, { verifyFix, verifyClientCredentialsFix }, { verbatim }] = await Promise.all([
      import('../../service/preauthorize.js'),
      import('../../service/fixes.js'),
      import('../../service/plan.js'),
    ]);
    const { client } = await this.connect(flags['target-org'], flags['api-version']);
    const certificatePath = flags['certificate-file'];
    const create = flags.create
      ? {
          certificatePath,
          certificate: certificatePath ? await readFile(certificatePath, 'utf8') : undefined,
          contactEmail: flags['contact-email'] ?? '',
        }
      : undefined;

    this.spinner.start(messages.getMessage('spinner.inspect'));
    const plan = await planPreauthorize(
      client,
      {
        app: flags.app,
        profile: flags.profile,
        permissionSets: flags['permission-set'] ?? [],
        user: flags.username,
        create,
        runAs: flags['run-as'],
      },
      { dryRun: flags['dry-run'] }
    ).finally(() => this.spinner.stop());

    // Locking out users who use the app today needs a person's yes, or --no-prompt in a pipeline; a dry run says
    // who the real run would lock out, and what would keep them.
    const { lockoutError } = await import('../../service/preauthorize-lockout.js');
    const lockout =
      plan.needsConfirmation && plan.lockOut
        ? lockoutError(flags.app, plan.lockOut, {
            profile: flags.profile,
            permissionSets: flags['permission-set'] ?? [],
            username: flags.username,
          })
        : undefined;
    if (lockout && plan.result.dryRun) {
      const users = plan.result.usersLosingAccess.join(', ');
      this.warn([messages.getMessage('output.dryRunLockout', [users]), ...this.actionsOf(lockout)].join('\n'));
    } else if (lockout && !flags['no-prompt']) {
      const canAsk = !this.jsonEnabled() && process.stdin.isTTY;
      if (!canAsk) throw lockout.setData(plan.result);
      const users = plan.result.usersLosingAccess.join(', ');
      if (!(await this.confirm({ message: messages.getMessage('prompt.lockout', [flags.app, users]) }))) {
        this.log(messages.getMessage('output.cancelled'));
        this.exitWith(['blocked']);
        return plan.result;
      }
    }
    // Changing the user an app runs as changes every integration's identity: a person's yes, or --no-prompt.
    if (plan.runAsSwitch && plan.status !== 'blocked') {
      const { from, to } = plan.runAsSwitch;
      if (plan.result.dryRun) this.warn(messages.getMessage('output.dryRunRunAsSwitch', [flags.app, from, to]));
      else if (!flags['no-prompt']) {
        const canAsk = !this.jsonEnabled() && process.stdin.isTTY;
        if (!canAsk) {
          const { serviceError } = await import('../../service/errors.js');
          throw serviceError('RunAsChangeConfirmationRequired', [flags.app, from, to]).setData(plan.result);
        }
        if (!(await this.confirm({ message: messages.getMessage('prompt.runAs', [flags.app, from, to]) }))) {
          this.log(messages.getMessage('output.cancelled'));
          this.exitWith(['blocked']);
          return plan.result;
        }
      }
    }
    const { applyStep } = await import('../../service/plan.js');
    const result = await applyStep(client, plan, { dryRun: flags['dry-run'] });

    // Every profile and set the app lists after the run (a dry run's result holds the planned lists).
    const lists =
      [
        ...result.profiles.map((p) => messages.getMessage('output.listedProfile', [p])),
        ...result.permissionSets.map((p) => messages.getMessage('output.listedPermissionSet', [p])),
      ].join(', ') || messages.getMessage('output.listedNothing');
    const app = [result.app, messages.getMessage(`appType.${result.appType}`)];
    if (result.created && result.consumerKey)
      this.logSuccess(messages.getMessage('output.created', [result.app, result.consumerKey]));
    else if (result.created && result.consumerKeyLocation)
      this.logSuccess(messages.getMessage('output.createdKeyElsewhere', [result.app, result.consumerKeyLocation]));
    // A dry run of --create: no app yet (its previous policy is none).
    else if (result.dryRun && result.previousPolicy === 'none')
      this.log(messages.getMessage('output.wouldCreate', [result.app, lists]));
    else if (result.dryRun && result.changed) this.log(messages.getMessage('output.dryRun', [...app, lists]));
    else this.logSuccess(messages.getMessage(result.changed ? 'output.changed' : 'output.unchanged', [...app, lists]));
    if (!result.dryRun && result.usersLosingAccess.length)
      this.warn(messages.getMessage('output.lostAccess', [result.app, result.usersLosingAccess.join(', ')]));
    if (result.runAs) this.logRunAs(result);
    if (result.assignedTo)
      this.log(
        messages.getMessage('output.assigned', [
          result.assignedTo.permissionSets.join(', '),
          result.assignedTo.username,
        ])
      );
    // The procedure's next step, with the consumer key --create just read back; a dry run's is the real run.
    if (result.dryRun && result.changed) this.log(messages.getMessage('output.dryRunNext'));
    else
      this.log(
        messages.getMessage('output.next', [
          this.fix(
            result.runAs
              ? verifyClientCredentialsFix(result.runAs.username, result.app, result.consumerKey)
              : verifyFix(result.assignedTo?.username ?? verbatim('<username>'), result.app, result.consumerKey)
          ),
        ])
      );
    return result;
  }

  /** The client credentials flow's run-as user, what changed, and what an admin still does in Setup. */
  private logRunAs(result: IntegrationUserPreauthorizeResult): void {
    const runAs = result.runAs!;
    const who = [result.app, runAs.username];
    if (result.dryRun) this.log(messages.getMessage('output.runAsDryRun', [...who, runAs.basis]));
    else if (runAs.changed) this.logSuccess(messages.getMessage('output.runAs', [...who, runAs.basis]));
    else this.log(messages.getMessage('output.runAsUnchanged', who));
    if (runAs.changed && runAs.previousUsername && !result.dryRun)
      this.log(messages.getMessage('output.runAsPrevious', [runAs.previousUsername, runAs.username]));
    if (runAs.setupStep) this.warn(messages.getMessage('output.runAsSetupStep', [runAs.setupStep]));
    if (result.consumerSecretLocation && !result.dryRun)
      this.log(messages.getMessage('output.consumerSecretLocation', [result.consumerSecretLocation]));
  }
}
