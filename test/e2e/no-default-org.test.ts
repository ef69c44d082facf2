import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { homeLoggedInto, runHuman, runPlugin } from '../helpers/plugin.js';
import { runSf } from '../helpers/sf.js';

const USER = 'obrien.sync@acme.example';
const seed: Seed = {
  users: [
    {
      username: USER,
      lastName: "O'Brien Sync",
      email: 'it@acme.example',
      profile: 'Minimum Access - API Only Integrations',
      active: true,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
    },
  ],
  permissionSets: [{ name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } }],
};

describe('no --target-org and no default org: the hint says how to set one, and it works', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let home: string;
  before(async () => {
    emulator = await startEmulator({ seed });
    // Logged in under the alias emu, with no default org set (sf's own state, in an isolated HOME).
    home = await homeLoggedInto(emulator);
  });
  after(() => emulator?.stop());

  it('names `sf config set target-org <alias> --global` and -o; nothing asked of the org; following it works', async () => {
    const grant = ['integration-user', 'grant', '-u', USER, '-p', 'Account_Read'];
    const run = await runPlugin(grant, home);
    expect(run.exitCode).to.equal(1);
    expect(run.json.name).to.equal('NoDefaultEnvError');
    expect(run.json.message).to.equal(
      'No default environment found. Use -o or --target-org to specify an environment.'
    );
    expect(run.json.actions).to.deep.equal([
      'Set a default org for every command (--global: outside a Salesforce DX project too): sf config set target-org <alias> --global',
      'Or name the org on this command: sf integration-user grant --target-org <alias> (short: -o <alias>)',
    ]);
    const human = await runHuman(['integration-user', 'list'], home);
    expect(human.exitCode).to.equal(1);
    expect(human.stderr).to.include('sf config set target-org <alias> --global');
    expect(human.stderr).to.include('sf integration-user list --target-org <alias>');
    expect(emulator.requests).to.have.length(0);

    const set = await runSf(['config', 'set', 'target-org', 'emu', '--global', '--json'], { home });
    expect(set.exitCode, set.stderr).to.equal(0);
    const again = await runPlugin(grant, home);
    expect(again.exitCode, again.stderr).to.equal(0);
    expect(
      emulator.query<{ Id: string }>(
        `SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username = '${USER}' AND PermissionSet.Name = 'Account_Read'`
      )
    ).to.have.length(1);
  });
});
