// GET /services/oauth2/userinfo: the session's user and org as OpenID Connect's endpoint answers them, and
// is_salesforce_integration_user. Answers only tokens with openid or an identity scope (behaviour userinfoScope).

import type { OrgState, Rec, Session } from '../data/state.js';
import type { ApiResponse } from '../http/api.js';
import { sessionInvalid } from '../http/errors.js';

export function userinfoAnswer(state: OrgState, session: Session | undefined, instanceUrl: string): ApiResponse {
  if (!session) throw sessionInvalid();
  // OpenID Connect's endpoint answers tokens with openid or an identity scope (id, profile) only (Salesforce Help, "UserInfo Endpoint"; unsettled in detail).
  // Status 403 as reported; the body is unsettled, so none is sent (behaviour.userinfoScope).
  const identity = session.scopes === undefined || session.scopes.some((s) => ['openid', 'id', 'profile'].includes(s));
  if (!identity && state.behaviour.userinfoScope === 'required') return { status: 403, errorCode: 'FORBIDDEN' };
  return { status: 200, body: userinfo(state, session, instanceUrl) };
}

function userinfo(state: OrgState, session: Session, base: string): Record<string, unknown> {
  const user = state.get('User', session.userId) as Rec;
  const orgId = state.orgId;
  const name = [user.FirstName, user.LastName].filter(Boolean).join(' ');
  return {
    sub: `${base}/id/${orgId}/${user.Id}`,
    user_id: user.Id,
    organization_id: orgId,
    preferred_username: user.Username,
    nickname: user.CommunityNickname,
    name,
    email: user.Email,
    email_verified: true,
    given_name: user.FirstName ?? '',
    family_name: user.LastName,
    zoneinfo: user.TimeZoneSidKey,
    photos: { picture: `${base}/profilephoto/005/F`, thumbnail: `${base}/profilephoto/005/T` },
    profile: `${base}/${user.Id}`,
    picture: `${base}/profilephoto/005/F`,
    address: {},
    is_salesforce_integration_user: state.isIntegrationUser(user),
    urls: {
      enterprise: `${base}/services/Soap/c/{version}/${orgId}`,
      metadata: `${base}/services/Soap/m/{version}/${orgId}`,
      partner: `${base}/services/Soap/u/{version}/${orgId}`,
      rest: `${base}/services/data/v{version}/`,
      sobjects: `${base}/services/data/v{version}/sobjects/`,
      search: `${base}/services/data/v{version}/search/`,
      query: `${base}/services/data/v{version}/query/`,
      recent: `${base}/services/data/v{version}/recent/`,
      tooling_soap: `${base}/services/Soap/T/{version}/${orgId}`,
      tooling_rest: `${base}/services/data/v{version}/tooling/`,
      profile: `${base}/${user.Id}`,
      feeds: `${base}/services/data/v{version}/chatter/feeds`,
      groups: `${base}/services/data/v{version}/chatter/groups`,
      users: `${base}/services/data/v{version}/chatter/users`,
      feed_items: `${base}/services/data/v{version}/chatter/feed-items`,
      feed_elements: `${base}/services/data/v{version}/chatter/feed-elements`,
      custom_domain: base,
    },
    active: user.IsActive === true,
    user_type: 'STANDARD',
    language: user.LanguageLocaleKey,
    locale: user.LocaleSidKey,
    utcOffset: 0,
    updated_at: String(user.LastModifiedDate).replace('.000+0000', 'Z'),
    is_app_installed: true,
  };
}
