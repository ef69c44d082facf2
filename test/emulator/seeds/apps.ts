// The seed's apps: connectedApps and externalClientApps. Names, consumer keys (unique across both lists),
// certificates, and lists that name seeded profiles, permission sets and users.

import { X509Certificate } from 'node:crypto';
import { API_NAME, EMAIL, Obj, SeedError, list, obj, optBool, optStr, optStrList, reqStr, uniqueBy } from './check.js';
import { labelFor } from './defaults.js';
import type { SeedConnectedApp, SeedExternalClientApp, SeedOauthToken } from './types.js';

const CA_IP_RELAXATION = ['ENFORCE', 'BYPASS', 'BYPASS_2FACTOR', 'ENFORCE_RELAXREFRESH'];
const ECA_IP_RELAXATION = ['Enforce', 'Bypass', 'Bypass_2factor', 'Enforce_RelaxRefresh'];
const ECA_REFRESH_POLICIES = ['Infinite', 'SpecificInactivity', 'SpecificLifetime', 'Zero'];
const CA_REFRESH_POLICY = /^(zero|infinite|(specific_lifetime|specific_inactivity):\d+:(HOURS|DAYS|MONTHS))$/;

/** Lower-case names the apps' lists may refer to. */
export interface AppRefs {
  profiles: Set<string>;
  permissionSets: Set<string>;
  usernames: Set<string>;
}

/** consumer key -> the path of the app that holds it: keys are unique across both lists */
type KeysSeen = Map<string, string>;

export function resolveApps(
  s: Obj,
  known: AppRefs
): { connectedApps: SeedConnectedApp[]; externalClientApps: SeedExternalClientApp[] } {
  const keys: KeysSeen = new Map();
  const connectedApps = (s.connectedApps === undefined ? [] : list(s.connectedApps, 'seed.connectedApps')).map((v, i) =>
    connectedAppOf(v, `seed.connectedApps[${i}]`, known, keys)
  );
  const externalClientApps = (
    s.externalClientApps === undefined ? [] : list(s.externalClientApps, 'seed.externalClientApps')
  ).map((v, i) => ecaOf(v, `seed.externalClientApps[${i}]`, known, keys));
  uniqueBy(connectedApps, (a) => a.name, 'seed.connectedApps', 'app name');
  uniqueBy(externalClientApps, (a) => a.name, 'seed.externalClientApps', 'app name');
  return { connectedApps, externalClientApps };
}

function connectedAppOf(v: unknown, p: string, known: AppRefs, keys: KeysSeen): SeedConnectedApp {
  const app = obj(v, p, [
    'name',
    'label',
    'contactEmail',
    'consumerKey',
    'certificate',
    'callbackUrl',
    'scopes',
    'adminApproved',
    'profiles',
    'permissionSets',
    'ipRelaxation',
    'refreshTokenPolicy',
    'oauthTokens',
    'consumerSecret',
    'runAs',
    'clientCredentialsFlow',
  ]);
  const refreshTokenPolicy = optStr(app.refreshTokenPolicy, `${p}.refreshTokenPolicy`);
  if (refreshTokenPolicy !== undefined && !CA_REFRESH_POLICY.test(refreshTokenPolicy)) {
    throw new SeedError(
      `${p}.refreshTokenPolicy`,
      "must be 'zero', 'infinite', 'specific_lifetime:<n>:<HOURS|DAYS|MONTHS>' or 'specific_inactivity:<n>:<unit>'"
    );
  }
  return {
    ...common(app, p, known, keys),
    callbackUrl: optStr(app.callbackUrl, `${p}.callbackUrl`),
    adminApproved: optBool(app.adminApproved, `${p}.adminApproved`) ?? false,
    ipRelaxation: oneOfOpt(app.ipRelaxation, `${p}.ipRelaxation`, CA_IP_RELAXATION),
    refreshTokenPolicy,
  };
}

function ecaOf(v: unknown, p: string, known: AppRefs, keys: KeysSeen): SeedExternalClientApp {
  const app = obj(v, p, [
    'name',
    'label',
    'contactEmail',
    'consumerKey',
    'certificate',
    'scopes',
    'permittedUsers',
    'profiles',
    'permissionSets',
    'enabled',
    'ipRelaxation',
    'refreshTokenPolicy',
    'oauthTokens',
    'consumerSecret',
    'runAs',
    'clientCredentialsFlow',
  ]);
  return {
    ...common(app, p, known, keys),
    permittedUsers: (oneOfOpt(app.permittedUsers, `${p}.permittedUsers`, [
      'AdminApprovedPreAuthorized',
      'AllSelfAuthorized',
    ]) ?? 'AllSelfAuthorized') as SeedExternalClientApp['permittedUsers'],
    enabled: optBool(app.enabled, `${p}.enabled`) ?? true,
    ipRelaxation: oneOfOpt(app.ipRelaxation, `${p}.ipRelaxation`, ECA_IP_RELAXATION),
    refreshTokenPolicy: oneOfOpt(app.refreshTokenPolicy, `${p}.refreshTokenPolicy`, ECA_REFRESH_POLICIES),
  };
}

/** What both kinds of app have, in the order it is checked. */
function common(
  app: Obj,
  p: string,
  known: AppRefs,
  keys: KeysSeen
): Omit<SeedConnectedApp, 'adminApproved' | 'callbackUrl'> {
  const name = reqStr(app.name, `${p}.name`);
  if (!API_NAME.test(name)) throw new SeedError(`${p}.name`, 'must be an API name (letters, digits, _)');
  const contactEmail = optStr(app.contactEmail, `${p}.contactEmail`);
  if (contactEmail !== undefined && !EMAIL.test(contactEmail))
    throw new SeedError(`${p}.contactEmail`, 'must be an email address');
  const consumerKey = consumerKeyOf(app, p, keys);
  const certificate = optStr(app.certificate, `${p}.certificate`);
  if (certificate !== undefined) {
    try {
      new X509Certificate(certificate);
    } catch {
      throw new SeedError(`${p}.certificate`, 'must be a PEM X.509 certificate');
    }
  }
  const scopes = optStrList(app.scopes, `${p}.scopes`);
  scopes?.forEach((x, j) => {
    if (!API_NAME.test(x))
      throw new SeedError(`${p}.scopes[${j}]`, "must be a scope name like 'Api' or 'RefreshToken'");
  });
  const { profiles, permissionSets } = grantsOf(app, p, known);
  const oauthTokens = oauthTokensOf(app, p, known);
  const consumerSecret = optStr(app.consumerSecret, `${p}.consumerSecret`);
  if (consumerSecret !== undefined && !/^[A-Za-z0-9]{8,256}$/.test(consumerSecret))
    throw new SeedError(`${p}.consumerSecret`, 'must be 8 to 256 letters and digits');
  const runAs = optStr(app.runAs, `${p}.runAs`);
  if (runAs !== undefined && !known.usernames.has(runAs.toLowerCase()))
    throw new SeedError(`${p}.runAs`, `no user '${runAs}' in seed.users`);
  const clientCredentialsFlow = optBool(app.clientCredentialsFlow, `${p}.clientCredentialsFlow`) ?? runAs !== undefined;
  return {
    name,
    label: optStr(app.label, `${p}.label`) ?? labelFor(name),
    contactEmail,
    consumerKey,
    certificate,
    scopes: scopes ?? ['Api', 'RefreshToken'],
    profiles,
    permissionSets,
    oauthTokens,
    consumerSecret,
    runAs,
    clientCredentialsFlow,
  };
}

function consumerKeyOf(app: Obj, p: string, keys: KeysSeen): string {
  const consumerKey = reqStr(app.consumerKey, `${p}.consumerKey`);
  if (!/^[A-Za-z0-9._]{8,256}$/.test(consumerKey))
    throw new SeedError(`${p}.consumerKey`, 'must be 8 to 256 letters and digits');
  if (keys.has(consumerKey))
    throw new SeedError(`${p}.consumerKey`, `already the consumer key of ${keys.get(consumerKey) as string}`);
  keys.set(consumerKey, p);
  return consumerKey;
}

/** The profiles and permission sets the app pre-authorizes: seeded ones. */
function grantsOf(app: Obj, p: string, known: AppRefs): { profiles: string[]; permissionSets: string[] } {
  const profiles = optStrList(app.profiles, `${p}.profiles`) ?? [];
  profiles.forEach((n, j) => {
    if (!known.profiles.has(n.toLowerCase()))
      throw new SeedError(`${p}.profiles[${j}]`, `no profile named '${n}' in seed.profiles`);
  });
  const permissionSets = optStrList(app.permissionSets, `${p}.permissionSets`) ?? [];
  permissionSets.forEach((n, j) => {
    if (!known.permissionSets.has(n.toLowerCase()))
      throw new SeedError(`${p}.permissionSets[${j}]`, `no permission set named '${n}' in seed.permissionSets`);
  });
  return { profiles, permissionSets };
}

/** Earlier interactive approvals of the app: seeded users, with an ISO date-time. */
function oauthTokensOf(app: Obj, p: string, known: AppRefs): SeedOauthToken[] {
  return (app.oauthTokens === undefined ? [] : list(app.oauthTokens, `${p}.oauthTokens`)).map((t, j) => {
    const tp = `${p}.oauthTokens[${j}]`;
    const o = obj(t, tp, ['username', 'lastUsed']);
    const username = reqStr(o.username, `${tp}.username`);
    if (!known.usernames.has(username.toLowerCase()))
      throw new SeedError(`${tp}.username`, `no user '${username}' in seed.users`);
    const lastUsed = optStr(o.lastUsed, `${tp}.lastUsed`);
    if (lastUsed !== undefined && Number.isNaN(Date.parse(lastUsed)))
      throw new SeedError(`${tp}.lastUsed`, 'must be an ISO date-time');
    return { username, lastUsed };
  });
}

function oneOfOpt(v: unknown, path: string, values: string[]): string | undefined {
  const x = optStr(v, path);
  if (x !== undefined && !values.includes(x))
    throw new SeedError(path, `must be one of ${values.map((y) => `'${y}'`).join(', ')}`);
  return x;
}
