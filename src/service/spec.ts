import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorWords, serviceError } from './errors.js';

/** Words of a spec problem, from messages/errors.md (`spec.<key>`). */
const say = (key: string, ...tokens: string[]): string => errorWords(`spec.${key}`, tokens);

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
  };
  /** The JWT login verify does at the end; without it, verify checks the org only. */
  verify?: {
    clientId?: string;
    /** Path of the private key, relative to the spec file. */
    jwtKeyFile?: string;
    /** Login URL and JWT audience (verify --login-url); default: the org's URL, audience login.salesforce.com or, in a sandbox, test.salesforce.com. */
    loginUrl?: string;
    query?: string;
  };
};

/** The setup spec file (YAML or JSON). Its JSON schema is schemas/setup-spec.json. */
export type SetupSpec = { users: SpecUser[] };

/** Reads and checks a spec file: an error names the file, the path in it and what is wrong. */
export async function readSpec(file: string): Promise<SetupSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw serviceError('SpecUnreadable', [file, (error as Error).message]);
  }
  let data: unknown;
  try {
    if (/\.json$/i.test(file)) data = JSON.parse(text);
    else {
      const { parse } = await import('yaml');
      data = parse(text, { prettyErrors: true });
    }
  } catch (error) {
    throw serviceError('SpecInvalid', [file, say('file'), (error as Error).message.split('\n')[0]]);
  }
  const problem = specProblem(data);
  if (problem) throw serviceError('SpecInvalid', [file, problem.at, problem.what]);
  const spec = data as SetupSpec;
  // Key files are relative to the spec, so a pipeline can run from anywhere.
  for (const user of spec.users) {
    if (user.verify?.jwtKeyFile) user.verify.jwtKeyFile = path.resolve(path.dirname(file), user.verify.jwtKeyFile);
  }
  return spec;
}

type Problem = { at: string; what: string };
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

/** The first thing wrong with a parsed spec, as a path in it (users[0].email) and a sentence. */
export function specProblem(data: unknown): Problem | undefined {
  if (!isObject(data)) return { at: say('top'), what: say('topMapping') };
  const extra = Object.keys(data).find((k) => k !== 'users');
  if (extra) return { at: extra, what: say('notSpecKey') };
  if (!Array.isArray(data.users) || data.users.length === 0) return { at: 'users', what: say('noUsers') };
  const seen = new Set<string>();
  for (const [index, user] of data.users.entries()) {
    const at = `users[${index}]`;
    if (!isObject(user)) return { at, what: say('mapping') };
    const unknown = Object.keys(user).find((k) => !USER_KEYS.includes(k));
    if (unknown) return { at: `${at}.${unknown}`, what: say('notUserKey', USER_KEYS.join(', ')) };
    for (const key of ['name', 'email'])
      if (typeof user[key] !== 'string' || !user[key]) return { at: `${at}.${key}`, what: say('requiredString') };
    for (const key of STRING_KEYS)
      if (user[key] !== undefined && typeof user[key] !== 'string') return { at: `${at}.${key}`, what: say('string') };
    for (const key of LIST_KEYS) {
      const list = user[key];
      if (list !== undefined && (!Array.isArray(list) || list.some((v) => typeof v !== 'string')))
        return { at: `${at}.${key}`, what: say('strings') };
    }
    const id = String(user.username ?? user.name).toLowerCase();
    if (seen.has(id)) return { at, what: say('twice', id) };
    seen.add(id);
    if (user.app !== undefined) {
      const app = user.app;
      if (!isObject(app) || typeof app.name !== 'string' || !app.name)
        return { at: `${at}.app.name`, what: say('appName') };
      const unknownApp = Object.keys(app).find((k) => !['name', 'preauthorize', 'permissionSets'].includes(k));
      if (unknownApp)
        return { at: `${at}.app.${unknownApp}`, what: say('notAppKey', 'name, preauthorize, permissionSets') };
      if (app.preauthorize !== undefined && app.preauthorize !== 'profile' && app.preauthorize !== 'permission-set')
        return { at: `${at}.app.preauthorize`, what: say('preauthorizeMode') };
      if (
        app.permissionSets !== undefined &&
        (!Array.isArray(app.permissionSets) || app.permissionSets.some((v) => typeof v !== 'string'))
      )
        return { at: `${at}.app.permissionSets`, what: say('strings') };
    }
    if (user.verify !== undefined) {
      const verify = user.verify;
      if (!isObject(verify)) return { at: `${at}.verify`, what: say('mapping') };
      const unknownVerify = Object.keys(verify).find(
        (k) => !['clientId', 'jwtKeyFile', 'loginUrl', 'query'].includes(k)
      );
      if (unknownVerify)
        return {
          at: `${at}.verify.${unknownVerify}`,
          what: say('notVerifyKey', 'clientId, jwtKeyFile, loginUrl, query'),
        };
      for (const key of ['clientId', 'jwtKeyFile', 'loginUrl', 'query'])
        if (verify[key] !== undefined && typeof verify[key] !== 'string')
          return { at: `${at}.verify.${key}`, what: say('string') };
      if (Boolean(verify.clientId) !== Boolean(verify.jwtKeyFile))
        return { at: `${at}.verify`, what: say('clientIdAndKey') };
    }
  }
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
