import { writeFile } from 'node:fs/promises';
import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { flagError } from '../../cli/flag-errors.js';
import type { ListResult } from '../../service/list.js';
import {
  LIST_CANDIDATE_COLUMNS,
  LIST_USER_COLUMNS,
  listCandidateRows,
  listColumnNames,
  listUserRows,
  printList,
} from '../../cli/output.js';
import { toCsv } from '../../cli/csv.js';
import { plural } from '../../service/plural.js';
import { listResult } from '../../cli/results.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.list');

export type IntegrationUserListResult = ListResult & {
  /** The CSV file --output-file wrote. */
  outputFile?: string;
};

export default class IntegrationUserList extends IntegrationUserCommand<IntegrationUserListResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    candidates: Flags.boolean({ summary: messages.getMessage('flags.candidates.summary'), default: false }),
    // LoginHistory keeps six months (Salesforce Help, "Monitor Login History"): 180 days is all there is.
    days: Flags.integer({
      summary: messages.getMessage('flags.days.summary'),
      description: messages.getMessage('flags.days.description'),
      default: 180,
      min: 1,
      max: 180,
    }),
    price: Flags.integer({ summary: messages.getMessage('flags.price.summary'), default: 150, min: 0 }),
    'extra-seat-price': Flags.integer({
      summary: messages.getMessage('flags.extra-seat-price.summary'),
      default: 10,
      min: 0,
    }),
    'output-file': Flags.string({ summary: messages.getMessage('flags.output-file.summary') }),
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
      days: flags.days,
      onProgress: ({ users, rows }) => this.showProgress(messages.getMessage('progress.logins', [users, rows])),
    }).finally(() => this.spinner.stop());
    const result: IntegrationUserListResult = listResult(report, this.renderContext);
    printList(this, result);
    // An app certificate that expires within 30 days, or has: the JWT logins through the app stop with it.
    for (const { app, certificate } of result.certificates) {
      if (certificate.status === 'expired')
        this.warn(
          messages.getMessage('output.certificateExpired', [
            app,
            certificate.subject,
            certificate.expires.slice(0, 10),
            app,
          ])
        );
      else if (certificate.status === 'expiring')
        this.warn(
          messages.getMessage('output.certificateExpiring', [
            app,
            certificate.subject,
            plural(messages, 'count.days', certificate.daysLeft),
            certificate.expires.slice(0, 10),
            app,
          ])
        );
    }
    const outputFile = flags['output-file'];
    if (outputFile) {
      await this.writeCsv(outputFile, result);
      result.outputFile = outputFile;
    }
    return result;
  }

  /** The audit for a spreadsheet: the users table (with --candidates, the candidates table), every column kept. */
  private async writeCsv(file: string, result: ListResult): Promise<void> {
    const [keys, rows]: [readonly string[], Array<Record<string, string>>] = result.candidates
      ? [LIST_CANDIDATE_COLUMNS, listCandidateRows(result)]
      : // Times as the org gives them (ISO 8601), which a spreadsheet reads as dates in any locale.
        [LIST_USER_COLUMNS, listUserRows(result, (iso) => iso ?? '')];
    const csv = toCsv([listColumnNames(keys), ...rows.map((row) => keys.map((key) => row[key]))]);
    await writeFile(file, csv, 'utf8').catch((error: Error) => {
      throw messages.createError('error.outputFile', [file, error.message]);
    });
    const count = result.candidates
      ? plural(messages, 'count.candidates', rows.length)
      : plural(messages, 'count.users', rows.length);
    this.log(messages.getMessage('output.wrote', [count, file]));
  }
}
