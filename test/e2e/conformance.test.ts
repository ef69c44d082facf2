import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { makeKeyPair } from '../helpers/keys.js';
import { writesSince } from '../helpers/plugin.js';
import { makeHome, PROJECT_ROOT, runSf, sfEnv, writeAuthFile } from '../helpers/sf.js';

// npm run test:org runs build/scripts/conformance.js after the build; the test runs the same file,
// configured only through the variables a user sets, against an org the stock sf is logged into.
const RUNNER = path.join(PROJECT_ROOT, 'build', 'scripts', 'conformance.js');
const keys = makeKeyPair('piu-conformance');

type Run = { exitCode: number; stdout: string; stderr: string };

function runConformance(home: string, vars: Record<string, string>, args: string[] = []): Promise<Run> {
  const env = sfEnv(home);
  for (const key of Object.keys(env)) if (key.startsWith('PIU_')) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, ...args], {
      cwd: home,
      env: { ...env, ...vars },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
  });
}

type JsonReport = {
  status: string;
  user: string;
  app: { name: string; existing: boolean };
  steps: Array<{ phase: string; step: string; status: string; outcome: string; command?: string }>;
  left: string[];
};

/** The org as the emulator holds it: the run's user, its assignments and login rows. */
function userAfterwards(
  emulator: Emulator,
  lastName: string
): { id: string; active: boolean; sets: number; licenses: number; logins: number } {
  const users = emulator.query<{ Id: string; IsActive: boolean }>(
    `SELECT Id, IsActive FROM User WHERE LastName = '${lastName}'`
  );
  expect(users, `one user named ${lastName}`).to.have.length(1);
  const id = users[0].Id;
  return {
    id,
    active: users[0].IsActive,
    sets: emulator.query(
      `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '${id}' AND PermissionSet.IsOwnedByProfile = false`
    ).length,
    licenses: emulator.query(`SELECT Id FROM PermissionSetLicenseAssign WHERE AssigneeId = '${id}'`).length,
    logins: emulator.query(`SELECT Id FROM LoginHistory WHERE UserId = '${id}'`).length,
  };
}

describe('npm run test:org: the conformance run against an org the stock sf is logged into', function () {
  // Two runs of 10-20 sf processes each, on a 2-core machine.
  this.timeout(150_000);
  let sandbox: Emulator;
  let home: string;
  const vars = (): Record<string, string> => ({
    PIU_ORG: 'acme-sbx',
    PIU_JWT_KEY_FILE: keys.keyFile,
    PIU_EMAIL: 'it-integrations@acme.example',
    // The emulator applies an app change at once; a real org may take minutes (the default waits 10).
    PIU_WAIT_MINUTES: '0',
  });

  before(async () => {
    const seed: Seed = {
      org: { name: 'Acme Sandbox', isSandbox: true },
      admin: { username: 'admin@acme.example.sbx' },
      records: { Account: [{ Name: 'Acme' }, { Name: "O'Brien Logistics" }, { Name: 'Globex' }] },
      // An app the admin already has for the integration, its label unlike its API name, nobody using it yet.
      connectedApps: [
        {
          name: 'Acme_Sync',
          label: 'Acme Sync (EU)',
          consumerKey: 'ACMESYNCKEY1',
          certificate: keys.certificate,
          adminApproved: false,
          profiles: [],
          permissionSets: [],
        },
      ],
      // The sandbox has "Allow Access to OAuth Consumer Secrets via Metadata API" on, which --create needs
      // where External Client App OAuth settings are guarded (the README's sandbox section says so).
      behaviour: { ecaConsumerSecretsInMetadata: true },
    };
    sandbox = await startEmulator({ seed });
    home = await makeHome();
    // As a user logs in (sf org login access-token), here with the emulator's admin token instead of a browser.
    const login = await runSf(
      [
        'org',
        'login',
        'access-token',
        '--instance-url',
        sandbox.instanceUrl,
        '--alias',
        'acme-sbx',
        '--no-prompt',
        '--json',
      ],
      {
        home,
        env: { SF_ACCESS_TOKEN: sandbox.adminAccessToken },
      }
    );
    expect(login.exitCode, login.stderr).to.equal(0);
  });
  after(() => sandbox?.stop());

  it('creates an External Client App with the given certificate: every step passes, the re-run changes nothing, cleanup deactivates the user', async () => {
    const run = await runConformance(home, { ...vars(), PIU_CERT_FILE: keys.certFile });
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[lines.length - 1]).to.equal('PASS: all 18 steps behaved as expected.');
    const userName = /test user: "(PIU Conformance \d{6} [a-z0-9]{4})"/.exec(run.stdout)?.[1] ?? '';
    const appName = userName.replace(/ /g, '_');
    expect(userName, run.stdout).to.match(/^PIU Conformance/);
    // Each phase's steps, in order, all passing.
    const marks = lines.filter((l) => /^ {2}[✓✗-] /.test(l)).map((l) => l.slice(2, 4) + l.slice(4).split(/\s{2,}/)[0]);
    expect(marks).to.deep.equal([
      '✓ org',
      ...['create', 'assign-psl', 'grant', 'preauthorize --create', 'verify', 'org shows it'].map((s) => `✓ ${s}`),
      ...['create', 'assign-psl', 'grant', 'preauthorize --create', 'verify', 'org unchanged'].map((s) => `✓ ${s}`),
      `✓ remove ${appName}_Integration`,
      '✓ remove SalesforceAPIIntegrationPsl',
      `✓ delete ${appName}_Integration`,
      '✓ deactivate user',
      '✓ cleanup shows',
    ]);

    // The org afterwards: the user inactive with nothing assigned, two JWT logins behind it, the set gone, the app left.
    const user = userAfterwards(sandbox, userName);
    expect(user).to.deep.include({ active: false, sets: 0, licenses: 0, logins: 2 });
    expect(sandbox.query(`SELECT Id FROM PermissionSet WHERE Name = '${appName}_Integration'`)).to.have.length(0);
    expect(
      sandbox.query(`SELECT DeveloperName FROM ExternalClientApplication WHERE DeveloperName = '${appName}'`)
    ).to.have.length(1);
    const left = run.stdout.slice(run.stdout.indexOf('Left in the org'));
    expect(left).to.include(`(${user.id}): inactive, without permission sets or licenses`);
    expect(left).to.include(`External Client App ${appName} (consumer key 3MVG`);
    // Never a token or a key in the report.
    for (const token of sandbox.secrets().accessTokens) expect(run.stdout + run.stderr).not.to.include(token);
    expect(run.stdout + run.stderr).not.to.include('PRIVATE KEY');
  });

  it('with an existing app and a wrong consumer key: verify fails, the rest is not run, cleanup still runs, exit 1 (--json report)', async () => {
    const run = await runConformance(home, { ...vars(), PIU_APP: 'Acme_Sync', PIU_CLIENT_ID: 'NOT_THE_KEY' }, [
      '--json',
    ]);
    expect(run.exitCode, run.stderr).to.equal(1);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report).to.deep.include({ status: 'fail', app: { name: 'Acme_Sync', existing: true } });
    const setName = `${report.user.replace(/ /g, '_')}_Integration`;
    expect(report.steps.map((s) => `${s.step}:${s.status}`)).to.deep.equal([
      'org:pass',
      ...['create:pass', 'assign-psl:pass', 'grant:pass', 'preauthorize:pass', 'verify:fail'],
      ...['create:skip', 'assign-psl:skip', 'grant:skip', 'preauthorize:skip', 'verify:skip'],
      'read assignments:pass',
      `remove ${setName}:pass`,
      'remove SalesforceAPIIntegrationPsl:pass',
      'deactivate user:pass',
      'cleanup shows:pass',
    ]);
    const verify = report.steps.find((s) => s.step === 'verify');
    expect(verify?.outcome).to.match(/^exit code 1; jwt-login: .*client identifier invalid/);
    expect(verify?.command).to.include('--client-id NOT_THE_KEY');
    expect(report.steps.find((s) => s.step === 'preauthorize')?.command).to.equal(
      `bin/run.js integration-user preauthorize --app Acme_Sync --permission-set ${setName} --username ${report.steps[1].outcome.split(' ')[1]} --target-org acme-sbx`
    );

    // The user is cleaned up; the app keeps the set it now pre-authorizes, and the report says so.
    expect(userAfterwards(sandbox, report.user)).to.deep.include({ active: false, sets: 0, licenses: 0, logins: 0 });
    expect(
      sandbox.query(`SELECT Id FROM SetupEntityAccess WHERE Parent.Name = '${setName}'`),
      'the app lists the set'
    ).to.have.length(1);
    expect(report.left).to.include(
      `Acme_Sync pre-authorizes permission set ${setName}, and the app is admin-approved now (it let users self-authorize before): take the set off the app's policy, then delete the set in Setup > Permission Sets`
    );
    expect(sandbox.query(`SELECT Id FROM PermissionSet WHERE Name = '${setName}'`)).to.have.length(1);
  });

  it('refuses a production org unless PIU_ALLOW_PRODUCTION=true, before anything is written', async () => {
    const production = await startEmulator({
      seed: { org: { name: 'Acme' }, admin: { username: 'admin@acme.example' } },
    });
    try {
      const prodHome = await makeHome();
      await writeAuthFile(
        prodHome,
        {
          instanceUrl: production.instanceUrl,
          username: production.adminUsername,
          accessToken: production.adminAccessToken,
          orgId: production.orgId,
        },
        'acme'
      );
      const run = await runConformance(prodHome, { ...vars(), PIU_ORG: 'acme', PIU_CERT_FILE: keys.certFile });
      expect(run.exitCode).to.equal(1);
      const refusal = run.stdout.split('\n').find((line) => line.startsWith('  ✗ org '));
      expect(refusal?.replace(/ {2,}/g, '  ')).to.match(
        new RegExp(
          `^ {2}✗ org {2}Acme \\(${production.orgId}\\) is a production org; the run leaves an inactive user there, which can't be deleted\\. Try a sandbox first, or set PIU_ALLOW_PRODUCTION=true \\(\\d+\\.\\d s\\)$`
        )
      );
      expect(run.stdout.trimEnd().split('\n').pop()).to.equal("FAIL: 1 of 1 steps didn't behave as expected (org).");
      expect(writesSince(production)).to.equal(0);
    } finally {
      await production.stop();
    }
  });

  it('names every missing variable and runs nothing', async () => {
    const run = await runConformance(home, { PIU_APP: 'Acme_Sync', PIU_WAIT_MINUTES: 'soon' });
    expect(run.exitCode).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr.split('\n').filter((l) => l.startsWith('  - '))).to.deep.equal([
      '  - PIU_ORG is not set: give the alias or username of an org the stock sf is logged into (sf org list).',
      "  - PIU_JWT_KEY_FILE is not set: give the private key (PEM) the test user's JWTs are signed with.",
      "  - PIU_EMAIL is not set: give an email address your admin team reads (the test user's email).",
      '  - PIU_APP is set without PIU_CLIENT_ID: give the consumer key of that app too.',
      '  - PIU_WAIT_MINUTES: soon is not a whole number of minutes from 0 to 30.',
    ]);
  });
});
