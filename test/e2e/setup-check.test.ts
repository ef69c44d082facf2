import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { adminConnection } from '../helpers/metadata.js';
import { homeLoggedInto, runPlugin, writesSince } from '../helpers/plugin.js';

const seed: Seed = {
  permissionSets: [{ name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } }],
};

describe('end to end through bin/run.js: setup --check exits 2 when the org differs', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let home: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'piu-check-'));
  const spec = path.join(dir, 'integration-users.yaml');
  writeFileSync(
    spec,
    'users:\n  - name: Billing Export\n    email: it@acme.example\n    username: billing@acme.example\n    permissionSets: [Account_Read]\n'
  );

  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
  });
  after(() => emulator?.stop());

  it('in sync: exit 0 and status 0; a set removed by hand: exit 2 and status 2, naming it; nothing written', async () => {
    const check = ['integration-user', 'setup', '--spec', spec, '-o', 'emu', '--check'];
    expect((await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu'], home)).exitCode).to.equal(0);
    const from = emulator.requests.length;
    const clean = await runPlugin(check, home);
    expect([clean.exitCode, clean.json.status]).to.deep.equal([0, 0]);
    expect(clean.json.result?.check).to.deep.equal({ inSync: true, differences: [] });
    expect(writesSince(emulator, from)).to.equal(0);

    const [assignment] = emulator.query<{ Id: string }>(
      "SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username = 'billing@acme.example' AND PermissionSet.Name = 'Account_Read'"
    );
    await adminConnection(emulator).sobject('PermissionSetAssignment').destroy(assignment.Id);
    const afterDrift = emulator.requests.length;
    const drifted = await runPlugin(check, home);
    expect([drifted.exitCode, drifted.json.status]).to.deep.equal([2, 2]);
    expect(drifted.json.result?.check).to.deep.equal({
      inSync: false,
      differences: [
        {
          user: 'billing@acme.example',
          at: 'users[0]',
          step: 'grant',
          difference: 'permission set Account_Read is not assigned',
          fix: `sf integration-user setup --spec ${spec} --target-org emu`,
        },
      ],
    });
    expect(writesSince(emulator, afterDrift)).to.equal(0);
  });
});
