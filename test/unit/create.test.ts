import { expect } from 'chai';
import IntegrationUserCreate from '../../src/commands/integration-user/create.js';
import { EmulatedOrgContext } from '../helpers/command.js';

const INTEGRATION_PROFILE = 'Minimum Access - API Only Integrations';
const LEGACY_PROFILE = 'Salesforce API Only System Integrations';
const USERNAME = 'acme-sync@acme.example';
const baseArgs = ['--name', 'Acme Sync', '--email', 'it@acme.example'];

type UserRow = {
  Id: string;
  Username: string;
  LastName: string;
  Alias: string;
  Email: string;
  TimeZoneSidKey: string;
  LocaleSidKey: string;
  LanguageLocaleKey: string;
  EmailEncodingKey: string;
  Profile: { Name: string };
};

describe('integration-user create', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  const integrationUsers = (): UserRow[] =>
    ctx.emulator.query<UserRow>(
      "SELECT Id, Username, LastName, Alias, Email, TimeZoneSidKey, LocaleSidKey, LanguageLocaleKey, EmailEncodingKey, Profile.Name FROM User WHERE Profile.UserLicense.Name = 'Salesforce Integration'"
    );

  it('an admin domain too long for a derived username: refused before any write, naming --username', async () => {
    const domain = `${'eu-central-'.repeat(3)}subsidiary.acme-holdings.example`;
    await ctx.start({ admin: { username: `admin@${domain}` } });
    const { error } = await ctx.run(IntegrationUserCreate, baseArgs);
    expect(error?.name).to.equal('InvalidUsernameError');
    expect(error?.message).to.contain('it is 95 characters long (at most 80)');
    expect(error?.actions?.join(' ')).to.contain('--username');
    expect(ctx.writes).to.equal(0);
    expect(integrationUsers()).to.deep.equal([]);
  });

  it('creates the user on the integration profile with the org defaults, and says so exactly', async () => {
    const emu = await ctx.start({
      org: {
        defaults: {
          timeZoneSidKey: 'Europe/Berlin',
          localeSidKey: 'de_DE',
          languageLocaleKey: 'de',
          emailEncodingKey: 'UTF-8',
        },
      },
    });
    const { result, error } = await ctx.run(IntegrationUserCreate, baseArgs);
    expect(error).to.equal(undefined);
    const [user] = integrationUsers();
    const username = `acme-sync.integration.${emu.orgId.slice(0, 15).toLowerCase()}@${emu.adminUsername.split('@')[1]}`;
    expect(result).to.deep.equal({
      id: user.Id,
      username,
      alias: 'acmesync',
      name: 'Acme Sync',
      email: 'it@acme.example',
      profile: INTEGRATION_PROFILE,
      userLicense: 'Salesforce Integration',
      status: 'created',
      created: true,
      dryRun: false,
      seats: { total: 5, used: 1, free: 4 },
    });
    expect(user).to.deep.include({
      Username: username,
      LastName: 'Acme Sync',
      Alias: 'acmesync',
      Email: 'it@acme.example',
      TimeZoneSidKey: 'Europe/Berlin',
      LocaleSidKey: 'de_DE',
      LanguageLocaleKey: 'de',
      EmailEncodingKey: 'UTF-8',
    });
    expect(user.Profile.Name).to.equal(INTEGRATION_PROFILE);
    // One insert: the user, plus the assignment of its profile's own permission set that Salesforce adds.
    expect(
      ctx.emulator.requests
        .filter((r) => r.writes > 0)
        .map((r) => [r.method, r.path.replace(/v\d+\.\d/, 'vXX.X'), r.writes])
    ).to.deep.equal([['POST', '/services/data/vXX.X/sobjects/User', 2]]);
    expect(ctx.ux.logSuccess.firstCall.args[0]).to.equal(`Created integration user ${username}.`);
  });

  it('uses --username, --alias, --time-zone, --locale and --language as given', async () => {
    await ctx.start();
    const { result } = await ctx.run(IntegrationUserCreate, [
      ...baseArgs,
      '--username',
      USERNAME,
      '--alias',
      'sync1',
      '--time-zone',
      'Asia/Tokyo',
      '--locale',
      'ja_JP',
      '--language',
      'ja',
    ]);
    expect(result).to.include({ username: USERNAME, alias: 'sync1', status: 'created' });
    expect(integrationUsers()[0]).to.deep.include({
      Username: USERNAME,
      Alias: 'sync1',
      TimeZoneSidKey: 'Asia/Tokyo',
      LocaleSidKey: 'ja_JP',
      LanguageLocaleKey: 'ja',
    });
  });

  it('is a success with created: false and a note when the user already exists on the integration license', async () => {
    await ctx.start();
    const first = await ctx.run(IntegrationUserCreate, [...baseArgs, '--username', USERNAME]);
    ctx.emulator.clearRequests();
    const { result, error } = await ctx.run(IntegrationUserCreate, [...baseArgs, '--username', USERNAME]);
    expect(error).to.equal(undefined);
    expect(result).to.deep.equal({
      ...first.result,
      status: 'exists',
      created: false,
      seats: { total: 5, used: 1, free: 4 },
      note: `${USERNAME} already exists on the Salesforce Integration license; nothing to create.`,
    });
    expect(ctx.writes).to.equal(0);
    expect(integrationUsers()).to.have.length(1);
  });

  it('a re-run with another email and time zone changes nothing, and says which values differ and how to change them', async () => {
    await ctx.start();
    await ctx.run(IntegrationUserCreate, [...baseArgs, '--username', USERNAME]);
    const [before] = integrationUsers();
    ctx.emulator.clearRequests();
    const { result, error } = await ctx.run(IntegrationUserCreate, [
      '--name',
      'Acme Sync',
      '--email',
      'platform-team@acme.example',
      '--time-zone',
      'Europe/Paris',
      '--username',
      USERNAME,
    ]);
    expect(error).to.equal(undefined);
    expect(result?.status).to.equal('exists');
    expect(result?.differences).to.deep.equal([
      { field: 'Email', given: 'platform-team@acme.example', org: 'it@acme.example' },
      { field: 'TimeZoneSidKey', given: 'Europe/Paris', org: before.TimeZoneSidKey },
    ]);
    expect(result?.note).to.equal(
      `${USERNAME} already exists; nothing was changed, and these values you gave differ from the org's: ` +
        `Email (org: it@acme.example, given: platform-team@acme.example), TimeZoneSidKey (org: ${before.TimeZoneSidKey}, given: Europe/Paris). ` +
        `To change them in the org: sf data update record --sobject User --record-id ${before.Id} --values "Email=platform-team@acme.example TimeZoneSidKey=Europe/Paris" --target-org ${ctx.targetOrg}`
    );
    expect(ctx.writes).to.equal(0);
    expect(integrationUsers()).to.deep.equal([before]);
  });

  it('writes nothing on --dry-run and says what it would do', async () => {
    await ctx.start();
    const { result } = await ctx.run(IntegrationUserCreate, [...baseArgs, '--username', USERNAME, '--dry-run']);
    expect(result).to.deep.equal({
      username: USERNAME,
      alias: 'acmesync',
      name: 'Acme Sync',
      email: 'it@acme.example',
      profile: INTEGRATION_PROFILE,
      userLicense: 'Salesforce Integration',
      status: 'would-create',
      created: false,
      dryRun: true,
      note: `Would create ${USERNAME} on the Salesforce Integration license.`,
      seats: { total: 5, used: 0, free: 5 },
    });
    expect(ctx.writes).to.equal(0);
    expect(integrationUsers()).to.have.length(0);
  });

  it('prefers the current integration profile when the org also has the legacy one', async () => {
    await ctx.start({
      profiles: [
        { name: LEGACY_PROFILE, license: 'Salesforce Integration' },
        { name: INTEGRATION_PROFILE, license: 'Salesforce Integration' },
        { name: 'System Administrator', license: 'Salesforce' },
      ],
    });
    const { result } = await ctx.run(IntegrationUserCreate, baseArgs);
    expect(result?.profile).to.equal(INTEGRATION_PROFILE);
    expect(integrationUsers()[0].Profile.Name).to.equal(INTEGRATION_PROFILE);
  });

  it('uses the legacy profile in an older org that only has it', async () => {
    await ctx.start({
      profiles: [
        { name: LEGACY_PROFILE, license: 'Salesforce Integration' },
        { name: 'System Administrator', license: 'Salesforce' },
      ],
    });
    const { result } = await ctx.run(IntegrationUserCreate, baseArgs);
    expect(result?.profile).to.equal(LEGACY_PROFILE);
    expect(integrationUsers()[0].Profile.Name).to.equal(LEGACY_PROFILE);
  });

  describe('errors: exit code 1 (2 for input refused before the org is asked), the fix named, nothing written', () => {
    const expectRefusal = async (
      argv: string[],
      expected: { name: string; message: string | RegExp; action: RegExp; requests?: number }
    ): Promise<void> => {
      const { result, error } = await ctx.run(IntegrationUserCreate, argv);
      expect(result).to.equal(undefined);
      expect(error?.name).to.equal(expected.name);
      if (typeof expected.message === 'string') expect(error?.message).to.equal(expected.message);
      else expect(error?.message).to.match(expected.message);
      expect(error?.actions?.join('\n')).to.match(expected.action);
      // Input refused before any request exits 2, as sf's flag errors do; what the org says exits 1.
      expect(error?.exitCode).to.equal(expected.requests === 0 ? 2 : 1);
      expect(ctx.writes).to.equal(0);
      if (expected.requests !== undefined) expect(ctx.emulator.requests).to.have.length(expected.requests);
    };

    it('an org without the integration license', async () => {
      await ctx.start({
        userLicenses: [{ name: 'Salesforce', total: 10, used: 1 }],
        profiles: [{ name: 'System Administrator', license: 'Salesforce' }],
      });
      await expectRefusal(baseArgs, {
        name: 'NoIntegrationLicenseError',
        message: 'This org has no "Salesforce Integration" user license.',
        action: /available in Enterprise, Unlimited, Performance and Developer editions/,
      });
    });

    it('no free seat, naming who holds the seats', async () => {
      await ctx.start({
        userLicenses: [
          { name: 'Salesforce Integration', total: 2, used: 2 },
          { name: 'Salesforce', total: 10, used: 1 },
        ],
        users: [
          {
            username: 'admin@emu.example',
            lastName: 'Admin',
            email: 'admin@emu.example',
            profile: 'System Administrator',
            active: true,
          },
          {
            username: 'old.sync@acme.example',
            lastName: 'Old Sync',
            email: 'it@acme.example',
            profile: INTEGRATION_PROFILE,
            active: true,
          },
        ],
      });
      await expectRefusal(baseArgs, {
        name: 'NoFreeSeatError',
        message: 'All 2 "Salesforce Integration" user licenses are in use (held by old.sync@acme.example).',
        action:
          /Deactivate an integration user you no longer need, for example old\.sync@acme\.example: sf data update record --sobject User --record-id 005\w{15} --values "IsActive=false" --target-org /,
      });
    });

    it('a username taken in another org', async () => {
      await ctx.start({ usernamesTakenElsewhere: [USERNAME] });
      await expectRefusal([...baseArgs, '--username', USERNAME], {
        name: 'UsernameTakenElsewhereError',
        message: `The username "${USERNAME}" is already taken in another Salesforce org. Usernames are unique across all Salesforce orgs, not just this one.`,
        action: /Choose another username with --username, for example acme-sync-[a-z0-9-]+\.integration\.00d/,
      });
      expect(integrationUsers()).to.have.length(0);
    });

    it('the username already used in this org on another license', async () => {
      const emu = await ctx.start();
      await expectRefusal([...baseArgs, '--username', emu.adminUsername], {
        name: 'UserOnOtherLicenseError',
        message: `A user "${emu.adminUsername}" already exists in this org on the "Salesforce" user license (profile "System Administrator"), not on "Salesforce Integration".`,
        action: /Choose another username with --username/,
      });
    });

    it('an unknown --profile, listing the profiles that fit', async () => {
      await ctx.start();
      await expectRefusal([...baseArgs, '--profile', 'Integration Bots'], {
        name: 'UnknownProfileError',
        message: 'There is no profile named "Integration Bots" on the "Salesforce Integration" user license.',
        action: /Profiles on this license: "Minimum Access - API Only Integrations"/,
      });
    });

    it('a --profile on another license', async () => {
      await ctx.start();
      await expectRefusal([...baseArgs, '--profile', 'System Administrator'], {
        name: 'ProfileWrongLicenseError',
        message: /Profile "System Administrator" is on the "Salesforce" user license/,
        action: /Leave --profile out/,
      });
    });

    it('an invalid email, before any request', async () => {
      await ctx.start();
      await expectRefusal(['--name', 'Acme Sync', '--email', 'not-an-email'], {
        name: 'InvalidEmailError',
        message: '"not-an-email" is not a valid email address for --email.',
        action: /--email it-integrations@acme.example/,
        requests: 0,
      });
    });

    it('an invalid username or alias, before any request', async () => {
      await ctx.start();
      await expectRefusal([...baseArgs, '--username', 'acme sync'], {
        name: 'InvalidUsernameError',
        message: /"acme sync" is not a valid Salesforce username: it contains whitespace/,
        action: /something@something, at most 80 characters, no spaces/,
        requests: 0,
      });
      await expectRefusal([...baseArgs, '--alias', 'muchtoolong'], {
        name: 'InvalidAliasError',
        message: /"muchtoolong" is not a valid alias: it has 11 characters/,
        action: /at most 8/,
        requests: 0,
      });
    });

    it('an expired session', async () => {
      await ctx.start();
      ctx.emulator.expireTokens();
      await expectRefusal(baseArgs, {
        name: 'ExpiredSessionError',
        message: `The session for ${ctx.emulator.adminUsername} has expired or is no longer valid.`,
        action: /Log in to the org again/,
      });
    });
  });
});
