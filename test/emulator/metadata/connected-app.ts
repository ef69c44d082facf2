// The ConnectedApp metadata component: its view (readMetadata, retrieve) and its writes (CRUD calls, deploy).
// Its profileName / permissionSetName lists are a view of the app's SetupEntityAccess rows (Setup's "Manage Profiles"
// stores a row under the profile's own permission set).

import type { OrgState, Rec } from '../data/state.js';
import {
  MetadataProblem,
  WriteContext,
  bool,
  caMatch,
  certificateProblem,
  connectedAppByName,
  consumerKeyOf,
  consumerKeyProblem,
  findPermissionSet,
  grantsOf,
  isTrue,
  keyHolder,
  newConsumerKey,
  newSecret,
  ownSetOf,
  profileByName,
  required,
  syncGrants,
} from './apps.js';
import { checkRunAs } from './run-as.js';
import { Tree, isTree, plain, textList, textOf } from './xml.js';

type SaveMode = 'update' | 'upsert' | 'create' | 'deploy';

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

/**
 * Saves a ConnectedApp component as sent: the whole component is replaced (read-modify-write is the
 * caller's job), except the consumer key, which is set once and kept when left out.
 * mode 'update' needs an existing app; 'upsert' and 'deploy' create when allowed; 'create' needs a new name.
 */
export function saveConnectedApp(ctx: WriteContext, incoming: Tree, mode: SaveMode): { created: boolean } {
  const { state } = ctx;
  const fullName = textOf(incoming.fullName).trim();
  if (!fullName) throw new MetadataProblem('REQUIRED_FIELD_MISSING', 'Required field is missing: fullName');
  const existing = connectedAppByName(state, fullName);
  checkSaveAllowed(state, existing, fullName, mode);

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
    runAsField(state, oauth, existing);
    oauth.consumerKey = checkedConsumerKey(state, textOf(oauth.consumerKey).trim(), existing);
    const cert = textOf(oauth.certificate).trim();
    if (cert && certificateProblem(cert))
      throw new MetadataProblem('FIELD_INTEGRITY_EXCEPTION', `Certificate: ${certificateProblem(cert) as string}`);
    stored.oauthConfig = oauth;
  }

  // The lists, resolved before anything is written.
  const parents = grantParents(state, incoming);
  const values = {
    Name: textOf(incoming.label),
    _fullName: fullName,
    OptionsAllowAdminApprovedUsersOnly: adminApproved,
    _metadata: stored,
  };
  // A new app gets a consumer secret; the Metadata API never shows it (ConnectedApp consumerSecret: "the value isn't returned").
  const rec = existing
    ? ctx.state.update('ConnectedApplication', existing.Id, values, ctx.userId)
    : ctx.state.insert('ConnectedApplication', { ...values, _consumerSecret: newSecret() }, ctx.userId);
  syncGrants(ctx, rec.Id, parents);
  return { created: !existing };
}

/** Whether this org lets the call create the app, or change it (behaviour allowConnectedAppCreation, connectedAppMetadataUpdate). */
function checkSaveAllowed(state: OrgState, existing: Rec | undefined, fullName: string, mode: SaveMode): void {
  const b = state.behaviour;
  if (mode === 'update' && !existing)
    throw new MetadataProblem(
      'INVALID_CROSS_REFERENCE_KEY',
      `In field: fullName - no ConnectedApp named ${fullName} found`
    );
  if (!existing || mode === 'create') {
    // No new connected apps since Spring '26, through the Metadata API either (Salesforce Help, connected app creation restrictions).
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
}

/** The consumer key to keep: set once (the sent one, or a new one), then never changed. */
function checkedConsumerKey(state: OrgState, sent: string, existing: Rec | undefined): string {
  const oldKey = existing ? consumerKeyOf(existing) : undefined;
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
  return key;
}

/** The SetupEntityAccess parents the component's profileName and permissionSetName lists name. */
function grantParents(state: OrgState, incoming: Tree): string[] {
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
  return parents;
}

/**
 * oauthClientCredentialUser as written (behaviour connectedAppRunAsViaMetadata): 'allow' checks and stores it, 'ignore'
 * keeps the stored value whatever was sent (the write still succeeds), 'reject' refuses a change of it.
 */
function runAsField(state: OrgState, oauth: Tree, existing: Rec | undefined): void {
  const old =
    existing && isTree((existing._metadata as Tree).oauthConfig)
      ? textOf(((existing._metadata as Tree).oauthConfig as Tree).oauthClientCredentialUser).trim()
      : '';
  const sent = textOf(oauth.oauthClientCredentialUser).trim();
  if (sent === old) return;
  const mode = state.behaviour.connectedAppRunAsViaMetadata;
  if (mode === 'reject')
    throw new MetadataProblem(
      'INSUFFICIENT_ACCESS',
      'The client credentials flow run-as user of a connected app can only be set in Setup (Manage > Edit Policies).'
    );
  if (mode === 'ignore') {
    if (old) oauth.oauthClientCredentialUser = old;
    else delete oauth.oauthClientCredentialUser;
    return;
  }
  if (sent) checkRunAs(state, sent);
}
