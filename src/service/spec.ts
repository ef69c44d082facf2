import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SfError } from '@salesforce/core';
import { distance } from './close-names.js';
import { errorWords, serviceError } from './errors.js';
import type { Fix } from './plan.js';
import { specValueProblem } from './spec-values.js';

/** Words of a spec problem, from messages/errors.md (`spec.<key>`). */
const say = (key: string, ...tokens: Array<string | number>): string => errorWords(`spec.${key}`, tokens);

/** One integration user, as a pipeline declares it: the five commands' flags in one place. */
export type SpecUser = {
  /** The integration's name, e.g. "Acme Sync" (create --name). */
  name: string;
  /** An address the admin team controls (create --email). */
  email: string;
  username?: string;
  alias?: string;
  profile?: string;
  timeZone?: string;
  locale?: string;
  language?: string;
  /** Permission sets to assign, by API name or label (grant --permission-set). */
  permissionSets?: string[];
  /** Permission set groups to assign (grant --permission-set-group). */
  permissionSetGroups?: string[];
  /** Object access for the generated set, as "Object:read,edit" (grant --object). */
  objects?: string[];
  /** Field access for the generated set, as "Object.Field:read" (grant --field). */
  fields?: string[];
  /** API name of the generated set (grant --permission-set-name); default from `name`: "Acme Sync" -> Acme_Sync_Integration. */
  permissionSetName?: string;
  /** The app the integration logs in through, and how to pre-authorize it. */
  app?: {
    name: string;
    /** "profile" (default) pre-authorizes the integration profile; "permission-set" the sets below. */
    preauthorize?: 'profile' | 'permission-set';
    /** With "permission-set": these sets, by API name (default: the generated set). */
    permissionSets?: string[];
    /** true: the app's client credentials flow runs as this user (preauthorize --run-as). */
    runAs?: boolean;
  };
  /** The JWT login verify does at the end; without it, verify checks the org only. */
  verify?: {
    /** "jwt" (default): log in with clientId and jwtKeyFile; "client-credentials": with clientId and the secret in clientSecretEnv. */
    flow?: 'jwt' | 'client-credentials';
    clientId?: string;
    /** With flow "client-credentials": the environment variable holding the app's consumer secret (never the secret itself). */
    clientSecretEnv?: string;
    /** Path of the private key, relative to the spec file. */
    jwtKeyFile?: string;
    /** Login URL and JWT audience (verify --login-url); default: the org's URL, audience login.salesforce.com or, in a sandbox, test.salesforce.com. */
    loginUrl?: string;
    query?: string;
    /** Minutes to keep retrying a JWT login the login service refuses while an app change propagates (verify --wait), 0 to 30. */
    wait?: number;
  };
};

/** The setup spec file (YAML or JSON). Its JSON schema is schemas/setup-spec.json. */
export type SetupSpec = { users: SpecUser[] };

/**
 * Reads and checks a spec file before the org is touched: its syntax, its shape, and its values by the same rules
 * as the flags (spec-values.ts). An error names the file, the place in it and what is wrong, and says what to
 * write there; it exits 2, as a flag sf refuses does.
 */
export async function readSpec(file: string): Promise<SetupSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw serviceError('SpecUnreadable', [file, (error as Error).message]);
  }
  const data = await parseSpec(file, text);
  const problem = specProblem(data) ?? specValueProblem(data as SetupSpec);
  if (problem) throw specInvalid(file, problem);
  const spec = data as SetupSpec;
  // Key files are relative to the spec, so a pipeline can run from anywhere.
  for (const user of spec.users) {
    if (user.verify?.jwtKeyFile) user.verify.jwtKeyFile = path.resolve(path.dirname(file), user.verify.jwtKeyFile);
  }
  return spec;
}

/** The error of a spec problem: the file, the place and what is wrong; its fix what to write at that place. */
const specInvalid = (file: string, problem: Problem): SfError =>
  serviceError('SpecInvalid', [file, problem.at, problem.what], [specFix(problem.at, problem.write)]);

const specFix = (at: string, change: string): Fix => ({ kind: 'spec', path: at, change });

/** The file as data; a syntax error as a problem at its line and column, quoting the line. */
async function parseSpec(file: string, text: string): Promise<unknown> {
  const { parse } = await import('yaml');
  if (/\.json$/i.test(file)) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      // JSON.parse seldom says where: the YAML parser (JSON is YAML) finds the place, else it is the end.
      let place = text.length;
      try {
        parse(text);
      } catch (yamlError) {
        place = (yamlError as { pos?: number[] }).pos?.[0] ?? place;
      }
      throw specInvalid(file, syntaxProblem(text, place, (error as Error).message, 'JSON'));
    }
  }
  try {
    return parse(text, { prettyErrors: false }) as unknown;
  } catch (error) {
    const place = (error as { pos?: number[] }).pos?.[0] ?? text.length;
    throw specInvalid(file, syntaxProblem(text, place, (error as Error).message.split('\n')[0], 'YAML'));
  }
}

/**
 * A syntax error at a character offset: "line 2, column 11", the reason and the line. An error found where the
 * file ends (an unclosed bracket) is placed at the end of the last line with something on it.
 */
function syntaxProblem(text: string, offset: number, reason: string, format: 'JSON' | 'YAML'): Problem {
  const lines = text.slice(0, offset).split('\n');
  while (lines.length > 1 && !lines[lines.length - 1].trim()) lines.pop();
  const shown = text.split('\n')[lines.length - 1] ?? '';
  const column = offset >= text.trimEnd().length ? shown.length + 1 : lines[lines.length - 1].length + 1;
  return {
    at: say('place', lines.length, column),
    what: shown.trim() ? say('syntax', reason.replace(/ at line \d+, column \d+:?$/, ''), shown.trim()) : reason,
    write: say('write.syntax', format),
  };
}

/** A problem with a spec: where (users[1].objects[0]), what is wrong, and what to write there instead. */
export type Problem = { at: string; what: string; write: string };
const USER_KEYS = [
  'name',
  'email',
  'username',
  'alias',
  'profile',
  'timeZone',
  'locale',
  'language',
  'permissionSets',
  'permissionSetGroups',
  'objects',
  'fields',
  'permissionSetName',
  'app',
  'verify',
];
const STRING_KEYS = [
  'name',
  'email',
  'username',
  'alias',
  'profile',
  'timeZone',
  'locale',
  'language',
  'permissionSetName',
];
const LIST_KEYS = ['permissionSets', 'permissionSetGroups', 'objects', 'fields'];
const APP_KEYS = ['name', 'preauthorize', 'permissionSets', 'runAs'];
const VERIFY_KEYS = ['flow', 'clientId', 'clientSecretEnv', 'jwtKeyFile', 'loginUrl', 'query', 'wait'];

/** A key the spec doesn't have: "did you mean" the closest key it does have, else the keys it has. */
function unknownKey(at: string, key: string, known: readonly string[], kind: string): Problem {
  const close = closest(key, known);
  return close
    ? { at, what: say('notKeyClose', kind, close), write: say('write.rename', close) }
    : { at, what: say('notKey', kind, known.join(', ')), write: say('write.keyOf', known.join(', ')) };
}

/** The first thing wrong with the shape of a parsed spec, as a path in it (users[0].email), a sentence and the fix. */
export function specProblem(data: unknown): Problem | undefined {
  if (!isObject(data)) return { at: say('top'), what: say('topMapping'), write: say('write.top') };
  const extra = Object.keys(data).find((k) => k !== 'users');
  if (extra) return unknownKey(extra, extra, ['users'], say('kind.spec'));
  if (!Array.isArray(data.users) || data.users.length === 0)
    return { at: 'users', what: say('noUsers'), write: say('write.top') };
  const seen = new Set<string>();
  for (const [index, user] of data.users.entries()) {
    const at = `users[${index}]`;
    if (!isObject(user)) return { at, what: say('mapping'), write: say('write.user') };
    const unknown = Object.keys(user).find((k) => !USER_KEYS.includes(k));
    if (unknown) return unknownKey(`${at}.${unknown}`, unknown, USER_KEYS, say('kind.user'));
    for (const key of ['name', 'email'])
      if (typeof user[key] !== 'string' || !user[key])
        return { at: `${at}.${key}`, what: say('requiredString'), write: say(`write.${key}`) };
    for (const key of STRING_KEYS)
      if (user[key] !== undefined && typeof user[key] !== 'string')
        return { at: `${at}.${key}`, what: say('string'), write: say('write.string', key) };
    for (const key of LIST_KEYS) {
      const list = user[key];
      if (list !== undefined && (!Array.isArray(list) || list.some((v) => typeof v !== 'string')))
        return { at: `${at}.${key}`, what: say('strings'), write: say('write.strings', key) };
    }
    const id = String(user.username ?? user.name).toLowerCase();
    if (seen.has(id)) return { at, what: say('twice', id), write: say('write.twice') };
    seen.add(id);
    const problem = appProblem(`${at}.app`, user.app) ?? verifyProblem(`${at}.verify`, user.verify);
    if (problem) return problem;
  }
  return undefined;
}

function appProblem(at: string, app: unknown): Problem | undefined {
  if (app === undefined) return undefined;
  if (!isObject(app) || typeof app.name !== 'string' || !app.name)
    return { at: `${at}.name`, what: say('appName'), write: say('write.appName') };
  const unknown = Object.keys(app).find((k) => !APP_KEYS.includes(k));
  if (unknown) return unknownKey(`${at}.${unknown}`, unknown, APP_KEYS, say('kind.app'));
  if (app.preauthorize !== undefined && app.preauthorize !== 'profile' && app.preauthorize !== 'permission-set')
    return { at: `${at}.preauthorize`, what: say('preauthorizeMode'), write: say('write.preauthorizeMode') };
  if (
    app.permissionSets !== undefined &&
    (!Array.isArray(app.permissionSets) || app.permissionSets.some((v) => typeof v !== 'string'))
  )
    return { at: `${at}.permissionSets`, what: say('strings'), write: say('write.strings', 'permissionSets') };
  if (app.runAs !== undefined && typeof app.runAs !== 'boolean')
    return { at: `${at}.runAs`, what: say('boolean'), write: say('write.runAs') };
  return undefined;
}

function verifyProblem(at: string, verify: unknown): Problem | undefined {
  if (verify === undefined) return undefined;
  if (!isObject(verify)) return { at, what: say('mapping'), write: say('write.verify') };
  const unknown = Object.keys(verify).find((k) => !VERIFY_KEYS.includes(k));
  if (unknown) return unknownKey(`${at}.${unknown}`, unknown, VERIFY_KEYS, say('kind.verify'));
  for (const key of VERIFY_KEYS.filter((k) => k !== 'wait'))
    if (verify[key] !== undefined && typeof verify[key] !== 'string')
      return { at: `${at}.${key}`, what: say('string'), write: say('write.string', key) };
  const wait = verify.wait;
  if (wait !== undefined && !(typeof wait === 'number' && Number.isInteger(wait) && wait >= 0 && wait <= 30))
    return { at: `${at}.wait`, what: say('waitMinutes'), write: say('write.waitMinutes') };
  if (verify.flow !== undefined && verify.flow !== 'jwt' && verify.flow !== 'client-credentials')
    return { at: `${at}.flow`, what: say('verifyFlow'), write: say('write.verifyFlow') };
  if (verify.flow === 'client-credentials') {
    if (verify.jwtKeyFile !== undefined || Boolean(verify.clientId) !== Boolean(verify.clientSecretEnv))
      return { at, what: say('clientIdAndSecretEnv'), write: say('write.verifyClientCredentials') };
    return undefined;
  }
  if (verify.clientSecretEnv !== undefined)
    return {
      at: `${at}.clientSecretEnv`,
      what: say('secretEnvNeedsFlow'),
      write: say('write.verifyClientCredentials'),
    };
  if (Boolean(verify.clientId) !== Boolean(verify.jwtKeyFile))
    return { at, what: say('clientIdAndKey'), write: say('write.verify') };
  return undefined;
}

/** The known key closest to a misspelt one: the same but for case and separators, or one or two letters off. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const limit = word.replace(/[^A-Za-z0-9]/g, '').length <= 4 ? 1 : 2;
  const scored = known.map((k) => ({ k, d: distance(word, k) })).filter(({ d }) => d <= limit);
  return scored.sort((a, b) => a.d - b.d)[0]?.k;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
