import { expect } from 'chai';
import IntegrationUserVerify from '../../src/commands/integration-user/verify.js';
import IntegrationUserAssignPsl from '../../src/commands/integration-user/assign-psl.js';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import IntegrationUserPreauthorize from '../../src/commands/integration-user/preauthorize.js';
import { explainJwtError } from '../../src/service/verify-login.js';
import { renderAdvice } from '../../src/cli/fixes.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { makeKeyPair } from '../helpers/keys.js';
import type { Seed } from '../emulator/index.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = 'acme-sync@acme.example';
const keys = makeKeyPair();
const otherKeys = makeKeyPair('other');

type Options = { psl?: boolean; sets?: string[]; active?: boolean; ecaProfiles?: string[]; permittedUsers?: string };

/** A fully set-up integration user; each option takes one step away. */
function seed(options: Options = {}): Seed {
  return {
    records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }, { Name: 'Initech' }] },
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
        active: options.active ?? true,
        permissionSetLicenses: options.psl === false ? [] : ['SalesforceAPIIntegrationPsl'],
        permissionSets: options.sets ?? ['Account_Read'],
      },
    ],
    permissionSets: [
      { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
      { name: 'Invoice_Access', label: 'Invoice Access', license: null, objects: { Invoice__c: ['read'] } },
      { name: 'Sales_Ops', label: 'Sales Ops', license: 'Salesforce', objects: { Invoice__c: ['read'] } },
    ],
    externalClientApps: [
      {
        name: 'Acme_Sync',
        label: 'Acme Sync',
        consumerKey: 'ACMESYNCKEY1',
        certificate: keys.certificate,
        permittedUsers: options.permittedUsers ?? 'AdminApprovedPreAuthorized',
        profiles: options.ecaProfiles ?? [PROFILE],
        permissionSets: [],
      },
    ],
  } as Seed;
}

describe('integration-user verify', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const verify = (...extra: string[]) =>
    ctx.run(IntegrationUserVerify, [
      '-u',
      USER,
      '--app',
      'Acme_Sync',
      '--client-id',
      'ACMESYNCKEY1',
      '--jwt-key-file',
      keys.keyFile,
      ...extra,
    ]);
  const statuses = (result: unknown): Record<string, string> =>
    Object.fromEntries(
      (result as { checks: Array<{ name: string; status: string }> }).checks.map((c) => [c.name, c.status])
    );
  const check = (result: unknown, name: string): { status: string; message: string; action?: string } | undefined =>
    (result as { checks: Array<{ name: string; status: string; message: string; action?: string }> }).checks.find(
      (c) => c.name === name
    );

  it("a complete setup: every check passes, the query runs as the user, 4 requests before the login (one read with the app's readMetadata beside it, the ECA retrieve)", async () => {
    await ctx.start(seed());
    const { result, exitCode } = await verify();
    expect(exitCode).to.equal(0);
    expect(statuses(result)).to.deep.equal({
      user: 'pass',
      license: 'pass',
      'permission-set-license': 'pass',
      'permission-sets': 'pass',
      access: 'pass',
      app: 'pass',
      certificate: 'pass',
      'jwt-login': 'pass',
      query: 'pass',
      identity: 'pass',
    });
    // Read in the same retrieve as the policy (the ECA's global OAuth settings), the key checked against it.
    expect(check(result, 'certificate')?.message).to.match(
      /^The certificate of Acme_Sync \(CN=integration\) is valid until \d{4}-\d\d-\d\d\. The private key in --jwt-key-file matches it\.$/
    );
    const typed = result as { query: { totalSize: number }; access: unknown[] };
    expect(typed.query).to.deep.equal({ totalSize: 3 });
    expect(typed.access).to.deep.equal([
      { object: 'Account', read: true, create: false, edit: false, delete: false, viewall: false, modifyall: false },
    ]);
    const tokenAt = ctx.emulator.requests.findIndex((r) => r.path === '/services/oauth2/token');
    expect(tokenAt, 'requests before the JWT exchange').to.equal(4);
    // The inspection and the connected-app readMetadata (which finds none: an ECA) go out together; their log order varies.
    const operations = ctx.emulator.requests
      .slice(0, 4)
      .map((r) => r.soapOperation ?? r.path.replace(/v[\d.]+/, 'vXX'));
    expect(operations.slice(0, 2).sort()).to.deep.equal(['/services/data/vXX/composite/batch', 'readMetadata']);
    expect(operations.slice(2)).to.deep.equal(['retrieve', 'checkRetrieveStatus']);
    expect(ctx.emulator.requests.slice(4).map((r) => r.path.replace(/v[\d.]+/, 'vXX'))).to.deep.equal([
      '/services/oauth2/token',
      '/services/data/vXX/query',
    ]);
    expect(check(result, 'identity')?.message).to.match(
      /^Logged in as user 005\w{15} in org 00D000000000001EAA, on the Salesforce Integration license \(the token's scope has no openid, id or profile: userinfo not asked\)\.$/
    );
    expect(ctx.writes).to.equal(0);
  });

  const broken: Array<[string, Options | null, string[], string, string, RegExp]> = [
    [
      'no PSL',
      { psl: false },
      [],
      'permission-set-license',
      'fail',
      /sf integration-user assign-psl --username acme-sync@acme.example/,
    ],
    [
      'no grant',
      { sets: [] },
      [],
      'query',
      'fail',
      /sf integration-user grant --username acme-sync@acme.example --object Account:read/,
    ],
    [
      'app not pre-authorized',
      { ecaProfiles: [] },
      [],
      'jwt-login',
      'fail',
      /sf integration-user preauthorize --app Acme_Sync/,
    ],
    [
      'app self-authorize',
      { permittedUsers: 'AllSelfAuthorized', ecaProfiles: [] },
      [],
      'app',
      'fail',
      /sf integration-user preauthorize --app Acme_Sync/,
    ],
    ['inactive user', { active: false }, [], 'user', 'fail', /--values "IsActive=true"/],
    [
      'a Salesforce-licensed set assigned',
      { sets: ['Account_Read', 'Sales_Ops'] },
      [],
      'permission-sets',
      'fail',
      /grant License "--None--" sets instead/,
    ],
    [
      // The key isn't the certificate's: the certificate check says so and the login isn't tried.
      'wrong key',
      null,
      ['--jwt-key-file', otherKeys.keyFile],
      'certificate',
      'fail',
      /private key of the certificate uploaded to the app/,
    ],
    [
      'wrong client id',
      null,
      ['--client-id', 'NOSUCHKEY'],
      'jwt-login',
      'fail',
      /Pass the app's consumer key with --client-id/,
    ],
  ];
  for (const [title, options, flags, name, status, action] of broken) {
    it(`${title}: the ${name} check fails and names the fix`, async () => {
      await ctx.start(seed(options ?? {}));
      const args = [...flags];
      const run = await ctx.run(IntegrationUserVerify, [
        '-u',
        USER,
        '--app',
        'Acme_Sync',
        '--login-url',
        ctx.emulator.instanceUrl,
        '--client-id',
        args.includes('--client-id') ? args[args.indexOf('--client-id') + 1] : 'ACMESYNCKEY1',
        '--jwt-key-file',
        args.includes('--jwt-key-file') ? args[args.indexOf('--jwt-key-file') + 1] : keys.keyFile,
      ]);
      expect(run.exitCode).to.equal(1);
      expect(check(run.result, name)?.status).to.equal(status);
      expect(check(run.result, name)?.action).to.match(action);
      expect(ctx.writes).to.equal(0);
    });
  }

  it('running the fix each failed check names turns verify green', async () => {
    await ctx.start(seed({ psl: false, sets: [], ecaProfiles: [] }));
    const first = await verify();
    expect(
      Object.entries(statuses(first.result))
        .filter(([, s]) => s === 'fail')
        .map(([name]) => name)
    ).to.deep.equal(['permission-set-license', 'app', 'jwt-login']);
    // The actions are sf command lines; run each through the same command classes.
    await ctx.run(IntegrationUserAssignPsl, ['--username', USER]);
    await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync']);
    const second = await verify();
    expect(check(second.result, 'query')).to.deep.include({
      status: 'fail',
      action: `sf integration-user grant --username ${USER} --object Account:read --target-org ${ctx.targetOrg}`,
    });
    await ctx.run(IntegrationUserGrant, ['--username', USER, '--object', 'Account:read']);
    const third = await verify();
    expect(third.exitCode).to.equal(0);
    expect(Object.values(statuses(third.result)).every((s) => s === 'pass')).to.equal(true);
  });

  it("right after preauthorize, a login the login service still refuses says it's propagating and suggests --wait, not preauthorize again", async () => {
    await ctx.start({ ...seed({ ecaProfiles: [] }), behaviour: { policyPropagationFailures: 2 } });
    const pre = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync']);
    expect(pre.exitCode).to.equal(0);
    const { result, exitCode } = await verify();
    expect(exitCode).to.equal(1);
    expect(check(result, 'app')?.status).to.equal('pass');
    expect(check(result, 'jwt-login')?.status).to.equal('fail');
    expect(check(result, 'jwt-login')?.message).to.contain(
      "The org shows that Acme_Sync pre-authorizes acme-sync@acme.example, but the login service refused the login (user hasn't approved this consumer). A change to an app's access can take a few minutes to reach the login service."
    );
    expect(check(result, 'jwt-login')?.action).to.equal(
      'Re-run verify with --wait 5: it retries the login every 10 seconds for up to 5 minutes and shows the time left. Running preauthorize again would change nothing: Acme_Sync is already set up.'
    );
    // The org was right: two token requests later (behaviour policyPropagationFailures: 2) the change arrives.
    const again = await verify();
    const later = await verify();
    expect([again.exitCode, later.exitCode]).to.deep.equal([1, 0]);
  });

  it('verify --app with a name the org has no app for: close names and --create, not a preauthorize that would fail', async () => {
    await ctx.start(seed());
    const { result } = await ctx.run(IntegrationUserVerify, ['-u', USER, '--app', 'Acme_Synk']);
    expect(check(result, 'app')).to.deep.include({
      status: 'fail',
      message:
        'There is no External Client App or connected app named Acme_Synk whose settings this admin can read. Apps with close names: Acme_Sync.',
    });
    expect(check(result, 'app')?.action).to.match(
      /^Check the app's API name in Setup > App Manager, or create an External Client App for the JWT bearer flow: sf integration-user preauthorize --app Acme_Synk --create --certificate-file server\.crt/
    );
  });

  it('maps every OAuth error of a JWT login to its cause and fix', () => {
    const about = { user: USER, app: 'Acme_Sync' };
    const cases: Array<[string, string, RegExp, RegExp]> = [
      [
        'invalid_grant',
        "user hasn't approved this consumer",
        /doesn't pre-authorize/,
        /sf integration-user preauthorize --app Acme_Sync --target-org prod/,
      ],
      ['invalid_app_access', 'user is not admin approved to access this app', /doesn't pre-authorize/, /preauthorize/],
      ['invalid_client_id', 'client identifier invalid', /No app has this consumer key/, /--client-id/],
      [
        'invalid_grant',
        'audience is invalid',
        /wrong one for this org.*test\.salesforce\.com/,
        /--login-url \(verify\.loginUrl in a spec file\)/,
      ],
      ['invalid_grant', 'Audience validation failed', /refused the JWT's audience/, /--login-url/],
      ['invalid_grant', 'invalid assertion', /doesn't match the app's certificate/, /certificate uploaded to the app/],
      [
        'app_not_found',
        'External client app is not installed in this org',
        /isn't enabled or installed yet/,
        /--wait 10/,
      ],
      ['invalid_grant', 'expired authorization code', /expired/, /clock/],
    ];
    for (const [error, description, message, action] of cases) {
      const explained = explainJwtError(error, description, about);
      expect(explained.message, description).to.match(message);
      // The fix as the command layer writes it, for sf and an org named "prod".
      expect(renderAdvice(explained.fix, { bin: 'sf', targetOrg: 'prod' }), description).to.match(action);
    }
  });

  it('without a key: the org checks only, the login skipped', async () => {
    await ctx.start(seed());
    const { result, exitCode } = await ctx.run(IntegrationUserVerify, ['-u', USER]);
    expect(exitCode).to.equal(0);
    expect(statuses(result)).to.deep.include({ app: 'skip', 'jwt-login': 'skip', query: 'skip', identity: 'skip' });
  });

  it('no access token in the output', async () => {
    await ctx.start(seed());
    await verify();
    const printed = JSON.stringify([ctx.ux.log.args, ctx.ux.table.args, ctx.ux.warn.args]);
    expect(printed).not.to.include(ctx.emulator.adminAccessToken);
    expect(printed, 'no session token of any user').not.to.match(/00D\w{12,15}!/);
  });
});
