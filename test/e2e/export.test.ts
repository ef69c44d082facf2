import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { homeLoggedInto, runPlugin, writesSince } from '../helpers/plugin.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = 'obrien-sync@acme.example';

// A hand-made integration user (no spec made it): a name with an apostrophe, a set, a group, the PSL, a set an
// earlier `grant` generated for it (its description carries grant's marker) with object and field access, and a
// connected app that pre-authorizes it through that set.
const seed: Seed = {
  permissionSets: [
    { name: 'Contact_Read', label: 'Contact Read', license: null, objects: { Contact: ['read'] } },
    { name: 'Case_Read', label: 'Case Read', license: null, objects: { Case: ['read'] } },
    {
      name: 'OBrien_Sync_Access',
      label: "O'Brien Sync Access",
      description: `Managed by sf integration-user grant for ${USER}.`,
      license: null,
      objects: { Account: ['read', 'edit'] },
      fields: { 'Account.Industry': ['read'] },
    },
  ],
  permissionSetGroups: [{ name: 'Support_Sync', label: 'Support Sync', permissionSets: ['Case_Read'] }],
  users: [
    {
      username: USER,
      firstName: 'Aoife',
      lastName: "O'Brien",
      email: 'it-integrations@acme.example',
      alias: 'aobrien',
      profile: PROFILE,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
      permissionSets: ['Contact_Read', 'OBrien_Sync_Access', 'Support_Sync'],
    },
    { username: 'jdoe@acme.example', lastName: 'Doe', profile: 'Standard User', permissionSets: ['Contact_Read'] },
  ],
  // Admin-approved, listing the generated set: the label differs from the API name the spec must name.
  connectedApps: [
    {
      name: 'OBrien_Sync',
      label: "O'Brien Sync Connector",
      consumerKey: 'OBRIENSYNCKEY1',
      adminApproved: true,
      permissionSets: ['OBrien_Sync_Access'],
    },
  ],
};

describe('end to end through bin/run.js: export a hand-made integration user, then setup --check on it', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let home: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'piu-export-'));

  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
  });
  after(() => emulator?.stop());

  const expectedSpec = {
    users: [
      {
        name: "Aoife O'Brien",
        email: 'it-integrations@acme.example',
        username: USER,
        alias: 'aobrien',
        permissionSets: ['Contact_Read'],
        permissionSetGroups: ['Support_Sync'],
        objects: ['Account:read,edit'],
        fields: ['Account.Industry:read'],
        permissionSetName: 'OBrien_Sync_Access',
        app: { name: 'OBrien_Sync', preauthorize: 'permission-set', permissionSets: ['OBrien_Sync_Access'] },
      },
    ],
  };

  for (const file of ['integration-users.yaml', 'integration-users.json']) {
    it(`${file}: the spec as the org holds it; setup --check exits 0 on it and setup writes nothing`, async () => {
      const spec = path.join(dir, file);
      const from = emulator.requests.length;
      const exported = await runPlugin(['integration-user', 'export', '--file', spec, '-o', 'emu'], home);
      expect([exported.exitCode, exported.json.status], exported.stderr).to.deep.equal([0, 0]);
      expect(exported.json.result).to.deep.equal({
        file: spec,
        format: file.endsWith('.json') ? 'json' : 'yaml',
        spec: expectedSpec,
      });
      expect(writesSince(emulator, from)).to.equal(0);
      const text = readFileSync(spec, 'utf8');
      if (file.endsWith('.json')) expect(JSON.parse(text)).to.deep.equal(expectedSpec);
      else expect(text).to.contain("name: Aoife O'Brien\n").and.not.contain('{');

      const check = await runPlugin(['integration-user', 'setup', '--spec', spec, '--check', '-o', 'emu'], home);
      expect([check.exitCode, check.json.status], JSON.stringify(check.json)).to.deep.equal([0, 0]);
      expect(check.json.result?.check).to.deep.equal({ inSync: true, differences: [] });

      const before = emulator.requests.length;
      const setup = await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu'], home);
      expect(setup.exitCode, JSON.stringify(setup.json)).to.equal(0);
      expect(writesSince(emulator, before)).to.equal(0);
    });
  }
});

// A user an app's client credentials flow runs as: export names that app (before one that sorts first but only
// pre-authorizes the user) with `runAs: true`, and the round trip holds.
const RUNNER = 'obrien-ops@acme.example';
const runAsSeed: Seed = {
  users: [
    {
      username: RUNNER,
      firstName: 'Aoife',
      lastName: "O'Brien Ops",
      email: 'it-integrations@acme.example',
      alias: 'aops',
      profile: PROFILE,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
    },
  ],
  connectedApps: [
    {
      name: 'Aaa_Sync',
      label: 'Aaa Sync Connector',
      consumerKey: 'AAASYNCKEY1',
      adminApproved: true,
      profiles: [PROFILE],
    },
  ],
  externalClientApps: [
    {
      name: 'Acme_Sync',
      label: "O'Brien Acme Sync",
      consumerKey: 'ACMESYNCKEY1',
      permittedUsers: 'AdminApprovedPreAuthorized',
      profiles: [PROFILE],
      runAs: RUNNER,
    },
  ],
};

describe('end to end through bin/run.js: export a user an app runs as, then setup --check on it', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let home: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'piu-export-runas-'));
  before(async () => {
    emulator = await startEmulator({ seed: runAsSeed });
    home = await homeLoggedInto(emulator);
  });
  after(() => emulator?.stop());

  it('writes app.runAs: true; setup --check exits 0 and setup writes nothing', async () => {
    const spec = path.join(dir, 'integration-users.yaml');
    const exported = await runPlugin(['integration-user', 'export', '--file', spec, '-o', 'emu'], home);
    expect([exported.exitCode, exported.json.status], exported.stderr).to.deep.equal([0, 0]);
    expect(exported.json.result?.spec).to.deep.equal({
      users: [
        {
          name: "Aoife O'Brien Ops",
          email: 'it-integrations@acme.example',
          username: RUNNER,
          alias: 'aops',
          app: { name: 'Acme_Sync', runAs: true },
        },
      ],
    });
    expect(readFileSync(spec, 'utf8')).to.contain('runAs: true');

    const check = await runPlugin(['integration-user', 'setup', '--spec', spec, '--check', '-o', 'emu'], home);
    expect([check.exitCode, check.json.status], JSON.stringify(check.json)).to.deep.equal([0, 0]);
    expect(check.json.result?.check).to.deep.equal({ inSync: true, differences: [] });
    const before = emulator.requests.length;
    const setup = await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu'], home);
    expect(setup.exitCode, JSON.stringify(setup.json)).to.equal(0);
    expect(writesSince(emulator, before)).to.equal(0);
    expect(
      emulator.query(
        "SELECT ClientCredentialsFlowUser FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplication.DeveloperName = 'Acme_Sync'"
      )
    ).to.have.nested.property('[0].ClientCredentialsFlowUser', RUNNER);
  });
});
