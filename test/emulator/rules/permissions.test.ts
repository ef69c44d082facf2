/* eslint-disable @typescript-eslint/no-unsafe-member-access -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { startEmulator, type Emulator } from '../index.js';
import { INTEGRATION_PROFILE, V, call, create } from '../http/test-client.js';

type Row = Record<string, unknown>;

describe('emulator permission set rules', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator({
      seed: {
        permissionSets: [
          { name: 'Ops', license: null },
          { name: 'Int_Licensed', license: 'Salesforce Integration' },
        ],
        records: { Invoice__c: [{ Name: 'INV-1', Amount__c: 1 }] },
        users: [{ username: 'std@acme.example', profile: 'Standard User', permissionSets: ['Ops'] }],
      },
    });
  });
  afterEach(() => emu.stop());

  const setId = (n: string): string =>
    emu.query<Row>(`SELECT Id FROM PermissionSet WHERE Name = '${n}'`)[0].Id as string;

  it('creates a permission set with defaults and refuses bad or duplicate names', async () => {
    const r = await create(emu, 'PermissionSet', { Name: 'Sync_Read', Label: 'Sync Read' });
    expect(r.status).to.equal(201);
    expect(
      emu.query<Row>(
        `SELECT IsOwnedByProfile, IsCustom, Type, LicenseId FROM PermissionSet WHERE Id = '${r.body.id as string}'`
      )[0]
    ).to.include({
      IsOwnedByProfile: false,
      IsCustom: true,
      Type: 'Regular',
      LicenseId: null,
    });
    const bad = await create(emu, 'PermissionSet', { Name: 'Bad__Name', Label: 'x' });
    expect(bad.body[0]).to.include({ errorCode: 'FIELD_INTEGRITY_EXCEPTION' });
    expect(bad.body[0].fields).to.deep.equal(['Name']);
    expect((await create(emu, 'PermissionSet', { Name: 'sync_read', Label: 'x' })).body[0].errorCode).to.equal(
      'DUPLICATE_DEVELOPER_NAME'
    );
    expect(
      (await create(emu, 'PermissionSet', { Name: 'Too_Long', Label: 'x'.repeat(81) })).body[0].errorCode
    ).to.equal('STRING_TOO_LONG');
  });

  it('sets LicenseId once, at creation', async () => {
    const psl = emu.query<Row>('SELECT Id FROM PermissionSetLicense')[0].Id as string;
    const r = await create(emu, 'PermissionSet', { Name: 'Psl_Set', Label: 'Psl Set', LicenseId: psl });
    expect(r.status).to.equal(201);
    const patch = await call(emu, 'PATCH', `${V}/sobjects/PermissionSet/${r.body.id as string}`, { LicenseId: null });
    expect(patch.body[0].errorCode).to.equal('INVALID_FIELD_FOR_INSERT_UPDATE');
    const wrong = await create(emu, 'PermissionSet', { Name: 'Wrong', Label: 'Wrong', LicenseId: setId('Ops') });
    expect(wrong.body[0].errorCode).to.equal('FIELD_INTEGRITY_EXCEPTION');
  });

  it('refuses to delete an assigned set; deleting an unassigned one removes its permissions', async () => {
    const assigned = await call(emu, 'DELETE', `${V}/sobjects/PermissionSet/${setId('Ops')}`);
    expect(assigned.status).to.equal(400);
    expect(assigned.body[0].errorCode).to.equal('DELETE_FAILED');
    const id = setId('Int_Licensed');
    await create(emu, 'ObjectPermissions', { ParentId: id, SobjectType: 'Invoice__c', PermissionsRead: true });
    expect((await call(emu, 'DELETE', `${V}/sobjects/PermissionSet/${id}`)).status).to.equal(204);
    expect(emu.query(`SELECT Id FROM ObjectPermissions WHERE ParentId = '${id}'`)).to.have.length(0);
    expect(emu.requests.at(-1)?.writes).to.equal(2);
  });

  it('refuses to modify a standard profile’s own set', async () => {
    const own = emu.query<Row>(
      `SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true AND Profile.Name = '${INTEGRATION_PROFILE}'`
    )[0].Id as string;
    expect(
      (await call(emu, 'PATCH', `${V}/sobjects/PermissionSet/${own}`, { PermissionsViewSetup: true })).body[0].errorCode
    ).to.equal('INSUFFICIENT_ACCESS_OR_READONLY');
    expect((await call(emu, 'DELETE', `${V}/sobjects/PermissionSet/${own}`)).status).to.equal(400);
  });

  describe('ObjectPermissions', () => {
    it('creates with the dependency rules enforced', async () => {
      const ops = setId('Ops');
      const ok = await create(emu, 'ObjectPermissions', {
        ParentId: ops,
        SobjectType: 'account',
        PermissionsRead: true,
        PermissionsEdit: true,
      });
      expect(ok.status).to.equal(201);
      expect(ok.body.id).to.match(/^110/);
      expect(
        emu.query<Row>(`SELECT SobjectType FROM ObjectPermissions WHERE Id = '${ok.body.id as string}'`)[0].SobjectType
      ).to.equal('Account');
      const noRead = await create(emu, 'ObjectPermissions', {
        ParentId: ops,
        SobjectType: 'Invoice__c',
        PermissionsEdit: true,
      });
      expect(noRead.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: 'Permission Edit Invoice__c depends on permission(s): Read Invoice__c',
          fields: [],
        },
      ]);
      const modifyAll = await create(emu, 'ObjectPermissions', {
        ParentId: ops,
        SobjectType: 'Invoice__c',
        PermissionsRead: true,
        PermissionsModifyAllRecords: true,
      });
      expect(modifyAll.body[0].message).to.equal(
        'Permission Modify All Invoice__c depends on permission(s): Edit Invoice__c, Delete Invoice__c, View All Invoice__c'
      );
      const dup = await create(emu, 'ObjectPermissions', {
        ParentId: ops,
        SobjectType: 'Account',
        PermissionsRead: true,
      });
      expect(dup.body[0].errorCode).to.equal('DUPLICATE_VALUE');
      const unknown = await create(emu, 'ObjectPermissions', {
        ParentId: ops,
        SobjectType: 'Nope__c',
        PermissionsRead: true,
      });
      expect(unknown.body[0]).to.deep.equal({
        errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        message: 'Sobject Type Name: bad value for restricted picklist field: Nope__c',
        fields: ['SobjectType'],
      });
    });

    it('deletes the record when an update leaves every permission false', async () => {
      const ops = setId('Ops');
      const id = (
        await create(emu, 'ObjectPermissions', {
          ParentId: ops,
          SobjectType: 'Account',
          PermissionsRead: true,
          PermissionsEdit: true,
        })
      ).body.id as string;
      expect(
        (
          await call(emu, 'PATCH', `${V}/sobjects/ObjectPermissions/${id}`, {
            PermissionsRead: true,
            PermissionsEdit: false,
          })
        ).status
      ).to.equal(204);
      expect(
        emu.query<Row>(`SELECT PermissionsEdit FROM ObjectPermissions WHERE Id = '${id}'`)[0].PermissionsEdit
      ).to.equal(false);
      const bad = await call(emu, 'PATCH', `${V}/sobjects/ObjectPermissions/${id}`, {
        PermissionsRead: false,
        PermissionsCreate: true,
      });
      expect(bad.body[0].errorCode).to.equal('FIELD_INTEGRITY_EXCEPTION');
      expect(
        (await call(emu, 'PATCH', `${V}/sobjects/ObjectPermissions/${id}`, { PermissionsRead: false })).status
      ).to.equal(204);
      expect(emu.query(`SELECT Id FROM ObjectPermissions WHERE Id = '${id}'`)).to.have.length(0);
      expect(emu.requests.at(-1)?.writes).to.equal(1);
    });

    it('refuses standard objects in a set on the integration user license (switchable)', async () => {
      const r = await create(emu, 'ObjectPermissions', {
        ParentId: setId('Int_Licensed'),
        SobjectType: 'Account',
        PermissionsRead: true,
      });
      expect(r.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "The user license doesn't allow the permission: Read Account",
          fields: [],
        },
      ]);
      expect(
        (
          await create(emu, 'ObjectPermissions', {
            ParentId: setId('Int_Licensed'),
            SobjectType: 'Invoice__c',
            PermissionsRead: true,
          })
        ).status
      ).to.equal(201);
    });
  });

  describe('FieldPermissions', () => {
    it('creates field permissions with Edit needing Read, and refuses unknown or required fields', async () => {
      const ops = setId('Ops');
      const ok = await create(emu, 'FieldPermissions', {
        ParentId: ops,
        SobjectType: 'Account',
        Field: 'Account.Industry',
        PermissionsRead: true,
      });
      expect(ok.status).to.equal(201);
      expect(ok.body.id).to.match(/^01k/);
      const edit = await create(emu, 'FieldPermissions', {
        ParentId: ops,
        SobjectType: 'Invoice__c',
        Field: 'Invoice__c.Amount__c',
        PermissionsEdit: true,
      });
      expect(edit.body[0]).to.include({
        errorCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: 'Permission Edit Invoice__c.Amount__c depends on permission(s): Read Invoice__c.Amount__c',
      });
      const required = await create(emu, 'FieldPermissions', {
        ParentId: ops,
        SobjectType: 'Account',
        Field: 'Account.Name',
        PermissionsRead: true,
      });
      expect(required.body[0]).to.include({
        errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        message: 'Field Name: bad value for restricted picklist field: Account.Name',
      });
      const dup = await create(emu, 'FieldPermissions', {
        ParentId: ops,
        SobjectType: 'Account',
        Field: 'Account.Industry',
        PermissionsRead: true,
      });
      expect(dup.body[0].errorCode).to.equal('DUPLICATE_VALUE');
      expect(
        (await call(emu, 'PATCH', `${V}/sobjects/FieldPermissions/${ok.body.id as string}`, { PermissionsRead: false }))
          .status
      ).to.equal(204);
      expect(emu.query('SELECT Id FROM FieldPermissions')).to.have.length(0);
    });
  });

  it('creates groups and components, and refuses deleting an assigned group', async () => {
    const g = await create(emu, 'PermissionSetGroup', { DeveloperName: 'Sync_Group', MasterLabel: 'Sync Group' });
    expect(g.status).to.equal(201);
    expect(
      emu.query<Row>(`SELECT Status FROM PermissionSetGroup WHERE Id = '${g.body.id as string}'`)[0].Status
    ).to.equal('Updated');
    expect(
      (
        await create(emu, 'PermissionSetGroupComponent', {
          PermissionSetGroupId: g.body.id,
          PermissionSetId: setId('Ops'),
        })
      ).status
    ).to.equal(201);
    expect(
      (
        await create(emu, 'PermissionSetGroupComponent', {
          PermissionSetGroupId: g.body.id,
          PermissionSetId: setId('Ops'),
        })
      ).body[0].errorCode
    ).to.equal('DUPLICATE_VALUE');
    const std = emu.query<Row>("SELECT Id FROM User WHERE Username = 'std@acme.example'")[0].Id;
    expect(
      (await create(emu, 'PermissionSetAssignment', { AssigneeId: std, PermissionSetGroupId: g.body.id })).status
    ).to.equal(201);
    expect(
      (await call(emu, 'DELETE', `${V}/sobjects/PermissionSetGroup/${g.body.id as string}`)).body[0].errorCode
    ).to.equal('DELETE_FAILED');
  });
});
