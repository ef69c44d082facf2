import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { homeLoggedInto, projectRoot } from '../helpers/plugin.js';
import { runSf, sfEnv } from '../helpers/sf.js';

const run = promisify(execFile);
const USER = "o'brien.sync@acme.example";

/**
 * The path a user takes from the registry: the package as `npm pack` builds it (only the files
 * package.json publishes), installed into the stock sf with `sf plugins install`, which fetches its
 * dependencies from the registry, then run against the emulated org. A file missing from the
 * package, a dependency kept only in devDependencies or a stale manifest fails here.
 */
describe('packed and installed into the stock sf, as from the registry', function () {
  this.timeout(300_000);
  let emulator: Emulator;
  let home: string;

  before(async () => {
    emulator = await startEmulator({
      seed: {
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
      },
    });
    home = await homeLoggedInto(emulator);
    const packDir = await mkdtemp(path.join(tmpdir(), 'piu-pack-'));
    await run('npm', ['pack', '--pack-destination', packDir, '--silent'], { cwd: projectRoot, env: sfEnv(home) });
    const [tarball] = (await readdir(packDir)).filter((f) => f.endsWith('.tgz'));
    const source = `file:${path.join(packDir, tarball)}`;
    // sf asks before installing a plugin Salesforce didn't sign, unless its name is allow-listed.
    await mkdir(path.join(home, '.config', 'sf'), { recursive: true });
    await writeFile(path.join(home, '.config', 'sf', 'unsignedPluginAllowList.json'), JSON.stringify([source]));
    const installed = await runSf(['plugins', 'install', source], { home });
    expect(installed.exitCode, installed.stderr).to.equal(0);
  });
  after(() => emulator?.stop());

  it('sf finds the command in the installed plugin, not a link to this checkout', async () => {
    const which = await runSf(['which', 'integration-user', 'list', '--json'], { home });
    expect(which.exitCode, which.stderr).to.equal(0);
    expect(which.json).to.deep.equal({ plugin: 'plugin-integration-user' });
    const plugins = await runSf(['plugins', '--json'], { home });
    const ours = (plugins.json as Array<{ name: string; type: string; root: string }>).find(
      (p) => p.name === 'plugin-integration-user'
    );
    expect(ours?.type).to.equal('user');
    expect(ours?.root.startsWith(projectRoot)).to.equal(false);
  });

  it('sf integration-user list --json works against the emulated org', async () => {
    const listed = await runSf(['integration-user', 'list', '-o', 'emu', '--json'], { home });
    expect(listed.exitCode, listed.stderr).to.equal(0);
    const result = (listed.json as { result: { seats: unknown; users: Array<{ username: string; psl: boolean }> } })
      .result;
    expect(result.seats).to.deep.equal({
      userLicense: { total: 5, used: 1, free: 4 },
      permissionSetLicense: { total: 5, used: 1, free: 4 },
    });
    expect(result.users.map((u) => [u.username, u.psl])).to.deep.equal([[USER, true]]);
  });
});
