/**
 * `npm run demo`: the whole procedure against the bundled org emulator, as an admin would type
 * it. Starts the emulator, logs the stock `sf` into it from a throw-away HOME, links this plugin
 * into that `sf`, runs the plugin's commands, shows the org afterwards, then stops everything it
 * started (by PID) and removes the HOME.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sfEnv } from '../test/helpers/sf.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const home = mkdtempSync(path.join(tmpdir(), 'integration-user-demo-'));
const requestLog = path.join(home, 'requests.jsonl');
const env = sfEnv(home);
let emulator: ChildProcess | undefined;

function cleanUp(): void {
  if (emulator?.pid && emulator.exitCode === null) emulator.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

const heading = (text: string): void => console.log(`\n\x1b[1m== ${text}\x1b[0m`);

/** Runs one `sf` command line, shown as typed, its output indented; stops the demo if it fails. */
function sf(args: string[], shown = args, extraEnv: NodeJS.ProcessEnv = {}): string {
  console.log(
    `\x1b[36m$ sf ${shown.map((a) => (/[\s"'=(]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)).join(' ')}\x1b[0m`
  );
  const run = spawnSync('sf', args, { cwd: root, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  // Spinner lines ("Inspecting the org... done") are progress, not results.
  const notes = run.stderr
    .split('\n')
    .filter((line) => !/\.\.\. done$/.test(line))
    .join('\n');
  const output = `${run.stdout}${notes}`.replace(/\s+$/, '');
  if (output) console.log(output.replace(/^/gm, '  '));
  if (run.status !== 0) throw new Error(`sf ${args[0]} ${args[1] ?? ''} exited with ${run.status}`);
  return run.stdout;
}

type EmulatorLine = { instanceUrl: string; username: string; accessToken: string };

function startEmulator(): Promise<EmulatorLine> {
  const seed = path.join(root, 'scripts', 'demo-seed.json');
  const child = spawn(
    process.execPath,
    [path.join(root, 'build', 'test', 'emulator', 'cli.js'), '--seed', seed, '--request-log', requestLog],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    }
  );
  emulator = child;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as EmulatorLine));
  });
}

function requestsLogged(): Array<{ method: string; writes: number }> {
  const lines = readFileSync(requestLog, 'utf8').trim().split('\n').filter(Boolean);
  return lines.map((line) => JSON.parse(line) as { method: string; writes: number });
}

async function main(): Promise<void> {
  heading('1. Start the emulated org (test/emulator, seed scripts/demo-seed.json)');
  const org = await startEmulator();
  console.log(`  listening on ${org.instanceUrl}, pid ${emulator?.pid}; sf runs with HOME=${home}`);

  heading('2. Log the stock sf into it, and link this plugin into that sf');
  sf(['org', 'login', 'access-token', '--instance-url', org.instanceUrl, '--alias', 'acme', '--no-prompt'], undefined, {
    SF_ACCESS_TOKEN: org.accessToken,
  });
  sf(['plugins', 'link', root, '--no-install'], ['plugins', 'link', '.', '--no-install']);

  heading('3. Create the integration user on the free Salesforce Integration license');
  const created = sf([
    'integration-user',
    'create',
    '--name',
    'Acme Sync',
    '--email',
    'it-integrations@acme.example',
    '--target-org',
    'acme',
  ]);
  const username = /Created integration user (\S+)\./.exec(created)?.[1] ?? '';

  heading('4. Give it the Salesforce API Integration permission set license');
  sf(['integration-user', 'assign-psl', '--username', username, '--target-org', 'acme']);

  heading('5. Grant exactly the access it needs: a generated least-privilege set (License --None--)');
  sf([
    'integration-user',
    'grant',
    '--username',
    username,
    '--object',
    'Account:read',
    '--field',
    'Account.Industry:read',
    '--target-org',
    'acme',
  ]);

  heading('6. Create an External Client App for the JWT bearer flow that pre-authorizes the integration profile');
  const keyFile = path.join(home, 'server.key');
  const certFile = path.join(home, 'server.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '365',
      '-subj',
      '/CN=acme-sync',
    ],
    { stdio: 'ignore' }
  );
  console.log(`  (made a key pair for the demo: ${certFile} and its private key)`);
  const app = JSON.parse(
    sf(
      [
        'integration-user',
        'preauthorize',
        '--app',
        'Acme_Sync',
        '--create',
        '--certificate-file',
        certFile,
        '--contact-email',
        'it-integrations@acme.example',
        '--target-org',
        'acme',
        '--json',
      ],
      [
        'integration-user',
        'preauthorize',
        '--app',
        'Acme_Sync',
        '--create',
        '--certificate-file',
        'server.crt',
        '--contact-email',
        'it-integrations@acme.example',
        '--target-org',
        'acme',
        '--json',
      ]
    )
  ) as { result: { consumerKey: string } };
  const clientId = app.result.consumerKey;

  heading('7. Verify: every step checked, then a JWT login as the user and a query');
  sf(
    [
      'integration-user',
      'verify',
      '--username',
      username,
      '--app',
      'Acme_Sync',
      '--client-id',
      clientId,
      '--jwt-key-file',
      keyFile,
      '--target-org',
      'acme',
    ],
    [
      'integration-user',
      'verify',
      '--username',
      username,
      '--app',
      'Acme_Sync',
      '--client-id',
      clientId,
      '--jwt-key-file',
      'server.key',
      '--target-org',
      'acme',
    ]
  );

  heading('8. The same login and query with the stock sf, as the setup guide does it');
  sf(
    [
      'org',
      'login',
      'jwt',
      '--username',
      username,
      '--jwt-key-file',
      keyFile,
      '--client-id',
      clientId,
      '--instance-url',
      org.instanceUrl,
      '--alias',
      'acme-sync',
    ],
    [
      'org',
      'login',
      'jwt',
      '--username',
      username,
      '--jwt-key-file',
      'server.key',
      '--client-id',
      clientId,
      '--instance-url',
      org.instanceUrl,
      '--alias',
      'acme-sync',
    ]
  );
  sf(['data', 'query', '--query', 'SELECT Id, Name FROM Account LIMIT 10', '--target-org', 'acme-sync']);

  heading('8b. The client credentials flow: the pipeline app Ledger_Feed runs as the integration user');
  sf(['integration-user', 'preauthorize', '--app', 'Ledger_Feed', '--run-as', username, '--target-org', 'acme']);
  // The consumer secret reaches verify only through the environment (an admin copied it from Setup), never a flag.
  console.log('  (the consumer secret of Ledger_Feed is in the environment variable LEDGER_FEED_SECRET)');
  sf(
    [
      'integration-user',
      'verify',
      '--username',
      username,
      '--app',
      'Ledger_Feed',
      '--flow',
      'client-credentials',
      '--client-id',
      'LEDGERFEEDKEY1',
      '--client-secret-env',
      'LEDGER_FEED_SECRET',
      '--target-org',
      'acme',
    ],
    undefined,
    { LEDGER_FEED_SECRET: 'DEMOLEDGERFEEDSECRET0001' }
  );

  heading('9. Run every step again: a re-run changes nothing');
  const before = requestsLogged().length;
  sf([
    'integration-user',
    'create',
    '--name',
    'Acme Sync',
    '--email',
    'it-integrations@acme.example',
    '--target-org',
    'acme',
  ]);
  sf(['integration-user', 'assign-psl', '--username', username, '--target-org', 'acme']);
  sf([
    'integration-user',
    'grant',
    '--username',
    username,
    '--object',
    'Account:read',
    '--field',
    'Account.Industry:read',
    '--target-org',
    'acme',
  ]);
  sf(['integration-user', 'preauthorize', '--app', 'Acme_Sync', '--target-org', 'acme']);
  const rerunWrites = requestsLogged()
    .slice(before)
    .reduce((sum, r) => sum + r.writes, 0);
  console.log(`  records written by the re-run: ${rerunWrites}`);

  heading('10. A second integration user as a pipeline makes it: setup from a spec file, planned first');
  const spec = path.join(home, 'integration-users.yaml');
  writeFileSync(
    spec,
    [
      'users:',
      '  - name: Billing Export',
      '    email: it-integrations@acme.example',
      '    objects: ["Account:read"]',
      '    app: { name: Acme_Sync }',
      '    verify:',
      `      clientId: ${clientId}`,
      '      jwtKeyFile: server.key',
      '',
    ].join('\n')
  );
  console.log(`  (wrote ${spec})`);
  sf(
    ['integration-user', 'setup', '--spec', spec, '--target-org', 'acme', '--dry-run'],
    ['integration-user', 'setup', '--spec', 'integration-users.yaml', '--target-org', 'acme', '--dry-run']
  );
  const beforeSetup = requestsLogged().length;
  sf(
    ['integration-user', 'setup', '--spec', spec, '--target-org', 'acme'],
    ['integration-user', 'setup', '--spec', 'integration-users.yaml', '--target-org', 'acme']
  );
  console.log(
    `  requests for the whole setup of this user, verify and its JWT login included: ${requestsLogged().length - beforeSetup}`
  );

  heading('11. The license audit: seats, and every integration user with its PSL, sets, apps and last login');
  sf(['integration-user', 'list', '--target-org', 'acme']);

  heading('12. The org afterwards, read back with the stock sf');
  sf([
    'data',
    'query',
    '--target-org',
    'acme',
    '--query',
    "SELECT Username, Alias, Profile.Name, IsActive FROM User WHERE Profile.UserLicense.Name = 'Salesforce Integration'",
  ]);
  sf([
    'data',
    'query',
    '--target-org',
    'acme',
    '--query',
    "SELECT Name, TotalLicenses, UsedLicenses FROM UserLicense WHERE Name = 'Salesforce Integration'",
  ]);

  const log = requestsLogged();
  heading('Done');
  console.log(
    `  the org served ${log.length} requests; ${log.filter((r) => r.writes > 0).length} of them wrote ${log.reduce((s, r) => s + r.writes, 0)} records`
  );
}

main()
  .then(() => {
    cleanUp();
    console.log(`  stopped the emulator (pid ${emulator?.pid}) and removed ${home}`);
  })
  .catch((error: Error) => {
    console.error(`\ndemo failed: ${error.message}`);
    cleanUp();
    process.exitCode = 1;
  });
