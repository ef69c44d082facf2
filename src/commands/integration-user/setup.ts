import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { serviceError } from '../../service/errors.js';
import { exitCodeOf } from '../../service/plan.js';
import { flagError } from '../../cli/flag-errors.js';
import type { SetupReport, SetupResult } from '../../service/setup.js';
import { printSetup, printSetupCheck } from '../../cli/output.js';
import { setupResult } from '../../cli/results.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.setup');

export type IntegrationUserSetupResult = SetupResult;

export default class IntegrationUserSetup extends IntegrationUserCommand<IntegrationUserSetupResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    spec: Flags.file({
      char: 'f',
      aliases: ['file'],
      required: true,
      exists: true,
      summary: messages.getMessage('flags.spec.summary'),
    }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
    check: Flags.boolean({ summary: messages.getMessage('flags.check.summary'), default: false }),
    prune: Flags.boolean({
      summary: messages.getMessage('flags.prune.summary'),
      default: false,
      exclusive: ['check'],
    }),
    'no-prompt': Flags.boolean({ summary: messages.getMessage('flags.no-prompt.summary'), default: false }),
  };

  public async run(): Promise<IntegrationUserSetupResult> {
    const { flags } = await this.parse(IntegrationUserSetup).catch(
      flagError(`${this.config.bin} integration-user setup`)
    );
    const [{ readSpec }, { setup }] = await Promise.all([
      import('../../service/spec.js'),
      import('../../service/setup.js'),
    ]);
    // The spec is checked before the org is touched.
    const spec = await readSpec(flags.spec);
    const { client, context } = await this.connect(flags['target-org'], flags['api-version']);

    this.spinner.start(messages.getMessage('spinner.plan'));
    const report = await setup(client, context, spec, {
      dryRun: flags['dry-run'],
      specFile: flags.spec,
      noPrompt: flags['no-prompt'],
      check: flags.check,
      prune: flags.prune,
      onProgress: ({ user, users, username }) =>
        this.showProgress(messages.getMessage('progress.user', [user, users, username])),
    }).finally(() => this.spinner.stop());

    const result = setupResult(report, this.renderContext);
    if (result.check) {
      printSetupCheck(this, result);
      // As `terraform plan -detailed-exitcode`: 0 the org matches, 2 it differs.
      this.exitWith(result.check.inSync ? 0 : 2);
      return result;
    }
    printSetup(this, result);
    const outcomes = result.users.flatMap((u) =>
      u.steps.map((s) =>
        s.status === 'failed' || s.status === 'applied' || s.status === 'done' ? s.status : 'not-run'
      )
    );
    // Nothing could be done: an error (exit 1) that carries the result.
    if (exitCodeOf(outcomes) === 1) throw serviceError('SetupFailed').setData(result);
    this.exitWith(outcomes);
    return result;
  }

  /**
   * With --check, 2 means the org differs: an error exits 1 instead, even input refused before the org is asked
   * (2 otherwise, as sf's flag errors), so a pipeline never takes a bad spec for drift.
   */
  protected async catch(error: Error & { exitCode?: number }): Promise<never> {
    if (this.argv.includes('--check') && error.exitCode === 2) error.exitCode = 1;
    return super.catch(error);
  }

  /** A blocked setup's error carries the plan: as --json shows it, with every fix rendered. */
  protected renderErrorData<E>(error: E): E {
    const { data } = error as { data?: unknown };
    if (isReport(data)) (error as { data?: unknown }).data = setupResult(data, this.renderContext);
    return error;
  }
}

const isReport = (data: unknown): data is SetupReport =>
  typeof data === 'object' && data !== null && Array.isArray((data as SetupReport).users);
