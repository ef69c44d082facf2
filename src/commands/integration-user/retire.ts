import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { flagError } from '../../cli/flag-errors.js';
import type { RetireResult } from '../../service/retire.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.retire');

export type IntegrationUserRetireResult = RetireResult;

export default class IntegrationUserRetire extends IntegrationUserCommand<IntegrationUserRetireResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    username: Flags.string({ char: 'u', required: true, summary: messages.getMessage('flags.username.summary') }),
    'keep-assignments': Flags.boolean({
      summary: messages.getMessage('flags.keep-assignments.summary'),
      default: false,
      exclusive: ['delete-generated-set'],
    }),
    'delete-generated-set': Flags.boolean({
      summary: messages.getMessage('flags.delete-generated-set.summary'),
      default: false,
    }),
    'recent-days': Flags.integer({ summary: messages.getMessage('flags.recent-days.summary'), default: 7, min: 0 }),
    'no-prompt': Flags.boolean({ summary: messages.getMessage('flags.no-prompt.summary'), default: false }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
  };

  public async run(): Promise<IntegrationUserRetireResult> {
    const { flags } = await this.parse(IntegrationUserRetire).catch(
      flagError(`${this.config.bin} integration-user retire`)
    );
    const [{ planRetire, applyRetire }, { command }] = await Promise.all([
      import('../../service/retire.js'),
      import('../../service/plan.js'),
    ]);
    const { client } = await this.connect(flags['target-org'], flags['api-version']);
    const input = {
      user: flags.username,
      keepAssignments: flags['keep-assignments'],
      deleteGeneratedSet: flags['delete-generated-set'],
      recentDays: flags['recent-days'],
    };
    const rerun = command('integration-user retire', {
      username: flags.username,
      'keep-assignments': flags['keep-assignments'] || undefined,
      'delete-generated-set': flags['delete-generated-set'] || undefined,
    });

    this.spinner.start(messages.getMessage('spinner.inspect'));
    const plan = await planRetire(client, input, { dryRun: flags['dry-run'] }).finally(() => this.spinner.stop());
    const { result } = plan;

    // A login within --recent-days: the integration may still run. A person says yes at a terminal; a pipeline
    // says --no-prompt; otherwise nothing is written (as preauthorize does for a lock-out).
    // An app's client credentials flow running as the user stops with it: the same rule.
    if (plan.needsConfirmation && !flags['no-prompt'] && !result.dryRun) {
      const { retireConfirmationError, retireQuestionValues } = await import('../../service/retire-confirmation.js');
      if (this.jsonEnabled() || !process.stdin.isTTY)
        throw retireConfirmationError(result, flags['recent-days'], rerun);
      const question = messages.getMessage(
        result.recentLogin ? 'prompt.recent' : 'prompt.runAs',
        retireQuestionValues(result, flags['recent-days'])
      );
      if (!(await this.confirm({ message: question }))) {
        this.log(messages.getMessage('output.cancelled'));
        this.exitWith(['blocked']);
        return result;
      }
    }

    // Refused before anything was written: the org's own error (its fix names the re-run), with the plan as data.
    const { exitCode, error } = await applyRetire(client, plan, input);
    if (exitCode === 1 && error) throw error;
    this.exitWith(exitCode);
    this.report(result);
    if (exitCode === 68 && result.failure)
      this.warn(
        messages.getMessage('output.partly', [
          result.username,
          result.failure.stage,
          `${result.failure.message}${result.failure.message.endsWith('.') ? '' : '.'}`,
        ])
      );
    return result;
  }

  private report(result: RetireResult): void {
    if (result.status === 'already-retired') {
      this.log(messages.getMessage('output.already', [result.username]));
      return;
    }
    if (result.dryRun) this.log(messages.getMessage('output.would', [result.username]));
    const line = (key: string, items: string[]): void => {
      if (items.length) this.log(messages.getMessage(key, [items.join(', ')]));
    };
    const entry = (e: { app: string; profile?: string; permissionSet?: string }): string =>
      `${e.app} (${e.profile ? `profile ${e.profile}` : `permission set ${e.permissionSet ?? ''}`})`;
    line(
      'output.runAs',
      result.runAsStopped.map((s) => s.app)
    );
    line('output.tokens', result.tokensRevoked);
    line('output.appAccessRemoved', result.appAccessRemoved.map(entry));
    line(
      'output.appAccessKept',
      result.appAccessKept.map((e) => `${entry(e)}: ${e.otherUsers}`)
    );
    line('output.assignments', [...result.permissionSetsRemoved, ...result.permissionSetGroupsRemoved]);
    line('output.psls', result.permissionSetLicensesRemoved);
    if (result.deactivated) this.log(messages.getMessage('output.deactivated'));
    if (result.generatedSet)
      this.log(
        messages.getMessage(`output.generatedSet.${result.generatedSet.action}`, [
          result.generatedSet.name,
          result.generatedSet.otherUsers,
        ])
      );
    this.log(
      messages.getMessage('output.seats', [result.seatsFreed.userLicense, result.seatsFreed.permissionSetLicense])
    );
    if (!result.dryRun && result.status === 'retired')
      this.logSuccess(messages.getMessage('output.retired', [result.username]));
  }
}
