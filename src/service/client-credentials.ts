import { requestToken, type JwtOutcome } from './jwt.js';

/**
 * One OAuth 2.0 client credentials token request (Salesforce Help, "OAuth 2.0 Client Credentials Flow for
 * Server-to-Server Integration"): the app's consumer key and secret in the form body, posted to the org's My Domain
 * URL; login.salesforce.com and test.salesforce.com answer "request not supported on this domain"
 * (pozil/pub-sub-api-node-client#58). The token is the app's run-as user's; `id` names that user. Nothing is stored,
 * and the caller must print neither the secret nor the token.
 */

/** The token response: the same shape as a JWT bearer exchange's. */
export type ClientCredentialsOutcome = JwtOutcome;

export async function requestClientCredentialsToken(grant: {
  url: string;
  clientId: string;
  clientSecret: string;
}): Promise<ClientCredentialsOutcome> {
  return requestToken(
    grant.url,
    new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: grant.clientId,
      client_secret: grant.clientSecret,
    })
  );
}
