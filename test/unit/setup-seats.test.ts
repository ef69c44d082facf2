import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import IntegrationUserSetup from '../../src/commands/integration-user/setup.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import type { Seed } from '../emulator/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'piu-seats-'));
const specOf = (names: string[]): string => {
  const file = path.join(dir, `${names.length}-${Math.random().toString(36).slice(2)}.yaml`);
  const users = names.map(
    (name) =>
      `  - name: "${name}"\n    email: it@acme.example\n    username: ${name.toLowerCase().replace(/[^a-z]+/g, '.')}@acme.example\n`
  );
  writeFileSync(file, `users:\n${users.join('')}`);
  return file;
};
const SIX = ['Acme Sync', "O'Brien Export", 'Billing Feed', 'Ledger Bridge', 'Stock Mirror', 'Audit Trail'];

/** One integration seat and one PSL seat held by old.sync before the run. */
const seed = (integrationTotal: number, pslTotal: number): Seed => ({
  userLicenses: [
    { name: 'Salesforce Integration', total: integrationTotal, used: 1 },
    { name: 'Salesforce', total: 10, used: 1 },
  ],
  permissionSetLicenses: [{ developerName: 'SalesforceAPIIntegrationPsl', total: pslTotal, used: 1 }],
  users: [
    {
      username: 'admin@emu.example',
      lastName: 'Admin',
      email: 'admin@emu.example',
      profile: 'System Administrator',
      active: true,
    },
    {
      username: 'old.sync@acme.example',
      lastName: 'Old Sync',
      email: 'it@acme.example',
      profile: 'Minimum Access - API Only Integrations',
      active: true,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
    },
  ],
});

type Line = { name: string; status: string; error?: { name: string; message: string; actions: string[] } };
type Plan = { users: Array<{ username: string; steps: Line[] }> };
const stepOf = (plan: unknown, user: number, step: string): Line | undefined =>
  (plan as Plan).users[user].steps.find((s) => s.name === step);

describe('integration-user setup: the seats a spec takes, counted across its users', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  for (const dryRun of [true, false]) {
    it(`six users, five free user licenses${dryRun ? ' (--dry-run)' : ''}: blocked before any write, naming the missing seat and who holds the others`, async () => {
      await ctx.start(seed(6, 20));
      const args = ['--spec', specOf(SIX), ...(dryRun ? ['--dry-run'] : [])];
      const { error } = await ctx.run(IntegrationUserSetup, args);
      expect(error?.exitCode).to.equal(1);
      expect(error?.name).to.equal('SetupBlockedError');
      expect(error?.message).to.contain('- users[5] audit.trail@acme.example, create: This spec needs 6');
      // The first five users fit; the sixth is the one the org has no seat for.
      const creates = SIX.map((_, i) => stepOf(error?.data, i, 'create')?.status);
      expect(creates).to.deep.equal(['todo', 'todo', 'todo', 'todo', 'todo', 'blocked']);
      const blocked = stepOf(error?.data, 5, 'create')?.error;
      expect(blocked?.name).to.equal('SpecNeedsMoreSeatsError');
      expect(blocked?.message).to.equal(
        'This spec needs 6 "Salesforce Integration" user licenses for the users it creates, and the org has 5 free (6 in all): 1 missing. The free ones go to the users listed before this one in the spec. The seats are held by old.sync@acme.example.'
      );
      expect(blocked?.actions[0]).to.match(
        /^Take 1 users out of the spec, or deactivate integration users you no longer need: sf data update record --sobject User --record-id <user id> --values "IsActive=false" --target-org \S+$/
      );
      expect(ctx.writes).to.equal(0);
      expect(
        ctx.emulator.query("SELECT Id FROM User WHERE Profile.UserLicense.Name = 'Salesforce Integration'")
      ).to.have.length(1);
    });
  }

  it('three users, two free API Integration licenses: the third is blocked before any write', async () => {
    await ctx.start(seed(10, 3));
    const { error } = await ctx.run(IntegrationUserSetup, ['--spec', specOf(SIX.slice(0, 3)), '--dry-run']);
    expect(error?.exitCode).to.equal(1);
    const psls = [0, 1, 2].map((i) => stepOf(error?.data, i, 'assign-psl')?.status);
    expect(psls).to.deep.equal(['todo', 'todo', 'blocked']);
    const blocked = stepOf(error?.data, 2, 'assign-psl')?.error;
    expect(blocked?.name).to.equal('SpecNeedsMorePslSeatsError');
    expect(blocked?.message).to.contain('needs 3 "Salesforce API Integration" permission set licenses');
    expect(blocked?.message).to.contain('the org has 2 free (3 in all): 1 missing');
    expect(blocked?.message).to.contain('held by old.sync@acme.example');
    expect(blocked?.actions[0]).to.match(/sf data delete record --sobject PermissionSetLicenseAssign/);
    expect(ctx.writes).to.equal(0);
  });

  it('five users, five free seats: the plan fits, and the run takes exactly the five', async () => {
    await ctx.start(seed(6, 6));
    const file = specOf(SIX.slice(0, 5));
    const planned = await ctx.run(IntegrationUserSetup, ['--spec', file, '--dry-run']);
    expect(planned.error?.message).to.equal(undefined);
    expect(planned.exitCode).to.equal(0);
    const applied = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(applied.exitCode).to.equal(0);
    const [license] = ctx.emulator.query<{ UsedLicenses: number }>(
      "SELECT UsedLicenses FROM UserLicense WHERE Name = 'Salesforce Integration'"
    );
    expect(license.UsedLicenses).to.equal(6);
    // A re-run takes no seat, so it isn't blocked by the full license.
    ctx.emulator.clearRequests();
    const again = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(again.exitCode).to.equal(0);
    expect(ctx.writes).to.equal(0);
  });
});
