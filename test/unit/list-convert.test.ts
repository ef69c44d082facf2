import { expect } from 'chai';
import IntegrationUserList from '../../src/commands/integration-user/list.js';
import IntegrationUserConvert from '../../src/commands/integration-user/convert.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import type { Seed } from '../emulator/index.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const admin = {
  username: 'admin@emu.example',
  lastName: 'Admin',
  email: 'admin@emu.example',
  profile: 'System Administrator',
  active: true,
};
const at = (daysAgo: number): string => new Date(Date.now() - daysAgo * 86_400_000).toISOString();

const seed = (behaviour: Record<string, unknown> = {}): Seed => ({
  behaviour,
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Api_Only', label: 'API Only', license: null, userPermissions: ['ApiUserOnly'] },
    { name: 'Sales_Ops', label: 'Sales Ops', license: 'Salesforce', objects: { Account: ['read'] } },
  ],
  connectedApps: [
    {
      name: 'Legacy_Sync',
      consumerKey: 'LEGACYSYNCKEY1',
      adminApproved: true,
      profiles: [PROFILE],
      permissionSets: [],
    },
  ],
  users: [
    admin,
    {
      username: 'acme-sync@acme.example',
      lastName: 'Acme Sync',
      email: 'it@acme.example',
      profile: PROFILE,
      active: true,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
      permissionSets: ['Account_Read'],
    },
    {
      username: 'old-sync@acme.example',
      lastName: 'Old Sync',
      email: 'it@acme.example',
      profile: PROFILE,
      active: false,
    },
    {
      username: 'legacy.feed@acme.example',
      lastName: 'Legacy Feed',
      email: 'it@acme.example',
      profile: 'Standard User',
      active: true,
      permissionSets: ['Api_Only'],
      loginHistory: [
        { type: 'Remote Access 2.0', time: at(1) },
        { type: 'Remote Access 2.0', time: at(2) },
      ],
    },
    {
      username: 'erp.integration@acme.example',
      lastName: 'ERP Integration',
      email: 'it@acme.example',
      profile: 'Standard User',
      active: true,
    },
    {
      username: 'alice@acme.example',
      lastName: 'Alice',
      email: 'alice@acme.example',
      profile: 'Standard User',
      active: true,
      loginHistory: [{ type: 'Application', time: at(1) }],
    },
    {
      username: 'bob.api@acme.example',
      lastName: 'Bob',
      email: 'bob@acme.example',
      profile: 'Standard User',
      active: true,
      permissionSets: ['Api_Only'],
      loginHistory: [
        { type: 'Remote Access 2.0', time: at(3) },
        { type: 'Application', time: at(1) },
      ],
    },
    {
      username: 'sales.sync@acme.example',
      lastName: 'Sales Sync',
      email: 'it@acme.example',
      profile: 'Standard User',
      active: true,
      permissionSets: ['Sales_Ops', 'Account_Read'],
    },
  ],
});

describe('integration-user list', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  it('shows the seats and every integration user with its PSL, sets and the apps that pre-authorize it', async () => {
    await ctx.start(seed());
    const { result, error } = await ctx.run(IntegrationUserList, []);
    expect(error).to.equal(undefined);
    expect(result?.seats).to.deep.equal({
      userLicense: { total: 5, used: 1, free: 4 },
      permissionSetLicense: { total: 5, used: 1, free: 4 },
    });
    expect(result?.users.map((u) => ({ ...u, lastLogin: undefined }))).to.deep.equal([
      {
        username: 'acme-sync@acme.example',
        name: 'Acme Sync',
        active: true,
        profile: PROFILE,
        psl: true,
        permissionSets: ['Account_Read'],
        permissionSetGroups: [],
        apps: ['Legacy_Sync'],
        runAsApps: [],
        lastLogin: undefined,
      },
      {
        username: 'old-sync@acme.example',
        name: 'Old Sync',
        active: false,
        profile: PROFILE,
        psl: false,
        permissionSets: [],
        permissionSetGroups: [],
        apps: ['Legacy_Sync'],
        runAsApps: [],
        lastLogin: undefined,
      },
    ]);
    // The retired (inactive) user again, apart: no Salesforce Integration seat taken, no PSL held.
    expect(result?.retired).to.deep.equal([
      {
        username: 'old-sync@acme.example',
        name: 'Old Sync',
        lastLogin: null,
        seatsTaken: { userLicense: 0, permissionSetLicense: 0 },
      },
    ]);
    expect(result?.candidates).to.equal(undefined);
    expect(ctx.writes).to.equal(0);

    // --dry-run is accepted (pipelines pass it to every command) and changes nothing: list only reads.
    const dry = await ctx.run(IntegrationUserList, ['--dry-run']);
    expect(dry.result?.users.map((u) => u.username)).to.deep.equal(result?.users.map((u) => u.username));
    expect(ctx.writes).to.equal(0);
  });

  it('--candidates: full-license users that look like integrations, with the yearly saving checked by hand', async () => {
    await ctx.start(seed());
    const { result } = await ctx.run(IntegrationUserList, ['--candidates', '--price', '150']);
    // 4 free integration seats: each of the 3 candidates saves a full license, 150 USD x 12 months.
    expect(result?.candidates?.map((c) => [c.username, c.reasons, c.yearlySaving, c.command])).to.deep.equal([
      [
        'erp.integration@acme.example',
        ['an integration-like name'],
        1800,
        `sf integration-user convert --username erp.integration@acme.example --target-org ${ctx.targetOrg}`,
      ],
      [
        'legacy.feed@acme.example',
        ['has the API Only user permission', 'only API logins in its login history (2)'],
        1800,
        `sf integration-user convert --username legacy.feed@acme.example --target-org ${ctx.targetOrg}`,
      ],
      [
        'sales.sync@acme.example',
        ['an integration-like name'],
        1800,
        `sf integration-user convert --username sales.sync@acme.example --target-org ${ctx.targetOrg}`,
      ],
    ]);
    expect(result?.totalYearlySaving).to.equal(5400);
  });

  it('prices candidates beyond the free seats as extra integration seats', async () => {
    await ctx.start({
      ...seed(),
      userLicenses: [
        { name: 'Salesforce Integration', total: 3, used: 2 },
        { name: 'Salesforce', total: 20, used: 8 },
      ],
    });
    const { result } = await ctx.run(IntegrationUserList, [
      '--candidates',
      '--price',
      '100',
      '--extra-seat-price',
      '10',
    ]);
    // 1 free seat: the first saves 100 x 12; the others save (100 - 10) x 12.
    expect(result?.candidates?.map((c) => c.yearlySaving)).to.deep.equal([1200, 1080, 1080]);
    expect(result?.totalYearlySaving).to.equal(3360);
  });
});

describe('integration-user convert', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const profileOf = (username: string): string =>
    ctx.emulator.query<{ Profile: { Name: string } }>(`SELECT Profile.Name FROM User WHERE Username = '${username}'`)[0]
      .Profile.Name;

  it('moves a user onto the integration profile where the org allows it; a re-run changes nothing', async () => {
    await ctx.start(seed({ profileLicenseChangeError: 'accept' }));
    const { result, error } = await ctx.run(IntegrationUserConvert, ['-u', 'legacy.feed@acme.example']);
    expect(error).to.equal(undefined);
    // One read (the user holds no group), then one update.
    expect(ctx.emulator.requests.map((r) => `${r.method} ${r.path.replace(/\/v[\d.]+\//, '/')}`)).to.deep.equal([
      'POST /services/data/composite/batch',
      'PATCH /services/data/sobjects/User/' + String(result?.userId),
    ]);
    expect(result).to.deep.include({
      username: 'legacy.feed@acme.example',
      fromLicense: 'Salesforce',
      fromProfile: 'Standard User',
      profile: PROFILE,
      userLicense: 'Salesforce Integration',
      status: 'converted',
      blockers: [],
    });
    expect(result?.seats).to.deep.equal({ total: 5, used: 2, free: 3 });
    expect(profileOf('legacy.feed@acme.example')).to.equal(PROFILE);
    ctx.emulator.clearRequests();
    const again = await ctx.run(IntegrationUserConvert, ['-u', 'legacy.feed@acme.example']);
    expect(again.result?.status).to.equal('already-integration');
    expect(ctx.writes).to.equal(0);
  });

  it('--dry-run shows the plan and writes nothing', async () => {
    await ctx.start(seed({ profileLicenseChangeError: 'accept' }));
    const { result } = await ctx.run(IntegrationUserConvert, ['-u', 'legacy.feed@acme.example', '--dry-run']);
    expect(result).to.deep.include({ status: 'would-convert', profile: PROFILE, dryRun: true });
    expect(ctx.writes).to.equal(0);
    expect(profileOf('legacy.feed@acme.example')).to.equal('Standard User');
  });

  it('blocked while the user holds a set that does not fit, naming each and how to remove it', async () => {
    await ctx.start(seed({ profileLicenseChangeError: 'accept' }));
    const { error } = await ctx.run(IntegrationUserConvert, ['-u', 'sales.sync@acme.example']);
    expect(error?.name).to.equal('ConvertBlockedError');
    expect(error?.message).to.equal(
      "sales.sync@acme.example holds assignments that don't fit the Salesforce Integration license: Sales_Ops (permission set, license Salesforce), Account_Read (permission set, license --None-- with standard-object access, which needs the PSL first)."
    );
    expect(error?.actions?.[0]).to.match(
      /^Remove them first: sf data delete record --sobject PermissionSetAssignment --record-id 0Pa\w{15} --target-org /
    );
    expect(ctx.writes).to.equal(0);
    expect(profileOf('sales.sync@acme.example')).to.equal('Standard User');
  });

  it('an org that refuses license changes: the error says to create a new integration user', async () => {
    await ctx.start(seed());
    const { error } = await ctx.run(IntegrationUserConvert, ['-u', 'legacy.feed@acme.example']);
    expect(error?.name).to.equal('ConvertRefusedError');
    expect(error?.message).to.equal(
      "Salesforce refused to move legacy.feed@acme.example onto the integration profile: You can only assign profiles that are compatible with the user's license"
    );
    expect(error?.actions?.[0]).to.match(/sf integration-user create --name/);
    expect(profileOf('legacy.feed@acme.example')).to.equal('Standard User');
  });
});
