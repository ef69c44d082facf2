// A large org without a large JSON file: the seed's `generate` section (issue 14) describes an org by its sizes,
// and plan() makes its users, logins, permission sets and connected apps, the same every time for the same `seed`
// (a small PRNG, mulberry32; no Math.random). Full-license users fall in kinds: most are people who log in to the
// UI; a planted share looks like integrations with no UI login in the last 180 days (the candidates `list
// --candidates` must find: an API-only profile or set, API logins only, a failed UI attempt only, or an
// integration-like name); as many decoys look a bit like integrations but aren't candidates. The plan says which
// users are which (plannedCandidates), so tests compare the plugin's answer with the generator's intent.

import { SeedError, obj } from './check.js';

export interface SeedGenerate {
  /** PRNG seed; default 1 */
  seed?: number;
  /** active (and some inactive) users on the Salesforce license, beyond seed.users */
  fullLicenseUsers?: number;
  /** LoginHistory rows over them all, from today back to 240 days (LoginHistory's window is 180) */
  loginHistoryRows?: number;
  /** custom permission sets (labels differ from API names) */
  permissionSets?: number;
  /** connected apps (labels differ from API names) */
  connectedApps?: number;
  /** users on the Salesforce Integration license, with its PSL */
  integrationUsers?: number;
  /** full-license users made to look like integrations with no UI login in 180 days; default 2% of fullLicenseUsers */
  plantedCandidates?: number;
}

export type GenerateSpec = Required<SeedGenerate>;

const KEYS = [
  'seed',
  'fullLicenseUsers',
  'loginHistoryRows',
  'permissionSets',
  'connectedApps',
  'integrationUsers',
  'plantedCandidates',
];
const MAX = { fullLicenseUsers: 200_000, loginHistoryRows: 2_000_000, permissionSets: 20_000, connectedApps: 5_000 };

function count(v: unknown, path: string, fallback: number, max = 10_000_000): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || (v as number) < 0) throw new SeedError(path, 'must be a whole number >= 0');
  if ((v as number) > max) throw new SeedError(path, `must be at most ${max} (the emulator keeps the org in memory)`);
  return v as number;
}

/** Validates the section; SeedError names the offending path. */
export function resolveGenerate(raw: unknown): GenerateSpec | undefined {
  if (raw === undefined) return undefined;
  const g = obj(raw, 'seed.generate', KEYS);
  const fullLicenseUsers = count(g.fullLicenseUsers, 'seed.generate.fullLicenseUsers', 0, MAX.fullLicenseUsers);
  const spec: GenerateSpec = {
    seed: count(g.seed, 'seed.generate.seed', 1, 2 ** 32 - 1),
    fullLicenseUsers,
    loginHistoryRows: count(g.loginHistoryRows, 'seed.generate.loginHistoryRows', 0, MAX.loginHistoryRows),
    permissionSets: count(g.permissionSets, 'seed.generate.permissionSets', 0, MAX.permissionSets),
    connectedApps: count(g.connectedApps, 'seed.generate.connectedApps', 0, MAX.connectedApps),
    integrationUsers: count(g.integrationUsers, 'seed.generate.integrationUsers', 0, 1000),
    plantedCandidates: count(
      g.plantedCandidates,
      'seed.generate.plantedCandidates',
      Math.floor(fullLicenseUsers / 50),
      fullLicenseUsers
    ),
  };
  // Each planted candidate has a decoy beside it; the people are the rest.
  if (spec.plantedCandidates * 2 > fullLicenseUsers)
    throw new SeedError(
      'seed.generate.plantedCandidates',
      `must be at most half of fullLicenseUsers (${Math.floor(fullLicenseUsers / 2)}): each candidate has a decoy`
    );
  const needed = minimumRows(spec);
  if (spec.loginHistoryRows < needed)
    throw new SeedError(
      'seed.generate.loginHistoryRows',
      `must be at least ${needed} for these users (one login a person, up to two per planted candidate and decoy)`
    );
  return spec;
}

/** mulberry32: a tiny deterministic PRNG (public domain, Tommy Ettinger), numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * What a generated user is. Candidates (at 180 days): apiProfile, apiSet, apiLogins, name, failedUi. Decoys:
 * uiNamed (integration-like name, UI logins), oldApi (API logins only, all older than 180 days), inactive (API-only
 * profile, deactivated), recentUi (API logins in 20 days, one UI login 60 to 170 days ago: a candidate only with
 * --days under 60). People log in to the UI (and some through the API too).
 */
export type UserKind =
  | 'person'
  | 'apiProfile'
  | 'apiSet'
  | 'apiLogins'
  | 'name'
  | 'failedUi'
  | 'uiNamed'
  | 'oldApi'
  | 'inactive'
  | 'recentUi'
  | 'integration';

const CANDIDATE_KINDS: UserKind[] = ['apiProfile', 'apiSet', 'apiLogins', 'name', 'failedUi'];
const DECOY_KINDS: UserKind[] = ['uiNamed', 'oldApi', 'inactive', 'recentUi'];

export interface PlannedUser {
  username: string;
  firstName: string;
  lastName: string;
  kind: UserKind;
  /** generated permission sets (by index) it holds */
  sets: number[];
}

export interface PlannedLogin {
  /** index into users */
  user: number;
  type: string;
  daysAgo: number;
  status: string;
}

export interface GeneratedPlan {
  users: PlannedUser[];
  logins: PlannedLogin[];
  permissionSets: Array<{ name: string; label: string }>;
  connectedApps: Array<{ name: string; label: string; consumerKey: string }>;
}

/** The profile and set that make a user API only, and the standard profile of people. */
export const GENERATED_API_PROFILE = 'API Only Integrations';
export const GENERATED_API_SET = { name: 'API_Only_Integrations', label: "Integrations' API Only Access" };

const FIRST = ['Dana', 'Liam', 'Aoife', 'Mateo', 'Priya', 'Kenji', 'Sofia', 'Noah', 'Zara', 'Owen', 'Ines', 'Ravi'];
const LAST = ["O'Brien", "D'Angelo", "O'Neil", 'Smith', 'García', 'Nguyen', 'Okafor', 'Schmidt', 'Kowalski', 'Rossi'];
const SYSTEMS = ['MuleSoft Sync', 'Boomi Connector', 'ETL Loader', 'Workato Bot', 'Informatica Feed', 'Zapier Svc'];
const AREAS = ['Sales Ops', "Partners' Portal", 'Service Desk', 'Finance Close', 'Field Crew', 'Data Export'];
const API_TYPES = ['Remote Access 2.0', 'Other Apex API', 'SOAP API', 'REST API'];
/** Days back the generated logins reach: beyond LoginHistory's 180-day window, so the window matters. */
export const OLDEST_LOGIN_DAYS = 240;

/** Rows the kinds need at most: one per person, up to two per planted candidate and per decoy. */
function minimumRows(spec: GenerateSpec): number {
  return spec.fullLicenseUsers + spec.plantedCandidates * 2;
}

/** The org the section describes; the same plan for the same spec. */
export function plan(spec: GenerateSpec): GeneratedPlan {
  const random = prng(spec.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const between = (low: number, high: number): number => low + random() * (high - low);
  const pad = (i: number): string => String(i).padStart(5, '0');

  const permissionSets = Array.from({ length: spec.permissionSets }, (_, i) => {
    const area = pick(AREAS);
    return {
      name: `${area.replace(/[^A-Za-z]/g, '_')}_${pad(i)}`.replace(/_+/g, '_'),
      label: `${area} ${i + 1} Access`,
    };
  });
  const connectedApps = Array.from({ length: spec.connectedApps }, (_, i) => {
    const system = pick(SYSTEMS);
    return {
      name: `${system.replace(/[^A-Za-z]/g, '')}_${pad(i)}`,
      label: `${system} #${i + 1}`,
      consumerKey: `3MVG9GEN${spec.seed}X${pad(i)}${Math.floor(random() * 1e9)
        .toString(36)
        .toUpperCase()}`,
    };
  });

  // Kinds: planted candidates and decoys spread through the user list, so their rows fall on every page.
  const kinds: UserKind[] = Array.from({ length: spec.fullLicenseUsers }, () => 'person');
  const slots = [...kinds.keys()];
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  for (let k = 0; k < spec.plantedCandidates; k++) {
    kinds[slots[2 * k]] = CANDIDATE_KINDS[k % CANDIDATE_KINDS.length];
    kinds[slots[2 * k + 1]] = DECOY_KINDS[k % DECOY_KINDS.length];
  }
  const users: PlannedUser[] = kinds.map((kind, i) => {
    const named = kind === 'name' || kind === 'uiNamed';
    const firstName = named ? '' : pick(FIRST);
    const lastName = named ? `${pick(SYSTEMS)} ${i + 1}` : pick(LAST);
    const local = `${firstName} ${lastName}`
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '.');
    const sets = spec.permissionSets && random() < 0.3 ? [Math.floor(random() * spec.permissionSets)] : [];
    return { username: `${local}.${pad(i)}@gen.acme.example`, firstName, lastName, kind, sets };
  });
  for (let i = 0; i < spec.integrationUsers; i++)
    users.push({
      username: `integration.${pad(i)}@gen.acme.example`,
      firstName: '',
      lastName: `${pick(SYSTEMS)} Integration ${i + 1}`,
      kind: 'integration',
      sets: [],
    });

  const logins: PlannedLogin[] = [];
  const login = (user: number, kind: UserKind): PlannedLogin => loginFor(user, kind, random, pick, between);
  // The rows each kind needs, then the rest spread over every user with logins.
  users.forEach((u, i) => {
    // A person's latest UI login is within 20 days, so any window over 20 days sees it.
    if (u.kind === 'person' || u.kind === 'uiNamed')
      logins.push({ user: i, type: 'Application', daysAgo: between(0, 20), status: 'Success' });
    else if (u.kind === 'recentUi') {
      logins.push({ user: i, type: 'Application', daysAgo: between(60, 170), status: 'Success' });
      logins.push({ user: i, type: pick(API_TYPES), daysAgo: between(0, 20), status: 'Success' });
    } else if (u.kind === 'apiLogins' || u.kind === 'oldApi' || u.kind === 'failedUi') logins.push(login(i, u.kind));
    if (u.kind === 'failedUi')
      logins.push({ user: i, type: 'Application', daysAgo: between(0, 170), status: 'Invalid Password' });
    // Half of the API-login candidates logged in to the UI once, before the window: it doesn't count.
    if (u.kind === 'apiLogins' && random() < 0.5)
      logins.push({ user: i, type: 'Application', daysAgo: between(181, OLDEST_LOGIN_DAYS), status: 'Success' });
  });
  const loggers = [...users.keys()].filter(
    (i) => !['apiProfile', 'apiSet', 'name'].includes(users[i].kind) || random() < 0.5
  );
  while (logins.length < spec.loginHistoryRows && loggers.length) {
    const i = pick(loggers);
    logins.push(login(i, users[i].kind));
  }
  logins.length = Math.min(logins.length, spec.loginHistoryRows);
  return { users, logins, permissionSets, connectedApps };
}

/** One more login of a user, within what its kind allows. */
function loginFor(
  user: number,
  kind: UserKind,
  random: () => number,
  pick: <T>(items: readonly T[]) => T,
  between: (low: number, high: number) => number
): PlannedLogin {
  const api = (low: number, high: number): PlannedLogin => ({
    user,
    type: pick(API_TYPES),
    daysAgo: between(low, high),
    status: 'Success',
  });
  switch (kind) {
    case 'apiLogins':
    case 'failedUi':
    case 'recentUi':
      return api(0, 20);
    case 'oldApi':
      return api(181, OLDEST_LOGIN_DAYS);
    case 'apiProfile':
    case 'apiSet':
    case 'name':
    case 'inactive':
    case 'integration':
      return api(0, OLDEST_LOGIN_DAYS);
    default: {
      // People and named decoys: mostly the UI, some API use, now and then a mistyped password.
      const r = random();
      if (r < 0.2) return api(0, OLDEST_LOGIN_DAYS);
      return {
        user,
        type: 'Application',
        daysAgo: between(0, OLDEST_LOGIN_DAYS),
        status: r < 0.25 ? 'Invalid Password' : 'Success',
      };
    }
  }
}

/**
 * The usernames `list --candidates --days <days>` must find among the generated users, in username order: the
 * planted kinds from 171 days up (180 is the default), and the recentUi decoys too under 60 days (their one UI
 * login is 60 to 170 days old). Between, the plan makes no promise.
 */
export function plannedCandidates(generated: GeneratedPlan, days = 180): string[] {
  if (days <= 20 || (days >= 60 && days <= 170))
    throw new Error(`the generated org plans candidates for --days 21..59 and 171..180, not ${days}`);
  const kinds = new Set<UserKind>(days < 60 ? [...CANDIDATE_KINDS, 'recentUi'] : CANDIDATE_KINDS);
  return generated.users
    .filter((u) => kinds.has(u.kind))
    .map((u) => u.username)
    .sort();
}
