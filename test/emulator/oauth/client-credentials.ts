// grant_type=client_credentials at /services/oauth2/token (Salesforce Help, "OAuth 2.0 Client Credentials Flow for
// Server-to-Server Integration", https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_client_credentials_flow.htm):
// the app's consumer key and secret, in the form body (Help, "Sample Request and Response for Access Token") or as
// HTTP Basic (RFC 6749 section 2.3.1; third-party adapters use `curl -u key:secret`), buy a token for the app's
// execution ("run as") user. No source gives the order of Salesforce's checks; the emulator fails as early as it
// can: grant type, host, key, secret, app usable, flow enabled, run-as user set, active, API Only,
// pre-authorization, scopes. The error texts and their sources: test/emulator/README.md, "The client credentials flow".

import type { OrgState, Rec } from '../data/state.js';
import { isApiOnly, runAsUser } from '../metadata/run-as.js';
import type { AuthApp } from './auth-apps.js';
import { approved, oauthError, type TokenReply } from './oauth.js';

export const CLIENT_CREDENTIALS_GRANT = 'client_credentials';

/**
 * Hosts that answer this flow with "request not supported on this domain": login.salesforce.com and
 * test.salesforce.com (pozil/pub-sub-api-node-client#58, HTTP 400 body verbatim, and many admin runbooks) and the
 * Setup domain (one report). Only the org's My Domain serves it; the emulator's own host stands for My Domain.
 */
function wrongHost(host: string | undefined): boolean {
  const name = (host ?? '').toLowerCase().replace(/:\d+$/, '');
  return name === 'login.salesforce.com' || name === 'test.salesforce.com' || name.endsWith('.salesforce-setup.com');
}

interface Credentials {
  id?: string;
  secret?: string;
}

function basic(authorization: string | undefined): Credentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? { id: text } : { id: text.slice(0, colon), secret: text.slice(colon + 1) };
}

/** The credentials the request carries; undefined when body and header disagree and ccBothCredentialForms refuses that. */
function credentialsOf(state: OrgState, form: URLSearchParams, authorization?: string): Credentials | undefined {
  const body: Credentials = { id: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
  const header = basic(authorization);
  if (!header) return body;
  if (body.id === undefined && body.secret === undefined) return header;
  if (body.id === header.id && body.secret === header.secret) return body;
  const mode = state.behaviour.ccBothCredentialForms;
  return mode === 'prefer-header' ? header : mode === 'prefer-body' ? body : undefined;
}

const INVALID_CLIENT = (): TokenReply => oauthError('invalid_client', 'invalid client credentials');
const NO_USER = (): TokenReply => oauthError('invalid_grant', 'no client credentials user enabled');

/** The checks, in order: a refusal, or the app and the user a token is issued for. */
export function clientCredentials(
  state: OrgState,
  appsForRequest: () => AuthApp[],
  form: URLSearchParams,
  request: { host?: string; authorization?: string }
): { reply: TokenReply } | { app: AuthApp; user: Rec } {
  const b = state.behaviour;
  if (wrongHost(request.host)) return { reply: oauthError('invalid_grant', 'request not supported on this domain') };
  const creds = credentialsOf(state, form, request.authorization);
  if (!creds) return { reply: INVALID_CLIENT() };
  // Unknown key: invalid_client_id (Amazon Connect CTI adapter docs; Axonius "client identifier invalid").
  const app = creds.id ? appsForRequest().find((a) => a.consumerKey === creds.id) : undefined;
  if (!app) return { reply: oauthError('invalid_client_id', 'client identifier invalid') };
  // Wrong secret: invalid_client "invalid client credentials" (Amazon Connect CTI adapter docs).
  if (!creds.secret || !app.consumerSecret || creds.secret !== app.consumerSecret) return { reply: INVALID_CLIENT() };
  if (!app.enabled) return { reply: oauthError('app_not_found', 'External client app is not installed in this org') };
  // The flow: both ECA flags (ecaClientCredentialsFlags), or the connected app's one.
  const cc = app.clientCredentials;
  if (!cc.enabled || (!cc.globalEnabled && b.ecaClientCredentialsFlags === 'both'))
    return { reply: oauthError(b.ccFlowDisabledError, 'client credentials flow not enabled') };
  // No run-as user, or one that names nobody by Username (Sumo Logic, singer-io, cartography docs).
  const user = cc.runAs ? runAsUser(state, cc.runAs) : undefined;
  if (!user) return { reply: NO_USER() };
  if (user.IsActive !== true)
    return { reply: oauthError(b.ccInactiveRunAsError.errorCode, b.ccInactiveRunAsError.message) };
  if (b.ccRunAsApiOnly === 'enforce' && !isApiOnly(state, user)) return { reply: NO_USER() };
  if (app.adminApproved && b.ccRequiresPreauthorization === 'enforce' && !approved(state, app, user))
    return { reply: oauthError('invalid_app_access', 'user is not admin approved to access this app') };
  if (b.ccScopeCheck === 'require-api' && !app.scopes.some((s) => s === 'api' || s === 'full'))
    return { reply: oauthError('invalid_grant', 'no valid scopes') };
  return { app, user };
}
