import { expect } from 'chai';
import IntegrationUserVerify from '../../src/commands/integration-user/verify.js';
import { loginAsUser } from '../../src/service/jwt.js';
import { startEmulator, type Seed } from '../emulator/index.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { makeKeyPair } from '../helpers/keys.js';

// The JWT login as the user: which URL and audience (the org's kind, My Domain only as a fallback,
// --login-url as given), and who logged in (the token's id URL, the license, userinfo only when the
// token's scope allows). Every login goes to the emulator on 127.0.0.1.

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = "o'brien.sync@acme.example";
const keys = makeKeyPair();

type Check = { name: string; status: string; message: string; action?: string };
type Options = { isSandbox?: boolean; behaviour?: Seed['behaviour']; scopes?: string[]; orgId?: string };

/** An org with a fully set-up integration user and an admin-approved connected app for its profile. */
function seed(options: Options = {}): Seed {
  return {
    org: { isSandbox: options.isSandbox ?? false, ...(options.orgId ? { id: options.orgId } : {}) },
    behaviour: options.behaviour ?? {},
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
        lastName: "O'Brien Sync",
        email: 'it@acme.example',
        profile: PROFILE,
        active: true,
        permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
        permissionSets: ['Account_Read'],
      },
    ],
    permissionSets: [{ name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } }],
    connectedApps: [
      {
        name: 'Acme_Sync',
        label: 'Acme Sync',
        consumerKey: 'ACMESYNCKEY1',
        certificate: keys.certificate,
        adminApproved: true,
        profiles: [PROFILE],
        ...(options.scopes ? { scopes: options.scopes } : {}),
      },
    ],
  };
}

describe('integration-user verify: the JWT login and who it logged in', () => {
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
  const checks = (result: unknown): Check[] => (result as { checks: Check[] }).checks;
  const check = (result: unknown, name: string): Check | undefined => checks(result).find((c) => c.name === name);
  const tokenRequests = (): number => ctx.emulator.requests.filter((r) => r.path === '/services/oauth2/token').length;
  const after = (path: string): string[] => {
    const paths = ctx.emulator.requests.map((r) => r.path.replace(/\/v\d+\.\d+/, ''));
    return paths.slice(paths.indexOf(path));
  };

  for (const isSandbox of [false, true]) {
    for (const myDomainAudience of ['accept', 'reject'] as const) {
      const audience = isSandbox ? 'https://test.salesforce.com' : 'https://login.salesforce.com';
      it(`${isSandbox ? 'a sandbox' : 'production'}, My Domain audience ${myDomainAudience}: one token request at the org's URL, signed for ${audience}`, async () => {
        await ctx.start(seed({ isSandbox, behaviour: { myDomainAudience } }));
        const { result, exitCode } = await verify();
        expect(exitCode).to.equal(0);
        expect(checks(result).map((c) => `${c.name}:${c.status}`)).to.deep.equal([
          'user:pass',
          'license:pass',
          'permission-set-license:pass',
          'permission-sets:pass',
          'access:pass',
          'app:pass',
          'certificate:pass',
          'jwt-login:pass',
          'query:pass',
          'identity:pass',
        ]);
        expect(check(result, 'jwt-login')?.message).to.equal(
          `JWT bearer login as ${USER} succeeded at ${ctx.emulator.instanceUrl} (audience ${audience}).`
        );
        expect(after('/services/oauth2/token')).to.deep.equal(['/services/oauth2/token', '/services/data/query']);
        expect((result as { query: unknown }).query).to.deep.equal({ totalSize: 2 });
        expect(ctx.writes).to.equal(0);
      });
    }
  }

  it('--login-url, with or without its trailing slash, is both endpoint and audience', async () => {
    await ctx.start(seed());
    const run = await verify('--login-url', `${ctx.emulator.instanceUrl}/`);
    expect(run.exitCode).to.equal(0);
    expect(check(run.result, 'jwt-login')?.message).to.equal(
      `JWT bearer login as ${USER} succeeded at ${ctx.emulator.instanceUrl} (audience ${ctx.emulator.instanceUrl}).`
    );
  });

  it('--login-url refused by the org: the audience explained, not retried with another', async () => {
    await ctx.start(seed({ behaviour: { myDomainAudience: 'reject' } }));
    const refused = await verify('--login-url', ctx.emulator.instanceUrl);
    expect(refused.exitCode).to.equal(1);
    expect(check(refused.result, 'jwt-login')).to.deep.equal({
      name: 'jwt-login',
      status: 'fail',
      message: `The org refused the JWT's audience (audience is invalid): the login URL is the wrong one for this org; sandboxes take https://test.salesforce.com, production https://login.salesforce.com. [login ${ctx.emulator.instanceUrl}, audience ${ctx.emulator.instanceUrl}]`,
      action:
        "Pass the org's login URL with --login-url (verify.loginUrl in a spec file): https://login.salesforce.com, https://test.salesforce.com or an Experience Cloud site URL.",
    });
    expect(tokenRequests()).to.equal(1);
  });

  it("the fallback: an audience the org refuses is tried once more as the org's own URL, and only then", async () => {
    // A production org, asked as if it were a sandbox: test.salesforce.com is refused ("audience is invalid").
    const user = { clientId: 'ACMESYNCKEY1', username: USER, privateKey: keys.privateKey };
    for (const [myDomainAudience, ok] of [
      ['accept', true],
      ['reject', false],
    ] as const) {
      const emulator = await startEmulator({ seed: seed({ behaviour: { myDomainAudience } }) });
      try {
        const login = await loginAsUser({ instanceUrl: emulator.instanceUrl, isSandbox: true }, user);
        expect(login).to.deep.include({ ok, loginUrl: emulator.instanceUrl, audience: emulator.instanceUrl });
        if (!login.ok) expect(login.errorDescription).to.equal('audience is invalid');
        expect(emulator.requests.map((r) => `${r.path} ${r.status}`)).to.deep.equal([
          '/services/oauth2/token 400',
          `/services/oauth2/token ${ok ? 200 : 400}`,
        ]);

        emulator.clearRequests();
        const right = await loginAsUser({ instanceUrl: emulator.instanceUrl, isSandbox: false }, user);
        expect(right).to.deep.include({ ok: true, audience: 'https://login.salesforce.com' });
        const stranger = await loginAsUser(
          { instanceUrl: emulator.instanceUrl, isSandbox: false },
          { ...user, username: 'nobody@acme.example' }
        );
        expect(stranger).to.deep.include({ ok: false, errorDescription: "user hasn't approved this consumer" });
        expect(
          emulator.requests.map((r) => r.status),
          'no fallback for any other error'
        ).to.deep.equal([200, 400]);
      } finally {
        await emulator.stop();
      }
    }
  });

  it("userinfo only when the token's scope allows it: an app with the openid scope gets it asked and confirmed", async () => {
    await ctx.start(seed({ scopes: ['Api', 'RefreshToken', 'OpenID'] }));
    const { result, exitCode } = await verify();
    expect(exitCode).to.equal(0);
    expect(check(result, 'identity')).to.deep.include({ status: 'pass' });
    expect(check(result, 'identity')?.message).to.match(
      /^Logged in as user 005\w{15} in org 00D000000000001EAA, on the Salesforce Integration license; userinfo confirms is_salesforce_integration_user\.$/
    );
    expect(after('/services/oauth2/token')).to.deep.equal([
      '/services/oauth2/token',
      '/services/data/query',
      '/services/oauth2/userinfo',
    ]);
    expect(ctx.emulator.requests.at(-1)?.status).to.equal(200);
  });

  for (const userinfoScope of ['required', 'any'] as const) {
    it(`an app with Api and RefreshToken only (what --create makes), userinfoScope ${userinfoScope}: identity passes without userinfo`, async () => {
      await ctx.start(seed({ behaviour: { userinfoScope } }));
      const { result, exitCode } = await verify();
      expect(exitCode).to.equal(0);
      expect(check(result, 'identity')?.status).to.equal('pass');
      expect(ctx.emulator.requests.filter((r) => r.path.includes('userinfo'))).to.deep.equal([]);
    });
  }

  it('a login that lands in another org (a --login-url of the wrong org) fails the identity check', async () => {
    await ctx.start(seed());
    const other = await startEmulator({ seed: seed({ orgId: '00D000000000002' }) });
    try {
      const { result, exitCode } = await verify('--login-url', other.instanceUrl);
      expect(exitCode).to.equal(1);
      expect(check(result, 'jwt-login')?.status).to.equal('pass');
      expect(check(result, 'identity')).to.deep.include({
        status: 'fail',
        message: 'The login landed in org 00D000000000002EAA, not the target org 00D000000000001EAA.',
        action: "Pass the target org's login URL with --login-url, or leave it out to log in at the org's own URL.",
      });
    } finally {
      await other.stop();
    }
  });
});
