import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { flagError } from '../../cli/flag-errors.js';
import type { ListResult } from '../../service/list.js';
import { printList } from '../../cli/output.js';
import { listResult } from '../../cli/results.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.list');

export type IntegrationUserListResult = ListResult;

export default class IntegrationUserList extends IntegrationUserCommand<IntegrationUserListResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    candidates: Flags.boolean({ summary: messages.getMessage('flags.candidates.summary'), default: false }),
    price: Flags.integer({ summary: messages.getMessage('flags.price.summary'), default: 150, min: 0 }),
    'extra-seat-price': Flags.integer({
      summary: messages.getMessage('flags.extra-seat-price.summary'),
      default: 10,
      min: 0,
    }),
    // list only reads; the flag is there so a pipeline can pass --dry-run to every command.
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
  };

  public async run(): Promise<IntegrationUserListResult> {
    const { flags } = await this.parse(IntegrationUserList).catch(
      flagError(`${this.config.bin} integration-user list`)
    );
    const { listIntegrationUsers } = await import('../../service/list.js');
    const { client } = await this.connect(flags['target-org'], flags['api-version']);

    this.spinner.start(messages.getMessage('spinner.read'));
    const report = await listIntegrationUsers(client, {
      candidates: flags.candidates,
      pricePerMonth: flags.price,
      extraSeatPrice: flags['extra-seat-price'],
      onProgress: ({ users, rows }) => this.showProgress(messages.getMessage('progress.logins', [users, rows])),
    }).finally(() => this.spinner.stop());
    const result = listResult(report, this.renderContext);
    printList(this, result);
    return result;
  }
}
