import { expect } from 'chai';
import IntegrationUserAssignPsl from '../../src/commands/integration-user/assign-psl.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import type { Seed } from '../emulator/index.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = 'acme-sync@acme.example';
const admin = {
  username: 'admin@emu.example',
  lastName: 'Admin',
  email: 'admin@emu.example',
  profile: 'System Administrator',
  active: true,
};
const integrationUser = {
  username: USER,
  lastName: 'Acme Sync',
  email: 'it@acme.example',
  profile: PROFILE,
  active: true,
};
const withUsers = (...users: Array<Record<string, unknown>>): Seed => ({ users: [admin, ...users] }) as Seed;

describe('integration-user assign-psl', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  const assignments = (): Array<{ Assignee: { Username: string }; PermissionSetLicense: { DeveloperName: string } }> =>
    ctx.emulator.query('SELECT Assignee.Username, PermissionSetLicense.DeveloperName FROM PermissionSetLicenseAssign');
  const userId = (): string =>
    ctx.emulator.query<{ Id: string }>(`SELECT Id FROM User WHERE Username = '${USER}'`)[0].Id;

  it('assigns SalesforceAPIIntegrationPsl and reports exactly that', async () => {
    await ctx.start(withUsers(integrationUser));
    const { result, error } = await ctx.run(IntegrationUserAssignPsl, ['--username', USER]);
    expect(error).to.equal(undefined);
    expect(result).to.deep.equal({
      userId: userId(),
      username: USER,
      permissionSetLicense: 'SalesforceAPIIntegrationPsl',
      status: 'assigned',
      assigned: true,
      dryRun: false,
      seats: { total: 5, used: 1, free: 4 },
    });
    expect(stripAttributes(assignments())).to.deep.equal([
      { Assignee: { Username: USER }, PermissionSetLicense: { DeveloperName: 'SalesforceAPIIntegrationPsl' } },
    ]);
    expect(ctx.writes).to.equal(1);
  });

  it('accepts a User Id', async () => {
    await ctx.start(withUsers(integrationUser));
    const { result } = await ctx.run(IntegrationUserAssignPsl, ['--username', userId()]);
    expect(result).to.include({ username: USER, status: 'assigned', assigned: true });
    expect(assignments()).to.have.length(1);
  });

  it('is a success with assigned: false and a note when already assigned', async () => {
    await ctx.start(withUsers({ ...integrationUser, permissionSetLicenses: ['SalesforceAPIIntegrationPsl'] }));
    const { result, error } = await ctx.run(IntegrationUserAssignPsl, ['--username', USER]);
    expect(error).to.equal(undefined);
    expect(result).to.deep.equal({
      userId: userId(),
      username: USER,
      permissionSetLicense: 'SalesforceAPIIntegrationPsl',
      status: 'already-assigned',
      assigned: false,
      dryRun: false,
      note: `${USER} already has the SalesforceAPIIntegrationPsl permission set license.`,
      seats: { total: 5, used: 1, free: 4 },
    });
    expect(ctx.writes).to.equal(0);
  });

  it('writes nothing on --dry-run', async () => {
    await ctx.start(withUsers(integrationUser));
    const { result } = await ctx.run(IntegrationUserAssignPsl, ['--username', USER, '--dry-run']);
    expect(result).to.deep.include({
      status: 'would-assign',
      assigned: false,
      dryRun: true,
      note: `Would assign SalesforceAPIIntegrationPsl to ${USER}.`,
    });
    expect(ctx.writes).to.equal(0);
    expect(assignments()).to.have.length(0);
  });

  describe('errors: exit code 1, the fix named, nothing written', () => {
    const expectRefusal = async (
      argv: string[],
      expected: { name: string; message: string; action: RegExp }
    ): Promise<void> => {
      const { result, error } = await ctx.run(IntegrationUserAssignPsl, argv);
      expect(result).to.equal(undefined);
      expect(error?.name).to.equal(expected.name);
      expect(error?.message).to.equal(expected.message);
      expect(error?.actions?.join('\n')).to.match(expected.action);
      expect(error?.exitCode).to.equal(1);
      expect(ctx.writes).to.equal(0);
      expect(assignments()).to.have.length(0);
    };

    it('user not found', async () => {
      await ctx.start();
      await expectRefusal(['--username', 'nobody@acme.example'], {
        name: 'UserNotFoundError',
        message: 'There is no user "nobody@acme.example" in this org.',
        action: /sf integration-user create --name/,
      });
    });

    it('inactive user', async () => {
      await ctx.start(withUsers({ ...integrationUser, active: false }));
      await expectRefusal(['--username', USER], {
        name: 'UserInactiveError',
        message: `User "${USER}" is inactive.`,
        action: /sf data update record --sobject User --record-id 005\w{15} --values "IsActive=true"/,
      });
    });

    it('a user on another license', async () => {
      await ctx.start();
      await expectRefusal(['--username', 'admin@emu.example'], {
        name: 'UserWrongLicenseError',
        message:
          'User "admin@emu.example" is on the "Salesforce" user license (profile "System Administrator"). The "Salesforce API Integration" permission set license is only for users on the "Salesforce Integration" user license.',
        action: /Create an integration user instead: sf integration-user create/,
      });
    });

    it('no free PSL seat, naming who holds them', async () => {
      await ctx.start({
        ...withUsers(integrationUser, {
          ...integrationUser,
          username: 'old.sync@acme.example',
          permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
        }),
        permissionSetLicenses: [
          { developerName: 'SalesforceAPIIntegrationPsl', label: 'Salesforce API Integration', total: 1, used: 1 },
        ],
      });
      const { error } = await ctx.run(IntegrationUserAssignPsl, ['--username', USER]);
      expect(error?.name).to.equal('NoFreePslSeatError');
      expect(error?.message).to.equal(
        'All 1 "Salesforce API Integration" permission set licenses are in use (held by old.sync@acme.example).'
      );
      expect(error?.actions?.[0]).to.match(/Remove the permission set license from a user/);
      expect(ctx.writes).to.equal(0);
      expect(assignments()).to.have.length(1);
    });

    it('an org without the PSL', async () => {
      await ctx.start({ ...withUsers(integrationUser), permissionSetLicenses: [] });
      await expectRefusal(['--username', USER], {
        name: 'PslMissingError',
        message: 'This org has no "Salesforce API Integration" permission set license (SalesforceAPIIntegrationPsl).',
        action: /Setup > Company Information > Permission Set Licenses/,
      });
    });
  });
});

function stripAttributes<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'attributes' ? undefined : v))) as T;
}
