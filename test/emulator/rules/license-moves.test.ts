/* eslint-disable @typescript-eslint/no-unsafe-member-access -- REST bodies are JSON, read by shape */
// API Only (a profile or permission set permission, never a user's own) and moving an existing user onto a
// profile on another user license (Help, "Give Integration Users API Only Access"; PermissionSetAssignment reference): seats, held permission sets and PSLs, the profile's
// own set, and UserLicense / PermissionSetLicense counts through all of it.

import { expect } from 'chai';
import { startEmulator, SeedError, type Emulator, type Seed } from '../index.js';
import { INTEGRATION_PROFILE, V, call } from '../http/test-client.js';

type Row = Record<string, unknown>;

/** A query row without its `attributes` (nested ones too), for exact comparisons. */
function plain<T>(v: T): T {
  if (Array.isArray(v)) return v.map(plain) as T;
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => k !== 'attributes')
      .map(([k, x]) => [k, plain(x)])
  ) as T;
}

const PSL = 'SalesforceAPIIntegrationPsl';
const MISMATCH = [
  {
    errorCode: 'FIELD_INTEGRITY_EXCEPTION',
    message: "The user license doesn't match the permission set license.",
    fields: [],
  },
];

/** Users on the Salesforce license holding sets of every kind; the integration license with `free` seats. */
function seedWith(extra: Seed = {}, free = 5): Seed {
  return {
    userLicenses: [
      { name: 'Salesforce Integration', total: 5, used: 5 - free },
      { name: 'Salesforce', total: 10 },
    ],
    profiles: [
      { name: INTEGRATION_PROFILE, license: 'Salesforce Integration' },
      {
        name: 'System Administrator',
        license: 'Salesforce',
        userPermissions: ['ApiEnabled', 'ModifyAllData', 'ViewSetup'],
      },
      { name: 'Standard User', license: 'Salesforce', userPermissions: ['ApiEnabled'] },
      { name: 'API Only Sales', license: 'Salesforce', custom: true, userPermissions: ['ApiUserOnly', 'ApiEnabled'] },
    ],
    permissionSets: [
      { name: 'Custom_Only', license: null, objects: { Invoice__c: ['read'] } },
      { name: 'Account_Read', license: null, objects: { Account: ['read'] } },
      { name: 'Mad_Power', license: null, userPermissions: ['ModifyAllData'] },
      { name: 'Sf_Set', license: 'Salesforce' },
      { name: 'Int_Set', license: 'Salesforce Integration' },
      { name: 'Psl_Set', license: PSL, objects: { Account: ['read'] } },
      { name: 'Api_Only_Set', license: null, userPermissions: ['ApiUserOnly'] },
    ],
    permissionSetGroups: [{ name: 'Mixed_Group', permissionSets: ['Custom_Only', 'Sf_Set'] }],
    users: [
      { username: 'legacy@acme.example', profile: 'Standard User', permissionSets: ['Custom_Only'] },
      {
        username: 'sync@acme.example',
        profile: INTEGRATION_PROFILE,
        permissionSets: ['Psl_Set'],
        permissionSetLicenses: [PSL],
      },
    ],
    ...extra,
  };
}

describe('emulator API Only and moving users between licenses', () => {
  let emu: Emulator;
  afterEach(() => emu?.stop());
  const start = async (
    seed: Seed,
    behaviour: Seed['behaviour'] = { profileLicenseChangeError: 'accept' }
  ): Promise<void> => {
    emu = await startEmulator({ seed: { ...seed, behaviour } });
  };
  const id = (q: string): string => emu.query<Row>(q)[0].Id as string;
  const userId = (username: string): string => id(`SELECT Id FROM User WHERE Username = '${username}'`);
  const profileId = (name: string): string => id(`SELECT Id FROM Profile WHERE Name = '${name}'`);
  const setId = (name: string): string => id(`SELECT Id FROM PermissionSet WHERE Name = '${name}'`);
  const used = (license: string): number =>
    emu.query<Row>(`SELECT UsedLicenses FROM UserLicense WHERE Name = '${license}'`)[0].UsedLicenses as number;
  const pslUsed = (): number =>
    emu.query<Row>(`SELECT UsedLicenses FROM PermissionSetLicense WHERE DeveloperName = '${PSL}'`)[0]
      .UsedLicenses as number;
  const seats = (): { integration: number; salesforce: number; psl: number } => ({
    integration: used('Salesforce Integration'),
    salesforce: used('Salesforce'),
    psl: pslUsed(),
  });
  const move = (username: string, profile: string): Promise<{ status: number; body: unknown }> =>
    call(emu, 'PATCH', `${V}/sobjects/User/${userId(username)}`, { ProfileId: profileId(profile) });
  const profileOf = (username: string): string =>
    emu.query<Row & { Profile: Row }>(`SELECT Profile.Name FROM User WHERE Username = '${username}'`)[0].Profile
      .Name as string;
  const assignments = (username: string): Array<{ Id: string; PermissionSet: Row }> =>
    emu.query<{ Id: string; PermissionSet: Row }>(
      `SELECT Id, PermissionSet.Name, PermissionSet.IsOwnedByProfile, PermissionSet.ProfileId FROM PermissionSetAssignment WHERE AssigneeId = '${userId(username)}' ORDER BY PermissionSet.IsOwnedByProfile DESC, PermissionSet.Name`
    );

  describe('API Only', () => {
    it('lives on profiles and permission sets, and reads back through User and PermissionSetAssignment', async () => {
      await start(
        seedWith({
          users: [
            { username: 'sync@acme.example', profile: INTEGRATION_PROFILE },
            { username: 'sales-api@acme.example', profile: 'API Only Sales' },
            { username: 'flagged@acme.example', profile: 'Standard User', permissionSets: ['Api_Only_Set'] },
            { username: 'plain@acme.example', profile: 'Standard User' },
          ],
        })
      );
      const users = emu.query<Row & { Profile: Row }>(
        'SELECT Username, Profile.PermissionsApiUserOnly, Profile.PermissionsApiEnabled, Profile.PermissionsChatterInternalUser FROM User ORDER BY Username'
      );
      expect(
        users.map((u) => [
          u.Username,
          u.Profile.PermissionsApiUserOnly,
          u.Profile.PermissionsApiEnabled,
          u.Profile.PermissionsChatterInternalUser,
        ])
      ).to.deep.equal([
        ['admin@emu.example', false, true, false],
        ['flagged@acme.example', false, true, false],
        ['plain@acme.example', false, true, false],
        ['sales-api@acme.example', true, true, false],
        // a standard profile on the integration license gets ApiEnabled, ApiUserOnly, ChatterInternalUser by default (as the standard integration profiles do)
        ['sync@acme.example', true, true, true],
      ]);
      // API Only through a profile's own set or an assigned set: one query finds every holder.
      const holders = emu
        .query<Row>('SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSet.PermissionsApiUserOnly = true')
        .map((r) => r.AssigneeId);
      expect(holders).to.have.members([
        userId('sync@acme.example'),
        userId('sales-api@acme.example'),
        userId('flagged@acme.example'),
      ]);
      const own = emu.query<Row>(
        `SELECT PermissionsApiUserOnly, PermissionsApiEnabled, PermissionsChatterInternalUser FROM PermissionSet WHERE IsOwnedByProfile = true AND ProfileId = '${profileId(INTEGRATION_PROFILE)}'`
      );
      expect(plain(own)).to.deep.equal([
        { PermissionsApiUserOnly: true, PermissionsApiEnabled: true, PermissionsChatterInternalUser: true },
      ]);
    });

    it('keeps seeded permissions as given, and gives custom integration-license profiles none by default', async () => {
      await start({
        profiles: [
          {
            name: 'Salesforce API Only System Integrations',
            license: 'Salesforce Integration',
            userPermissions: ['ApiEnabled', 'ApiUserOnly'],
          },
          { name: 'Int Custom', license: 'Salesforce Integration', custom: true },
          { name: 'System Administrator', license: 'Salesforce' },
        ],
      });
      const rows = emu.query<Row>(
        "SELECT Name, PermissionsApiUserOnly, PermissionsChatterInternalUser FROM Profile WHERE UserLicense.Name = 'Salesforce Integration' ORDER BY Name"
      );
      expect(plain(rows)).to.deep.equal([
        { Name: 'Int Custom', PermissionsApiUserOnly: false, PermissionsChatterInternalUser: false },
        {
          Name: 'Salesforce API Only System Integrations',
          PermissionsApiUserOnly: true,
          PermissionsChatterInternalUser: false,
        },
      ]);
    });

    it('refuses users[].userPermissions in a seed, pointing at profiles and permission sets', async () => {
      let error: unknown;
      try {
        await startEmulator({
          seed: {
            users: [{ username: 'a@acme.example', profile: 'Standard User', userPermissions: ['ApiUserOnly'] }],
          } as unknown as Seed,
        });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(SeedError);
      expect((error as Error).message).to.equal(
        'seed.users[0].userPermissions: a user has no user permissions of its own in Salesforce; put them on its profile (seed.profiles[].userPermissions) or on a permission set it holds'
      );
    });
  });

  describe('moving a user to a profile on another license (profileLicenseChangeError: accept)', () => {
    it('takes a seat on the new license, frees the old one, and moves the profile-owned assignment', async () => {
      await start(seedWith());
      expect(seats()).to.deep.equal({ integration: 1, salesforce: 2, psl: 1 });
      const before = assignments('legacy@acme.example');
      const r = await move('legacy@acme.example', INTEGRATION_PROFILE);
      expect(r.status).to.equal(204);
      expect(profileOf('legacy@acme.example')).to.equal(INTEGRATION_PROFILE);
      expect(seats()).to.deep.equal({ integration: 2, salesforce: 1, psl: 1 });
      const after = assignments('legacy@acme.example');
      // same rows: the profile's own assignment now names the new profile's set; the --None-- set stays
      expect(after.map((a) => a.Id)).to.deep.equal(before.map((a) => a.Id));
      expect(plain(after.map((a) => a.PermissionSet))).to.deep.equal([
        {
          Name: `X${profileId(INTEGRATION_PROFILE)}`,
          IsOwnedByProfile: true,
          ProfileId: profileId(INTEGRATION_PROFILE),
        },
        { Name: 'Custom_Only', IsOwnedByProfile: false, ProfileId: null },
      ]);
      expect(emu.requests.at(-1)).to.include({ method: 'PATCH', status: 204, writes: 2 });
      // now on the integration license, the PSL can follow
      const psla = await call(emu, 'POST', `${V}/sobjects/PermissionSetLicenseAssign`, {
        AssigneeId: userId('legacy@acme.example'),
        PermissionSetLicenseId: id(`SELECT Id FROM PermissionSetLicense WHERE DeveloperName = '${PSL}'`),
      });
      expect(psla.status).to.equal(201);
      expect(seats()).to.deep.equal({ integration: 2, salesforce: 1, psl: 2 });
    });

    it('needs a free seat on the new license: LICENSE_LIMIT_EXCEEDED, nothing changed', async () => {
      await start(seedWith({}, 0));
      expect(seats()).to.deep.equal({ integration: 5, salesforce: 2, psl: 1 });
      const r = await move('legacy@acme.example', INTEGRATION_PROFILE);
      expect(r.status).to.equal(400);
      expect(r.body).to.deep.equal([
        { errorCode: 'LICENSE_LIMIT_EXCEEDED', message: 'License Limit Exceeded', fields: [] },
      ]);
      expect(profileOf('legacy@acme.example')).to.equal('Standard User');
      expect(seats()).to.deep.equal({ integration: 5, salesforce: 2, psl: 1 });
      expect(assignments('legacy@acme.example')[0].PermissionSet.ProfileId).to.equal(profileId('Standard User'));
    });

    it('moves an inactive user without a seat', async () => {
      await start(seedWith({ users: [{ username: 'gone@acme.example', profile: 'Standard User', active: false }] }, 0));
      expect((await move('gone@acme.example', INTEGRATION_PROFILE)).status).to.equal(204);
      expect(seats()).to.deep.equal({ integration: 5, salesforce: 1, psl: 0 });
      // reactivating then needs the seat
      const back = await call(emu, 'PATCH', `${V}/sobjects/User/${userId('gone@acme.example')}`, { IsActive: true });
      expect(back.body).to.deep.equal([
        { errorCode: 'LICENSE_LIMIT_EXCEEDED', message: 'License Limit Exceeded', fields: [] },
      ]);
    });

    it('fails on a held set licensed to another user license, directly or through a group, until it is removed', async () => {
      await start(
        seedWith({
          users: [
            { username: 'direct@acme.example', profile: 'Standard User', permissionSets: ['Custom_Only', 'Sf_Set'] },
            { username: 'grouped@acme.example', profile: 'Standard User', permissionSets: ['Mixed_Group'] },
          ],
        })
      );
      for (const username of ['direct@acme.example', 'grouped@acme.example']) {
        const r = await move(username, INTEGRATION_PROFILE);
        expect(r.status, username).to.equal(400);
        expect(r.body, username).to.deep.equal(MISMATCH);
        expect(profileOf(username)).to.equal('Standard User');
      }
      expect(seats()).to.deep.equal({ integration: 0, salesforce: 3, psl: 0 });
      const psa = id(
        `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '${userId('direct@acme.example')}' AND PermissionSetId = '${setId('Sf_Set')}'`
      );
      expect((await call(emu, 'DELETE', `${V}/sobjects/PermissionSetAssignment/${psa}`)).status).to.equal(204);
      expect((await move('direct@acme.example', INTEGRATION_PROFILE)).status).to.equal(204);
      expect(seats()).to.deep.equal({ integration: 1, salesforce: 2, psl: 0 });
    });

    it('names the set and user through licenseMismatchError, and lets them through when it is accept', async () => {
      const seed = seedWith({
        users: [{ username: 'direct@acme.example', profile: 'Standard User', permissionSets: ['Sf_Set'] }],
      });
      await start(seed, {
        profileLicenseChangeError: 'accept',
        licenseMismatchError: { errorCode: 'LICENSE_MISMATCH', message: '{permissionSet} does not fit {username}' },
      });
      expect((await move('direct@acme.example', INTEGRATION_PROFILE)).body).to.deep.equal([
        { errorCode: 'LICENSE_MISMATCH', message: 'Sf_Set does not fit direct@acme.example', fields: [] },
      ]);
      await emu.stop();

      await start(seed, { profileLicenseChangeError: 'accept', licenseMismatchError: 'accept' });
      expect((await move('direct@acme.example', INTEGRATION_PROFILE)).status).to.equal(204);
      expect(assignments('direct@acme.example').map((a) => a.PermissionSet.Name)).to.deep.equal([
        `X${profileId(INTEGRATION_PROFILE)}`,
        'Sf_Set',
      ]);
      expect(seats()).to.deep.equal({ integration: 1, salesforce: 1, psl: 0 });
    });

    it('fails on a held PSL the new license does not support (licenseMismatchError, {psl})', async () => {
      await start(seedWith(), {
        profileLicenseChangeError: 'accept',
        licenseMismatchError: {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: 'PSL {psl} / {permissionSet} for {username}',
        },
      });
      const r = await move('sync@acme.example', 'Standard User');
      expect(r.status).to.equal(400);
      expect(r.body).to.deep.equal([
        { errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: `PSL ${PSL} / ${PSL} for sync@acme.example`, fields: [] },
      ]);
      expect(seats()).to.deep.equal({ integration: 1, salesforce: 2, psl: 1 });
      // off the PSL (and the set it licenses) the user can move back to the Salesforce license
      const psa = id(
        `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '${userId('sync@acme.example')}' AND PermissionSetId = '${setId('Psl_Set')}'`
      );
      const psla = id(`SELECT Id FROM PermissionSetLicenseAssign WHERE AssigneeId = '${userId('sync@acme.example')}'`);
      expect((await call(emu, 'DELETE', `${V}/sobjects/PermissionSetAssignment/${psa}`)).status).to.equal(204);
      expect((await call(emu, 'DELETE', `${V}/sobjects/PermissionSetLicenseAssign/${psla}`)).status).to.equal(204);
      expect((await move('sync@acme.example', 'Standard User')).status).to.equal(204);
      expect(seats()).to.deep.equal({ integration: 0, salesforce: 3, psl: 0 });
    });

    it('keeps a PSL-licensed set and its PSL when the PSL fits the new license', async () => {
      await start(
        seedWith({
          permissionSetLicenses: [
            {
              developerName: PSL,
              label: 'Salesforce API Integration',
              total: 5,
              compatibleUserLicenses: ['Salesforce Integration', 'Salesforce'],
            },
          ],
        })
      );
      expect((await move('sync@acme.example', 'Standard User')).status).to.equal(204);
      expect(assignments('sync@acme.example').map((a) => a.PermissionSet.Name)).to.deep.equal([
        `X${profileId('Standard User')}`,
        'Psl_Set',
      ]);
      expect(seats()).to.deep.equal({ integration: 0, salesforce: 3, psl: 1 });
    });

    it('judges --None-- sets as the integration license would on assignment: denied permissions, standard objects without the PSL', async () => {
      await start(
        seedWith({
          users: [
            { username: 'reader@acme.example', profile: 'Standard User', permissionSets: ['Account_Read'] },
            { username: 'mighty@acme.example', profile: 'Standard User', permissionSets: ['Custom_Only', 'Mad_Power'] },
          ],
        })
      );
      const reader = await move('reader@acme.example', INTEGRATION_PROFILE);
      expect(reader.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "The user license doesn't allow the permission: Read Account",
          fields: [],
        },
      ]);
      const mighty = await move('mighty@acme.example', INTEGRATION_PROFILE);
      expect(mighty.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "The user license doesn't allow the permission: Modify All Data",
          fields: [],
        },
      ]);
      expect(seats()).to.deep.equal({ integration: 0, salesforce: 3, psl: 0 });
    });

    it('moves within one license without any license check (the integration profiles)', async () => {
      await start(
        seedWith(
          {
            profiles: [
              { name: INTEGRATION_PROFILE, license: 'Salesforce Integration' },
              { name: 'Salesforce API Only System Integrations', license: 'Salesforce Integration' },
              { name: 'System Administrator', license: 'Salesforce' },
            ],
            users: [
              {
                username: 'sync@acme.example',
                profile: 'Salesforce API Only System Integrations',
                permissionSets: ['Int_Set'],
              },
            ],
          },
          0
        ),
        {}
      );
      expect((await move('sync@acme.example', INTEGRATION_PROFILE)).status).to.equal(204);
      expect(assignments('sync@acme.example').map((a) => a.PermissionSet.Name)).to.deep.equal([
        `X${profileId(INTEGRATION_PROFILE)}`,
        'Int_Set',
      ]);
      expect(used('Salesforce Integration')).to.equal(5);
    });

    it('rolls a composite back whole when the move fails after the set was removed', async () => {
      await start(
        seedWith({
          users: [
            { username: 'direct@acme.example', profile: 'Standard User', permissionSets: ['Sf_Set', 'Account_Read'] },
          ],
        })
      );
      const user = userId('direct@acme.example');
      const psa = id(
        `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '${user}' AND PermissionSetId = '${setId('Sf_Set')}'`
      );
      const r = await call(emu, 'POST', `${V}/composite`, {
        allOrNone: true,
        // the order matters here without a reference between them
        collateSubrequests: false,
        compositeRequest: [
          { method: 'DELETE', url: `${V}/sobjects/PermissionSetAssignment/${psa}`, referenceId: 'unassign' },
          {
            method: 'PATCH',
            url: `${V}/sobjects/User/${user}`,
            referenceId: 'move',
            body: { ProfileId: profileId(INTEGRATION_PROFILE) },
          },
        ],
      });
      expect(r.status).to.equal(200);
      const move2 = (
        r.body.compositeResponse as Array<{ referenceId: string; httpStatusCode: number; body: unknown }>
      ).find((s) => s.referenceId === 'move');
      expect(move2?.httpStatusCode).to.equal(400);
      expect(move2?.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "The user license doesn't allow the permission: Read Account",
          fields: [],
        },
      ]);
      expect(emu.query(`SELECT Id FROM PermissionSetAssignment WHERE Id = '${psa}'`)).to.have.length(1);
      expect(seats()).to.deep.equal({ integration: 0, salesforce: 2, psl: 0 });
    });
  });
});
