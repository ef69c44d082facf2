/**
 * The large-org part of `npm run bench` (issue 14): commands on generated orgs (the seed's generate section,
 * test/emulator/seeds/generate.ts), each run as a user runs it (bin/run.js, its own process): requests to the org
 * beside the formula the code follows (scripts/growth-formulas.ts), wall time, and the peak memory (maxRSS) of the
 * command's process, which a preload writes as the process exits. The emulator runs in this process, apart.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { plannedCandidates, startEmulator, type Emulator, type SeedGenerate } from '../test/emulator/index.js';
import { makeHome, sfEnv, writeAuthFile } from '../test/helpers/sf.js';
import { formulaText, requestFormulas } from './growth-formulas.js';

export type LargeOrgRow = {
  case: string;
  users: number;
  loginRows: number;
  /** the command's size: users read, sets granted, apps in the org */
  size: number;
  /** the plugin's requests to the org */
  requests: number;
  /** sf's own: its API-version lookup (GET /services/data), once a day per org */
  sfOwn: number;
  formula: string;
  expected: number;
  wallMs: number;
  peakRssMb: number;
  /** list --candidates: the candidates are exactly the planted ones */
  candidatesMatch?: boolean;
};

const work = mkdtempSync(path.join(tmpdir(), 'bench-large-'));
const preload = path.join(work, 'max-rss.cjs');
writeFileSync(
  preload,
  "process.on('exit', () => require('node:fs').writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n"
);

/** One command as bin/run.js, --json: its result, wall time and peak RSS (MB). */
async function runMeasured(
  root: string,
  home: string,
  args: string[]
): Promise<{ json: { status: number; result?: Record<string, unknown> }; wallMs: number; peakRssMb: number }> {
  const rssFile = path.join(work, `rss-${Date.now()}`);
  const started = process.hrtime.bigint();
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--require', preload, path.join(root, 'bin', 'run.js'), ...args, '-o', 'emu', '--json'],
      {
        cwd: home,
        env: { ...sfEnv(home), BENCH_RSS_FILE: rssFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    // verify exits 1 when a check fails: still a measured run, its JSON on stdout.
    child.on('close', (code) =>
      code === 0 || (code === 1 && out.trim().startsWith('{'))
        ? resolve(out)
        : reject(new Error(`${args.join(' ')} exit ${code}: ${out}${err}`))
    );
  });
  const wallMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  const peakRssMb = Math.round(Number(readFileSync(rssFile, 'utf8')) / 1024);
  return { json: JSON.parse(stdout) as { status: number; result?: Record<string, unknown> }, wallMs, peakRssMb };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function orgOf(generate: SeedGenerate): Promise<{ emulator: Emulator; home: string }> {
  const emulator = await startEmulator({ seed: { generate } });
  const home = await makeHome();
  await writeAuthFile(
    home,
    {
      instanceUrl: emulator.instanceUrl,
      username: emulator.adminUsername,
      accessToken: emulator.adminAccessToken,
      orgId: emulator.orgId,
    },
    'emu'
  );
  return { emulator, home };
}

/** The plugin's requests since the log was cleared, and sf's own version lookups apart. */
function counted(emulator: Emulator): { requests: number; sfOwn: number } {
  const sfOwn = emulator.requests.filter((r) => r.method === 'GET' && /^\/services\/data\/?$/.test(r.path)).length;
  return { requests: emulator.requests.length - sfOwn, sfOwn };
}

/** Active full-license users: the users list --candidates reads. */
function fullLicenseUsers(emulator: Emulator): number {
  return emulator.query<{ expr0: number }>(
    "SELECT COUNT(Id) FROM User WHERE IsActive = true AND UserType = 'Standard' AND Profile.UserLicense.Name != 'Salesforce Integration'"
  )[0].expr0;
}

export async function largeOrgs(root: string): Promise<LargeOrgRow[]> {
  const rows: LargeOrgRow[] = [];
  for (const [users, loginRows] of [
    [1000, 10_000],
    [10_000, 100_000],
    [50_000, 200_000],
  ]) {
    const { emulator, home } = await orgOf({
      seed: 42,
      fullLicenseUsers: users,
      loginHistoryRows: loginRows,
      integrationUsers: 5,
    });
    try {
      const read = fullLicenseUsers(emulator);
      emulator.clearRequests();
      const list = await runMeasured(root, home, ['integration-user', 'list']);
      rows.push({
        case: 'list',
        users,
        loginRows,
        size: read,
        ...counted(emulator),
        formula: formulaText.list,
        expected: requestFormulas.list({ apps: 0 }),
        wallMs: list.wallMs,
        peakRssMb: list.peakRssMb,
      });
      emulator.clearRequests();
      const candidates = await runMeasured(root, home, ['integration-user', 'list', '--candidates']);
      const found = ((candidates.json.result?.candidates ?? []) as Array<{ username: string }>).map((c) => c.username);
      const requests = counted(emulator);
      // Peak RSS counts garbage V8 hasn't collected yet, so one run's figure depends on when its collections fell:
      // the median of three runs (the requests are the first run's).
      const again = [
        candidates,
        await runMeasured(root, home, ['integration-user', 'list', '--candidates']),
        await runMeasured(root, home, ['integration-user', 'list', '--candidates']),
      ];
      rows.push({
        case: 'list --candidates',
        users,
        loginRows,
        size: read,
        ...requests,
        formula: formulaText.listCandidates,
        expected: requestFormulas.listCandidates({ users: read }),
        wallMs: median(again.map((r) => r.wallMs)),
        peakRssMb: median(again.map((r) => r.peakRssMb)),
        candidatesMatch: JSON.stringify(found) === JSON.stringify(plannedCandidates(emulator.generated!)),
      });
    } finally {
      await emulator.stop();
    }
  }
  {
    const { emulator, home } = await orgOf({
      seed: 42,
      fullLicenseUsers: 1000,
      loginHistoryRows: 10_000,
      permissionSets: 5000,
      integrationUsers: 5,
    });
    try {
      const generated = emulator.generated!;
      const user = generated.users.find((u) => u.kind === 'integration')!.username;
      const sets = generated.permissionSets
        .filter((_, i) => i % 25 === 0)
        .flatMap((s, i) => ['-p', i % 2 ? s.label : s.name]);
      emulator.clearRequests();
      const run = await runMeasured(root, home, ['integration-user', 'grant', '-u', user, ...sets]);
      rows.push({
        case: 'grant: 200 sets among 5,000',
        users: 1000,
        loginRows: 10_000,
        size: 200,
        ...counted(emulator),
        formula: formulaText.grant,
        expected: requestFormulas.grant({ sets: 200 }),
        wallMs: run.wallMs,
        peakRssMb: run.peakRssMb,
      });
    } finally {
      await emulator.stop();
    }
  }
  {
    const { emulator, home } = await orgOf({
      seed: 42,
      fullLicenseUsers: 1000,
      loginHistoryRows: 10_000,
      connectedApps: 1000,
      integrationUsers: 5,
    });
    try {
      const generated = emulator.generated!;
      const user = generated.users.find((u) => u.kind === 'integration')!.username;
      emulator.clearRequests();
      const run = await runMeasured(root, home, [
        'integration-user',
        'verify',
        '-u',
        user,
        '--app',
        generated.connectedApps[500].name,
      ]);
      rows.push({
        case: 'verify --app: among 1,000 apps',
        users: 1000,
        loginRows: 10_000,
        size: 1000,
        ...counted(emulator),
        formula: formulaText.verify,
        expected: requestFormulas.verify({ apps: 1000 }),
        wallMs: run.wallMs,
        peakRssMb: run.peakRssMb,
      });
    } finally {
      await emulator.stop();
    }
  }
  return rows;
}

export function printLargeOrgs(rows: LargeOrgRow[]): void {
  console.log('\nLarge orgs (generated; each command its own process):');
  console.log(
    "  case                             users  logins    size  requests (formula = expected) + sf's own   wall ms  peak RSS MB  candidates"
  );
  for (const r of rows) {
    const counts = `${String(r.requests).padStart(4)} (${r.formula} = ${r.expected}) + ${r.sfOwn}`;
    const match = r.candidatesMatch === undefined ? '' : r.candidatesMatch ? 'exactly the planted' : 'DIFFER';
    console.log(
      `  ${r.case.padEnd(32)} ${String(r.users).padStart(6)} ${String(r.loginRows).padStart(7)} ${String(r.size).padStart(7)}  ${counts.padEnd(44)}${String(r.wallMs).padStart(7)}  ${String(r.peakRssMb).padStart(11)}  ${match}`
    );
  }
}
