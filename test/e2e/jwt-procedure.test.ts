import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { exchangeJwt } from '../../src/service/jwt.js';
import { homeLoggedInto, runPlugin, writesSince } from '../helpers/plugin.js';
import { makeKeyPair } from '../helpers/keys.js';
import { runSf } from '../helpers/sf.js';

const keys = makeKeyPair('acme-sync');
const PROFILE = 'Minimum Access - API Only Integrations';

/** A fresh org with an External Client App and a legacy connected app, both still self-authorize. */
const seed: Seed = {
  records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
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
  connectedApps: [
    {
      name: 'Legacy_Sync',
      label: 'Legacy Sync',
      consumerKey: 'LEGACYSYNCKEY1',
      certificate: keys.certificate,
      adminApproved: false,
      profiles: [],
      permissionSets: [],
    },
  ],
};

describe('end to end: create, assign-psl, grant, preauthorize, verify, then the stock sf logs in with JWT', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let home: string;
  let username: string;
  const plugin = (...args: string[]): ReturnType<typeof runPlugin> => runPlugin([...args, '-o', 'emu'], home);

  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
    const created = await plugin('integration-user', 'create', '-n', 'Acme Sync', '-e', 'it@acme.example');
    username = created.json.result?.username as string;
    expect((await plugin('integration-user', 'assign-psl', '-u', username)).exitCode).to.equal(0);
    expect((await plugin('integration-user', 'grant', '-u', username, '--object', 'Account:read')).exitCode).to.equal(
      0
    );
  });
  after(() => emulator?.stop());

  it('verify before preauthorize: the app and the JWT login fail, each naming preauthorize', async () => {
    const run = await plugin(
      'integration-user',
      'verify',
      '-u',
      username,
      '--app',
      'Acme_Sync',
      '--client-id',
      'ACMESYNCKEY1',
      '--jwt-key-file',
      keys.keyFile,
      '--login-url',
      emulator.instanceUrl
    );
    expect(run.exitCode).to.equal(1);
    const checks = (run.json.result as { checks: Array<{ name: string; status: string; action?: string }> }).checks;
    expect(checks.find((c) => c.name === 'app')).to.deep.include({
      status: 'fail',
      action: 'sf integration-user preauthorize --app Acme_Sync --target-org emu',
    });
    expect(checks.find((c) => c.name === 'jwt-login')).to.deep.include({
      status: 'fail',
      action: 'sf integration-user preauthorize --app Acme_Sync --target-org emu',
    });
  });

  it('preauthorize the ECA by profile, then by permission set: lists extended, a re-run writes nothing', async () => {
    const byProfile = await plugin('integration-user', 'preauthorize', '--app', 'Acme_Sync');
    expect(byProfile.exitCode, byProfile.stderr).to.equal(0);
    expect(byProfile.json.result).to.deep.include({
      appType: 'ExternalClientApplication',
      policy: 'AdminApprovedPreAuthorized',
      profiles: [PROFILE],
      changed: true,
    });
    const bySet = await plugin(
      'integration-user',
      'preauthorize',
      '--app',
      'Acme_Sync',
      '-p',
      'Acme_Sync_Integration',
      '-u',
      username
    );
    expect(bySet.json.result).to.deep.include({
      profiles: [PROFILE],
      permissionSets: ['Acme_Sync_Integration'],
      changed: true,
    });
    const before = emulator.requests.length;
    const again = await plugin(
      'integration-user',
      'preauthorize',
      '--app',
      'Acme_Sync',
      '-p',
      'Acme_Sync_Integration',
      '-u',
      username
    );
    expect(again.json.result).to.deep.include({ changed: false });
    expect(writesSince(emulator, before)).to.equal(0);
  });

  it('verify: every check passes, the query returns the accounts, no token printed', async () => {
    const run = await plugin(
      'integration-user',
      'verify',
      '-u',
      username,
      '--app',
      'Acme_Sync',
      '--client-id',
      'ACMESYNCKEY1',
      '--jwt-key-file',
      keys.keyFile
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    const result = run.json.result as { checks: Array<{ name: string; status: string }>; query: { totalSize: number } };
    expect(result.checks.map((c) => `${c.name}:${c.status}`)).to.deep.equal([
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
    expect(run.stdout + run.stderr).not.to.match(/00D\w{12,15}!/);
  });

  it('the stock sf: org login jwt as the integration user, then data query returns the seeded accounts', async () => {
    // Never let sf attempt a login the emulator would refuse: it would retry against Salesforce's hosts.
    const probe = await exchangeJwt({
      loginUrl: `${emulator.instanceUrl}/`,
      clientId: 'ACMESYNCKEY1',
      username,
      privateKey: keys.privateKey,
    });
    expect(probe.ok, 'the emulator accepts this login').to.equal(true);
    const login = await runSf(
      [
        'org',
        'login',
        'jwt',
        '--username',
        username,
        '--jwt-key-file',
        keys.keyFile,
        '--client-id',
        'ACMESYNCKEY1',
        '--instance-url',
        emulator.instanceUrl,
        '--alias',
        'int',
        '--json',
      ],
      { home }
    );
    expect(login.exitCode, login.stderr).to.equal(0);
    const query = await runSf(['data', 'query', '-q', 'SELECT Id, Name FROM Account LIMIT 10', '-o', 'int', '--json'], {
      home,
    });
    expect(query.exitCode, query.stderr).to.equal(0);
    expect(
      (query.json as { result: { records: Array<{ Name: string }> } }).result.records.map((r) => r.Name).sort()
    ).to.deep.equal(['Acme', 'Globex']);
  });

  it('preauthorize the legacy connected app by profile; its JWT login then works too', async () => {
    const run = await plugin('integration-user', 'preauthorize', '--app', 'Legacy_Sync');
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.json.result).to.deep.include({
      appType: 'ConnectedApp',
      policy: 'AdminApprovedPreAuthorized',
      profiles: [PROFILE],
      changed: true,
      usersLosingAccess: [],
    });
    const login = await exchangeJwt({
      loginUrl: emulator.instanceUrl,
      clientId: 'LEGACYSYNCKEY1',
      username,
      privateKey: keys.privateKey,
    });
    expect(login.ok).to.equal(true);
  });
});
