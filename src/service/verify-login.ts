import { Messages } from '@salesforce/core';
import { fetchRetrying, type OrgClient, type SObjectRecord } from './org-client.js';
import { INTEGRATION_USER_LICENSE } from './licenses.js';
import { loginAsUser, withoutSlash, type JwtLogin } from './jwt.js';
import { sameId } from './app-lookup.js';
import { plural } from './plural.js';
import { advice, verbatim, type Advice } from './plan.js';
import { createUserFix, grantFix, preauthorizeFix } from './fixes.js';
import { just, VERIFY, type AddCheck, type CheckStatus, type VerifyInput, type VerifyReport } from './verify-result.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', VERIFY);

/**
 * The checks verify makes as the user: one JWT bearer login (retried while an app change propagates with
 * --wait), a query with that session, and who the session is. Nothing is stored; the session lives in memory.
 */

/** Words of the verify bundle, with the fixes among the tokens. */
export const words = (key: string, ...tokens: Parameters<typeof advice>[2][]): Advice => advice(VERIFY, key, ...tokens);

/** The OAuth errors a JWT login gets, mapped to their cause and the fix (the command or the words). */
export function explainJwtError(
  error: string,
  description: string,
  about: { user: string; app?: string; appPreauthorizes?: boolean; waitedMinutes?: number }
): { message: string; fix: Advice } {
  const text = `${error} ${description}`.toLowerCase();
  const say = (key: string, ...tokens: string[]): string => messages.getMessage(`jwt.${key}`, tokens);
  const refused =
    text.includes("hasn't approved") || text.includes('not admin approved') || error === 'invalid_app_access';
  // The org says the app pre-authorizes the user, so preauthorize would write nothing: the login service hasn't the
  // change yet (it can take minutes), or the consumer key is another app's.
  if (refused && about.appPreauthorizes && about.app)
    return about.waitedMinutes
      ? {
          message: say('stillRefused', about.app, about.user, String(about.waitedMinutes), description || error),
          fix: words('fix.otherAppKey', about.app),
        }
      : {
          message: say('propagating', about.app, about.user, description || error),
          fix: words('fix.propagating', about.app),
        };
  if (refused)
    return {
      message: say('notPreauthorized', about.user, description || error),
      fix: just(preauthorizeFix(about.app ?? verbatim('<app>'))),
    };
  if (error === 'invalid_client_id') return { message: say('unknownClient', description), fix: words('fix.clientId') };
  if (text.includes('audience')) return { message: say('audience', description), fix: words('fix.loginUrl') };
  if (text.includes('invalid assertion') || text.includes('signature'))
    return { message: say('keyMismatch', description), fix: words('fix.key') };
  if (error === 'app_not_found' || text.includes('not installed'))
    return { message: say('notInstalled', description), fix: words('fix.wait', about.app ?? '<app>') };
  if (text.includes('expired')) return { message: say('expired', description), fix: words('fix.clock') };
  if (text.includes('inactive') || text.includes('user'))
    return { message: say('userCannotLogIn', description || error), fix: words('fix.checkUser', about.user) };
  return { message: say('failed', `${error} ${description}`.trim()), fix: words('fix.checkAll') };
}

/** The jwt-login, query and identity checks: skipped without a key (or with one that isn't the certificate's), else a login as the user, the query, and who logged in. */
export async function checkLogin(
  client: OrgClient,
  input: VerifyInput,
  who: { username: string; userId: string; license: string; org: SObjectRecord | Record<string, never> },
  add: AddCheck,
  result: VerifyReport,
  /** The certificate check's reason not to try the login (a message key of the bundle). */
  options: { notTried?: string } = {}
): Promise<void> {
  const { username, license, org } = who;
  if (!input.clientId || !input.privateKey) {
    for (const name of ['jwt-login', 'query', 'identity'] as const) add(name, 'skip', 'login.skip');
    return;
  }
  // The certificate check found the key isn't the certificate's, or no certificate: the login could only fail.
  if (options.notTried) {
    add('jwt-login', 'skip', options.notTried);
    add('query', 'skip', 'login.noSession');
    add('identity', 'skip', 'login.noSession');
    return;
  }
  // A dry run leaves no login history: the key was read and checked (verify.ts), the login is what the real run does.
  if (input.dryRun) {
    // Named without a trailing slash (oclif's URL text of --login-url has one), as the login itself names it.
    add('jwt-login', 'skip', 'login.dryRun', [username, withoutSlash(input.loginUrl ?? client.instanceUrl)]);
    add('query', 'skip', 'query.dryRun');
    add('identity', 'skip', 'identity.dryRun');
    return;
  }
  const login = await loginWithRetry(input, {
    username,
    instanceUrl: client.instanceUrl,
    isSandbox: org.IsSandbox === true,
  });
  if (!login.ok) {
    const explained = explainJwtError(login.error, login.errorDescription, {
      user: username,
      app: input.app,
      appPreauthorizes: result.checks.some((c) => c.name === 'app' && c.status === 'pass'),
      waitedMinutes: input.waitMinutes,
    });
    add('jwt-login', 'fail', 'login.fail', [explained.message, login.loginUrl, login.audience], explained.fix);
    add('query', 'skip', 'login.noSession');
    add('identity', 'skip', 'login.noSession');
    return;
  }
  add('jwt-login', 'pass', 'login.pass', [username, login.loginUrl, login.audience]);
  const session = { instanceUrl: login.instanceUrl, token: login.accessToken };
  await checkQueryAsUser(session, client.apiVersion, input.query, username, add, result);
  const identity = await identityOf(session, login, { id: who.userId, orgId: String(org.Id ?? ''), license });
  add(
    'identity',
    identity.status,
    identity.key,
    identity.tokens,
    identity.status === 'fail' ? (identity.fix ?? just(createUserFix())) : undefined
  );
}

/** The query check, run with a session of the user (whichever flow gave it); its count goes into the result. */
export async function checkQueryAsUser(
  session: { instanceUrl: string; token: string },
  apiVersion: string,
  soql: string,
  username: string,
  add: AddCheck,
  result: VerifyReport
): Promise<void> {
  const query = await asUser<{ totalSize: number }>(
    session,
    `/services/data/v${apiVersion}/query?q=${encodeURIComponent(soql)}`
  );
  if ('totalSize' in query) {
    result.query = { totalSize: query.totalSize };
    add('query', 'pass', 'query.pass', [plural(messages, 'count.records', query.totalSize)]);
  } else {
    const object = /sObject type '(\w+)'/.exec(query.message)?.[1] ?? /FROM\s+(\w+)/i.exec(soql)?.[1];
    const fix = query.errorCode === 'INVALID_TYPE' && object ? just(grantFix(username, [object])) : words('fix.query');
    add('query', 'fail', 'query.fail', [query.errorCode, query.message], fix);
  }
}

/**
 * Who the JWT login logged in. The token response's id URL names org and user; the admin's read
 * gave the user's license. userinfo answers only tokens with openid or an identity scope (id,
 * profile), which an app made with Api and RefreshToken lacks: it is asked only when the token's
 * scope allows, and then must confirm is_salesforce_integration_user.
 */
export async function identityOf(
  session: { instanceUrl: string; token: string },
  login: { orgId: string; userId: string; scopes: string[] },
  expected: { id: string; orgId: string; license: string }
): Promise<{ status: CheckStatus; key: string; tokens: unknown[]; fix?: Advice }> {
  if (!sameId(login.orgId, expected.orgId))
    return {
      status: 'fail',
      key: 'identity.otherOrg',
      tokens: [login.orgId, expected.orgId],
      fix: words('fix.targetLoginUrl'),
    };
  if (!sameId(login.userId, expected.id))
    return {
      status: 'fail',
      key: 'identity.otherUser',
      tokens: [login.userId, expected.id],
      fix: words('fix.username'),
    };
  if (expected.license !== INTEGRATION_USER_LICENSE)
    return {
      status: 'fail',
      key: 'identity.otherLicense',
      tokens: [login.userId, expected.license, INTEGRATION_USER_LICENSE],
    };
  const who = [login.userId, login.orgId, INTEGRATION_USER_LICENSE];
  if (!login.scopes.some((scope) => ['openid', 'id', 'profile'].includes(scope)))
    return { status: 'pass', key: 'identity.noUserinfo', tokens: who };
  const info = await asUser<{ is_salesforce_integration_user?: boolean }>(session, '/services/oauth2/userinfo');
  if ('errorCode' in info)
    return {
      status: 'fail',
      key: 'identity.userinfoFailed',
      tokens: [...who, info.errorCode],
      fix: words('fix.userinfo'),
    };
  if (info.is_salesforce_integration_user !== true)
    return { status: 'fail', key: 'identity.notIntegration', tokens: who };
  return { status: 'pass', key: 'identity.pass', tokens: who };
}

/**
 * Retries a refused login while an app change may still be propagating (--wait), every 10 seconds, telling
 * `onProgress` of each refusal and the time left.
 */
async function loginWithRetry(
  input: VerifyInput,
  target: { username: string; instanceUrl: string; isSandbox: boolean }
): Promise<JwtLogin> {
  const deadline = Date.now() + input.waitMinutes * 60_000;
  for (let attempt = 1; ; attempt++) {
    const login = await loginAsUser(
      { instanceUrl: target.instanceUrl, isSandbox: target.isSandbox, loginUrl: input.loginUrl },
      { clientId: input.clientId!, username: target.username, privateKey: input.privateKey! }
    );
    const propagating = !login.ok && (login.error === 'app_not_found' || /approved/.test(login.errorDescription));
    if (login.ok || !propagating || Date.now() >= deadline) return login;
    input.onProgress?.({ attempt, secondsLeft: Math.max(Math.round((deadline - Date.now()) / 1000), 0) });
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
}

/** One REST call with the user's session, in memory only. */
export async function asUser<T>(
  session: { instanceUrl: string; token: string },
  path: string
): Promise<T | { errorCode: string; message: string }> {
  const response = await fetchRetrying(`${withoutSlash(session.instanceUrl)}${path}`, {
    headers: { authorization: `Bearer ${session.token}`, accept: 'application/json' },
  });
  const body: unknown = await response.json().catch(() => ({}));
  if (response.ok) return body as T;
  const first = (Array.isArray(body) ? body[0] : body) as { errorCode?: string; message?: string } | undefined;
  return { errorCode: first?.errorCode ?? `HTTP ${response.status}`, message: first?.message ?? '' };
}
