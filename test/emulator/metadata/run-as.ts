// The client credentials flow's execution ("run as") user in app metadata: ExtlClntAppOauthConfigurablePolicies
// clientCredentialsFlowUser and ConnectedApp oauthConfig oauthClientCredentialUser (Metadata API reference: "The
// execution user for the OAuth 2.0 client credentials flow ... This user must have the API Only permission").
// The value is the user's Username (every public sample; the sObject field ExtlClntAppOauthPlcyCnfg.ClientCredentialsFlowUser
// is typed email); a deploy naming no such user fails with "Enter a valid execution user for the OAuth client
// credentials flow." (seen in a third-party `sf project deploy validate` run).

import type { OrgState, Rec } from '../data/state.js';
import { hasUserPermission } from '../rules/access.js';
import { MetadataProblem } from './apps.js';

export const INVALID_RUN_AS = 'Enter a valid execution user for the OAuth client credentials flow.';
/** Placeholder: Salesforce's text for a run-as user without API Only is not public (behaviour ccRunAsApiOnly). */
export const RUN_AS_NOT_API_ONLY =
  'The execution user for the OAuth client credentials flow must have the API Only User permission.';

/** The user a run-as value names: by Username, exactly (an e-mail or Id names nobody). */
export function runAsUser(state: OrgState, value: string): Rec | undefined {
  return state.records('User').find((u) => u.Username === value);
}

/** API Only User through the profile or any assigned set (what the Metadata API says the run-as user needs). */
export function isApiOnly(state: OrgState, user: Rec): boolean {
  return hasUserPermission(state, user.Id, 'PermissionsApiUserOnly');
}

/** Refuses a run-as value the org wouldn't store: no such username, or (ccRunAsApiOnly enforce|deploy-only) no API Only. */
export function checkRunAs(state: OrgState, value: string): void {
  const user = runAsUser(state, value);
  if (!user) throw new MetadataProblem('FIELD_INTEGRITY_EXCEPTION', INVALID_RUN_AS);
  if (state.behaviour.ccRunAsApiOnly !== 'none' && !isApiOnly(state, user))
    throw new MetadataProblem('FIELD_INTEGRITY_EXCEPTION', RUN_AS_NOT_API_ONLY);
}
