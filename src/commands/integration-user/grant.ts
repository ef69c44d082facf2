import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { serviceError } from '../../service/errors.js';
import { flagError } from '../../cli/flag-errors.js';
import type { GrantResult } from '../../service/grant-result.js';
import { printGrant } from '../../cli/output.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.grant');

export type IntegrationUserGrantResult = GrantResult;

export default class IntegrationUserGrant extends IntegrationUserCommand<IntegrationUserGrantResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    username: Flags.string({ char: 'u', required: true, summary: messages.getMessage('flags.username.summary') }),
    'permission-set': Flags.string({
      char: 'p',
      multiple: true,
      summary: messages.getMessage('flags.permission-set.summary'),
    }),
    'permission-set-group': Flags.string({
      char: 'g',
      multiple: true,
      summary: messages.getMessage('flags.permission-set-group.summary'),
    }),
    object: Flags.string({ multiple: true, summary: messages.getMessage('flags.object.summary') }),
    field: Flags.string({ multiple: true, summary: messages.getMessage('flags.field.summary') }),
    'permission-set-name': Flags.string({ summary: messages.getMessage('flags.permission-set-name.summary') }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
  };

  public async run(): Promise<IntegrationUserGrantResult> {
    const { flags } = await this.parse(IntegrationUserGrant).catch(
      flagError(`${this.config.bin} integration-user grant`)
    );
    const [{ grant }, { preauthorizeFix }, { verbatim }] = await Promise.all([
      import('../../service/grant.js'),
      import('../../service/fixes.js'),
      import('../../service/plan.js'),
    ]);
    const { client } = await this.connect(flags['target-org'], flags['api-version']);

    this.spinner.start(messages.getMessage('spinner.inspect'));
    const { result, warnings } = await grant(
      client,
      {
        user: flags.username,
        permissionSets: flags['permission-set'] ?? [],
        groups: flags['permission-set-group'] ?? [],
        objects: flags.object ?? [],
        fields: flags.field ?? [],
        permissionSetName: flags['permission-set-name'],
      },
      { dryRun: flags['dry-run'] }
    ).finally(() => this.spinner.stop());

    // Warnings go through sf's channel only: once in --json, under `warnings`.
    for (const warning of warnings) this.warn(warning);
    const { grantExitCode } = await import('../../service/grant-result.js');
    // No assignment could be made: an error (exit 1) that carries the result.
    if (grantExitCode(result) === 1) throw serviceError('GrantFailed', [result.username]).setData(result);

    printGrant(this, result);
    const failed = result.permissionSets.filter((item) => item.status === 'failed');
    if (failed.length) this.warn(messages.getMessage('output.partial', [failed.length]));
    const exitCode = this.exitWith(
      result.permissionSets.map((item) =>
        item.status === 'failed' ? 'failed' : item.status === 'assigned' ? 'applied' : 'done'
      )
    );
    // The procedure's next step once everything is granted; a dry run's next step is the real run.
    const wouldChange =
      result.permissionSets.some((item) => item.status === 'would-assign') ||
      result.generatedPermissionSet?.status.startsWith('would-');
    if (wouldChange) this.log(messages.getMessage('output.dryRunNext'));
    else if (exitCode === 0)
      this.log(messages.getMessage('output.next', [this.fix(preauthorizeFix(verbatim('<app>')))]));
    return result;
  }
}
