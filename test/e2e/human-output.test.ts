import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { homeLoggedInto, runHuman, runPlugin, type HumanRun } from '../helpers/plugin.js';
import { makeKeyPair } from '../helpers/keys.js';

const keys = makeKeyPair('human-output');
/** The day the app's certificate expires (a year from now), as verify names it. */
const validUntil = new Date(new X509Certificate(keys.certificate).validTo).toISOString().slice(0, 10);
const PROFILE = 'Minimum Access - API Only Integrations';

/** An org with something for every command: sets and a group, an External Client App, a full-license feed. */
const seed: Seed = {
  // An org that lets convert change a user's license (the refusing default is tested in test/unit/list-convert.test.ts).
  behaviour: { profileLicenseChangeError: 'accept' },
  userLicenses: [
    { name: 'Salesforce Integration', total: 10 },
    { name: 'Salesforce', total: 100 },
  ],
  permissionSetLicenses: [
    { developerName: 'SalesforceAPIIntegrationPsl', label: 'Salesforce API Integration', total: 10, used: 0 },
  ],
  records: { Account: [{ Name: 'Acme' }] },
  users: [
    {
      username: 'sync@acme.example',
      lastName: 'Acme Sync',
      email: 'it@acme.example',
      profile: PROFILE,
      active: true,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
      loginHistory: [{ type: 'Remote Access 2.0', daysAgo: 2 }],
    },
    {
      username: 'bridge@acme.example',
      firstName: 'Acme, Inc.',
      lastName: '"Bridge"',
      email: 'it@acme.example',
      profile: PROFILE,
      active: false,
    },
    {
      username: 'etl-feed@acme.example',
      lastName: "O'Brien Feed",
      email: 'it@acme.example',
      profile: 'Standard User',
      loginHistory: [
        { type: 'Remote Access 2.0', daysAgo: 3 },
        { type: 'Remote Access 2.0', daysAgo: 1 },
      ],
    },
  ],
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Sales_Ops', label: 'Sales Ops', license: 'Salesforce', objects: { Account: ['read'] } },
    { name: 'Contact_Read', label: 'Contact Read', license: null, objects: { Contact: ['read'] } },
  ],
  permissionSetGroups: [{ name: 'Sync_Access', label: 'Sync Access', permissionSets: ['Account_Read'] }],
  externalClientApps: [
    {
      name: 'Acme_Sync',
      label: 'Acme Sync',
      consumerKey: 'ACMESYNCKEY1',
      certificate: keys.certificate,
      permittedUsers: 'AllSelfAuthorized',
      profiles: [],
      permissionSets: [],
    },
  ],
};

const USER = 'obrien.sync@acme.example';
type ListResultJson = {
  outputFile?: string;
  seats: unknown;
  users: Array<{
    username: string;
    name: string;
    active: boolean;
    psl: boolean;
    permissionSets: string[];
    permissionSetGroups: string[];
    apps: string[];
    lastLogin: string | null;
  }>;
};
const FEED = 'etl-feed@acme.example';

/** The tables of a run's output (sf's boxed tables), each as rows of trimmed cells, the header row first. */
function tablesOf(stdout: string): string[][][] {
  const tables: string[][][] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('┌')) tables.push([]);
    else if (line.startsWith('│'))
      tables[tables.length - 1].push(
        line
          .slice(1, -1)
          .split('│')
          .map((cell) => cell.trim())
      );
  }
  return tables;
}

/** The lines a run printed that aren't part of a table. */
const linesOf = (stdout: string): string[] => stdout.split('\n').filter((line) => line && !/^[┌│├└]/.test(line));

describe('human output: the tables, checklists and next steps each command prints for a person', function () {
  this.timeout(300_000);
  let emulator: Emulator;
  let home: string;
  let spec: string;
  after(() => emulator?.stop());
  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
    spec = path.join(await mkdtemp(path.join(tmpdir(), 'piu-human-')), 'spec.yaml');
    await writeFile(
      spec,
      ['Billing Export', 'Ledger Sync', "Quote O'Feed"]
        .map(
          (name, i) =>
            `  - name: ${name}\n    email: it@acme.example\n    username: user-${i + 1}@acme.example\n    permissionSets: [Account_Read]\n`
        )
        .join('')
        .replace(/^/, 'users:\n')
    );
  });

  /** bin/run.js without --json, output piped, the org as its alias: what a person reads. */
  const run = (...args: string[]): Promise<HumanRun> =>
    runHuman(['integration-user', ...args, '--target-org', 'emu'], home);

  it('create: the headline, the user as a field/value table, and the next step naming sf and the org', async () => {
    const out = await run('create', '-n', "O'Brien Sync", '-e', 'it@acme.example', '-u', USER);
    expect(out.exitCode).to.equal(0);
    const [id] = emulator.query(`SELECT Id FROM User WHERE Username = '${USER}'`);
    expect(linesOf(out.stdout)).to.deep.equal([
      `Created integration user ${USER}.`,
      `Next: sf integration-user assign-psl --username ${USER} --target-org emu`,
    ]);
    expect(tablesOf(out.stdout)).to.deep.equal([
      [
        ['field', 'value'],
        ['Id', String(id.Id)],
        ['Username', USER],
        ['Alias', 'obriensy'],
        ['Profile', PROFILE],
        ['User license', 'Salesforce Integration (8 of 10 seats free)'],
      ],
    ]);
    expect(out.stderr).to.equal('Inspecting the org... done\n');

    // A re-run: one line says the user exists (not a headline and a note saying the same).
    const again = await run('create', '-n', "O'Brien Sync", '-e', 'it@acme.example', '-u', USER);
    expect(again.exitCode).to.equal(0);
    expect(linesOf(again.stdout)).to.deep.equal([
      `${USER} already exists on the Salesforce Integration license; nothing to create.`,
      `Next: sf integration-user assign-psl --username ${USER} --target-org emu`,
    ]);
    expect(again.stderr).to.equal('Inspecting the org... done\n');
  });

  it('the next step names the org as typed: the admin username when the user gave it, though the org has an alias', async () => {
    const admin = emulator.adminUsername;
    const out = await runHuman(
      ['integration-user', 'create', '-n', "O'Brien Sync", '-e', 'it@acme.example', '-u', USER, '--target-org', admin],
      home
    );
    expect(out.exitCode).to.equal(0);
    expect(linesOf(out.stdout)).to.deep.equal([
      `${USER} already exists on the Salesforce Integration license; nothing to create.`,
      `Next: sf integration-user assign-psl --username ${USER} --target-org ${admin}`,
    ]);
  });

  it('create --dry-run: what the dry run checked and what the real run does next, no step for a user not there yet', async () => {
    const out = await run(
      'create',
      '-n',
      'Ledger Feed',
      '-e',
      'it@acme.example',
      '-u',
      'ledger@acme.example',
      '--dry-run'
    );
    expect(out.exitCode).to.equal(0);
    expect(linesOf(out.stdout)).to.deep.equal([
      'Dry run: would create integration user ledger@acme.example. Nothing was written.',
      'The dry run checked the values given, that no user in this org has the username ledger@acme.example, that ' +
        `profile "${PROFILE}" is on the Salesforce Integration license, and that a seat of it is free (8 of 10). ` +
        'Without --dry-run this command creates the user; the permission set license (integration-user assign-psl) comes after that.',
    ]);
    expect(emulator.query("SELECT Id FROM User WHERE Username = 'ledger@acme.example'")).to.deep.equal([]);
  });

  it('assign-psl: what was assigned and the seats left', async () => {
    const out = await run('assign-psl', '-u', USER);
    expect(out.exitCode).to.equal(0);
    expect(linesOf(out.stdout)).to.deep.equal([
      `Assigned the permission set license SalesforceAPIIntegrationPsl to ${USER}.`,
      'SalesforceAPIIntegrationPsl seats: 8 of 10 free.',
      `Next: sf integration-user grant --username ${USER} --object <Object>:read --target-org emu`,
    ]);
  });

  it('grant: one row a set or group with its license and status, the generated set and its access, the warning once', async () => {
    const out = await run(
      'grant',
      '-u',
      USER,
      '-p',
      'Account_Read',
      '-g',
      'Sync_Access',
      '--object',
      'Account:read,viewall'
    );
    expect(out.exitCode).to.equal(0);
    expect(linesOf(out.stdout)).to.deep.equal([
      `Permission sets of ${USER}:`,
      'Generated permission set O_Brien_Sync_Integration (License --None--): created.',
      'Next, pre-authorize the user on the app the integration logs in through: sf integration-user preauthorize --app <app> --target-org emu',
    ]);
    expect(tablesOf(out.stdout)).to.deep.equal([
      [
        ['name', 'type', 'license', 'status'],
        ['Account_Read', 'permission set', '--None--', 'assigned'],
        ['Sync_Access', 'permission set group', '--None--', 'assigned'],
        ['O_Brien_Sync_Integration', 'permission set', '--None--', 'assigned'],
      ],
      [
        ['access', 'change'],
        ['Account: read, viewall', 'added'],
      ],
    ]);
    const warning = 'O_Brien_Sync_Integration gives View All on Account; an integration rarely needs it.';
    expect(out.stderr.split(warning)).to.have.length(2);
    expect(out.stderr).to.match(/^Warning: O_Brien_Sync_Integration gives View All/m);

    // The same warning once in --json: sf's `warnings`, not also a field of the result.
    const json = await runPlugin(
      ['integration-user', 'grant', '-u', USER, '--object', 'Account:read,viewall', '--dry-run', '-o', 'emu'],
      home
    );
    expect(json.exitCode).to.equal(0);
    expect(json.json.warnings).to.deep.equal([warning]);
    expect(json.json.result).not.to.have.property('warnings');
  });

  it('grant --dry-run: statuses in words (already assigned, would assign), a note column only when a row has one', async () => {
    const before = emulator.requests.length;
    const out = await run('grant', '-u', USER, '-p', 'Account_Read', '-p', 'Contact_Read', '--dry-run');
    expect(out.exitCode).to.equal(0);
    expect(linesOf(out.stdout)).to.deep.equal([
      `Dry run: nothing was written. The plan for ${USER}:`,
      'Without --dry-run this command makes the changes above; pre-authorizing the app (integration-user preauthorize) comes after that.',
    ]);
    expect(tablesOf(out.stdout)).to.deep.equal([
      [
        ['name', 'type', 'license', 'status'],
        ['Account_Read', 'permission set', '--None--', 'already assigned'],
        ['Contact_Read', 'permission set', '--None--', 'would assign'],
      ],
    ]);
    expect(emulator.requests.slice(before).filter((r) => r.writes > 0)).to.deep.equal([]);
  });

  it('preauthorize: the app, its policy and what it pre-authorizes', async () => {
    const out = await run('preauthorize', '--app', 'Acme_Sync', '-p', 'Account_Read', '--no-prompt');
    expect(out.exitCode).to.equal(0);
    expect(linesOf(out.stdout)).to.deep.equal([
      `Acme_Sync (External Client App) is admin-approved and pre-authorizes: profile "${PROFILE}", permission set Account_Read.`,
      'Next, log in as the user through the app to prove it works: sf integration-user verify --username <username> --app Acme_Sync --client-id <consumer-key> --jwt-key-file server.key --target-org emu',
    ]);
  });

  it('verify --dry-run with a client id and a key file: what it checked and that the real run logs in, nothing to "give"', async () => {
    const before = emulator.requests.length;
    const out = await run(
      'verify',
      '-u',
      USER,
      '--app',
      'Acme_Sync',
      '--client-id',
      'ACMESYNCKEY1',
      '--jwt-key-file',
      keys.keyFile,
      '--dry-run'
    );
    expect(out.exitCode).to.equal(0);
    expect(linesOf(out.stdout).slice(-3)).to.deep.equal([
      `  - JWT login              Dry run: the key file reads as an RSA private key and --client-id is given; without --dry-run verify logs in as ${USER} with the JWT bearer flow at ${emulator.instanceUrl}.`,
      '  - query                  Dry run: without --dry-run verify runs the query as the user.',
      '  - identity               Dry run: without --dry-run verify checks who the login is (user, org and license).',
    ]);
    expect(emulator.requests.slice(before).filter((r) => r.path.includes('/oauth2/token'))).to.deep.equal([]);
  });

  it('preauthorize --create --dry-run: says the app would be created, each profile once, and writes nothing', async () => {
    const certificate = path.join(path.dirname(spec), 'server.crt');
    await writeFile(certificate, keys.certificate);
    const before = emulator.requests.length;
    const out = await run(
      'preauthorize',
      '--app',
      'Billing_Feed',
      '--create',
      '--certificate-file',
      certificate,
      '--contact-email',
      'it@acme.example',
      '--dry-run'
    );
    expect(out.exitCode, out.stderr).to.equal(0);
    expect(linesOf(out.stdout)).to.deep.equal([
      `Dry run: would create External Client App Billing_Feed for the JWT bearer flow, admin-approved and pre-authorizing: profile "${PROFILE}". Nothing was written.`,
      'Without --dry-run this command changes the app; checking the user end to end (integration-user verify) comes after that.',
    ]);
    expect(emulator.requests.slice(before).filter((r) => r.writes > 0)).to.deep.equal([]);
  });

  it('verify: the checklist, a mark a check, each fix naming sf and the org; then the access table', async () => {
    const out = await run('verify', '-u', USER, '--app', 'Acme_Sync', '--object', 'Account', '--object', 'Contact');
    expect(out.exitCode).to.equal(0);
    const skipped = 'Give --client-id and --jwt-key-file to log in as the user.';
    expect(linesOf(out.stdout)).to.deep.equal([
      `Integration user ${USER}:`,
      `  ✓ user                   ${USER} exists and is active.`,
      `  ✓ license                On the Salesforce Integration license with profile "${PROFILE}".`,
      '  ✓ permission set license Holds the Salesforce API Integration permission set license.',
      '  ! permission sets        Broad power for an integration: O_Brien_Sync_Integration: View All on Account.',
      `                           fix: Grant only what the integration needs: sf integration-user grant --username ${USER} --object <Object>:read --target-org emu`,
      '  ! access                 No read access on Contact.',
      `                           fix: sf integration-user grant --username ${USER} --object Contact:read --target-org emu`,
      `  ✓ app                    Acme_Sync is admin-approved and pre-authorizes ${USER}.`,
      `  ✓ certificate            The certificate of Acme_Sync (CN=human-output) is valid until ${validUntil}.`,
      `  - JWT login              ${skipped}`,
      `  - query                  ${skipped}`,
      `  - identity               ${skipped}`,
    ]);
    // The columns some object has access in, and read always.
    expect(tablesOf(out.stdout)).to.deep.equal([
      [
        ['object', 'read', 'view all'],
        ['Account', '✓', '✓'],
        ['Contact', '', ''],
      ],
    ]);

    // The access check names the table's objects with the table's words.
    const account = await run('verify', '-u', USER, '--object', 'Account');
    expect(linesOf(account.stdout)).to.include('  ✓ access                 Object access: Account (read, view all).');
    expect(tablesOf(account.stdout)).to.deep.equal([
      [
        ['object', 'read', 'view all'],
        ['Account', '✓', '✓'],
      ],
    ]);
  });

  it('verify of a user on the full license: the failing checks marked, their fixes, the count, exit 1', async () => {
    const out = await run('verify', '-u', FEED);
    expect(out.exitCode).to.equal(1);
    const skipped = 'Give --client-id and --jwt-key-file to log in as the user.';
    const grantFix = `fix: sf integration-user grant --username ${FEED} --object <Object>:read --target-org emu`;
    expect(linesOf(out.stdout)).to.deep.equal([
      `Integration user ${FEED}:`,
      `  ✓ user                   ${FEED} exists and is active.`,
      '  ✗ license                On the "Salesforce" license (profile "Standard User"), not on Salesforce Integration.',
      '                           fix: sf integration-user create --name "<name>" --email <email> --target-org emu',
      '  ✗ permission set license Lacks the Salesforce API Integration permission set license: no standard-object access is possible.',
      `                           fix: sf integration-user assign-psl --username ${FEED} --target-org emu`,
      '  ! permission sets        No permission set assigned: the user can read nothing.',
      `                           ${grantFix}`,
      '  ! access                 No object access from any permission set.',
      `                           ${grantFix}`,
      '  - app                    No --app given.',
      "  - certificate            No --app given: the certificate the JWT login is checked against is the app's.",
      `  - JWT login              ${skipped}`,
      `  - query                  ${skipped}`,
      `  - identity               ${skipped}`,
      '2 checks failed; run the commands shown, then verify again.',
    ]);
    expect(tablesOf(out.stdout)).to.deep.equal([]);
  });

  it('setup: each user with its steps and how they ended; piped and with --json no progress', async () => {
    const out = await run('setup', '--spec', spec);
    expect(out.exitCode).to.equal(0);
    const users = ['user-1@acme.example', 'user-2@acme.example', 'user-3@acme.example'];
    expect(linesOf(out.stdout)).to.deep.equal(
      users.flatMap((username) => [
        `${username} (result):`,
        `  ✓ create        applied  create ${username}`,
        '  ✓ assign-psl    applied  assign SalesforceAPIIntegrationPsl',
        '  ✓ grant         applied  Account_Read: assign',
        '  ✓ verify        applied  every check passed',
      ])
    );
    // The spinner's own line, and no "user 1 of 3" (progress shows in a terminal only).
    expect(out.stderr).to.equal('Planning every step... done\n');
    const again = await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu'], home);
    expect(again.exitCode).to.equal(0);
    expect(again.stderr).not.to.match(/user \d of 3/);
    expect(again.stdout).not.to.match(/user \d of 3/);

    // A dry run of a new user: its steps "to do", in words.
    const more = path.join(path.dirname(spec), 'more.yaml');
    await writeFile(
      more,
      'users:\n  - name: Payroll Feed\n    email: it@acme.example\n    username: user-4@acme.example\n'
    );
    const plan = await run('setup', '--spec', more, '--dry-run');
    expect(plan.exitCode, plan.stderr).to.equal(0);
    expect(linesOf(plan.stdout)).to.deep.equal([
      'user-4@acme.example (plan):',
      '  → create        to do    create user-4@acme.example',
      '  → assign-psl    to do    assign SalesforceAPIIntegrationPsl',
      '  → verify        to do    check every step',
    ]);
  });

  it('list --candidates: the seats, one row an integration user, a heading and one row a candidate with the command that moves it', async () => {
    const out = await run('list', '--candidates');
    expect(out.exitCode).to.equal(0);
    expect(linesOf(out.stdout)).to.deep.equal([
      'Salesforce Integration seats: 5 of 10 free. Salesforce API Integration permission set licenses: 5 of 10 free.',
      'Retired (inactive) integration users: 1. They take no Salesforce Integration seat; those still holding the Salesforce API Integration PSL (0) take its seat until it is removed (sf integration-user retire).',
      'Users on a full license that look like integrations, and could move to the free Salesforce Integration license:',
      'Moving 1 user would save about 1800 USD a year.',
    ]);
    // The last login in this machine's locale and time zone (the child's are the same), "never" without one.
    const [sync] = emulator.query<{ LastLoginDate: string }>(
      "SELECT LastLoginDate FROM User WHERE Username = 'sync@acme.example'"
    );
    const lastLogin = new Date(sync.LastLoginDate).toLocaleString(undefined, {
      dateStyle: 'medium',
      timeStyle: 'short',
    });
    expect(lastLogin).not.to.include(sync.LastLoginDate.slice(0, 10));
    const setupUser = (username: string, name: string): string[] => [
      username,
      name,
      'yes',
      'yes',
      'Account_Read',
      'Acme_Sync',
      'never',
    ];
    expect(tablesOf(out.stdout)).to.deep.equal([
      [
        ['username', 'name', 'active', 'PSL', 'permission sets', 'apps', 'last login'],
        // The app pre-authorizes the integration profile, so every integration user is covered.
        ['bridge@acme.example', 'Acme, Inc. "Bridge"', 'no', 'no', '', 'Acme_Sync', 'never'],
        [
          USER,
          "O'Brien Sync",
          'yes',
          'yes',
          'Account_Read, O_Brien_Sync_Integration, Sync_Access (group)',
          'Acme_Sync',
          'never',
        ],
        ['sync@acme.example', 'Acme Sync', 'yes', 'yes', '', 'Acme_Sync', lastLogin],
        setupUser('user-1@acme.example', 'Billing Export'),
        setupUser('user-2@acme.example', 'Ledger Sync'),
        setupUser('user-3@acme.example', "Quote O'Feed"),
      ],
      // The retired (inactive) users apart: they take no Salesforce Integration seat.
      [
        ['username', 'name', 'PSL', 'last login'],
        ['bridge@acme.example', 'Acme, Inc. "Bridge"', 'no', 'never'],
      ],
      [
        [
          'username',
          'name',
          'license now',
          'why it looks like an integration',
          'saving a year (USD)',
          'command that moves it',
        ],
        [
          FEED,
          "O'Brien Feed",
          'Salesforce',
          'only API logins in its login history (2); an integration-like name',
          '1800',
          `sf integration-user convert --username ${FEED} --target-org emu`,
        ],
      ],
    ]);
    expect(out.stderr).to.equal('Reading licenses and users... done\n');
  });

  it('list --output-file: the audit as RFC 4180 CSV in UTF-8, the rows of the result; --candidates writes the candidates', async () => {
    const dir = path.dirname(spec);
    // csv-parse (the CSV reader of sf's data commands; strict by default: no relaxed quotes, a BOM would stay in the first field).
    const csvOf = async (file: string): Promise<string[][]> => parse(await readFile(file, 'utf8'));

    const file = path.join(dir, 'users.csv');
    const json = await runPlugin(['integration-user', 'list', '--output-file', file, '-o', 'emu'], home);
    expect(json.exitCode).to.equal(0);
    const result = json.json.result as unknown as ListResultJson;
    expect(result.outputFile).to.equal(file);
    const text = await readFile(file, 'utf8');
    // Quoted only where RFC 4180 needs it (a comma, a double quote), quotes doubled; an apostrophe as it is; CRLF.
    expect(text.split('\r\n')[1]).to.equal('bridge@acme.example,"Acme, Inc. ""Bridge""",no,no,,Acme_Sync,');
    expect(text).to.include(
      `\r\n${USER},O'Brien Sync,yes,yes,"Account_Read, O_Brien_Sync_Integration, Sync_Access (group)",`
    );
    expect(await csvOf(file)).to.deep.equal([
      ['username', 'name', 'active', 'PSL', 'permission sets', 'apps', 'last login'],
      ...result.users.map((u) => [
        u.username,
        u.name,
        u.active ? 'yes' : 'no',
        u.psl ? 'yes' : 'no',
        [...u.permissionSets, ...u.permissionSetGroups.map((g) => `${g} (group)`)].join(', '),
        u.apps.join(', '),
        u.lastLogin ?? '',
      ]),
    ]);
    expect(result.users.map((u) => u.name)).to.include.members(['Acme, Inc. "Bridge"', "O'Brien Sync"]);

    // Human output: the tables as always, and where the file went.
    const human = path.join(dir, 'candidates.csv');
    const out = await run('list', '--candidates', '--output-file', human);
    expect(out.exitCode).to.equal(0);
    expect(linesOf(out.stdout).at(-1)).to.equal(`Wrote 1 candidate to ${human}.`);
    expect(await csvOf(human)).to.deep.equal([
      [
        'username',
        'name',
        'license now',
        'why it looks like an integration',
        'saving a year (USD)',
        'command that moves it',
      ],
      [
        FEED,
        "O'Brien Feed",
        'Salesforce',
        'only API logins in its login history (2); an integration-like name',
        '1800',
        `sf integration-user convert --username ${FEED} --target-org emu`,
      ],
    ]);

    // Without the flag no file, and the result has no outputFile.
    const plain = await runPlugin(['integration-user', 'list', '-o', 'emu'], home);
    expect(plain.json.result).not.to.have.property('outputFile');
    const { users, seats } = plain.json.result as unknown as ListResultJson;
    expect({ users, seats }).to.deep.equal({ users: result.users, seats: result.seats });

    // A folder that doesn't exist: a clear error naming the file, exit 1.
    const bad = await runPlugin(
      ['integration-user', 'list', '--output-file', path.join(dir, 'no', 'x.csv'), '-o', 'emu'],
      home
    );
    expect(bad.exitCode).to.equal(1);
    expect(bad.json.message).to.match(/^Couldn't write the CSV file .*x\.csv: ENOENT/);
  });

  it('convert: who moved where, and the seats left', async () => {
    const out = await run('convert', '-u', FEED);
    expect(out.exitCode, out.stderr).to.equal(0);
    expect(linesOf(out.stdout)).to.deep.equal([
      `Moved ${FEED} to profile "${PROFILE}" on the Salesforce Integration license (4 of 10 seats free).`,
    ]);

    // No candidates left: said plainly, no empty table.
    const list = await run('list', '--candidates');
    expect(list.exitCode).to.equal(0);
    expect(linesOf(list.stdout).slice(1)).to.deep.equal([
      'Retired (inactive) integration users: 1. They take no Salesforce Integration seat; those still holding the Salesforce API Integration PSL (0) take its seat until it is removed (sf integration-user retire).',
      'No candidates: no active user on a full license looks like an integration.',
    ]);
    // The users, and the retired user apart.
    expect(tablesOf(list.stdout)).to.have.length(2);
  });
});
