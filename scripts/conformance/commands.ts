// The two CLIs a conformance run uses, each with --json and nothing else from the caller changed:
// this checkout's plugin through bin/run.js (the build under test, without touching the plugins
// the caller's sf has installed) and the stock `sf` on PATH. Both read the caller's HOME, so the
// run uses the caller's sf logins; CI isolates it by running it with another HOME.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** build/scripts/conformance/commands.js -> the project root. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const PLUGIN_BIN = path.join(root, 'bin', 'run.js');

/** What sf prints with --json: a result, or an error with its name, message and actions. */
export type JsonOutput = {
  status?: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  result?: any;
  name?: string;
  message?: string;
  actions?: string[];
};

export type CommandRun = {
  /** The command as a person would type it (paths as given; never a secret). */
  shown: string;
  exitCode: number;
  json?: JsonOutput;
  /** Why the command gave no result: its error message, or what it printed instead of JSON. */
  failure?: string;
  ms: number;
};

// Keeps sf from starting a detached self-update or a version check beside the run; changes nothing else.
const QUIET = { SF_DISABLE_AUTOUPDATE: 'true', SF_SKIP_NEW_VERSION_CHECK: 'true' };

/** Quoted for a POSIX shell: single quotes unless the argument holds one. */
const quote = (arg: string): string =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : arg.includes("'") ? `"${arg.replace(/(["\\$`])/g, '\\$1')}"` : `'${arg}'`;

function execute(file: string, args: string[], shown: string): Promise<CommandRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(file, [...args, '--json'], {
      env: { ...QUIET, ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      const failure =
        error.code === 'ENOENT'
          ? `${file} was not found on PATH: install the Salesforce CLI, or run this through npm run test:org`
          : error.message;
      resolve({ shown, exitCode: -1, failure, ms: Date.now() - started });
    });
    child.on('close', (code) => {
      let json: JsonOutput | undefined;
      try {
        json = JSON.parse(stdout) as JsonOutput;
      } catch {
        json = undefined;
      }
      const exitCode = code ?? -1;
      const failure = !json
        ? `printed no JSON (exit ${exitCode}): ${(stderr || stdout).trim().split('\n').slice(-3).join(' ')}`
        : json.result === undefined
          ? [json.message ?? json.name ?? `exit ${exitCode}`, ...(json.actions ?? [])].join(' ')
          : undefined;
      resolve({ shown, exitCode, json, failure, ms: Date.now() - started });
    });
  });
}

/** The plugin under test: `bin/run.js integration-user <command> ...`. */
export function plugin(args: string[]): Promise<CommandRun> {
  return execute(process.execPath, [PLUGIN_BIN, ...args], `bin/run.js ${args.map(quote).join(' ')}`);
}

/** The stock Salesforce CLI, as the caller has it. */
export function sf(args: string[]): Promise<CommandRun> {
  return execute('sf', args, `sf ${args.map(quote).join(' ')}`);
}
