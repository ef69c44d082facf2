import { expect } from 'chai';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { withoutStress } from '../helpers/stress.js';
import type { Seed } from '../emulator/index.js';

const USER = 'bulk-sync@acme.example';
const objectsNamed = (n: number): string[] => Array.from({ length: n }, (_, i) => `Bulk${i + 1}__c`);

function seed(n: number): Seed {
  const objects = objectsNamed(n);
  return {
    objects: Object.fromEntries(objects.map((o) => [o, {}])),
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
        lastName: 'Bulk Sync',
        email: 'it@acme.example',
        profile: 'Minimum Access - API Only Integrations',
        active: true,
        permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
      },
    ],
    permissionSets: objects.map((o, i) => ({
      name: `Bulk_Set_${i + 1}`,
      label: `Bulk Set ${i + 1}`,
      license: null,
      objects: { [o]: ['read'] },
    })),
  };
}

describe('grant: round trips stay flat as the work grows', function () {
  this.timeout(60_000);
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  for (const n of [1, 20, 200]) {
    it(`${n} permission set(s): 1 read and 1 write; a re-run 1 read and no write`, async () => {
      await withoutStress(() => ctx.start(seed(n)));
      const args = ['-u', USER, ...Array.from({ length: n }, (_, i) => ['-p', `Bulk_Set_${i + 1}`]).flat()];
      const { result, error } = await ctx.run(IntegrationUserGrant, args);
      expect(error).to.equal(undefined);
      expect(result?.permissionSets.filter((i) => i.status === 'assigned')).to.have.length(n);
      expect(ctx.emulator.requests.map((r) => r.writes > 0)).to.deep.equal([false, true]);
      expect(
        ctx.emulator.query(
          `SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username = '${USER}' AND PermissionSet.IsOwnedByProfile = false`
        )
      ).to.have.length(n);

      ctx.emulator.clearRequests();
      await ctx.run(IntegrationUserGrant, args);
      expect(ctx.emulator.requests.map((r) => r.writes)).to.deep.equal([0]);
    });

    // The generated set's name comes from the user's name here: a second read once the user is known.
    it(`a generated set with ${n} object permission(s): 2 reads and 2 writes; 1 read with --permission-set-name`, async () => {
      await withoutStress(() => ctx.start(seed(n)));
      const args = ['-u', USER, ...objectsNamed(n).flatMap((o) => ['--object', `${o}:read,edit`])];
      const { result, error } = await ctx.run(IntegrationUserGrant, args);
      expect(error).to.equal(undefined);
      expect(result?.generatedPermissionSet?.objects).to.have.length(n);
      expect(ctx.emulator.requests.map((r) => r.writes > 0)).to.deep.equal([false, false, true, true]);
      expect(
        ctx.emulator.query(
          "SELECT Id FROM ObjectPermissions WHERE Parent.Name = 'Bulk_Sync_Integration' AND PermissionsEdit = true"
        )
      ).to.have.length(n);

      ctx.emulator.clearRequests();
      const named = await ctx.run(IntegrationUserGrant, [...args, '--permission-set-name', 'Bulk_Sync_Integration']);
      expect(named.result?.generatedPermissionSet?.status).to.equal('unchanged');
      expect(ctx.emulator.requests.map((r) => r.writes)).to.deep.equal([0]);
    });
  }
});
