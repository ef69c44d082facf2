/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../index.js';
import { INTEGRATION_PROFILE, V, call, create } from '../http/test-client.js';

type Row = Record<string, unknown>;

const PSL = 'SalesforceAPIIntegrationPsl';

/** An org with an integration user, a standard user and permission sets of every license kind. */
function seedWith(extra: Seed = {}): Seed {
  return {
    permissionSets: [
      { name: 'Account_Read', license: null, objects: { Account: ['read'] } },
      { name: 'Custom_Only', license: null, objects: { Invoice__c: ['read', 'create'] } },
      { name: 'Psl_Set', license: PSL, objects: { Account: ['read'] } },
      { name: 'Sf_Set', license: 'Salesforce' },
      { name: 'Int_Set', license: 'Salesforce Integration' },
    ],
    permissionSetGroups: [
      { name: 'Good_Group', permissionSets: ['Custom_Only', 'Int_Set'] },
      { name: 'Mixed_Group', permissionSets: ['Custom_Only', 'Sf_Set'] },
      { name: 'Stale_Group', permissionSets: ['Custom_Only'], status: 'Outdated' },
      { name: 'Psl_Group', permissionSets: ['Psl_Set', 'Account_Read'] },
    ],
    users: [
      { username: 'sync@acme.example', profile: INTEGRATION_PROFILE },
      { username: 'std@acme.example', profile: 'Standard User' },
    ],
    ...extra,
  };
}

describe('emulator assignment rules', () => {
  let emu: Emulator;
  const start = async (extra: Seed = {}): Promise<void> => {
    emu = await startEmulator({ seed: seedWith(extra) });
  };
  afterEach(() => emu?.stop());

  const id = (q: string): string => emu.query<Row>(q)[0].Id as string;
  const user = (u: string): string => id(`SELECT Id FROM User WHERE Username = '${u}'`);
  const set = (n: string): string => id(`SELECT Id FROM PermissionSet WHERE Name = '${n}'`);
  const group = (n: string): string => id(`SELECT Id FROM PermissionSetGroup WHERE DeveloperName = '${n}'`);
  const psl = (): string => id('SELECT Id FROM PermissionSetLicense');
  const pslUsed = (): number =>
    emu.query<Row>('SELECT UsedLicenses FROM PermissionSetLicense')[0].UsedLicenses as number;
  const pslas = (u: string): number =>
    emu.query(`SELECT Id FROM PermissionSetLicenseAssign WHERE Assignee.Username = '${u}'`).length;
  const psas = (u: string): string[] =>
    emu
      .query<{ PermissionSet: { Name: string } | null; PermissionSetGroup: { DeveloperName: string } | null }>(
        `SELECT PermissionSet.Name, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE Assignee.Username = '${u}' AND PermissionSet.IsOwnedByProfile != true`
      )
      .map((r) => r.PermissionSet?.Name ?? (r.PermissionSetGroup?.DeveloperName as string))
      .sort();
  const assignSet = (u: string, s: string): ReturnType<typeof create> =>
    create(emu, 'PermissionSetAssignment', { AssigneeId: user(u), PermissionSetId: set(s) });
  const assignGroup = (u: string, g: string): ReturnType<typeof create> =>
    create(emu, 'PermissionSetAssignment', { AssigneeId: user(u), PermissionSetGroupId: group(g) });
  const assignPsl = (u: string): ReturnType<typeof create> =>
    create(emu, 'PermissionSetLicenseAssign', { AssigneeId: user(u), PermissionSetLicenseId: psl() });

  describe('PermissionSetLicenseAssign', () => {
    it('assigns the PSL and takes a seat', async () => {
      await start();
      const r = await assignPsl('sync@acme.example');
      expect(r.status).to.equal(201);
      expect(r.body.id).to.match(/^2LA/);
      expect(pslUsed()).to.equal(1);
      const row = emu.query<{ Assignee: { Username: string }; PermissionSetLicense: { DeveloperName: string } }>(
        'SELECT Assignee.Username, PermissionSetLicense.DeveloperName FROM PermissionSetLicenseAssign'
      )[0];
      expect(row.Assignee.Username).to.equal('sync@acme.example');
      expect(row.PermissionSetLicense.DeveloperName).to.equal(PSL);
    });

    it('refuses a duplicate with the exact text sf matches on', async () => {
      await start();
      await assignPsl('sync@acme.example');
      const r = await assignPsl('sync@acme.example');
      expect(r.status).to.equal(400);
      expect(r.body).to.deep.equal([
        {
          errorCode: 'DUPLICATE_VALUE',
          message: 'duplicate value found: <unknown> duplicates value on record with id: <unknown>',
          fields: [],
        },
      ]);
      expect(pslas('sync@acme.example')).to.equal(1);
    });

    it('refuses without a free PSL seat (pslLimitError switchable)', async () => {
      await start({
        permissionSetLicenses: [{ developerName: PSL, label: 'Salesforce API Integration', total: 2, used: 2 }],
      });
      const r = await assignPsl('sync@acme.example');
      expect(r.status).to.equal(400);
      expect(r.body[0]).to.include({ errorCode: 'LICENSE_LIMIT_EXCEEDED', message: 'License Limit Exceeded' });
      expect(pslas('sync@acme.example')).to.equal(0);
      await emu.stop();
      await start({
        permissionSetLicenses: [{ developerName: PSL, total: 0 }],
        behaviour: { pslLimitError: 'INSUFFICIENT_ACCESS_OR_READONLY' },
      });
      expect((await assignPsl('sync@acme.example')).body[0].errorCode).to.equal('INSUFFICIENT_ACCESS_OR_READONLY');
    });

    it("refuses a user whose license the PSL doesn't support", async () => {
      await start();
      const r = await assignPsl('std@acme.example');
      expect(r.status).to.equal(400);
      expect(r.body[0].errorCode).to.equal('FIELD_INTEGRITY_EXCEPTION');
      expect(r.body[0].message).to.contain("user license doesn't support it");
      expect(pslas('std@acme.example')).to.equal(0);
    });

    it('accepts any user license when the PSL lists none', async () => {
      await start({
        permissionSetLicenses: [
          { developerName: 'OtherPsl', total: 3, compatibleUserLicenses: null },
          { developerName: PSL, total: 5 },
        ],
      });
      const other = id("SELECT Id FROM PermissionSetLicense WHERE DeveloperName = 'OtherPsl'");
      expect(
        (
          await create(emu, 'PermissionSetLicenseAssign', {
            AssigneeId: user('std@acme.example'),
            PermissionSetLicenseId: other,
          })
        ).status
      ).to.equal(201);
    });

    it('refuses PATCH with 405 METHOD_NOT_ALLOWED, switchable', async () => {
      await start();
      const a = (await assignPsl('sync@acme.example')).body.id as string;
      const r = await call(emu, 'PATCH', `${V}/sobjects/PermissionSetLicenseAssign/${a}`, {
        AssigneeId: user('std@acme.example'),
      });
      expect(r.status).to.equal(405);
      expect(r.body[0]).to.include({ errorCode: 'METHOD_NOT_ALLOWED' });
      await emu.stop();
      await start({
        behaviour: {
          pslaUpdateError: {
            status: 400,
            errorCode: 'INVALID_TYPE_FOR_OPERATION',
            message: 'entity type cannot be updated',
          },
        },
      });
      const b = (await assignPsl('sync@acme.example')).body.id as string;
      const r2 = await call(emu, 'PATCH', `${V}/sobjects/PermissionSetLicenseAssign/${b}`, {});
      expect(r2.status).to.equal(400);
      expect(r2.body[0]).to.include({
        errorCode: 'INVALID_TYPE_FOR_OPERATION',
        message: 'entity type cannot be updated',
      });
    });

    it('frees the seat on delete', async () => {
      await start();
      const a = (await assignPsl('sync@acme.example')).body.id as string;
      expect((await call(emu, 'DELETE', `${V}/sobjects/PermissionSetLicenseAssign/${a}`)).status).to.equal(204);
      expect(pslUsed()).to.equal(0);
      expect(pslas('sync@acme.example')).to.equal(0);
    });
  });

  describe('PermissionSetAssignment', () => {
    it('refuses a duplicate with the Duplicate PermissionSetAssignment text (overridable)', async () => {
      await start();
      expect((await assignSet('std@acme.example', 'Account_Read')).status).to.equal(201);
      const r = await assignSet('std@acme.example', 'Account_Read');
      expect(r.status).to.equal(400);
      expect(r.body).to.deep.equal([
        {
          errorCode: 'DUPLICATE_VALUE',
          message: `Duplicate PermissionSetAssignment. Assignee: ${user('std@acme.example')}, PermissionSet: ${set('Account_Read')}`,
          fields: [],
        },
      ]);
      await emu.stop();
      await start({
        behaviour: {
          duplicatePsaMessage:
            'duplicate value found: AssigneeId duplicates value on record with id: {permissionSetId}',
        },
      });
      await assignSet('std@acme.example', 'Account_Read');
      expect((await assignSet('std@acme.example', 'Account_Read')).body[0].message).to.equal(
        `duplicate value found: AssigneeId duplicates value on record with id: ${set('Account_Read')}`
      );
    });

    it('refuses a set licensed to another user license (licenseMismatchError)', async () => {
      await start();
      const r = await assignSet('sync@acme.example', 'Sf_Set');
      expect(r.status).to.equal(400);
      expect(r.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "The user license doesn't match the permission set license.",
          fields: [],
        },
      ]);
      expect(psas('sync@acme.example')).to.deep.equal([]);
      // The matching user license is fine.
      expect((await assignSet('sync@acme.example', 'Int_Set')).status).to.equal(201);
      expect((await assignSet('std@acme.example', 'Sf_Set')).status).to.equal(201);
    });

    it("accepts the mismatch in 'accept' mode, or answers the configured error", async () => {
      await start({ behaviour: { licenseMismatchError: 'accept' } });
      expect((await assignSet('sync@acme.example', 'Sf_Set')).status).to.equal(201);
      await emu.stop();
      await start({
        behaviour: {
          licenseMismatchError: { errorCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'nope {permissionSet}' },
        },
      });
      expect((await assignSet('sync@acme.example', 'Sf_Set')).body[0]).to.include({
        errorCode: 'INVALID_CROSS_REFERENCE_KEY',
        message: 'nope Sf_Set',
      });
    });

    it('enforces PSL first: a --None-- set with standard-object access needs the PSL on an integration user', async () => {
      await start();
      const r = await assignSet('sync@acme.example', 'Account_Read');
      expect(r.status).to.equal(400);
      expect(r.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "The user license doesn't allow the permission: Read Account",
          fields: [],
        },
      ]);
      // Custom objects don't need the PSL; other licenses aren't affected.
      expect((await assignSet('sync@acme.example', 'Custom_Only')).status).to.equal(201);
      expect((await assignSet('std@acme.example', 'Account_Read')).status).to.equal(201);
      await assignPsl('sync@acme.example');
      expect((await assignSet('sync@acme.example', 'Account_Read')).status).to.equal(201);
      expect(psas('sync@acme.example')).to.deep.equal(['Account_Read', 'Custom_Only']);
    });

    it('creates the PSLA when a PSL-licensed set is assigned (autoAssignPslOnPermsetAssign)', async () => {
      await start();
      const r = await assignSet('sync@acme.example', 'Psl_Set');
      expect(r.status).to.equal(201);
      expect(pslas('sync@acme.example')).to.equal(1);
      expect(pslUsed()).to.equal(1);
      expect(emu.requests.at(-1)).to.include({ status: 201, writes: 2 });
    });

    it('refuses the auto-assignment without a free PSL seat, writing nothing', async () => {
      await start({ permissionSetLicenses: [{ developerName: PSL, total: 1, used: 1 }] });
      const r = await assignSet('sync@acme.example', 'Psl_Set');
      expect(r.body[0]).to.include({ errorCode: 'LICENSE_LIMIT_EXCEEDED', message: 'License Limit Exceeded' });
      expect(pslas('sync@acme.example')).to.equal(0);
      expect(psas('sync@acme.example')).to.deep.equal([]);
    });

    it('refuses a PSL-licensed set without the PSL when autoAssign is off', async () => {
      await start({ behaviour: { autoAssignPslOnPermsetAssign: false } });
      const r = await assignSet('sync@acme.example', 'Psl_Set');
      expect(r.status).to.equal(400);
      expect(r.body[0].errorCode).to.equal('FIELD_INTEGRITY_EXCEPTION');
      expect(pslas('sync@acme.example')).to.equal(0);
      await assignPsl('sync@acme.example');
      expect((await assignSet('sync@acme.example', 'Psl_Set')).status).to.equal(201);
    });

    it('needs an assignee and a set or group', async () => {
      await start();
      const noUser = await create(emu, 'PermissionSetAssignment', { PermissionSetId: set('Custom_Only') });
      expect(noUser.body).to.deep.equal([
        {
          errorCode: 'REQUIRED_FIELD_MISSING',
          message: 'Required fields are missing: [AssigneeId]',
          fields: ['AssigneeId'],
        },
      ]);
      const noSet = await create(emu, 'PermissionSetAssignment', { AssigneeId: user('std@acme.example') });
      expect(noSet.body).to.deep.equal([
        {
          errorCode: 'REQUIRED_FIELD_MISSING',
          message: 'Required fields are missing: [PermissionSetId]',
          fields: ['PermissionSetId'],
        },
      ]);
    });

    it("refuses a profile's own permission set", async () => {
      await start();
      const own = id(`SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true AND Profile.Name = 'Standard User'`);
      const r = await create(emu, 'PermissionSetAssignment', {
        AssigneeId: user('sync@acme.example'),
        PermissionSetId: own,
      });
      expect(r.status).to.equal(400);
      expect(r.body[0].errorCode).to.equal('FIELD_INTEGRITY_EXCEPTION');
    });

    it('assigns a group whose members all fit, and refuses stale or mixed groups', async () => {
      await start();
      expect((await assignGroup('sync@acme.example', 'Good_Group')).status).to.equal(201);
      const mixed = await assignGroup('sync@acme.example', 'Mixed_Group');
      expect(mixed.body[0]).to.include({
        errorCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: "The user license doesn't match the permission set license.",
      });
      const stale = await assignGroup('sync@acme.example', 'Stale_Group');
      expect(stale.status).to.equal(400);
      expect(stale.body[0].errorCode).to.equal('FIELD_INTEGRITY_EXCEPTION');
      expect(stale.body[0].message).to.contain('Outdated');
      expect(psas('sync@acme.example')).to.deep.equal(['Good_Group']);
      const dup = await assignGroup('sync@acme.example', 'Good_Group');
      expect(dup.body[0].errorCode).to.equal('DUPLICATE_VALUE');
      const row = emu.query<Row>(
        `SELECT PermissionSetId, PermissionSetGroupId FROM PermissionSetAssignment WHERE PermissionSetGroupId = '${group('Good_Group')}'`
      )[0];
      // The group's assignment names the group's aggregate set too (object reference, PermissionSetAssignment).
      const aggregate = emu.query<Row>(
        `SELECT Id, Type FROM PermissionSet WHERE PermissionSetGroupId = '${group('Good_Group')}'`
      );
      expect(aggregate.map((a) => a.Type)).to.deep.equal(['Group']);
      expect(row).to.include({ PermissionSetId: aggregate[0].Id, PermissionSetGroupId: group('Good_Group') });
    });

    it('auto-assigns the PSL for a group with a PSL-licensed member, which also satisfies PSL first', async () => {
      await start();
      expect((await assignGroup('sync@acme.example', 'Psl_Group')).status).to.equal(201);
      expect(pslas('sync@acme.example')).to.equal(1);
    });

    it('lets only ExpirationDate change, and deletes assignments but not profile ones', async () => {
      await start();
      const a = (await assignSet('std@acme.example', 'Account_Read')).body.id as string;
      expect(
        (
          await call(emu, 'PATCH', `${V}/sobjects/PermissionSetAssignment/${a}`, {
            ExpirationDate: '2030-01-01T00:00:00.000Z',
          })
        ).status
      ).to.equal(204);
      expect(
        emu.query<Row>(`SELECT ExpirationDate FROM PermissionSetAssignment WHERE Id = '${a}'`)[0].ExpirationDate
      ).to.equal('2030-01-01T00:00:00.000+0000');
      const moved = await call(emu, 'PATCH', `${V}/sobjects/PermissionSetAssignment/${a}`, {
        PermissionSetId: set('Custom_Only'),
      });
      expect(moved.body[0].errorCode).to.equal('INVALID_FIELD_FOR_INSERT_UPDATE');
      expect((await call(emu, 'DELETE', `${V}/sobjects/PermissionSetAssignment/${a}`)).status).to.equal(204);
      const own = id(
        "SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username = 'std@acme.example' AND PermissionSet.IsOwnedByProfile = true"
      );
      expect((await call(emu, 'DELETE', `${V}/sobjects/PermissionSetAssignment/${own}`)).status).to.equal(400);
    });
  });
  describe('user permissions the integration user license lacks (integrationLicenseDeniedUserPermissions)', () => {
    const withPerms = (extra: Seed = {}): Promise<void> =>
      start({
        permissionSets: [
          { name: 'Admin_Like', license: null, userPermissions: ['ModifyAllData'] },
          { name: 'Apex_Author', license: null, userPermissions: ['ApiEnabled', 'AuthorApex', 'ManageUsers'] },
          { name: 'Viewer', license: null, userPermissions: ['ViewAllData', 'RunFlow'] },
          { name: 'Api_Only', license: null, userPermissions: ['ApiEnabled'], objects: { Invoice__c: ['read'] } },
          { name: 'Account_Read', license: null, objects: { Account: ['read'] } },
          { name: 'Both', license: null, objects: { Account: ['read'] }, userPermissions: ['CustomizeApplication'] },
        ],
        permissionSetGroups: [
          { name: 'Ops_Group', permissionSets: ['Api_Only', 'Admin_Like'] },
          { name: 'Safe_Group', permissionSets: ['Api_Only', 'Viewer'] },
        ],
        ...extra,
      });
    const denied = (label: string): unknown => [
      {
        errorCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: `The user license doesn't allow the permission: ${label}`,
        fields: [],
      },
    ];

    it('refuses a --None-- set enabling one, naming its label, even with the PSL; writes nothing', async () => {
      await withPerms();
      await assignPsl('sync@acme.example');
      const r = await assignSet('sync@acme.example', 'Admin_Like');
      expect(r.status).to.equal(400);
      expect(r.body).to.deep.equal(denied('Modify All Data'));
      expect(emu.requests.at(-1)).to.include({ status: 400, errorCode: 'FIELD_INTEGRITY_EXCEPTION', writes: 0 });
      // The first listed permission the set enables is named (default order: ModifyAllData, ManageUsers, CustomizeApplication, AuthorApex).
      expect((await assignSet('sync@acme.example', 'Apex_Author')).body).to.deep.equal(denied('Manage Users'));
      // Permissions outside the list pass; other user licenses aren't affected.
      expect((await assignSet('sync@acme.example', 'Viewer')).status).to.equal(201);
      expect((await assignSet('sync@acme.example', 'Api_Only')).status).to.equal(201);
      expect((await assignSet('std@acme.example', 'Admin_Like')).status).to.equal(201);
      expect(psas('sync@acme.example')).to.deep.equal(['Api_Only', 'Viewer']);
    });

    it('is checked before PSL first, which a PSL cannot cure', async () => {
      await withPerms();
      expect((await assignSet('sync@acme.example', 'Both')).body).to.deep.equal(denied('Customize Application'));
      expect((await assignSet('sync@acme.example', 'Account_Read')).body).to.deep.equal(denied('Read Account'));
      await assignPsl('sync@acme.example');
      expect((await assignSet('sync@acme.example', 'Both')).body).to.deep.equal(denied('Customize Application'));
      expect((await assignSet('sync@acme.example', 'Account_Read')).status).to.equal(201);
    });

    it('refuses a group with such a member, and accepts one without', async () => {
      await withPerms();
      const r = await assignGroup('sync@acme.example', 'Ops_Group');
      expect(r.body).to.deep.equal(denied('Modify All Data'));
      expect((await assignGroup('sync@acme.example', 'Safe_Group')).status).to.equal(201);
      expect((await assignGroup('std@acme.example', 'Ops_Group')).status).to.equal(201);
      expect(psas('sync@acme.example')).to.deep.equal(['Safe_Group']);
    });

    it('sees permissions enabled later through the API, and sets created through the API', async () => {
      await withPerms();
      await call(emu, 'PATCH', `${V}/sobjects/PermissionSet/${set('Viewer')}`, { PermissionsAuthorApex: true });
      expect((await assignSet('sync@acme.example', 'Viewer')).body).to.deep.equal(denied('Author Apex'));
      const created = await create(emu, 'PermissionSet', {
        Name: 'Made_Here',
        Label: 'Made Here',
        PermissionsManageUsers: true,
      });
      expect(created.status).to.equal(201);
      const r = await create(emu, 'PermissionSetAssignment', {
        AssigneeId: user('sync@acme.example'),
        PermissionSetId: created.body.id,
      });
      expect(r.body).to.deep.equal(denied('Manage Users'));
    });

    it('follows the switch: another list (Permissions prefix optional), a custom permission, or [] to turn it off', async () => {
      await withPerms({
        behaviour: { integrationLicenseDeniedUserPermissions: ['PermissionsViewAllData', 'ManageDataIntegrations'] },
        permissionSets: [
          { name: 'Admin_Like', license: null, userPermissions: ['ModifyAllData'] },
          { name: 'Viewer', license: null, userPermissions: ['ViewAllData'] },
          { name: 'Integrations', license: null, userPermissions: ['ManageDataIntegrations'] },
        ],
        permissionSetGroups: [],
      });
      expect((await assignSet('sync@acme.example', 'Viewer')).body).to.deep.equal(denied('View All Data'));
      expect((await assignSet('sync@acme.example', 'Integrations')).body).to.deep.equal(
        denied('Manage Data Integrations')
      );
      expect((await assignSet('sync@acme.example', 'Admin_Like')).status).to.equal(201);
      await emu.stop();
      await withPerms({ behaviour: { integrationLicenseDeniedUserPermissions: [] } });
      expect((await assignSet('sync@acme.example', 'Admin_Like')).status).to.equal(201);
      expect((await assignGroup('sync@acme.example', 'Ops_Group')).status).to.equal(201);
    });

    it('fails only that record in a collection with allOrNone false, every record with allOrNone true', async () => {
      await withPerms();
      const rec = (s: string): Row => ({
        attributes: { type: 'PermissionSetAssignment' },
        AssigneeId: user('sync@acme.example'),
        PermissionSetId: set(s),
      });
      const all = await call(emu, 'POST', `${V}/composite/sobjects`, {
        allOrNone: true,
        records: [rec('Viewer'), rec('Admin_Like'), rec('Api_Only')],
      });
      expect(all.body.map((r: Row) => r.success)).to.deep.equal([false, false, false]);
      expect(all.body[0].errors[0].statusCode).to.equal('ALL_OR_NONE_OPERATION_ROLLED_BACK');
      expect(all.body[1]).to.deep.equal({
        success: false,
        errors: [
          {
            statusCode: 'FIELD_INTEGRITY_EXCEPTION',
            message: "The user license doesn't allow the permission: Modify All Data",
            fields: [],
          },
        ],
      });
      expect(psas('sync@acme.example')).to.deep.equal([]);
      const some = await call(emu, 'POST', `${V}/composite/sobjects`, {
        allOrNone: false,
        records: [rec('Viewer'), rec('Admin_Like'), rec('Api_Only')],
      });
      expect(some.body.map((r: Row) => r.success)).to.deep.equal([true, false, true]);
      expect(some.body[1].errors[0].message).to.equal("The user license doesn't allow the permission: Modify All Data");
      expect(psas('sync@acme.example')).to.deep.equal(['Api_Only', 'Viewer']);
      expect(emu.requests.at(-1)).to.include({ status: 200, writes: 2 });
    });

    it('fails an allOrNone composite that assigns one, rolling back the rest', async () => {
      await withPerms();
      const body = (s: string): Row => ({ AssigneeId: user('sync@acme.example'), PermissionSetId: set(s) });
      const r = await call(emu, 'POST', `${V}/composite`, {
        allOrNone: true,
        compositeRequest: [
          { method: 'POST', url: `${V}/sobjects/PermissionSetAssignment`, referenceId: 'viewer', body: body('Viewer') },
          {
            method: 'POST',
            url: `${V}/sobjects/PermissionSetAssignment`,
            referenceId: 'admin',
            body: body('Admin_Like'),
          },
        ],
      });
      const [viewer, admin] = r.body.compositeResponse;
      expect(viewer.body[0].errorCode).to.equal('PROCESSING_HALTED');
      expect(admin).to.deep.include({ httpStatusCode: 400, body: denied('Modify All Data') });
      expect(psas('sync@acme.example')).to.deep.equal([]);
    });
  });

  describe('PermissionSetGroup', () => {
    it('refuses a group whose --None-- member grants standard objects until the user has the PSL', async () => {
      await start({ permissionSetGroups: [{ name: 'Std_Group', permissionSets: ['Custom_Only', 'Account_Read'] }] });
      const r = await assignGroup('sync@acme.example', 'Std_Group');
      expect(r.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "The user license doesn't allow the permission: Read Account",
          fields: [],
        },
      ]);
      await assignPsl('sync@acme.example');
      expect((await assignGroup('sync@acme.example', 'Std_Group')).status).to.equal(201);
      expect(psas('sync@acme.example')).to.deep.equal(['Std_Group']);
    });

    it('refuses a group with a member on another user license per licenseMismatchError, writing nothing', async () => {
      await start({
        behaviour: {
          licenseMismatchError: {
            errorCode: 'FIELD_INTEGRITY_EXCEPTION',
            message: 'License mismatch: {permissionSet} for {username}',
          },
        },
      });
      const r = await assignGroup('sync@acme.example', 'Mixed_Group');
      expect(r.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: 'License mismatch: Sf_Set for sync@acme.example',
          fields: [],
        },
      ]);
      expect(psas('sync@acme.example')).to.deep.equal([]);
      expect(emu.requests.at(-1)).to.include({ status: 400, writes: 0 });
      // The same group fits a Salesforce-licensed user.
      expect((await assignGroup('std@acme.example', 'Mixed_Group')).status).to.equal(201);
    });

    it('recalculates after a change: Status reads Updating for groupRecalculationRequests requests, and assignment waits', async () => {
      await start({ behaviour: { groupRecalculationRequests: 2 } });
      const status = (): unknown =>
        emu.query<Row>("SELECT Status FROM PermissionSetGroup WHERE DeveloperName = 'Good_Group'")[0].Status;
      expect(status()).to.equal('Updated');
      const added = await create(emu, 'PermissionSetGroupComponent', {
        PermissionSetGroupId: group('Good_Group'),
        PermissionSetId: set('Account_Read'),
      });
      expect(added.status).to.equal(201);
      expect(status()).to.equal('Updating');
      await assignPsl('sync@acme.example');
      const early = await assignGroup('sync@acme.example', 'Good_Group');
      expect(early.body).to.deep.equal([
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "Permission set group Good_Group can't be assigned while its status is Updating.",
          fields: [],
        },
      ]);
      const viaRest = await call(
        emu,
        'GET',
        `${V}/query?q=${encodeURIComponent("SELECT Status FROM PermissionSetGroup WHERE DeveloperName = 'Good_Group'")}`
      );
      expect(viaRest.body.records[0].Status).to.equal('Updated');
      expect((await assignGroup('sync@acme.example', 'Good_Group')).status).to.equal(201);
      // A member's permissions changing starts another recalculation; other groups are untouched.
      await create(emu, 'ObjectPermissions', {
        ParentId: set('Custom_Only'),
        SobjectType: 'Contact',
        PermissionsRead: true,
      });
      expect(status()).to.equal('Updating');
      expect(
        emu.query<Row>("SELECT Status FROM PermissionSetGroup WHERE DeveloperName = 'Psl_Group'")[0].Status
      ).to.equal('Updated');
    });

    it('stays Updated at once with the default groupRecalculationRequests 0', async () => {
      await start();
      await create(emu, 'PermissionSetGroupComponent', {
        PermissionSetGroupId: group('Good_Group'),
        PermissionSetId: set('Account_Read'),
      });
      expect(
        emu.query<Row>("SELECT Status FROM PermissionSetGroup WHERE DeveloperName = 'Good_Group'")[0].Status
      ).to.equal('Updated');
    });
  });

  describe('reading assignments', () => {
    it('answers PermissionSet.Name, PermissionSet.IsOwnedByProfile and PermissionSetGroup.DeveloperName', async () => {
      await start({
        users: [
          {
            username: 'sync@acme.example',
            profile: INTEGRATION_PROFILE,
            permissionSets: ['Custom_Only', 'Good_Group'],
          },
        ],
      });
      type Psa = {
        PermissionSetId: string | null;
        PermissionSet: { Name: string; IsOwnedByProfile: boolean } | null;
        PermissionSetGroup: { DeveloperName: string } | null;
      };
      const r = await call(
        emu,
        'GET',
        `${V}/query?q=${encodeURIComponent("SELECT PermissionSetId, PermissionSet.Name, PermissionSet.IsOwnedByProfile, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE Assignee.Username = 'sync@acme.example' ORDER BY CreatedDate")}`
      );
      const rows = r.body.records as Psa[];
      expect(
        rows.map((a) => [
          a.PermissionSet?.IsOwnedByProfile ?? null,
          a.PermissionSet?.Name.startsWith('X00e') ? 'own' : (a.PermissionSet?.Name ?? null),
          a.PermissionSetGroup?.DeveloperName ?? null,
        ])
      ).to.deep.equal([
        [true, 'own', null],
        [false, 'Custom_Only', null],
        [false, 'Good_Group', 'Good_Group'],
      ]);
      expect(rows[1].PermissionSet).to.deep.equal({
        attributes: { type: 'PermissionSet', url: `${V}/sobjects/PermissionSet/${set('Custom_Only')}` },
        Name: 'Custom_Only',
        IsOwnedByProfile: false,
      });
      // A group assignment's PermissionSetId is the group's aggregate set (Type 'Group'; PermissionSetAssignment object reference).
      const aggregate = id(
        `SELECT Id FROM PermissionSet WHERE Type = 'Group' AND PermissionSetGroup.DeveloperName = 'Good_Group'`
      );
      expect(rows[2].PermissionSetId).to.equal(aggregate);
    });

    it("reads a group's effective object permissions through a PermissionSetGroupComponent semi-join", async () => {
      await start();
      const groups = [group('Good_Group'), group('Psl_Group')];
      const q = `SELECT Parent.Name, SobjectType, PermissionsRead, PermissionsCreate FROM ObjectPermissions WHERE ParentId IN (SELECT PermissionSetId FROM PermissionSetGroupComponent WHERE PermissionSetGroupId IN ('${groups[0]}', '${groups[1]}')) ORDER BY Parent.Name`;
      const rows = emu.query<{
        Parent: { Name: string };
        SobjectType: string;
        PermissionsRead: boolean;
        PermissionsCreate: boolean;
      }>(q);
      expect(rows.map((r) => [r.Parent.Name, r.SobjectType, r.PermissionsRead, r.PermissionsCreate])).to.deep.equal([
        ['Account_Read', 'Account', true, false],
        ['Custom_Only', 'Invoice__c', true, true],
        ['Psl_Set', 'Account', true, false],
      ]);
      expect(emu.query(`${q.replace(' ORDER BY Parent.Name', '')} AND SobjectType = 'Invoice__c'`)).to.have.length(1);
    });

    it('refuses a semi-join combined with OR, as SOQL does', async () => {
      await start();
      const semi = `ParentId IN (SELECT PermissionSetId FROM PermissionSetGroupComponent WHERE PermissionSetGroupId = '${group('Good_Group')}')`;
      const top = await call(
        emu,
        'GET',
        `${V}/query?q=${encodeURIComponent(`SELECT Id FROM ObjectPermissions WHERE ${semi} OR ParentId = '${set('Psl_Set')}'`)}`
      );
      expect(top.status).to.equal(400);
      expect(top.body[0].errorCode).to.equal('MALFORMED_QUERY');
      expect(top.body[0].message).to.match(
        /\nERROR at Row:1:Column:40\nSemi join sub-selects are not allowed with the 'OR' operator$/
      );
      const nested = await call(
        emu,
        'GET',
        `${V}/query?q=${encodeURIComponent(`SELECT Id FROM ObjectPermissions WHERE SobjectType = 'Account' AND (${semi} OR ParentId = '${set('Psl_Set')}')`)}`
      );
      expect(nested.body[0].message).to.match(
        /Semi join sub-selects are only allowed at the top level WHERE expressions and not in nested WHERE expressions\.$/
      );
      // OR elsewhere is fine: inside the subquery, or in a parenthesised group beside the semi-join.
      const fine = await call(
        emu,
        'GET',
        `${V}/query?q=${encodeURIComponent(`SELECT Id FROM ObjectPermissions WHERE ParentId IN (SELECT PermissionSetId FROM PermissionSetGroupComponent WHERE PermissionSetGroupId = '${group('Good_Group')}' OR PermissionSetGroupId = '${group('Psl_Group')}') AND (SobjectType = 'Account' OR SobjectType = 'Invoice__c')`)}`
      );
      expect(fine.status).to.equal(200);
      expect(fine.body.totalSize).to.equal(3);
    });
  });
});
