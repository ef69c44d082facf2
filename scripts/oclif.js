// Runs the oclif CLI (`manifest`, `readme`) with its update check off: that check runs in a
// detached process that reaches the registry and prints a warning into whatever runs next.
import { spawnSync } from 'node:child_process';

const run = spawnSync('oclif', process.argv.slice(2), {
  stdio: 'inherit',
  shell: process.platform === 'win32',
  env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
});
process.exit(run.status ?? 1);
