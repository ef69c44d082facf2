import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { retrieveFiles } from '../helpers/metadata.js';
import { homeLoggedInto, runPlugin, writesSince } from '../helpers/plugin.js';

// An External Client App's pre-authorization lists live in its OAuth policy (ExtlClntAppOauthConfigurablePolicies
// commaSeparatedProfile / commaSeparatedPermissionSet), written whole by a deploy: setup --prune and retire take
// entries out of them in the one retrieve and deploy each already makes. commaSeparatedPermissionSet holds set
// names or Ids (unsettled: the emulator's ecaPermsetMatch), so every test runs under each value of the switch.

/**
 * The org as ecaPermsetMatch makes it: 'name' and 'id' store and match names or Ids; under 'both' the policies hold
 * Ids (seeded as an org that matches Ids stores them) and the org takes either.
 */
const MODES = ['name', 'id', 'both'] as const;
type Mode = (typeof MODES)[number];
async function start(seed: Seed, mode: Mode): Promise<Emulator> {
  const emulator = await startEmulator({
    seed: { ...seed, behaviour: { ...seed.behaviour, ecaPermsetMatch: mode === 'both' ? 'id' : mode } },
  });
  if (mode === 'both') emulator.setBehaviour({ ecaPermsetMatch: 'both' });
  return emulator;
}

/** A commaSeparatedPermissionSet as the org holds it under `mode`: these set names, or their Ids. */
function stored(emulator: Emulator, mode: Mode, names: string): string {
  if (mode === 'name' || !names) return names;
  const ids = new Map(
    emulator.query<{ Id: string; Name: string }>('SELECT Id, Name FROM PermissionSet').map((r) => [r.Name, r.Id])
  );
  return names
    .split(',')
    .map((n) => ids.get(n) ?? n)
    .join(',');
}

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = "o'brien.sync@acme.example";
const OUTSIDE = "dana.o'neil@acme.example";

/** The policy lists of every External Client App, read back from the org with a retrieve. */
async function policyLists(emulator: Emulator): Promise<Record<string, { profiles: string; sets: string }>> {
  const files = await retrieveFiles(emulator, ['ExtlClntAppOauthConfigurablePolicies']);
  const element = (xml: string, name: string): string =>
    new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1].replace(/&apos;/g, "'") ?? '';
  return Object.fromEntries(
    Object.values(files).map((xml) => [
      element(xml, 'externalClientApplication'),
      { profiles: element(xml, 'commaSeparatedProfile'), sets: element(xml, 'commaSeparatedPermissionSet') },
    ])
  );
}

/** Metadata API calls since `from`, by operation (retrieve, deploy). */
const metadataCalls = (emulator: Emulator, from: number): Record<string, number> => {
  const calls: Record<string, number> = {};
  for (const r of emulator.requests.slice(from))
    if (r.soapOperation === 'retrieve' || r.soapOperation === 'deploy')
      calls[r.soapOperation] = (calls[r.soapOperation] ?? 0) + 1;
  return calls;
};

/**
 * The spec's user lists Account_Read and Case_Read, and its app pre-authorizes it by Account_Read: the app's policy
 * lists Case_Read too, a set of the spec's that no spec user of the app asks the app for. Ops_Read is no set of the
 * spec's: never touched. The integration profile stays (preauthorize lists a user's profile with its sets).
 */
const setupSeed = (outsideUser: boolean): Seed => ({
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Case_Read', label: "O'Brien's Case Read", license: null, objects: { Case: ['read'] } },
    { name: 'Ops_Read', label: 'Ops Read', license: null, objects: { Contact: ['read'] } },
  ],
  users: outsideUser
    ? [
        {
          username: OUTSIDE,
          firstName: 'Dana',
          lastName: "O'Neil",
          profile: 'Standard User',
          permissionSets: ['Case_Read'],
        },
      ]
    : [],
  externalClientApps: [
    {
      name: 'Billing_Sync',
      label: "O'Brien Billing Sync",
      consumerKey: 'BILLINGSYNCKEY1',
      permittedUsers: 'AdminApprovedPreAuthorized',
      profiles: [PROFILE],
      permissionSets: ['Account_Read', 'Case_Read', 'Ops_Read'],
      // A person on a full license who uses the app through Case_Read alone.
      oauthTokens: outsideUser ? [{ username: OUTSIDE }] : [],
    },
  ],
});

function specFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'piu-eca-prune-')), 'integration-users.yaml');
  writeFileSync(
    file,
    `users:\n  - name: O'Brien Sync\n    email: it@acme.example\n    username: "${USER}"\n    permissionSets: [Account_Read, Case_Read]\n    app: { name: Billing_Sync, preauthorize: permission-set, permissionSets: [Account_Read] }\n`
  );
  return file;
}

for (const mode of MODES)
  describe(`end to end through bin/run.js: setup --prune on an External Client App's policy lists (ecaPermsetMatch ${mode})`, function () {
    this.timeout(180_000);
    let emulator: Emulator | undefined;
    afterEach(() => emulator?.stop());

    it('plans the removals, removes them in the one deploy setup makes (one retrieve), --check exits 0 after, a re-run writes nothing', async () => {
      emulator = await start(setupSeed(false), mode);
      const home = await homeLoggedInto(emulator);
      const spec = specFile();
      const setup = (...flags: string[]) =>
        runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu', '--no-prompt', ...flags], home);

      expect((await setup()).exitCode).to.equal(0);
      // Without --prune the extras stay.
      expect((await policyLists(emulator)).Billing_Sync).to.deep.equal({
        profiles: PROFILE,
        sets: stored(emulator, mode, 'Account_Read,Case_Read,Ops_Read'),
      });

      let from = emulator.requests.length;
      const check = await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu', '--check'], home);
      expect([check.exitCode, check.json.status]).to.deep.equal([2, 2]);
      const differences = (check.json.result?.check as { differences: Array<Record<string, string>> }).differences;
      expect(differences.map((d) => [d.step, d.difference, d.fix])).to.deep.equal([
        [
          'preauthorize',
          'the app Billing_Sync pre-authorizes the permission set Case_Read, which no spec user of it asks for',
          `sf integration-user setup --spec ${spec} --prune --target-org emu`,
        ],
      ]);
      expect(writesSince(emulator, from)).to.equal(0);

      from = emulator.requests.length;
      const dry = await setup('--prune', '--dry-run');
      expect([dry.exitCode, dry.json.status]).to.deep.equal([0, 0]);
      const [dryUser] = dry.json.result?.users as Array<{ removals?: unknown; steps: Array<Record<string, string>> }>;
      expect(dryUser.removals).to.deep.equal([
        { type: 'PermissionSet', name: 'Case_Read', app: 'Billing_Sync', status: 'would-remove' },
      ]);
      expect(dryUser.steps.find((s) => s.name === 'preauthorize')).to.deep.equal({
        name: 'preauthorize',
        status: 'todo',
        message: `Billing_Sync: already pre-authorized; would remove Case_Read (not in the spec)`,
      });
      expect(writesSince(emulator, from)).to.equal(0);

      from = emulator.requests.length;
      const pruned = await setup('--prune');
      expect([pruned.exitCode, pruned.json.status]).to.deep.equal([0, 0]);
      expect((pruned.json.result?.users as Array<{ removals?: unknown }>)[0].removals).to.deep.equal([
        { type: 'PermissionSet', name: 'Case_Read', app: 'Billing_Sync', status: 'removed' },
      ]);
      // The policy read once (the plan's retrieve) and written once; no token for the app: the lock-out query finds none.
      expect(metadataCalls(emulator, from)).to.deep.equal({ retrieve: 1, deploy: 1 });
      expect((await policyLists(emulator)).Billing_Sync).to.deep.equal({
        profiles: PROFILE,
        sets: stored(emulator, mode, 'Account_Read,Ops_Read'),
      });

      const clean = await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu', '--check'], home);
      expect([clean.exitCode, clean.json.status]).to.deep.equal([0, 0]);
      from = emulator.requests.length;
      const again = await setup('--prune');
      expect(again.exitCode).to.equal(0);
      expect((again.json.result?.users as Array<{ removals?: unknown }>)[0].removals).to.equal(undefined);
      expect(writesSince(emulator, from)).to.equal(0);
      expect(metadataCalls(emulator, from)).to.deep.equal({ retrieve: 1 });
    });

    it('keeps and names every entry when a user outside the spec would be on none of the lists; --check names them without a fix', async () => {
      emulator = await start(setupSeed(true), mode);
      const home = await homeLoggedInto(emulator);
      const spec = specFile();
      const setup = (...flags: string[]) =>
        runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu', '--no-prompt', ...flags], home);
      expect((await setup()).exitCode).to.equal(0);
      const reason = `kept: the app's users ${OUTSIDE} would be on none of its lists (add them to the spec, or pre-authorize them another way first)`;

      const check = await runPlugin(['integration-user', 'setup', '--spec', spec, '-o', 'emu', '--check'], home);
      expect([check.exitCode, check.json.status]).to.deep.equal([2, 2]);
      const differences = (check.json.result?.check as { differences: Array<Record<string, string>> }).differences;
      expect(differences).to.deep.equal([
        {
          user: USER,
          at: 'users[0]',
          step: 'preauthorize',
          difference: `the app Billing_Sync pre-authorizes the permission set Case_Read, which no spec user of it asks for; ${reason}`,
        },
      ]);

      const from = emulator.requests.length;
      const pruned = await setup('--prune');
      expect([pruned.exitCode, pruned.json.status]).to.deep.equal([0, 0]);
      expect((pruned.json.result?.users as Array<{ removals?: unknown }>)[0].removals).to.deep.equal([
        { type: 'PermissionSet', name: 'Case_Read', app: 'Billing_Sync', status: 'kept', reason },
      ]);
      expect(writesSince(emulator, from)).to.equal(0);
      expect(metadataCalls(emulator, from)).to.deep.equal({ retrieve: 1 });
      expect((await policyLists(emulator)).Billing_Sync).to.deep.equal({
        profiles: PROFILE,
        sets: stored(emulator, mode, 'Account_Read,Case_Read,Ops_Read'),
      });
    });
  });

for (const mode of MODES)
  describe(`end to end through bin/run.js: setup --prune on an External Client App that runs as its spec user (app.runAs) (ecaPermsetMatch ${mode})`, function () {
    this.timeout(180_000);
    let emulator: Emulator | undefined;
    after(() => emulator?.stop());

    it('the plan made again when it writes takes the extras out in its one deploy; a re-run writes nothing', async () => {
      const base = setupSeed(false);
      const [eca] = base.externalClientApps ?? [];
      emulator = await start(
        {
          ...base,
          users: [
            {
              username: USER,
              firstName: 'Aoife',
              lastName: "O'Brien",
              profile: PROFILE,
              permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
              permissionSets: ['Account_Read', 'Case_Read'],
            },
          ],
          externalClientApps: [{ ...eca, runAs: USER, clientCredentialsFlow: true }],
        },
        mode
      );
      const home = await homeLoggedInto(emulator);
      const file = specFile();
      writeFileSync(
        file,
        `users:\n  - name: O'Brien Sync\n    email: it@acme.example\n    username: "${USER}"\n    permissionSets: [Account_Read, Case_Read]\n    app: { name: Billing_Sync, preauthorize: permission-set, permissionSets: [Account_Read], runAs: true }\n`
      );
      const setup = (...flags: string[]) =>
        runPlugin(['integration-user', 'setup', '--spec', file, '-o', 'emu', '--no-prompt', ...flags], home);

      let from = emulator.requests.length;
      const dry = await setup('--prune', '--dry-run');
      expect((dry.json.result?.users as Array<{ removals?: unknown }>)[0].removals).to.deep.equal([
        { type: 'PermissionSet', name: 'Case_Read', app: 'Billing_Sync', status: 'would-remove' },
      ]);
      expect(writesSince(emulator, from)).to.equal(0);

      from = emulator.requests.length;
      const pruned = await setup('--prune');
      expect([pruned.exitCode, pruned.json.status]).to.deep.equal([0, 0]);
      expect((pruned.json.result?.users as Array<{ removals?: unknown }>)[0].removals).to.deep.equal([
        { type: 'PermissionSet', name: 'Case_Read', app: 'Billing_Sync', status: 'removed' },
      ]);
      // The plan's retrieve, the one made again when it writes (as without --prune), and verify's; one deploy.
      expect(metadataCalls(emulator, from)).to.deep.equal({ retrieve: 3, deploy: 1 });
      expect((await policyLists(emulator)).Billing_Sync).to.deep.equal({
        profiles: PROFILE,
        sets: stored(emulator, mode, 'Account_Read,Ops_Read'),
      });

      from = emulator.requests.length;
      const again = await setup('--prune');
      expect([again.exitCode, (again.json.result?.users as Array<{ removals?: unknown }>)[0].removals]).to.deep.equal([
        0,
        undefined,
      ]);
      expect(writesSince(emulator, from)).to.equal(0);
    });
  });

const RETIRING = 'obrien-sync@acme.example';
const retireSeed: Seed = {
  permissionSets: [
    { name: 'OBrien_Sync_Access', label: "O'Brien Sync Access", license: null, objects: { Account: ['read'] } },
    { name: 'Shared_Api', label: 'Shared API', license: null, objects: { Contact: ['read'] } },
    { name: 'Ops_Read', label: 'Ops Read', license: null, objects: { Case: ['read'] } },
  ],
  users: [
    {
      username: RETIRING,
      firstName: 'Aoife',
      lastName: "O'Brien",
      profile: PROFILE,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
      permissionSets: ['OBrien_Sync_Access', 'Shared_Api'],
    },
    // A person on another profile who relies on Shared_Api.
    {
      username: OUTSIDE,
      firstName: 'Dana',
      lastName: "O'Neil",
      profile: 'Standard User',
      permissionSets: ['Shared_Api'],
    },
  ],
  externalClientApps: [
    {
      name: 'OBrien_Sync',
      label: "O'Brien Sync Connector",
      consumerKey: 'OBRIENSYNCKEY1',
      permittedUsers: 'AdminApprovedPreAuthorized',
      profiles: [PROFILE],
      permissionSets: ['OBrien_Sync_Access', 'Shared_Api', 'Ops_Read'],
      oauthTokens: [{ username: RETIRING }, { username: OUTSIDE }],
    },
    {
      // Its client credentials flow runs as the user: the same deploy stops it and takes the user off its list.
      name: 'Ledger_Feed',
      label: "Ledger Feed (O'Brien)",
      consumerKey: 'LEDGERFEEDKEY1',
      permittedUsers: 'AdminApprovedPreAuthorized',
      permissionSets: ['OBrien_Sync_Access'],
      runAs: RETIRING,
    },
  ],
};

for (const mode of MODES)
  describe(`end to end through bin/run.js: retire takes the user out of External Client Apps' policy lists (ecaPermsetMatch ${mode})`, function () {
    this.timeout(180_000);
    let emulator: Emulator | undefined;
    afterEach(() => emulator?.stop());
    const retire = ['integration-user', 'retire', '--username', RETIRING, '-o', 'emu', '--no-prompt'];
    const removed = [
      { app: "Ledger Feed (O'Brien)", permissionSet: 'OBrien_Sync_Access' },
      { app: "O'Brien Sync Connector", profile: PROFILE },
      { app: "O'Brien Sync Connector", permissionSet: 'OBrien_Sync_Access' },
    ];
    const kept = [{ app: "O'Brien Sync Connector", permissionSet: 'Shared_Api', otherUsers: 1 }];
    const listsBefore = (org: Emulator): Record<string, { profiles: string; sets: string }> => ({
      Ledger_Feed: { profiles: '', sets: stored(org, mode, 'OBrien_Sync_Access') },
      OBrien_Sync: { profiles: PROFILE, sets: stored(org, mode, 'OBrien_Sync_Access,Shared_Api,Ops_Read') },
    });
    const pick = (result: Record<string, unknown> | undefined): Record<string, unknown> => ({
      status: result?.status,
      runAsStopped: result?.runAsStopped,
      appAccessRemoved: result?.appAccessRemoved,
      appAccessKept: result?.appAccessKept,
      deactivated: result?.deactivated,
    });

    it('plans the entries, removes them with the run-as stop in one retrieve and one deploy, keeps the shared set; a re-run writes nothing', async () => {
      emulator = await start(retireSeed, mode);
      const home = await homeLoggedInto(emulator);

      let from = emulator.requests.length;
      const dry = await runPlugin([...retire, '--dry-run'], home);
      expect([dry.exitCode, dry.json.status]).to.deep.equal([0, 0]);
      expect(pick(dry.json.result)).to.deep.equal({
        status: 'would-retire',
        runAsStopped: [{ app: "Ledger Feed (O'Brien)", kind: 'ExternalClientApplication' }],
        appAccessRemoved: removed,
        appAccessKept: kept,
        deactivated: true,
      });
      expect(writesSince(emulator, from)).to.equal(0);
      expect(metadataCalls(emulator, from)).to.deep.equal({ retrieve: 1 });
      expect(await policyLists(emulator)).to.deep.equal(listsBefore(emulator));

      from = emulator.requests.length;
      const run = await runPlugin(retire, home);
      expect([run.exitCode, run.json.status]).to.deep.equal([0, 0]);
      expect(pick(run.json.result)).to.deep.equal({
        status: 'retired',
        runAsStopped: [{ app: "Ledger Feed (O'Brien)", kind: 'ExternalClientApplication' }],
        appAccessRemoved: removed,
        appAccessKept: kept,
        deactivated: true,
      });
      expect(metadataCalls(emulator, from)).to.deep.equal({ retrieve: 1, deploy: 1 });
      expect(await policyLists(emulator)).to.deep.equal({
        Ledger_Feed: { profiles: '', sets: '' },
        OBrien_Sync: { profiles: '', sets: stored(emulator, mode, 'Shared_Api,Ops_Read') },
      });
      // The other user keeps the set the app lists for it.
      expect(
        emulator
          .query<{ PermissionSet: { Name: string } }>(
            `SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = 'dana.o\\'neil@acme.example' AND PermissionSet.IsOwnedByProfile = false`
          )
          .map((r) => r.PermissionSet.Name)
      ).to.deep.equal(['Shared_Api']);

      from = emulator.requests.length;
      const again = await runPlugin(retire, home);
      expect([again.exitCode, again.json.result?.status]).to.deep.equal([0, 'already-retired']);
      expect(writesSince(emulator, from)).to.equal(0);
      expect(metadataCalls(emulator, from)).to.deep.equal({ retrieve: 1 });
    });

    it("--keep-assignments leaves the policy lists as they are, as it leaves connected apps' lists", async () => {
      emulator = await start({ ...retireSeed, externalClientApps: retireSeed.externalClientApps?.slice(0, 1) }, mode);
      const home = await homeLoggedInto(emulator);
      const from = emulator.requests.length;
      const run = await runPlugin([...retire, '--keep-assignments'], home);
      expect([run.exitCode, run.json.status]).to.deep.equal([0, 0]);
      expect(pick(run.json.result)).to.deep.equal({
        status: 'retired',
        runAsStopped: [],
        appAccessRemoved: [],
        appAccessKept: [],
        deactivated: true,
      });
      expect(metadataCalls(emulator, from)).to.deep.equal({ retrieve: 1 });
      expect(await policyLists(emulator)).to.deep.equal({ OBrien_Sync: listsBefore(emulator).OBrien_Sync });
    });
  });
