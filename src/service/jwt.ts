import { createPrivateKey, createSign } from 'node:crypto';
import { fetchRetrying } from './org-client.js';
import { errorWords } from './errors.js';

/** The audiences the JWT bearer flow documents (Salesforce Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"). */
export const PRODUCTION_LOGIN = 'https://login.salesforce.com';
export const SANDBOX_LOGIN = 'https://test.salesforce.com';

/** One token request: posted to `loginUrl`, signed with `audience` (default: the login URL). */
export type JwtGrant = { loginUrl: string; audience?: string; clientId: string; username: string; privateKey: string };

/** Salesforce's answer to one JWT bearer exchange: a session (with the scopes its token carries), or its OAuth error. */
export type JwtOutcome =
  | { ok: true; accessToken: string; instanceUrl: string; userId: string; orgId: string; scopes: string[] }
  | { ok: false; status: number; error: string; errorDescription: string };

/** Where the user's JWT login goes: the org's instance URL and kind, or the login URL the admin named. */
export type LoginTarget = { instanceUrl: string; isSandbox: boolean; loginUrl?: string };

/** A login's outcome with the URL it was posted to and the audience that was signed. */
export type JwtLogin = JwtOutcome & { loginUrl: string; audience: string };

/** Why a PEM text can't sign RS256 assertions, or undefined when it can. */
export function privateKeyProblem(pem: string): string | undefined {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'rsa' ? undefined : errorWords('reason.keyType', [String(key.asymmetricKeyType)]);
  } catch (error) {
    if (/-----BEGIN CERTIFICATE-----/.test(pem)) return errorWords('reason.certificateNotKey');
    return pem.trim() ? errorWords('reason.notPemKey', [(error as Error).message]) : errorWords('reason.empty');
  }
}

const base64url = (value: Buffer | string): string => Buffer.from(value).toString('base64url');

/**
 * Signs a JWT bearer assertion (RS256) for the user, as `sf org login jwt` does: iss = the app's
 * consumer key, sub = the username, aud = the login URL.
 */
export function signAssertion(grant: JwtGrant, now = Date.now()): string {
  const key = createPrivateKey(grant.privateKey);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(
    JSON.stringify({
      iss: grant.clientId,
      sub: grant.username,
      aud: grant.audience ?? grant.loginUrl,
      exp: Math.floor(now / 1000) + 180,
    })
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key);
  return `${header}.${claims}.${base64url(signature)}`;
}

/** A URL without its trailing slashes (oclif's URL text of --login-url has one; Salesforce's URLs don't). */
export const withoutSlash = (url: string): string => url.replace(/\/+$/, '');

/**
 * One JWT bearer token exchange against one login URL with one audience: nothing is stored. The
 * caller must not print the token.
 */
export async function exchangeJwt(grant: JwtGrant): Promise<JwtOutcome> {
  return requestToken(
    grant.loginUrl,
    new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: signAssertion(grant) })
  );
}

/**
 * One OAuth token request (POST <url>/services/oauth2/token, a form body) and Salesforce's answer: the session, or
 * the OAuth error with its description. The JWT bearer and client credentials flows answer alike.
 */
export async function requestToken(url: string, body: URLSearchParams): Promise<JwtOutcome> {
  const response = await fetchRetrying(`${withoutSlash(url)}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, string>;
  if (!response.ok || !answer.access_token) {
    return {
      ok: false,
      status: response.status,
      error: answer.error ?? `HTTP ${response.status}`,
      errorDescription: answer.error_description ?? '',
    };
  }
  const [orgId, userId] = (answer.id ?? '').split('/').slice(-2);
  const scopes = (answer.scope ?? '').split(/\s+/).filter(Boolean);
  return { ok: true, accessToken: answer.access_token, instanceUrl: answer.instance_url, userId, orgId, scopes };
}

/**
 * The token requests a login may make, in order. A login URL the admin names is both endpoint and
 * audience (with or without its trailing slash). Otherwise the request goes to the org's own URL,
 * signed for the documented audience of its kind (production: login.salesforce.com, sandbox:
 * test.salesforce.com), then, only if the org calls that audience invalid, for the org's own URL:
 * whether an org takes its My Domain as audience is unsettled (sfdx-core's getLoginAudienceCombos
 * tries up to eleven pairs for that reason; two cover the documented cases and My Domain).
 */
export function loginAttempts(target: LoginTarget): Array<{ loginUrl: string; audience: string }> {
  if (target.loginUrl) {
    const url = withoutSlash(target.loginUrl);
    return [{ loginUrl: url, audience: url }];
  }
  const instance = withoutSlash(target.instanceUrl);
  return [
    { loginUrl: instance, audience: target.isSandbox ? SANDBOX_LOGIN : PRODUCTION_LOGIN },
    { loginUrl: instance, audience: instance },
  ];
}

/** The user's JWT login: the first attempt, and the next one only when the audience was refused. */
export async function loginAsUser(
  target: LoginTarget,
  user: { clientId: string; username: string; privateKey: string }
): Promise<JwtLogin> {
  const [first, ...fallbacks] = loginAttempts(target);
  let login: JwtLogin = { ...(await exchangeJwt({ ...user, ...first })), ...first };
  for (const attempt of fallbacks) {
    if (login.ok || !/audience/i.test(login.errorDescription)) break;
    login = { ...(await exchangeJwt({ ...user, ...attempt })), ...attempt };
  }
  return login;
}
