import { expect } from 'chai';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { withoutStress } from '../helpers/stress.js';
import type { Seed } from '../emulator/index.js';

const USER = 'acme-sync@acme.example';
const PROFILE = 'Minimum Access - API Only Integrations';
const admin = {
  username: 'admin@emu.example',
  lastName: 'Admin',
  email: 'admin@emu.example',
  profile: 'System Administrator',
  active: true,
};

/** An org with an integration user (with or without the PSL) and sets of every license kind. */
function seed(options: { psl?: boolean; extra?: Partial<Seed> } = {}): Seed {
  return {
    users: [
      admin,
      {
        username: USER,
        lastName: 'Acme Sync',
        email: 'it@acme.example',
        profile: PROFILE,
        active: true,
        permissionSetLicenses: options.psl === false ? [] : ['SalesforceAPIIntegrationPsl'],
      },
    ],
    permissionSets: [
      { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
      { name: 'Invoice_Access', label: 'Invoice Access', license: null, objects: { Invoice__c: ['read', 'create'] } },
      { name: 'Sales_Ops', label: 'Sales Ops', license: 'Salesforce', objects: { Account: ['read'] } },
      {
        name: 'Api_Integration_Set',
        label: 'API Integration Set',
        license: 'SalesforceAPIIntegrationPsl',
        objects: { Contact: ['read'] },
      },
      {
        name: 'Integration_Licensed',
        label: 'Integration Licensed',
        license: 'Salesforce Integration',
        objects: { Invoice__c: ['read'] },
      },
      {
        name: 'Broad_Access',
        label: 'Broad Access',
        license: null,
        objects: { Account: ['read', 'viewall'] },
        userPermissions: ['ViewAllData'],
      },
      { name: 'User_Admin', label: 'User Admin', license: null, userPermissions: ['ManageUsers'] },
    ],
    permissionSetGroups: [
      { name: 'Sync_Access', label: 'Sync Access', permissionSets: ['Account_Read', 'Invoice_Access'] },
      { name: 'Mixed_Access', label: 'Mixed Access', permissionSets: ['Account_Read', 'Sales_Ops'] },
      { name: 'Stale_Access', label: 'Stale Access', permissionSets: ['Invoice_Access'], status: 'Outdated' },
    ],
    ...options.extra,
  };
}

type Row = Record<string, unknown>;
const withoutAttributes = (row: Row): Row =>
  Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'attributes'));

describe('integration-user grant', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  const assigned = (): string[] =>
    ctx.emulator
      .query<{ PermissionSet: { Name: string } | null; PermissionSetGroup: { DeveloperName: string } | null }>(
        `SELECT PermissionSet.Name, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE Assignee.Username = '${USER}' AND (PermissionSetGroupId != null OR PermissionSet.IsOwnedByProfile = false)`
      )
      // A group's assignment names the group's aggregate set too.
      .map((a) =>
        a.PermissionSetGroup ? `group:${a.PermissionSetGroup.DeveloperName}` : String(a.PermissionSet?.Name)
      )
      .sort();
  const objectRows = (set: string): Row[] =>
    ctx.emulator
      .query<Row>(
        `SELECT SobjectType, PermissionsRead, PermissionsCreate, PermissionsEdit, PermissionsDelete, PermissionsViewAllRecords, PermissionsModifyAllRecords FROM ObjectPermissions WHERE Parent.Name = '${set}' ORDER BY SobjectType`
      )
      .map(withoutAttributes);
  const fieldRows = (set: string): Row[] =>
    ctx.emulator
      .query<Row>(
        `SELECT Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE Parent.Name = '${set}' ORDER BY Field`
      )
      .map(withoutAttributes);

  it('assigns named sets, a group and a generated set, in 2 reads and 2 writes, and reports exactly that', async () => {
    await ctx.start(seed());
    const { result, error } = await ctx.run(IntegrationUserGrant, [
      '-u',
      USER,
      '-p',
      'Account_Read',
      '-p',
      'Invoice Access',
      '-g',
      'Sync_Access',
      '--object',
      'Account:read,edit',
      '--object',
      'Contact:read',
      '--field',
      'Account.Industry:read',
    ]);
    expect(error).to.equal(undefined);
    expect(result).to.deep.equal({
      username: USER,
      userId: ctx.emulator.query<{ Id: string }>(`SELECT Id FROM User WHERE Username = '${USER}'`)[0].Id,
      dryRun: false,
      permissionSets: [
        { name: 'Account_Read', type: 'PermissionSet', license: '--None--', status: 'assigned' },
        { name: 'Invoice_Access', type: 'PermissionSet', license: '--None--', status: 'assigned' },
        { name: 'Sync_Access', type: 'PermissionSetGroup', license: '--None--', status: 'assigned' },
        { name: 'Acme_Sync_Integration', type: 'PermissionSet', license: '--None--', status: 'assigned' },
      ],
      generatedPermissionSet: {
        name: 'Acme_Sync_Integration',
        label: 'Acme Sync Integration',
        status: 'created',
        objects: [
          { object: 'Account', access: ['read', 'edit'] },
          { object: 'Contact', access: ['read'] },
        ],
        fields: [{ field: 'Account.Industry', access: 'read' }],
        changes: {
          added: {
            objects: [
              { object: 'Account', access: ['read', 'edit'] },
              { object: 'Contact', access: ['read'] },
            ],
            fields: [{ field: 'Account.Industry', access: ['read'] }],
          },
          removed: { objects: [], fields: [] },
          unchanged: { objects: [], fields: [] },
        },
      },
    });
    expect(assigned()).to.deep.equal(['Account_Read', 'Acme_Sync_Integration', 'Invoice_Access', 'group:Sync_Access']);
    expect(objectRows('Acme_Sync_Integration')).to.deep.equal([
      {
        SobjectType: 'Account',
        PermissionsRead: true,
        PermissionsCreate: false,
        PermissionsEdit: true,
        PermissionsDelete: false,
        PermissionsViewAllRecords: false,
        PermissionsModifyAllRecords: false,
      },
      {
        SobjectType: 'Contact',
        PermissionsRead: true,
        PermissionsCreate: false,
        PermissionsEdit: false,
        PermissionsDelete: false,
        PermissionsViewAllRecords: false,
        PermissionsModifyAllRecords: false,
      },
    ]);
    expect(fieldRows('Acme_Sync_Integration')).to.deep.equal([
      { Field: 'Account.Industry', PermissionsRead: true, PermissionsEdit: false },
    ]);
    expect(
      ctx.emulator.query<{ LicenseId: string | null }>(
        "SELECT LicenseId FROM PermissionSet WHERE Name = 'Acme_Sync_Integration'"
      )[0].LicenseId
    ).to.equal(null);
    const reads = ctx.emulator.requests.filter((r) => r.writes === 0);
    const writes = ctx.emulator.requests.filter((r) => r.writes > 0);
    expect(reads, 'inspection requests').to.have.length(2);
    expect(
      writes.map((r) => r.path.replace(/v\d+\.\d/, 'vXX.X')),
      'write requests'
    ).to.deep.equal(['/services/data/vXX.X/composite', '/services/data/vXX.X/composite/sobjects']);
  });

  it('changes nothing on a re-run: every set already-assigned, the generated set unchanged, no writes', async () => {
    // Counts round trips at Salesforce's own page size.
    await withoutStress(() => ctx.start(seed()));
    const args = [
      '-u',
      USER,
      '-p',
      'Account_Read',
      '-g',
      'Sync_Access',
      '--object',
      'Account:read,edit',
      '--field',
      'Account.Industry:edit',
    ];
    await ctx.run(IntegrationUserGrant, args);
    ctx.emulator.clearRequests();
    const { result } = await ctx.run(IntegrationUserGrant, args);
    expect(result?.permissionSets.map((i) => [i.name, i.status])).to.deep.equal([
      ['Account_Read', 'already-assigned'],
      ['Sync_Access', 'already-assigned'],
      ['Acme_Sync_Integration', 'already-assigned'],
    ]);
    expect(result?.generatedPermissionSet?.status).to.equal('unchanged');
    expect(ctx.writes).to.equal(0);
    expect(ctx.emulator.requests).to.have.length(2);
  });

  it('makes the generated set match different flags exactly (declarative)', async () => {
    await ctx.start(seed());
    await ctx.run(IntegrationUserGrant, [
      '-u',
      USER,
      '--object',
      'Account:read,edit',
      '--object',
      'Contact:read',
      '--field',
      'Account.Industry:read',
      '--field',
      'Account.Phone:edit',
    ]);
    ctx.emulator.clearRequests();
    const { result } = await ctx.run(IntegrationUserGrant, [
      '-u',
      USER,
      '--object',
      'Account:read',
      '--object',
      'Invoice__c:read,create',
      '--field',
      'Account.Phone:read',
    ]);
    expect(result?.generatedPermissionSet).to.deep.include({ status: 'updated' });
    expect(result?.permissionSets).to.deep.equal([
      { name: 'Acme_Sync_Integration', type: 'PermissionSet', license: '--None--', status: 'already-assigned' },
    ]);
    expect(
      objectRows('Acme_Sync_Integration').map((r) => [
        r.SobjectType,
        r.PermissionsRead,
        r.PermissionsCreate,
        r.PermissionsEdit,
      ])
    ).to.deep.equal([
      ['Account', true, false, false],
      ['Invoice__c', true, true, false],
    ]);
    expect(fieldRows('Acme_Sync_Integration')).to.deep.equal([
      { Field: 'Account.Phone', PermissionsRead: true, PermissionsEdit: false },
    ]);
    expect(ctx.emulator.requests.filter((r) => r.writes > 0)).to.have.length(1);
  });

  it('writes nothing on --dry-run and shows the plan', async () => {
    await ctx.start(seed());
    const { result } = await ctx.run(IntegrationUserGrant, [
      '-u',
      USER,
      '-p',
      'Account_Read',
      '--object',
      'Account:read',
      '--dry-run',
    ]);
    expect(result?.dryRun).to.equal(true);
    expect(result?.permissionSets.map((i) => [i.name, i.status])).to.deep.equal([
      ['Account_Read', 'would-assign'],
      ['Acme_Sync_Integration', 'would-assign'],
    ]);
    expect(result?.generatedPermissionSet?.status).to.equal('would-create');
    expect(ctx.writes).to.equal(0);
    expect(assigned()).to.deep.equal([]);
  });

  it('assigns a set licensed to the integration user license, saying it cannot carry standard objects', async () => {
    await ctx.start(seed());
    const { result } = await ctx.run(IntegrationUserGrant, [
      '-u',
      USER,
      '-p',
      'Integration_Licensed',
      '-p',
      'Api_Integration_Set',
    ]);
    expect(result?.permissionSets).to.deep.equal([
      {
        name: 'Integration_Licensed',
        type: 'PermissionSet',
        license: 'Salesforce Integration',
        status: 'assigned',
        reason: "Licensed to the Salesforce Integration user license: it can't carry standard-object permissions.",
      },
      { name: 'Api_Integration_Set', type: 'PermissionSet', license: 'Salesforce API Integration', status: 'assigned' },
    ]);
    expect(assigned()).to.deep.equal(['Api_Integration_Set', 'Integration_Licensed']);
  });

  it('assigns custom-object access before the PSL, which Salesforce allows', async () => {
    await ctx.start(seed({ psl: false }));
    const { result, error } = await ctx.run(IntegrationUserGrant, ['-u', USER, '-p', 'Invoice_Access']);
    expect(error).to.equal(undefined);
    expect(result?.permissionSets[0]).to.include({ name: 'Invoice_Access', status: 'assigned' });
    expect(assigned()).to.deep.equal(['Invoice_Access']);
  });

  it('warns about broad power', async () => {
    await ctx.start(seed());
    const { result, warnings } = await ctx.run(IntegrationUserGrant, [
      '-u',
      USER,
      '-p',
      'Broad_Access',
      '--object',
      'Case:read,viewall',
    ]);
    // sf's warnings (once in --json, under `warnings`), not a field of the result.
    expect(result).not.to.have.property('warnings');
    expect(warnings).to.deep.equal([
      'Acme_Sync_Integration gives View All on Case; an integration rarely needs it.',
      'Broad_Access carries broad power (ViewAllData, View All on Account); an integration rarely needs it.',
    ]);
    expect(result?.permissionSets[0]).to.deep.include({
      name: 'Broad_Access',
      broadPowers: ['ViewAllData', 'View All on Account'],
    });
  });

  it("one assignment refused at write time: exit 68, the others made, Salesforce's own error in the result", async () => {
    await ctx.start(seed());
    const { result, exitCode, error } = await ctx.run(IntegrationUserGrant, [
      '-u',
      USER,
      '-p',
      'Account_Read',
      '-p',
      'User_Admin',
    ]);
    expect(error).to.equal(undefined);
    expect(exitCode).to.equal(68);
    expect(result?.permissionSets).to.deep.equal([
      { name: 'Account_Read', type: 'PermissionSet', license: '--None--', status: 'assigned' },
      {
        name: 'User_Admin',
        type: 'PermissionSet',
        license: '--None--',
        status: 'failed',
        broadPowers: ['ManageUsers'],
        error: {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: "The user license doesn't allow the permission: Manage Users",
          fields: [],
        },
        reason: "FIELD_INTEGRITY_EXCEPTION: The user license doesn't allow the permission: Manage Users",
      },
    ]);
    expect(assigned()).to.deep.equal(['Account_Read']);
  });

  it('every assignment refused at write time: exit 1 with the per-set errors in the data', async () => {
    await ctx.start(seed());
    const { error } = await ctx.run(IntegrationUserGrant, ['-u', USER, '-p', 'User_Admin']);
    expect(error?.name).to.equal('GrantFailedError');
    expect(error?.exitCode).to.equal(1);
    expect(
      (error?.data as { permissionSets: Array<{ status: string }> }).permissionSets.map((i) => i.status)
    ).to.deep.equal(['failed']);
    expect(assigned()).to.deep.equal([]);
  });

  describe('blocked: exit 1, every reason and fix named, nothing written', () => {
    const expectBlocked = async (
      argv: string[],
      reasons: Array<[string, string, RegExp]>,
      action: RegExp
    ): Promise<void> => {
      const { result, error } = await ctx.run(IntegrationUserGrant, argv);
      expect(result).to.equal(undefined);
      expect(error?.name).to.equal('GrantBlockedError');
      expect(error?.exitCode).to.equal(1);
      expect(error?.actions?.join('\n')).to.match(action);
      const data = error?.data as { permissionSets: Array<{ name: string; status: string; reason?: string }> };
      for (const [name, status, reason] of reasons) {
        const item = data.permissionSets.find((i) => i.name === name);
        expect(item?.status, name).to.equal(status);
        if (status === 'blocked') expect(item?.reason, name).to.match(reason);
      }
      expect(ctx.writes).to.equal(0);
      expect(assigned()).to.deep.equal([]);
    };

    it('standard-object access before the PSL', async () => {
      await ctx.start(seed({ psl: false }));
      await expectBlocked(
        ['-u', USER, '-p', 'Account_Read', '-p', 'Invoice_Access', '--object', 'Account:read'],
        [
          [
            'Account_Read',
            'blocked',
            /needs the "Salesforce API Integration" permission set license, which acme-sync@acme.example doesn't have yet/,
          ],
          ['Invoice_Access', 'assigned', /./],
          ['Acme_Sync_Integration', 'blocked', /needs the "Salesforce API Integration" permission set license/],
        ],
        /Assign it first: sf integration-user assign-psl --username acme-sync@acme.example --target-org/
      );
    });

    it('a set licensed to Salesforce', async () => {
      await ctx.start(seed());
      await expectBlocked(
        ['-u', USER, '-p', 'Sales_Ops', '-p', 'Account_Read'],
        [
          [
            'Sales_Ops',
            'blocked',
            /^Permission set "Sales_Ops" has the license "Salesforce", which a user on the Salesforce Integration license can't hold\.$/,
          ],
        ],
        /Use a permission set whose License is "--None--" instead, or generate one .*--object <Object>:read/
      );
    });

    it('a group holding a set that does not fit, and a group still recalculating', async () => {
      await ctx.start(seed());
      await expectBlocked(
        ['-u', USER, '-g', 'Mixed_Access', '-g', 'Stale_Access'],
        [
          [
            'Mixed_Access',
            'blocked',
            /group "Mixed_Access" contains "Sales_Ops", which doesn't fit: .*license "Salesforce"/,
          ],
          ['Stale_Access', 'blocked', /is in status Outdated: Salesforce is still recalculating it/],
        ],
        /Wait a few minutes, then re-run/
      );
    });

    it('unknown sets and groups, and an unknown object or field', async () => {
      await ctx.start(seed());
      await expectBlocked(
        ['-u', USER, '-p', 'Nope', '-g', 'Nada', '--object', 'Widget__c:read'],
        [
          ['Nope', 'blocked', /There is no permission set with the API name or label "Nope"/],
          ['Nada', 'blocked', /There is no permission set group with the API name or label "Nada"/],
          ['Acme_Sync_Integration', 'blocked', /There is no object "Widget__c" in this org/],
        ],
        /SELECT Name, Label, License.Name FROM PermissionSet/
      );
    });

    it('a required field in --field', async () => {
      await ctx.start(seed());
      await expectBlocked(
        ['-u', USER, '--object', 'Account:read', '--field', 'Account.Name:read'],
        [['Acme_Sync_Integration', 'blocked', /"Account.Name" takes no field permissions/]],
        /Leave it out of --field/
      );
    });

    it('a generated-set name taken by a set this command did not make', async () => {
      await ctx.start(seed());
      await expectBlocked(
        ['-u', USER, '--object', 'Account:read', '--permission-set-name', 'Account_Read'],
        [['Account_Read', 'blocked', /wasn't made by this command/]],
        /--permission-set-name/
      );
      expect(objectRows('Account_Read').map((r) => r.SobjectType)).to.deep.equal(['Account']);
    });
  });

  it('refuses a missing dependency before any request', async () => {
    await ctx.start(seed());
    const { error } = await ctx.run(IntegrationUserGrant, ['-u', USER, '--object', 'Account:delete']);
    expect(error?.name).to.equal('ObjectAccessDependencyError');
    expect(error?.actions).to.deep.equal(['Use --object Account:read,edit,delete']);
    expect(ctx.emulator.requests).to.have.length(0);
  });

  it('refuses a user on a full license', async () => {
    await ctx.start(seed());
    const { error } = await ctx.run(IntegrationUserGrant, ['-u', 'admin@emu.example', '-p', 'Account_Read']);
    expect(error?.name).to.equal('GrantUserWrongLicenseError');
    expect(ctx.writes).to.equal(0);
  });
});
