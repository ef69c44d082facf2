// Connected apps and External Client Apps in the org state (facts §7, §8): seeding, the metadata view
// of each component, writing components back, and the pre-authorization data the token endpoint reads.
//
// Where each thing lives:
// - ConnectedApplication rows: Name (the label, #11 item 2), OptionsAllowAdminApprovedUsersOnly, plus `_fullName` (the
//   API name, only the Metadata API shows it) and `_metadata`, the ConnectedApp component without fullName,
//   isAdminApproved and the pre-authorization lists. Profile and
//   permission set grants are SetupEntityAccess rows only (facts §7.3: the metadata lists are a view of them).
// - ExternalClientApplication rows: the header fields, `_metadata` (the .eca component), and the one-per-app
//   components `_global` (ExtlClntAppGlobalOauthSettings), `_settings` (ExtlClntAppOauthSettings) and `_plugins`
//   (ExtlClntAppConfigurablePolicies), each {fullName, id, tree}; `_consumerId` (888...) names the OAuth consumer the
//   credentials REST resource serves (oauth-credentials.ts).
// - ExtlClntAppOauthPlcyCnfg rows: the OAuth policy's queryable fields plus `_metadata`, the whole
//   ExtlClntAppOauthConfigurablePolicies component (commaSeparatedProfile / commaSeparatedPermissionSet live there).
// Trees are replaced, never mutated, so the state's journal can roll a failed deploy back.

import { X509Certificate, randomBytes } from 'node:crypto';
import { to18 } from '../data/ids.js';
import type { ResolvedSeed, SeedConnectedApp, SeedExternalClientApp } from '../seeds/types.js';
import type { OrgState, Rec } from '../data/state.js';
import { Tree, TreeValue, isTree, plain, textList, textOf } from './xml.js';

export const CONNECTED_APP_PREFIX = '0H4';
/** Unconfirmed (facts §3.1 lists none); realistic-looking. */
export const ECA_PREFIX = '0xI';
export const ECA_POLICY_PREFIX = '0xP';
const ECA_COMPONENT_PREFIX = '0xC';
/** An OAuth consumer (ExtlClntAppOauthSettings oauthLink is "<org id>:888..."). */
export const OAUTH_CONSUMER_PREFIX = '888';

/** Metadata types the emulator serves, with their retrieve folder and file suffix (facts §8.1). */
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

interface SubComponent {
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

const bool = (v: boolean): string => (v ? 'true' : 'false');
const isFalse = (v: TreeValue | undefined): boolean => textOf(v).toLowerCase() === 'false';
const isTrue = (v: TreeValue | undefined): boolean => textOf(v).toLowerCase() === 'true';
const splitComma = (v: TreeValue | undefined): string[] =>
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

function newSecret(): string {
  return randomBytes(32).toString('hex').toUpperCase();
}

/** Facts §7.2: 8-256 alphanumeric characters (dots and underscores are seen in real keys too). */
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

function consumerKeyOf(rec: Rec): string | undefined {
  if (rec.Id.startsWith(CONNECTED_APP_PREFIX)) {
    const oauth = (rec._metadata as Tree).oauthConfig;
    return isTree(oauth) ? textOf(oauth.consumerKey) || undefined : undefined;
  }
  const global = rec._global as SubComponent | undefined;
  return global ? textOf(global.tree.consumerKey) || undefined : undefined;
}

/** The app (connected app or ECA) that holds this consumer key, other than `exceptId`. */
function keyHolder(state: OrgState, key: string, exceptId?: string): Rec | undefined {
  for (const type of ['ConnectedApplication', 'ExternalClientApplication']) {
    const hit = state.records(type).find((r) => r.Id !== exceptId && consumerKeyOf(r) === key);
    if (hit) return hit;
  }
  return undefined;
}

/** Permission sets (not profile-owned) by API name, label or id, as the switch says; undefined when none matches. */
function findPermissionSet(
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

function profileByName(state: OrgState, name: string): Rec | undefined {
  return state.findBy('Profile', 'Name', name);
}

function ownSetOf(state: OrgState, profileId: unknown): Rec | undefined {
  return state.records('PermissionSet').find((p) => p.IsOwnedByProfile === true && p.ProfileId === profileId);
}

function caMatch(state: OrgState): 'name' | 'label' | 'both-label' {
  const m = state.behaviour.connectedAppPermsetMatch;
  return m === 'both' ? 'both-label' : m;
}

function ecaMatch(state: OrgState): 'name' | 'id' | 'both-id' {
  const m = state.behaviour.ecaPermsetMatch;
  return m === 'both' ? 'both-id' : m;
}

// --- SetupEntityAccess: the grants -----------------------------------------------------------------

/** SetupEntityType is derived from the entity's key prefix (facts §3.5). */
export function setupEntityType(id: string): string {
  if (id.startsWith(CONNECTED_APP_PREFIX)) return 'ConnectedApplication';
  if (id.startsWith(ECA_PREFIX)) return 'ExternalClientApplication';
  return 'Unknown';
}

export function grantsOf(state: OrgState, appId: string): Rec[] {
  return state.records('SetupEntityAccess').filter((g) => g.SetupEntityId === appId);
}

/** Makes the app's SetupEntityAccess rows exactly these parent sets (journaled writes, no REST rules). */
function syncGrants(ctx: WriteContext, appId: string, parentIds: string[]): void {
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

// --- ConnectedApp ----------------------------------------------------------------------------------

/** The ConnectedApp component as readMetadata and retrieve show it (profileName / permissionSetName from the grants). */
export function connectedAppComponent(state: OrgState, rec: Rec): Tree {
  const meta = plain(rec._metadata as Tree);
  if (isTree(meta.oauthConfig))
    meta.oauthConfig = { ...meta.oauthConfig, isAdminApproved: bool(rec.OptionsAllowAdminApprovedUsersOnly === true) };
  const profiles: string[] = [];
  const sets: string[] = [];
  for (const g of grantsOf(state, rec.Id)) {
    const parent = state.get('PermissionSet', g.ParentId);
    if (!parent) continue;
    if (parent.IsOwnedByProfile === true) {
      const profile = state.get('Profile', parent.ProfileId);
      if (profile) profiles.push(profile.Name as string);
    } else sets.push((state.behaviour.connectedAppPermsetMatch === 'label' ? parent.Label : parent.Name) as string);
  }
  if (profiles.length) meta.profileName = profiles;
  if (sets.length) meta.permissionSetName = sets;
  return { fullName: rec._fullName as string, ...meta };
}

function required(tree: Tree, ...names: string[]): void {
  for (const n of names)
    if (!textOf(tree[n]).trim()) throw new MetadataProblem('REQUIRED_FIELD_MISSING', `Required field is missing: ${n}`);
}

/**
 * Saves a ConnectedApp component as sent: the whole component is replaced (read-modify-write is the
 * caller's job), except the consumer key, which is set once and kept when left out.
 * mode 'update' needs an existing app; 'upsert' and 'deploy' create when allowed; 'create' needs a new name.
 */
export function saveConnectedApp(
  ctx: WriteContext,
  incoming: Tree,
  mode: 'update' | 'upsert' | 'create' | 'deploy'
): { created: boolean } {
  const { state } = ctx;
  const b = state.behaviour;
  const fullName = textOf(incoming.fullName).trim();
  if (!fullName) throw new MetadataProblem('REQUIRED_FIELD_MISSING', 'Required field is missing: fullName');
  const existing = connectedAppByName(state, fullName);
  if (mode === 'update' && !existing)
    throw new MetadataProblem(
      'INVALID_CROSS_REFERENCE_KEY',
      `In field: fullName - no ConnectedApp named ${fullName} found`
    );
  if (!existing || mode === 'create') {
    // Facts §7.1: no new connected apps (Spring '26), through the Metadata API either.
    if (!b.allowConnectedAppCreation)
      throw new MetadataProblem(
        b.connectedAppCreationError.errorCode,
        b.connectedAppCreationError.message.replace(/\{name\}/g, fullName)
      );
    if (existing)
      throw new MetadataProblem('DUPLICATE_DEVELOPER_NAME', `A connected app named ${fullName} already exists.`);
  } else if (b.connectedAppMetadataUpdate === 'reject') {
    throw new MetadataProblem(
      'INSUFFICIENT_ACCESS',
      "Connected apps can't be changed through the Metadata API in this org. Edit the app in Setup, or move to an external client app."
    );
  }

  required(incoming, 'label', 'contactEmail');
  const stored = plain(incoming);
  delete stored.fullName;
  delete stored.profileName;
  delete stored.permissionSetName;
  let adminApproved = false;
  if (stored.oauthConfig !== undefined) {
    if (!isTree(stored.oauthConfig))
      throw new MetadataProblem('REQUIRED_FIELD_MISSING', 'Required field is missing: callbackUrl');
    const oauth = { ...stored.oauthConfig };
    required(oauth, 'callbackUrl');
    adminApproved = isTrue(oauth.isAdminApproved);
    delete oauth.isAdminApproved;
    delete oauth.consumerSecret;
    const oldKey = existing ? consumerKeyOf(existing) : undefined;
    const sent = textOf(oauth.consumerKey).trim();
    if (sent && oldKey && sent !== oldKey)
      throw new MetadataProblem(
        'FIELD_INTEGRITY_EXCEPTION',
        "Consumer Key: the consumer key of an existing connected app can't be changed."
      );
    const key = sent || oldKey || newConsumerKey();
    if (!oldKey || sent !== oldKey) {
      const bad = consumerKeyProblem(key);
      if (bad) throw new MetadataProblem('FIELD_INTEGRITY_EXCEPTION', `Consumer Key: ${bad}`);
      if (keyHolder(state, key, existing?.Id))
        throw new MetadataProblem(
          'DUPLICATE_VALUE',
          'duplicate value found: consumerKey duplicates value on another app'
        );
    }
    oauth.consumerKey = key;
    const cert = textOf(oauth.certificate).trim();
    if (cert && certificateProblem(cert))
      throw new MetadataProblem('FIELD_INTEGRITY_EXCEPTION', `Certificate: ${certificateProblem(cert) as string}`);
    stored.oauthConfig = oauth;
  }

  // The lists, resolved before anything is written.
  const parents: string[] = [];
  for (const name of textList(incoming.profileName)) {
    const profile = profileByName(state, name);
    const own = profile && ownSetOf(state, profile.Id);
    if (!own)
      throw new MetadataProblem('FIELD_INTEGRITY_EXCEPTION', `In field: profileName - no Profile named ${name} found`);
    parents.push(own.Id);
  }
  for (const name of textList(incoming.permissionSetName)) {
    const set = findPermissionSet(state, name, caMatch(state));
    if (!set)
      throw new MetadataProblem(
        'FIELD_INTEGRITY_EXCEPTION',
        `In field: permissionSetName - no PermissionSet named ${name} found`
      );
    parents.push(set.Id);
  }

  const values = {
    Name: textOf(incoming.label),
    _fullName: fullName,
    OptionsAllowAdminApprovedUsersOnly: adminApproved,
    _metadata: stored,
  };
  const rec = existing
    ? ctx.state.update('ConnectedApplication', existing.Id, values, ctx.userId)
    : ctx.state.insert('ConnectedApplication', values, ctx.userId);
  syncGrants(ctx, rec.Id, parents);
  return { created: !existing };
}

// --- External Client Apps: reading ------------------------------------------------------------------

function sub(rec: Rec, key: '_global' | '_settings' | '_plugins'): SubComponent | undefined {
  return rec[key] as SubComponent | undefined;
}

/** Every component of a type, in creation order; consumer key and secret only when the org exposes them (facts §8.3). */
export function componentsOf(state: OrgState, type: string): Component[] {
  const out: Component[] = [];
  const dates = (r: Rec): { createdDate: string; lastModifiedDate: string } => ({
    createdDate: r.CreatedDate as string,
    lastModifiedDate: r.LastModifiedDate as string,
  });
  switch (type) {
    case 'ConnectedApp':
      for (const r of state.records('ConnectedApplication'))
        out.push({
          type,
          fullName: r._fullName as string,
          id: r.Id,
          tree: connectedAppComponent(state, r),
          ...dates(r),
        });
      break;
    case 'ExternalClientApplication':
      for (const r of state.records('ExternalClientApplication'))
        out.push({
          type,
          fullName: r.DeveloperName as string,
          id: r.Id,
          tree: plain(r._metadata as Tree),
          ...dates(r),
        });
      break;
    case 'ExtlClntAppOauthConfigurablePolicies':
      for (const r of state.records('ExtlClntAppOauthPlcyCnfg'))
        out.push({
          type,
          fullName: r.DeveloperName as string,
          id: r.Id,
          tree: plain(r._metadata as Tree),
          ...dates(r),
        });
      break;
    case 'ExtlClntAppGlobalOauthSettings':
    case 'ExtlClntAppOauthSettings':
    case 'ExtlClntAppConfigurablePolicies': {
      const key =
        type === 'ExtlClntAppGlobalOauthSettings'
          ? '_global'
          : type === 'ExtlClntAppOauthSettings'
            ? '_settings'
            : '_plugins';
      for (const r of state.records('ExternalClientApplication')) {
        const c = sub(r, key);
        if (!c) continue;
        const tree = plain(c.tree);
        if (key === '_global') {
          if (state.behaviour.ecaConsumerSecretsInMetadata) tree.consumerSecret = r._consumerSecret as string;
          else delete tree.consumerKey;
        }
        out.push({
          type,
          fullName: c.fullName,
          id: c.id,
          tree,
          createdDate: c.createdDate,
          lastModifiedDate: c.lastModifiedDate,
        });
      }
      break;
    }
    default:
      break;
  }
  return out;
}

// --- External Client Apps: deploying ---------------------------------------------------------------

/** The app an ECA sub-component names in externalClientApplication. */
function owningApp(state: OrgState, tree: Tree): Rec {
  const name = textOf(tree.externalClientApplication).trim();
  if (!name)
    throw new MetadataProblem('REQUIRED_FIELD_MISSING', 'Required field is missing: externalClientApplication');
  const app = ecaByName(state, name);
  if (!app)
    throw new MetadataProblem(
      'FIELD_INTEGRITY_EXCEPTION',
      `In field: externalClientApplication - no ExternalClientApplication named ${name} found`
    );
  return app;
}

/** One component of each kind per app: a second one under another name is refused. */
function checkSameName(app: Rec, existing: { fullName: string } | undefined, fullName: string, what: string): void {
  if (existing && existing.fullName !== fullName) {
    throw new MetadataProblem(
      'DUPLICATE_VALUE',
      `External client app ${app.DeveloperName as string} already has ${what} named ${existing.fullName}; deploy it under that name.`
    );
  }
}

function subComponent(
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

const PERMITTED_USERS = ['AdminApprovedPreAuthorized', 'AllSelfAuthorized'];

/** The policy row's queryable fields, from its component (every field the component leaves out gets its default). */
function policyFields(fullName: string, appId: string, tree: Tree): Record<string, unknown> {
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

/** The policy Salesforce generates with the OAuth settings (Help: "generated with default values during deployment"). */
function defaultPolicy(ctx: WriteContext, app: Rec, settingsName: string, label: string): void {
  const fullName = `${settingsName}_defaultPolicy`;
  const tree: Tree = {
    externalClientApplication: app.DeveloperName as string,
    ipRelaxationPolicyType: 'Enforce',
    isClientCredentialsFlowEnabled: 'false',
    isGuestCodeCredFlowEnabled: 'false',
    isTokenExchangeFlowEnabled: 'false',
    label,
    permittedUsersPolicyType: 'AllSelfAuthorized',
    refreshTokenPolicyType: 'Infinite',
  };
  ctx.state.insert('ExtlClntAppOauthPlcyCnfg', policyFields(fullName, app.Id, tree), ctx.userId);
}

/**
 * Metadata API reference, ExtlClntAppGlobalOauthSettings / ExtlClntAppOauthSettings, "Special Access Rules": access to the
 * OAuth plugin requires the org setting "Allow Access to OAuth Consumer Secrets via Metadata API" (ecaConsumerSecretsInMetadata).
 * Newer ExternalClientAppSettings pages mark that setting deprecated, so the rule is switchable (ecaOauthSettingsDeploy).
 * Salesforce's refusal text is not public: the code and message here are placeholders.
 */
function checkOauthSettingsAccess(state: OrgState, type: string): void {
  if (state.behaviour.ecaOauthSettingsDeploy === 'requires-setting' && !state.behaviour.ecaConsumerSecretsInMetadata) {
    throw new MetadataProblem(
      'INSUFFICIENT_ACCESS',
      `You can't deploy ${type}: turn on "Allow Access to OAuth Consumer Secrets via Metadata API" in External Client App Settings.`
    );
  }
}

/** Checks the policy's pre-authorization lists (profiles by name; permission sets per ecaPermsetMatch). */
function checkPolicyLists(state: OrgState, tree: Tree): void {
  const type = textOf(tree.permittedUsersPolicyType);
  if (type && !PERMITTED_USERS.includes(type))
    throw new MetadataProblem(
      'FIELD_INTEGRITY_EXCEPTION',
      `permittedUsersPolicyType: bad value for restricted picklist field: ${type}`
    );
  for (const name of splitComma(tree.commaSeparatedProfile)) {
    if (!profileByName(state, name))
      throw new MetadataProblem(
        'FIELD_INTEGRITY_EXCEPTION',
        `In field: commaSeparatedProfile - no Profile named ${name} found`
      );
  }
  for (const ref of splitComma(tree.commaSeparatedPermissionSet)) {
    if (!findPermissionSet(state, ref, ecaMatch(state)))
      throw new MetadataProblem(
        'FIELD_INTEGRITY_EXCEPTION',
        `In field: commaSeparatedPermissionSet - no PermissionSet named ${ref} found`
      );
  }
}

/**
 * Deploys one component (ConnectedApp or an ECA type). `policyApps` names the apps whose OAuth policy is in
 * the same deploy, so OAuth settings don't generate a default one for them.
 */
export function deployComponent(
  ctx: WriteContext,
  type: string,
  fullName: string,
  incoming: Tree,
  policyApps: Set<string>
): { created: boolean } {
  const { state } = ctx;
  const tree = plain(incoming);
  delete tree.fullName;
  switch (type) {
    case 'ConnectedApp':
      return saveConnectedApp(ctx, { ...incoming, fullName }, 'deploy');

    case 'ExternalClientApplication': {
      const existing = ecaByName(state, fullName);
      // Facts §8.5: re-deploying an existing app fails, with a cryptic message.
      if (existing)
        throw new MetadataProblem(
          'DUPLICATE_VALUE',
          `duplicate value found: DeveloperName duplicates value on record with id: ${existing.Id.slice(0, 15)}`
        );
      required(tree, 'label');
      tree.distributionState = textOf(tree.distributionState) || 'Local';
      tree.isProtected = textOf(tree.isProtected) || 'false';
      tree.orgScopedExternalApp = textOf(tree.orgScopedExternalApp) || `${state.orgId}:${fullName}`;
      state.insert('ExternalClientApplication', ecaFields(fullName, tree), ctx.userId);
      return { created: true };
    }

    case 'ExtlClntAppGlobalOauthSettings': {
      const app = owningApp(state, tree);
      const existing = sub(app, '_global');
      checkSameName(app, existing, fullName, 'global OAuth settings');
      checkOauthSettingsAccess(state, type);
      required(tree, 'callbackUrl');
      if (textOf(tree.consumerSecret) && !state.behaviour.ecaConsumerSecretsInMetadata) {
        throw new MetadataProblem(
          'INSUFFICIENT_ACCESS',
          "You can't set the consumer secret through the Metadata API: 'Allow Access to OAuth Consumer Secrets via Metadata API' is off."
        );
      }
      const oldKey = existing ? textOf(existing.tree.consumerKey) : '';
      // ecaConsumerKey 'generated': Salesforce makes the key itself and ignores the one deployed (unsettled, #11 item 10).
      const sent = state.behaviour.ecaConsumerKey === 'generated' ? '' : textOf(tree.consumerKey).trim();
      if (sent && oldKey && sent !== oldKey)
        throw new MetadataProblem(
          'FIELD_INTEGRITY_EXCEPTION',
          "The consumer key of an external client app can't be changed."
        );
      const key = sent || oldKey || newConsumerKey();
      if (key !== oldKey) {
        const bad = consumerKeyProblem(key);
        if (bad) throw new MetadataProblem('FIELD_INTEGRITY_EXCEPTION', bad);
        if (keyHolder(state, key, app.Id))
          throw new MetadataProblem(
            'DUPLICATE_VALUE',
            'duplicate value found: consumerKey duplicates value on another app'
          );
      }
      const cert = textOf(tree.certificate).trim();
      if (cert && certificateProblem(cert))
        throw new MetadataProblem('FIELD_INTEGRITY_EXCEPTION', certificateProblem(cert) as string);
      tree.consumerKey = key;
      const secret = textOf(tree.consumerSecret) || (app._consumerSecret as string | undefined) || newSecret();
      delete tree.consumerSecret;
      // Facts §8.1: isPkceRequired defaults to true.
      tree.isPkceRequired = textOf(tree.isPkceRequired) || 'true';
      const consumerId = (app._consumerId as string | undefined) ?? state.ids.next(OAUTH_CONSUMER_PREFIX);
      state.update(
        'ExternalClientApplication',
        app.Id,
        { _global: subComponent(ctx, existing, fullName, tree), _consumerSecret: secret, _consumerId: consumerId },
        ctx.userId
      );
      return { created: !existing };
    }

    case 'ExtlClntAppOauthSettings': {
      const app = owningApp(state, tree);
      const existing = sub(app, '_settings');
      checkSameName(app, existing, fullName, 'OAuth settings');
      checkOauthSettingsAccess(state, type);
      state.update(
        'ExternalClientApplication',
        app.Id,
        { _settings: subComponent(ctx, existing, fullName, tree) },
        ctx.userId
      );
      if (!policyOf(state, app.Id) && !policyApps.has(String(app.DeveloperName).toLowerCase()))
        defaultPolicy(ctx, app, fullName, textOf(tree.label) || fullName);
      return { created: !existing };
    }

    case 'ExtlClntAppOauthConfigurablePolicies': {
      const app = owningApp(state, tree);
      const existing = policyOf(state, app.Id);
      checkSameName(
        app,
        existing ? { fullName: existing.DeveloperName as string } : undefined,
        fullName,
        'an OAuth policy'
      );
      checkPolicyLists(state, tree);
      const values = policyFields(fullName, app.Id, tree);
      if (existing) state.update('ExtlClntAppOauthPlcyCnfg', existing.Id, values, ctx.userId);
      else state.insert('ExtlClntAppOauthPlcyCnfg', values, ctx.userId);
      return { created: !existing };
    }

    case 'ExtlClntAppConfigurablePolicies': {
      const app = owningApp(state, tree);
      const existing = sub(app, '_plugins');
      checkSameName(app, existing, fullName, 'plugin policies');
      required(tree, 'isEnabled');
      state.update(
        'ExternalClientApplication',
        app.Id,
        { _plugins: subComponent(ctx, existing, fullName, tree) },
        ctx.userId
      );
      return { created: !existing };
    }

    default:
      throw new MetadataProblem('INVALID_TYPE', `Unknown type name: ${type}`);
  }
}

function ecaFields(fullName: string, tree: Tree): Record<string, unknown> {
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

// --- what the token endpoint reads -----------------------------------------------------------------

/** One app as the JWT bearer flow sees it (facts §9.2). */
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
}

/** Every app with a consumer key, as the token endpoint must judge it right now. */
export function authApps(state: OrgState): AuthApp[] {
  const approvals = (label: string): string[] =>
    state
      .records('OauthToken')
      .filter((t) => t._approved === true && String(t.AppName).toLowerCase() === label.toLowerCase())
      .map((t) => t.UserId as string);
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
      approvedUserIds: approvals(r.Name as string),
    });
  }
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
      approvedUserIds: approvals(r.MasterLabel as string),
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

// --- seeding ---------------------------------------------------------------------------------------

/** Apps, their grants and their OAuth tokens from a resolved seed (the seed was validated already). */
export function seedApps(state: OrgState, seed: ResolvedSeed): void {
  const ctx: WriteContext = { state, userId: '' };
  const adminEmail = seed.admin.username;
  const setIdsFor = (profiles: string[], sets: string[]): string[] => [
    ...profiles.map((n) => (ownSetOf(state, profileByName(state, n)?.Id) as Rec).Id),
    ...sets.map((n) => (findPermissionSet(state, n, 'name') as Rec).Id),
  ];
  for (const a of seed.connectedApps)
    seedConnectedApp(ctx, a, adminEmail, setIdsFor(a.profiles ?? [], a.permissionSets ?? []));
  for (const a of seed.externalClientApps) seedEca(ctx, a, adminEmail);
  for (const a of [...seed.connectedApps, ...seed.externalClientApps]) {
    for (const t of a.oauthTokens ?? []) {
      const user = state.findBy('User', 'Username', t.username) as Rec;
      const when = t.lastUsed ? new Date(t.lastUsed) : new Date();
      const stamp = when.toISOString().replace('Z', '+0000');
      // OauthToken.AppName is "the label for the connected app" (object reference).
      state.insert(
        'OauthToken',
        { AppName: a.label ?? a.name, UserId: user.Id, LastUsedDate: stamp, UseCount: 1, _approved: true },
        ''
      );
    }
  }
}

function seedConnectedApp(ctx: WriteContext, a: SeedConnectedApp, adminEmail: string, grantParents: string[]): void {
  const oauthConfig: Tree = {
    callbackUrl: a.callbackUrl ?? 'http://localhost:1717/OauthRedirect',
    consumerKey: a.consumerKey,
    isConsumerSecretOptional: 'false',
    isIntrospectAllTokens: 'false',
    isSecretRequiredForRefreshToken: 'true',
    scopes: a.scopes ?? ['Api', 'RefreshToken'],
  };
  if (a.certificate) oauthConfig.certificate = a.certificate.trim();
  const meta: Tree = {
    contactEmail: a.contactEmail ?? adminEmail,
    label: a.label ?? a.name,
    oauthConfig,
    oauthPolicy: { ipRelaxation: a.ipRelaxation ?? 'ENFORCE', refreshTokenPolicy: a.refreshTokenPolicy ?? 'infinite' },
  };
  const rec = ctx.state.insert(
    'ConnectedApplication',
    {
      Name: a.label ?? a.name,
      _fullName: a.name,
      OptionsAllowAdminApprovedUsersOnly: a.adminApproved === true,
      _metadata: meta,
    },
    ''
  );
  syncGrants(ctx, rec.Id, grantParents);
}

function seedEca(ctx: WriteContext, a: SeedExternalClientApp, adminEmail: string): void {
  const { state } = ctx;
  const label = a.label ?? a.name;
  const header: Tree = {
    contactEmail: a.contactEmail ?? adminEmail,
    distributionState: 'Local',
    isProtected: 'false',
    label,
    orgScopedExternalApp: `${state.orgId}:${a.name}`,
  };
  const app = state.insert('ExternalClientApplication', ecaFields(a.name, header), '');
  const global: Tree = {
    callbackUrl: 'http://localhost:1717/OauthRedirect',
    consumerKey: a.consumerKey,
    externalClientApplication: a.name,
    isConsumerSecretOptional: 'false',
    isIntrospectAllTokens: 'false',
    isPkceRequired: 'true',
    isSecretRequiredForRefreshToken: 'true',
    label,
    shouldRotateConsumerKey: 'false',
    shouldRotateConsumerSecret: 'false',
  };
  if (a.certificate) global.certificate = a.certificate.trim();
  const settings: Tree = {
    commaSeparatedOauthScopes: (a.scopes ?? ['Api', 'RefreshToken']).join(', '),
    externalClientApplication: a.name,
    label,
  };
  const plugins: Tree = {
    externalClientApplication: a.name,
    isEnabled: bool(a.enabled !== false),
    isOauthPluginEnabled: 'true',
    label,
  };
  state.update(
    'ExternalClientApplication',
    app.Id,
    {
      _global: subComponent(ctx, undefined, `${a.name}GlblOAuth`, global),
      _settings: subComponent(ctx, undefined, `${a.name}OAuthSettings`, settings),
      _plugins: subComponent(ctx, undefined, `${a.name}_defaultPolicy`, plugins),
      _consumerSecret: newSecret(),
      _consumerId: state.ids.next(OAUTH_CONSUMER_PREFIX),
    },
    ''
  );
  // The seed names permission sets; the policy stores them as the org expects them (ecaPermsetMatch 'id': Ids).
  const sets = (a.permissionSets ?? []).map((n) => {
    const set = findPermissionSet(state, n, 'name') as Rec;
    return state.behaviour.ecaPermsetMatch === 'id' ? set.Id : (set.Name as string);
  });
  const policy: Tree = {
    externalClientApplication: a.name,
    ipRelaxationPolicyType: a.ipRelaxation ?? 'Enforce',
    isClientCredentialsFlowEnabled: 'false',
    isGuestCodeCredFlowEnabled: 'false',
    isTokenExchangeFlowEnabled: 'false',
    label,
    permittedUsersPolicyType: a.permittedUsers ?? 'AllSelfAuthorized',
    refreshTokenPolicyType: a.refreshTokenPolicy ?? 'Infinite',
  };
  if (a.profiles?.length) policy.commaSeparatedProfile = a.profiles.join(',');
  if (sets.length) policy.commaSeparatedPermissionSet = sets.join(',');
  state.insert('ExtlClntAppOauthPlcyCnfg', policyFields(`${a.name}OAuthSettings_defaultPolicy`, app.Id, policy), '');
}
