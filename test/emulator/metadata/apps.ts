// Connected apps and External Client Apps in the org state (Metadata API reference: ConnectedApp, ExternalClientApplication): how each is stored, its lookups and
// its grants. The metadata view of each component: components.ts; writing components: connected-app.ts and
// eca-deploy.ts; seeding: seed-apps.ts; what the token endpoint reads: oauth/auth-apps.ts.
//
// Where each thing lives:
// - ConnectedApplication rows: Name (the label, #11 item 2), OptionsAllowAdminApprovedUsersOnly, plus `_fullName` (the
//   API name, only the Metadata API shows it) and `_metadata`, the ConnectedApp component without fullName,
//   isAdminApproved and the pre-authorization lists. Profile and
//   permission set grants are SetupEntityAccess rows only (the metadata lists are a view of them, as Setup stores them).
// - ExternalClientApplication rows: the header fields, `_metadata` (the .eca component), and the one-per-app
//   components `_global` (ExtlClntAppGlobalOauthSettings), `_settings` (ExtlClntAppOauthSettings) and `_plugins`
//   (ExtlClntAppConfigurablePolicies), each {fullName, id, tree}; `_consumerId` (888...) names the OAuth consumer the
//   credentials REST resource serves (oauth-credentials.ts).
// - ExtlClntAppOauthPlcyCnfg rows: the OAuth policy's queryable fields plus `_metadata`, the whole
//   ExtlClntAppOauthConfigurablePolicies component (commaSeparatedProfile / commaSeparatedPermissionSet live there).
// Trees are replaced, never mutated, so the state's journal can roll a failed deploy back.

import { X509Certificate, randomBytes } from 'node:crypto';
import { to18 } from '../data/ids.js';
import type { OrgState, Rec } from '../data/state.js';
import { Tree, TreeValue, isTree, textOf } from './xml.js';

export const CONNECTED_APP_PREFIX = '0H4';
/** Unconfirmed (no public source names it); realistic-looking. */
export const ECA_PREFIX = '0xI';
export const ECA_POLICY_PREFIX = '0xP';
export const ECA_COMPONENT_PREFIX = '0xC';
/** An OAuth consumer (ExtlClntAppOauthSettings oauthLink is "<org id>:888..."). */
export const OAUTH_CONSUMER_PREFIX = '888';

/** Metadata types the emulator serves, with their retrieve folder and file suffix (Metadata API reference, each type's page). */
export const METADATA_TYPES: Record<string, { folder: string; suffix: string }> = {
  ConnectedApp: { folder: 'connectedApps', suffix: 'connectedApp' },
  ExternalClientApplication: { folder: 'externalClientApps', suffix: 'eca' },
  ExtlClntAppGlobalOauthSettings: { folder: 'extlClntAppGlobalOauthSets', suffix: 'ecaGlblOauth' },
  ExtlClntAppOauthSettings: { folder: 'extlClntAppOauthSettings', suffix: 'ecaOauth' },
  ExtlClntAppOauthConfigurablePolicies: { folder: 'extlClntAppOauthPolicies', suffix: 'ecaOauthPlcy' },
  ExtlClntAppConfigurablePolicies: { folder: 'extlClntAppPolicies', suffix: 'ecaPlcy' },
};

/** Deploy order: an app before its settings, OAuth settings before the policy they generate. */
export const DEPLOY_ORDER = [
  'ExternalClientApplication',
  'ExtlClntAppGlobalOauthSettings',
  'ExtlClntAppOauthSettings',
  'ExtlClntAppOauthConfigurablePolicies',
  'ExtlClntAppConfigurablePolicies',
  'ConnectedApp',
];

/** A component the org refuses: statusCode for CRUD calls, message as CRUD errors and deploy problems show it. */
export class MetadataProblem extends Error {
  public constructor(
    public readonly statusCode: string,
    message: string
  ) {
    super(message);
    this.name = 'MetadataProblem';
  }
}

export interface Component {
  type: string;
  fullName: string;
  id: string;
  tree: Tree;
  createdDate: string;
  lastModifiedDate: string;
}

export interface SubComponent {
  fullName: string;
  id: string;
  tree: Tree;
  createdDate: string;
  lastModifiedDate: string;
}

export interface WriteContext {
  state: OrgState;
  userId: string;
}

export const bool = (v: boolean): string => (v ? 'true' : 'false');
export const isFalse = (v: TreeValue | undefined): boolean => textOf(v).toLowerCase() === 'false';
export const isTrue = (v: TreeValue | undefined): boolean => textOf(v).toLowerCase() === 'true';
export const splitComma = (v: TreeValue | undefined): string[] =>
  textOf(v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A consumer key as Salesforce hands them out (3MVG...). */
export function newConsumerKey(): string {
  return `3MVG9${randomBytes(64)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 80)}`;
}

export function newSecret(): string {
  return randomBytes(32).toString('hex').toUpperCase();
}

/** 8-256 alphanumeric characters (Metadata API reference, ConnectedApp consumerKey; dots and underscores are seen in real keys too). */
export function consumerKeyProblem(key: string): string | undefined {
  return /^[A-Za-z0-9._]{8,256}$/.test(key) ? undefined : 'The consumer key must be 8 to 256 alphanumeric characters.';
}

export function certificateProblem(pem: string): string | undefined {
  try {
    new X509Certificate(pem);
    return undefined;
  } catch {
    return "The certificate isn't a valid X.509 certificate in PEM format.";
  }
}

export function required(tree: Tree, ...names: string[]): void {
  for (const n of names)
    if (!textOf(tree[n]).trim()) throw new MetadataProblem('REQUIRED_FIELD_MISSING', `Required field is missing: ${n}`);
}

// --- lookups ---------------------------------------------------------------------------------------

/** A connected app by its API name (the Metadata API's fullName), not by Name, which is its label. */
export function connectedAppByName(state: OrgState, name: string): Rec | undefined {
  return state.findBy('ConnectedApplication', '_fullName', name);
}

export function ecaByName(state: OrgState, name: string): Rec | undefined {
  return state.findBy('ExternalClientApplication', 'DeveloperName', name);
}

export function policyOf(state: OrgState, ecaId: string): Rec | undefined {
  return state.records('ExtlClntAppOauthPlcyCnfg').find((p) => p.ExternalClientApplicationId === ecaId);
}

export function consumerKeyOf(rec: Rec): string | undefined {
  if (rec.Id.startsWith(CONNECTED_APP_PREFIX)) {
    const oauth = (rec._metadata as Tree).oauthConfig;
    return isTree(oauth) ? textOf(oauth.consumerKey) || undefined : undefined;
  }
  const global = rec._global as SubComponent | undefined;
  return global ? textOf(global.tree.consumerKey) || undefined : undefined;
}

/** The app (connected app or ECA) that holds this consumer key, other than `exceptId`. */
export function keyHolder(state: OrgState, key: string, exceptId?: string): Rec | undefined {
  for (const type of ['ConnectedApplication', 'ExternalClientApplication']) {
    const hit = state.records(type).find((r) => r.Id !== exceptId && consumerKeyOf(r) === key);
    if (hit) return hit;
  }
  return undefined;
}

/** Permission sets (not profile-owned) by API name, label or id, as the switch says; undefined when none matches. */
export function findPermissionSet(
  state: OrgState,
  ref: string,
  match: 'name' | 'label' | 'id' | 'both-label' | 'both-id'
): Rec | undefined {
  const sets = state.records('PermissionSet').filter((p) => p.IsOwnedByProfile !== true);
  const lower = ref.toLowerCase();
  const byName = (): Rec | undefined => sets.find((p) => String(p.Name).toLowerCase() === lower);
  const byLabel = (): Rec | undefined => sets.find((p) => String(p.Label).toLowerCase() === lower);
  const byId = (): Rec | undefined => {
    const id = to18(ref);
    return id ? sets.find((p) => p.Id.toUpperCase() === id.toUpperCase()) : undefined;
  };
  switch (match) {
    case 'name':
      return byName();
    case 'label':
      return byLabel();
    case 'id':
      return byId();
    case 'both-label':
      return byName() ?? byLabel();
    default:
      return byName() ?? byId();
  }
}

export function profileByName(state: OrgState, name: string): Rec | undefined {
  return state.findBy('Profile', 'Name', name);
}

export function ownSetOf(state: OrgState, profileId: unknown): Rec | undefined {
  return state.records('PermissionSet').find((p) => p.IsOwnedByProfile === true && p.ProfileId === profileId);
}

export function caMatch(state: OrgState): 'name' | 'label' | 'both-label' {
  const m = state.behaviour.connectedAppPermsetMatch;
  return m === 'both' ? 'both-label' : m;
}

export function ecaMatch(state: OrgState): 'name' | 'id' | 'both-id' {
  const m = state.behaviour.ecaPermsetMatch;
  return m === 'both' ? 'both-id' : m;
}

// --- SetupEntityAccess: the grants -----------------------------------------------------------------

/** SetupEntityType is derived from the entity's key prefix (SetupEntityAccess object reference: not createable). */
export function setupEntityType(id: string): string {
  if (id.startsWith(CONNECTED_APP_PREFIX)) return 'ConnectedApplication';
  if (id.startsWith(ECA_PREFIX)) return 'ExternalClientApplication';
  return 'Unknown';
}

export function grantsOf(state: OrgState, appId: string): Rec[] {
  return state.records('SetupEntityAccess').filter((g) => g.SetupEntityId === appId);
}

/** Makes the app's SetupEntityAccess rows exactly these parent sets (journaled writes, no REST rules). */
export function syncGrants(ctx: WriteContext, appId: string, parentIds: string[]): void {
  const { state } = ctx;
  const wanted = new Set(parentIds);
  for (const g of grantsOf(state, appId))
    if (!wanted.has(g.ParentId as string)) state.remove('SetupEntityAccess', g.Id);
  const have = new Set(grantsOf(state, appId).map((g) => g.ParentId as string));
  for (const id of parentIds) {
    if (!have.has(id))
      state.insert(
        'SetupEntityAccess',
        { ParentId: id, SetupEntityId: appId, SetupEntityType: setupEntityType(appId) },
        ctx.userId
      );
    have.add(id);
  }
}

// --- External Client Apps: their rows and one-per-app components ---------------------------------------

/** One of an ECA's one-per-app components (global OAuth settings, OAuth settings, plugin policies). */
export function sub(rec: Rec, key: '_global' | '_settings' | '_plugins'): SubComponent | undefined {
  return rec[key] as SubComponent | undefined;
}

/** A one-per-app component written now (its id and created date kept when it replaces one). */
export function subComponent(
  ctx: WriteContext,
  existing: SubComponent | undefined,
  fullName: string,
  tree: Tree
): SubComponent {
  const now = ctx.state.now();
  return {
    fullName,
    id: existing?.id ?? ctx.state.ids.next(ECA_COMPONENT_PREFIX),
    tree,
    createdDate: existing?.createdDate ?? now,
    lastModifiedDate: now,
  };
}

/** The ExternalClientApplication row's fields, from its .eca component. */
export function ecaFields(fullName: string, tree: Tree): Record<string, unknown> {
  return {
    DeveloperName: fullName,
    MasterLabel: textOf(tree.label),
    DistributionState: textOf(tree.distributionState) || 'Local',
    OrgScopedExternalApp: textOf(tree.orgScopedExternalApp) || null,
    ContactEmail: textOf(tree.contactEmail) || null,
    Description: textOf(tree.description) || null,
    NamespacePrefix: null,
    _metadata: tree,
  };
}

/** The policy row's queryable fields, from its component (every field the component leaves out gets its default). */
export function policyFields(fullName: string, appId: string, tree: Tree): Record<string, unknown> {
  const int = (v: TreeValue | undefined): number | null =>
    textOf(v).trim() === '' ? null : Number.parseInt(textOf(v), 10);
  return {
    ExternalClientApplicationId: appId,
    DeveloperName: fullName,
    MasterLabel: textOf(tree.label) || fullName,
    PermittedUsersPolicyType: textOf(tree.permittedUsersPolicyType) || 'AllSelfAuthorized',
    IpRelaxationPolicyType: textOf(tree.ipRelaxationPolicyType) || 'Enforce',
    RefreshTokenPolicyType: textOf(tree.refreshTokenPolicyType) || 'Infinite',
    RefreshTokenValidityPeriod: int(tree.refreshTokenValidityPeriod),
    RefreshTokenValidityUnit: textOf(tree.refreshTokenValidityUnit) || null,
    RequiredSessionLevel: textOf(tree.requiredSessionLevel) || null,
    SessionTimeoutInMinutes: int(tree.sessionTimeoutInMinutes),
    IsClientCredentialsFlowEnabled: isTrue(tree.isClientCredentialsFlowEnabled),
    IsTokenExchangeFlowEnabled: isTrue(tree.isTokenExchangeFlowEnabled),
    IsGuestCodeCredFlowEnabled: isTrue(tree.isGuestCodeCredFlowEnabled),
    ClientCredentialsFlowUser: textOf(tree.clientCredentialsFlowUser) || null,
    _metadata: tree,
  };
}
