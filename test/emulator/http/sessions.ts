// Sessions: which user an access token stands for (an Authorization header, or a SOAP SessionHeader).

import type { OrgState, Session } from '../data/state.js';

/** The session of an `Authorization: Bearer <token>` (or `OAuth <token>`) header. */
export function sessionFor(state: OrgState, authorization: string | undefined): Session | undefined {
  const header = authorization ?? '';
  const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header.trim());
  return m ? sessionByToken(state, m[1]) : undefined;
}

/** A live session: known token, not expired, its user active. */
export function sessionByToken(state: OrgState, token: string): Session | undefined {
  const s = state.sessions.get(token);
  if (!s || s.expired) return undefined;
  // Deactivating a user ends its sessions.
  if (state.get('User', s.userId)?.IsActive !== true) return undefined;
  return s;
}
