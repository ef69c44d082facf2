import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { flagError } from '../../cli/flag-errors.js';
import type { CreateUserResult } from '../../service/create.js';
import { printCreated } from '../../cli/output.js';
import { createResult } from '../../cli/results.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.create');

export type IntegrationUserCreateResult = CreateUserResult;

export default class IntegrationUserCreate extends IntegrationUserCommand<IntegrationUserCreateResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    name: Flags.string({
      char: 'n',
      required: true,
      summary: messages.getMessage('flags.name.summary'),
      description: messages.getMessage('flags.name.description'),
    }),
    email: Flags.string({ char: 'e', required: true, summary: messages.getMessage('flags.email.summary') }),
    username: Flags.string({
      char: 'u',
      summary: messages.getMessage('flags.username.summary'),
      description: messages.getMessage('flags.username.description'),
    }),
    // -a means --app across the topic; create's old -a still works, with sf's deprecation warning.
    alias: Flags.string({
      charAliases: ['a'],
      deprecateAliases: true,
      summary: messages.getMessage('flags.alias.summary'),
    }),
    profile: Flags.string({ summary: messages.getMessage('flags.profile.summary') }),
    'time-zone': Flags.string({ summary: messages.getMessage('flags.time-zone.summary') }),
    locale: Flags.string({ summary: messages.getMessage('flags.locale.summary') }),
    language: Flags.string({ summary: messages.getMessage('flags.language.summary') }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
  };

  public async run(): Promise<IntegrationUserCreateResult> {
    const { flags } = await this.parse(IntegrationUserCreate).catch(
      flagError(`${this.config.bin} integration-user create`)
    );
    const [{ createIntegrationUser }, { assignPslFix }] = await Promise.all([
      import('../../service/create.js'),
      import('../../service/fixes.js'),
    ]);
    const { client, context } = await this.connect(flags['target-org'], flags['api-version']);

    this.spinner.start(messages.getMessage('spinner.inspect'));
    const report = await createIntegrationUser(
      client,
      context,
      {
        name: flags.name,
        email: flags.email,
        username: flags.username,
        alias: flags.alias,
        profile: flags.profile,
        timeZone: flags['time-zone'],
        locale: flags.locale,
        language: flags.language,
      },
      { dryRun: flags['dry-run'] }
    ).finally(() => this.spinner.stop());
    const result = createResult(report, this.renderContext);

    const headline = { created: 'output.created', exists: 'output.exists', 'would-create': 'output.wouldCreate' }[
      result.status
    ];
    // A user that exists: its note is the one line that says so (and what differs, or that it is inactive).
    this.logSuccess(
      result.status === 'exists' && result.note ? result.note : messages.getMessage(headline, [result.username])
    );
    printCreated(this, result);
    // A dry run's next step is the real run: the user it would create doesn't exist yet.
    if (result.status === 'would-create')
      this.log(
        messages.getMessage('output.dryRunNext', [
          result.username,
          result.profile,
          result.userLicense,
          result.seats.free,
          result.seats.total,
        ])
      );
    else this.log(messages.getMessage('output.next', [this.fix(assignPslFix(result.username))]));
    return result;
  }
}
