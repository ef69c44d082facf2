// node build/test/emulator/cli.js [--seed FILE] [--port N] [--request-log FILE] [--fault JSON]...
// Prints one JSON line {instanceUrl, username, accessToken} once listening; serves until SIGTERM/SIGINT.
// EMULATOR_BEHAVIOUR='{"queryPageSize":3}' lays behaviour switches over the seed's (startEmulator).

import { parseArgs } from 'node:util';
import { Fault, faultProblem } from './http/faults.js';
import { startEmulator } from './index.js';

function fail(message: string): never {
  process.stderr.write(`emulator: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let values: { seed?: string; port?: string; 'request-log'?: string; fault?: string[] };
  try {
    ({ values } = parseArgs({
      options: {
        seed: { type: 'string' },
        port: { type: 'string' },
        'request-log': { type: 'string' },
        fault: { type: 'string', multiple: true },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, got '${values.port}'`);
  const faults: Fault[] = (values.fault ?? []).map((raw) => {
    let f: unknown;
    try {
      f = JSON.parse(raw);
    } catch (e) {
      fail(`--fault is not JSON: ${raw} (${(e as Error).message})`);
    }
    const problem = faultProblem(f);
    if (problem) fail(`--fault ${raw}: ${problem}`);
    return f as Fault;
  });
  let emulator;
  try {
    emulator = await startEmulator({ seed: values.seed, port, requestLog: values['request-log'] });
  } catch (e) {
    fail((e as Error).message);
  }
  for (const f of faults) emulator.addFault(f);
  process.stdout.write(
    `${JSON.stringify({ instanceUrl: emulator.instanceUrl, username: emulator.adminUsername, accessToken: emulator.adminAccessToken })}\n`
  );
  const shutdown = (): void => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

void main();
