import { BEHAVIOUR_ENV } from '../emulator/index.js';

/**
 * For tests that measure round trips at Salesforce's own page size: runs `start` (what starts the
 * emulator) without the stress switches of EMULATOR_BEHAVIOUR, which would page every answer.
 */
export async function withoutStress<T>(start: () => Promise<T>): Promise<T> {
  const stress = process.env[BEHAVIOUR_ENV];
  delete process.env[BEHAVIOUR_ENV];
  try {
    return await start();
  } finally {
    if (stress !== undefined) process.env[BEHAVIOUR_ENV] = stress;
  }
}
