import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { flagError } from '../../cli/flag-errors.js';
import type { ConvertResult } from '../../service/convert.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.convert');

export type IntegrationUserConvertResult = ConvertResult;

export default class IntegrationUserConvert extends IntegrationUserCommand<IntegrationUserConvertResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    username: Flags.string({ char: 'u', required: true, summary: messages.getMessage('flags.username.summary') }),
    profile: Flags.string({ summary: messages.getMessage('flags.profile.summary') }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
  };

  public async run(): Promise<IntegrationUserConvertResult> {
    const { flags } = await this.parse(IntegrationUserConvert).catch(
      flagError(`${this.config.bin} integration-user convert`)
    );
    const { convertUser } = await import('../../service/convert.js');
    const { client } = await this.connect(flags['target-org'], flags['api-version']);

    this.spinner.start(messages.getMessage('spinner.inspect'));
    const result = await convertUser(
      client,
      { user: flags.username, profile: flags.profile },
      { dryRun: flags['dry-run'] }
    ).finally(() => this.spinner.stop());

    if (result.status === 'converted')
      this.logSuccess(
        messages.getMessage('output.converted', [
          result.username,
          result.profile,
          result.seats.free,
          result.seats.total,
        ])
      );
    else if (result.status === 'would-convert')
      this.log(messages.getMessage('output.would', [result.username, result.fromLicense, result.profile]));
    else this.log(messages.getMessage('output.already', [result.username]));
    return result;
  }
}
