/**
 * `npm run bench`: figures anyone can rerun, measured on this machine, never asserted in tests.
 * Start-up: `sf integration-user create --help` against `sf org assign permsetlicense --help`,
 * both through the real sf with this plugin linked, in a throw-away HOME. Prints a table and
 * writes it as JSON to bench-results/latest.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.env.BENCH_RUNS ?? 7);
const home = mkdtempSync(path.join(tmpdir(), 'integration-user-bench-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  HOME: home,
  USERPROFILE: home,
  SF_DISABLE_AUTOUPDATE: 'true',
  SF_DISABLE_TELEMETRY: 'true',
  SF_SKIP_NEW_VERSION_CHECK: 'true',
  SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
  OCLIF_DISABLE_LINKED_ESM_WARNING: 'true',
  SF_DISABLE_DNS_CHECK: 'true',
};

function sf(args: string[]): number {
  const started = process.hrtime.bigint();
  const run = spawnSync('sf', args, { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`sf ${args.join(' ')} failed: ${run.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  sf(['plugins', 'link', root, '--no-install']);
  // One warm-up each, then alternate so both see the same machine load.
  sf(['integration-user', 'create', '--help']);
  sf(['org', 'assign', 'permsetlicense', '--help']);
  const plugin: number[] = [];
  const stock: number[] = [];
  for (let i = 0; i < runs; i++) {
    plugin.push(sf(['integration-user', 'create', '--help']));
    stock.push(sf(['org', 'assign', 'permsetlicense', '--help']));
  }
  const rows = [
    { measure: 'start-up: sf integration-user create --help', medianMs: Math.round(median(plugin)) },
    { measure: 'start-up: sf org assign permsetlicense --help', medianMs: Math.round(median(stock)) },
  ];
  const ratio = Math.round((median(plugin) / median(stock)) * 100) / 100;
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  console.log(`Start-up, median of ${runs} runs (${machine}):`);
  for (const row of rows) console.log(`  ${row.measure.padEnd(50)} ${row.medianMs} ms`);
  console.log(`  ratio plugin / stock: ${ratio}`);
  mkdirSync(path.join(root, 'bench-results'), { recursive: true });
  writeFileSync(path.join(root, 'bench-results', 'latest.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, runs, rows, ratio }, null, 2)}\n`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
