import { createPrivateKey, createSign } from 'node:crypto';
import { fetchRetrying } from './org-client.js';

export type JwtGrant = { loginUrl: string; clientId: string; username: string; privateKey: string };

/** Salesforce's answer to one JWT bearer exchange: a session, or its OAuth error. */
export type JwtOutcome =
  | { ok: true; accessToken: string; instanceUrl: string; userId: string; orgId: string }
  | { ok: false; status: number; error: string; errorDescription: string };

/** Why a PEM text can't sign RS256 assertions, or undefined when it can. */
export function privateKeyProblem(pem: string): string | undefined {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'rsa' ? undefined : `it is an ${String(key.asymmetricKeyType)} key, and RS256 needs an RSA key`;
  } catch (error) {
    if (/-----BEGIN CERTIFICATE-----/.test(pem)) return 'it holds a certificate, not a private key';
    return pem.trim() ? `it doesn't parse as a PEM private key (${(error as Error).message})` : 'it is empty';
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
  const claims = base64url(JSON.stringify({ iss: grant.clientId, sub: grant.username, aud: grant.loginUrl, exp: Math.floor(now / 1000) + 180 }));
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key);
  return `${header}.${claims}.${base64url(signature)}`;
}

/**
 * One JWT bearer token exchange against one login URL: no fallback to other audiences (sf's
 * login retries Salesforce's own hosts), and nothing is stored. The caller must not print the token.
 */
export async function exchangeJwt(grant: JwtGrant): Promise<JwtOutcome> {
  const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: signAssertion(grant) });
  const response = await fetchRetrying(`${grant.loginUrl.replace(/\/+$/, '')}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, string>;
  if (!response.ok || !answer.access_token) {
    return { ok: false, status: response.status, error: answer.error ?? `HTTP ${response.status}`, errorDescription: answer.error_description ?? '' };
  }
  const [orgId, userId] = (answer.id ?? '').split('/').slice(-2);
  return { ok: true, accessToken: answer.access_token, instanceUrl: answer.instance_url, userId, orgId };
}
