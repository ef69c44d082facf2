import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { flagError } from '../../cli/flag-errors.js';
import type { AssignPslResult } from '../../service/assign-psl.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.assign-psl');

export type IntegrationUserAssignPslResult = AssignPslResult;

export default class IntegrationUserAssignPsl extends IntegrationUserCommand<IntegrationUserAssignPslResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    username: Flags.string({ char: 'u', required: true, summary: messages.getMessage('flags.username.summary') }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
  };

  public async run(): Promise<IntegrationUserAssignPslResult> {
    const { flags } = await this.parse(IntegrationUserAssignPsl).catch(
      flagError(`${this.config.bin} integration-user assign-psl`)
    );
    const [{ assignIntegrationPsl }, { grantFix }] = await Promise.all([
      import('../../service/assign-psl.js'),
      import('../../service/fixes.js'),
    ]);
    const { client } = await this.connect(flags['target-org'], flags['api-version']);

    this.spinner.start(messages.getMessage('spinner.inspect'));
    const result = await assignIntegrationPsl(client, { user: flags.username }, { dryRun: flags['dry-run'] }).finally(
      () => this.spinner.stop()
    );

    const psl = result.permissionSetLicense;
    const headline = {
      assigned: messages.getMessage('output.assigned', [psl, result.username]),
      'would-assign': messages.getMessage('output.wouldAssign', [psl, result.username]),
      'already-assigned': messages.getMessage('output.alreadyAssigned', [result.username, psl]),
    }[result.status];
    this.logSuccess(headline);
    this.log(messages.getMessage('output.seats', [psl, result.seats.free, result.seats.total]));
    if (result.status === 'would-assign') this.log(messages.getMessage('output.dryRunNext'));
    else this.log(messages.getMessage('output.next', [this.fix(grantFix(result.username))]));
    return result;
  }
}
