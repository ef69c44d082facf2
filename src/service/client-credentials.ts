import { fetchRetrying } from './org-client.js';

/**
 * One OAuth 2.0 client credentials token request (Salesforce Help, "OAuth 2.0 Client Credentials Flow for
 * Server-to-Server Integration"): the app's consumer key and secret in the form body, posted to the org's My Domain
 * URL; login.salesforce.com and test.salesforce.com answer "request not supported on this domain"
 * (pozil/pub-sub-api-node-client#58). The token is the app's run-as user's; `id` names that user. Nothing is stored,
 * and the caller must print neither the secret nor the token.
 */

export type ClientCredentialsOutcome =
  | { ok: true; accessToken: string; instanceUrl: string; userId: string; orgId: string; scopes: string[] }
  | { ok: false; status: number; error: string; errorDescription: string };

export async function requestClientCredentialsToken(grant: {
  url: string;
  clientId: string;
  clientSecret: string;
}): Promise<ClientCredentialsOutcome> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: grant.clientId,
    client_secret: grant.clientSecret,
  });
  const response = await fetchRetrying(`${grant.url.replace(/\/+$/, '')}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, string>;
  if (!response.ok || !answer.access_token)
    return {
      ok: false,
      status: response.status,
      error: answer.error ?? `HTTP ${response.status}`,
      errorDescription: answer.error_description ?? '',
    };
  const [orgId, userId] = (answer.id ?? '').split('/').slice(-2);
  const scopes = (answer.scope ?? '').split(/\s+/).filter(Boolean);
  return { ok: true, accessToken: answer.access_token, instanceUrl: answer.instance_url, userId, orgId, scopes };
}
