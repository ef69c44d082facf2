import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { call } from '../emulator/http/test-client.js';
import { homeLoggedInto, projectRoot, runPlugin, writesSince } from '../helpers/plugin.js';
import { makeKeyPair } from '../helpers/keys.js';
import { sfEnv } from '../helpers/sf.js';

// An O'Brien through every command (bin/run.js, --json): the username with its apostrophe in SOQL,
// JSON, spec files (YAML and JSON) and the fixes the plugin prints, which a POSIX shell must read as
// the intended words and, run verbatim, must do what they say.

const keys = makeKeyPair('obrien');
const PROFILE = 'Minimum Access - API Only Integrations';
const OBRIEN = "o'brien.sync@acme.example";
const OHARA = "o'hara.etl@acme.example";
const at = (daysAgo: number): string => new Date(Date.now() - daysAgo * 86_400_000).toISOString();

const seed: Seed = {
  // An org that lets convert move a user onto the integration license (the unsettled default refuses).
  behaviour: { profileLicenseChangeError: 'accept' },
  records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Api_Only', label: 'API Only', license: null, userPermissions: ['ApiUserOnly'] },
  ],
  users: [
    {
      username: 'admin@emu.example',
      lastName: 'Admin',
      email: 'admin@emu.example',
      profile: 'System Administrator',
      active: true,
    },
    // A full-license user that logs in through the API only: a candidate for convert.
    {
      username: OHARA,
      lastName: "O'Hara ETL",
      email: "o'hara@acme.example",
      profile: 'Standard User',
      active: true,
      permissionSets: ['Api_Only'],
      loginHistory: [{ type: 'Remote Access 2.0', time: at(1) }],
    },
  ],
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

type Check = { name: string; status: string; action?: string };
const q = (value: string): string => value.replace(/'/g, "\\'");

/** The words a POSIX shell makes of a printed command. */
function argvOf(command: string): string[] {
  return execFileSync('sh', ['-c', `printf '%s\\n' ${command}`], { encoding: 'utf8' })
    .split('\n')
    .slice(0, -1);
}

describe("end to end: a username with an apostrophe (O'Brien) through every command", function () {
  this.timeout(240_000);
  let emulator: Emulator;
  let home: string;
  const plugin = (...args: string[]): ReturnType<typeof runPlugin> => runPlugin([...args, '-o', 'emu'], home);
  const userRow = (username: string): Record<string, unknown> | undefined =>
    emulator.query<Record<string, unknown>>(
      `SELECT Id, Username, LastName, Email, IsActive, Profile.Name FROM User WHERE Username = '${q(username)}'`
    )[0];
  const verifyChecks = async (
    ...extra: string[]
  ): Promise<{ exitCode: number; checks: Check[]; result: Record<string, unknown> }> => {
    const run = await plugin('integration-user', 'verify', '-u', OBRIEN, ...extra);
    const result = run.json.result as Record<string, unknown>;
    return { exitCode: run.exitCode, checks: result.checks as Check[], result };
  };
  /** Runs a printed command verbatim in sh: `sf integration-user` is this plugin (bin/run.js), any other `sf` the stock CLI. */
  const runFix = (command: string): Promise<{ exitCode: number; output: string }> =>
    new Promise((resolve, reject) => {
      const sf = `sf() { if [ "$1" = integration-user ]; then "${process.execPath}" "${path.join(projectRoot, 'bin', 'run.js')}" "$@"; else command sf "$@"; fi; }`;
      const child = spawn('sh', ['-c', `${sf}; ${command}`], {
        cwd: home,
        env: sfEnv(home),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ exitCode: code ?? -1, output }));
    });

  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
  });
  after(() => emulator?.stop());

  it('create: the user is made with the apostrophe in username, name and email; a re-run finds it', async () => {
    const run = await plugin(
      'integration-user',
      'create',
      '-n',
      "O'Brien Sync",
      '-e',
      "o'brien@acme.example",
      '-u',
      OBRIEN
    );
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.json.result).to.deep.include({
      username: OBRIEN,
      name: "O'Brien Sync",
      email: "o'brien@acme.example",
      status: 'created',
      created: true,
    });
    expect(userRow(OBRIEN)).to.deep.include({
      Username: OBRIEN,
      LastName: "O'Brien Sync",
      Email: "o'brien@acme.example",
      IsActive: true,
    });
    const again = await plugin(
      'integration-user',
      'create',
      '-n',
      "O'Brien Sync",
      '-e',
      "o'brien@acme.example",
      '-u',
      OBRIEN
    );
    expect(again.json.result).to.deep.include({ username: OBRIEN, status: 'exists', created: false });
  });

  it('verify names assign-psl as the fix, quoted so sh reads the username whole; run verbatim, it assigns the PSL', async () => {
    const { exitCode, checks } = await verifyChecks();
    expect(exitCode).to.equal(1);
    const fix = checks.find((c) => c.name === 'permission-set-license')?.action ?? '';
    expect(fix).to.equal(`sf integration-user assign-psl --username "${OBRIEN}" --target-org emu`);
    expect(argvOf(fix)).to.deep.equal([
      'sf',
      'integration-user',
      'assign-psl',
      '--username',
      OBRIEN,
      '--target-org',
      'emu',
    ]);
    const ran = await runFix(fix);
    expect(ran.exitCode, ran.output).to.equal(0);
    expect(
      emulator.query(`SELECT Id FROM PermissionSetLicenseAssign WHERE Assignee.Username = '${q(OBRIEN)}'`)
    ).to.have.length(1);
    const again = await plugin('integration-user', 'assign-psl', '-u', OBRIEN);
    expect(again.json.result).to.deep.include({ username: OBRIEN, status: 'already-assigned', assigned: false });
  });

  it('grant and preauthorize: the generated set is assigned to the user, the app pre-authorizes its profile', async () => {
    const granted = await plugin('integration-user', 'grant', '-u', OBRIEN, '--object', 'Account:read');
    expect(granted.exitCode, granted.stderr).to.equal(0);
    expect(granted.json.result).to.deep.include({ username: OBRIEN });
    const assigned = emulator.query<{ PermissionSet: { Name: string } }>(
      `SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = '${q(OBRIEN)}' AND PermissionSet.IsOwnedByProfile = false`
    );
    expect(assigned.map((a) => a.PermissionSet.Name)).to.deep.equal(['O_Brien_Sync_Integration']);
    const preauthorized = await plugin('integration-user', 'preauthorize', '--app', 'Acme_Sync');
    expect(preauthorized.exitCode, preauthorized.stderr).to.equal(0);
    expect(preauthorized.json.result).to.deep.include({
      policy: 'AdminApprovedPreAuthorized',
      profiles: [PROFILE],
      changed: true,
    });
  });

  it('verify: every check passes, the JWT login as the user and the query included', async () => {
    const { exitCode, checks, result } = await verifyChecks(
      '--app',
      'Acme_Sync',
      '--client-id',
      'ACMESYNCKEY1',
      '--jwt-key-file',
      keys.keyFile
    );
    expect(exitCode).to.equal(0);
    expect(result.username).to.equal(OBRIEN);
    expect(checks.map((c) => `${c.name}:${c.status}`)).to.deep.equal([
      'user:pass',
      'license:pass',
      'permission-set-license:pass',
      'permission-sets:pass',
      'access:pass',
      'app:pass',
      'certificate:pass',
      'jwt-login:pass',
      'query:pass',
      'identity:pass',
    ]);
    expect(result.query).to.deep.equal({ totalSize: 2 });
    expect(
      emulator.query(
        `SELECT Id FROM LoginHistory WHERE UserId IN (SELECT Id FROM User WHERE Username = '${q(OBRIEN)}')`
      )
    ).to.have.length(1);
  });

  it("an inactive O'Brien: verify names the fix by record Id; run verbatim with the stock sf, it activates the user", async () => {
    const id = String(userRow(OBRIEN)?.Id);
    expect(
      (await call(emulator, 'PATCH', `/services/data/v66.0/sobjects/User/${id}`, { IsActive: false })).status
    ).to.equal(204);
    const { checks } = await verifyChecks();
    const fix = checks.find((c) => c.name === 'user')?.action ?? '';
    expect(argvOf(fix)).to.deep.equal([
      'sf',
      'data',
      'update',
      'record',
      '--sobject',
      'User',
      '--record-id',
      id,
      '--values',
      'IsActive=true',
      '--target-org',
      'emu',
    ]);
    const ran = await runFix(fix);
    expect(ran.exitCode, ran.output).to.equal(0);
    expect(userRow(OBRIEN)?.IsActive).to.equal(true);
  });

  it("list shows O'Brien; --candidates offers O'Hara with a convert command that, run verbatim, moves the user", async () => {
    const listed = await plugin('integration-user', 'list', '--candidates');
    expect(listed.exitCode, listed.stderr).to.equal(0);
    const result = listed.json.result as {
      users: Array<Record<string, unknown>>;
      candidates: Array<{ username: string; command: string }>;
    };
    expect(result.users.find((u) => u.username === OBRIEN)).to.deep.include({
      psl: true,
      permissionSets: ['O_Brien_Sync_Integration'],
      apps: ['Acme_Sync'],
    });
    const candidate = result.candidates.find((c) => c.username === OHARA);
    expect(candidate?.command).to.equal(`sf integration-user convert --username "${OHARA}" --target-org emu`);
    expect(argvOf(candidate?.command ?? '')).to.deep.equal([
      'sf',
      'integration-user',
      'convert',
      '--username',
      OHARA,
      '--target-org',
      'emu',
    ]);
    const ran = await runFix(candidate?.command ?? '');
    expect(ran.exitCode, ran.output).to.equal(0);
    expect(userRow(OHARA)?.Profile).to.deep.include({ Name: PROFILE });
    const again = await plugin('integration-user', 'convert', '-u', OHARA);
    expect(again.json.result).to.deep.include({ username: OHARA, status: 'already-integration' });
  });

  for (const format of ['yaml', 'json'] as const) {
    const username = format === 'yaml' ? "dana.o'neil@acme.example" : "sean.o'casey@acme.example";
    const name = format === 'yaml' ? "Dana O'Neil Feed" : "Sean O'Casey Export";
    it(`setup from a ${format.toUpperCase()} spec: ${name} created, granted, pre-authorized and verified with a JWT login; a re-run writes nothing`, async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'piu-obrien-'));
      const file = path.join(dir, `spec.${format}`);
      const user = {
        name,
        email: "it-o'neil@acme.example",
        username,
        objects: ['Account:read'],
        app: { name: 'Acme_Sync' },
        verify: { clientId: 'ACMESYNCKEY1', jwtKeyFile: keys.keyFile },
      };
      const yaml = `users:\n  - name: ${name}\n    email: ${user.email}\n    username: ${username}\n    objects: ["Account:read"]\n    app: { name: Acme_Sync }\n    verify:\n      clientId: ACMESYNCKEY1\n      jwtKeyFile: ${keys.keyFile}\n`;
      await writeFile(file, format === 'yaml' ? yaml : JSON.stringify({ users: [user] }));
      const run = await plugin('integration-user', 'setup', '--spec', file);
      expect(run.exitCode, run.stdout).to.equal(0);
      const [result] = (
        run.json.result as {
          users: Array<{
            username: string;
            steps: Array<{ name: string; status: string }>;
            verify: { checks: Check[] };
          }>;
        }
      ).users;
      expect(result.username).to.equal(username);
      expect(result.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal([
        'create:applied',
        'assign-psl:applied',
        'grant:applied',
        'preauthorize:done',
        'verify:applied',
      ]);
      // Every check passes but the certificate's: setup read the External Client App's policy without its global
      // OAuth settings (no request added for them), so the certificate wasn't read in this run.
      expect(
        result.verify.checks.every((c) => c.status === (c.name === 'certificate' ? 'skip' : 'pass')),
        JSON.stringify(result.verify.checks)
      ).to.equal(true);
      expect(userRow(username)).to.deep.include({
        Username: username,
        LastName: name,
        Email: user.email,
        IsActive: true,
      });
      expect(
        emulator.query(`SELECT Id FROM PermissionSetLicenseAssign WHERE Assignee.Username = '${q(username)}'`)
      ).to.have.length(1);

      const before = emulator.requests.length;
      const again = await plugin('integration-user', 'setup', '--spec', file);
      expect(again.exitCode).to.equal(0);
      expect(
        (again.json.result as { users: Array<{ steps: Array<{ status: string }> }> }).users[0].steps.map(
          (s) => s.status
        )
      ).to.deep.equal(['done', 'done', 'done', 'done', 'applied']);
      expect(writesSince(emulator, before)).to.equal(0);
    });
  }
});
