// POST /services/oauth2/token: the JWT bearer flow (Salesforce Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server
// Integration") and the client credentials flow (client-credentials.ts), its checks in Salesforce's order and its errors as {"error","error_description"} (Help, "OAuth
// flow errors"). A success is a session of the JWT's user.
//
// behaviour.policyPropagationFailures: app and policy changes reach the token endpoint late. The endpoint
// judges requests against the apps as they were ("the effective view") until n requests have seen a change.

import { createHmac, createPublicKey, randomBytes, verify } from 'node:crypto';
import { AuthApp, authApps, ecaListNames } from './auth-apps.js';
import { CLIENT_CREDENTIALS_GRANT, clientCredentials } from './client-credentials.js';
import { heldPermissionSetIds } from '../rules/access.js';
import type { OrgState, Rec } from '../data/state.js';

export const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** About three minutes of clock skew for exp (the JWT Bearer Flow help page's three-minute window; third-party reports). */
const SKEW_SECONDS = 180;
const PRODUCTION_LOGIN = 'https://login.salesforce.com';
const SANDBOX_LOGIN = 'https://test.salesforce.com';

export interface TokenReply {
  status: number;
  body: Record<string, unknown>;
  /** the username a successful exchange logged in (for the request log; never the token) */
  username?: string;
}

export const oauthError = (error: string, description: string): TokenReply => ({
  status: 400,
  body: { error, error_description: description },
});
export const NOT_APPROVED = (): TokenReply => oauthError('invalid_grant', "user hasn't approved this consumer");
const INVALID_ASSERTION = (): TokenReply => oauthError('invalid_grant', 'invalid assertion');

interface Jwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signed: string;
  signature: Buffer;
}

function decodeJwt(assertion: string | null): Jwt | undefined {
  const parts = (assertion ?? '').split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null)
      return undefined;
    return {
      header: header as Record<string, unknown>,
      claims: claims as Record<string, unknown>,
      signed: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return undefined;
  }
}

function signatureValid(jwt: Jwt, certificate: string | undefined): boolean {
  if (jwt.header.alg !== 'RS256' || !certificate) return false;
  try {
    return verify('RSA-SHA256', Buffer.from(jwt.signed), createPublicKey(certificate), jwt.signature);
  } catch {
    return false;
  }
}

/**
 * The audiences the JWT bearer flow page (Salesforce Help) documents: https://login.salesforce.com for
 * production, https://test.salesforce.com for sandboxes (so each refuses the other's host). The org's own
 * URL (My Domain; here 127.0.0.1 or localhost, with or without the trailing slash sf sends) is unsettled:
 * behaviour.myDomainAudience.
 */
function audienceValid(aud: unknown, baseUrl: string, state: OrgState): boolean {
  const base = baseUrl.replace(/\/$/, '');
  const allowed = new Set([state.seed.org.isSandbox ? SANDBOX_LOGIN : PRODUCTION_LOGIN]);
  if (state.behaviour.myDomainAudience === 'accept')
    for (const own of [base, base.replace('127.0.0.1', 'localhost')]) allowed.add(own);
  const values = Array.isArray(aud) ? aud : [aud];
  return values.some((v) => typeof v === 'string' && allowed.has(v.replace(/\/$/, '')));
}

/** exp is read as seconds; a millisecond value (what sf sends) is far in the future and passes (sf 2.150.6 seen sending it; Salesforce accepts it). */
function expired(exp: unknown): boolean | undefined {
  const n = typeof exp === 'number' ? exp : typeof exp === 'string' && /^\d+$/.test(exp) ? Number(exp) : NaN;
  if (!Number.isFinite(n)) return undefined;
  return n + SKEW_SECONDS < Date.now() / 1000;
}

/** Is the user pre-authorized (admin-approved apps) or has the user approved it (self-authorized ones)? */
export function approved(state: OrgState, app: AuthApp, user: Rec): boolean {
  if (!app.adminApproved) return app.approvedUserIds.includes(user.Id);
  const held = heldPermissionSetIds(state, user.Id);
  if (app.grantSetIds.some((id) => held.has(id))) return true;
  if (app.kind === 'ConnectedApp') return false;
  const profile = state.get('Profile', user.ProfileId);
  if (profile && app.profiles.includes(String(profile.Name).toLowerCase())) return true;
  for (const id of held) {
    const set = state.get('PermissionSet', id);
    if (set && set.IsOwnedByProfile !== true && app.permissionSets.some((entry) => ecaListNames(state, entry, set)))
      return true;
  }
  return false;
}

/**
 * An app's scopes (metadata names, e.g. ConnectedApp oauthConfig scopes) as the OAuth scope values a token
 * carries (Salesforce Help, "OAuth Tokens and Scopes"); values already in that form pass through.
 */
const TOKEN_SCOPE: Record<string, string> = {
  basic: 'id',
  chatter: 'chatter_api',
  customapplications: 'visualforce',
  refreshtoken: 'refresh_token',
  offlineaccess: 'offline_access',
  custompermissions: 'custom_permissions',
  wave: 'wave_api',
  eclair: 'eclair_api',
  pardot: 'pardot_api',
};

/** The token's `scope`: the app's scopes, without refresh_token (the JWT bearer flow issues no refresh token, JWT Bearer Flow help page: "api" for an Api + RefreshToken app). */
export function tokenScopes(app: AuthApp): string[] {
  const scopes = app.scopes.map((s) => TOKEN_SCOPE[s] ?? s);
  return [...new Set(scopes.filter((s) => s !== 'refresh_token' && s !== 'offline_access'))];
}

/** The JWT flow needs Api (or Full) and RefreshToken among the app's scopes (Metadata API reference, ConnectedApp scopes; a login with Api alone was refused). */
function scopesAllow(app: AuthApp): boolean {
  const has = (...names: string[]): boolean => names.some((n) => app.scopes.includes(n));
  return has('api', 'full') && has('refreshtoken', 'refresh_token', 'offline_access');
}

export class TokenEndpoint {
  private effective: { key: string; apps: AuthApp[] };
  /** token requests still answered from the effective view after a change was seen */
  private pending?: number;

  public constructor(private readonly state: OrgState) {
    const apps = authApps(state);
    this.effective = { key: JSON.stringify(apps), apps };
  }

  /** The apps as this token request sees them (behaviour policyPropagationFailures). */
  private appsForRequest(): AuthApp[] {
    const apps = authApps(this.state);
    const key = JSON.stringify(apps);
    const n = this.state.behaviour.policyPropagationFailures;
    if (key === this.effective.key || n === 0) {
      this.effective = { key, apps };
      this.pending = undefined;
      return apps;
    }
    this.pending ??= n;
    if (this.pending > 0) {
      this.pending--;
      return this.effective.apps;
    }
    this.effective = { key, apps };
    this.pending = undefined;
    return apps;
  }

  public exchange(
    method: string,
    form: URLSearchParams,
    baseUrl: string,
    request: { host?: string; authorization?: string } = {}
  ): TokenReply {
    if (method !== 'POST') return oauthError('invalid_request', 'must use HTTP POST');
    if (form.get('grant_type') === CLIENT_CREDENTIALS_GRANT) {
      const answer = clientCredentials(this.state, () => this.appsForRequest(), form, request);
      return 'reply' in answer ? answer.reply : this.issue(answer.app, answer.user, baseUrl, 'client_credentials');
    }
    if (form.get('grant_type') !== JWT_GRANT) return oauthError('unsupported_grant_type', 'grant type not supported');
    const jwt = decodeJwt(form.get('assertion'));
    if (!jwt) return INVALID_ASSERTION();
    const apps = this.appsForRequest();
    const { state } = this;

    // 1. the app by iss, and the signature against its certificate
    const app = apps.find((a) => a.consumerKey === jwt.claims.iss);
    if (!app) return oauthError('invalid_client_id', 'client identifier invalid');
    if (!signatureValid(jwt, app.certificate)) return INVALID_ASSERTION();
    // 2. the audience
    if (!audienceValid(jwt.claims.aud, baseUrl, state)) return oauthError('invalid_grant', 'audience is invalid');
    // 3. expiry
    const isExpired = expired(jwt.claims.exp);
    if (isExpired === undefined) return INVALID_ASSERTION();
    if (isExpired) return oauthError('invalid_grant', 'expired authorization code');
    // 4. the user (an unknown username reads as not approved, as in a real org; an inactive one says so)
    const user = typeof jwt.claims.sub === 'string' ? state.findBy('User', 'Username', jwt.claims.sub) : undefined;
    if (!user) return NOT_APPROVED();
    if (user.IsActive !== true) return oauthError('invalid_grant', 'inactive user');
    // 5. the app is usable
    if (!app.enabled) return oauthError('app_not_found', 'External client app is not installed in this org');
    // 6. pre-authorization
    if (!approved(state, app, user)) {
      if (
        app.kind === 'ExternalClientApplication' &&
        app.adminApproved &&
        state.behaviour.ecaNotApprovedError === 'invalid_app_access'
      ) {
        return oauthError('invalid_app_access', 'user is not admin approved to access this app');
      }
      return NOT_APPROVED();
    }
    // 7. scopes
    if (!scopesAllow(app)) return NOT_APPROVED();

    return this.issue(app, user, baseUrl, 'jwt');
  }

  private issue(app: AuthApp, user: Rec, baseUrl: string, flow: 'jwt' | 'client_credentials'): TokenReply {
    const { state } = this;
    const base = baseUrl.replace(/\/$/, '');
    const orgId15 = state.orgId.slice(0, 15);
    const token = `${orgId15}!AQ${randomBytes(72)
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, '')}`;
    const scopes = tokenScopes(app);
    state.sessions.set(token, { token, userId: user.Id, expired: false, scopes });
    const now = state.now();
    // Login bookkeeping, not a change of the user record (LastModifiedDate stays): a LoginHistory row, LastLoginDate.
    state.recordLogin(user, {
      type: 'Remote Access 2.0',
      time: now.replace(/\+0000$/, 'Z'),
      application: app.label,
      loginUrl: new URL(base).host,
    });
    // OauthToken.AppName is the app's label (object reference, OauthToken). That object lists refresh-token grants;
    // the client credentials flow issues none, so it writes a row only under behaviour ccWritesOauthToken.
    if (flow === 'client_credentials' && !state.behaviour.ccWritesOauthToken)
      return this.answer(app, user, token, base);
    const row = state.records('OauthToken').find((t) => t.AppName === app.label && t.UserId === user.Id);
    if (row)
      state.update('OauthToken', row.Id, { LastUsedDate: now, UseCount: ((row.UseCount as number) ?? 0) + 1 }, user.Id);
    else
      state.insert(
        'OauthToken',
        { AppName: app.label, UserId: user.Id, LastUsedDate: now, UseCount: 1, _approved: false },
        user.Id
      );
    return this.answer(app, user, token, base);
  }

  /** Salesforce's success shape (Help, "Sample Request and Response for Access Token"): no refresh_token in either flow. */
  private answer(app: AuthApp, user: Rec, token: string, base: string): TokenReply {
    const { state } = this;
    const scopes = tokenScopes(app);
    const issuedAt = String(Date.now());
    const id = `${base}/id/${state.orgId}/${user.Id}`;
    return {
      status: 200,
      username: user.Username as string,
      body: {
        access_token: token,
        scope: scopes.join(' '),
        instance_url: base,
        id,
        token_type: 'Bearer',
        issued_at: issuedAt,
        signature: createHmac('sha256', app.consumerKey).update(`${id}${issuedAt}`).digest('base64'),
      },
    };
  }
}
