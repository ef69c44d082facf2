// preauthorize --run-as: the client credentials flow on, run as the integration user, through the same retrieve /
// deploy (External Client App) or readMetadata / updateMetadata (connected app), with every check before any write,
// the confirmation a change of run-as user needs, and a token request through the emulator proving the result.

import { expect } from 'chai';
import IntegrationUserPreauthorize from '../../src/commands/integration-user/preauthorize.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { makeKeyPair } from '../helpers/keys.js';
import type { Emulator, Seed } from '../emulator/index.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = "o'brien-sync@acme.example";
const OTHER = 'other-sync@acme.example';
const ECA_SECRET = 'ECASECRET0001';
const CA_SECRET = 'CASECRET00001';
const keys = makeKeyPair();
type Row = Record<string, unknown>;

function seed(extra: Partial<Seed> = {}, eca: Row = {}): Seed {
  return {
    records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
    users: [
      {
        username: USER,
        lastName: "O'Brien Sync",
        profile: PROFILE,
        permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
        permissionSets: ['Account_Read'],
      },
      {
        username: OTHER,
        lastName: 'Other Sync',
        profile: PROFILE,
        permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
      },
      { username: 'nopsl@acme.example', lastName: 'No Psl', profile: PROFILE },
      { username: 'gone@acme.example', lastName: 'Gone', profile: PROFILE, active: false },
      { username: 'ops@acme.example', lastName: 'Ops', profile: 'Standard User' },
      { username: 'api-ops@acme.example', lastName: 'Api Ops', profile: 'Standard User', permissionSets: ['Api_Only'] },
    ],
    permissionSets: [
      { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
      { name: 'Api_Only', label: 'API Only', license: null, userPermissions: ['ApiUserOnly', 'ApiEnabled'] },
    ],
    externalClientApps: [
      {
        name: 'Acme_Sync',
        label: 'Acme Sync',
        consumerKey: 'ACMESYNCKEY1',
        consumerSecret: ECA_SECRET,
        certificate: keys.certificate,
        permittedUsers: 'AllSelfAuthorized',
        ...eca,
      },
    ],
    connectedApps: [
      {
        name: 'Legacy_Sync',
        label: 'Legacy Sync',
        consumerKey: 'LEGACYSYNCKEY1',
        consumerSecret: CA_SECRET,
        certificate: keys.certificate,
      },
    ],
    ...extra,
  };
}

async function clientCredentials(emu: Emulator, id: string, secret: string): Promise<{ status: number; body: Row }> {
  const res = await fetch(`${emu.instanceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Row };
}

describe('integration-user preauthorize --run-as', function () {
  this.timeout(60_000);
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const allow = { behaviour: { ecaOauthSettingsDeploy: 'allow' as const } };
  const policyRow = (): Row => {
    const { attributes, ...rest } = ctx.emulator.query<Row>(
      "SELECT PermittedUsersPolicyType, IsClientCredentialsFlowEnabled, ClientCredentialsFlowUser FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplication.DeveloperName = 'Acme_Sync'"
    )[0];
    expect(attributes).to.be.an('object');
    return rest;
  };
  const userId = (username: string): string =>
    ctx.emulator.query<Row>(`SELECT Id FROM User WHERE Username = '${username.replace(/'/g, "\\'")}'`)[0].Id as string;
  const soapOps = (): string[] => ctx.emulator.requests.flatMap((r) => (r.soapOperation ? [r.soapOperation] : []));

  it('an External Client App: policy and global switch in one deploy, the token is the user’s, a re-run writes nothing', async () => {
    await ctx.start(seed(allow));
    expect((await clientCredentials(ctx.emulator, 'ACMESYNCKEY1', ECA_SECRET)).body).to.deep.equal({
      error: 'invalid_grant',
      error_description: 'client credentials flow not enabled',
    });
    ctx.emulator.clearRequests();
    const { result, error } = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync', '--run-as', USER]);
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
      runAs: { username: USER, userId: userId(USER), basis: 'Salesforce Integration license', changed: true },
    });
    expect(policyRow()).to.deep.equal({
      PermittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      IsClientCredentialsFlowEnabled: true,
      ClientCredentialsFlowUser: USER,
    });
    // One retrieve (policy and global settings together), one deploy.
    expect(soapOps().filter((op) => op === 'retrieve' || op === 'deploy')).to.deep.equal(['retrieve', 'deploy']);
    const token = await clientCredentials(ctx.emulator, 'ACMESYNCKEY1', ECA_SECRET);
    expect(token.status).to.equal(200);
    expect(token.body.id).to.equal(`${ctx.emulator.instanceUrl}/id/${ctx.emulator.orgId}/${userId(USER)}`);

    ctx.emulator.clearRequests();
    const again = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync', '--run-as', USER]);
    expect(again.result).to.deep.include({ changed: false });
    expect(again.result?.runAs).to.deep.include({ changed: false });
    expect(soapOps()).not.to.include('deploy');
    expect(ctx.writes).to.equal(0);
  });

  it('where the org refuses the global OAuth settings: the policy alone, and the Setup page for the switch', async () => {
    await ctx.start(seed());
    const { result } = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync', '--run-as', USER]);
    expect(result?.runAs).to.deep.equal({
      username: USER,
      userId: userId(USER),
      basis: 'Salesforce Integration license',
      changed: true,
      setupStep:
        'Setup > External Client Apps > External Client App Manager > Acme Sync > Settings > OAuth Settings > Flow Enablement > Enable Client Credentials Flow',
    });
    expect(policyRow()).to.include({ IsClientCredentialsFlowEnabled: true, ClientCredentialsFlowUser: USER });
    expect((await clientCredentials(ctx.emulator, 'ACMESYNCKEY1', ECA_SECRET)).body).to.deep.include({
      error_description: 'client credentials flow not enabled',
    });
  });

  it('checks the user before any write: unknown, inactive, no PSL, no API Only; API Only on another license is enough', async () => {
    await ctx.start(seed(allow));
    const refused = async (runAs: string, name: string, message: RegExp): Promise<void> => {
      ctx.emulator.clearRequests();
      const { error } = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync', '--run-as', runAs]);
      expect(error?.name).to.equal(name);
      expect(error?.message).to.match(message);
      expect(error?.exitCode).to.equal(1);
      expect(soapOps()).not.to.include('deploy');
      expect(ctx.writes).to.equal(0);
    };
    await refused('nobody@acme.example', 'UserNotFoundError', /no user "nobody@acme\.example"/);
    await refused('gone@acme.example', 'UserInactiveError', /"gone@acme\.example" is inactive/);
    await refused('nopsl@acme.example', 'RunAsPslMissingError', /"nopsl@acme\.example" doesn't hold/);
    await refused('ops@acme.example', 'RunAsNotApiOnlyError', /without the API Only User permission/);
    expect(policyRow()).to.include({ IsClientCredentialsFlowEnabled: false, ClientCredentialsFlowUser: null });
    const { result } = await ctx.run(IntegrationUserPreauthorize, [
      '--app',
      'Acme_Sync',
      '--run-as',
      userId('api-ops@acme.example'),
    ]);
    expect(result?.runAs).to.deep.include({ username: 'api-ops@acme.example', basis: 'API Only User permission' });
    expect(policyRow()).to.include({ ClientCredentialsFlowUser: 'api-ops@acme.example' });
  });

  it('an app that runs as another user: refused without --no-prompt (nothing written), named in the result with it', async () => {
    await ctx.start(seed(allow, { runAs: OTHER }));
    ctx.emulator.clearRequests();
    const refused = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync', '--run-as', USER]);
    expect(refused.error?.name).to.equal('RunAsChangeConfirmationRequiredError');
    expect(refused.error?.message).to.equal(
      `App "Acme_Sync" runs as "${OTHER}" today. Making it run as "${USER}" changes the identity of every integration that logs in through it with the client credentials flow. Nothing was written.`
    );
    expect(refused.error?.exitCode).to.equal(1);
    expect(ctx.writes).to.equal(0);
    const dry = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync', '--run-as', USER, '--dry-run']);
    expect(dry.result?.runAs).to.deep.include({ previousUsername: OTHER, changed: true });
    expect(dry.warnings).to.deep.equal([
      `The real run would change the user Acme_Sync runs as from ${OTHER} to ${USER}. It asks first at a terminal, and needs --no-prompt anywhere else.`,
    ]);
    expect(ctx.writes).to.equal(0);
    expect(policyRow()).to.include({ ClientCredentialsFlowUser: OTHER });
    const done = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync', '--run-as', USER, '--no-prompt']);
    expect(done.result?.runAs).to.deep.include({ username: USER, previousUsername: OTHER, changed: true });
    expect(policyRow()).to.include({ ClientCredentialsFlowUser: USER });
  });

  it('combines with --permission-set in one deploy', async () => {
    await ctx.start(seed(allow));
    ctx.emulator.clearRequests();
    const { result } = await ctx.run(IntegrationUserPreauthorize, [
      '--app',
      'Acme_Sync',
      '--run-as',
      USER,
      '--permission-set',
      'Account_Read',
    ]);
    expect(result).to.deep.include({ permissionSets: ['Account_Read'], changed: true });
    expect(soapOps().filter((op) => op === 'deploy')).to.have.length(1);
    const { attributes, ...row } = ctx.emulator.query<Row>(
      "SELECT ClientCredentialsFlowUser FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplication.DeveloperName = 'Acme_Sync'"
    )[0];
    expect(attributes).to.be.an('object');
    expect(row).to.deep.equal({ ClientCredentialsFlowUser: USER });
    expect((await clientCredentials(ctx.emulator, 'ACMESYNCKEY1', ECA_SECRET)).status).to.equal(200);
  });

  it('a dry run writes nothing and says what would change', async () => {
    await ctx.start(seed(allow));
    const { result } = await ctx.run(IntegrationUserPreauthorize, [
      '--app',
      'Acme_Sync',
      '--run-as',
      USER,
      '--dry-run',
    ]);
    expect(result).to.deep.include({ dryRun: true, changed: true });
    expect(result?.runAs).to.deep.include({ username: USER, changed: true });
    expect(ctx.writes).to.equal(0);
    expect(policyRow()).to.include({ IsClientCredentialsFlowEnabled: false });
  });

  it('a connected app: oauthConfig through updateMetadata, read back', async () => {
    await ctx.start(seed());
    const { result } = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Legacy_Sync', '--run-as', USER]);
    expect(result).to.deep.include({ appType: 'ConnectedApp', changed: true });
    expect(result?.runAs).to.deep.equal({
      username: USER,
      userId: userId(USER),
      basis: 'Salesforce Integration license',
      changed: true,
    });
    expect(soapOps()).to.include('updateMetadata');
    expect((await clientCredentials(ctx.emulator, 'LEGACYSYNCKEY1', CA_SECRET)).status).to.equal(200);
  });

  for (const mode of ['ignore', 'reject'] as const)
    it(`a connected app whose org keeps the old run-as user (connectedAppRunAsViaMetadata ${mode}): the lists written, the Setup page named`, async () => {
      await ctx.start(seed({ behaviour: { connectedAppRunAsViaMetadata: mode } }));
      const ignored = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Legacy_Sync', '--run-as', USER]);
      expect(ignored.result?.runAs?.setupStep).to.equal(
        'Setup > App Manager > Legacy Sync > Manage > Edit Policies > Client Credentials Flow > Run As'
      );
      expect(ignored.warnings).to.deep.equal([
        "The org didn't let this run turn the flow on itself. Turn it on in Setup > App Manager > Legacy Sync > Manage > Edit Policies > Client Credentials Flow > Run As.",
      ]);
      // The pre-authorization went in all the same.
      expect(ignored.result).to.deep.include({ changed: true, profiles: [PROFILE] });
      const { attributes, ...app } = ctx.emulator.query<Row>(
        "SELECT OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication WHERE Name = 'Legacy Sync'"
      )[0];
      expect(attributes).to.be.an('object');
      expect(app).to.deep.equal({ OptionsAllowAdminApprovedUsersOnly: true });
      expect((await clientCredentials(ctx.emulator, 'LEGACYSYNCKEY1', CA_SECRET)).body).to.deep.include({
        error_description:
          mode === 'ignore' ? 'no client credentials user enabled' : 'client credentials flow not enabled',
      });
    });

  it('--create --run-as without a certificate: a new app with the flow on; the result says where the secret is and never holds it', async () => {
    await ctx.start(seed({ behaviour: { ecaOauthSettingsDeploy: 'allow', ecaConsumerSecretsInMetadata: true } }));
    const { result, error } = await ctx.run(IntegrationUserPreauthorize, [
      '--app',
      'New_Sync',
      '--create',
      '--contact-email',
      'it@acme.example',
      '--run-as',
      USER,
    ]);
    expect(error).to.equal(undefined);
    expect(result).to.deep.include({
      created: true,
      consumerSecretLocation:
        'Setup > External Client Apps > External Client App Manager > New Sync > Settings > OAuth Settings > Consumer Key and Secret',
    });
    expect(result?.runAs).to.deep.include({ username: USER, changed: true });
    const secret = ctx.emulator.secrets().consumerSecrets.find((s) => s.app === 'New_Sync')?.secret as string;
    expect(secret).to.be.a('string');
    expect(JSON.stringify(result)).not.to.contain(secret);
    const token = await clientCredentials(ctx.emulator, result?.consumerKey as string, secret);
    expect(token.status).to.equal(200);
    expect(token.body.id).to.equal(`${ctx.emulator.instanceUrl}/id/${ctx.emulator.orgId}/${userId(USER)}`);
  });
});
