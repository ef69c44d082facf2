/* eslint-disable @typescript-eslint/no-unsafe-member-access -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../index.js';
import { INTEGRATION_PROFILE, V, call, create, soql } from '../http/test-client.js';
import { jwtLogin, makeKeyPair } from '../oauth/jwt-client.js';

type Row = Record<string, unknown>;
const PSL = 'SalesforceAPIIntegrationPsl';

/** Sync_Access: Account read/edit/delete and ModifyAllData from its sets, with edit and delete on Account and ModifyAllData muted. */
const seed = (extra: Partial<Seed> = {}): Seed => ({
  records: { Account: [{ Name: 'Acme' }], Invoice__c: [{ Name: "O'Brien 1" }] },
  permissionSets: [
    {
      name: 'Account_Manage',
      label: 'Account Manage',
      license: null,
      objects: { Account: ['read', 'edit', 'delete'] },
      fields: { 'Account.Industry': ['read', 'edit'] },
      userPermissions: ['ModifyAllData'],
    },
    { name: 'Invoice_Read', label: 'Invoice Read', license: null, objects: { Invoice__c: ['read'] } },
  ],
  permissionSetGroups: [
    {
      name: 'Sync_Access',
      label: 'Sync Access',
      permissionSets: ['Account_Manage', 'Invoice_Read'],
      muting: { objects: { Account: ['edit'] }, userPermissions: ['ModifyAllData'] },
    },
    { name: 'Plain_Access', label: 'Plain Access', permissionSets: ['Account_Manage'] },
  ],
  users: [{ username: 'sync@acme.example', profile: INTEGRATION_PROFILE, permissionSetLicenses: [PSL] }],
  ...extra,
});

describe('emulator permission set groups: the aggregate set and muting', () => {
  let emu: Emulator;
  afterEach(() => emu?.stop());
  const one = (q: string): Row => {
    const rows = emu.query<Row>(q);
    expect(rows, q).to.have.length(1);
    return rows[0];
  };
  const userId = (): string => one("SELECT Id FROM User WHERE Username = 'sync@acme.example'").Id as string;
  const groupId = (name: string): string =>
    one(`SELECT Id FROM PermissionSetGroup WHERE DeveloperName = '${name}'`).Id as string;
  const objectRows = (where: string): Array<[string, boolean, boolean, boolean]> =>
    emu
      .query<Row>(
        `SELECT SobjectType, PermissionsRead, PermissionsEdit, PermissionsDelete FROM ObjectPermissions WHERE ${where} ORDER BY SobjectType`
      )
      .map((r) => [
        r.SobjectType as string,
        r.PermissionsRead as boolean,
        r.PermissionsEdit as boolean,
        r.PermissionsDelete as boolean,
      ]);

  it("gives each group a Type 'Group' aggregate set holding its members' permissions less the muted ones", async () => {
    emu = await startEmulator({ seed: seed() });
    const aggregate = one(
      "SELECT Id, Name, Label, Type, LicenseId, IsOwnedByProfile, PermissionsModifyAllData FROM PermissionSet WHERE PermissionSetGroup.DeveloperName = 'Sync_Access'"
    );
    expect(aggregate).to.include({
      Name: 'Sync_Access',
      Label: 'Sync Access',
      Type: 'Group',
      LicenseId: null,
      IsOwnedByProfile: false,
      PermissionsModifyAllData: false,
    });
    // Edit muted, so Delete (which needs Edit) goes with it; Invoice__c read stays.
    expect(objectRows("Parent.PermissionSetGroup.DeveloperName = 'Sync_Access'")).to.deep.equal([
      ['Account', true, false, false],
      ['Invoice__c', true, false, false],
    ]);
    expect(
      one("SELECT PermissionsModifyAllData FROM PermissionSet WHERE PermissionSetGroup.DeveloperName = 'Plain_Access'")
        .PermissionsModifyAllData
    ).to.equal(true);
    expect(objectRows("Parent.PermissionSetGroup.DeveloperName = 'Plain_Access'")).to.deep.equal([
      ['Account', true, true, true],
    ]);
    expect(
      emu
        .query<Row>(
          "SELECT Field, PermissionsEdit FROM FieldPermissions WHERE Parent.PermissionSetGroup.DeveloperName = 'Sync_Access'"
        )
        .map((r) => [r.Field, r.PermissionsEdit])
    ).to.deep.equal([['Account.Industry', true]]);
  });

  it('keeps the muting set a component (0QM) whose PermissionSet relationship, and its rows Parent, are null', async () => {
    emu = await startEmulator({ seed: seed() });
    const components = emu.query<{ PermissionSetId: string; PermissionSet: { Name: string } | null }>(
      `SELECT PermissionSetId, PermissionSet.Name FROM PermissionSetGroupComponent WHERE PermissionSetGroupId = '${groupId('Sync_Access')}'`
    );
    expect(components.map((c) => c.PermissionSet?.Name ?? null).sort()).to.deep.equal([
      'Account_Manage',
      'Invoice_Read',
      null,
    ]);
    const muting = components.find((c) => c.PermissionSet === null)?.PermissionSetId as string;
    expect(muting).to.match(/^0QM/);
    expect(
      one(`SELECT DeveloperName, PermissionsModifyAllData FROM MutingPermissionSet WHERE Id = '${muting}'`)
    ).to.include({ DeveloperName: 'Sync_Access_Muting', PermissionsModifyAllData: true });
    const rows = emu.query<Row>(
      `SELECT ParentId, Parent.Name, SobjectType, PermissionsEdit FROM ObjectPermissions WHERE ParentId = '${muting}'`
    );
    expect(rows.map((r) => [r.Parent, r.SobjectType, r.PermissionsEdit])).to.deep.equal([[null, 'Account', true]]);
  });

  it("fills an assignment's PermissionSetId with the aggregate set; a session of the user has the group's access after muting", async () => {
    const keys = makeKeyPair();
    emu = await startEmulator({
      seed: seed({
        connectedApps: [
          {
            name: 'Sync_App',
            label: 'Sync App',
            consumerKey: 'SYNCKEY0001',
            certificate: keys.certificate,
            adminApproved: true,
            permissionSets: ['Invoice_Read'],
          },
        ],
      }),
    });
    const r = await create(emu, 'PermissionSetAssignment', {
      AssigneeId: userId(),
      PermissionSetGroupId: groupId('Sync_Access'),
    });
    expect(r.status).to.equal(201);
    const row = one(
      `SELECT PermissionSetId, PermissionSet.Type, PermissionSetGroupId FROM PermissionSetAssignment WHERE Id = '${r.body.id as string}'`
    );
    expect(row.PermissionSetId).to.equal(
      one("SELECT Id FROM PermissionSet WHERE Type = 'Group' AND Name = 'Sync_Access'").Id
    );
    expect((row.PermissionSet as Row).Type).to.equal('Group');

    // The app lists a member set: the group's member reaches the user (pre-authorization), muting doesn't touch that.
    const token = await jwtLogin(emu, keys.privateKey, {
      iss: 'SYNCKEY0001',
      sub: 'sync@acme.example',
      exp: Math.floor(Date.now() / 1000) + 300,
    });
    expect(token.status).to.equal(200);
    const asUser = (path: string, body?: unknown, method = body ? 'PATCH' : 'GET'): ReturnType<typeof call> =>
      call(emu, method, `${V}${path}`, body, token.body.access_token as string);
    expect(
      (await asUser(`/query?q=${encodeURIComponent('SELECT Name FROM Invoice__c')}`)).body.records[0].Name
    ).to.equal("O'Brien 1");
    const account = one("SELECT Id FROM Account WHERE Name = 'Acme'").Id as string;
    expect((await asUser(`/sobjects/Account/${account}`)).status).to.equal(200);
    // Edit is muted (and Modify All Data with it): the update is refused.
    const edit = await asUser(`/sobjects/Account/${account}`, { Name: 'Acme Corp' });
    expect(edit.body).to.deep.equal([
      { errorCode: 'INVALID_TYPE_FOR_OPERATION', message: 'entity type cannot be updated: Account', fields: [] },
    ]);
  });

  it('recalculates the aggregate when a member changes, and keeps it read-only', async () => {
    emu = await startEmulator({ seed: seed() });
    const invoiceRead = one("SELECT Id FROM ObjectPermissions WHERE Parent.Name = 'Invoice_Read'").Id as string;
    expect(
      (await call(emu, 'PATCH', `${V}/sobjects/ObjectPermissions/${invoiceRead}`, { PermissionsCreate: true })).status
    ).to.equal(204);
    expect(
      emu.query<Row>(
        "SELECT PermissionsCreate FROM ObjectPermissions WHERE Parent.PermissionSetGroup.DeveloperName = 'Sync_Access' AND SobjectType = 'Invoice__c'"
      )[0].PermissionsCreate
    ).to.equal(true);
    const aggregate = one("SELECT Id FROM PermissionSet WHERE Type = 'Group' AND Name = 'Plain_Access'").Id as string;
    const write = await create(emu, 'ObjectPermissions', {
      ParentId: aggregate,
      SobjectType: 'Invoice__c',
      PermissionsRead: true,
    });
    expect(write.body[0].errorCode).to.equal('INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY');
    expect(
      (await call(emu, 'PATCH', `${V}/sobjects/PermissionSet/${aggregate}`, { Label: 'Mine' })).body[0].errorCode
    ).to.equal('INSUFFICIENT_ACCESS_OR_READONLY');
    // A new group gets its aggregate set, a deleted one loses it.
    const created = await create(emu, 'PermissionSetGroup', { DeveloperName: 'New_Group', MasterLabel: 'New Group' });
    expect(
      one(`SELECT Type, Label FROM PermissionSet WHERE PermissionSetGroupId = '${created.body.id as string}'`)
    ).to.include({ Type: 'Group', Label: 'New Group' });
    expect(
      (await call(emu, 'DELETE', `${V}/sobjects/PermissionSetGroup/${created.body.id as string}`)).status
    ).to.equal(204);
    expect((await soql(emu, "SELECT Id FROM PermissionSet WHERE Name = 'New_Group'")).body.totalSize).to.equal(0);
  });

  describe('license rules judge the aggregate set (the assigned one): a muted permission does not count', () => {
    const integrationSeed = (muting: NonNullable<Seed['permissionSetGroups']>[number]['muting']): Seed => ({
      permissionSets: [
        { name: 'Account_Read', license: null, objects: { Account: ['read'] } },
        { name: 'All_Data', license: null, userPermissions: ['ModifyAllData'] },
        { name: 'Sf_Set', license: 'Salesforce' },
      ],
      permissionSetGroups: [
        { name: 'Muted_Account', permissionSets: ['Account_Read'], muting },
        {
          name: 'Muted_Power',
          permissionSets: ['All_Data', 'Account_Read'],
          muting: { userPermissions: ['ModifyAllData'] },
        },
        {
          name: 'Licensed_Member',
          permissionSets: ['Sf_Set', 'Account_Read'],
          muting: { objects: { Account: ['read'] } },
        },
      ],
      users: [{ username: 'sync@acme.example', profile: INTEGRATION_PROFILE }],
    });
    const assign = (group: string): ReturnType<typeof create> =>
      create(emu, 'PermissionSetAssignment', { AssigneeId: userId(), PermissionSetGroupId: groupId(group) });

    it('a --None-- member with standard-object access needs the PSL first, unless the group mutes that access', async () => {
      emu = await startEmulator({ seed: integrationSeed({ objects: { Account: ['edit'] } }) });
      expect((await assign('Muted_Account')).body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "The user license doesn't allow the permission: Read Account",
          fields: [],
        },
      ]);
      await emu.stop();
      emu = await startEmulator({ seed: integrationSeed({ objects: { Account: ['read'] } }) });
      expect((await assign('Muted_Account')).status).to.equal(201);
    });

    it('a muted permission the license denies no longer blocks; a member licensed elsewhere still does', async () => {
      emu = await startEmulator({ seed: integrationSeed(undefined) });
      await create(emu, 'PermissionSetLicenseAssign', {
        AssigneeId: userId(),
        PermissionSetLicenseId: one(`SELECT Id FROM PermissionSetLicense WHERE DeveloperName = '${PSL}'`).Id,
      });
      expect((await assign('Muted_Power')).status).to.equal(201);
      expect((await assign('Licensed_Member')).body[0]).to.include({
        errorCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: "The user license doesn't match the permission set license.",
      });
    });
  });
});
