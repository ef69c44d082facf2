import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import IntegrationUserSetup from '../../src/commands/integration-user/setup.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { adminConnection } from '../helpers/metadata.js';
import type { Seed } from '../emulator/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'piu-prune-'));
const PROFILE = 'Minimum Access - API Only Integrations';
const USER = 'bench-sync@acme.example';
const OTHER = "o'brien.sync@acme.example";
const seed: Seed = {
  records: { Account: [{ Name: 'Acme' }] },
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Case_Read', label: "O'Brien's Case Read", license: null, objects: { Case: ['read'] } },
    { name: 'Lead_Read', label: 'Lead Read', license: null, objects: { Lead: ['read'] } },
  ],
  permissionSetGroups: [{ name: 'Ops_Group', label: 'Ops Group', permissionSets: ['Lead_Read'] }],
  // A user outside the spec who holds the same set: pruning the spec's user never touches it.
  users: [{ username: OTHER, lastName: "O'Brien", profile: PROFILE, permissionSets: ['Case_Read'] }],
};
const spec = `users:
  - name: Bench Sync
    email: it@acme.example
    username: ${USER}
    permissionSets: [Account_Read]
    objects: ["Account:read"]
`;

describe('integration-user setup --prune', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const file = path.join(dir, 'prune.yaml');
  writeFileSync(file, spec);

  const run = async (...flags: string[]) => {
    ctx.emulator.clearRequests();
    return ctx.run(IntegrationUserSetup, ['--spec', file, '--json', ...flags]);
  };
  const logs = (): string[] => ctx.ux.log.getCalls().map((c) => String(c.args[0]));
  const assigned = (username: string): string[] =>
    ctx.emulator
      .query<{ PermissionSet: { Name: string } | null; PermissionSetGroup: { DeveloperName: string } | null }>(
        `SELECT PermissionSet.Name, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE Assignee.Username = '${username.replace(/'/g, "\\'")}' AND PermissionSet.IsOwnedByProfile = false`
      )
      .map((r) => r.PermissionSetGroup?.DeveloperName ?? r.PermissionSet?.Name ?? '')
      .sort();

  /** The spec applied, then Case_Read and Ops_Group assigned by hand and Account_Read taken away by hand. */
  const drifted = async (): Promise<void> => {
    await ctx.start(seed);
    expect((await run()).exitCode).to.equal(0);
    const conn = adminConnection(ctx.emulator);
    const [user] = ctx.emulator.query<{ Id: string }>(`SELECT Id FROM User WHERE Username = '${USER}'`);
    const idOf = (soql: string): string => ctx.emulator.query<{ Id: string }>(soql)[0].Id;
    await conn.sobject('PermissionSetAssignment').create([
      { AssigneeId: user.Id, PermissionSetId: idOf("SELECT Id FROM PermissionSet WHERE Name = 'Case_Read'") },
      {
        AssigneeId: user.Id,
        PermissionSetGroupId: idOf("SELECT Id FROM PermissionSetGroup WHERE DeveloperName = 'Ops_Group'"),
      },
    ]);
    await conn
      .sobject('PermissionSetAssignment')
      .destroy(
        idOf(
          `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '${user.Id}' AND PermissionSet.Name = 'Account_Read'`
        )
      );
  };

  it('without --prune: the missing set is added, the extras are left alone', async () => {
    await drifted();
    expect((await run()).exitCode).to.equal(0);
    expect(assigned(USER)).to.deep.equal(['Account_Read', 'Bench_Sync_Integration', 'Case_Read', 'Ops_Group']);
  });

  it('--dry-run --prune names each removal as "would remove" (JSON and human) and writes nothing', async () => {
    await drifted();
    const { exitCode, result } = await run('--prune', '--dry-run');
    expect(exitCode).to.equal(0);
    expect(ctx.writes).to.equal(0);
    expect(result?.users[0].removals).to.deep.equal([
      { type: 'PermissionSet', name: 'Case_Read', status: 'would-remove' },
      { type: 'PermissionSetGroup', name: 'Ops_Group', status: 'would-remove' },
    ]);
    const grant = result?.users[0].steps.find((s) => s.name === 'grant');
    expect(grant?.status).to.equal('todo');
    expect(grant?.message).to.match(/; would remove Case_Read, Ops_Group \(not in the spec\)$/);
    // The human plan says the same.
    ctx.ux.log.resetHistory();
    await ctx.run(IntegrationUserSetup, ['--spec', file, '--prune', '--dry-run']);
    expect(logs().some((line) => /grant .*would remove Case_Read, Ops_Group \(not in the spec\)/.test(line))).to.equal(
      true
    );
  });

  it('--prune: removals and the addition in one write call, other users untouched, a re-run writes nothing, --check exits 0', async () => {
    await drifted();
    const { exitCode, result } = await run('--prune');
    expect(exitCode).to.equal(0);
    expect(result?.users[0].removals).to.deep.equal([
      { type: 'PermissionSet', name: 'Case_Read', status: 'removed' },
      { type: 'PermissionSetGroup', name: 'Ops_Group', status: 'removed' },
    ]);
    // One write request: the composite call holding the new assignment and the collection DELETE.
    const writing = ctx.emulator.requests.filter((r) => r.writes > 0);
    expect(writing.map((r) => [r.path.replace(/^\/services\/data\/v[\d.]+/, ''), r.writes])).to.deep.equal([
      ['/composite', 3],
    ]);
    expect(assigned(USER)).to.deep.equal(['Account_Read', 'Bench_Sync_Integration']);
    expect(assigned(OTHER)).to.deep.equal(['Case_Read']);

    const again = await run('--prune');
    expect(again.exitCode).to.equal(0);
    expect(ctx.writes).to.equal(0);
    expect(again.result?.users[0].removals).to.equal(undefined);
    const check = await run('--check');
    expect(check.exitCode).to.equal(0);
    expect(check.result?.check).to.deep.equal({ inSync: true, differences: [] });
  });

  it('--prune with --check: a usage error (exit 1, as every --check error), before the org is asked', async () => {
    await ctx.start(seed);
    const { error } = await run('--prune', '--check');
    expect(error?.exitCode).to.equal(1);
    expect([error?.name, error?.message]).to.deep.equal([
      'InvalidFlagsError',
      'The following error occurred:\n  --check=true cannot also be provided when using --prune',
    ]);
    expect(ctx.emulator.requests).to.deep.equal([]);
  });

  describe('entries of the app lists that the spec manages', () => {
    const APP_USER = 'bench-app@acme.example';
    const appSeed = (tokens: boolean): Seed => ({
      ...seed,
      connectedApps: [
        {
          name: 'Bench_Sync',
          label: "O'Brien Bench Sync",
          consumerKey: 'BENCHSYNCKEY1',
          adminApproved: true,
          profiles: [],
          permissionSets: [],
          // A user outside the spec who uses the app through the integration profile's entry.
          oauthTokens: tokens ? [{ username: OTHER }] : [],
        },
      ],
    });
    const specOf = (by: string): string => {
      const file = path.join(dir, `app-${by}.yaml`);
      writeFileSync(
        file,
        `users:\n  - name: Bench App\n    email: it@acme.example\n    username: ${APP_USER}\n    objects: ["Account:read"]\n    app: { name: Bench_Sync, preauthorize: ${by} }\n`
      );
      return file;
    };
    const entries = (): string[] =>
      ctx.emulator
        .query<{ Parent: { Name: string; IsOwnedByProfile: boolean; Profile: { Name: string } | null } }>(
          "SELECT Parent.Name, Parent.IsOwnedByProfile, Parent.Profile.Name FROM SetupEntityAccess WHERE SetupEntityId IN (SELECT Id FROM ConnectedApplication WHERE Name = 'O\\'Brien Bench Sync')"
        )
        .map((r) => (r.Parent.IsOwnedByProfile ? `profile ${r.Parent.Profile?.Name ?? ''}` : `set ${r.Parent.Name}`))
        .sort();
    const runSpec = async (file: string, ...flags: string[]) => {
      ctx.emulator.clearRequests();
      return ctx.run(IntegrationUserSetup, ['--spec', file, '--json', '--no-prompt', ...flags]);
    };
    /** Applied by profile, then the spec says by permission set: the profile's entry is the spec's and no longer wanted. */
    const movedToSet = async (tokens: boolean): Promise<string> => {
      await ctx.start(appSeed(tokens));
      expect((await runSpec(specOf('profile'))).exitCode).to.equal(0);
      const file = specOf('permission-set');
      expect((await runSpec(file)).exitCode).to.equal(0);
      expect(entries()).to.deep.equal([`profile ${PROFILE}`, 'set Bench_App_Integration']);
      return file;
    };

    it('--check names the entry with `setup --prune` as its fix; --prune removes it in the write call; re-run writes nothing', async () => {
      const file = await movedToSet(false);
      const drifted = await runSpec(file, '--check');
      expect(drifted.exitCode).to.equal(2);
      expect(drifted.result?.check?.differences).to.deep.equal([
        {
          user: APP_USER,
          at: 'users[0]',
          step: 'preauthorize',
          difference: `the app Bench_Sync pre-authorizes the profile ${PROFILE}, which no spec user of it asks for`,
          fix: `sf integration-user setup --spec ${file} --prune --target-org ${ctx.targetOrg}`,
        },
      ]);
      const dry = await runSpec(file, '--prune', '--dry-run');
      expect(ctx.writes).to.equal(0);
      expect(dry.result?.users[0].removals).to.deep.equal([
        { type: 'Profile', name: PROFILE, app: 'Bench_Sync', status: 'would-remove' },
      ]);
      expect(dry.result?.users[0].steps.find((s) => s.name === 'preauthorize')?.message).to.equal(
        `Bench_Sync: already pre-authorized; would remove ${PROFILE} (not in the spec)`
      );

      const pruned = await runSpec(file, '--prune');
      expect(pruned.exitCode).to.equal(0);
      expect(pruned.result?.users[0].removals).to.deep.equal([
        { type: 'Profile', name: PROFILE, app: 'Bench_Sync', status: 'removed' },
      ]);
      expect(ctx.emulator.requests.filter((r) => r.writes > 0).map((r) => [r.method, r.writes])).to.deep.equal([
        ['POST', 1],
      ]);
      expect(entries()).to.deep.equal(['set Bench_App_Integration']);
      expect((await runSpec(file, '--prune')).exitCode).to.equal(0);
      expect(ctx.writes).to.equal(0);
      expect((await runSpec(file, '--check')).exitCode).to.equal(0);
    });

    it('an org that refuses rows under profile-owned sets: the app goes the Metadata API way, and the entry is reported not removed', async () => {
      const file = await movedToSet(false);
      ctx.emulator.setBehaviour({ setupEntityAccessOnProfilePermset: 'reject' });
      const pruned = await runSpec(file, '--prune');
      const entry = pruned.result?.users[0].removals?.[0];
      expect(entry).to.deep.include({ type: 'Profile', name: PROFILE, app: 'Bench_Sync' });
      // What the result says must be what the org holds afterwards.
      expect(entry?.status).to.equal(entries().includes(`profile ${PROFILE}`) ? 'not-run' : 'removed');
    });

    it('a user outside the spec who uses the app through that entry: kept and named, nothing removed; --check still exits 2', async () => {
      const file = await movedToSet(true);
      const pruned = await runSpec(file, '--prune');
      expect(pruned.exitCode).to.equal(0);
      const reason = `kept: the app's users ${OTHER} would be on none of its lists (add them to the spec, or pre-authorize them another way first)`;
      expect(pruned.result?.users[0].removals).to.deep.equal([
        { type: 'Profile', name: PROFILE, app: 'Bench_Sync', status: 'kept', reason },
      ]);
      expect(ctx.writes).to.equal(0);
      expect(entries()).to.deep.equal([`profile ${PROFILE}`, 'set Bench_App_Integration']);
      const check = await runSpec(file, '--check');
      expect(check.exitCode).to.equal(2);
      expect(check.result?.check?.differences).to.deep.equal([
        {
          user: APP_USER,
          at: 'users[0]',
          step: 'preauthorize',
          difference: `the app Bench_Sync pre-authorizes the profile ${PROFILE}, which no spec user of it asks for; ${reason}`,
        },
      ]);
    });
  });
});
