// verify --flow client-credentials: one token request to the org's My Domain URL with the consumer key and a
// secret read from an environment variable, the query as the user, the token's id checked against the user, the
// run-as check, and Salesforce's refusals mapped to their cause and fix. The secret never appears in the result.

import { expect } from 'chai';
import IntegrationUserVerify from '../../src/commands/integration-user/verify.js';
import { explainClientCredentialsError } from '../../src/service/verify-client-credentials.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { makeKeyPair } from '../helpers/keys.js';
import type { Seed } from '../emulator/index.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = "o'brien-sync@acme.example";
const OTHER = 'other-sync@acme.example';
const SECRET = 'ECASECRET0001';
const ENV = 'ACME_SYNC_SECRET_TEST';
const keys = makeKeyPair();
type Row = Record<string, unknown>;
type Checks = Array<{ name: string; status: string; message: string; action?: string }>;

function seed(eca: Row = {}, extra: Partial<Seed> = {}): Seed {
  const integrationUser = (username: string, lastName: string): NonNullable<Seed['users']>[number] => ({
    username,
    lastName,
    profile: PROFILE,
    permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
    permissionSets: ['Account_Read'],
  });
  return {
    records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }, { Name: 'Initech' }] },
    users: [integrationUser(USER, "O'Brien Sync"), integrationUser(OTHER, 'Other Sync')],
    permissionSets: [{ name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } }],
    externalClientApps: [
      {
        name: 'Acme_Sync',
        label: 'Acme Sync',
        consumerKey: 'ACMESYNCKEY1',
        consumerSecret: SECRET,
        certificate: keys.certificate,
        permittedUsers: 'AdminApprovedPreAuthorized',
        profiles: [PROFILE],
        runAs: USER,
        ...eca,
      },
    ],
    ...extra,
  };
}

describe('integration-user verify --flow client-credentials', function () {
  this.timeout(60_000);
  const ctx = new EmulatedOrgContext();
  beforeEach(() => {
    process.env[ENV] = SECRET;
  });
  afterEach(async () => {
    delete process.env[ENV];
    await ctx.stop();
  });
  const verify = (
    ...extra: string[]
  ): ReturnType<EmulatedOrgContext['run']> & Promise<{ result?: { checks: Checks } }> =>
    ctx.run(IntegrationUserVerify, [
      '-u',
      USER,
      '--app',
      'Acme_Sync',
      '--flow',
      'client-credentials',
      '--client-id',
      'ACMESYNCKEY1',
      '--client-secret-env',
      ENV,
      ...extra,
    ]);
  const statuses = (checks: Checks | undefined): string[][] => (checks ?? []).map((c) => [c.name, c.status]);
  const check = (checks: Checks | undefined, name: string): Checks[number] | undefined =>
    checks?.find((c) => c.name === name);

  it('passes end to end: one token request at the instance URL, the query as the user, the token is the user’s', async () => {
    await ctx.start(seed());
    const { result, exitCode } = await verify();
    expect(statuses(result?.checks)).to.deep.equal([
      ['user', 'pass'],
      ['license', 'pass'],
      ['permission-set-license', 'pass'],
      ['permission-sets', 'pass'],
      ['access', 'pass'],
      ['app', 'pass'],
      ['run-as', 'pass'],
      ['client-credentials-login', 'pass'],
      ['query', 'pass'],
      ['identity', 'pass'],
    ]);
    expect(exitCode).to.equal(0);
    expect(check(result?.checks, 'run-as')?.message).to.equal(
      `Acme_Sync runs as ${USER} with the client credentials flow on.`
    );
    expect(check(result?.checks, 'query')?.message).to.equal('The query returned 3 records.');
    const tokenRequests = ctx.emulator.requests.filter((r) => r.path === '/services/oauth2/token');
    expect(tokenRequests.map((r) => [r.status, r.user])).to.deep.equal([[200, USER]]);
    expect(JSON.stringify(result)).not.to.contain(SECRET);
    for (const token of ctx.emulator.secrets().accessTokens.slice(1))
      expect(JSON.stringify(result)).not.to.contain(token);
  });

  it('an app that runs as another user: run-as and identity fail with the preauthorize --run-as fix', async () => {
    await ctx.start(seed({ runAs: OTHER }));
    const { result, exitCode } = await verify();
    expect(exitCode).to.equal(1);
    expect(check(result?.checks, 'run-as')).to.deep.include({
      status: 'fail',
      message: `Acme_Sync runs as ${OTHER}, not ${USER}: its client credentials tokens are that user's.`,
    });
    expect(check(result?.checks, 'run-as')?.action).to.contain(
      `integration-user preauthorize --app Acme_Sync --run-as "o'brien-sync@acme.example"`
    );
    expect(check(result?.checks, 'identity')?.status).to.equal('fail');
    expect(check(result?.checks, 'identity')?.message).to.match(
      /^The token is user 005\w+'s, not 005\w+'s: the app runs as another user\.$/
    );
  });

  it('maps Salesforce’s refusals: flow off, wrong secret, unknown key', async () => {
    await ctx.start(seed({ runAs: undefined, clientCredentialsFlow: false }));
    const off = await verify();
    expect(check(off.result?.checks, 'run-as')).to.deep.include({
      status: 'fail',
      message: 'Acme_Sync has no run-as user for the client credentials flow.',
    });
    expect(check(off.result?.checks, 'client-credentials-login')?.message).to.equal(
      `The app doesn't have the client credentials flow on (client credentials flow not enabled). [token request at ${ctx.emulator.instanceUrl}]`
    );
    expect(check(off.result?.checks, 'client-credentials-login')?.action).to.contain('--run-as');
    process.env[ENV] = 'WRONGSECRET1';
    const wrong = await verify();
    expect(check(wrong.result?.checks, 'client-credentials-login')?.message).to.match(
      /^The consumer secret doesn't match the consumer key \(invalid client credentials\)\./
    );
    expect(JSON.stringify(wrong.result)).not.to.contain('WRONGSECRET1');
    const unknown = await ctx.run(IntegrationUserVerify, [
      '-u',
      USER,
      '--flow',
      'client-credentials',
      '--client-id',
      'NOSUCHKEY001',
      '--client-secret-env',
      ENV,
    ]);
    expect(check((unknown.result as { checks: Checks }).checks, 'run-as')?.status).to.equal('skip');
    expect(check((unknown.result as { checks: Checks }).checks, 'client-credentials-login')?.message).to.match(
      /^No app in this org has that consumer key \(client identifier invalid\)\./
    );
  });

  it('refuses a missing secret and mixed flags before the org is asked (exit 2), and a dry run makes no token request', async () => {
    await ctx.start(seed());
    delete process.env[ENV];
    const missing = await verify();
    expect(missing.error?.name).to.equal('ClientSecretMissingError');
    expect(missing.error?.message).to.equal(`The environment variable ${ENV} is not set or is empty.`);
    expect(missing.error?.exitCode).to.equal(2);
    const mixed = await ctx.run(IntegrationUserVerify, [
      '-u',
      USER,
      '--client-id',
      'ACMESYNCKEY1',
      '--client-secret-env',
      ENV,
    ]);
    expect(mixed.error?.name).to.equal('ClientCredentialsFlagsError');
    expect(mixed.error?.exitCode).to.equal(2);
    expect(ctx.emulator.requests.filter((r) => r.path === '/services/oauth2/token')).to.deep.equal([]);
    process.env[ENV] = SECRET;
    const dry = await verify('--dry-run');
    expect(check(dry.result?.checks, 'client-credentials-login')?.status).to.equal('skip');
    expect(ctx.emulator.requests.filter((r) => r.path === '/services/oauth2/token')).to.deep.equal([]);
  });

  it('--login-url as typed (oclif hands it over with a trailing slash): the dry runs of both flows name it without the slash', async () => {
    await ctx.start(seed());
    const url = ctx.emulator.instanceUrl;
    const cc = await verify('--dry-run', '--login-url', url);
    expect(check(cc.result?.checks, 'client-credentials-login')?.message).to.equal(
      `Dry run: the consumer key and secret are given; without --dry-run verify requests a client credentials token at ${url}.`
    );
    const jwt = await ctx.run(IntegrationUserVerify, [
      '-u',
      USER,
      '--app',
      'Acme_Sync',
      '--client-id',
      'ACMESYNCKEY1',
      '--jwt-key-file',
      keys.keyFile,
      '--login-url',
      url,
      '--dry-run',
    ]);
    expect(check((jwt.result as { checks: Checks }).checks, 'jwt-login')?.message).to.equal(
      `Dry run: the key file reads as an RSA private key and --client-id is given; without --dry-run verify logs in as ${USER} with the JWT bearer flow at ${url}.`
    );
  });

  it('explains each Salesforce text with its cause', () => {
    const about = { user: USER, app: 'Acme_Sync' };
    const cases: Array<[string, string, RegExp]> = [
      ['invalid_grant', 'request not supported on this domain', /only at the org's My Domain URL/],
      ['invalid_grant', 'no client credentials user enabled', /no run-as user/],
      ['invalid_grant', 'inactive user', /run-as user is inactive/],
      ['invalid_app_access', 'user is not admin approved to access this app', /doesn't pre-authorize/],
      ['app_not_found', 'External client app is not installed in this org', /isn't installed or enabled/],
      ['invalid_grant', 'no valid scopes', /scopes don't allow API access/],
      ['unauthorized_client', 'client credentials flow not enabled', /doesn't have the client credentials flow on/],
    ];
    for (const [error, description, message] of cases)
      expect(explainClientCredentialsError(error, description, about).message).to.match(message);
  });
});
