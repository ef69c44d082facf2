// What the token endpoint judges (oauth.ts): every app with a consumer key, read from the apps' rows and
// grants (metadata/apps.ts) as they are right now.

import { to18 } from '../data/ids.js';
import type { OrgState, Rec } from '../data/state.js';
import { grantsOf, isFalse, isTrue, policyOf, splitComma, sub } from '../metadata/apps.js';
import { Tree, isTree, textList, textOf } from '../metadata/xml.js';

/** One app as the JWT bearer flow sees it: its consumer key, certificate, scopes and who is pre-authorized. */
export interface AuthApp {
  kind: 'ConnectedApp' | 'ExternalClientApplication';
  id: string;
  /** API name */
  name: string;
  /** label: what OauthToken.AppName and LoginHistory.Application show (object reference, OauthToken) */
  label: string;
  consumerKey: string;
  certificate?: string;
  /** ECA: OAuth settings deployed and plugins enabled; connected apps always */
  enabled: boolean;
  adminApproved: boolean;
  /** ECA policy: profile names (lower case) */
  profiles: string[];
  /** ECA policy: commaSeparatedPermissionSet entries as stored */
  permissionSets: string[];
  /** SetupEntityAccess parents that pre-authorize (ECA rows only when setupEntityAccessForEca is honour) */
  grantSetIds: string[];
  /** OAuth scope names, lower case, as the app's metadata lists them (Api, RefreshToken, ...) */
  scopes: string[];
  /** users who approved the app interactively (seeded OauthToken rows): what self-authorized apps need */
  approvedUserIds: string[];
  /** the consumer secret (client credentials flow) */
  consumerSecret?: string;
  /** client credentials flow: the policy's (or connected app's) flag, the ECA global settings' flag, and the run-as value */
  clientCredentials: { enabled: boolean; globalEnabled: boolean; runAs?: string };
}

/** Every app with a consumer key, as the token endpoint must judge it right now. */
export function authApps(state: OrgState): AuthApp[] {
  return [...connectedAuthApps(state), ...ecaAuthApps(state)];
}

/** Users who approved the app interactively (seeded OauthToken rows), by the app's label (OauthToken.AppName). */
function approvals(state: OrgState, label: string): string[] {
  return state
    .records('OauthToken')
    .filter((t) => t._approved === true && String(t.AppName).toLowerCase() === label.toLowerCase())
    .map((t) => t.UserId as string);
}

function connectedAuthApps(state: OrgState): AuthApp[] {
  const out: AuthApp[] = [];
  for (const r of state.records('ConnectedApplication')) {
    const oauth = (r._metadata as Tree).oauthConfig;
    if (!isTree(oauth) || !textOf(oauth.consumerKey)) continue;
    out.push({
      kind: 'ConnectedApp',
      id: r.Id,
      name: r._fullName as string,
      label: r.Name as string,
      consumerKey: textOf(oauth.consumerKey),
      certificate: textOf(oauth.certificate).trim() || undefined,
      enabled: true,
      adminApproved: r.OptionsAllowAdminApprovedUsersOnly === true,
      profiles: [],
      permissionSets: [],
      grantSetIds: grantsOf(state, r.Id).map((g) => g.ParentId as string),
      scopes: textList(oauth.scopes).map((s) => s.toLowerCase()),
      approvedUserIds: approvals(state, r.Name as string),
      consumerSecret: r._consumerSecret as string | undefined,
      // ConnectedApp oauthConfig isClientCredentialEnabled / oauthClientCredentialUser (Metadata API reference, API 56.0+)
      clientCredentials: {
        enabled: isTrue(oauth.isClientCredentialEnabled),
        globalEnabled: true,
        runAs: textOf(oauth.oauthClientCredentialUser).trim() || undefined,
      },
    });
  }
  return out;
}

function ecaAuthApps(state: OrgState): AuthApp[] {
  const out: AuthApp[] = [];
  for (const r of state.records('ExternalClientApplication')) {
    const global = sub(r, '_global');
    if (!global || !textOf(global.tree.consumerKey)) continue;
    const settings = sub(r, '_settings');
    const plugins = sub(r, '_plugins');
    const policy = policyOf(state, r.Id);
    const policyTree = (policy?._metadata as Tree | undefined) ?? {};
    out.push({
      kind: 'ExternalClientApplication',
      id: r.Id,
      name: r.DeveloperName as string,
      label: r.MasterLabel as string,
      consumerKey: textOf(global.tree.consumerKey),
      certificate: textOf(global.tree.certificate).trim() || undefined,
      enabled:
        settings !== undefined && !isFalse(plugins?.tree.isEnabled) && !isFalse(plugins?.tree.isOauthPluginEnabled),
      adminApproved: policy?.PermittedUsersPolicyType === 'AdminApprovedPreAuthorized',
      profiles: splitComma(policyTree.commaSeparatedProfile).map((p) => p.toLowerCase()),
      permissionSets: splitComma(policyTree.commaSeparatedPermissionSet),
      grantSetIds:
        state.behaviour.setupEntityAccessForEca === 'honour'
          ? grantsOf(state, r.Id).map((g) => g.ParentId as string)
          : [],
      scopes: splitComma(settings?.tree.commaSeparatedOauthScopes).map((s) => s.toLowerCase()),
      approvedUserIds: approvals(state, r.MasterLabel as string),
      consumerSecret: r._consumerSecret as string | undefined,
      // the policy's isClientCredentialsFlowEnabled / clientCredentialsFlowUser and the global settings' own flag (Metadata API reference, API 60.0+)
      clientCredentials: {
        enabled: isTrue(policyTree.isClientCredentialsFlowEnabled),
        globalEnabled: isTrue(global.tree.isClientCredentialsFlowEnabled),
        runAs: textOf(policyTree.clientCredentialsFlowUser).trim() || undefined,
      },
    });
  }
  return out;
}

/** Does an entry of commaSeparatedPermissionSet name this set (ecaPermsetMatch)? */
export function ecaListNames(state: OrgState, entry: string, set: Rec): boolean {
  const m = state.behaviour.ecaPermsetMatch;
  const byName = String(set.Name).toLowerCase() === entry.toLowerCase();
  const id = to18(entry);
  const byId = id !== undefined && id.toUpperCase() === set.Id.toUpperCase();
  return m === 'name' ? byName : m === 'id' ? byId : byName || byId;
}
