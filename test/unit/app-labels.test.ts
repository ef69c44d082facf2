import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import IntegrationUserVerify from '../../src/commands/integration-user/verify.js';
import IntegrationUserList from '../../src/commands/integration-user/list.js';
import IntegrationUserSetup from '../../src/commands/integration-user/setup.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { makeKeyPair } from '../helpers/keys.js';
import { adminConnection } from '../helpers/metadata.js';
import type { Seed } from '../emulator/index.js';

// #11 item 2: --app (and a spec's app.name) is the API name; ConnectedApplication.Name and OauthToken.AppName are
// the label. Two connected apps share a label with an apostrophe, so only the API name tells them apart.
// #11 item 12: each command also runs where ExternalClientApplication is served on no query endpoint.

const keys = makeKeyPair('app-labels');
const PROFILE = 'Minimum Access - API Only Integrations';
const USER = 'acme-sync@acme.example';
const dir = mkdtempSync(path.join(tmpdir(), 'piu-labels-'));

const seed = (behaviour: Seed['behaviour']): Seed => ({
  behaviour,
  records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Ledger_Access', label: 'Ledger Access', license: null, objects: { Account: ['read'] } },
  ],
  users: [
    {
      username: 'admin@emu.example',
      lastName: 'Admin',
      email: 'admin@emu.example',
      profile: 'System Administrator',
      active: true,
    },
    {
      username: USER,
      lastName: 'Acme Sync',
      email: 'it@acme.example',
      profile: PROFILE,
      active: true,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
      permissionSets: ['Account_Read'],
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
      label: "O'Brien's Ledger",
      consumerKey: 'LEDGERKEY0001',
      certificate: keys.certificate,
      adminApproved: true,
      profiles: [PROFILE],
      permissionSets: [],
    },
    {
      name: 'Ledger_Feed_Old',
      label: "O'Brien's Ledger",
      consumerKey: 'LEDGERKEY0002',
      certificate: keys.certificate,
      adminApproved: false,
      profiles: [],
      permissionSets: [],
      oauthTokens: [{ username: 'ops@acme.example' }],
    },
  ],
  externalClientApps: [
    {
      name: 'Acme_Sync',
      label: 'Acme Sync',
      consumerKey: 'ACMESYNCKEY1',
      certificate: keys.certificate,
      permittedUsers: 'AdminApprovedPreAuthorized',
      profiles: [PROFILE],
      permissionSets: [],
    },
  ],
});

describe('connected apps by API name, whatever their label (verify, list, setup)', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const idOf = async (apiName: string): Promise<string> =>
    (await adminConnection(ctx.emulator).metadata.list([{ type: 'ConnectedApp' }])).find((c) => c.fullName === apiName)
      ?.id ?? '';
  const checks = (result: unknown): Record<string, { status: string; message: string; action?: string }> =>
    Object.fromEntries(
      (result as { checks: Array<{ name: string; status: string; message: string; action?: string }> }).checks.map(
        (c) => [c.name, c]
      )
    );

  for (const ecaQueryEndpoints of [['data', 'tooling'], []] as Array<Array<'data' | 'tooling'>>) {
    const where = ecaQueryEndpoints.length
      ? 'ExternalClientApplication queryable'
      : 'ExternalClientApplication served on no endpoint';

    it(`verify --app: the API name finds its row among apps sharing a label, and the JWT login works (${where})`, async () => {
      await ctx.start(seed({ ecaQueryEndpoints }));
      const jwt = [
        '--client-id',
        'LEDGERKEY0001',
        '--jwt-key-file',
        keys.keyFile,
        '--login-url',
        ctx.emulator.instanceUrl,
      ];
      const ok = await ctx.run(IntegrationUserVerify, ['-u', USER, '--app', 'Ledger_Feed', ...jwt]);
      expect(ok.exitCode).to.equal(0);
      expect(checks(ok.result).app).to.deep.equal({
        name: 'app',
        status: 'pass',
        message: `Ledger_Feed is admin-approved and pre-authorizes ${USER}.`,
      });
      expect(checks(ok.result)['jwt-login'].status).to.equal('pass');
      expect(ctx.emulator.requests.filter((r) => r.soapOperation).map((r) => r.soapOperation)).to.deep.equal([
        'readMetadata',
        'listMetadata',
      ]);

      const old = await ctx.run(IntegrationUserVerify, ['-u', USER, '--app', 'Ledger_Feed_Old']);
      expect(checks(old.result).app).to.deep.equal({
        name: 'app',
        status: 'fail',
        message: 'Ledger_Feed_Old lets users self-authorize, which an API-only user can never do.',
        action: `sf integration-user preauthorize --app Ledger_Feed_Old --target-org ${ctx.targetOrg}`,
      });
      const eca = await ctx.run(IntegrationUserVerify, ['-u', USER, '--app', 'Acme_Sync']);
      expect(checks(eca.result).app.status).to.equal('pass');
      expect(ctx.writes).to.equal(0);
    });

    it(`list: apps shown by API name, only the one whose lists cover the user (${where})`, async () => {
      await ctx.start(seed({ ecaQueryEndpoints }));
      const { result, error } = await ctx.run(IntegrationUserList, []);
      expect(error).to.equal(undefined);
      expect(result?.users.map((u) => [u.username, u.apps])).to.deep.equal([[USER, ['Acme_Sync', 'Ledger_Feed']]]);
    });

    it(`setup: a spec naming the app by API name pre-authorizes that app's row and verifies; a re-run writes nothing (${where})`, async () => {
      await ctx.start(seed({ ecaQueryEndpoints }));
      const spec = path.join(dir, `ledger-${ecaQueryEndpoints.length}.yaml`);
      writeFileSync(
        spec,
        `users:\n  - name: Ledger Feed\n    email: it@acme.example\n    username: ledger-feed@acme.example\n    permissionSets: [Ledger_Access]\n    app: { name: Ledger_Feed_Old, preauthorize: permission-set, permissionSets: [Ledger_Access] }\n    verify: { clientId: LEDGERKEY0002, jwtKeyFile: ${keys.keyFile} }\n`
      );
      const { result, exitCode, error } = await ctx.run(IntegrationUserSetup, ['--spec', spec, '--no-prompt']);
      expect(error).to.equal(undefined);
      expect(exitCode).to.equal(0);
      const user = (result as { users: Array<{ steps: Array<{ name: string; status: string }>; verify?: unknown }> })
        .users[0];
      expect(user.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal([
        'create:applied',
        'assign-psl:applied',
        'grant:applied',
        'preauthorize:applied',
        'verify:applied',
      ]);
      expect(checks(user.verify).app.status).to.equal('pass');
      const rows = (id: string): string[] =>
        ctx.emulator
          .query<{ Parent: { Name: string } }>(
            `SELECT Parent.Name FROM SetupEntityAccess WHERE SetupEntityId = '${id}' AND Parent.IsOwnedByProfile = false`
          )
          .map((r) => r.Parent.Name);
      expect(rows(await idOf('Ledger_Feed_Old'))).to.deep.equal(['Ledger_Access']);
      expect(rows(await idOf('Ledger_Feed'))).to.deep.equal([]);

      ctx.emulator.clearRequests();
      const again = await ctx.run(IntegrationUserSetup, ['--spec', spec]);
      expect(again.exitCode).to.equal(0);
      expect(ctx.writes).to.equal(0);
    });
  }
});
