// The seed's `generate` section: checked like the rest of the seed, the same org for the same seed number, and
// planted candidates whose login rows say what the plan says (read back with SOQL, independently of the plan).

import { expect } from 'chai';
import { plannedCandidates, SeedError, startEmulator, type Emulator, type Seed } from '../index.js';
import { plan, resolveGenerate } from './generate.js';

const small = {
  seed: 7,
  fullLicenseUsers: 600,
  loginHistoryRows: 5000,
  permissionSets: 40,
  connectedApps: 12,
  integrationUsers: 3,
};

describe('seed generate section', function () {
  this.timeout(120_000);
  let emu: Emulator | undefined;
  afterEach(async () => {
    await emu?.stop();
    emu = undefined;
  });

  it('rejects bad sizes with the path of the offending value', async () => {
    const bad: Array<[unknown, string]> = [
      ['many', 'seed.generate: must be an object'],
      [{ users: 5 }, 'seed.generate.users: unknown key'],
      [{ fullLicenseUsers: -1 }, 'seed.generate.fullLicenseUsers: must be a whole number >= 0'],
      [{ fullLicenseUsers: 2.5 }, 'seed.generate.fullLicenseUsers: must be a whole number >= 0'],
      [{ fullLicenseUsers: 300_000 }, 'seed.generate.fullLicenseUsers: must be at most 200000'],
      [
        { fullLicenseUsers: 10, loginHistoryRows: 50, plantedCandidates: 6 },
        'seed.generate.plantedCandidates: must be at most half',
      ],
      [
        { fullLicenseUsers: 100, loginHistoryRows: 10, plantedCandidates: 2 },
        'seed.generate.loginHistoryRows: must be at least 104',
      ],
    ];
    for (const [generate, message] of bad) {
      const error = await startEmulator({ seed: { generate } as Seed }).then(
        (e) => e.stop().then(() => undefined),
        (e: Error) => e
      );
      expect(error, message).to.be.instanceOf(SeedError);
      expect(error?.message).to.contain(message);
    }
    const noLicense = await startEmulator({
      seed: {
        userLicenses: [{ name: 'Salesforce', total: 10 }],
        generate: { fullLicenseUsers: 1, loginHistoryRows: 1 },
      } as Seed,
    }).catch((e: Error) => e);
    expect(noLicense).to.be.instanceOf(SeedError);
    expect((noLicense as Error).message).to.match(/^seed\.generate: needs the 'Salesforce Integration'/);
  });

  it('gives the same org for the same seed, another for another', () => {
    const spec = resolveGenerate(small)!;
    const a = plan(spec);
    expect(plan(spec)).to.deep.equal(a);
    expect(plan({ ...spec, seed: 8 }).users.map((u) => u.username)).not.to.deep.equal(a.users.map((u) => u.username));
    expect(a.users).to.have.length(603);
    expect(a.logins).to.have.length(5000);
    // 2% planted, five kinds in turn, each with a decoy.
    expect(plannedCandidates(a)).to.have.length(12);
    expect(a.users.filter((u) => ['uiNamed', 'oldApi', 'inactive', 'recentUi'].includes(u.kind))).to.have.length(12);
    expect(a.permissionSets.every((s) => s.label !== s.name)).to.equal(true);
    expect(a.connectedApps.every((s) => s.label !== s.name)).to.equal(true);
    expect(a.users.some((u) => u.lastName.includes("'"))).to.equal(true);
    expect(() => plannedCandidates(a, 100)).to.throw('not 100');
  });

  it('starts 50,000 users and 200,000 logins in seconds, the planted candidates as their rows say', async function () {
    emu = await startEmulator({
      seed: {
        generate: {
          seed: 42,
          fullLicenseUsers: 50_000,
          loginHistoryRows: 200_000,
          permissionSets: 5000,
          connectedApps: 1000,
          integrationUsers: 5,
        },
      },
    });
    const generated = emu.generated!;
    expect(emu.query<{ expr0: number }>('SELECT COUNT(Id) FROM LoginHistory')[0].expr0).to.equal(200_000);
    expect(
      emu.query<{ expr0: number }>("SELECT COUNT(Id) FROM User WHERE Username LIKE '%@gen.acme.example'")[0].expr0
    ).to.equal(50_005);
    expect(emu.query('SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = false')).to.have.length(5001);
    expect(emu.query('SELECT Id FROM ConnectedApplication')).to.have.length(1000);
    // Logins reach beyond the 180 days LoginHistory keeps.
    const old = emu.query<{ expr0: number }>('SELECT COUNT(Id) FROM LoginHistory WHERE LoginTime < LAST_N_DAYS:180');
    expect(old[0].expr0).to.be.greaterThan(10_000);
    // Read back from the org: no planted candidate has a successful UI login in the window.
    const planted = plannedCandidates(generated);
    expect(planted).to.have.length(1000);
    const ui = new Set(
      emu
        .query<{ UserId: string; Status: string }>(
          "SELECT UserId, Status FROM LoginHistory WHERE LoginType = 'Application' AND LoginTime = LAST_N_DAYS:180"
        )
        .filter((r) => r.Status === 'Success')
        .map((r) => r.UserId)
    );
    const ids = new Map(
      emu
        .query<{ Id: string; Username: string }>(
          "SELECT Id, Username FROM User WHERE Username LIKE '%@gen.acme.example'"
        )
        .map((u) => [u.Username, u.Id])
    );
    expect(planted.filter((u) => ui.has(ids.get(u) as string))).to.deep.equal([]);
    // ... and every person has one.
    const people = generated.users.filter((u) => u.kind === 'person').map((u) => u.username);
    expect(people.filter((u) => !ui.has(ids.get(u) as string))).to.deep.equal([]);
  });
});
