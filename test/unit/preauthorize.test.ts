import { expect } from 'chai';
import { SfCommand } from '@salesforce/sf-plugins-core';
import IntegrationUserPreauthorize from '../../src/commands/integration-user/preauthorize.js';
import { exchangeJwt } from '../../src/service/jwt.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { makeKeyPair } from '../helpers/keys.js';
import { adminConnection, retrieveFiles } from '../helpers/metadata.js';
import type { Seed } from '../emulator/index.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = 'acme-sync@acme.example';
const keys = makeKeyPair();

function seed(extra: Partial<Seed> = {}): Seed {
  return {
    records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
    users: [
      {
        username: 'admin@emu.example',
        lastName: 'Admin',
        email: 'admin@emu.example',
        profile: 'System Administrator',
        active: true,
      },
      {
        username: USER,
        lastName: 'Acme Sync',
        email: 'it@acme.example',
        profile: PROFILE,
        active: true,
        permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
        permissionSets: ['Account_Read'],
      },
      {
        username: 'ops@acme.example',
        lastName: 'Ops',
        email: 'ops@acme.example',
        profile: 'System Administrator',
        active: true,
      },
    ],
    permissionSets: [
      { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
      { name: 'Acme_Sync_Access', label: 'Acme Sync Access', license: null, objects: { Account: ['read'] } },
      { name: 'Sales_Ops', label: 'Sales Ops', license: 'Salesforce', objects: { Account: ['read'] } },
    ],
    externalClientApps: [
      {
        name: 'Acme_Sync',
        label: 'Acme Sync',
        consumerKey: 'ACMESYNCKEY1',
        certificate: keys.certificate,
        permittedUsers: 'AllSelfAuthorized',
        profiles: [],
        permissionSets: [],
      },
    ],
    connectedApps: [
      {
        name: 'Legacy_Sync',
        label: 'Legacy Sync',
        consumerKey: 'LEGACYSYNCKEY1',
        certificate: keys.certificate,
        adminApproved: false,
        profiles: [],
        permissionSets: [],
        oauthTokens: [{ username: 'ops@acme.example' }],
      },
    ],
    ...extra,
  };
}

describe('integration-user preauthorize', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const jwtAs = (clientId: string, username = USER): ReturnType<typeof exchangeJwt> =>
    exchangeJwt({ loginUrl: ctx.emulator.instanceUrl, clientId, username, privateKey: keys.privateKey });

  it('an External Client App: admin-approved with the integration profile, and the JWT login works', async () => {
    await ctx.start(seed());
    expect((await jwtAs('ACMESYNCKEY1')).ok).to.equal(false);
    const ecaTypes = [
      'ExternalClientApplication',
      'ExtlClntAppGlobalOauthSettings',
      'ExtlClntAppOauthSettings',
      'ExtlClntAppOauthConfigurablePolicies',
      'ExtlClntAppConfigurablePolicies',
    ];
    const before = await retrieveFiles(ctx.emulator, ecaTypes);
    ctx.emulator.clearRequests();
    const { result, error } = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync']);
    expect(error).to.equal(undefined);
    expect(result).to.deep.equal({
      app: 'Acme_Sync',
      appType: 'ExternalClientApplication',
      policy: 'AdminApprovedPreAuthorized',
      previousPolicy: 'AllSelfAuthorized',
      profiles: [PROFILE],
      permissionSets: [],
      added: { profiles: [PROFILE], permissionSets: [] },
      changed: true,
      created: false,
      dryRun: false,
      usersLosingAccess: [],
    });
    expect(
      ctx.emulator.query<{ PermittedUsersPolicyType: string }>(
        'SELECT PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg'
      )[0].PermittedUsersPolicyType
    ).to.equal('AdminApprovedPreAuthorized');
    // Read back with another client: only the policy's pre-authorization changed, every other file and line kept.
    const after = await retrieveFiles(ctx.emulator, ecaTypes);
    expect(Object.keys(after).sort()).to.deep.equal(Object.keys(before).sort());
    const changedFiles = Object.keys(after).filter((path) => after[path] !== before[path]);
    expect(changedFiles).to.have.length(1);
    expect(changedFiles[0]).to.match(/^unpackaged\/extlClntAppOauthPolicies\/.+\.ecaOauthPlcy$/);
    const lines = (text: string): string[] =>
      text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    const removed = lines(before[changedFiles[0]]).filter((l) => !lines(after[changedFiles[0]]).includes(l));
    const addedLines = lines(after[changedFiles[0]]).filter((l) => !lines(before[changedFiles[0]]).includes(l));
    expect(
      removed.every((l) => /permittedUsersPolicyType|commaSeparated/.test(l)),
      removed.join('\n')
    ).to.equal(true);
    expect(addedLines.sort()).to.deep.equal(
      [
        `<commaSeparatedProfile>${PROFILE}</commaSeparatedProfile>`,
        '<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>',
      ]
        .concat(
          addedLines.some((l) => l.startsWith('<commaSeparatedPermissionSet'))
            ? ['<commaSeparatedPermissionSet></commaSeparatedPermissionSet>']
            : []
        )
        .sort()
    );
    expect(await jwtAs('ACMESYNCKEY1')).to.include({ ok: true });

    ctx.emulator.clearRequests();
    const again = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync']);
    expect(again.result).to.include({ changed: false, policy: 'AdminApprovedPreAuthorized' });
    expect(ctx.writes).to.equal(0);
  });

  it('by permission set, assigning it to the user, keeping the profile already listed', async () => {
    await ctx.start(seed());
    await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync']);
    const { result } = await ctx.run(IntegrationUserPreauthorize, [
      '--app',
      'Acme_Sync',
      '-p',
      'Acme_Sync_Access',
      '-u',
      USER,
    ]);
    expect(result).to.deep.include({
      profiles: [PROFILE],
      permissionSets: ['Acme_Sync_Access'],
      added: { profiles: [], permissionSets: ['Acme_Sync_Access'] },
      changed: true,
    });
    expect(result?.assignedTo).to.deep.equal({ username: USER, permissionSets: ['Acme_Sync_Access'] });
    expect(
      ctx.emulator.query(
        `SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username = '${USER}' AND PermissionSet.Name = 'Acme_Sync_Access'`
      )
    ).to.have.length(1);
  });

  it('a connected app: lists extended, every other setting kept, the lock-out guard honoured', async () => {
    await ctx.start(seed());
    const refused = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Legacy_Sync', '--json']);
    expect(refused.error?.name).to.equal('LockoutConfirmationRequiredError');
    expect(refused.error?.message).to.include('ops@acme.example');
    expect(ctx.writes).to.equal(0);

    const before = (await adminConnection(ctx.emulator).metadata.read(
      'ConnectedApp',
      'Legacy_Sync'
    )) as unknown as Record<string, unknown>;
    const { result } = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Legacy_Sync', '--no-prompt']);
    const after = (await adminConnection(ctx.emulator).metadata.read(
      'ConnectedApp',
      'Legacy_Sync'
    )) as unknown as Record<string, unknown>;
    const { isAdminApproved: wasApproved, ...configBefore } = before.oauthConfig as Record<string, unknown>;
    const { isAdminApproved: nowApproved, ...configAfter } = after.oauthConfig as Record<string, unknown>;
    expect([String(wasApproved), String(nowApproved)]).to.deep.equal(['false', 'true']);
    expect(configAfter, 'consumer key, certificate, scopes and the rest of oauthConfig').to.deep.equal(configBefore);
    const rest = (app: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(
        Object.entries(app).filter(([k]) => !['oauthConfig', 'profileName', 'permissionSetName'].includes(k))
      );
    expect(rest(after)).to.deep.equal(rest(before));
    expect([after.profileName].flat()).to.deep.equal([PROFILE]);
    expect(result).to.deep.include({
      appType: 'ConnectedApp',
      policy: 'AdminApprovedPreAuthorized',
      previousPolicy: 'AllSelfAuthorized',
      profiles: [PROFILE],
      usersLosingAccess: ['ops@acme.example'],
    });
    // ConnectedApplication.Name is the label: --app Legacy_Sync changed the row named "Legacy Sync".
    expect(
      ctx.emulator.query<{ OptionsAllowAdminApprovedUsersOnly: boolean }>(
        "SELECT OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication WHERE Name = 'Legacy Sync'"
      )[0].OptionsAllowAdminApprovedUsersOnly
    ).to.equal(true);
    expect(await jwtAs('LEGACYSYNCKEY1')).to.include({ ok: true });
  });

  for (const profileRows of ['allow', 'reject'] as const) {
    it(`a connected app admin-approved already: SetupEntityAccess rows, one read and one write (profile rows ${profileRows === 'allow' ? 'accepted' : 'refused: the Metadata API instead'})`, async () => {
      await ctx.start(
        seed({
          behaviour: { setupEntityAccessOnProfilePermset: profileRows },
          connectedApps: [
            {
              name: 'Ready_Sync',
              label: 'Ready Sync',
              consumerKey: 'READYSYNCKEY1',
              certificate: keys.certificate,
              adminApproved: true,
              profiles: [],
              permissionSets: ['Account_Read'],
            },
          ],
        })
      );
      const dry = await ctx.run(IntegrationUserPreauthorize, [
        '--app',
        'Ready_Sync',
        '-p',
        'Acme_Sync_Access',
        '--dry-run',
      ]);
      // A dry run shows the plan: the lists as the run would leave them.
      expect(dry.result).to.deep.include({
        profiles: [PROFILE],
        permissionSets: ['Account_Read', 'Acme_Sync_Access'],
        added: { profiles: [PROFILE], permissionSets: ['Acme_Sync_Access'] },
        changed: true,
      });
      expect(ctx.writes).to.equal(0);

      ctx.emulator.clearRequests();
      const { result, error } = await ctx.run(IntegrationUserPreauthorize, [
        '--app',
        'Ready_Sync',
        '-p',
        'Acme_Sync_Access',
      ]);
      expect(error).to.equal(undefined);
      expect(result).to.deep.equal({
        app: 'Ready_Sync',
        appType: 'ConnectedApp',
        policy: 'AdminApprovedPreAuthorized',
        previousPolicy: 'AdminApprovedPreAuthorized',
        profiles: [PROFILE],
        permissionSets: ['Account_Read', 'Acme_Sync_Access'],
        added: { profiles: [PROFILE], permissionSets: ['Acme_Sync_Access'] },
        changed: true,
        created: false,
        dryRun: false,
        usersLosingAccess: [],
      });
      // The inspection batch and the app's readMetadata go out together (their order in the log varies).
      const operations = ctx.emulator.requests.map((r) => r.soapOperation ?? r.path.replace(/v[\d.]+\//, ''));
      expect(operations.slice(0, 2).sort()).to.deep.equal(['/services/data/composite/batch', 'readMetadata']);
      expect(operations.slice(2)).to.deep.equal(
        profileRows === 'allow'
          ? ['/services/data/composite/sobjects']
          : ['/services/data/composite/sobjects', 'updateMetadata']
      );
      const app = (await adminConnection(ctx.emulator).metadata.read(
        'ConnectedApp',
        'Ready_Sync'
      )) as unknown as Record<string, unknown>;
      expect([app.profileName].flat()).to.deep.equal([PROFILE]);
      expect([app.permissionSetName].flat().sort()).to.deep.equal(['Account_Read', 'Acme_Sync_Access']);
      expect((await jwtAs('READYSYNCKEY1')).ok).to.equal(true);

      ctx.emulator.clearRequests();
      const again = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Ready_Sync', '-p', 'Acme_Sync_Access']);
      expect(again.result).to.deep.include({ changed: false, added: { profiles: [], permissionSets: [] } });
      expect(ctx.writes).to.equal(0);
    });
  }

  it('an org that serves External Client Apps only through the Tooling API (unsettled fact): the same result', async () => {
    await ctx.start(seed({ behaviour: { ecaQueryEndpoints: ['tooling'] } }));
    const { result, error } = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync']);
    expect(error).to.equal(undefined);
    expect(result).to.deep.include({
      appType: 'ExternalClientApplication',
      policy: 'AdminApprovedPreAuthorized',
      profiles: [PROFILE],
      changed: true,
    });
    expect(ctx.emulator.requests.some((r) => r.path.endsWith('/tooling/query'))).to.equal(true);
    expect(await jwtAs('ACMESYNCKEY1')).to.include({ ok: true });
  });

  it('writes nothing on --dry-run, and its JSON shows the planned policy and lists, the current policy as previousPolicy', async () => {
    await ctx.start(seed());
    const { result } = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync', '--dry-run']);
    expect(result).to.deep.include({
      changed: true,
      dryRun: true,
      policy: 'AdminApprovedPreAuthorized',
      previousPolicy: 'AllSelfAuthorized',
      profiles: [PROFILE],
      added: { profiles: [PROFILE], permissionSets: [] },
    });
    expect(ctx.writes).to.equal(0);
  });

  describe('the lock-out guard: who loses access, in the dry run as in the run, and fixes that work', () => {
    /** A self-authorized connected app used by two full-license users: one holds a License None set, one none. */
    const usedApp = (): Seed =>
      seed({
        users: [
          ...(seed().users ?? []),
          {
            username: "d.o'neil@acme.example",
            lastName: "O'Neil",
            email: 'dana@acme.example',
            profile: 'System Administrator',
            active: true,
            permissionSets: ['Account_Read', 'Sales_Ops'],
          },
        ],
        connectedApps: [
          {
            ...(seed().connectedApps ?? [])[0],
            oauthTokens: [{ username: 'ops@acme.example' }, { username: "d.o'neil@acme.example" }],
          },
        ],
      });

    it('--dry-run names who would lose access and the set that keeps one of them; nothing written', async () => {
      await ctx.start(usedApp());
      const { result, warnings } = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Legacy_Sync', '--dry-run']);
      expect(result).to.deep.include({
        dryRun: true,
        policy: 'AdminApprovedPreAuthorized',
        previousPolicy: 'AllSelfAuthorized',
        usersLosingAccess: ["d.o'neil@acme.example", 'ops@acme.example'],
        keepingPermissionSets: ['Account_Read'],
      });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.contain(
        "The real run would lock out these users, who use the app now and aren't on its lists: d.o'neil@acme.example, ops@acme.example."
      );
      expect(warnings[0]).to.contain(
        `Keep them: sf integration-user preauthorize --app Legacy_Sync --permission-set Account_Read --target-org ${ctx.targetOrg}`
      );
      expect(ctx.writes).to.equal(0);
    });

    it("the refusal's fix keeps them: listing the set they hold, the switch locks out only the one who holds none", async () => {
      await ctx.start(usedApp());
      const refused = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Legacy_Sync']);
      expect(refused.error?.name).to.equal('LockoutConfirmationRequiredError');
      expect(refused.error?.exitCode).to.equal(1);
      expect(refused.error?.message).to.equal(
        `Switching "Legacy_Sync" to "Admin approved users are pre-authorized" locks out these users, who use it now and aren't on its lists: d.o'neil@acme.example, ops@acme.example. Of them, ops@acme.example hold no permission set the app's list could take (License "--None--"). Nothing was written.`
      );
      // Never a full-license profile (preauthorize refuses those): the License None set one of them holds.
      expect(refused.error?.actions).to.deep.equal([
        `Keep them: sf integration-user preauthorize --app Legacy_Sync --permission-set Account_Read --target-org ${ctx.targetOrg}`,
        "Or switch anyway with --no-prompt: d.o'neil@acme.example, ops@acme.example can then no longer log in through the app.",
      ]);
      expect(ctx.writes).to.equal(0);

      // The fix as printed, then --no-prompt for the one no set keeps: the result says who lost access.
      const kept = await ctx.run(IntegrationUserPreauthorize, [
        '--app',
        'Legacy_Sync',
        '--permission-set',
        'Account_Read',
        '--no-prompt',
      ]);
      expect(kept.error).to.equal(undefined);
      expect(kept.result).to.deep.include({
        policy: 'AdminApprovedPreAuthorized',
        permissionSets: ['Account_Read'],
        usersLosingAccess: ['ops@acme.example'],
      });
      expect(kept.warnings).to.deep.equal([
        'These users lost access to Legacy_Sync with this change: ops@acme.example.',
      ]);
      const app = (await adminConnection(ctx.emulator).metadata.read(
        'ConnectedApp',
        'Legacy_Sync'
      )) as unknown as Record<string, unknown>;
      expect([app.permissionSetName].flat()).to.deep.equal(['Account_Read']);
    });

    it('at a terminal, answering no: "Cancelled; nothing was written", exit 1, no error and no "Try this"', async () => {
      await ctx.start(usedApp());
      const stdinTty = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
      Object.defineProperty(process.stdin, 'isTTY', { value: true, configurable: true });
      const asked: string[] = [];
      ctx.$$.SANDBOX.stub(SfCommand.prototype, 'confirm').callsFake(({ message }: { message: string }) => {
        asked.push(message);
        return Promise.resolve(false);
      });
      try {
        const { error, exitCode } = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Legacy_Sync']);
        expect(error).to.equal(undefined);
        expect(exitCode).to.equal(1);
        expect(asked).to.deep.equal([
          `Switching Legacy_Sync to "Admin approved users are pre-authorized" locks out these users, who use it now: d.o'neil@acme.example, ops@acme.example. Continue?`,
        ]);
        expect(ctx.ux.log.getCalls().map((c) => String(c.args[0]))).to.deep.equal(['Cancelled; nothing was written.']);
        expect(ctx.writes).to.equal(0);
      } finally {
        if (stdinTty) Object.defineProperty(process.stdin, 'isTTY', stdinTty);
        else delete (process.stdin as { isTTY?: boolean }).isTTY;
      }
    });

    it('no one holds a set the list could take: the fix says to assign one first, or --no-prompt', async () => {
      await ctx.start(seed());
      const refused = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Legacy_Sync']);
      expect(refused.error?.message).to.contain(
        'ops@acme.example. None of them holds a permission set the app\'s list could take (License "--None--")'
      );
      expect(refused.error?.actions?.[0]).to.equal(
        'Keep them: assign each of them a permission set with License "--None--", then list that set on the app with --permission-set.'
      );
      expect(ctx.writes).to.equal(0);
    });
  });

  describe('--create: the consumer key the org holds, under every combination of the unsettled facts', () => {
    const create = [
      '--app',
      'New_Sync',
      '--create',
      '--certificate-file',
      keys.certFile,
      '--contact-email',
      'it@acme.example',
    ];
    const secretsIn = (text: string): string[] =>
      ctx.emulator
        .secrets()
        .consumerSecrets.filter((s) => text.includes(s.secret))
        .map((s) => s.app);

    for (const ecaConsumerKey of ['from-deploy', 'generated'] as const) {
      for (const [ecaOauthSettingsDeploy, settingOn] of [
        ['allow', false],
        ['requires-setting', true],
      ] as const) {
        it(`ecaConsumerKey ${ecaConsumerKey}, ecaOauthSettingsDeploy ${ecaOauthSettingsDeploy}${settingOn ? ' (setting on)' : ''}: the key printed is the org's and logs in`, async () => {
          await ctx.start(
            seed({ behaviour: { ecaConsumerKey, ecaOauthSettingsDeploy, ecaConsumerSecretsInMetadata: settingOn } })
          );
          const { result, error } = await ctx.run(IntegrationUserPreauthorize, create);
          expect(error).to.equal(undefined);
          expect(result).to.deep.include({
            app: 'New_Sync',
            appType: 'ExternalClientApplication',
            created: true,
            changed: true,
            profiles: [PROFILE],
          });
          expect(result?.consumerKey).to.match(/^3MVG9[A-Za-z0-9]{20,}$/);
          expect(result?.consumerKeyLocation).to.equal(undefined);
          expect(await jwtAs(result?.consumerKey ?? '')).to.include({ ok: true });
          // The next step logs in with the key just made, on the org as the user typed it.
          expect(ctx.ux.log.args.map(([line]) => String(line)).at(-1)).to.equal(
            'Next, log in as the user through the app to prove it works: sf integration-user verify --username ' +
              `<username> --app New_Sync --client-id ${result?.consumerKey ?? ''} --jwt-key-file server.key --target-org ${ctx.targetOrg}`
          );
          // Read back through the OAuth credentials REST resource: the app's consumers, then the key (never the secret).
          const credentials = ctx.emulator.requests.filter((r) => r.path.includes('/apps/oauth/credentials/'));
          expect(credentials.map((r) => [r.status, r.query ?? ''])).to.deep.equal([
            [200, ''],
            [200, 'part=key'],
          ]);
          expect(credentials[1].path).to.match(/\/apps\/oauth\/credentials\/0xI\w+\/888\w+$/);
          expect(secretsIn(JSON.stringify(result))).to.deep.equal([]);
          expect(
            ctx.emulator.query("SELECT Description FROM ExternalClientApplication WHERE DeveloperName = 'New_Sync'")[0]
          ).to.deep.include({ Description: 'Created by sf integration-user preauthorize --create.' });
        });
      }
    }

    it('an org that refuses the OAuth settings: the setting named, the app kept; once an admin turns it on, the same command finishes', async () => {
      await ctx.start(
        seed({ behaviour: { ecaOauthSettingsDeploy: 'requires-setting', ecaConsumerSecretsInMetadata: false } })
      );
      const refused = await ctx.run(IntegrationUserPreauthorize, create);
      expect(refused.error?.name).to.equal('EcaOauthSettingsRefusedError');
      expect(refused.error?.message).to.contain(
        'The org refused the OAuth settings of the new External Client App "New_Sync": ExtlClntAppGlobalOauthSettings: '
      );
      expect(refused.error?.message).to.contain('"Allow Access to OAuth Consumer Secrets via Metadata API"');
      expect(refused.error?.actions?.[0]).to.match(
        /^Turn on "Allow Access to OAuth Consumer Secrets via Metadata API" in Setup > External Client Apps > Settings .* run the same command again/
      );
      expect(
        ctx.emulator.query("SELECT DeveloperName FROM ExternalClientApplication WHERE DeveloperName = 'New_Sync'")
      ).to.have.length(1);
      expect(
        ctx.emulator.query(
          "SELECT Id FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplication.DeveloperName = 'New_Sync'"
        )
      ).to.have.length(0);

      ctx.emulator.setBehaviour({ ecaConsumerSecretsInMetadata: true });
      const resumed = await ctx.run(IntegrationUserPreauthorize, create);
      expect(resumed.error).to.equal(undefined);
      expect(resumed.result).to.deep.include({ created: true, changed: true, policy: 'AdminApprovedPreAuthorized' });
      expect(await jwtAs(resumed.result?.consumerKey ?? '')).to.include({ ok: true });

      ctx.emulator.clearRequests();
      const again = await ctx.run(IntegrationUserPreauthorize, create);
      expect(again.result).to.deep.include({
        changed: false,
        created: false,
        consumerKey: resumed.result?.consumerKey,
      });
      expect(ctx.writes).to.equal(0);
    });

    for (const settingOn of [false, true]) {
      it(`no OAuth credentials REST resource: ${settingOn ? 'the key from a retrieve of the global OAuth settings' : 'where in Setup to find the key'}`, async () => {
        await ctx.start(
          seed({ behaviour: { ecaOauthSettingsDeploy: 'allow', ecaConsumerSecretsInMetadata: settingOn } })
        );
        ctx.emulator.addFault({
          path: '/apps/oauth/credentials/',
          status: 404,
          errorCode: 'NOT_FOUND',
          message: 'The requested resource does not exist',
        });
        const { result, error } = await ctx.run(IntegrationUserPreauthorize, create);
        expect(error).to.equal(undefined);
        expect(result).to.deep.include({ created: true, changed: true });
        if (settingOn) {
          expect(await jwtAs(result?.consumerKey ?? '')).to.include({ ok: true });
          expect(result?.consumerKeyLocation).to.equal(undefined);
        } else {
          expect(result?.consumerKey).to.equal(undefined);
          expect(result?.consumerKeyLocation).to.equal(
            'Setup > External Client Apps > External Client App Manager > New Sync > Settings > OAuth Settings > Consumer Key and Secret'
          );
        }
        const printed = Object.values(ctx.ux).flatMap((stub) => stub.getCalls().map((c) => JSON.stringify(c.args)));
        expect(secretsIn(JSON.stringify(result) + printed.join('\n'))).to.deep.equal([]);
        if (!settingOn)
          expect(printed.join('\n')).to.contain(
            'find it in Setup > External Client Apps > External Client App Manager > New Sync'
          );
      });
    }
  });

  describe('--app is the API name; the org knows a connected app by its label', () => {
    const ledger = (extra: Partial<Seed> = {}): Seed =>
      seed({
        connectedApps: [
          {
            name: 'Legacy_Sync',
            label: 'Legacy Sync',
            consumerKey: 'LEGACYSYNCKEY1',
            certificate: keys.certificate,
            adminApproved: false,
            profiles: [],
            permissionSets: [],
          },
          {
            name: 'Ledger_Feed',
            label: "O'Brien's Ledger",
            consumerKey: 'LEDGERKEY0001',
            certificate: keys.certificate,
            adminApproved: true,
            profiles: [],
            permissionSets: ['Account_Read'],
          },
          {
            name: 'Ledger_Feed_Old',
            label: "O'Brien's Ledger",
            consumerKey: 'LEDGERKEY0002',
            certificate: keys.certificate,
            adminApproved: false,
            profiles: [],
            permissionSets: [],
            oauthTokens: [{ username: 'ops@acme.example' }],
          },
        ],
        ...extra,
      });
    const idOf = async (apiName: string): Promise<string> =>
      (await adminConnection(ctx.emulator).metadata.list([{ type: 'ConnectedApp' }])).find(
        (c) => c.fullName === apiName
      )?.id ?? '';
    const rowsOf = (appId: string): string[] =>
      ctx.emulator
        .query<{ Parent: { Name: string; IsOwnedByProfile: boolean; Profile: { Name: string } | null } }>(
          `SELECT Parent.Name, Parent.IsOwnedByProfile, Parent.Profile.Name FROM SetupEntityAccess WHERE SetupEntityId = '${appId}'`
        )
        .map((r) => (r.Parent.IsOwnedByProfile ? `profile:${r.Parent.Profile?.Name ?? ''}` : r.Parent.Name))
        .sort();

    it('two apps share a label with an apostrophe: listMetadata (once) picks the row of the API name; the rows go to that app only', async () => {
      await ctx.start(ledger());
      const { result, error } = await ctx.run(IntegrationUserPreauthorize, [
        '--app',
        'Ledger_Feed',
        '-p',
        'Acme_Sync_Access',
      ]);
      expect(error).to.equal(undefined);
      expect(result).to.deep.equal({
        app: 'Ledger_Feed',
        appType: 'ConnectedApp',
        policy: 'AdminApprovedPreAuthorized',
        previousPolicy: 'AdminApprovedPreAuthorized',
        profiles: [PROFILE],
        permissionSets: ['Account_Read', 'Acme_Sync_Access'],
        added: { profiles: [PROFILE], permissionSets: ['Acme_Sync_Access'] },
        changed: true,
        created: false,
        dryRun: false,
        usersLosingAccess: [],
      });
      const operations = ctx.emulator.requests.map((r) => r.soapOperation ?? r.path.replace(/v[\d.]+\//, ''));
      expect(operations.slice(0, 2).sort()).to.deep.equal(['/services/data/composite/batch', 'readMetadata']);
      expect(operations.slice(2)).to.deep.equal(['listMetadata', '/services/data/composite/sobjects']);
      expect(rowsOf(await idOf('Ledger_Feed'))).to.deep.equal([
        'Account_Read',
        'Acme_Sync_Access',
        `profile:${PROFILE}`,
      ]);
      expect(rowsOf(await idOf('Ledger_Feed_Old'))).to.deep.equal([]);
      expect((await jwtAs('LEDGERKEY0002')).ok).to.equal(false);
    });

    it('the self-authorized one: the lock-out guard finds its users by its label, and only its row switches', async () => {
      await ctx.start(ledger());
      const refused = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Ledger_Feed_Old', '--json']);
      expect(refused.error?.name).to.equal('LockoutConfirmationRequiredError');
      expect(refused.error?.message).to.include('ops@acme.example');
      expect(ctx.writes).to.equal(0);
      const { result } = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Ledger_Feed_Old', '--no-prompt']);
      expect(result).to.deep.include({
        app: 'Ledger_Feed_Old',
        appType: 'ConnectedApp',
        previousPolicy: 'AllSelfAuthorized',
        profiles: [PROFILE],
        usersLosingAccess: ['ops@acme.example'],
      });
      const approved = ctx.emulator.query<{ Id: string; OptionsAllowAdminApprovedUsersOnly: boolean }>(
        "SELECT Id, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication WHERE Name = 'O\\'Brien\\'s Ledger'"
      );
      expect(approved.map((a) => [a.Id.slice(0, 15), a.OptionsAllowAdminApprovedUsersOnly]).sort()).to.deep.equal(
        [
          [(await idOf('Ledger_Feed')).slice(0, 15), true],
          [(await idOf('Ledger_Feed_Old')).slice(0, 15), true],
        ].sort()
      );
      expect(rowsOf(await idOf('Ledger_Feed_Old'))).to.deep.equal([`profile:${PROFILE}`]);
      expect(await jwtAs('LEDGERKEY0002')).to.include({ ok: true });
    });

    it('ecaQueryEndpoints [] (ExternalClientApplication served nowhere): connected apps as usual, an ECA found through the Metadata API', async () => {
      await ctx.start(ledger({ behaviour: { ecaQueryEndpoints: [] } }));
      const connected = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Ledger_Feed', '-p', 'Acme_Sync_Access']);
      expect(connected.error).to.equal(undefined);
      expect(connected.result).to.deep.include({
        appType: 'ConnectedApp',
        changed: true,
        permissionSets: ['Account_Read', 'Acme_Sync_Access'],
      });
      const eca = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync']);
      expect(eca.error).to.equal(undefined);
      expect(eca.result).to.deep.include({
        appType: 'ExternalClientApplication',
        policy: 'AdminApprovedPreAuthorized',
        profiles: [PROFILE],
      });
      expect(await jwtAs('ACMESYNCKEY1')).to.include({ ok: true });
      const unknown = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Ledger_Fed']);
      expect(unknown.error?.message).to.match(/Apps with close names: Ledger_Feed\.$/);
    });
  });

  describe('errors: exit 1, the fix named, nothing written', () => {
    const refuses = async (argv: string[], name: string, message: RegExp, action: RegExp): Promise<void> => {
      const { error } = await ctx.run(IntegrationUserPreauthorize, argv);
      expect(error?.name).to.equal(name);
      expect(error?.message).to.match(message);
      expect(error?.actions?.join('\n')).to.match(action);
      expect(ctx.writes).to.equal(0);
    };

    it('an unknown app, naming the close ones and the --create route', async () => {
      await ctx.start(seed());
      await refuses(
        ['--app', 'Acme_Synk'],
        'AppNotFoundError',
        /no External Client App or connected app named "Acme_Synk" in this org\. Apps with close names: Acme_Sync\./,
        /--app Acme_Synk --create --certificate-file/
      );
      // API names, as --app takes them, not the labels ConnectedApplication.Name holds ("Legacy Sync").
      await refuses(
        ['--app', 'Legacy_Synk'],
        'AppNotFoundError',
        /Apps with close names: Legacy_Sync\.$/,
        /--app Legacy_Synk --create/
      );
    });

    it('an ECA and a connected app with the same name', async () => {
      await ctx.start(
        seed({
          connectedApps: [
            { name: 'Acme_Sync', consumerKey: 'OTHERKEY1', adminApproved: false, profiles: [], permissionSets: [] },
          ],
        })
      );
      await refuses(
        ['--app', 'Acme_Sync'],
        'AmbiguousAppError',
        /Both an External Client App and a connected app are named "Acme_Sync"/,
        /Rename one/
      );
    });

    it('a permission set whose license does not fit', async () => {
      await ctx.start(seed());
      await refuses(
        ['--app', 'Acme_Sync', '-p', 'Sales_Ops'],
        'SetLicenseDoesNotFitError',
        /"Sales_Ops" has the license "Salesforce"/,
        /License is "--None--"/
      );
    });

    it('an unknown profile or permission set', async () => {
      await ctx.start(seed());
      await refuses(
        ['--app', 'Acme_Sync', '--profile', 'Nope'],
        'UnknownProfileError',
        /no profile named "Nope"/,
        /Profiles on this license/
      );
      await refuses(
        ['--app', 'Acme_Sync', '-p', 'Nope'],
        'PreauthorizeSetNotFoundError',
        /no permission set with the API name "Nope"/,
        /API name/
      );
    });

    it('an invalid certificate file for --create', async () => {
      await ctx.start(seed());
      await refuses(
        ['--app', 'New_Sync', '--create', '--certificate-file', keys.keyFile, '--contact-email', 'it@acme.example'],
        'InvalidCertificateError',
        /can't be used: no PEM certificate block/,
        /openssl req -x509/
      );
    });
  });
});
