import { fetchRetrying, type OrgClient, type SObjectRecord } from './org-client.js';
import { INTEGRATION_USER_LICENSE } from './licenses.js';
import { loginAsUser, type JwtLogin } from './jwt.js';
import { shellQuote } from './shell.js';
import { sameId } from './app-lookup.js';
import type { CheckName, CheckStatus, VerifyInput, VerifyResult } from './verify.js';

/**
 * The checks verify makes as the user: one JWT bearer login (retried while an app change propagates with
 * --wait), a query with that session, and who the session is. Nothing is stored; the session lives in memory.
 */

/** The OAuth errors a JWT login gets, mapped to their cause and the command that fixes it. */
export function explainJwtError(
  error: string,
  description: string,
  fix: { user: string; app?: string; targetOrg: string }
): { message: string; action: string } {
  const text = `${error} ${description}`.toLowerCase();
  const app = fix.app ?? '<app>';
  if (text.includes("hasn't approved") || text.includes('not admin approved') || error === 'invalid_app_access') {
    return {
      message: `The app doesn't pre-authorize ${fix.user} (${description || error}).`,
      action: `sf integration-user preauthorize --app ${app} --target-org ${fix.targetOrg}`,
    };
  }
  if (error === 'invalid_client_id')
    return {
      message: `No app has this consumer key (${description}).`,
      action: "Pass the app's consumer key with --client-id (Setup > App Manager > the app > Consumer Key).",
    };
  if (text.includes('audience')) {
    return {
      message: `The org refused the JWT's audience (${description}): the login URL is the wrong one for this org; sandboxes take https://test.salesforce.com, production https://login.salesforce.com.`,
      action:
        "Pass the org's login URL with --login-url (verify.loginUrl in a spec file): https://login.salesforce.com, https://test.salesforce.com or an Experience Cloud site URL.",
    };
  }
  if (text.includes('invalid assertion') || text.includes('signature')) {
    return {
      message: `The key doesn't match the app's certificate (${description}).`,
      action:
        "Sign with the private key of the certificate uploaded to the app, or upload this key's certificate to the app.",
    };
  }
  if (error === 'app_not_found' || text.includes('not installed')) {
    return {
      message: `The External Client App isn't enabled or installed yet (${description}).`,
      action: `Enable the app's plugins, or wait for the change to propagate and re-run with --wait 10 (app ${app}).`,
    };
  }
  if (text.includes('expired'))
    return {
      message: `The assertion expired (${description}): the clock of this machine is off.`,
      action: 'Sync the system clock, then re-run.',
    };
  if (text.includes('inactive') || text.includes('user'))
    return {
      message: `The user can't log in (${description || error}).`,
      action: `Check that ${fix.user} exists and is active.`,
    };
  return {
    message: `The JWT login failed: ${error} ${description}`.trim(),
    action: 'Check the app, the key and the user, then re-run.',
  };
}

/** The jwt-login, query and identity checks: skipped without a key, else a login as the user, the query, and who logged in. */
export async function checkLogin(
  client: OrgClient,
  input: VerifyInput,
  who: { username: string; userId: string; license: string; org: SObjectRecord | Record<string, never> },
  add: (name: CheckName, status: CheckStatus, message: string, action?: string) => void,
  result: VerifyResult
): Promise<void> {
  const { username, license, org } = who;
  const user = { Id: who.userId };
  const fixes = { user: username, app: input.app, targetOrg: input.targetOrg };
  const userArg = shellQuote(username);
  if (!input.clientId || !input.privateKey) {
    for (const name of ['jwt-login', 'query', 'identity'] as const)
      add(name, 'skip', 'Give --client-id and --jwt-key-file to log in as the user.');
    return;
  }
  const login = await loginWithRetry(input, {
    username,
    instanceUrl: client.instanceUrl,
    isSandbox: org.IsSandbox === true,
  });
  if (!login.ok) {
    const explained = explainJwtError(login.error, login.errorDescription, fixes);
    add(
      'jwt-login',
      'fail',
      `${explained.message} [login ${login.loginUrl}, audience ${login.audience}]`,
      explained.action
    );
    add('query', 'skip', 'No session as the user.');
    add('identity', 'skip', 'No session as the user.');
    return;
  }
  add(
    'jwt-login',
    'pass',
    `JWT bearer login as ${username} succeeded at ${login.loginUrl} (audience ${login.audience}).`
  );
  const session = { instanceUrl: login.instanceUrl, token: login.accessToken, version: client.apiVersion };
  const query = await asUser<{ totalSize: number }>(
    session,
    `/services/data/v${session.version}/query?q=${encodeURIComponent(input.query)}`
  );
  if ('totalSize' in query) {
    result.query = { totalSize: query.totalSize };
    add('query', 'pass', `The query returned ${query.totalSize} record(s).`);
  } else {
    const object =
      /sObject type '(\w+)'/.exec(query.message)?.[1] ?? /FROM\s+(\w+)/i.exec(input.query)?.[1] ?? '<Object>';
    const action =
      query.errorCode === 'INVALID_TYPE'
        ? `sf integration-user grant --username ${userArg} --object ${object}:read --target-org ${input.targetOrg}`
        : 'Check the query (--query).';
    add('query', 'fail', `${query.errorCode}: ${query.message}`, action);
  }
  const identity = await identityOf(session, login, { id: String(user.Id), orgId: String(org.Id ?? ''), license });
  add(
    'identity',
    identity.status,
    identity.message,
    identity.status === 'fail'
      ? (identity.action ??
          `sf integration-user create --name "<name>" --email <email> --target-org ${input.targetOrg}`)
      : undefined
  );
}

/**
 * Who the JWT login logged in. The token response's id URL names org and user; the admin's read
 * gave the user's license. userinfo answers only tokens with openid or an identity scope (id,
 * profile), which an app made with Api and RefreshToken lacks: it is asked only when the token's
 * scope allows, and then must confirm is_salesforce_integration_user.
 */
async function identityOf(
  session: { instanceUrl: string; token: string },
  login: Extract<JwtLogin, { ok: true }>,
  expected: { id: string; orgId: string; license: string }
): Promise<{ status: CheckStatus; message: string; action?: string }> {
  if (!sameId(login.orgId, expected.orgId)) {
    return {
      status: 'fail',
      message: `The login landed in org ${login.orgId}, not the target org ${expected.orgId}.`,
      action: "Pass the target org's login URL with --login-url, or leave it out to log in at the org's own URL.",
    };
  }
  if (!sameId(login.userId, expected.id))
    return {
      status: 'fail',
      message: `The login is user ${login.userId}, not ${expected.id}.`,
      action: 'Check --username.',
    };
  if (expected.license !== INTEGRATION_USER_LICENSE)
    return {
      status: 'fail',
      message: `Logged in as user ${login.userId}, which is on the "${expected.license}" license, not ${INTEGRATION_USER_LICENSE}.`,
    };
  const who = `Logged in as user ${login.userId} in org ${login.orgId}, on the ${INTEGRATION_USER_LICENSE} license`;
  if (!login.scopes.some((scope) => ['openid', 'id', 'profile'].includes(scope)))
    return { status: 'pass', message: `${who} (the token's scope has no openid, id or profile: userinfo not asked).` };
  const info = await asUser<{ is_salesforce_integration_user?: boolean }>(session, '/services/oauth2/userinfo');
  if ('errorCode' in info)
    return {
      status: 'fail',
      message: `${who}, but userinfo failed: ${info.errorCode}.`,
      action: 'Re-run; if it persists, check the user.',
    };
  if (info.is_salesforce_integration_user !== true)
    return { status: 'fail', message: `${who}, but userinfo says this is not a Salesforce integration user.` };
  return { status: 'pass', message: `${who}; userinfo confirms is_salesforce_integration_user.` };
}

/** Retries a refused login while an app change may still be propagating (--wait). */
async function loginWithRetry(
  input: VerifyInput,
  target: { username: string; instanceUrl: string; isSandbox: boolean }
): Promise<JwtLogin> {
  const deadline = Date.now() + input.waitMinutes * 60_000;
  for (;;) {
    const login = await loginAsUser(
      { instanceUrl: target.instanceUrl, isSandbox: target.isSandbox, loginUrl: input.loginUrl },
      { clientId: input.clientId!, username: target.username, privateKey: input.privateKey! }
    );
    const propagating = !login.ok && (login.error === 'app_not_found' || /approved/.test(login.errorDescription));
    if (login.ok || !propagating || Date.now() >= deadline) return login;
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
}

/** One REST call with the user's session, in memory only. */
async function asUser<T>(
  session: { instanceUrl: string; token: string },
  path: string
): Promise<T | { errorCode: string; message: string }> {
  const response = await fetchRetrying(`${session.instanceUrl.replace(/\/+$/, '')}${path}`, {
    headers: { authorization: `Bearer ${session.token}`, accept: 'application/json' },
  });
  const body: unknown = await response.json().catch(() => ({}));
  if (response.ok) return body as T;
  const first = (Array.isArray(body) ? body[0] : body) as { errorCode?: string; message?: string } | undefined;
  return { errorCode: first?.errorCode ?? `HTTP ${response.status}`, message: first?.message ?? '' };
}
