/**
 * `npm run bench`: figures anyone can rerun on their machine; never asserted in tests.
 *
 * 1. The whole procedure for one integration user, (a) with this plugin's five commands and
 *    (c) with the stock sf commands a user chains today, each on a fresh emulated org: requests
 *    to the org (from the emulator's log) and wall time (median of BENCH_RUNS runs).
 * 2. Start-up: `sf integration-user create --help` against `sf org assign permsetlicense --help`.
 * 3. Growth: requests of grant with 1 / 20 / 200 sets and a generated set with 10 / 100 / 500
 *    object permissions, and of verify's access matrix over 500 objects.
 * 4. Large orgs (scripts/bench-large.ts): list and list --candidates on generated orgs of 1,000 / 10,000 / 50,000
 *    users, grant of 200 sets among 5,000, verify among 1,000 apps: requests beside their formula, wall time, peak
 *    memory of the command's process. BENCH_GROWTH_ONLY=1 runs this part alone (the JSON's other keys stay).
 * Prints a table and writes it as JSON to bench-results/latest.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator, type Seed } from '../test/emulator/index.js';
import { makeHome, runSf, writeAuthFile } from '../test/helpers/sf.js';
import { makeKeyPair } from '../test/helpers/keys.js';
import { largeOrgs, printLargeOrgs } from './bench-large.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const keys = makeKeyPair('bench');
const USER = 'bench-sync@acme.example';
const PROFILE = 'Minimum Access - API Only Integrations';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function procedureSeed(): Seed {
  return {
    records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
    permissionSets: [{ name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } }],
    // Admin-approved already, so both ways do the same pre-authorization: list the integration profile.
    connectedApps: [
      {
        name: 'Bench_Sync',
        label: 'Bench Sync',
        consumerKey: 'BENCHSYNCKEY1',
        certificate: keys.certificate,
        adminApproved: true,
        profiles: [],
        permissionSets: [],
      },
    ],
  };
}

/** A fresh org, a HOME logged into it as `emu`, with this plugin linked into the real sf. */
async function freshOrg(seed: Seed, link: boolean): Promise<{ emulator: Emulator; home: string }> {
  const emulator = await startEmulator({ seed });
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
  if (link) await sfOk(home, ['plugins', 'link', root, '--no-install']);
  emulator.clearRequests();
  return { emulator, home };
}

async function sfOk(home: string, args: string[]): Promise<Record<string, unknown>> {
  const run = await runSf(args, { home });
  if (run.exitCode !== 0)
    throw new Error(`sf ${args.slice(0, 3).join(' ')} failed (${run.exitCode}): ${run.stderr || run.stdout}`);
  return (run.json ?? {}) as Record<string, unknown>;
}

type Way = { name: string; steps: (home: string, emulator: Emulator) => Promise<void> };

const pluginWay: Way = {
  name: '(a) plugin: create, assign-psl, grant, preauthorize, verify',
  steps: async (home) => {
    await sfOk(home, [
      'integration-user',
      'create',
      '-n',
      'Bench Sync',
      '-e',
      'it@acme.example',
      '-u',
      USER,
      '-o',
      'emu',
      '--json',
    ]);
    await sfOk(home, ['integration-user', 'assign-psl', '-u', USER, '-o', 'emu', '--json']);
    await sfOk(home, ['integration-user', 'grant', '-u', USER, '-p', 'Account_Read', '-o', 'emu', '--json']);
    await sfOk(home, ['integration-user', 'preauthorize', '--app', 'Bench_Sync', '-o', 'emu', '--json']);
    await sfOk(home, [
      'integration-user',
      'verify',
      '-u',
      USER,
      '--app',
      'Bench_Sync',
      '--client-id',
      'BENCHSYNCKEY1',
      '--jwt-key-file',
      keys.keyFile,
      '-o',
      'emu',
      '--json',
    ]);
  },
};

const setupWay: Way = {
  name: '(b) plugin: setup from a spec file (the same five steps)',
  steps: async (home) => {
    const spec = path.join(mkdtempSync(path.join(tmpdir(), 'bench-spec-')), 'spec.json');
    const user = {
      name: 'Bench Sync',
      email: 'it@acme.example',
      username: USER,
      permissionSets: ['Account_Read'],
      app: { name: 'Bench_Sync' },
    };
    writeFileSync(
      spec,
      JSON.stringify({ users: [{ ...user, verify: { clientId: 'BENCHSYNCKEY1', jwtKeyFile: keys.keyFile } }] })
    );
    await sfOk(home, ['integration-user', 'setup', '--spec', spec, '-o', 'emu', '--json']);
  },
};

const stockWay: Way = {
  name: '(c) stock sf: query, data create record, assign permsetlicense, assign permset, pre-authorize, login jwt, query',
  steps: async (home, emulator) => {
    const records = async (soql: string): Promise<Array<Record<string, string>>> =>
      (
        (await sfOk(home, ['data', 'query', '-q', soql, '-o', 'emu', '--json'])).result as {
          records: Array<Record<string, string>>;
        }
      ).records;
    const [profile] = await records(`SELECT Id FROM Profile WHERE Name = '${PROFILE}'`);
    await sfOk(home, [
      'data',
      'create',
      'record',
      '-s',
      'User',
      '-o',
      'emu',
      '--json',
      '-v',
      `Username=${USER} LastName='Bench Sync' Email=it@acme.example Alias=benchsyn TimeZoneSidKey=America/Los_Angeles LocaleSidKey=en_US EmailEncodingKey=UTF-8 LanguageLocaleKey=en_US ProfileId=${profile.Id}`,
    ]);
    await sfOk(home, [
      'org',
      'assign',
      'permsetlicense',
      '-n',
      'SalesforceAPIIntegrationPsl',
      '-b',
      USER,
      '-o',
      'emu',
      '--json',
    ]);
    await sfOk(home, ['org', 'assign', 'permset', '-n', 'Account_Read', '-b', USER, '-o', 'emu', '--json']);
    // The closest stock pre-authorization: a SetupEntityAccess row under the profile's own set.
    const [profileSet] = await records(
      `SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true AND Profile.Name = '${PROFILE}'`
    );
    // ConnectedApplication.Name is the app's label, so the stock way looks the app up by its label.
    const [app] = await records("SELECT Id FROM ConnectedApplication WHERE Name = 'Bench Sync'");
    await sfOk(home, [
      'data',
      'create',
      'record',
      '-s',
      'SetupEntityAccess',
      '-v',
      `ParentId=${profileSet.Id} SetupEntityId=${app.Id}`,
      '-o',
      'emu',
      '--json',
    ]);
    await sfOk(home, [
      'org',
      'login',
      'jwt',
      '--username',
      USER,
      '--jwt-key-file',
      keys.keyFile,
      '--client-id',
      'BENCHSYNCKEY1',
      '--instance-url',
      emulator.instanceUrl,
      '--alias',
      'int',
      '--json',
    ]);
    await sfOk(home, ['data', 'query', '-q', 'SELECT Id, Name FROM Account LIMIT 10', '-o', 'int', '--json']);
  },
};

async function measure(way: Way): Promise<{ way: string; requests: number; medianMs: number }> {
  const times: number[] = [];
  let requests = 0;
  for (let i = 0; i < runs; i++) {
    const { emulator, home } = await freshOrg(procedureSeed(), way !== stockWay);
    const started = process.hrtime.bigint();
    try {
      await way.steps(home, emulator);
    } finally {
      await emulator.stop();
    }
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    requests = emulator.requests.length;
  }
  return { way: way.name, requests, medianMs: Math.round(median(times)) };
}

async function startup(): Promise<{ plugin: number; stock: number }> {
  const { emulator, home } = await freshOrg({}, true);
  await emulator.stop();
  const timed = async (args: string[]): Promise<number> => {
    const started = process.hrtime.bigint();
    await sfOk(home, args);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const plugin: number[] = [];
  const stock: number[] = [];
  for (let i = 0; i < Math.max(runs, 5); i++) {
    plugin.push(await timed(['integration-user', 'create', '--help']));
    stock.push(await timed(['org', 'assign', 'permsetlicense', '--help']));
  }
  return { plugin: Math.round(median(plugin)), stock: Math.round(median(stock)) };
}

/** Requests the plugin sends as the work grows (bin/run.js; the count, not the time, is the figure). */
async function growth(): Promise<Array<{ case: string; size: number; requests: number }>> {
  const objects = (n: number): string[] => Array.from({ length: n }, (_, i) => `Bench${i + 1}__c`);
  const seedFor = (n: number): Seed => ({
    objects: Object.fromEntries(objects(n).map((o) => [o, {}])),
    users: [
      {
        username: 'admin@emu.example',
        lastName: 'Admin',
        email: 'admin@emu.example',
        profile: 'System Administrator',
        active: true,
      },
      {
        username: USER,
        lastName: 'Bench Sync',
        email: 'it@acme.example',
        profile: PROFILE,
        active: true,
        permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
      },
    ],
    permissionSets: objects(n).map((o, i) => ({
      name: `Bench_Set_${i + 1}`,
      label: `Bench Set ${i + 1}`,
      license: null,
      objects: { [o]: ['read'] },
    })),
  });
  const rows: Array<{ case: string; size: number; requests: number }> = [];
  const count = async (
    label: string,
    size: number,
    args: (n: number) => string[],
    before?: (home: string) => Promise<void>
  ): Promise<void> => {
    const { emulator, home } = await freshOrg(seedFor(size), true);
    try {
      if (before) {
        await before(home);
        emulator.clearRequests();
      }
      await sfOk(home, ['integration-user', ...args(size), '-o', 'emu', '--json']);
      rows.push({ case: label, size, requests: emulator.requests.length });
    } finally {
      await emulator.stop();
    }
  };
  for (const n of [1, 20, 200])
    await count('grant: named permission sets', n, (k) => [
      'grant',
      '-u',
      USER,
      ...Array.from({ length: k }, (_, i) => ['-p', `Bench_Set_${i + 1}`]).flat(),
    ]);
  for (const n of [10, 100, 500])
    await count('grant: generated set, object permissions', n, (k) => [
      'grant',
      '-u',
      USER,
      ...objects(k).flatMap((o) => ['--object', `${o}:read`]),
    ]);
  await count(
    'verify: access matrix, objects',
    500,
    () => ['verify', '-u', USER],
    async (home) => {
      await sfOk(home, [
        'integration-user',
        'grant',
        '-u',
        USER,
        ...objects(500).flatMap((o) => ['--object', `${o}:read`]),
        '-o',
        'emu',
        '--json',
      ]);
    }
  );
  return rows;
}

const machine = `${cpus().length} x ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}`;
const latest = path.join(root, 'bench-results', 'latest.json');
if (process.env.BENCH_GROWTH_ONLY === '1') {
  // The large-org part alone: its key replaced, the others kept.
  const rows = await largeOrgs(root);
  printLargeOrgs(rows);
  const kept = existsSync(latest) ? (JSON.parse(readFileSync(latest, 'utf8')) as Record<string, unknown>) : {};
  const largeOrgsKey = { date: new Date().toISOString(), machine, rows };
  writeFileSync(latest, `${JSON.stringify({ ...kept, largeOrgs: largeOrgsKey }, null, 2)}\n`);
  console.log('\nWritten to bench-results/latest.json (largeOrgs; the other keys kept)');
  process.exit(0);
}
const plugin = await measure(pluginWay);
const viaSetup = await measure(setupWay);
const stock = await measure(stockWay);
const start = await startup();
const grow = await growth();
const large = await largeOrgs(root);

const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
console.log(`\nWhole procedure for one integration user, median of ${runs} runs on ${machine}:`);
for (const row of [plugin, viaSetup, stock])
  console.log(`  ${row.way}\n      requests ${row.requests}, wall ${row.medianMs} ms`);
console.log(
  `  plugin / stock: requests ${ratio(plugin.requests, stock.requests)}, wall ${ratio(plugin.medianMs, stock.medianMs)}`
);
console.log(
  `  setup / stock: requests ${ratio(viaSetup.requests, stock.requests)}, wall ${ratio(viaSetup.medianMs, stock.medianMs)}`
);
console.log(
  `\nStart-up (median): sf integration-user create --help ${start.plugin} ms, sf org assign permsetlicense --help ${start.stock} ms, ratio ${ratio(start.plugin, start.stock)}`
);
console.log('\nGrowth (requests to the org):');
for (const row of grow) console.log(`  ${row.case.padEnd(45)} ${String(row.size).padStart(4)}: ${row.requests}`);
printLargeOrgs(large);

mkdirSync(path.join(root, 'bench-results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench-results', 'latest.json'),
  `${JSON.stringify({ date: new Date().toISOString(), machine, runs, procedure: { plugin, setup: viaSetup, stock, ratio: { requests: ratio(plugin.requests, stock.requests), wall: ratio(plugin.medianMs, stock.medianMs) }, setupRatio: { requests: ratio(viaSetup.requests, stock.requests), wall: ratio(viaSetup.medianMs, stock.medianMs) } }, startup: { ...start, ratio: ratio(start.plugin, start.stock) }, growth: grow, largeOrgs: { date: new Date().toISOString(), machine, rows: large } }, null, 2)}\n`
);
console.log('\nWritten to bench-results/latest.json');
