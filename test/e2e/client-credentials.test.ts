// The client credentials flow through bin/run.js as a user runs it: verify reading the consumer secret from
// standard input (--client-secret-stdin), and what a person reads from preauthorize --run-as and
// verify --flow client-credentials.

import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { homeLoggedInto, runHuman, runPlugin, writesSince, type HumanRun } from '../helpers/plugin.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = "o'brien-sync@acme.example";
const SECRET = 'ECASTDINSECRET42';

function seed(runAs?: string, behaviour: Seed['behaviour'] = {}): Seed {
  return {
    behaviour,
    records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }, { Name: 'Initech' }] },
    users: [
      {
        username: USER,
        lastName: "O'Brien Sync",
        profile: PROFILE,
        permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
        permissionSets: ['Account_Read'],
      },
    ],
    permissionSets: [{ name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } }],
    externalClientApps: [
      {
        name: 'Acme_Sync',
        label: 'Acme Sync',
        consumerKey: 'ACMESYNCKEY1',
        consumerSecret: SECRET,
        permittedUsers: 'AdminApprovedPreAuthorized',
        profiles: [PROFILE],
        runAs,
      },
    ],
  };
}

const verifyArgs = (...secretFlags: string[]): string[] => [
  'integration-user',
  'verify',
  '-u',
  USER,
  '--app',
  'Acme_Sync',
  '--flow',
  'client-credentials',
  '--client-id',
  'ACMESYNCKEY1',
  ...secretFlags,
  '-o',
  'emu',
];

describe('verify --flow client-credentials --client-secret-stdin through bin/run.js', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let home: string;
  before(async () => {
    emulator = await startEmulator({ seed: seed(USER) });
    home = await homeLoggedInto(emulator);
  });
  after(() => emulator?.stop());

  it('reads the secret piped on standard input, logs in as the run-as user and queries as them; the secret is in no output', async () => {
    const from = emulator.requests.length;
    const run = await runPlugin(verifyArgs('--client-secret-stdin'), home, { stdin: `${SECRET}\n` });
    expect(run.exitCode, run.stderr).to.equal(0);
    const [user] = emulator.query(`SELECT Id FROM User WHERE Username = '${USER.replace("'", "\\'")}'`);
    const checks = (run.json.result as { checks: Array<Record<string, unknown>> }).checks;
    expect(checks.map((c) => [c.name, c.status, c.message])).to.deep.equal([
      ['user', 'pass', `${USER} exists and is active.`],
      [
        'license',
        'pass',
        'On the Salesforce Integration license with profile "Minimum Access - API Only Integrations".',
      ],
      ['permission-set-license', 'pass', 'Holds the Salesforce API Integration permission set license.'],
      ['permission-sets', 'pass', 'Every assigned permission set and group fits the license: Account_Read.'],
      ['access', 'pass', 'Object access: Account (read).'],
      ['app', 'pass', `Acme_Sync is admin-approved and pre-authorizes ${USER}.`],
      ['run-as', 'pass', `Acme_Sync runs as ${USER} with the client credentials flow on.`],
      ['client-credentials-login', 'pass', `Client credentials token request succeeded at ${emulator.instanceUrl}.`],
      ['query', 'pass', 'The query returned 3 records.'],
      [
        'identity',
        'pass',
        `Logged in as user ${String(user.Id)} in org ${emulator.orgId}, on the Salesforce Integration license (the token's scope has no openid, id or profile: userinfo not asked).`,
      ],
    ]);
    // One token request, answered for the user; the query ran under that token (the emulator logs the user).
    const sent = emulator.requests.slice(from);
    expect(sent.filter((r) => r.path === '/services/oauth2/token').map((r) => [r.status, r.user])).to.deep.equal([
      [200, USER],
    ]);
    expect(sent.filter((r) => r.path.endsWith('/query') && r.user === USER).map((r) => r.status)).to.deep.equal([200]);
    expect(run.stdout + run.stderr).not.to.contain(SECRET);
    for (const token of emulator.secrets().accessTokens) expect(run.stdout + run.stderr).not.to.contain(token);
  });

  it('empty standard input: ClientSecretMissing, exit 2, and not one request to the org', async () => {
    const from = emulator.requests.length;
    const run = await runPlugin(verifyArgs('--client-secret-stdin'), home, { stdin: '  \n' });
    expect(run.exitCode).to.equal(2);
    expect(run.json).to.deep.include({
      status: 2,
      name: 'ClientSecretMissingError',
      message: 'Standard input held no consumer secret.',
    });
    expect(emulator.requests.slice(from)).to.deep.equal([]);
  });
});

/** The lines a run printed that aren't part of a table. */
const linesOf = (stdout: string): string[] => stdout.split('\n').filter((line) => line && !/^[┌│├└]/.test(line));

describe('human output of the client credentials flow: preauthorize --run-as and verify --flow client-credentials', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let home: string;
  before(async () => {
    // An org that lets a deploy turn the flow on in the app's global OAuth settings (and reads its consumer key back).
    emulator = await startEmulator({ seed: seed(undefined, { ecaConsumerSecretsInMetadata: true }) });
    home = await homeLoggedInto(emulator);
  });
  after(() => emulator?.stop());
  const run = (args: string[], env?: Record<string, string>): Promise<HumanRun> =>
    runHuman(['integration-user', ...args], home, { env });

  it('preauthorize --run-as: the dry run, then the run', async () => {
    const dry = await run(['preauthorize', '--app', 'Acme_Sync', '--run-as', USER, '--dry-run', '-o', 'emu']);
    expect(dry.exitCode, dry.stderr).to.equal(0);
    expect(linesOf(dry.stdout)).to.deep.equal([
      'Dry run: Acme_Sync (External Client App) would be admin-approved and pre-authorize: profile "Minimum Access - API Only Integrations". Nothing was written.',
      `Dry run: Acme_Sync would run as ${USER} with the client credentials flow on (Salesforce Integration license).`,
      'Without --dry-run this command changes the app; checking the user end to end (integration-user verify) comes after that.',
    ]);
    expect(writesSince(emulator)).to.equal(0);
    const real = await run(['preauthorize', '--app', 'Acme_Sync', '--run-as', USER, '--no-prompt', '-o', 'emu']);
    expect(real.exitCode, real.stderr).to.equal(0);
    expect(linesOf(real.stdout)).to.deep.equal([
      'Acme_Sync (External Client App) is admin-approved and pre-authorizes: profile "Minimum Access - API Only Integrations".',
      `Acme_Sync runs as ${USER} (client credentials flow on; Salesforce Integration license).`,
      `Next, log in as the user through the app to prove it works: sf integration-user verify --username "${USER}" --app Acme_Sync --flow client-credentials --client-id ACMESYNCKEY1 --client-secret-env CONSUMER_SECRET --target-org emu`,
    ]);
    expect(real.stderr).not.to.contain('Warning');
    expect(writesSince(emulator)).to.be.greaterThan(0);
  });

  it('verify --flow client-credentials: the checklist with run-as and the client credentials login', async () => {
    const [user] = emulator.query(`SELECT Id FROM User WHERE Username = '${USER.replace("'", "\\'")}'`);
    const checklist = (url: string): string[] => [
      `Integration user ${USER}:`,
      `  ✓ user                     ${USER} exists and is active.`,
      '  ✓ license                  On the Salesforce Integration license with profile "Minimum Access - API Only Integrations".',
      '  ✓ permission set license   Holds the Salesforce API Integration permission set license.',
      '  ✓ permission sets          Every assigned permission set and group fits the license: Account_Read.',
      '  ✓ access                   Object access: Account (read).',
      `  ✓ app                      Acme_Sync is admin-approved and pre-authorizes ${USER}.`,
      `  ✓ run-as                   Acme_Sync runs as ${USER} with the client credentials flow on.`,
      `  ✓ client credentials login Client credentials token request succeeded at ${url}.`,
      '  ✓ query                    The query returned 3 records.',
      `  ✓ identity                 Logged in as user ${String(user.Id)} in org ${emulator.orgId}, on the Salesforce Integration license (the token's scope has no openid, id or profile: userinfo not asked).`,
    ];
    const table = [
      '┌─────────┬──────┐',
      '│ object  │ read │',
      '├─────────┼──────┤',
      '│ Account │ ✓    │',
      '└─────────┴──────┘',
    ];
    const out = await run(verifyArgs('--client-secret-env', 'ACME_SECRET').slice(1), { ACME_SECRET: SECRET });
    expect(out.exitCode, out.stderr).to.equal(0);
    expect(linesOf(out.stdout)).to.deep.equal(checklist(emulator.instanceUrl));
    expect(out.stdout.split('\n').filter((line) => /^[┌│├└]/.test(line))).to.deep.equal(table);
    expect(out.stdout + out.stderr).not.to.contain(SECRET);
    // --login-url as a user types it (oclif reads it as a URL, which ends in a slash): named without the slash.
    const typed = await run(
      verifyArgs('--client-secret-env', 'ACME_SECRET', '--login-url', emulator.instanceUrl).slice(1),
      {
        ACME_SECRET: SECRET,
      }
    );
    expect(typed.exitCode, typed.stderr).to.equal(0);
    expect(linesOf(typed.stdout)).to.deep.equal(checklist(emulator.instanceUrl));
  });
});
