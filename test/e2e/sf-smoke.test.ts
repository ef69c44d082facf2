import { expect } from 'chai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { homeLoggedInto, projectRoot, writesSince } from '../helpers/plugin.js';
import { runSf } from '../helpers/sf.js';

describe('smoke: the plugin linked into the real sf', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let home: string;

  before(async () => {
    emulator = await startEmulator({ seed: {} });
    home = await homeLoggedInto(emulator);
    const link = await runSf(['plugins', 'link', projectRoot, '--no-install'], { home });
    expect(link.exitCode, link.stderr).to.equal(0);
  });
  after(() => emulator?.stop());

  it('sf knows the command from this plugin', async () => {
    const which = await runSf(['which', 'integration-user', 'create', '--json'], { home });
    expect(which.exitCode, which.stderr).to.equal(0);
    expect((which.json as { plugin?: string } | undefined)?.plugin).to.equal('plugin-integration-user');
  });

  it('sf integration-user create and assign-psl --json work against the emulated org', async () => {
    const created = await runSf(
      [
        'integration-user',
        'create',
        '-n',
        'Smoke Sync',
        '-e',
        'it@acme.example',
        '-u',
        'smoke@acme.example',
        '-o',
        'emu',
        '--json',
      ],
      { home }
    );
    expect(created.exitCode, created.stderr).to.equal(0);
    expect((created.json as { result?: object } | undefined)?.result).to.include({
      username: 'smoke@acme.example',
      status: 'created',
      created: true,
    });

    const assigned = await runSf(
      ['integration-user', 'assign-psl', '-u', 'smoke@acme.example', '-o', 'emu', '--json'],
      { home }
    );
    expect(assigned.exitCode, assigned.stderr).to.equal(0);
    expect((assigned.json as { result?: object } | undefined)?.result).to.include({
      username: 'smoke@acme.example',
      status: 'assigned',
      assigned: true,
    });

    expect(
      emulator.query("SELECT Id FROM PermissionSetLicenseAssign WHERE Assignee.Username = 'smoke@acme.example'")
    ).to.have.length(1);
    // The user, its profile's own permission set assignment (Salesforce adds it), and the PSL assignment.
    expect(writesSince(emulator)).to.equal(3);
  });
});
