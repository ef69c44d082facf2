// setup with app.runAs and verify.flow client-credentials: from an empty org to a client credentials token of the
// new integration user, the secret only from the environment variable the spec names; a re-run writes nothing; a
// spec whose app runs as another user is refused without --no-prompt.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import IntegrationUserSetup from '../../src/commands/integration-user/setup.js';
import { specProblem } from '../../src/service/spec.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import type { Seed } from '../emulator/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'piu-cc-spec-'));
const SECRET = 'ECASECRET0001';
const ENV = 'ACME_SYNC_SETUP_SECRET_TEST';
const USER = "o'brien-sync@acme.example";
const PROFILE = 'Minimum Access - API Only Integrations';

const seed = (runAs?: string): Seed => ({
  records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
  users: runAs
    ? [{ username: runAs, lastName: 'Other', profile: PROFILE, permissionSetLicenses: ['SalesforceAPIIntegrationPsl'] }]
    : [],
  externalClientApps: [
    {
      name: 'Acme_Sync',
      label: 'Acme Sync',
      consumerKey: 'ACMESYNCKEY1',
      consumerSecret: SECRET,
      permittedUsers: 'AllSelfAuthorized',
      ...(runAs ? { runAs } : {}),
    },
  ],
  behaviour: { ecaOauthSettingsDeploy: 'allow' },
});

const spec = (): string => {
  const file = path.join(dir, 'cc.yaml');
  writeFileSync(
    file,
    `users:
  - name: O'Brien Sync
    email: it@acme.example
    username: "${USER}"
    objects: ["Account:read"]
    app:
      name: Acme_Sync
      runAs: true
    verify:
      flow: client-credentials
      clientId: ACMESYNCKEY1
      clientSecretEnv: ${ENV}
`
  );
  return file;
};

type Result = {
  users: Array<{
    username: string;
    steps: Array<{ name: string; status: string; message: string }>;
    verify?: { checks: Array<{ name: string; status: string; message: string }> };
  }>;
};

describe('integration-user setup: the client credentials flow', function () {
  this.timeout(60_000);
  const ctx = new EmulatedOrgContext();
  beforeEach(() => {
    process.env[ENV] = SECRET;
  });
  afterEach(async () => {
    delete process.env[ENV];
    await ctx.stop();
  });

  it('from an empty org to a client credentials token of the new user; a dry run and a re-run write nothing', async () => {
    await ctx.start(seed());
    const dry = await ctx.run(IntegrationUserSetup, ['--spec', spec(), '--dry-run']);
    expect(dry.error).to.equal(undefined);
    expect((dry.result as Result).users[0].steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal([
      'create:todo',
      'assign-psl:todo',
      'grant:todo',
      'preauthorize:todo',
      'verify:todo',
    ]);
    expect(ctx.writes).to.equal(0);

    const { result, error, exitCode } = await ctx.run(IntegrationUserSetup, ['--spec', spec()]);
    expect(error).to.equal(undefined);
    expect(exitCode).to.equal(0);
    const user = (result as Result).users[0];
    expect(user.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal([
      'create:applied',
      'assign-psl:applied',
      'grant:applied',
      'preauthorize:applied',
      'verify:applied',
    ]);
    expect(user.verify?.checks.map((c) => [c.name, c.status])).to.deep.equal([
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
    expect(user.verify?.checks.find((c) => c.name === 'query')?.message).to.equal('The query returned 2 records.');
    expect(JSON.stringify(result)).not.to.contain(SECRET);
    const { attributes, ...policy } = ctx.emulator.query<Record<string, unknown>>(
      'SELECT IsClientCredentialsFlowEnabled, ClientCredentialsFlowUser FROM ExtlClntAppOauthPlcyCnfg'
    )[0];
    expect(attributes).to.be.an('object');
    expect(policy).to.deep.equal({ IsClientCredentialsFlowEnabled: true, ClientCredentialsFlowUser: USER });

    ctx.emulator.clearRequests();
    const again = await ctx.run(IntegrationUserSetup, ['--spec', spec()]);
    expect((again.result as Result).users[0].steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal([
      'create:done',
      'assign-psl:done',
      'grant:done',
      'preauthorize:done',
      'verify:applied',
    ]);
    expect(ctx.writes).to.equal(0);
  });

  it('an app that runs as another user: the preauthorize step is blocked without --no-prompt, nothing written', async () => {
    await ctx.start(seed('other-sync@acme.example'));
    const { error } = await ctx.run(IntegrationUserSetup, ['--spec', spec()]);
    expect(error?.name).to.equal('SetupBlockedError');
    expect(error?.exitCode).to.equal(1);
    const step = (error?.data as Result).users[0].steps.find((s) => s.name === 'preauthorize') as unknown as {
      status: string;
      error: { name: string; message: string };
    };
    expect(step.status).to.equal('blocked');
    expect(step.error).to.deep.include({
      name: 'RunAsChangeConfirmationRequiredError',
      message: `App "Acme_Sync" runs as "other-sync@acme.example" today. Making it run as "${USER}" changes the identity of every integration that logs in through it with the client credentials flow. Nothing was written.`,
    });
    expect(ctx.writes).to.equal(0);
    const applied = await ctx.run(IntegrationUserSetup, ['--spec', spec(), '--no-prompt']);
    expect(applied.exitCode).to.equal(0);
    const { ClientCredentialsFlowUser } = ctx.emulator.query<Record<string, unknown>>(
      'SELECT ClientCredentialsFlowUser FROM ExtlClntAppOauthPlcyCnfg'
    )[0];
    expect(ClientCredentialsFlowUser).to.equal(USER);
  });

  it('refuses spec shapes the flow can’t use: another flow name, a secret variable without the flow, a key file with it, runAs not a boolean', () => {
    const user = (extra: Record<string, unknown>): unknown => ({ users: [{ name: 'A', email: 'a@b.co', ...extra }] });
    expect(specProblem(user({ verify: { flow: 'password' } }))).to.deep.include({ at: 'users[0].verify.flow' });
    expect(specProblem(user({ verify: { clientId: 'K', clientSecretEnv: 'S' } }))).to.deep.include({
      at: 'users[0].verify.clientSecretEnv',
      what: 'is for flow: client-credentials',
    });
    expect(
      specProblem(
        user({ verify: { flow: 'client-credentials', clientId: 'K', clientSecretEnv: 'S', jwtKeyFile: 'k' } })
      )
    ).to.deep.include({ at: 'users[0].verify' });
    expect(specProblem(user({ verify: { flow: 'client-credentials', clientId: 'K' } }))).to.deep.include({
      what: 'with flow client-credentials needs clientId and clientSecretEnv together, and no jwtKeyFile',
    });
    expect(specProblem(user({ app: { name: 'X', runAs: 'yes' } }))).to.deep.include({
      at: 'users[0].app.runAs',
      what: 'must be true or false',
    });
    expect(
      specProblem(
        user({
          app: { name: 'X', runAs: true },
          verify: { flow: 'client-credentials', clientId: 'K', clientSecretEnv: 'S' },
        })
      )
    ).to.equal(undefined);
  });
});
