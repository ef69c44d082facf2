import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Emulator } from '../emulator/index.js';
import { checkContract } from './contract.js';
import { projectRoot } from './paths.js';
import { makeHome, sfEnv, writeAuthFile } from './sf.js';

export { projectRoot };

/** What a run gets besides its arguments: text piped to its standard input, extra environment variables. */
export type RunOptions = { stdin?: string; env?: Record<string, string> };

/** Spawns bin/run.js; with options.stdin the text is piped in and the pipe closed (else stdin is closed at once). */
function spawnRun(args: string[], home: string, env: NodeJS.ProcessEnv, options: RunOptions): ChildProcess {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'run.js'), ...args], {
    cwd: home,
    env: { ...env, ...options.env },
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  return child;
}

export type CliRun = {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Parsed --json output: {status, result} on success, {status, name, message, actions, data} on error. */
  json: {
    status: number;
    result?: Record<string, unknown>;
    name?: string;
    message?: string;
    actions?: string[];
    data?: unknown;
    warnings?: string[];
  };
};

/** A fresh HOME with the emulator's admin logged in under the alias `emu` (hand-written auth file). */
export async function homeLoggedInto(emulator: Emulator): Promise<string> {
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
  return home;
}

/** Runs the built plugin as a user would (bin/run.js), with --json, in an isolated HOME. */
export function runPlugin(args: string[], home: string, options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawnRun([...args, '--json'], home, sfEnv(home), options);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: CliRun['json'];
      try {
        json = JSON.parse(stdout) as CliRun['json'];
      } catch {
        reject(new Error(`bin/run.js ${args.join(' ')} printed no JSON (exit ${code}):\n${stdout}\n${stderr}`));
        return;
      }
      try {
        checkContract(args, json);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      resolve({ exitCode: code ?? -1, stdout, stderr, json });
    });
  });
}

/** Records created, changed or deleted by the requests the emulator logged since `from`. */
export function writesSince(emulator: Emulator, from = 0): number {
  return emulator.requests.slice(from).reduce((sum, entry) => sum + entry.writes, 0);
}

export type HumanRun = { exitCode: number; stdout: string; stderr: string };

/** bin/run.js as a person types it: no --json, output piped (no terminal), so its text is what a person reads. */
export function runHuman(args: string[], home: string, options: RunOptions = {}): Promise<HumanRun> {
  return new Promise((resolve, reject) => {
    // Tables as a person at a terminal sees them: @oclif/table draws plain ones when CI is set (as on CI machines).
    const child = spawnRun(args, home, { ...sfEnv(home), OCLIF_TABLE_SKIP_CI_CHECK: 'true' }, options);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
  });
}
