// The org emulator: a local stand-in for the parts of Salesforce the plugin touches.
// startEmulator() builds an org from a seed and serves it on 127.0.0.1 (see design.md).

import { ApiError } from './http/errors.js';
import { Fault } from './http/faults.js';
import { RequestLogEntry } from './http/log.js';
import type { Behaviour } from './seeds/behaviours.js';
import { SeedError } from './seeds/check.js';
import { loadSeedFile, resolveSeed } from './seeds/seed.js';
import type { Seed } from './seeds/types.js';
import { LATEST_API_VERSION } from './http/api.js';
import { EmulatorServer } from './http/server.js';
import { buildState } from './data/build-state.js';
import type { GeneratedPlan } from './seeds/generate.js';

export type { Seed } from './seeds/types.js';
export type { Behaviour, ErrorSpec } from './seeds/behaviours.js';
export type { Fault } from './http/faults.js';
export type { GeneratedPlan, SeedGenerate, UserKind } from './seeds/generate.js';
export { plannedCandidates } from './seeds/generate.js';
export type { RequestLogEntry, SubrequestLogEntry } from './http/log.js';
export { ApiError, SeedError };
/** The newest API version the emulator serves (66.0, Spring '26). */
export { LATEST_API_VERSION };

export interface EmulatorOptions {
  /** a seed object, or the path of a JSON seed file; default {} */
  seed?: Seed | string;
  /** 0 or absent = any free port */
  port?: number;
  /** append one JSON line per request to this file */
  requestLog?: string;
}

export interface Emulator {
  /** http://127.0.0.1:PORT, no trailing slash */
  instanceUrl: string;
  port: number;
  orgId: string;
  adminUsername: string;
  adminAccessToken: string;
  /** the users, logins, sets and apps of the seed's `generate` section (plannedCandidates() reads it) */
  generated?: GeneratedPlan;
  /** in-memory copy of the request log */
  requests: RequestLogEntry[];
  clearRequests(): void;
  /** reads state with the same SOQL engine (admin visibility); not logged */
  query<T = Record<string, unknown>>(soql: string): T[];
  addFault(f: Fault): void;
  /** every token issued so far now gets 401 INVALID_SESSION_ID */
  expireTokens(): void;
  /**
   * An admin changes an org setting in Setup between two runs (e.g. ecaConsumerSecretsInMetadata). Only switches
   * read while requests run; ecaQueryEndpoints shapes the schema when the emulator starts and isn't changed here.
   */
  setBehaviour(changes: Partial<Omit<Behaviour, 'ecaQueryEndpoints'>>): void;
  /** What must never leak, for tests that scan output for it: every access token issued so far (the admin's first) and every consumer secret the org holds, by app. */
  secrets(): { accessTokens: string[]; consumerSecrets: Array<{ app: string; secret: string }> };
  stop(): Promise<void>;
}

/** Env var holding behaviour switches (JSON) that override every seed's: a stress mode for whole test runs. */
export const BEHAVIOUR_ENV = 'EMULATOR_BEHAVIOUR';

/** The seed with the switches of EMULATOR_BEHAVIOUR laid over its own (the env var wins). */
function withEnvBehaviour(seed: Seed): Seed {
  const raw = process.env[BEHAVIOUR_ENV];
  if (!raw?.trim()) return seed;
  let stress: unknown;
  try {
    stress = JSON.parse(raw);
  } catch (e) {
    throw new SeedError(BEHAVIOUR_ENV, `is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof stress !== 'object' || stress === null || Array.isArray(stress))
    throw new SeedError(BEHAVIOUR_ENV, 'must be a JSON object of behaviour switches');
  return { ...seed, behaviour: { ...(seed.behaviour ?? {}), ...(stress as Seed['behaviour']) } };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const raw = typeof options.seed === 'string' ? loadSeedFile(options.seed) : (options.seed ?? {});
  const seed = resolveSeed(withEnvBehaviour(raw));
  const state = buildState(seed);
  const server = new EmulatorServer(state, options.requestLog);
  await server.listen(options.port ?? 0);
  const engine = server.queryEngine();
  return {
    instanceUrl: server.instanceUrl,
    port: server.port,
    orgId: state.orgId,
    adminUsername: seed.admin.username,
    adminAccessToken: seed.admin.accessToken,
    generated: seed.generated,
    requests: server.log.entries,
    clearRequests: () => server.log.clear(),
    query: <T>(soql: string): T[] =>
      engine.run(soql, { apiVersion: LATEST_API_VERSION, endpoint: 'data' }).records as T[],
    addFault: (f: Fault) => server.faults.add(f),
    expireTokens: () => {
      for (const s of state.sessions.values()) s.expired = true;
    },
    setBehaviour: (changes) => Object.assign(state.behaviour, changes),
    secrets: () => ({
      accessTokens: [...state.sessions.keys()],
      consumerSecrets: [
        ...state.records('ExternalClientApplication'),
        ...state.records('ConnectedApplication'),
      ].flatMap((app) =>
        typeof app._consumerSecret === 'string'
          ? [{ app: String(app.DeveloperName ?? app._fullName), secret: app._consumerSecret }]
          : []
      ),
    }),
    stop: () => server.close(),
  };
}
