import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { flagError } from '../../cli/flag-errors.js';
import type { ListResult } from '../../service/list.js';

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
    const { client, context } = await this.connect(flags['target-org'], flags['api-version']);

    this.spinner.start(messages.getMessage('spinner.read'));
    const result = await listIntegrationUsers(client, {
      candidates: flags.candidates,
      pricePerMonth: flags.price,
      extraSeatPrice: flags['extra-seat-price'],
      targetOrg: context.targetOrg,
    }).finally(() => this.spinner.stop());

    const { userLicense, permissionSetLicense } = result.seats;
    this.log(
      messages.getMessage('output.seats', [
        userLicense.free,
        userLicense.total,
        permissionSetLicense.free,
        permissionSetLicense.total,
      ])
    );
    this.table({
      data: result.users.map((u) => ({
        username: u.username,
        active: u.active ? 'yes' : 'no',
        PSL: u.psl ? 'yes' : 'no',
        'permission sets': [...u.permissionSets, ...u.permissionSetGroups.map((g) => `${g} (group)`)].join(', '),
        apps: u.apps.join(', '),
        'last login': u.lastLogin ?? '',
      })),
      columns: ['username', 'active', { key: 'PSL', name: 'PSL' }, 'permission sets', 'apps', 'last login'],
    });
    if (result.candidates) {
      this.table({
        data: result.candidates.map((c) => ({
          username: c.username,
          license: c.license,
          why: c.reasons.join('; '),
          'saving/year': c.yearlySaving,
          command: c.command,
        })),
      });
      this.log(messages.getMessage('output.saving', [result.candidates.length, result.totalYearlySaving ?? 0]));
    }
    return result;
  }
}
