import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { homeLoggedInto, runPlugin, writesSince } from '../helpers/plugin.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const createArgs = ['integration-user', 'create', '--name', 'Acme Sync', '--email', 'it@acme.example', '-o', 'emu'];

/** Every file under a directory, recursively, by path: to prove no secret was left in a HOME. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return new Map(
    await Promise.all(
      files.map(async (file) => [path.relative(dir, file), await readFile(file, 'utf8')] as [string, string])
    )
  );
}

describe('end to end through bin/run.js: create, then assign-psl', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let home: string;

  const start = async (seed: Seed = {}): Promise<void> => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
  };
  afterEach(() => emulator?.stop());

  it('a fresh org gets an integration user holding the PSL; a re-run and a dry run write nothing', async () => {
    await start();
    const created = await runPlugin(createArgs, home);
    expect(created.exitCode, created.stderr).to.equal(0);
    const username = created.json.result?.username as string;
    expect(created.json.result).to.include({
      status: 'created',
      created: true,
      profile: PROFILE,
      userLicense: 'Salesforce Integration',
      alias: 'acmesync',
    });
    const createRequests = emulator.requests.length;
    expect(createRequests, 'requests for a new user').to.be.at.most(3);

    const assigned = await runPlugin(['integration-user', 'assign-psl', '--username', username, '-o', 'emu'], home);
    expect(assigned.exitCode, assigned.stderr).to.equal(0);
    expect(assigned.json.result).to.deep.include({
      username,
      status: 'assigned',
      assigned: true,
      permissionSetLicense: 'SalesforceAPIIntegrationPsl',
    });
    expect(emulator.requests.length - createRequests, 'requests for assign-psl').to.be.at.most(3);

    // The org, read back: one integration user on the integration profile, holding the PSL, seats used.
    const users = emulator.query<{ Id: string; Username: string; IsActive: boolean; Profile: { Name: string } }>(
      "SELECT Id, Username, IsActive, Profile.Name FROM User WHERE Profile.UserLicense.Name = 'Salesforce Integration'"
    );
    expect(users.map((u) => [u.Username, u.IsActive, u.Profile.Name])).to.deep.equal([[username, true, PROFILE]]);
    expect(created.json.result?.id).to.equal(users[0].Id);
    expect(
      emulator.query(
        "SELECT Id FROM PermissionSetLicenseAssign WHERE Assignee.Username = '" +
          username +
          "' AND PermissionSetLicense.DeveloperName = 'SalesforceAPIIntegrationPsl'"
      )
    ).to.have.length(1);
    expect(
      emulator.query<{ UsedLicenses: number }>(
        "SELECT UsedLicenses FROM UserLicense WHERE Name = 'Salesforce Integration'"
      )[0].UsedLicenses
    ).to.equal(1);
    expect(
      emulator.query<{ UsedLicenses: number }>(
        "SELECT UsedLicenses FROM PermissionSetLicense WHERE DeveloperName = 'SalesforceAPIIntegrationPsl'"
      )[0].UsedLicenses
    ).to.equal(1);

    // Both again: success, nothing written.
    const before = emulator.requests.length;
    const again = await runPlugin(createArgs, home);
    const againPsl = await runPlugin(['integration-user', 'assign-psl', '--username', username, '-o', 'emu'], home);
    expect([again.exitCode, againPsl.exitCode]).to.deep.equal([0, 0]);
    expect(again.json.result).to.include({ status: 'exists', created: false });
    expect(againPsl.json.result).to.include({ status: 'already-assigned', assigned: false });
    expect(writesSince(emulator, before), 'writes on a re-run').to.equal(0);

    // A dry run of a second user writes nothing either.
    const dry = await runPlugin(
      [...createArgs.slice(0, 3), 'Other Sync', '--email', 'it@acme.example', '-o', 'emu', '--dry-run'],
      home
    );
    expect(dry.exitCode).to.equal(0);
    expect(dry.json.result).to.include({ status: 'would-create', created: false, dryRun: true });
    expect(writesSince(emulator, before), 'writes on a dry run').to.equal(0);

    // No access token anywhere in what the commands printed or left in HOME.
    const printed = [created, assigned, again, againPsl, dry].map((r) => r.stdout + r.stderr).join('\n');
    expect(printed).not.to.include(emulator.adminAccessToken);
    // The test wrote the auth file with a plain token; no other file (logs, caches) may hold it.
    const leaks = [...(await filesUnder(home))].filter(
      ([file, text]) =>
        file !== path.join('.sfdx', `${emulator.adminUsername}.json`) && text.includes(emulator.adminAccessToken)
    );
    expect(leaks.map(([file]) => file)).to.deep.equal([]);
  });

  it('dry-run of assign-psl writes nothing and reports would-assign', async () => {
    await start({
      users: [
        {
          username: 'admin@emu.example',
          lastName: 'Admin',
          email: 'admin@emu.example',
          profile: 'System Administrator',
          active: true,
        },
        { username: 'sync@acme.example', lastName: 'Sync', email: 'it@acme.example', profile: PROFILE, active: true },
      ],
    });
    const dry = await runPlugin(
      ['integration-user', 'assign-psl', '-u', 'sync@acme.example', '-o', 'emu', '--dry-run'],
      home
    );
    expect(dry.exitCode).to.equal(0);
    expect(dry.json.result).to.include({ status: 'would-assign', assigned: false, dryRun: true });
    expect(writesSince(emulator)).to.equal(0);
  });

  const refusals: Array<{
    title: string;
    seed: Seed;
    args: string[];
    name: string;
    message: RegExp;
    action: RegExp;
    exitCode?: number;
  }> = [
    {
      title: 'create in an org without the integration license',
      seed: {
        userLicenses: [{ name: 'Salesforce', total: 10, used: 1 }],
        profiles: [{ name: 'System Administrator', license: 'Salesforce' }],
      },
      args: createArgs,
      name: 'NoIntegrationLicenseError',
      message: /no "Salesforce Integration" user license/,
      action: /Enterprise, Unlimited, Performance and Developer editions/,
    },
    {
      title: 'create with every seat taken by users the seed does not list',
      seed: {
        userLicenses: [
          { name: 'Salesforce Integration', total: 5, used: 5 },
          { name: 'Salesforce', total: 10, used: 1 },
        ],
      },
      args: createArgs,
      name: 'NoFreeSeatError',
      message: /All 5 "Salesforce Integration" user licenses are in use \(held by users this org does not list\)/,
      action: /buy more Salesforce Integration seats/,
    },
    {
      title: 'create with a username taken in another org',
      seed: { usernamesTakenElsewhere: ['taken@acme.example'] },
      args: [...createArgs, '--username', 'taken@acme.example'],
      name: 'UsernameTakenElsewhereError',
      message: /already taken in another Salesforce org/,
      action: /--username/,
    },
    {
      title: 'create with an invalid email',
      seed: {},
      args: ['integration-user', 'create', '--name', 'Acme Sync', '--email', "o'brien@", '-o', 'emu'],
      name: 'InvalidEmailError',
      message: /is not a valid email address/,
      action: /--email/,
      // Input refused before the org is asked exits 2, as sf's own flag errors do.
      exitCode: 2,
    },
    {
      title: 'assign-psl for a user that does not exist',
      seed: {},
      args: ['integration-user', 'assign-psl', '-u', "o'brien@acme.example", '-o', 'emu'],
      name: 'UserNotFoundError',
      message: /There is no user "o'brien@acme.example" in this org/,
      action: /sf integration-user create/,
    },
    {
      title: 'assign-psl for a user on a full Salesforce license',
      seed: {},
      args: ['integration-user', 'assign-psl', '-u', 'admin@emu.example', '-o', 'emu'],
      name: 'UserWrongLicenseError',
      message: /only for users on the "Salesforce Integration" user license/,
      action: /sf integration-user create/,
    },
  ];
  for (const refusal of refusals) {
    it(`refuses: ${refusal.title} (exit ${refusal.exitCode ?? 1}, the fix named, the org unchanged)`, async () => {
      await start(refusal.seed);
      const before = emulator.query('SELECT Id FROM User').length;
      const run = await runPlugin(refusal.args, home);
      expect(run.exitCode).to.equal(refusal.exitCode ?? 1);
      expect(run.json.status).to.equal(refusal.exitCode ?? 1);
      expect(run.json.name).to.equal(refusal.name);
      expect(run.json.message).to.match(refusal.message);
      expect(run.json.actions?.join('\n')).to.match(refusal.action);
      expect(run.stderr).not.to.match(/\n\s+at .+\(.*\.js:\d+:\d+\)/);
      expect(writesSince(emulator)).to.equal(0);
      expect(emulator.query('SELECT Id FROM User')).to.have.length(before);
    });
  }

  it('an expired session: exit 1 and the login to redo, nothing written', async () => {
    await start();
    emulator.expireTokens();
    const run = await runPlugin(createArgs, home);
    expect(run.exitCode).to.equal(1);
    expect(run.json.name).to.equal('ExpiredSessionError');
    expect(run.json.actions?.join('\n')).to.match(/Log in to the org again/);
    expect(writesSince(emulator)).to.equal(0);
  });
});
