// POST /services/oauth2/revoke: revoking an OAuth token (Salesforce Mobile SDK guide, "Revoking OAuth Tokens",
// https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-revoking-tokens.html). The form body carries
// `token=`; the request needs no other authentication. A refresh token (or the DeleteToken an OauthToken row shows,
// object reference "OauthToken": "To delete an AccessToken, send a request to the revoke OAuth token endpoint with
// the DeleteToken") is revoked with its access tokens: the row goes. Success is HTTP 200 with an empty body; an
// unknown or already revoked token answers 400 `invalid_token`. A GET with ?token= works the same (Salesforce
// developer blog, "Revoking OAuth 2.0 access tokens and refresh tokens", 2011).

import type { OrgState } from '../data/state.js';
import { deleteTokenOf } from '../data/state.js';
import type { TokenReply } from './oauth.js';

export function revokeToken(state: OrgState, method: string, form: URLSearchParams): TokenReply {
  if (method !== 'POST' && method !== 'GET')
    return { status: 400, body: { error: 'invalid_request', error_description: 'must use HTTP POST' } };
  const token = form.get('token');
  if (!token) return { status: 400, body: { error: 'unsupported_token_type', error_description: 'missing token' } };
  const row = state.records('OauthToken').find((t) => deleteTokenOf(t) === token);
  if (!row) return { status: 400, body: { error: 'invalid_token', error_description: 'invalid token' } };
  state.remove('OauthToken', row.Id);
  return { status: 200, body: {} };
}
