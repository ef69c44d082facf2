import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { flagError } from '../../cli/flag-errors.js';
import type { ExportResult } from '../../service/export.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.export');

export type IntegrationUserExportResult = ExportResult;

export default class IntegrationUserExport extends IntegrationUserCommand<IntegrationUserExportResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    username: Flags.string({ char: 'u', multiple: true, summary: messages.getMessage('flags.username.summary') }),
    file: Flags.string({ char: 'f', summary: messages.getMessage('flags.file.summary') }),
  };

  public async run(): Promise<IntegrationUserExportResult> {
    const { flags } = await this.parse(IntegrationUserExport).catch(
      flagError(`${this.config.bin} integration-user export`)
    );
    const [{ exportSpec, specText }, { command }] = await Promise.all([
      import('../../service/export.js'),
      import('../../service/plan.js'),
    ]);
    const { client } = await this.connect(flags['target-org'], flags['api-version']);

    this.spinner.start(messages.getMessage('spinner.inspect'));
    const result = await exportSpec(client, { users: flags.username ?? [], file: flags.file }).finally(() =>
      this.spinner.stop()
    );
    const usernames = result.spec.users.map((u) => u.username ?? u.name).join(', ');
    if (result.file)
      this.logSuccess(
        messages.getMessage('output.written', [
          usernames,
          result.file,
          this.fix(command('integration-user setup', { spec: result.file, check: true })),
        ])
      );
    else this.log((await specText(result.spec, result.format)).trimEnd());
    return result;
  }
}
