import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { retrieveFiles } from '../helpers/metadata.js';
import { homeLoggedInto, runPlugin, writesSince } from '../helpers/plugin.js';

// An External Client App policy's commaSeparatedPermissionSet holds "Permission set IDs" (Metadata API reference) or
// API names (Salesforce's sample, a live org): unsettled, the emulator's ecaPermsetMatch. preauthorize -p, verify
// --app, list and export under each value (setup and retire: eca-lists.test.ts): results name sets by API name,
// and the policy keeps the form it had.

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = "aoife.o'brien@acme.example";
const MODES = ['name', 'id', 'both'] as const;
type Mode = (typeof MODES)[number];

const seed: Seed = {
  permissionSets: [
    { name: 'Ledger_Access', label: "O'Brien's Ledger Access", license: null, objects: { Account: ['read'] } },
    { name: 'Ops_Read', label: 'Ops Read', license: null, objects: { Case: ['read'] } },
  ],
  users: [
    {
      username: USER,
      firstName: 'Aoife',
      lastName: "O'Brien",
      profile: PROFILE,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
      permissionSets: ['Ledger_Access'],
    },
  ],
  externalClientApps: [
    {
      // Pre-authorizes the user by Ledger_Access already.
      name: 'Ledger_Feed',
      label: "Ledger Feed (O'Brien)",
      consumerKey: 'LEDGERFEEDKEY1',
      permittedUsers: 'AdminApprovedPreAuthorized',
      permissionSets: ['Ops_Read', 'Ledger_Access'],
    },
    {
      name: 'Ledger_Sync',
      label: "O'Brien's Ledger Sync",
      consumerKey: 'LEDGERSYNCKEY1',
      permittedUsers: 'AdminApprovedPreAuthorized',
      permissionSets: ['Ops_Read'],
    },
    {
      // No set listed: what form the org wants shows only when a write is refused.
      name: 'Empty_Feed',
      label: "Empty Feed (O'Brien)",
      consumerKey: 'EMPTYFEEDKEY1',
      permittedUsers: 'AdminApprovedPreAuthorized',
    },
  ],
};

/** ecaPermsetMatch 'both': the policies hold Ids (seeded as an org that matches Ids stores them), the org takes either. */
async function start(mode: Mode): Promise<Emulator> {
  const emulator = await startEmulator({
    seed: { ...seed, behaviour: { ecaPermsetMatch: mode === 'both' ? 'id' : mode } },
  });
  if (mode === 'both') emulator.setBehaviour({ ecaPermsetMatch: 'both' });
  return emulator;
}

/** Each policy's commaSeparatedPermissionSet, read back with a retrieve. */
async function policySets(emulator: Emulator): Promise<Record<string, string>> {
  const files = await retrieveFiles(emulator, ['ExtlClntAppOauthConfigurablePolicies']);
  const element = (xml: string, name: string): string => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';
  return Object.fromEntries(
    Object.values(files).map((xml) => [
      element(xml, 'externalClientApplication'),
      element(xml, 'commaSeparatedPermissionSet'),
    ])
  );
}

/** These set names as the org holds them: names, or (asIds) their Ids. */
function stored(emulator: Emulator, asIds: boolean, names: string): string {
  if (!asIds) return names;
  const ids = new Map(
    emulator.query<{ Id: string; Name: string }>('SELECT Id, Name FROM PermissionSet').map((r) => [r.Name, r.Id])
  );
  return names
    .split(',')
    .map((n) => ids.get(n) ?? n)
    .join(',');
}

/** Requests since `from`: every one, the retrieves and deploys, and the reads of sets by Id or name for a policy. */
const calls = (emulator: Emulator, from: number): Record<string, number> => {
  const counts: Record<string, number> = { requests: 0, retrieve: 0, deploy: 0, setLookups: 0 };
  for (const r of emulator.requests.slice(from)) {
    counts.requests++;
    if (r.soapOperation === 'retrieve' || r.soapOperation === 'deploy') counts[r.soapOperation]++;
    if ([r.soql ?? []].flat().some((q) => /^SELECT Id, Name FROM PermissionSet WHERE (Id|Name) IN/.test(q)))
      counts.setLookups++;
  }
  return counts;
};

for (const mode of MODES)
  describe(`end to end through bin/run.js: External Client App policies listing set names or Ids (ecaPermsetMatch ${mode})`, function () {
    this.timeout(180_000);
    let emulator: Emulator | undefined;
    afterEach(() => emulator?.stop());
    const asIds = mode !== 'name';

    it('verify --app, list and export read the policy as set names (one lookup of the Ids each, none for names)', async () => {
      emulator = await start(mode);
      const home = await homeLoggedInto(emulator);
      const plugin = (...args: string[]): ReturnType<typeof runPlugin> => runPlugin([...args, '-o', 'emu'], home);
      const from = emulator.requests.length;

      const verified = await plugin('integration-user', 'verify', '-u', USER, '--app', 'Ledger_Feed');
      expect([verified.exitCode, verified.json.status]).to.deep.equal([0, 0]);
      const checks = (verified.json.result as { checks: Array<Record<string, string>> }).checks;
      expect(checks.find((c) => c.name === 'app')).to.deep.equal({
        name: 'app',
        status: 'pass',
        message: `Ledger_Feed is admin-approved and pre-authorizes ${USER}.`,
      });

      const listed = await plugin('integration-user', 'list');
      expect(listed.exitCode).to.equal(0);
      const users = (listed.json.result as { users: Array<Record<string, unknown>> }).users;
      expect(users.map((u) => [u.username, u.permissionSets, u.apps])).to.deep.equal([
        [USER, ['Ledger_Access'], ['Ledger_Feed']],
      ]);

      const exported = await plugin('integration-user', 'export', '-u', USER);
      expect(exported.exitCode).to.equal(0);
      expect((exported.json.result as { spec: unknown }).spec).to.deep.equal({
        users: [
          {
            name: "Aoife O'Brien",
            email: USER,
            username: USER,
            alias: 'aoifeobr',
            permissionSets: ['Ledger_Access'],
            app: { name: 'Ledger_Feed', preauthorize: 'permission-set', permissionSets: ['Ledger_Access'] },
          },
        ],
      });
      expect(writesSince(emulator, from)).to.equal(0);
      expect(calls(emulator, from).setLookups).to.equal(asIds ? 3 : 0);
    });

    it('preauthorize -p adds the set in the form the policy lists (its Id from the inspection); a re-run writes nothing', async () => {
      emulator = await start(mode);
      const home = await homeLoggedInto(emulator);
      const preauthorize = [
        'integration-user',
        'preauthorize',
        '--app',
        'Ledger_Sync',
        '-p',
        'Ledger_Access',
        '-u',
        USER,
        '--no-prompt',
        '-o',
        'emu',
      ];
      const result = (changed: boolean): Record<string, unknown> => ({
        app: 'Ledger_Sync',
        appType: 'ExternalClientApplication',
        policy: 'AdminApprovedPreAuthorized',
        previousPolicy: 'AdminApprovedPreAuthorized',
        profiles: [PROFILE],
        permissionSets: ['Ops_Read', 'Ledger_Access'],
        added: changed
          ? { profiles: [PROFILE], permissionSets: ['Ledger_Access'] }
          : { profiles: [], permissionSets: [] },
        changed,
        created: false,
        dryRun: false,
        usersLosingAccess: [],
      });
      let from = emulator.requests.length;
      const run = await runPlugin(preauthorize, home);
      expect([run.exitCode, run.json.status]).to.deep.equal([0, 0]);
      expect(run.json.result).to.deep.equal(result(true));
      // Ids: one lookup of the Ids read (Ops_Read); Ledger_Access's Id comes from the inspection.
      expect(calls(emulator, from)).to.deep.equal(
        asIds
          ? { requests: 8, retrieve: 1, deploy: 1, setLookups: 1 }
          : { requests: 7, retrieve: 1, deploy: 1, setLookups: 0 }
      );
      expect(await policySets(emulator)).to.deep.include({
        Ledger_Sync: stored(emulator, asIds, 'Ops_Read,Ledger_Access'),
      });

      from = emulator.requests.length;
      const again = await runPlugin(preauthorize, home);
      expect([again.exitCode, again.json.result]).to.deep.equal([0, result(false)]);
      expect(writesSince(emulator, from)).to.equal(0);
    });

    it('preauthorize -p on an empty list writes names; an org that refuses names gets the same deploy once with Ids', async () => {
      emulator = await start(mode);
      const home = await homeLoggedInto(emulator);
      const from = emulator.requests.length;
      const run = await runPlugin(
        [
          'integration-user',
          'preauthorize',
          '--app',
          'Empty_Feed',
          '-p',
          'Ledger_Access',
          '-u',
          USER,
          '--no-prompt',
          '-o',
          'emu',
        ],
        home
      );
      expect([run.exitCode, run.json.status]).to.deep.equal([0, 0]);
      expect(run.json.result).to.deep.equal({
        app: 'Empty_Feed',
        appType: 'ExternalClientApplication',
        policy: 'AdminApprovedPreAuthorized',
        previousPolicy: 'AdminApprovedPreAuthorized',
        profiles: [PROFILE],
        permissionSets: ['Ledger_Access'],
        added: { profiles: [PROFILE], permissionSets: ['Ledger_Access'] },
        changed: true,
        created: false,
        dryRun: false,
        usersLosingAccess: [],
      });
      // 'both' takes the names; 'id' refuses them (nothing written) and takes the Ids: one more deploy and its poll.
      expect(calls(emulator, from)).to.deep.equal(
        mode === 'id'
          ? { requests: 9, retrieve: 1, deploy: 2, setLookups: 0 }
          : { requests: 7, retrieve: 1, deploy: 1, setLookups: 0 }
      );
      expect(await policySets(emulator)).to.deep.include({
        Empty_Feed: stored(emulator, mode === 'id', 'Ledger_Access'),
      });
    });
  });
