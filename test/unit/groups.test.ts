import { expect } from 'chai';
import IntegrationUserList from '../../src/commands/integration-user/list.js';
import IntegrationUserVerify from '../../src/commands/integration-user/verify.js';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import IntegrationUserConvert from '../../src/commands/integration-user/convert.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { makeKeyPair } from '../helpers/keys.js';
import type { Seed } from '../emulator/index.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const PSL = 'SalesforceAPIIntegrationPsl';
const admin = {
  username: 'admin@emu.example',
  lastName: 'Admin',
  email: 'admin@emu.example',
  profile: 'System Administrator',
  active: true,
};
const integrationUser = (
  username: string,
  extra: Record<string, unknown> = {}
): NonNullable<Seed['users']>[number] => ({
  username,
  lastName: "O'Brien Sync",
  email: 'it@acme.example',
  profile: PROFILE,
  active: true,
  permissionSetLicenses: [PSL],
  ...extra,
});

/**
 * Sync_Access holds Account read/edit/delete and Modify All Data (Account_Manage) and Invoice read, and mutes
 * Account edit (so delete goes too) and Modify All Data: what it grants is Account read and Invoice read.
 * Muted_Account holds only Account read, and mutes it.
 */
const seed = (extra: Partial<Seed> = {}): Seed => ({
  records: { Account: [{ Name: 'Acme' }], Invoice__c: [{ Name: 'INV-1' }] },
  permissionSets: [
    {
      name: 'Account_Manage',
      label: 'Account Manage',
      license: null,
      objects: { Account: ['read', 'edit', 'delete'] },
      userPermissions: ['ModifyAllData'],
    },
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Invoice_Read', label: 'Invoice Read', license: null, objects: { Invoice__c: ['read'] } },
  ],
  permissionSetGroups: [
    {
      name: 'Sync_Access',
      label: 'Sync Access',
      permissionSets: ['Account_Manage', 'Invoice_Read'],
      muting: { objects: { Account: ['edit'] }, userPermissions: ['ModifyAllData'] },
    },
    {
      name: 'Muted_Account',
      label: 'Muted Account',
      permissionSets: ['Account_Read', 'Invoice_Read'],
      muting: { objects: { Account: ['read'] } },
    },
  ],
  users: [
    admin,
    integrationUser('sync@acme.example', { permissionSets: ['Sync_Access'] }),
    integrationUser('fresh@acme.example', { permissionSetLicenses: [] }),
  ],
  ...extra,
});

describe('permission set groups: the aggregate set and muting, in every command', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const groupAssignments = (username: string): Array<{ group: string; set: string }> =>
    ctx.emulator
      .query<{ PermissionSetGroup: { DeveloperName: string }; PermissionSet: { Type: string } }>(
        `SELECT PermissionSetGroup.DeveloperName, PermissionSet.Type FROM PermissionSetAssignment WHERE Assignee.Username = '${username}' AND PermissionSetGroupId != null`
      )
      .map((a) => ({ group: a.PermissionSetGroup.DeveloperName, set: a.PermissionSet.Type }));

  it('list shows a held group as a group, not its aggregate set as a permission set', async () => {
    await ctx.start(seed());
    const { result } = await ctx.run(IntegrationUserList, []);
    expect(result?.users.find((u) => u.username === 'sync@acme.example')).to.deep.include({
      permissionSets: [],
      permissionSetGroups: ['Sync_Access'],
    });
  });

  it("verify's access matrix is the group's after muting, read once; the group is named as the group", async () => {
    await ctx.start(seed());
    const { result, exitCode } = await ctx.run(IntegrationUserVerify, ['-u', 'sync@acme.example']);
    expect(exitCode).to.equal(0);
    const row = (object: string, read: boolean): Record<string, unknown> => ({
      object,
      read,
      create: false,
      edit: false,
      delete: false,
      viewall: false,
      modifyall: false,
    });
    expect(result?.access).to.deep.equal([row('Account', true), row('Invoice__c', true)]);
    expect(result?.checks.find((c) => c.name === 'permission-sets')).to.deep.equal({
      name: 'permission-sets',
      status: 'pass',
      message: 'Every assigned permission set and group fits the license: Sync_Access.',
    });
    // One inspection, groups or not.
    expect(ctx.emulator.requests).to.have.length(1);
  });

  it("verify: an app that lists a held group's member set pre-authorizes the user (as the org does)", async () => {
    const keys = makeKeyPair('groups');
    await ctx.start(
      seed({
        externalClientApps: [
          {
            name: 'Acme_Sync',
            label: 'Acme Sync',
            consumerKey: 'ACMESYNCKEY1',
            certificate: keys.certificate,
            permittedUsers: 'AdminApprovedPreAuthorized',
            profiles: [],
            permissionSets: ['Invoice_Read'],
          },
        ],
      })
    );
    const { result, exitCode } = await ctx.run(IntegrationUserVerify, [
      '-u',
      'sync@acme.example',
      '--app',
      'Acme_Sync',
      '--client-id',
      'ACMESYNCKEY1',
      '--jwt-key-file',
      keys.keyFile,
      '--login-url',
      ctx.emulator.instanceUrl,
      '--query',
      'SELECT Name FROM Invoice__c',
    ]);
    expect(exitCode).to.equal(0);
    expect(
      result?.checks.filter((c) => ['app', 'jwt-login', 'query'].includes(c.name)).map((c) => [c.name, c.status])
    ).to.deep.equal([
      ['app', 'pass'],
      ['jwt-login', 'pass'],
      ['query', 'pass'],
    ]);
    expect(result?.query).to.deep.equal({ totalSize: 1 });
  });

  it("verify warns of a group's broad power only where the group doesn't mute it", async () => {
    await ctx.start(
      seed({
        users: [admin, integrationUser('sync@acme.example', { permissionSets: ['Sync_Access', 'Plain_Manage'] })],
        permissionSetGroups: [
          ...(seed().permissionSetGroups ?? []),
          { name: 'Plain_Manage', label: 'Plain Manage', permissionSets: ['Account_Manage'] },
        ],
      })
    );
    const { result } = await ctx.run(IntegrationUserVerify, ['-u', 'sync@acme.example']);
    expect(result?.checks.find((c) => c.name === 'permission-sets')).to.deep.include({
      status: 'warn',
      message: 'Broad power for an integration: Plain_Manage: ModifyAllData.',
    });
    expect(result?.access.find((a) => a.object === 'Account')).to.deep.include({
      read: true,
      edit: true,
      delete: true,
    });
  });

  it('grant: no broad-power warning for a muted permission, and the assignment names the aggregate set', async () => {
    await ctx.start(seed({ users: [admin, integrationUser('sync@acme.example')] }));
    const { result, error, warnings } = await ctx.run(IntegrationUserGrant, [
      '-u',
      'sync@acme.example',
      '-g',
      'Sync Access',
    ]);
    expect(error).to.equal(undefined);
    expect(result?.permissionSets).to.deep.equal([
      { name: 'Sync_Access', type: 'PermissionSetGroup', license: '--None--', status: 'assigned' },
    ]);
    expect(warnings).to.deep.equal([]);
    expect(groupAssignments('sync@acme.example')).to.deep.equal([{ group: 'Sync_Access', set: 'Group' }]);
  });

  it('grant: a group whose standard-object access is muted needs no PSL; one that keeps it does', async () => {
    await ctx.start(seed());
    const muted = await ctx.run(IntegrationUserGrant, ['-u', 'fresh@acme.example', '-g', 'Muted_Account']);
    expect(muted.error).to.equal(undefined);
    expect(muted.result?.permissionSets).to.deep.equal([
      { name: 'Muted_Account', type: 'PermissionSetGroup', license: '--None--', status: 'assigned' },
    ]);
    expect(groupAssignments('fresh@acme.example')).to.deep.equal([{ group: 'Muted_Account', set: 'Group' }]);

    const kept = await ctx.run(IntegrationUserGrant, ['-u', 'fresh@acme.example', '-g', 'Sync_Access']);
    expect(kept.error?.name).to.equal('GrantBlockedError');
    expect(kept.error?.message).to.contain(
      `- Permission set group "Sync_Access" grants standard-object access or holds a set licensed to the "Salesforce API Integration" permission set license, which fresh@acme.example doesn't have yet`
    );
    expect(kept.error?.actions).to.deep.equal([
      `Assign it first: sf integration-user assign-psl --username fresh@acme.example --target-org ${ctx.targetOrg}`,
    ]);
    expect(groupAssignments('fresh@acme.example')).to.deep.equal([{ group: 'Muted_Account', set: 'Group' }]);
  });

  it("grant -p doesn't take a group's aggregate set for a permission set of the same name or label", async () => {
    await ctx.start(seed());
    const { error } = await ctx.run(IntegrationUserGrant, ['-u', 'sync@acme.example', '-p', 'Sync Access']);
    expect(error?.name).to.equal('GrantBlockedError');
    expect(error?.message).to.contain('- There is no permission set with the API name or label "Sync Access".');
    expect(error?.actions).to.deep.equal([
      `List the permission sets: sf data query --query "SELECT Name, Label, License.Name FROM PermissionSet WHERE IsOwnedByProfile = false AND PermissionSetGroupId = null" --target-org ${ctx.targetOrg}`,
    ]);
  });

  it('convert: judges a held group by what it grants after muting, once, as a group', async () => {
    const std = (username: string, group: string): NonNullable<Seed['users']>[number] => ({
      username,
      lastName: 'Feed',
      email: 'it@acme.example',
      profile: 'Standard User',
      active: true,
      permissionSets: [group],
    });
    await ctx.start(
      seed({
        behaviour: { profileLicenseChangeError: 'accept' },
        users: [admin, std('muted.feed@acme.example', 'Muted_Account'), std('kept.feed@acme.example', 'Sync_Access')],
      })
    );
    const kept = await ctx.run(IntegrationUserConvert, ['-u', 'kept.feed@acme.example']);
    expect(kept.error?.name).to.equal('ConvertBlockedError');
    expect(kept.error?.message).to.equal(
      "kept.feed@acme.example holds assignments that don't fit the Salesforce Integration license: Sync_Access (group, license --None-- with standard-object access, which needs the PSL first)."
    );
    const muted = await ctx.run(IntegrationUserConvert, ['-u', 'muted.feed@acme.example']);
    expect(muted.error).to.equal(undefined);
    expect(muted.result).to.deep.include({ status: 'converted', blockers: [], userLicense: 'Salesforce Integration' });
    expect(
      ctx.emulator.query<{ Profile: { Name: string } }>(
        "SELECT Profile.Name FROM User WHERE Username = 'muted.feed@acme.example'"
      )[0].Profile.Name
    ).to.equal(PROFILE);
  });
});

describe('columns some orgs lack (behaviour.absentFields): one optional column never sinks a read', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const columnsSeed = (absentFields: string[]): Seed => ({
    behaviour: { absentFields },
    permissionSets: [
      { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
      ...(absentFields.length
        ? []
        : [{ name: 'Any_Client', label: 'Any Client', license: null, userPermissions: ['UseAnyApiClient'] }]),
    ],
    permissionSetGroups: [
      {
        name: 'Reader',
        label: 'Reader',
        permissionSets: ['Account_Read', ...(absentFields.length ? [] : ['Any_Client'])],
      },
    ],
    users: [admin, integrationUser('sync@acme.example')],
  });

  for (const absentFields of [['PermissionSet.PermissionsUseAnyApiClient'], []]) {
    const present = absentFields.length === 0;
    it(`grant and verify read in one request ${present ? 'where the org has PermissionsUseAnyApiClient (and warn of it)' : 'where it lacks it (the default)'}`, async () => {
      await ctx.start(columnsSeed(absentFields));
      const sets = present ? ['-p', 'Account_Read', '-p', 'Any_Client'] : ['-p', 'Account_Read'];
      const granted = await ctx.run(IntegrationUserGrant, ['-u', 'sync@acme.example', ...sets, '-g', 'Reader']);
      expect(granted.error).to.equal(undefined);
      expect(granted.warnings).to.deep.equal(
        present
          ? [
              'Any_Client carries broad power (UseAnyApiClient); an integration rarely needs it.',
              'Reader carries broad power (UseAnyApiClient); an integration rarely needs it.',
            ]
          : []
      );
      expect(
        ctx.emulator.requests.filter((r) => r.writes === 0),
        'reads'
      ).to.have.length(1);

      ctx.emulator.clearRequests();
      const verified = await ctx.run(IntegrationUserVerify, ['-u', 'sync@acme.example']);
      expect(verified.result?.checks.find((c) => c.name === 'permission-sets')).to.deep.include(
        present
          ? {
              status: 'warn',
              message: 'Broad power for an integration: Any_Client: UseAnyApiClient, Reader: UseAnyApiClient.',
            }
          : {
              status: 'pass',
              message: 'Every assigned permission set and group fits the license: Account_Read, Reader.',
            }
      );
      expect(ctx.emulator.requests).to.have.length(1);
    });
  }
});
