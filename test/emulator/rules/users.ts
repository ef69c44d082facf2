// User and Profile rules: usernames, seats, the profile's own permission set, and a user moving to a profile on
// another user license (behaviour profileLicenseChangeError), which keeps what it holds only if the new license allows it.

import { DUPLICATE_USERNAME_MESSAGE, badRequest } from '../http/errors.js';
import type { OrgState, Rec } from '../data/state.js';
import { authApps } from '../oauth/auth-apps.js';
import { checkSetForUser, judgedSetsOfGroup, licenseLimit } from './holdings.js';
import { ObjectRules, READ_ONLY_MESSAGE, errorFromSpec } from './object-rules.js';

/**
 * A username needs only "the form of an email address", checked loosely: at least one @ (several are
 * accepted: Salesforce Stack Exchange 136843, "User email and username discrepancy"), something on either
 * side, no whitespace; so an apostrophe (RFC 5322 local part, O'Brien) passes. Length 80: the field's (schema).
 */
const USERNAME = /^[^\s@]\S*@\S*[^\s@]$/;

function checkUsername(state: OrgState, username: string, selfId?: string): void {
  if (!USERNAME.test(username)) throw errorFromSpec(state.behaviour.usernameFormatError, { username }, ['Username']);
  const lower = username.toLowerCase();
  const clash = state.records('User').some((u) => u.Id !== selfId && String(u.Username).toLowerCase() === lower);
  if (clash || state.usernamesTakenElsewhere.has(lower))
    throw badRequest('DUPLICATE_USERNAME', DUPLICATE_USERNAME_MESSAGE, ['Username']);
}

/**
 * A user moving to a profile on another user license (`moved` carries the new ProfileId) keeps what it holds only
 * if the new license allows it, as if each were assigned afresh: every held permission set (direct, or a member of
 * a held group) must pass the assignment checks (a set licensed to another user license fails with
 * licenseMismatchError; on the integration license a --None-- set must not enable a denied user permission nor,
 * without the PSL, standard-object access), and every held PSL must be compatible with the new license (else
 * licenseMismatchError too, {psl} = its developer name). 'accept' lets mismatches through.
 */
function checkHoldingsOnLicense(state: OrgState, moved: Rec): void {
  const b = state.behaviour;
  const seen = new Set<string>();
  for (const a of state.records('PermissionSetAssignment')) {
    if (a.AssigneeId !== moved.Id) continue;
    const sets = a.PermissionSetGroupId
      ? judgedSetsOfGroup(state, a.PermissionSetGroupId)
      : [state.get('PermissionSet', a.PermissionSetId)];
    for (const set of sets) {
      if (!set || set.IsOwnedByProfile === true || seen.has(set.Id)) continue;
      seen.add(set.Id);
      // A PSL-licensed set goes where its PSL goes: the PSL is judged below.
      if (set.LicenseId && state.find(set.LicenseId)?.def.name === 'PermissionSetLicense') continue;
      checkSetForUser(state, moved, set, new Set());
    }
  }
  const licenseId = state.userLicenseId(moved) ?? '';
  for (const pa of state.records('PermissionSetLicenseAssign')) {
    if (pa.AssigneeId !== moved.Id) continue;
    const psl = state.get('PermissionSetLicense', pa.PermissionSetLicenseId);
    const compat = psl?._compatibleUserLicenses
      ? (JSON.parse(psl._compatibleUserLicenses as string) as Array<string | null>)
      : null;
    if (psl && compat && !compat.includes(licenseId) && b.licenseMismatchError !== 'accept') {
      throw errorFromSpec(b.licenseMismatchError, {
        permissionSet: psl.DeveloperName as string,
        psl: psl.DeveloperName as string,
        username: moved.Username as string,
      });
    }
  }
}

export const userRules: ObjectRules = {
  defaults({ state }, values) {
    values.UserType = 'Standard';
    if (values.IsActive === undefined || values.IsActive === null) values.IsActive = true;
    if (!values.CommunityNickname && typeof values.Username === 'string') {
      const base = values.Username.split('@')[0].slice(0, 32);
      let nick = base;
      for (
        let i = 1;
        state.records('User').some((u) => String(u.CommunityNickname).toLowerCase() === nick.toLowerCase());
        i++
      )
        nick = `${base}${i}`;
      values.CommunityNickname = nick;
    }
  },
  beforeInsert({ state }, values) {
    checkUsername(state, values.Username as string);
    const licenseId = state.get('Profile', values.ProfileId)?.UserLicenseId as string;
    if (values.IsActive === true && state.freeSeats('UserLicense', licenseId) <= 0) throw licenseLimit();
  },
  afterInsert({ state, userId }, rec) {
    const ownSet = state
      .records('PermissionSet')
      .find((p) => p.IsOwnedByProfile === true && p.ProfileId === rec.ProfileId);
    if (ownSet)
      state.insert(
        'PermissionSetAssignment',
        { AssigneeId: rec.Id, PermissionSetId: ownSet.Id, PermissionSetGroupId: null, IsActive: true },
        userId
      );
  },
  beforeUpdate({ state }, rec, changes, merged) {
    if (changes.Username !== undefined) checkUsername(state, changes.Username as string, rec.Id);
    // An app's client credentials run-as user: no source says deactivation is refused (Help, "Considerations for
    // Deactivating Users", lists other blockers); behaviour deactivateRunAsUser, refused by default (placeholder text).
    if (rec.IsActive === true && merged.IsActive === false && state.behaviour.deactivateRunAsUser === 'reject') {
      const app = authApps(state).find((a) => a.clientCredentials.runAs === rec.Username);
      if (app)
        throw badRequest(
          'FIELD_INTEGRITY_EXCEPTION',
          `You can't deactivate this user because it's the OAuth client credentials flow execution user of app ${app.label}.`,
          ['IsActive']
        );
    }
    const oldLicense = state.userLicenseId(rec);
    const newLicense = state.get('Profile', merged.ProfileId)?.UserLicenseId as string;
    const moving = newLicense !== oldLicense;
    if (moving && state.behaviour.profileLicenseChangeError !== 'accept') {
      throw errorFromSpec(state.behaviour.profileLicenseChangeError, {}, ['ProfileId']);
    }
    // A seat is needed when the user becomes active, or moves (active) to another license; the old seat frees itself
    // (UsedLicenses counts active users per license).
    const needsSeat = merged.IsActive === true && (rec.IsActive !== true || moving);
    if (needsSeat && state.freeSeats('UserLicense', newLicense) <= 0) throw licenseLimit();
    if (moving) checkHoldingsOnLicense(state, { ...rec, ProfileId: merged.ProfileId });
  },
  afterUpdate({ state, userId }, rec, before) {
    if (rec.ProfileId === before.ProfileId) return;
    // The profile's own set follows the profile: the user's assignment of the old one now names the new one.
    const ownSet = state
      .records('PermissionSet')
      .find((p) => p.IsOwnedByProfile === true && p.ProfileId === rec.ProfileId);
    const current = state
      .records('PermissionSetAssignment')
      .find((a) => a.AssigneeId === rec.Id && state.get('PermissionSet', a.PermissionSetId)?.IsOwnedByProfile === true);
    if (current && ownSet) state.update('PermissionSetAssignment', current.Id, { PermissionSetId: ownSet.Id }, userId);
    else if (ownSet)
      state.insert(
        'PermissionSetAssignment',
        {
          AssigneeId: rec.Id,
          PermissionSetId: ownSet.Id,
          PermissionSetGroupId: null,
          IsActive: true,
          IsRevoked: false,
        },
        userId
      );
  },
};

export const profileRules: ObjectRules = {
  defaults(_ctx, values) {
    values.UserType = 'Standard';
    values._custom = true;
  },
  beforeInsert({ state }, values) {
    if (state.findBy('Profile', 'Name', values.Name as string))
      throw badRequest(
        'DUPLICATE_VALUE',
        `duplicate value found: Name duplicates value on record with id: ${state.findBy('Profile', 'Name', values.Name as string)?.Id}`,
        ['Name']
      );
  },
  afterInsert({ state, userId }, rec) {
    const perms = Object.fromEntries(Object.entries(rec).filter(([k]) => k.startsWith('Permissions')));
    state.insert(
      'PermissionSet',
      {
        Name: `X${rec.Id}`,
        Label: rec.Id,
        LicenseId: rec.UserLicenseId,
        ProfileId: rec.Id,
        IsOwnedByProfile: true,
        IsCustom: true,
        Type: 'Profile',
        NamespacePrefix: null,
        ...perms,
      },
      userId
    );
  },
  beforeUpdate(_ctx, rec) {
    if (rec._custom !== true) throw badRequest('INSUFFICIENT_ACCESS_OR_READONLY', READ_ONLY_MESSAGE);
  },
  afterUpdate({ state, userId }, rec) {
    const ownSet = state.records('PermissionSet').find((p) => p.IsOwnedByProfile === true && p.ProfileId === rec.Id);
    const perms = Object.fromEntries(Object.entries(rec).filter(([k]) => k.startsWith('Permissions')));
    if (ownSet) state.update('PermissionSet', ownSet.Id, perms, userId);
  },
};
