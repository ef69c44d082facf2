import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { homeLoggedInto, runPlugin, writesSince } from '../helpers/plugin.js';
import { makeHome, runSf } from '../helpers/sf.js';
import { exchangeJwt } from '../../src/service/jwt.js';
import { makeKeyPair } from '../helpers/keys.js';
import { withoutStress } from '../helpers/stress.js';
import { retrieveFiles } from '../helpers/metadata.js';

// The requests one user's whole procedure takes, counted in the emulator's log (the bench's org: one set to
// grant, an app to pre-authorize, a JWT login and a query as the user). Salesforce's own page size: the stress
// run's 3-record pages would add next-page reads that a real org doesn't need.

const keys = makeKeyPair('setup-requests');
const USER = 'bench-sync@acme.example';
const PROFILE = 'Minimum Access - API Only Integrations';

/** The bench's org, with the app a connected app already admin-approved, or an External Client App admin-approved with the profile still to add. */
function seedWith(app: 'connected' | 'external'): Seed {
  const common = {
    name: 'Bench_Sync',
    label: 'Bench Sync',
    consumerKey: 'BENCHSYNCKEY1',
    certificate: keys.certificate,
  };
  return {
    records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
    permissionSets: [{ name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } }],
    ...(app === 'connected'
      ? { connectedApps: [{ ...common, adminApproved: true, profiles: [], permissionSets: [] }] }
      : {
          externalClientApps: [
            { ...common, permittedUsers: 'AdminApprovedPreAuthorized', profiles: [], permissionSets: [] },
          ],
        }),
  };
}

/** Each request as `METHOD path [SOAP operation]`, the API version left out, sorted (calls sent together arrive in any order). */
const shapes = (emulator: Emulator, from: number): string[] =>
  emulator.requests
    .slice(from)
    .map((r) => `${r.method} ${r.path.replace(/\/v?\d+\.\d/, '')}${r.soapOperation ? ` ${r.soapOperation}` : ''}`)
    .sort();

const JWT_AND_QUERY = ['GET /services/data/query', 'POST /services/oauth2/token'];

describe('requests of one user at the physical limit (bench org, through bin/run.js)', function () {
  this.timeout(180_000);
  let emulator: Emulator | undefined;
  const spec = path.join(mkdtempSync(path.join(tmpdir(), 'piu-requests-')), 'spec.json');
  writeFileSync(
    spec,
    JSON.stringify({
      users: [
        {
          name: 'Bench Sync',
          email: 'it@acme.example',
          username: USER,
          permissionSets: ['Account_Read'],
          app: { name: 'Bench_Sync' },
          verify: { clientId: 'BENCHSYNCKEY1', jwtKeyFile: keys.keyFile },
        },
      ],
    })
  );
  afterEach(() => emulator?.stop());

  /** Runs setup twice on a fresh org: each run's requests, and the steps and checks of each. */
  async function setupTwice(app: 'connected' | 'external') {
    emulator = await withoutStress(() => startEmulator({ seed: seedWith(app) }));
    const home = await homeLoggedInto(emulator);
    const runs = [];
    for (let n = 0; n < 2; n++) {
      const from = emulator.requests.length;
      const run = await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu'], home);
      expect(run.exitCode, run.stdout).to.equal(0);
      const [user] = (
        run.json.result as {
          users: Array<{
            steps: Array<{ name: string; status: string }>;
            verify: { checks: Array<{ name: string; status: string }> };
          }>;
        }
      ).users;
      runs.push({
        requests: shapes(emulator, from),
        writes: writesSince(emulator, from),
        steps: user.steps.map((s) => `${s.name}:${s.status}`),
        failed: user.verify.checks.filter((c) => c.status === 'fail').map((c) => c.name),
      });
    }
    return runs;
  }

  it('connected app: the first run takes 6 requests (sf version lookup, inspection + readMetadata, one write carrying the reads of verify, JWT, query); a re-run 4', async () => {
    const [first, again] = await setupTwice('connected');
    expect(first.steps).to.deep.equal([
      'create:applied',
      'assign-psl:applied',
      'grant:applied',
      'preauthorize:applied',
      'verify:applied',
    ]);
    expect(first.failed).to.deep.equal([]);
    expect(first.requests).to.deep.equal(
      [
        'GET /services/data',
        'POST /services/data/composite/batch',
        'POST /services/Soap/m readMetadata',
        'POST /services/data/composite',
        ...JWT_AND_QUERY,
      ].sort()
    );
    // Nothing to write: verify's reads came with the inspection.
    expect(again.steps).to.deep.equal([
      'create:done',
      'assign-psl:done',
      'grant:done',
      'preauthorize:done',
      'verify:applied',
    ]);
    expect(again.writes).to.equal(0);
    expect(again.failed).to.deep.equal([]);
    expect(again.requests).to.deep.equal(
      ['POST /services/data/composite/batch', 'POST /services/Soap/m readMetadata', ...JWT_AND_QUERY].sort()
    );
    // The org holds what the run made: the user, its PSL, the set, and the app listing the integration profile.
    const assigned = emulator!.query(
      `SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = '${USER}' AND PermissionSet.IsOwnedByProfile = false`
    );
    expect(assigned.map((a) => (a.PermissionSet as { Name: string }).Name)).to.deep.equal(['Account_Read']);
    const listed = emulator!.query(
      `SELECT Parent.Profile.Name FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication' AND Parent.IsOwnedByProfile = true`
    );
    expect(listed.map((r) => ((r.Parent as { Profile: { Name: string } }).Profile ?? {}).Name)).to.deep.equal([
      PROFILE,
    ]);
  });

  it('External Client App: the first run takes 10 requests (one retrieve, one deploy, no second inspection, no re-read after the deploy); a re-run 6', async () => {
    const [first, again] = await setupTwice('external');
    expect(first.steps).to.deep.equal([
      'create:applied',
      'assign-psl:applied',
      'grant:applied',
      'preauthorize:applied',
      'verify:applied',
    ]);
    expect(first.failed).to.deep.equal([]);
    expect(first.requests).to.deep.equal(
      [
        'GET /services/data',
        'POST /services/data/composite/batch',
        'POST /services/Soap/m readMetadata',
        'POST /services/Soap/m retrieve',
        'POST /services/Soap/m checkRetrieveStatus',
        'POST /services/data/composite',
        'POST /services/Soap/m deploy',
        'POST /services/Soap/m checkDeployStatus',
        ...JWT_AND_QUERY,
      ].sort()
    );
    expect(again.writes).to.equal(0);
    expect(again.failed).to.deep.equal([]);
    expect(again.requests).to.deep.equal(
      [
        'POST /services/data/composite/batch',
        'POST /services/Soap/m readMetadata',
        'POST /services/Soap/m retrieve',
        'POST /services/Soap/m checkRetrieveStatus',
        ...JWT_AND_QUERY,
      ].sort()
    );
    // The policy the deploy left, read back with another client: admin-approved, listing the integration profile.
    const files = await retrieveFiles(emulator!, ['ExtlClntAppOauthConfigurablePolicies']);
    const policies = Object.values(files);
    expect(policies).to.have.length(1);
    expect(policies[0]).to.contain(`<commaSeparatedProfile>${PROFILE}</commaSeparatedProfile>`);
    expect(policies[0]).to.contain('<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>');
  });

  it("a generated set as well: two collections leave no room for verify's reads in the write call (5 queries or collections at most), so verify reads on its own: 7", async () => {
    emulator = await withoutStress(() => startEmulator({ seed: seedWith('connected') }));
    const home = await homeLoggedInto(emulator);
    const generated = path.join(mkdtempSync(path.join(tmpdir(), 'piu-requests-')), 'spec.json');
    writeFileSync(
      generated,
      JSON.stringify({
        users: [
          {
            name: 'Bench Sync',
            email: 'it@acme.example',
            username: USER,
            permissionSets: ['Account_Read'],
            objects: ['Contact:read'],
            app: { name: 'Bench_Sync' },
            verify: { clientId: 'BENCHSYNCKEY1', jwtKeyFile: keys.keyFile },
          },
        ],
      })
    );
    const run = await runPlugin(['integration-user', 'setup', '--spec', generated, '-o', 'emu'], home);
    expect(run.exitCode, run.stdout).to.equal(0);
    const write = emulator.requests.find((r) => r.path.endsWith('/composite'));
    const heavy = write?.subrequests?.filter((s) => /\/composite\/sobjects|\/query/.test(s.url)) ?? [];
    expect(heavy.map((s) => s.method)).to.deep.equal(['POST', 'POST']);
    expect(shapes(emulator, 0)).to.deep.equal(
      [
        'GET /services/data',
        'POST /services/data/composite/batch',
        'POST /services/Soap/m readMetadata',
        'POST /services/data/composite',
        'POST /services/data/composite/batch',
        ...JWT_AND_QUERY,
      ].sort()
    );
    const [user] = (run.json.result as { users: Array<{ verify: { checks: Array<{ status: string }> } }> }).users;
    expect(user.verify.checks.filter((c) => c.status === 'fail')).to.deep.equal([]);
  });

  it('the five commands one after another take 14 requests: each command reads before it writes', async () => {
    emulator = await withoutStress(() => startEmulator({ seed: seedWith('connected') }));
    const home = await homeLoggedInto(emulator);
    const commands = [
      ['create', '-n', 'Bench Sync', '-e', 'it@acme.example', '-u', USER],
      ['assign-psl', '-u', USER],
      ['grant', '-u', USER, '-p', 'Account_Read'],
      ['preauthorize', '--app', 'Bench_Sync'],
      ['verify', '-u', USER, '--app', 'Bench_Sync', '--client-id', 'BENCHSYNCKEY1', '--jwt-key-file', keys.keyFile],
    ];
    const counts: number[] = [];
    for (const args of commands) {
      const from = emulator.requests.length;
      const run = await runPlugin(['integration-user', ...args, '-o', 'emu'], home);
      expect(run.exitCode, `${args[0]}: ${run.stdout}`).to.equal(0);
      counts.push(emulator.requests.length - from);
    }
    // sf's version lookup once (then cached); create, assign-psl and grant: an inspection and a write;
    // preauthorize: inspection + readMetadata and a write; verify: a read batch + readMetadata, JWT, query.
    expect(counts).to.deep.equal([3, 2, 2, 3, 4]);
  });

  it("after the pipeline's own `sf org login jwt` (which does sf's version lookup and caches it a day), setup takes 5 requests", async () => {
    const seed = seedWith('connected');
    // The admin's way in: an app that pre-authorizes System Administrator, signed with the same key.
    seed.connectedApps!.push({
      name: 'Pipeline_CLI',
      label: 'Pipeline CLI',
      consumerKey: 'PIPELINECLIKEY',
      certificate: keys.certificate,
      adminApproved: true,
      profiles: ['System Administrator'],
      permissionSets: [],
    });
    emulator = await withoutStress(() => startEmulator({ seed }));
    const home = await makeHome();
    const admin = { clientId: 'PIPELINECLIKEY', username: emulator.adminUsername, privateKey: keys.privateKey };
    // Never let sf attempt a login the emulator would refuse: it would retry against Salesforce's hosts.
    expect((await exchangeJwt({ ...admin, loginUrl: `${emulator.instanceUrl}/` })).ok).to.equal(true);
    const login = await runSf(
      [
        'org',
        'login',
        'jwt',
        '--username',
        admin.username,
        '--jwt-key-file',
        keys.keyFile,
        '--client-id',
        admin.clientId,
        '--instance-url',
        emulator.instanceUrl,
        '--alias',
        'emu',
        '--json',
      ],
      { home }
    );
    expect(login.exitCode, login.stderr).to.equal(0);
    expect(shapes(emulator, 0)).to.include('GET /services/data');
    const from = emulator.requests.length;
    const run = await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu'], home);
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(shapes(emulator, from)).to.deep.equal(
      [
        'POST /services/data/composite/batch',
        'POST /services/Soap/m readMetadata',
        'POST /services/data/composite',
        ...JWT_AND_QUERY,
      ].sort()
    );
    const [user] = (run.json.result as { users: Array<{ verify: { checks: Array<{ status: string }> } }> }).users;
    expect(user.verify.checks.filter((c) => c.status === 'fail')).to.deep.equal([]);
  });
});
