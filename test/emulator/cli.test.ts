import { spawn, ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cli.js');

interface Started {
  child: ChildProcessWithoutNullStreams;
  line: { instanceUrl: string; username: string; accessToken: string };
  stdout: () => string;
}

function startCli(args: string[], env: Record<string, string> = {}): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n'))
        resolve({ child, line: JSON.parse(out.split('\n')[0]) as Started['line'], stdout: () => out });
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => reject(new Error(`cli exited ${code}: ${err}`)));
  });
}

function runToExit(
  args: string[],
  env: Record<string, string> = {}
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('emulator CLI', () => {
  it('prints one JSON line, serves the seed, logs requests, applies --fault, exits 0 on SIGTERM', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emu-cli-'));
    const seedFile = path.join(dir, 'seed.json');
    const logFile = path.join(dir, 'requests.jsonl');
    await writeFile(
      seedFile,
      JSON.stringify({ admin: { username: 'cli-admin@acme.example' }, records: { Account: [{ Name: 'Acme' }] } })
    );
    const { child, line, stdout } = await startCli([
      '--seed',
      seedFile,
      '--port',
      '0',
      '--request-log',
      logFile,
      '--fault',
      '{"request":2,"status":503}',
    ]);
    const exited = exitOf(child);
    expect(Object.keys(line)).to.deep.equal(['instanceUrl', 'username', 'accessToken']);
    expect(line.instanceUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(line.username).to.equal('cli-admin@acme.example');
    expect(line.accessToken).to.match(/^00D[A-Za-z0-9]{15}![A-Za-z0-9]+$/);
    const headers = { authorization: `Bearer ${line.accessToken}` };
    const ok = await fetch(`${line.instanceUrl}/services/data/v66.0/query?q=SELECT+Name+FROM+Account`, { headers });
    expect(((await ok.json()) as { records: Array<{ Name: string }> }).records[0].Name).to.equal('Acme');
    const faulted = await fetch(`${line.instanceUrl}/services/data/v66.0/query?q=SELECT+Name+FROM+Account`, {
      headers,
    });
    expect(faulted.status).to.equal(503);
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
    expect(stdout().trim().split('\n')).to.have.length(1);
    const log = (await readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: number; soql: string });
    expect(log.map((l) => l.status)).to.deep.equal([200, 503]);
    expect(log[0].soql).to.equal('SELECT Name FROM Account');
  });

  it('exits 1 with a message on a bad seed or bad flags', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emu-cli-'));
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ users: [{ username: 'x', profile: 'Standard User' }] }));
    const badSeed = await runToExit(['--seed', bad]);
    expect(badSeed.code).to.equal(1);
    expect(badSeed.stdout).to.equal('');
    expect(badSeed.stderr).to.contain('seed.users[0].username: must be email-shaped');
    const missing = await runToExit(['--seed', path.join(dir, 'none.json')]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain("can't read");
    const flag = await runToExit(['--bogus']);
    expect(flag.code).to.equal(1);
    expect(flag.stderr).to.contain('bogus');
    const fault = await runToExit(['--fault', '{"status":500}']);
    expect(fault.code).to.equal(1);
    expect(fault.stderr).to.contain('needs request, path or method');
  });

  it("lays EMULATOR_BEHAVIOUR over the seed's switches, and exits 1 naming it when it is malformed", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emu-cli-'));
    const seedFile = path.join(dir, 'seed.json');
    await writeFile(
      seedFile,
      JSON.stringify({ records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] }, behaviour: { queryPageSize: 2 } })
    );
    const { child, line } = await startCli(['--seed', seedFile], { EMULATOR_BEHAVIOUR: '{"queryPageSize":1}' });
    const exited = exitOf(child);
    const page = await fetch(`${line.instanceUrl}/services/data/v66.0/query?q=SELECT+Name+FROM+Account`, {
      headers: { authorization: `Bearer ${line.accessToken}` },
    });
    expect(await page.json()).to.deep.include({ totalSize: 2, done: false });
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
    const bad = await runToExit(['--seed', seedFile], { EMULATOR_BEHAVIOUR: '{"queryPageSize":"many"}' });
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.equal('emulator: seed.behaviour.queryPageSize: must be a whole number from 1 to 2000\n');
  });
});
