import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { homeLoggedInto, projectRoot, runPlugin, writesSince, type CliRun } from '../helpers/plugin.js';
import { makeKeyPair } from '../helpers/keys.js';
import { sfEnv } from '../helpers/sf.js';

const keys = makeKeyPair('bad-input');
const USER = 'sync@acme.example';
const PROFILE = 'Minimum Access - API Only Integrations';

/** An org where every command has something to find: an integration user with the PSL, sets, a group and both kinds of app. */
const seed: Seed = {
  records: { Account: [{ Name: 'Acme' }] },
  users: [
    {
      username: USER,
      lastName: 'Acme Sync',
      email: 'it@acme.example',
      profile: PROFILE,
      active: true,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
    },
  ],
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Sales_Ops', label: 'Sales Ops', license: 'Salesforce', objects: { Account: ['read'] } },
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

type Case = {
  title: string;
  args: string[] | ((files: Files) => string[]);
  name: string;
  action: RegExp;
  message?: RegExp;
};
type Files = { empty: string; garbage: string; injectedUser: string; injectedSet: string; quotedEmail: string };

const create = (...args: string[]): string[] => ['integration-user', 'create', ...args];
const named = (...args: string[]): string[] => create('-n', 'Acme Sync', '-e', 'it@acme.example', ...args);
const psl = (...args: string[]): string[] => ['integration-user', 'assign-psl', ...args];
const grant = (...args: string[]): string[] => ['integration-user', 'grant', ...args];
const preauthorize = (...args: string[]): string[] => ['integration-user', 'preauthorize', ...args];
const verify = (...args: string[]): string[] => ['integration-user', 'verify', ...args];
const setup = (...args: string[]): string[] => ['integration-user', 'setup', ...args];
const list = (...args: string[]): string[] => ['integration-user', 'list', ...args];
const convert = (...args: string[]): string[] => ['integration-user', 'convert', ...args];
const INJECTION = "x' OR Name != '";
const LONG = 'x'.repeat(5000);

// The action a flag error names is the flag and its form; the action of a not-found is how to list or create.
const corpus: Case[] = [
  // create: every flag checked before the org is asked anything.
  {
    title: 'create: email with a quote, no domain',
    args: create('-n', "O'Brien Sync", '-e', "o'brien@"),
    name: 'InvalidEmailError',
    action: /--email it-integrations@acme\.example/,
  },
  {
    title: 'create: email of 5000 characters',
    args: create('-n', 'Acme Sync', '-e', `${LONG}@acme.example`),
    name: 'InvalidEmailError',
    action: /--email/,
  },
  {
    title: 'create: email as a SOQL injection',
    args: create('-n', 'Acme Sync', '-e', `${INJECTION}@acme.example`),
    name: 'InvalidEmailError',
    action: /--email/,
  },
  {
    title: 'create: name of spaces only',
    args: create('-n', '   ', '-e', 'it@acme.example'),
    name: 'InvalidNameError',
    action: /--name "Acme Sync"/,
  },
  {
    title: 'create: name of 5000 unicode characters',
    args: create('-n', 'ü'.repeat(5000), '-e', 'it@acme.example'),
    name: 'InvalidNameError',
    action: /1 to 80 characters/,
  },
  {
    title: "create: O'Brien with a username holding a space",
    args: named('-u', "o'brien sync@acme.example"),
    name: 'InvalidUsernameError',
    action: /--username "o'brien\.sync@acme\.example"/,
    message: /it contains whitespace/,
  },
  {
    title: 'create: username without @',
    args: named('-u', 'acme-sync'),
    name: 'InvalidUsernameError',
    action: /--username/,
  },
  {
    title: 'create: username ending in @',
    args: named('-u', "o'brien@"),
    name: 'InvalidUsernameError',
    action: /--username/,
  },
  {
    title: 'create: username as a SOQL injection',
    args: named('-u', `${INJECTION}@acme.example`),
    name: 'InvalidUsernameError',
    action: /--username/,
  },
  {
    title: 'create: username of 81 characters',
    args: named('-u', `${'ü'.repeat(68)}@acme.example`),
    name: 'InvalidUsernameError',
    action: /--username/,
    message: /81 characters long \(at most 80\)/,
  },
  {
    title: 'create: alias with a quote',
    args: named('-a', "o'brien"),
    name: 'InvalidAliasError',
    action: /--alias acmesync/,
  },
  {
    title: 'create: unknown time zone',
    args: named('--time-zone', 'Mars/Olympus_Mons'),
    name: 'InvalidTimeZoneError',
    action: /Europe\/Berlin/,
  },
  {
    title: 'create: locale with a dash',
    args: named('--locale', 'de-DE'),
    name: 'InvalidLocaleError',
    action: /--locale a Salesforce locale key/,
  },
  {
    title: 'create: profile as a SOQL injection',
    args: named('--profile', INJECTION),
    name: 'UnknownProfileError',
    action: /Profiles on this license: "Minimum Access - API Only Integrations"/,
  },
  {
    title: 'create: no --email',
    args: create('-n', 'Acme Sync'),
    name: 'InvalidFlagsError',
    action: /sf integration-user create --help/,
    message: /Missing required flag email/,
  },
  {
    title: 'create: an unknown flag',
    args: named('--frobnicate'),
    name: 'InvalidFlagsError',
    action: /sf integration-user create --help/,
    message: /Nonexistent flag: --frobnicate/,
  },
  // assign-psl: the user as given is looked up literally, escaped.
  {
    title: "assign-psl: O'Brien, who doesn't exist",
    args: psl('-u', "o'brien@acme.example"),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
  },
  {
    title: 'assign-psl: username as a SOQL injection',
    args: psl('-u', INJECTION),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
  },
  {
    title: 'assign-psl: username with backslashes',
    args: psl('-u', 'o\\brien\\@acme.example'),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
  },
  {
    title: 'assign-psl: a username of 5000 characters',
    args: psl('-u', LONG),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
  },
  // grant: the access flags are parsed before the org is asked, the names are looked up escaped.
  {
    title: 'grant: --object without access',
    args: grant('-u', USER, '--object', 'Account'),
    name: 'InvalidObjectGrantError',
    action: /--object Account:read,edit/,
  },
  {
    title: 'grant: --object with an unknown access word',
    args: grant('-u', USER, '--object', 'Account:fly'),
    name: 'InvalidObjectAccessError',
    action: /read, create, edit, delete, viewall and modifyall/,
  },
  {
    title: 'grant: --object delete without its dependencies',
    args: grant('-u', USER, '--object', 'Account:delete'),
    name: 'ObjectAccessDependencyError',
    action: /--object Account:read,edit,delete/,
  },
  {
    title: 'grant: --object as a SOQL injection',
    args: grant('-u', USER, '--object', `${INJECTION}:read`),
    name: 'InvalidObjectGrantError',
    action: /--object/,
  },
  {
    title: 'grant: --object with a unicode name',
    args: grant('-u', USER, '--object', 'Ünïcødé:read'),
    name: 'InvalidObjectGrantError',
    action: /--object/,
  },
  {
    title: 'grant: --field with edit spelled write',
    args: grant('-u', USER, '--field', 'Account.Industry:write'),
    name: 'InvalidFieldGrantError',
    action: /Object\.Field:read/,
  },
  {
    title: 'grant: --permission-set-name with spaces',
    args: grant('-u', USER, '--object', 'Account:read', '--permission-set-name', 'Acme Sync!'),
    name: 'InvalidPermissionSetNameError',
    action: /letters, digits and underscores/,
  },
  {
    title: 'grant: nothing to grant',
    args: grant('-u', USER),
    name: 'NothingToGrantError',
    action: /--permission-set/,
  },
  {
    title: 'grant: a permission set as a SOQL injection',
    args: grant('-u', USER, '-p', INJECTION),
    name: 'GrantBlockedError',
    action: /sf data query --query "SELECT Name, Label, License\.Name FROM PermissionSet/,
  },
  {
    title: 'grant: a group with a unicode name',
    args: grant('-u', USER, '-g', 'Sÿnc_Äccess'),
    name: 'GrantBlockedError',
    action: /FROM PermissionSetGroup/,
  },
  {
    title: "grant: O'Brien, who doesn't exist",
    args: grant('-u', "o'brien@acme.example", '-p', 'Account_Read'),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
  },
  {
    title: 'grant: an object the org lacks',
    args: grant('-u', USER, '--object', 'Nope__c:read'),
    name: 'GrantBlockedError',
    action: /sf sobject list/,
  },
  // preauthorize: app names are API names, files are checked before anything is written.
  {
    title: 'preauthorize: app name as a SOQL injection',
    args: preauthorize('--app', INJECTION),
    name: 'InvalidAppNameError',
    action: /App Manager/,
  },
  {
    title: 'preauthorize: an app the org lacks',
    args: preauthorize('--app', 'Acme_Synk'),
    name: 'AppNotFoundError',
    action: /--app Acme_Synk --create --certificate-file/,
  },
  {
    title: "preauthorize: profile O'Brien",
    args: preauthorize('--app', 'Acme_Sync', '--profile', "O'Brien"),
    name: 'UnknownProfileError',
    action: /Profiles on this license/,
  },
  {
    title: 'preauthorize: a set on the full Salesforce license',
    args: preauthorize('--app', 'Acme_Sync', '-p', 'Sales_Ops'),
    name: 'SetLicenseDoesNotFitError',
    action: /License is "--None--"/,
  },
  {
    title: 'preauthorize: --username without --permission-set',
    args: preauthorize('--app', 'Acme_Sync', '-u', USER),
    name: 'InvalidFlagsError',
    action: /sf integration-user preauthorize --help/,
    message: /--username: --permission-set/,
  },
  {
    title: 'preauthorize --create: a private key as the certificate',
    args: preauthorize(
      '--app',
      'New_Sync',
      '--create',
      '--certificate-file',
      keys.keyFile,
      '--contact-email',
      'it@acme.example'
    ),
    name: 'InvalidCertificateError',
    action: /openssl req -x509/,
  },
  {
    title: 'preauthorize --create: an empty certificate file',
    args: (f) =>
      preauthorize(
        '--app',
        'New_Sync',
        '--create',
        '--certificate-file',
        f.empty,
        '--contact-email',
        'it@acme.example'
      ),
    name: 'InvalidCertificateError',
    action: /openssl req -x509/,
  },
  {
    title: 'preauthorize --create: a certificate block of garbage',
    args: (f) =>
      preauthorize(
        '--app',
        'New_Sync',
        '--create',
        '--certificate-file',
        f.garbage,
        '--contact-email',
        'it@acme.example'
      ),
    name: 'InvalidCertificateError',
    action: /X\.509 certificate \(PEM\)/,
  },
  {
    title: 'preauthorize --create: a certificate file that does not exist',
    args: preauthorize(
      '--app',
      'New_Sync',
      '--create',
      '--certificate-file',
      '/nonexistent/server.crt',
      '--contact-email',
      'it@acme.example'
    ),
    name: 'InvalidFlagsError',
    action: /sf integration-user preauthorize --help/,
    message: /No file found at \/nonexistent\/server\.crt/,
  },
  {
    title: 'preauthorize --create: a contact email with a quote',
    args: preauthorize(
      '--app',
      'New_Sync',
      '--create',
      '--certificate-file',
      keys.certFile,
      '--contact-email',
      "o'brien@"
    ),
    name: 'InvalidEmailError',
    action: /--email|address/,
  },
  {
    title: 'preauthorize --create: without a certificate file',
    args: preauthorize('--app', 'New_Sync', '--create', '--contact-email', 'it@acme.example'),
    name: 'InvalidFlagsError',
    action: /sf integration-user preauthorize --help/,
    message: /--create: --certificate-file/,
  },
  {
    title: 'preauthorize --create: the name of an existing app',
    args: preauthorize(
      '--app',
      'Acme_Sync',
      '--create',
      '--certificate-file',
      keys.certFile,
      '--contact-email',
      'it@acme.example'
    ),
    name: 'AppExistsError',
    action: /Leave --create out/,
  },
  // verify: key files and flags.
  {
    title: 'verify: a certificate given as the private key',
    args: verify('-u', USER, '--client-id', 'ACMESYNCKEY1', '--jwt-key-file', keys.certFile),
    name: 'InvalidPrivateKeyError',
    action: /PEM private key .* not the certificate itself/,
    message: /holds a certificate, not a private key/,
  },
  {
    title: 'verify: a key file that does not exist',
    args: verify('-u', USER, '--client-id', 'ACMESYNCKEY1', '--jwt-key-file', '/nonexistent/server.key'),
    name: 'InvalidFlagsError',
    action: /sf integration-user verify --help/,
    message: /No file found at \/nonexistent\/server\.key/,
  },
  {
    title: 'verify: a login URL that is no URL',
    args: verify('-u', USER, '--login-url', "not a url'"),
    name: 'InvalidFlagsError',
    action: /sf integration-user verify --help/,
    message: /Parsing --login-url/,
  },
  // setup: the spec file is read and checked first; its values go through the same checks as the flags.
  {
    title: 'setup: a spec file that does not exist',
    args: setup('--spec', '/nonexistent/spec.yaml'),
    name: 'InvalidFlagsError',
    action: /sf integration-user setup --help/,
    message: /No file found at \/nonexistent\/spec\.yaml/,
  },
  {
    title: 'setup: a certificate given as the spec',
    args: (f) => setup('--spec', f.garbage),
    name: 'SpecInvalidError',
    action: /schemas\/setup-spec\.json/,
  },
  {
    title: 'setup: an empty spec file',
    args: (f) => setup('--spec', f.empty),
    name: 'SpecInvalidError',
    action: /schemas\/setup-spec\.json/,
  },
  {
    title: 'setup: a username as a SOQL injection in the spec',
    args: (f) => setup('--spec', f.injectedUser),
    name: 'SetupBlockedError',
    action: /--username/,
  },
  {
    title: 'setup: a permission set as a SOQL injection in the spec',
    args: (f) => setup('--spec', f.injectedSet),
    name: 'SetupBlockedError',
    action: /FROM PermissionSet/,
  },
  {
    title: 'setup: an email with a quote in the spec',
    args: (f) => setup('--spec', f.quotedEmail),
    name: 'SetupBlockedError',
    action: /--email/,
  },
  // list and convert.
  {
    title: 'list: a negative price',
    args: list('--candidates', '--price', '-5'),
    name: 'InvalidFlagsError',
    action: /sf integration-user list --help/,
    message: /greater than or equal to 0/,
  },
  {
    title: 'list: a price that is no number',
    args: list('--candidates', '--price', "150'"),
    name: 'InvalidFlagsError',
    action: /sf integration-user list --help/,
    message: /Expected an integer/,
  },
  {
    title: "convert: O'Brien, who doesn't exist",
    args: convert('-u', "o'brien@acme.example"),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
  },
  {
    title: 'convert: username as a SOQL injection',
    args: convert('-u', INJECTION, '--dry-run'),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
  },
  // Every command: the org as given.
  {
    title: 'an unknown target org',
    args: ['integration-user', 'assign-psl', '-u', USER, '-o', "nope'org"],
    name: 'NamedOrgNotFoundError',
    action: /Did you mean "emu"\?/,
  },
];

/** bin/run.js as a person types it: no --json, so what it prints on stderr is what a person reads. */
function runHuman(args: string[], home: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'run.js'), ...args], {
      cwd: home,
      env: sfEnv(home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
  });
}

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

describe('bad input: each malformed value exits non-zero with a named error and its fix, no stack trace, nothing written', function () {
  // 116 bin/run.js processes: about 3 minutes on two idle cores.
  this.timeout(600_000);
  let emulator: Emulator;
  let home: string;
  let files: Files;
  after(() => emulator?.stop());

  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
    const dir = await mkdtemp(path.join(tmpdir(), 'piu-bad-input-'));
    files = {
      empty: path.join(dir, 'empty.crt'),
      garbage: path.join(dir, 'garbage.crt'),
      injectedUser: '',
      injectedSet: '',
      quotedEmail: '',
    };
    await writeFile(files.empty, '');
    await writeFile(files.garbage, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    const spec = async (name: string, user: string): Promise<string> => {
      const file = path.join(dir, name);
      await writeFile(file, `users:\n  - name: Acme Sync\n${user}`);
      return file;
    };
    files.injectedUser = await spec(
      'injected-user.yaml',
      `    email: it@acme.example\n    username: "${INJECTION}@acme.example"\n`
    );
    files.injectedSet = await spec(
      'injected-set.yaml',
      `    email: it@acme.example\n    permissionSets: ["${INJECTION}"]\n`
    );
    files.quotedEmail = await spec('quoted-email.yaml', `    email: "o'brien@"\n`);
  });

  it(`the corpus has at least 40 inputs across the eight commands (${corpus.length})`, () => {
    expect(corpus.length).to.be.at.least(40);
    const commands = new Set(corpus.map((c) => (typeof c.args === 'function' ? c.args(files) : c.args)[1]));
    expect([...commands].sort()).to.deep.equal([
      'assign-psl',
      'convert',
      'create',
      'grant',
      'list',
      'preauthorize',
      'setup',
      'verify',
    ]);
  });

  it('every input, as --json and as a person reads it', async () => {
    const problems: string[] = [];
    let humanRuns = 0;
    const check = async (c: Case, index: number): Promise<void> => {
      const args = typeof c.args === 'function' ? c.args(files) : c.args;
      const withOrg = args.includes('-o') ? args : [...args, '-o', 'emu'];
      const before = emulator.requests.length;
      const say = (what: string): number => problems.push(`${c.title}: ${what}`);
      const json = await runPlugin(withOrg, home).catch(
        (error: Error) => ({ exitCode: -1, stdout: error.message, stderr: '', json: {} }) as CliRun
      );
      const { name, message = '', actions } = json.json;
      if (json.exitCode === 0 || json.json.status === 0) say(`exit code ${json.exitCode}`);
      if (name !== c.name) say(`named ${String(name)}, not ${c.name}: ${message}`);
      if (c.message && !c.message.test(message))
        say(`message ${JSON.stringify(message)} doesn't match ${String(c.message)}`);
      if (!actions?.some((a) => c.action.test(a)))
        say(`actions ${JSON.stringify(actions)} don't match ${String(c.action)}`);
      if (STACK_FRAME.test(message) || STACK_FRAME.test(json.stderr))
        say(`a stack trace in the message or on stderr: ${message}\n${json.stderr}`);
      // Every fourth input also as a person types it: the same error, its fix, and no stack trace on the terminal.
      if (index % 4 === 0) {
        humanRuns++;
        const human = await runHuman(withOrg, home);
        if (human.exitCode !== json.exitCode) say(`exits ${human.exitCode} without --json, ${json.exitCode} with it`);
        if (!human.stderr.includes(`Error (${c.name}): `)) say(`stderr doesn't name the error: ${human.stderr}`);
        if (!human.stderr.includes('Try this:')) say(`stderr names no fix: ${human.stderr}`);
        if (STACK_FRAME.test(human.stderr) || STACK_FRAME.test(human.stdout))
          say(`a stack trace on the terminal: ${human.stderr}`);
      }
      // Other inputs' requests may land in between; none of them may write either.
      if (writesSince(emulator, before) !== 0) say('something was written');
    };
    // Four inputs at a time, on two cores.
    for (let start = 0; start < corpus.length; start += 4)
      await Promise.all(corpus.slice(start, start + 4).map((c, i) => check(c, start + i)));
    expect(humanRuns).to.equal(Math.ceil(corpus.length / 4));
    expect(problems, problems.join('\n')).to.deep.equal([]);
    expect(emulator.requests.reduce((sum, r) => sum + r.writes, 0)).to.equal(0);
    // The injection reached the org as one escaped literal, not as SOQL.
    const soql = emulator.requests.flatMap((r) => [r.soql ?? []].flat());
    expect(soql.filter((q) => q.includes("Username = 'x\\' OR Name != \\''"))).to.have.length.at.least(2);
  });
});
