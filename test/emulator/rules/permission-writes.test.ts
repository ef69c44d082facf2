/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../index.js';
import { INTEGRATION_PROFILE, V, call, create } from '../http/test-client.js';

type Row = Record<string, unknown>;

const PSL = 'SalesforceAPIIntegrationPsl';

const baseSeed: Seed = {
  profiles: [
    { name: INTEGRATION_PROFILE, license: 'Salesforce Integration' },
    { name: 'System Administrator', license: 'Salesforce', userPermissions: ['ApiEnabled', 'ModifyAllData'] },
    { name: 'Sync Custom', license: 'Salesforce', custom: true },
  ],
  permissionSets: [
    { name: 'Ops', license: null },
    { name: 'Int_Licensed', license: 'Salesforce Integration', objects: { Invoice__c: ['read'] } },
  ],
  objects: { Invoice__c: { fields: { Amount__c: { type: 'currency' } } } },
};

describe('emulator permission set writes', () => {
  let emu: Emulator;
  const start = async (extra: Seed = {}): Promise<void> => {
    emu = await startEmulator({ seed: { ...baseSeed, ...extra } });
  };
  afterEach(() => emu?.stop());

  const id = (q: string): string => emu.query<Row>(q)[0].Id as string;
  const setId = (n: string): string => id(`SELECT Id FROM PermissionSet WHERE Name = '${n}'`);
  const license = (n: string): string => id(`SELECT Id FROM UserLicense WHERE Name = '${n}'`);
  const psl = (): string => id(`SELECT Id FROM PermissionSetLicense WHERE DeveloperName = '${PSL}'`);
  const objectPerms = (parent: string): string[] =>
    emu
      .query<Row>(`SELECT SobjectType FROM ObjectPermissions WHERE ParentId = '${parent}' ORDER BY SobjectType`)
      .map((r) => r.SobjectType as string);

  describe('PermissionSet', () => {
    it('creates a set with Name, Label, Description, LicenseId and Permissions<Name>', async () => {
      await start();
      const r = await create(emu, 'PermissionSet', {
        Name: 'Sync_Access_2',
        Label: 'Sync Access',
        Description: 'd'.repeat(255),
        LicenseId: psl(),
        PermissionsApiEnabled: true,
        PermissionsRunFlow: 'true',
      });
      expect(r.status).to.equal(201);
      expect(r.body.id).to.match(/^0PS/);
      const row = emu.query<Row & { License: { Name: string } }>(
        `SELECT Name, Label, LicenseId, License.Name, PermissionsApiEnabled, PermissionsRunFlow, PermissionsModifyAllData, IsOwnedByProfile, Type FROM PermissionSet WHERE Id = '${r.body.id as string}'`
      )[0];
      expect(row).to.deep.include({
        Name: 'Sync_Access_2',
        Label: 'Sync Access',
        LicenseId: psl(),
        PermissionsApiEnabled: true,
        PermissionsRunFlow: true,
        PermissionsModifyAllData: false,
        IsOwnedByProfile: false,
        Type: 'Regular',
      });
      // The polymorphic License.Name shows a PSL's name field, its MasterLabel.
      expect(row.License.Name).to.equal('Salesforce API Integration');
      expect(
        (
          await create(emu, 'PermissionSet', {
            Name: 'On_User_License',
            Label: 'x',
            LicenseId: license('Salesforce Integration'),
          })
        ).status
      ).to.equal(201);
      expect((await create(emu, 'PermissionSet', { Name: 'No_License', Label: 'x', LicenseId: null })).status).to.equal(
        201
      );
    });

    it('refuses names that are not API names, with FIELD_INTEGRITY_EXCEPTION on Name', async () => {
      await start();
      const rule =
        'The Name field can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.';
      for (const name of ['1st_Set', 'Has Space', 'Trailing_', 'Double__Underscore', 'Dash-Name', '_Lead']) {
        const r = await create(emu, 'PermissionSet', { Name: name, Label: 'x' });
        expect(r.status, name).to.equal(400);
        expect(r.body, name).to.deep.equal([
          { errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: rule, fields: ['Name'] },
        ]);
      }
      // Length is the field's own limit (80), checked first.
      const long = await create(emu, 'PermissionSet', { Name: `A${'b'.repeat(80)}`, Label: 'x' });
      expect(long.body[0]).to.include({
        errorCode: 'STRING_TOO_LONG',
        message: `Name: data value too large: A${'b'.repeat(80)} (max length=80)`,
      });
      expect((await create(emu, 'PermissionSet', { Name: `A${'b'.repeat(79)}`, Label: 'x' })).status).to.equal(201);
    });

    it('needs a Label of at most 80 and a Description of at most 255', async () => {
      await start();
      expect((await create(emu, 'PermissionSet', { Name: 'No_Label' })).body).to.deep.equal([
        { errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Label]', fields: ['Label'] },
      ]);
      expect(
        (await create(emu, 'PermissionSet', { Name: 'Long_Label', Label: 'l'.repeat(81) })).body[0].errorCode
      ).to.equal('STRING_TOO_LONG');
      expect(
        (await create(emu, 'PermissionSet', { Name: 'Long_Desc', Label: 'x', Description: 'd'.repeat(256) })).body[0]
      ).to.include({ errorCode: 'STRING_TOO_LONG' });
      expect(
        (await create(emu, 'PermissionSet', { Name: 'Bad_Perm', Label: 'x', PermissionsFlyPlanes: true })).body[0]
      ).to.include({
        errorCode: 'INVALID_FIELD',
        message: "No such column 'PermissionsFlyPlanes' on sobject of type PermissionSet",
      });
    });

    it('takes a UserLicense or PermissionSetLicense id as LicenseId, nothing else', async () => {
      await start();
      const profile = id(`SELECT Id FROM Profile WHERE Name = '${INTEGRATION_PROFILE}'`);
      const r = await create(emu, 'PermissionSet', { Name: 'Bad_License', Label: 'x', LicenseId: profile });
      expect(r.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: `License ID: id value of incorrect type: ${profile}`,
          fields: ['LicenseId'],
        },
      ]);
    });

    it('refuses a duplicate Name case-insensitively; the text is overridable', async () => {
      await start();
      const dup = await create(emu, 'PermissionSet', { Name: 'OPS', Label: 'Ops again' });
      expect(dup.body).to.deep.equal([
        {
          errorCode: 'DUPLICATE_DEVELOPER_NAME',
          message: 'The API name you entered is already in use. Enter a unique API name.',
          fields: ['Name'],
        },
      ]);
      const renamed = await call(emu, 'PATCH', `${V}/sobjects/PermissionSet/${setId('Int_Licensed')}`, { Name: 'ops' });
      expect(renamed.body[0].errorCode).to.equal('DUPLICATE_DEVELOPER_NAME');
      await emu.stop();
      await start({
        behaviour: {
          duplicateSetNameError: {
            errorCode: 'DUPLICATE_DEVELOPER_NAME',
            message: 'The API name {name} is already in use',
          },
        },
      });
      expect((await create(emu, 'PermissionSet', { Name: 'Ops', Label: 'x' })).body[0].message).to.equal(
        'The API name Ops is already in use'
      );
      expect((await create(emu, 'PermissionSetGroup', { DeveloperName: 'Ops', MasterLabel: 'x' })).status).to.equal(
        201
      );
      expect(
        (await create(emu, 'PermissionSetGroup', { DeveloperName: 'ops', MasterLabel: 'x' })).body[0].message
      ).to.equal('The API name ops is already in use');
    });

    it('refuses a LicenseId change as a read-only field, or per permissionSetLicenseChange', async () => {
      await start();
      const ops = setId('Ops');
      const r = await call(emu, 'PATCH', `${V}/sobjects/PermissionSet/${ops}`, { LicenseId: psl() });
      expect(r.body).to.deep.equal([
        {
          errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
          message:
            'Unable to create/update fields: LicenseId. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
          fields: ['LicenseId'],
        },
      ]);
      await emu.stop();
      await start({
        behaviour: {
          permissionSetLicenseChange: {
            errorCode: 'FIELD_INTEGRITY_EXCEPTION',
            message: "License can't be changed on permission set {permissionSet}.",
          },
        },
      });
      const set = setId('Int_Licensed');
      const changed = await call(emu, 'PATCH', `${V}/sobjects/PermissionSet/${set}`, { LicenseId: null, Label: 'New' });
      expect(changed.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "License can't be changed on permission set Int_Licensed.",
          fields: ['LicenseId'],
        },
      ]);
      // The same license, sent back with other changes, passes.
      const same = await call(emu, 'PATCH', `${V}/sobjects/PermissionSet/${set}`, {
        LicenseId: license('Salesforce Integration').slice(0, 15),
        Label: 'New',
      });
      expect(same.status).to.equal(204);
      expect(emu.query<Row>(`SELECT Label, LicenseId FROM PermissionSet WHERE Id = '${set}'`)[0]).to.deep.equal({
        attributes: { type: 'PermissionSet', url: `${V}/sobjects/PermissionSet/${set}` },
        Label: 'New',
        LicenseId: license('Salesforce Integration'),
      });
    });

    it("keeps profile-owned sets read-only, but lets a custom profile's set take object permissions", async () => {
      await start();
      const own = (p: string): string =>
        id(`SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true AND Profile.Name = '${p}'`);
      expect(
        (await call(emu, 'PATCH', `${V}/sobjects/PermissionSet/${own(INTEGRATION_PROFILE)}`, { Label: 'x' })).body[0]
          .errorCode
      ).to.equal('INSUFFICIENT_ACCESS_OR_READONLY');
      const denied = await create(emu, 'ObjectPermissions', {
        ParentId: own(INTEGRATION_PROFILE),
        SobjectType: 'Account',
        PermissionsRead: true,
      });
      expect(denied.body).to.deep.equal([
        {
          errorCode: 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
          message: 'insufficient access rights on cross-reference id',
          fields: ['ParentId'],
        },
      ]);
      const fieldDenied = await create(emu, 'FieldPermissions', {
        ParentId: own(INTEGRATION_PROFILE),
        SobjectType: 'Account',
        Field: 'Account.Industry',
        PermissionsRead: true,
      });
      expect(fieldDenied.body[0].errorCode).to.equal('INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY');
      expect(
        (
          await create(emu, 'ObjectPermissions', {
            ParentId: own('Sync Custom'),
            SobjectType: 'Account',
            PermissionsRead: true,
          })
        ).status
      ).to.equal(201);
    });
  });

  describe('ObjectPermissions and FieldPermissions', () => {
    it('refuses standard objects in a set on the integration user license on update too', async () => {
      await start();
      const op = id(`SELECT Id FROM ObjectPermissions WHERE Parent.Name = 'Int_Licensed'`);
      expect(
        (await call(emu, 'PATCH', `${V}/sobjects/ObjectPermissions/${op}`, { PermissionsEdit: true })).status
      ).to.equal(204);
      const std = await create(emu, 'ObjectPermissions', {
        ParentId: setId('Int_Licensed'),
        SobjectType: 'Contact',
        PermissionsRead: true,
        PermissionsCreate: true,
      });
      expect(std.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "The user license doesn't allow the permission: Read Contact",
          fields: [],
        },
      ]);
      await emu.stop();
      await start({ behaviour: { integrationLicensedPermsetStandardObjects: 'allow' } });
      expect(
        (
          await create(emu, 'ObjectPermissions', {
            ParentId: setId('Int_Licensed'),
            SobjectType: 'Contact',
            PermissionsRead: true,
          })
        ).status
      ).to.equal(201);
    });

    it('refuses FieldPermissions on ids, system, compound and mismatched fields; required ones per requiredFieldPermissionError', async () => {
      await start();
      const ops = setId('Ops');
      const bad = async (sobject: string, field: string): Promise<unknown> =>
        (
          await create(emu, 'FieldPermissions', {
            ParentId: ops,
            SobjectType: sobject,
            Field: field,
            PermissionsRead: true,
          })
        ).body;
      for (const [o, f] of [
        ['Account', 'Account.Id'],
        ['Account', 'Account.OwnerId'],
        ['Account', 'Account.CreatedDate'],
        ['Contact', 'Contact.Name'],
        ['Contact', 'Account.Industry'],
        ['Account', 'Industry'],
        ['Account', 'Account.Nope__c'],
      ]) {
        expect(await bad(o, f), f).to.deep.equal([
          {
            errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            message: `Field Name: bad value for restricted picklist field: ${f}`,
            fields: ['Field'],
          },
        ]);
      }
      expect(await bad('Opportunity', 'opportunity.stagename')).to.deep.equal([
        {
          errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          message: 'Field Name: bad value for restricted picklist field: Opportunity.StageName',
          fields: ['Field'],
        },
      ]);
      const ok = await create(emu, 'FieldPermissions', {
        ParentId: ops,
        SobjectType: 'contact',
        Field: 'contact.email',
        PermissionsRead: true,
        PermissionsEdit: true,
      });
      expect(ok.status).to.equal(201);
      expect(
        emu.query<Row>(`SELECT SobjectType, Field FROM FieldPermissions WHERE Id = '${ok.body.id as string}'`)[0]
      ).to.include({ SobjectType: 'Contact', Field: 'Contact.Email' });
      await emu.stop();
      await start({
        behaviour: {
          requiredFieldPermissionError: {
            errorCode: 'FIELD_INTEGRITY_EXCEPTION',
            message: 'You cannot set field-level security on a required field: {field}',
          },
        },
      });
      expect(
        (
          await create(emu, 'FieldPermissions', {
            ParentId: setId('Ops'),
            SobjectType: 'Account',
            Field: 'Account.Name',
            PermissionsRead: true,
          })
        ).body
      ).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: 'You cannot set field-level security on a required field: Account.Name',
          fields: ['Field'],
        },
      ]);
    });

    it('works through sObject collections: allOrNone false keeps the good rows, true keeps none', async () => {
      await start();
      const ops = setId('Ops');
      const records = [
        { attributes: { type: 'ObjectPermissions' }, ParentId: ops, SobjectType: 'Account', PermissionsRead: true },
        {
          attributes: { type: 'ObjectPermissions' },
          ParentId: ops,
          SobjectType: 'Account',
          PermissionsRead: true,
          PermissionsEdit: true,
        },
        { attributes: { type: 'ObjectPermissions' }, ParentId: ops, SobjectType: 'Contact', PermissionsEdit: true },
        {
          attributes: { type: 'FieldPermissions' },
          ParentId: ops,
          SobjectType: 'Account',
          Field: 'Account.Industry',
          PermissionsRead: true,
        },
      ];
      const all = await call(emu, 'POST', `${V}/composite/sobjects`, { allOrNone: true, records });
      expect(all.body.map((r: Row) => r.success)).to.deep.equal([false, false, false, false]);
      expect(objectPerms(ops)).to.deep.equal([]);
      const some = await call(emu, 'POST', `${V}/composite/sobjects`, { allOrNone: false, records });
      expect(some.body[0].success).to.equal(true);
      expect(some.body[1].errors[0].statusCode).to.equal('DUPLICATE_VALUE');
      expect(some.body[2].errors[0]).to.deep.equal({
        statusCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: 'Permission Edit Contact depends on permission(s): Read Contact',
        fields: [],
      });
      expect(some.body[3].success).to.equal(true);
      expect(objectPerms(ops)).to.deep.equal(['Account']);
      expect(emu.requests.at(-1)?.writes).to.equal(2);

      // Update to all-false deletes; delete through the collection DELETE.
      const fp = some.body[3].id as string;
      const upd = await call(emu, 'PATCH', `${V}/composite/sobjects`, {
        allOrNone: false,
        records: [
          {
            attributes: { type: 'ObjectPermissions' },
            id: some.body[0].id,
            PermissionsRead: true,
            PermissionsCreate: true,
          },
          { attributes: { type: 'FieldPermissions' }, id: fp, PermissionsRead: false },
        ],
      });
      expect(upd.body.map((r: Row) => r.success)).to.deep.equal([true, true]);
      expect(emu.query(`SELECT Id FROM FieldPermissions WHERE Id = '${fp}'`)).to.have.length(0);
      const del = await call(emu, 'DELETE', `${V}/composite/sobjects?ids=${some.body[0].id as string}&allOrNone=true`);
      expect(del.body).to.deep.equal([{ id: some.body[0].id, success: true, errors: [] }]);
      expect(objectPerms(ops)).to.deep.equal([]);
    });

    it('works through composite: a new set, then its permissions in a collection via @{ps.id}', async () => {
      await start();
      const r = await call(emu, 'POST', `${V}/composite`, {
        allOrNone: true,
        // the order matters here without a reference between them
        collateSubrequests: false,
        compositeRequest: [
          {
            method: 'POST',
            url: `${V}/sobjects/PermissionSet`,
            referenceId: 'ps',
            body: { Name: 'Sync_Generated', Label: 'Sync Generated', LicenseId: null },
          },
          {
            method: 'POST',
            url: `${V}/composite/sobjects`,
            referenceId: 'perms',
            body: {
              allOrNone: true,
              records: [
                {
                  attributes: { type: 'ObjectPermissions' },
                  ParentId: '@{ps.id}',
                  SobjectType: 'Account',
                  PermissionsRead: true,
                  PermissionsEdit: true,
                },
                {
                  attributes: { type: 'ObjectPermissions' },
                  ParentId: '@{ps.id}',
                  SobjectType: 'Invoice__c',
                  PermissionsRead: true,
                },
                {
                  attributes: { type: 'FieldPermissions' },
                  ParentId: '@{ps.id}',
                  SobjectType: 'Invoice__c',
                  Field: 'Invoice__c.Amount__c',
                  PermissionsRead: true,
                },
              ],
            },
          },
          {
            method: 'GET',
            url: `${V}/query?q=${encodeURIComponent('SELECT SobjectType FROM ObjectPermissions WHERE ParentId = ')}'@{ps.id}'`,
            referenceId: 'check',
          },
        ],
      });
      expect(r.status).to.equal(200);
      const [ps, perms, check] = r.body.compositeResponse;
      expect(ps.httpStatusCode).to.equal(201);
      expect(perms.body.map((x: Row) => x.success)).to.deep.equal([true, true, true]);
      expect(check.body.totalSize).to.equal(2);
      expect(objectPerms(ps.body.id as string)).to.deep.equal(['Account', 'Invoice__c']);
      expect(emu.requests.at(-1)).to.include({ status: 200, writes: 4 });

      // One bad row rolls the whole composite back, the set included.
      const bad = await call(emu, 'POST', `${V}/composite`, {
        allOrNone: true,
        compositeRequest: [
          {
            method: 'POST',
            url: `${V}/sobjects/PermissionSet`,
            referenceId: 'ps',
            body: { Name: 'Sync_Second', Label: 'Sync Second' },
          },
          {
            method: 'POST',
            url: `${V}/composite/sobjects`,
            referenceId: 'perms',
            body: {
              allOrNone: true,
              records: [
                {
                  attributes: { type: 'ObjectPermissions' },
                  ParentId: '@{ps.id}',
                  SobjectType: 'Nope__c',
                  PermissionsRead: true,
                },
              ],
            },
          },
        ],
      });
      expect(bad.body.compositeResponse[0].httpStatusCode).to.equal(400);
      expect(bad.body.compositeResponse[1].body[0].errors[0].statusCode).to.equal(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'
      );
      expect(emu.query("SELECT Id FROM PermissionSet WHERE Name = 'Sync_Second'")).to.have.length(0);
      expect(emu.requests.at(-1)?.writes).to.equal(0);
    });
  });
});
