import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { exchangeJwt } from '../../src/service/jwt.js';
import { homeLoggedInto, runPlugin, writesSince } from '../helpers/plugin.js';
import { adminConnection } from '../helpers/metadata.js';
import { makeKeyPair } from '../helpers/keys.js';

// #11 items 2, 3, 10 through bin/run.js: every command that takes an app (setup's app.name, preauthorize --app,
// verify --app) and list, for connected apps whose label differs from their API name and is shared by two apps
// (with an apostrophe); and --create in an org that refuses External Client App OAuth settings until an admin
// turns "Allow Access to OAuth Consumer Secrets via Metadata API" on.

const keys = makeKeyPair('app-labels-e2e');
const PROFILE = 'Minimum Access - API Only Integrations';
const USER = 'ledger-feed@acme.example';
const LABEL = "O'Brien's Ledger";

const seed: Seed = {
  records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
  permissionSets: [{ name: 'Ledger_Access', label: 'Ledger Access', license: null, objects: { Account: ['read'] } }],
  users: [
    {
      username: 'admin@emu.example',
      lastName: 'Admin',
      email: 'admin@emu.example',
      profile: 'System Administrator',
      active: true,
    },
    {
      username: 'ops@acme.example',
      lastName: "O'Brien",
      email: 'ops@acme.example',
      profile: 'System Administrator',
      active: true,
    },
  ],
  connectedApps: [
    {
      name: 'Ledger_Feed',
      label: LABEL,
      consumerKey: 'LEDGERKEY0001',
      certificate: keys.certificate,
      adminApproved: true,
      profiles: [],
      permissionSets: [],
    },
    {
      name: 'Ledger_Feed_Old',
      label: LABEL,
      consumerKey: 'LEDGERKEY0002',
      certificate: keys.certificate,
      adminApproved: false,
      profiles: [],
      permissionSets: [],
      oauthTokens: [{ username: 'ops@acme.example' }],
    },
  ],
};

describe('end to end through bin/run.js: apps by API name whatever their label, and --create where the org guards OAuth settings', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let home: string;
  const plugin = (...args: string[]): ReturnType<typeof runPlugin> => runPlugin([...args, '-o', 'emu'], home);
  const idOf = async (apiName: string): Promise<string> =>
    (await adminConnection(emulator).metadata.list([{ type: 'ConnectedApp' }])).find((c) => c.fullName === apiName)
      ?.id ?? '';
  const rowsOf = (appId: string): string[] =>
    emulator
      .query<{ Parent: { Name: string; IsOwnedByProfile: boolean; Profile: { Name: string } | null } }>(
        `SELECT Parent.Name, Parent.IsOwnedByProfile, Parent.Profile.Name FROM SetupEntityAccess WHERE SetupEntityId = '${appId}'`
      )
      .map((r) => (r.Parent.IsOwnedByProfile ? `profile:${r.Parent.Profile?.Name ?? ''}` : r.Parent.Name))
      .sort();

  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
  });
  after(() => emulator?.stop());

  it('setup: a spec naming Ledger_Feed_Old (label shared) switches that app only, and verifies with a JWT login', async () => {
    const spec = path.join(mkdtempSync(path.join(tmpdir(), 'piu-labels-e2e-')), 'spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        users: [
          {
            name: 'Ledger Feed',
            email: 'it@acme.example',
            username: USER,
            permissionSets: ['Ledger_Access'],
            app: { name: 'Ledger_Feed_Old' },
            verify: { clientId: 'LEDGERKEY0002', jwtKeyFile: keys.keyFile, loginUrl: emulator.instanceUrl },
          },
        ],
      })
    );
    const run = await plugin('integration-user', 'setup', '--spec', spec, '--no-prompt');
    expect(run.exitCode, run.stdout).to.equal(0);
    const user = (
      run.json.result as {
        users: Array<{
          username: string;
          steps: Array<{ name: string; status: string }>;
          verify: { checks: Array<{ name: string; status: string }> };
        }>;
      }
    ).users[0];
    expect(user.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal([
      'create:applied',
      'assign-psl:applied',
      'grant:applied',
      'preauthorize:applied',
      'verify:applied',
    ]);
    expect(user.verify.checks.map((c) => `${c.name}:${c.status}`)).to.include.members([
      'app:pass',
      'jwt-login:pass',
      'query:pass',
    ]);
    expect(rowsOf(await idOf('Ledger_Feed_Old'))).to.deep.equal([`profile:${PROFILE}`]);
    expect(rowsOf(await idOf('Ledger_Feed'))).to.deep.equal([]);
    const approved = emulator.query<{ Id: string; OptionsAllowAdminApprovedUsersOnly: boolean }>(
      'SELECT Id, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication'
    );
    expect(approved.every((a) => a.OptionsAllowAdminApprovedUsersOnly)).to.equal(true);
  });

  it('preauthorize --app Ledger_Feed -p: rows under that app only; a re-run writes nothing', async () => {
    const run = await plugin(
      'integration-user',
      'preauthorize',
      '--app',
      'Ledger_Feed',
      '-p',
      'Ledger_Access',
      '-u',
      USER
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.json.result).to.deep.equal({
      app: 'Ledger_Feed',
      appType: 'ConnectedApp',
      policy: 'AdminApprovedPreAuthorized',
      previousPolicy: 'AdminApprovedPreAuthorized',
      profiles: [PROFILE],
      permissionSets: ['Ledger_Access'],
      added: { profiles: [PROFILE], permissionSets: ['Ledger_Access'] },
      changed: true,
      created: false,
      dryRun: false,
      usersLosingAccess: [],
    });
    expect(rowsOf(await idOf('Ledger_Feed'))).to.deep.equal(['Ledger_Access', `profile:${PROFILE}`]);
    expect(rowsOf(await idOf('Ledger_Feed_Old'))).to.deep.equal([`profile:${PROFILE}`]);
    const before = emulator.requests.length;
    const again = await plugin(
      'integration-user',
      'preauthorize',
      '--app',
      'Ledger_Feed',
      '-p',
      'Ledger_Access',
      '-u',
      USER
    );
    expect(again.json.result).to.deep.include({ changed: false });
    expect(writesSince(emulator, before)).to.equal(0);
  });

  it('verify --app Ledger_Feed: every check passes, the JWT login through that app included', async () => {
    const run = await plugin(
      'integration-user',
      'verify',
      '-u',
      USER,
      '--app',
      'Ledger_Feed',
      '--client-id',
      'LEDGERKEY0001',
      '--jwt-key-file',
      keys.keyFile,
      '--login-url',
      emulator.instanceUrl
    );
    expect(run.exitCode, run.stdout).to.equal(0);
    const checks = (run.json.result as { checks: Array<{ name: string; status: string; message: string }> }).checks;
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
    expect(checks.find((c) => c.name === 'app')?.message).to.equal(
      `Ledger_Feed is admin-approved and pre-authorizes ${USER}.`
    );
  });

  it('list: both apps by API name, never by their shared label', async () => {
    const run = await plugin('integration-user', 'list');
    expect(run.exitCode, run.stderr).to.equal(0);
    const users = (run.json.result as { users: Array<{ username: string; apps: string[] }> }).users;
    expect(users.map((u) => [u.username, u.apps])).to.deep.equal([[USER, ['Ledger_Feed', 'Ledger_Feed_Old']]]);
  });

  it('preauthorize --create where the org refuses OAuth settings: the setting named, nothing secret printed; once it is on, the same command finishes', async () => {
    const create = [
      'integration-user',
      'preauthorize',
      '--app',
      'Ledger_Bridge',
      '--create',
      '--certificate-file',
      keys.certFile,
      '--contact-email',
      'it@acme.example',
      '-p',
      'Ledger_Access',
      '-u',
      USER,
    ];
    const refused = await plugin(...create);
    expect(refused.exitCode).to.equal(1);
    expect(refused.json.name).to.equal('EcaOauthSettingsRefusedError');
    expect(refused.json.message).to.contain('"Allow Access to OAuth Consumer Secrets via Metadata API"');
    expect(refused.json.actions?.[0]).to.contain('Setup > External Client Apps > Settings');

    emulator.setBehaviour({ ecaConsumerSecretsInMetadata: true });
    const run = await plugin(...create);
    expect(run.exitCode, run.stdout).to.equal(0);
    const result = run.json.result as { created: boolean; consumerKey: string; appType: string };
    expect(result).to.deep.include({ created: true, appType: 'ExternalClientApplication' });
    const login = await exchangeJwt({
      loginUrl: emulator.instanceUrl,
      clientId: result.consumerKey,
      username: USER,
      privateKey: keys.privateKey,
    });
    expect(login.ok).to.equal(true);
    for (const { secret } of emulator.secrets().consumerSecrets)
      expect(run.stdout + run.stderr + refused.stdout).not.to.contain(secret);
  });
});
