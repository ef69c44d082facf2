import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { homeLoggedInto, projectRoot } from '../helpers/plugin.js';
import { checkContract } from '../helpers/contract.js';
import { makeKeyPair } from '../helpers/keys.js';
import { sfEnv } from '../helpers/sf.js';

const keys = makeKeyPair('secrets');
const seed: Seed = {
  records: { Account: [{ Name: 'Acme' }] },
  // The org hands out consumer secrets through the Metadata API: any retrieve of OAuth settings would carry one.
  behaviour: { ecaConsumerSecretsInMetadata: true },
  externalClientApps: [
    {
      name: 'Acme_Sync',
      label: 'Acme Sync',
      consumerKey: 'ACMESYNCKEY1',
      certificate: keys.certificate,
      permittedUsers: 'AllSelfAuthorized',
      profiles: [],
      permissionSets: [],
    },
  ],
  connectedApps: [
    {
      name: 'Legacy_Sync',
      label: 'Legacy Sync',
      consumerKey: 'LEGACYSYNCKEY1',
      certificate: keys.certificate,
      adminApproved: false,
      profiles: [],
      permissionSets: [],
    },
  ],
};

type Run = { args: string[]; exitCode: number; stdout: string; stderr: string };

/** bin/run.js as a user types it (with or without --json), in the isolated HOME, with extra environment. */
function runCli(args: string[], home: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'run.js'), ...args], {
      cwd: home,
      env: { ...sfEnv(home), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (args.includes('--json')) checkContract(args, JSON.parse(stdout) as Record<string, unknown>);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      resolve({ args, exitCode: code ?? -1, stdout, stderr });
    });
  });
}

/** Every file under a directory, recursively, by path relative to it. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return new Map(
    await Promise.all(
      files.map(async (file) => [path.relative(dir, file), await readFile(file, 'utf8')] as [string, string])
    )
  );
}

describe('secrets: no access token, private key or consumer secret in any output, file or process argument of a full procedure', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let home: string;
  const runs: Run[] = [];
  after(() => emulator?.stop());

  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
    const acmeSecret = emulator.secrets().consumerSecrets.find((c) => c.app === 'Acme_Sync')?.secret ?? '';
    const step = async (args: string[], env?: Record<string, string>): Promise<Run> => {
      const run = await runCli([...args, '-o', 'emu'], home, { ACME_SYNC_SECRET: acmeSecret, ...env });
      runs.push(run);
      expect(run.exitCode, `${args.join(' ')}\n${run.stdout}\n${run.stderr}`).to.equal(0);
      return run;
    };
    const json = (run: Run): Record<string, unknown> =>
      (JSON.parse(run.stdout) as { result: Record<string, unknown> }).result;

    // The procedure as a pipeline runs it, with --json.
    const username = json(
      await step(['integration-user', 'create', '-n', 'Acme Sync', '-e', 'it@acme.example', '--json'])
    ).username as string;
    const procedure = (mode: string[], consumerKey?: string): string[][] => [
      ['integration-user', 'create', '-n', 'Acme Sync', '-e', 'it@acme.example', ...mode],
      ['integration-user', 'assign-psl', '-u', username, ...mode],
      ['integration-user', 'grant', '-u', username, '--object', 'Account:read', ...mode],
      [
        'integration-user',
        'preauthorize',
        '--app',
        'New_Sync',
        '--create',
        '--certificate-file',
        keys.certFile,
        '--contact-email',
        'it@acme.example',
        '-p',
        'Acme_Sync_Integration',
        '-u',
        username,
        ...mode,
      ],
      // The client credentials flow: Acme_Sync runs as the user, and verify logs in with its consumer secret, which
      // reaches the process only through the environment (ACME_SYNC_SECRET), never its arguments.
      ['integration-user', 'preauthorize', '--app', 'Acme_Sync', '--run-as', username, ...mode],
      [
        'integration-user',
        'verify',
        '-u',
        username,
        '--app',
        'Acme_Sync',
        '--flow',
        'client-credentials',
        '--client-id',
        'ACMESYNCKEY1',
        '--client-secret-env',
        'ACME_SYNC_SECRET',
        ...mode,
      ],
      ['integration-user', 'preauthorize', '--app', 'Legacy_Sync', '--no-prompt', ...mode],
      ...(consumerKey
        ? [
            [
              'integration-user',
              'verify',
              '-u',
              username,
              '--app',
              'New_Sync',
              '--client-id',
              consumerKey,
              '--jwt-key-file',
              keys.keyFile,
              '--login-url',
              emulator.instanceUrl,
              ...mode,
            ],
          ]
        : []),
    ];
    let consumerKey: string | undefined;
    for (const args of procedure(['--json']).slice(1)) {
      const result = json(await step(args));
      consumerKey ??= result.consumerKey as string | undefined;
      if (args.includes('client-credentials'))
        expect(
          (result.checks as Array<{ name: string; status: string }>).map((c) => `${c.name}:${c.status}`)
        ).to.include.members(['run-as:pass', 'client-credentials-login:pass', 'query:pass', 'identity:pass']);
    }
    expect(consumerKey).to.match(/^3MVG/);
    const verified = json(await step(procedure(['--json'], consumerKey).at(-1) as string[]));
    expect(
      (verified.checks as Array<{ name: string; status: string }>).map((c) => `${c.name}:${c.status}`)
    ).to.include.members(['jwt-login:pass', 'query:pass', 'identity:pass']);
    // Then as a person types it, every step again, with sf's own log at its most talkative.
    for (const args of procedure([], consumerKey)) await step(args, { SF_LOG_LEVEL: 'trace' });
    // And the whole procedure from a spec file, for a second user, with its JWT login: as JSON and as a person reads it.
    const spec = path.join(home, 'spec.json');
    await writeFile(
      spec,
      JSON.stringify({
        users: [
          {
            name: 'Ledger Feed',
            email: 'it@acme.example',
            objects: ['Account:read'],
            app: { name: 'New_Sync' },
            verify: { clientId: consumerKey, jwtKeyFile: keys.keyFile, loginUrl: emulator.instanceUrl },
          },
        ],
      })
    );
    const setup = json(await step(['integration-user', 'setup', '--spec', spec, '--json'])) as {
      users: Array<{ verify?: { checks: Array<{ name: string; status: string }> } }>;
    };
    expect(setup.users[0].verify?.checks.find((c) => c.name === 'jwt-login')?.status).to.equal('pass');
    await step(['integration-user', 'setup', '--spec', spec], { SF_LOG_LEVEL: 'trace' });
  });

  it('the emulator issued sessions and holds consumer secrets, so the scan has something to find', () => {
    // The admin's, and one for each verify and setup (JSON and human): the JWT and client credentials logins.
    const { accessTokens, consumerSecrets } = emulator.secrets();
    expect(accessTokens).to.have.length(7);
    expect(consumerSecrets.map((s) => s.app)).to.deep.equal(['Acme_Sync', 'New_Sync', 'Legacy_Sync']);
    expect(runs).to.have.length(18);
  });

  it('none of them is in stdout, stderr or the JSON of any run, nor in any file left in HOME', async () => {
    const tokens = emulator.secrets().accessTokens;
    const consumerSecrets = emulator.secrets().consumerSecrets.map((s) => s.secret);
    // The key's base64 body, line by line: any one of them is a leak.
    const keyLines = keys.privateKey.split('\n').filter((line) => line.length >= 40 && !line.startsWith('-----'));
    const secrets = [
      ...tokens.map((token, i) => ({
        what: token === emulator.adminAccessToken ? 'the admin access token' : `issued access token #${i}`,
        value: token,
      })),
      ...consumerSecrets.map((value, i) => ({ what: `consumer secret #${i}`, value })),
      ...keyLines.map((value, i) => ({ what: `private key line ${i + 1}`, value })),
      { what: 'a private key block', value: 'PRIVATE KEY-----' },
    ];
    const files = await filesUnder(home);
    // The test itself wrote the admin's auth file with its token (as sf login does); nothing else may hold it.
    const authFile = path.join('.sfdx', `${emulator.adminUsername}.json`);
    expect([...files.keys()]).to.include(authFile);
    // sf's own log, written at trace level by the human runs, is scanned too.
    expect(
      [...files.keys()].some((file) => /\.sf\/sf-.*\.log$/.test(file)),
      [...files.keys()].join(', ')
    ).to.equal(true);

    const leaks: string[] = [];
    // A consumer secret must not be a process argument either (shell history, process lists).
    for (const [i, value] of consumerSecrets.entries())
      for (const run of runs)
        if (run.args.some((arg) => arg.includes(value)))
          leaks.push(`consumer secret #${i} in the arguments of ${run.args.slice(0, 2).join(' ')}`);
    for (const { what, value } of secrets) {
      for (const run of runs) {
        if (run.stdout.includes(value)) leaks.push(`${what} in the stdout of ${run.args.slice(0, 2).join(' ')}`);
        if (run.stderr.includes(value)) leaks.push(`${what} in the stderr of ${run.args.slice(0, 2).join(' ')}`);
      }
      for (const [file, text] of files) {
        if (text.includes(value) && !(file === authFile && value === emulator.adminAccessToken))
          leaks.push(`${what} in ${file}`);
      }
    }
    // Anything shaped like a session of this org (<org id>!...), even one the state no longer lists.
    const tokenShape = new RegExp(`${emulator.orgId.slice(0, 15)}\\w{0,3}![A-Za-z0-9._]{20,}`, 'g');
    for (const run of runs)
      for (const match of `${run.stdout}\n${run.stderr}`.match(tokenShape) ?? [])
        leaks.push(`a token-shaped ${match.slice(0, 22)}... in the output of ${run.args.slice(0, 2).join(' ')}`);
    for (const [file, text] of files)
      if (file !== authFile)
        for (const match of text.match(tokenShape) ?? [])
          leaks.push(`a token-shaped ${match.slice(0, 22)}... in ${file}`);
    expect(leaks).to.deep.equal([]);
  });
});
