import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { homeLoggedInto, runPlugin, writesSince } from '../helpers/plugin.js';
import { makeKeyPair } from '../helpers/keys.js';

const keys = makeKeyPair('setup-e2e');
const seed: Seed = {
  records: { Account: [{ Name: 'Acme' }] },
  permissionSets: [{ name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } }],
  externalClientApps: [
    {
      name: 'Acme_Sync',
      consumerKey: 'ACMESYNCKEY1',
      certificate: keys.certificate,
      permittedUsers: 'AllSelfAuthorized',
      profiles: [],
      permissionSets: [],
    },
  ],
};

describe('end to end through bin/run.js: setup from a spec, then list', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let home: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'piu-setup-'));
  const spec = path.join(dir, 'integration-users.json');
  writeFileSync(
    spec,
    JSON.stringify({
      users: [
        {
          name: 'Acme Sync',
          email: 'it@acme.example',
          username: 'acme-sync@acme.example',
          objects: ['Account:read'],
          app: { name: 'Acme_Sync' },
          verify: { clientId: 'ACMESYNCKEY1', jwtKeyFile: keys.keyFile },
        },
        {
          name: 'Billing Export',
          email: 'it@acme.example',
          username: 'billing@acme.example',
          permissionSets: ['Account_Read'],
        },
      ],
    })
  );

  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
  });
  after(() => emulator?.stop());

  it('a dry run writes nothing; the run takes both users to verified; a re-run writes nothing', async () => {
    const dry = await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu', '--dry-run'], home);
    expect(dry.exitCode, dry.stderr).to.equal(0);
    expect(writesSince(emulator)).to.equal(0);

    const run = await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu'], home);
    expect(run.exitCode, run.stdout).to.equal(0);
    const users = (
      run.json.result as { users: Array<{ username: string; steps: Array<{ name: string; status: string }> }> }
    ).users;
    expect(users.map((u) => u.steps.every((s) => s.status === 'applied'))).to.deep.equal([true, true]);

    const before = emulator.requests.length;
    const again = await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu'], home);
    expect(again.exitCode).to.equal(0);
    expect(writesSince(emulator, before)).to.equal(0);
  });

  it('list shows both integration users with their seats, PSL, sets and the app', async () => {
    const list = await runPlugin(['integration-user', 'list', '-o', 'emu'], home);
    expect(list.exitCode, list.stderr).to.equal(0);
    const result = list.json.result as {
      seats: { userLicense: { used: number; free: number } };
      users: Array<{ username: string; psl: boolean; permissionSets: string[]; apps: string[] }>;
    };
    expect(result.seats.userLicense).to.deep.include({ used: 2, free: 3 });
    expect(result.users.map((u) => [u.username, u.psl, u.permissionSets, u.apps])).to.deep.equal([
      ['acme-sync@acme.example', true, ['Acme_Sync_Integration'], ['Acme_Sync']],
      ['billing@acme.example', true, ['Account_Read'], ['Acme_Sync']],
    ]);
  });
});
