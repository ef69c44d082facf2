import { readFile } from 'node:fs/promises';
import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { IntegrationUserCommand } from '../../cli/base-command.js';
import { flagError } from '../../cli/flag-errors.js';
import type { VerifyResult } from '../../service/verify.js';
import { printChecklist } from '../../cli/output.js';
import { verifyResult } from '../../cli/results.js';
import { plural } from '../../service/plural.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.verify');

export type IntegrationUserVerifyResult = VerifyResult;

export default class IntegrationUserVerify extends IntegrationUserCommand<IntegrationUserVerifyResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');

  public static readonly flags = {
    'target-org': Flags.requiredOrg(),
    'api-version': Flags.orgApiVersion(),
    username: Flags.string({ char: 'u', required: true, summary: messages.getMessage('flags.username.summary') }),
    app: Flags.string({ char: 'a', summary: messages.getMessage('flags.app.summary') }),
    flow: Flags.option({
      summary: messages.getMessage('flags.flow.summary'),
      options: ['jwt', 'client-credentials'] as const,
      default: 'jwt',
    })(),
    'client-id': Flags.string({ summary: messages.getMessage('flags.client-id.summary') }),
    'client-secret-env': Flags.string({ summary: messages.getMessage('flags.client-secret-env.summary') }),
    'client-secret-stdin': Flags.boolean({
      summary: messages.getMessage('flags.client-secret-stdin.summary'),
      default: false,
    }),
    'jwt-key-file': Flags.file({
      summary: messages.getMessage('flags.jwt-key-file.summary'),
      exists: true,
      dependsOn: ['client-id'],
    }),
    'login-url': Flags.url({ summary: messages.getMessage('flags.login-url.summary') }),
    query: Flags.string({
      char: 'q',
      summary: messages.getMessage('flags.query.summary'),
      default: 'SELECT Id, Name FROM Account LIMIT 10',
    }),
    object: Flags.string({ multiple: true, summary: messages.getMessage('flags.object.summary') }),
    wait: Flags.integer({ char: 'w', summary: messages.getMessage('flags.wait.summary'), default: 0, min: 0, max: 30 }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), default: false }),
  };

  public async run(): Promise<IntegrationUserVerifyResult> {
    const { flags } = await this.parse(IntegrationUserVerify).catch(
      flagError(`${this.config.bin} integration-user verify`)
    );
    const { verifyIntegrationUser } = await import('../../service/verify.js');
    const org = flags['target-org'];
    const { client } = await this.connect(org, flags['api-version']);
    const keyFile = flags['jwt-key-file'];
    const clientSecret = await readClientSecret(flags);

    this.spinner.start(messages.getMessage('spinner.inspect'));
    const report = await verifyIntegrationUser(client, {
      user: flags.username,
      app: flags.app,
      // The JWT login is the one thing verify leaves in the org (a login history entry): a dry run checks the key
      // and skips the login.
      clientId: flags['client-id'],
      privateKey: keyFile ? await readFile(keyFile, 'utf8') : undefined,
      flow: flags.flow,
      clientSecret,
      dryRun: flags['dry-run'],
      loginUrl: flags['login-url']?.toString(),
      query: flags.query,
      objects: flags.object ?? [],
      waitMinutes: flags.wait,
      onProgress: ({ attempt, secondsLeft }) =>
        this.showProgress(messages.getMessage('progress.wait', [attempt, secondsLeft])),
    }).finally(() => this.spinner.stop());

    const result = verifyResult(report, this.renderContext);
    printChecklist(this, result);
    const failed = result.checks.filter((check) => check.status === 'fail').length;
    if (failed) this.log(messages.getMessage('output.failed', [plural(messages, 'count.checks', failed)]));
    // A failed check is a failure (exit 1) with the checklist as the result; warnings and skips are not.
    this.exitWith(result.checks.map((check) => (check.status === 'fail' ? 'failed' : 'done')));
    return result;
  }
}

/**
 * The client credentials flow's consumer secret: from the environment variable --client-secret-env names, or from
 * standard input; never a flag value (shell history, process lists). The flags' combinations are checked first.
 */
async function readClientSecret(flags: {
  flow: 'jwt' | 'client-credentials';
  'client-id'?: string;
  'jwt-key-file'?: string;
  'client-secret-env'?: string;
  'client-secret-stdin': boolean;
}): Promise<string | undefined> {
  const { errorWords, serviceError } = await import('../../service/errors.js');
  const refuse = (reason: string, tokens: string[] = []): never => {
    throw serviceError('ClientCredentialsFlags', [errorWords(reason, tokens)]);
  };
  const envName = flags['client-secret-env'];
  const fromStdin = flags['client-secret-stdin'];
  if (flags.flow === 'jwt') {
    if (envName !== undefined || fromStdin) refuse('reason.secretNeedsFlow');
    if (flags['client-id'] !== undefined && flags['jwt-key-file'] === undefined) refuse('reason.jwtNeedsKey');
    return undefined;
  }
  if (flags['jwt-key-file'] !== undefined) refuse('reason.ccNoJwtKey');
  if (envName !== undefined && fromStdin) refuse('reason.secretTwice');
  if (envName === undefined && !fromStdin) return undefined;
  if (flags['client-id'] === undefined) refuse('reason.ccNeedsClientId');
  let secret: string;
  if (envName !== undefined) {
    secret = (process.env[envName] ?? '').trim();
    if (!secret) throw serviceError('ClientSecretMissing', [errorWords('reason.secretEnvUnset', [envName])]);
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
    secret = Buffer.concat(chunks).toString('utf8').trim();
    if (!secret) throw serviceError('ClientSecretMissing', [errorWords('reason.secretStdinEmpty')]);
  }
  return secret;
}
