// The OAuth Credentials REST resources (Connect REST API, "OAuth Credentials Resources", API 60.0 and later):
//   GET /services/data/vXX.X/apps/oauth/credentials/<app id>               the app's OAuth consumers
//   GET /services/data/vXX.X/apps/oauth/credentials/<app id>/<consumer id>  one consumer's key (part=key, the default)
// Served for External Client Apps. The collection's exact fields are not documented publicly: the emulator answers
// {consumers: [{id, name, url}]} without the key (what a public caller's test fixture shows), so a client must follow
// `url` for the key. Consumer secrets (part=secret / keyandsecret) need "Allow access to External Client App consumer
// secrets via REST API" (ExternalClientAppSettings enableClientSecretInRestApiAccess, API 62.0); the emulator models an
// org with it off and refuses them (its refusal text is a placeholder).

import { ApiError, notFound } from '../http/errors.js';
import { to18 } from '../data/ids.js';
import type { OrgState, Rec } from '../data/state.js';

export const OAUTH_CREDENTIALS_MIN_VERSION = 60;

/** Answers GET apps/oauth/credentials/...; `rest` is the path after /services/data/vXX.X/apps/oauth/credentials. */
export function oauthCredentials(
  state: OrgState,
  method: string,
  version: number,
  rest: string[],
  params: URLSearchParams
): { status: number; body: unknown } {
  if (version < OAUTH_CREDENTIALS_MIN_VERSION || rest.length < 1 || rest.length > 2) throw notFound();
  if (method !== 'GET')
    throw new ApiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET`);
  const app = ecaById(state, rest[0]);
  const consumerId = app?._consumerId as string | undefined;
  if (!app) throw notFound();
  const base = `/services/data/v${version.toFixed(1)}/apps/oauth/credentials/${app.Id}`;
  if (rest.length === 1) {
    return {
      status: 200,
      body: { consumers: consumerId ? [{ id: consumerId, name: app.MasterLabel, url: `${base}/${consumerId}` }] : [] },
    };
  }
  if (!consumerId || to18(rest[1])?.toUpperCase() !== consumerId.toUpperCase()) throw notFound();
  const part = (params.get('part') ?? 'key').toLowerCase();
  if (part !== 'key') {
    if (part === 'secret' || part === 'keyandsecret')
      throw new ApiError(
        403,
        'INSUFFICIENT_ACCESS',
        "Consumer secrets can't be accessed through the REST API in this org."
      );
    throw new ApiError(
      400,
      'INVALID_INPUT',
      `Invalid value for part: ${params.get('part') ?? ''}. Use key, secret or keyandsecret.`
    );
  }
  const global = app._global as { tree: Record<string, unknown> } | undefined;
  const key = global?.tree.consumerKey;
  return { status: 200, body: { id: consumerId, key: typeof key === 'string' ? key : '' } };
}

function ecaById(state: OrgState, raw: string): Rec | undefined {
  const id = to18(raw);
  return id
    ? state.records('ExternalClientApplication').find((r) => r.Id.toUpperCase() === id.toUpperCase())
    : undefined;
}
