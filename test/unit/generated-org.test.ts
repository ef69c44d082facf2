import { expect } from 'chai';
import IntegrationUserList from '../../src/commands/integration-user/list.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { withoutStress } from '../helpers/stress.js';
import { plannedCandidates, type Emulator, type SeedGenerate } from '../emulator/index.js';
import { requestFormulas } from '../../scripts/growth-formulas.js';

// Every command on a generated large org (the seed's generate section: test/emulator/seeds/generate.ts): the
// answers the generator planted, and the requests of each command equal to its formula (scripts/growth-formulas.ts,
// the same the bench prints) at two sizes.

const kinds = (emu: Emulator): string[] =>
  emu.requests.map((r) => r.soapOperation ?? r.path.replace(/\/v\d+\.\d+/, ''));

/** Active users on a full license (the generated ones and the seed's admin): the users list --candidates reads. */
function fullLicenseUsers(emu: Emulator): number {
  return emu.query<{ expr0: number }>(
    "SELECT COUNT(Id) FROM User WHERE IsActive = true AND UserType = 'Standard' AND Profile.UserLicense.Name != 'Salesforce Integration'"
  )[0].expr0;
}

describe('a generated large org: every command right, its requests as its formula says', function () {
  this.timeout(120_000);
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const start = (generate: SeedGenerate): Promise<Emulator> => withoutStress(() => ctx.start({ generate }));

  for (const [users, rows] of [
    [2500, 10_000],
    [5000, 20_000],
  ]) {
    it(`list --candidates on ${users} users and ${rows} logins: exactly the planted candidates, on whatever page`, async () => {
      const emu = await start({ seed: users, fullLicenseUsers: users, loginHistoryRows: rows, integrationUsers: 5 });
      const { result, error } = await ctx.run(IntegrationUserList, ['--candidates']);
      expect(error).to.equal(undefined);
      const planted = plannedCandidates(emu.generated!);
      expect(planted).to.have.length(users / 50);
      expect(result?.candidates?.map((c) => c.username)).to.deep.equal(planted);
      const read = fullLicenseUsers(emu);
      expect(read).to.be.greaterThan(2000);
      expect(emu.requests).to.have.length(requestFormulas.listCandidates({ users: read }));
      // The users a page at a time (2,000 a page), each page's logins in one request of 256-user aggregates.
      expect(kinds(emu).filter((k) => k.startsWith('/services/data/query'))).to.have.length(Math.ceil(read / 2000));
      expect(
        emu.requests.filter((r) => [r.soql ?? []].flat().some((q) => q.includes('FROM LoginHistory')))
      ).to.have.length(Math.ceil(read / 2000));
    });
  }

  it('list --candidates --days 30: the users whose one UI login is older than 30 days join the candidates', async () => {
    const emu = await start({ seed: 9, fullLicenseUsers: 2500, loginHistoryRows: 10_000 });
    const { result, error } = await ctx.run(IntegrationUserList, ['--candidates', '--days', '30']);
    expect(error).to.equal(undefined);
    const planted = plannedCandidates(emu.generated!, 30);
    expect(planted.length).to.be.greaterThan(plannedCandidates(emu.generated!).length);
    expect(result?.candidates?.map((c) => c.username)).to.deep.equal(planted);
    expect(
      emu.requests
        .flatMap((r) => [r.soql ?? []].flat())
        .filter((q) => q.includes('FROM LoginHistory'))
        .every((q) => q.includes('LAST_N_DAYS:30 '))
    ).to.equal(true);
  });

  it('list on 5,000 users, 1,000 apps, 5,000 sets: the integration users with their PSL', async () => {
    const emu = await start({
      seed: 5,
      fullLicenseUsers: 5000,
      loginHistoryRows: 10_000,
      permissionSets: 5000,
      connectedApps: 1000,
      integrationUsers: 5,
    });
    const { result, error } = await ctx.run(IntegrationUserList, []);
    expect(error).to.equal(undefined);
    const integration = emu.generated!.users.filter((u) => u.kind === 'integration').map((u) => u.username);
    expect(result?.users.map((u) => [u.username, u.psl, u.active])).to.deep.equal(
      integration.map((u) => [u, true, true])
    );
    expect(result?.seats.userLicense).to.deep.equal({ total: 25, used: 5, free: 20 });
    expect(emu.requests).to.have.length(requestFormulas.list());
  });
});
