import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import IntegrationUserConvert from '../../src/commands/integration-user/convert.js';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import IntegrationUserList from '../../src/commands/integration-user/list.js';
import IntegrationUserSetup from '../../src/commands/integration-user/setup.js';
import IntegrationUserVerify from '../../src/commands/integration-user/verify.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { withoutStress } from '../helpers/stress.js';
import { plannedCandidates, type Emulator, type Seed, type SeedGenerate } from '../emulator/index.js';
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
  const start = (generate: SeedGenerate, behaviour: Seed['behaviour'] = {}): Promise<Emulator> =>
    withoutStress(() => ctx.start({ generate, behaviour }));

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
      // The users' first page in the bulk read, then one composite batch a page: its logins (aggregates of 256
      // users) and the GET of the next page, the last page's batch its logins only.
      const pages = Math.ceil(read / 2000);
      const logins = emu.requests.filter((r) => [r.soql ?? []].flat().some((q) => q.includes('FROM LoginHistory')));
      expect(logins.map((r) => r.path.replace(/\/v\d+\.\d+/, ''))).to.deep.equal(
        Array.from({ length: pages }, () => '/services/data/composite/batch')
      );
      expect(
        logins.map((r) => (r.subrequests ?? []).filter((s) => /\/query\/\w+-\d+$/.test(s.url)).length)
      ).to.deep.equal(Array.from({ length: pages }, (_, i) => (i < pages - 1 ? 1 : 0)));
      expect(logins.map((r) => (r.subrequests ?? []).length)).to.deep.equal(
        Array.from(
          { length: pages },
          (_, i) => Math.ceil(Math.min(2000, read - i * 2000) / 256) + (i < pages - 1 ? 1 : 0)
        )
      );
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

  for (const [users, apps] of [
    [2500, 1000],
    [5000, 2500],
  ])
    it(`list on ${users} users, ${apps} apps, 5,000 sets: the integration users with their PSL`, async () => {
      const emu = await start({
        seed: 5,
        fullLicenseUsers: users,
        loginHistoryRows: 10_000,
        permissionSets: 5000,
        connectedApps: apps,
        integrationUsers: 5,
      });
      const { result, error } = await ctx.run(IntegrationUserList, []);
      expect(error).to.equal(undefined);
      const integration = emu.generated!.users.filter((u) => u.kind === 'integration').map((u) => u.username);
      expect(result?.users.map((u) => [u.username, u.psl, u.active])).to.deep.equal(
        integration.map((u) => [u, true, true])
      );
      expect(result?.seats.userLicense).to.deep.equal({ total: 25, used: 5, free: 20 });
      expect(emu.requests).to.have.length(requestFormulas.list({ apps }));
    });

  for (const count of [200, 400])
    it(`grant of ${count} sets at once, half by API name and half by label, in an org of 5,000 sets`, async () => {
      const emu = await start({
        seed: 11,
        fullLicenseUsers: 500,
        loginHistoryRows: 1000,
        permissionSets: 5000,
        integrationUsers: 2,
      });
      const generated = emu.generated!;
      const user = generated.users.find((u) => u.kind === 'integration')!.username;
      const chosen = generated.permissionSets.filter((_, i) => i % 12 === 3).slice(0, count);
      expect(chosen).to.have.length(count);
      const args = chosen.flatMap((set, i) => ['-p', i % 2 ? set.label : set.name]);
      const { result, error } = await ctx.run(IntegrationUserGrant, ['-u', user, ...args]);
      expect(error).to.equal(undefined);
      const held = emu
        .query<{ PermissionSet: { Name: string } }>(
          `SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = '${user}' AND PermissionSet.IsOwnedByProfile = false`
        )
        .map((a) => a.PermissionSet.Name)
        .sort();
      expect(held).to.deep.equal(chosen.map((s) => s.name).sort());
      expect(result?.permissionSets.map((s) => s.status)).to.deep.equal(chosen.map(() => 'assigned'));
      // One inspection (the names in a composite batch body), then sObject collections of 200 assignments.
      expect(kinds(emu)).to.deep.equal([
        '/services/data/composite/batch',
        ...Array.from({ length: count / 200 }, () => '/services/data/composite/sobjects'),
      ]);
      expect(emu.requests).to.have.length(requestFormulas.grant({ sets: count }));
      // A re-run writes nothing: the inspection only.
      emu.clearRequests();
      const again = await ctx.run(IntegrationUserGrant, ['-u', user, ...args]);
      expect(again.error).to.equal(undefined);
      expect(ctx.writes).to.equal(0);
      expect(kinds(emu)).to.deep.equal(['/services/data/composite/batch']);
    });

  for (const apps of [1000, 2500])
    it(`verify in an org of ${apps} connected apps`, async () => {
      const emu = await start({
        seed: 13,
        fullLicenseUsers: 500,
        loginHistoryRows: 1000,
        connectedApps: apps,
        integrationUsers: 2,
      });
      const generated = emu.generated!;
      const user = generated.users.find((u) => u.kind === 'integration')!.username;
      const app = generated.connectedApps[500];
      const { result, error } = await ctx.run(IntegrationUserVerify, ['-u', user, '--app', app.name]);
      expect(error).to.equal(undefined);
      // The app found by its API name among the others (its label differs), admin-approved with nobody on its lists.
      expect(app.label).not.to.equal(app.name);
      expect(result?.checks.find((c) => c.name === 'app')).to.deep.include({
        status: 'fail',
        message: `${app.name} is admin-approved but lists neither profile "Minimum Access - API Only Integrations" nor a set ${user} holds.`,
      });
      // One inspection with the app's readMetadata beside it; the 2,000 apps after the first in one more page.
      expect(kinds(emu).map((k) => k.replace(/\/query\/\w+-\d+$/, '/query/<next>'))).to.have.members([
        '/services/data/composite/batch',
        'readMetadata',
        ...Array.from({ length: Math.ceil(apps / 2000) - 1 }, () => '/services/data/query/<next>'),
      ]);
      expect(emu.requests).to.have.length(requestFormulas.verify({ apps }));
    });

  for (const apps of [1000, 2500])
    it(`setup of a new user in an org of 10,000 users, 5,000 sets and ${apps} connected apps`, async () => {
      const emu = await start({
        seed: 19,
        fullLicenseUsers: 10_000,
        loginHistoryRows: 20_000,
        permissionSets: 5000,
        connectedApps: apps,
        integrationUsers: 3,
      });
      const generated = emu.generated!;
      // An admin-approved app (one in ten of the generated ones): switching a self-authorized one is a metadata write more.
      const app = generated.connectedApps[apps - 10];
      const [byName, byLabel] = [generated.permissionSets[4321], generated.permissionSets[77]];
      const username = 'aoife.obrien.sync@acme.example';
      const spec = path.join(mkdtempSync(path.join(tmpdir(), 'piu-generated-')), 'spec.json');
      writeFileSync(
        spec,
        JSON.stringify({
          users: [
            {
              name: "Aoife O'Brien Sync",
              email: 'it@acme.example',
              username,
              permissionSets: [byName.name, byLabel.label],
              app: { name: app.name },
            },
          ],
        })
      );
      emu.clearRequests();
      const { result, error, exitCode } = await ctx.run(IntegrationUserSetup, ['--spec', spec]);
      expect(error).to.equal(undefined);
      expect(exitCode).to.equal(0);
      expect(result?.users[0].steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal([
        'create:applied',
        'assign-psl:applied',
        'grant:applied',
        'preauthorize:applied',
        'verify:applied',
      ]);
      // The org holds it: the user with its two sets, the app (found by API name among the others) listing its profile.
      expect(
        emu
          .query<{ PermissionSet: { Name: string } }>(
            `SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = 'aoife.obrien.sync@acme.example' AND PermissionSet.IsOwnedByProfile = false`
          )
          .map((a) => a.PermissionSet.Name)
          .sort()
      ).to.deep.equal([byName.name, byLabel.name].sort());
      const listed = emu.query<{ SetupEntityId: string }>(
        "SELECT SetupEntityId FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication' AND Parent.Profile.Name = 'Minimum Access - API Only Integrations'"
      );
      const [row] = emu.query<{ Id: string }>(`SELECT Id FROM ConnectedApplication WHERE Name = '${app.label}'`);
      expect(listed.map((l) => l.SetupEntityId)).to.deep.equal([row.Id]);
      // One inspection with readMetadata beside it (the apps after the first 2,000 one more page), one write call.
      expect(kinds(emu).map((k) => k.replace(/\/query\/\w+-\d+$/, '/query/<next>'))).to.have.members([
        '/services/data/composite/batch',
        'readMetadata',
        ...Array.from({ length: Math.ceil(apps / 2000) - 1 }, () => '/services/data/query/<next>'),
        '/services/data/composite',
      ]);
      expect(emu.requests).to.have.length(requestFormulas.setup({ apps }));
    });

  it('convert of a planted candidate', async () => {
    const emu = await start(
      { seed: 17, fullLicenseUsers: 2500, loginHistoryRows: 5000, permissionSets: 100 },
      { profileLicenseChangeError: 'accept' }
    );
    const candidate = plannedCandidates(emu.generated!).find(
      (u) => emu.generated!.users.find((g) => g.username === u)!.kind === 'apiLogins'
    )!;
    const { result, error } = await ctx.run(IntegrationUserConvert, ['-u', candidate]);
    expect(error).to.equal(undefined);
    expect(result).to.deep.include({ username: candidate, fromProfile: 'Standard User', status: 'converted' });
    const after = emu.query<{ Profile: { Name: string } }>(
      `SELECT Profile.Name FROM User WHERE Username = '${candidate}'`
    );
    expect(after[0].Profile.Name).to.equal('Minimum Access - API Only Integrations');
    expect(kinds(emu)).to.deep.equal([
      '/services/data/composite/batch',
      `/services/data/sobjects/User/${String(result?.userId)}`,
    ]);
  });
});
