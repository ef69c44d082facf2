// The README's test run after the build: every test file once against the emulator as seeded, then the
// end-to-end tests of the commands again with the emulator at its strictest (three records a query page,
// unrelated composite subrequests run out of order), as real orgs may answer. The last line sums both
// runs: "N passed, N failed" (a skipped test counts as failed, see summary-reporter.cjs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const STRICT = JSON.stringify({ queryPageSize: 3, collateSubrequests: 'reorder' });
const runs = [
  { title: 'every test', args: [], env: {} },
  {
    title: `end-to-end under ${STRICT}`,
    args: ['--config', '.mocharc.strict.json'],
    env: { EMULATOR_BEHAVIOUR: STRICT },
  },
];

const dir = mkdtempSync(path.join(tmpdir(), 'piu-summary-'));
let passed = 0;
let failed = 0;
let status = 0;
for (const [index, run] of runs.entries()) {
  const summaryFile = path.join(dir, `run-${index}.json`);
  process.stdout.write(`\n=== ${run.title}\n`);
  const child = spawnSync('mocha', run.args, {
    stdio: 'inherit',
    env: { ...process.env, ...run.env, TEST_SUMMARY_FILE: summaryFile },
  });
  let counts;
  try {
    counts = JSON.parse(readFileSync(summaryFile, 'utf8'));
  } catch {
    counts = { passed: 0, failed: 1 }; // mocha stopped before its reporter ended
  }
  passed += counts.passed;
  failed += counts.failed;
  if (child.status !== 0) status = child.status ?? 1;
}
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(status || (failed ? 1 : 0));
