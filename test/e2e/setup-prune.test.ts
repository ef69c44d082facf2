import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { adminConnection } from '../helpers/metadata.js';
import { homeLoggedInto, runPlugin, writesSince } from '../helpers/plugin.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = "o'brien.sync@acme.example";
const seed: Seed = {
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Case_Read', label: "O'Brien's Case Read", license: null, objects: { Case: ['read'] } },
  ],
  connectedApps: [
    {
      name: 'Billing_Sync',
      label: "O'Brien Billing Sync",
      consumerKey: 'BILLINGSYNCKEY1',
      adminApproved: true,
      profiles: [],
      permissionSets: [],
    },
  ],
};

describe('end to end through bin/run.js: drift (a set added by hand, the app switched back) and setup --prune', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let home: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'piu-prune-'));
  const spec = path.join(dir, 'integration-users.yaml');
  writeFileSync(
    spec,
    `users:\n  - name: O'Brien Sync\n    email: it@acme.example\n    username: "${USER}"\n    permissionSets: [Account_Read]\n    app: { name: Billing_Sync }\n`
  );
  const setup = (...flags: string[]) =>
    runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu', '--no-prompt', ...flags], home);
  const check = () => runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu', '--check'], home);

  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
  });
  after(() => emulator?.stop());

  it('--check exits 2 naming both; --prune brings the org back (exit 0), then --check exits 0; read back from the org', async () => {
    expect((await setup()).exitCode).to.equal(0);
    expect((await check()).exitCode).to.equal(0);

    // Drift by hand: a set assigned that the spec doesn't list, and the app switched back to self-authorized.
    const conn = adminConnection(emulator);
    const [user] = emulator.query<{ Id: string }>("SELECT Id FROM User WHERE Username = 'o\\'brien.sync@acme.example'");
    const [caseRead] = emulator.query<{ Id: string }>("SELECT Id FROM PermissionSet WHERE Name = 'Case_Read'");
    const added = (await conn
      .sobject('PermissionSetAssignment')
      .create({ AssigneeId: user.Id, PermissionSetId: caseRead.Id })) as { id: string };
    const app = (await conn.metadata.read('ConnectedApp', 'Billing_Sync')) as unknown as {
      oauthConfig: Record<string, unknown>;
    };
    await conn.metadata.update('ConnectedApp', {
      ...app,
      oauthConfig: { ...app.oauthConfig, isAdminApproved: false },
    } as never);
    const selfAuthorized = (await conn.metadata.read('ConnectedApp', 'Billing_Sync')) as unknown as {
      oauthConfig: { isAdminApproved?: unknown };
    };
    expect(String(selfAuthorized.oauthConfig.isAdminApproved)).to.equal('false');

    const from = emulator.requests.length;
    const drifted = await check();
    expect([drifted.exitCode, drifted.json.status]).to.deep.equal([2, 2]);
    const differences = (drifted.json.result?.check as { differences: Array<Record<string, string>> }).differences;
    expect(differences.map((d) => [d.step, d.difference, d.fix])).to.deep.equal([
      [
        'preauthorize',
        'the app doesn\'t pre-authorize what the spec names (Billing_Sync: switch to "Admin approved users are pre-authorized")',
        `sf integration-user setup --spec ${spec} --target-org emu`,
      ],
      [
        'grant',
        'permission set Case_Read is assigned but not in the spec',
        `sf data delete record --sobject PermissionSetAssignment --record-id ${added.id} --target-org emu`,
      ],
    ]);
    expect(writesSince(emulator, from)).to.equal(0);

    // Without --prune the app is repaired and the extra stays: the check still names it.
    const plain = await setup();
    expect(plain.exitCode).to.equal(0);
    expect((await check()).exitCode).to.equal(2);

    const pruned = await setup('--prune');
    expect([pruned.exitCode, pruned.json.status]).to.deep.equal([0, 0]);
    expect((pruned.json.result?.users as Array<{ removals?: unknown }>)[0].removals).to.deep.equal([
      { type: 'PermissionSet', name: 'Case_Read', status: 'removed' },
    ]);
    const clean = await check();
    expect([clean.exitCode, clean.json.status]).to.deep.equal([0, 0]);

    // The org read back: the spec's sets only, and the app admin-approved with the integration profile listed.
    expect(
      emulator
        .query<{ PermissionSet: { Name: string } }>(
          `SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE AssigneeId = '${user.Id}' AND PermissionSet.IsOwnedByProfile = false`
        )
        .map((r) => r.PermissionSet.Name)
    ).to.deep.equal(['Account_Read']);
    const repaired = (await conn.metadata.read('ConnectedApp', 'Billing_Sync')) as unknown as {
      oauthConfig: { isAdminApproved?: unknown };
      profileName?: unknown;
    };
    expect([String(repaired.oauthConfig.isAdminApproved), repaired.profileName]).to.deep.equal(['true', [PROFILE]]);
    // A re-run writes nothing.
    const before = emulator.requests.length;
    expect((await setup('--prune')).exitCode).to.equal(0);
    expect(writesSince(emulator, before)).to.equal(0);
  });
});
