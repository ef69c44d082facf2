// The seed's users: each one's profile, permission sets and PSLs (named in the seed), its login history,
// and the admin, who is a user too.

import { LOGIN_TYPES } from '../data/org-objects.js';
import {
  EMAIL,
  Obj,
  SeedError,
  isTimeZone,
  list,
  obj,
  optBool,
  optCount,
  optStr,
  optStrList,
  reqStr,
  uniqueBy,
} from './check.js';
import type { SeedLogin, SeedUser } from './types.js';

/** Lower-case names the users' sections may refer to. */
export interface KnownNames {
  profiles: Set<string>;
  permissionSets: Set<string>;
  groups: Set<string>;
  psls: Set<string>;
}

/** The seed's users, and the admin: listed among them, or added on System Administrator. */
export function resolveUsers(raw: unknown, adminUsername: string, known: KnownNames): SeedUser[] {
  const users = raw === undefined ? [] : list(raw, 'seed.users').map((v, i) => userOf(v, `seed.users[${i}]`, known));
  uniqueBy(users, (u) => u.username, 'seed.users', 'username');
  // The admin is a user too: listed in users, or added on System Administrator.
  if (!users.some((u) => u.username.toLowerCase() === adminUsername.toLowerCase())) {
    if (!known.profiles.has('system administrator')) {
      throw new SeedError(
        'seed.admin',
        `the admin '${adminUsername}' needs a profile: list it in seed.users, or keep a 'System Administrator' profile`
      );
    }
    users.unshift({
      username: adminUsername,
      lastName: 'Admin',
      firstName: 'Emulator',
      email: adminUsername,
      profile: 'System Administrator',
      active: true,
      permissionSets: [],
      permissionSetLicenses: [],
    });
  } else {
    const admin = users.find((u) => u.username.toLowerCase() === adminUsername.toLowerCase());
    if (admin?.active === false) throw new SeedError('seed.users', `the admin '${adminUsername}' must be active`);
  }
  return users;
}

function userOf(v: unknown, p: string, known: KnownNames): SeedUser {
  if (typeof v === 'object' && v !== null && 'userPermissions' in v) {
    throw new SeedError(
      `${p}.userPermissions`,
      'a user has no user permissions of its own in Salesforce; put them on its profile (seed.profiles[].userPermissions) or on a permission set it holds'
    );
  }
  const u = obj(v, p, [
    'username',
    'lastName',
    'firstName',
    'email',
    'alias',
    'profile',
    'active',
    'timeZoneSidKey',
    'localeSidKey',
    'languageLocaleKey',
    'emailEncodingKey',
    'federationIdentifier',
    'permissionSets',
    'permissionSetLicenses',
    'loginHistory',
  ]);
  const username = reqStr(u.username, `${p}.username`);
  if (!EMAIL.test(username)) throw new SeedError(`${p}.username`, 'must be email-shaped');
  const profile = reqStr(u.profile, `${p}.profile`);
  if (!known.profiles.has(profile.toLowerCase()))
    throw new SeedError(`${p}.profile`, `no profile named '${profile}' in seed.profiles`);
  const email = optStr(u.email, `${p}.email`);
  if (email !== undefined && !EMAIL.test(email)) throw new SeedError(`${p}.email`, 'must be an email address');
  const alias = optStr(u.alias, `${p}.alias`);
  if (alias !== undefined && alias.length > 8) throw new SeedError(`${p}.alias`, 'must be at most 8 characters');
  const tz = optStr(u.timeZoneSidKey, `${p}.timeZoneSidKey`);
  if (tz !== undefined && !isTimeZone(tz)) throw new SeedError(`${p}.timeZoneSidKey`, `unknown time zone '${tz}'`);
  const { sets, psls } = holdingsOf(u, p, known);
  return {
    username,
    lastName: optStr(u.lastName, `${p}.lastName`),
    firstName: optStr(u.firstName, `${p}.firstName`),
    email,
    alias,
    profile,
    active: optBool(u.active, `${p}.active`),
    timeZoneSidKey: tz,
    localeSidKey: optStr(u.localeSidKey, `${p}.localeSidKey`),
    languageLocaleKey: optStr(u.languageLocaleKey, `${p}.languageLocaleKey`),
    emailEncodingKey: optStr(u.emailEncodingKey, `${p}.emailEncodingKey`),
    federationIdentifier: optStr(u.federationIdentifier, `${p}.federationIdentifier`),
    permissionSets: sets,
    permissionSetLicenses: psls,
    loginHistory:
      u.loginHistory === undefined
        ? []
        : list(u.loginHistory, `${p}.loginHistory`).map((l, j) => resolveLogin(l, `${p}.loginHistory[${j}]`)),
  };
}

/** A user's permissionSets (sets or groups) and permissionSetLicenses, each naming something seeded. */
function holdingsOf(u: Obj, p: string, known: KnownNames): { sets: string[]; psls: string[] } {
  const sets = optStrList(u.permissionSets, `${p}.permissionSets`) ?? [];
  sets.forEach((n, j) => {
    if (!known.permissionSets.has(n.toLowerCase()) && !known.groups.has(n.toLowerCase())) {
      throw new SeedError(`${p}.permissionSets[${j}]`, `no permission set or group named '${n}' in the seed`);
    }
  });
  const psls = optStrList(u.permissionSetLicenses, `${p}.permissionSetLicenses`) ?? [];
  psls.forEach((n, j) => {
    if (!known.psls.has(n.toLowerCase()))
      throw new SeedError(
        `${p}.permissionSetLicenses[${j}]`,
        `no PSL with developer name '${n}' in seed.permissionSetLicenses`
      );
  });
  return { sets, psls };
}

function resolveLogin(v: unknown, path: string): SeedLogin {
  const l = obj(v, path, [
    'type',
    'time',
    'daysAgo',
    'application',
    'status',
    'sourceIp',
    'loginUrl',
    'browser',
    'platform',
    'apiType',
    'apiVersion',
  ]);
  const type = reqStr(l.type, `${path}.type`);
  if (!(LOGIN_TYPES as readonly string[]).includes(type))
    throw new SeedError(`${path}.type`, `must be one of ${LOGIN_TYPES.map((t) => `'${t}'`).join(', ')}`);
  const time = optStr(l.time, `${path}.time`);
  const daysAgo = optCount(l.daysAgo, `${path}.daysAgo`);
  if ((time === undefined) === (daysAgo === undefined))
    throw new SeedError(path, "needs exactly one of 'time' (ISO date-time) and 'daysAgo'");
  if (time !== undefined && Number.isNaN(Date.parse(time)))
    throw new SeedError(`${path}.time`, 'must be an ISO date-time');
  const out: SeedLogin = { type, time, daysAgo };
  for (const k of [
    'application',
    'status',
    'sourceIp',
    'loginUrl',
    'browser',
    'platform',
    'apiType',
    'apiVersion',
  ] as const) {
    const x = optStr(l[k], `${path}.${k}`);
    if (x !== undefined) out[k] = x;
  }
  return out;
}
