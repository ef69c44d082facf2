import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Emulator } from '../emulator/index.js';
import { checkContract } from './contract.js';
import { projectRoot } from './paths.js';
import { makeHome, sfEnv, writeAuthFile } from './sf.js';

export { projectRoot };

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
export function runPlugin(args: string[], home: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'run.js'), ...args, '--json'], {
      cwd: home,
      env: sfEnv(home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
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
export function runHuman(args: string[], home: string): Promise<HumanRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'run.js'), ...args], {
      cwd: home,
      // Tables as a person at a terminal sees them: @oclif/table draws plain ones when CI is set (as on CI machines).
      env: { ...sfEnv(home), OCLIF_TABLE_SKIP_CI_CHECK: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
  });
}
