// Running the real `sf` against the emulator: the isolating environment (no auto-update, telemetry, version or DNS
// check: nothing leaves 127.0.0.1), a fresh HOME per test, and the hand-written auth file (the one sf writes after a
// login, so no login is needed).

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkContract } from './contract.js';
import { fileURLToPath } from 'node:url';

/** The project root, found from this file (build/test/helpers/sf.js or test/helpers/sf.ts). */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (path.basename(dir) === 'test') {
      const parent = path.dirname(dir);
      return path.basename(parent) === 'build' ? path.dirname(parent) : parent;
    }
    dir = path.dirname(dir);
  }
  throw new Error('test/helpers/sf: cannot find the project root');
}

export const PROJECT_ROOT = projectRoot();
export const SF_BIN = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'sf');

/** What keeps every sf library quiet and local: no autoupdate, telemetry, version check or keychain. */
export const QUIET_SF = {
  SF_DISABLE_AUTOUPDATE: 'true',
  SF_DISABLE_TELEMETRY: 'true',
  SF_SKIP_NEW_VERSION_CHECK: 'true',
  SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
  OCLIF_DISABLE_LINKED_ESM_WARNING: 'true',
  SF_DISABLE_DNS_CHECK: 'true',
  // Plain text whatever the terminal or CI: colors switch on when CI=true, and tests read the output.
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

/** The environment every sf process needs: QUIET_SF, an isolated HOME, this project's Node 22 and sf first on PATH. */
export function sfEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Never inherit an org, instance or token from the caller's environment.
  for (const key of Object.keys(env)) {
    if (
      /^(SF|SFDX)_(TARGET_ORG|DEFAULTUSERNAME|ORG_INSTANCE_URL|INSTANCE_URL|ACCESS_TOKEN|AUDIENCE_URL|USE_PROGRESS_BAR)$/.test(
        key
      )
    )
      delete env[key];
  }
  return {
    ...env,
    HOME: home,
    USERPROFILE: home,
    PATH: `${path.join(PROJECT_ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    ...QUIET_SF,
  };
}

export async function makeHome(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'sf-home-'));
}

export interface SfRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when --json was passed (undefined if it didn't parse) */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json?: any;
}

/** Runs node_modules/.bin/sf with the isolating environment; no shell. */
export function runSf(args: string[], opts: { home: string; env?: Record<string, string> }): Promise<SfRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(SF_BIN, args, {
      cwd: opts.home,
      env: { ...sfEnv(opts.home), ...(opts.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: unknown;
      if (args.includes('--json')) {
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
      }
      try {
        if (json) checkContract(args, json as Record<string, unknown>);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      resolve({ exitCode: code ?? -1, stdout, stderr, json });
    });
  });
}

/** The auth file sf would write after a login ($HOME/.sfdx/<username>.json, plaintext token), plus the alias. */
export async function writeAuthFile(
  home: string,
  auth: { instanceUrl: string; username: string; accessToken: string; orgId: string },
  alias?: string
): Promise<void> {
  const dir = path.join(home, '.sfdx');
  await mkdir(dir, { recursive: true });
  const file = {
    accessToken: auth.accessToken,
    instanceUrl: auth.instanceUrl,
    loginUrl: auth.instanceUrl,
    username: auth.username,
    orgId: auth.orgId,
    instanceApiVersion: '66.0',
    // What a real login records about the org; without them sf re-queries Organization on every run.
    orgEdition: 'Developer Edition',
    namespacePrefix: null,
    isSandbox: false,
    isScratch: false,
    isDevHub: false,
  };
  await writeFile(path.join(dir, `${auth.username}.json`), JSON.stringify(file, null, 2));
  if (alias)
    await writeFile(path.join(dir, 'alias.json'), JSON.stringify({ orgs: { [alias]: auth.username } }, null, 2));
}
