import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import IntegrationUserSetup from '../../src/commands/integration-user/setup.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { adminConnection } from '../helpers/metadata.js';
import type { Seed } from '../emulator/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'piu-check-'));
const specFile = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

const PROFILE = 'Minimum Access - API Only Integrations';
const seed: Seed = {
  records: { Account: [{ Name: 'Acme' }] },
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Case_Read', label: "O'Brien's Case Read", license: null, objects: { Case: ['read'] } },
  ],
  connectedApps: [
    {
      name: 'Bench_Sync',
      label: 'Bench Sync',
      consumerKey: 'BENCHSYNCKEY1',
      adminApproved: true,
      profiles: [],
      permissionSets: [],
    },
  ],
};
const USER = 'bench-sync@acme.example';
const spec = `users:
  - name: Bench Sync
    email: it@acme.example
    username: ${USER}
    permissionSets: [Account_Read]
    objects: ["Account:read"]
    app: { name: Bench_Sync }
`;

describe('integration-user setup --check', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  const check = async (file: string) => {
    ctx.emulator.clearRequests();
    const outcome = await ctx.run(IntegrationUserSetup, ['--spec', file, '--check', '--json']);
    // A check never writes, whatever it finds.
    expect(ctx.writes).to.equal(0);
    expect(ctx.emulator.requests.filter((r) => r.soapOperation && r.soapOperation !== 'readMetadata')).to.deep.equal(
      []
    );
    return outcome;
  };
  const one = (soql: string): { Id: string } => ctx.emulator.query<{ Id: string }>(soql)[0];

  const logs = (): string[] => ctx.ux.log.getCalls().map((c) => String(c.args[0]));
  const fixOf = (file: string): string => `sf integration-user setup --spec ${file} --target-org ${ctx.targetOrg}`;
  const applied = async (file: string): Promise<void> => {
    const { exitCode, error } = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(error).to.equal(undefined);
    expect(exitCode).to.equal(0);
  };
  const userId = (): string => one(`SELECT Id FROM User WHERE Username = '${USER}'`).Id;

  it('an org that matches: exit 0, in sync, nothing written, one line said', async () => {
    await ctx.start(seed);
    const file = specFile('match.yaml', spec);
    await applied(file);
    const { exitCode, result } = await check(file);
    expect(exitCode).to.equal(0);
    expect(result?.check).to.deep.equal({ inSync: true, differences: [] });
    expect(result?.dryRun).to.equal(true);
    // verify is left out: a check logs in as no one.
    expect(result?.users.map((u) => u.steps.map((s) => `${s.name}:${s.status}`))).to.deep.equal([
      ['create:done', 'assign-psl:done', 'grant:done', 'preauthorize:done'],
    ]);
    expect(ctx.emulator.requests.some((r) => r.path.includes('oauth2'))).to.equal(false);
    expect(logs()).to.include(`In sync: the org matches ${file}`);
  });

  it('PSL, set, generated object access and the app changed by hand: exit 2 naming each with its fix; setup repairs them', async () => {
    await ctx.start(seed);
    const file = specFile('drift.yaml', spec);
    await applied(file);
    const conn = adminConnection(ctx.emulator);
    const id = userId();
    const psl = one(`SELECT Id FROM PermissionSetLicenseAssign WHERE AssigneeId = '${id}'`);
    const accountRead = one(
      `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '${id}' AND PermissionSet.Name = 'Account_Read'`
    );
    const objectRow = one(
      "SELECT Id FROM ObjectPermissions WHERE Parent.Name = 'Bench_Sync_Integration' AND SobjectType = 'Account'"
    );
    const appRow = one(
      `SELECT Id FROM SetupEntityAccess WHERE Parent.Profile.Name = '${PROFILE}' AND SetupEntityId IN (SELECT Id FROM ConnectedApplication WHERE Name = 'Bench Sync')`
    );
    await conn.sobject('PermissionSetAssignment').destroy(accountRead.Id);
    await conn.sobject('ObjectPermissions').update({ Id: objectRow.Id, PermissionsEdit: true });
    await conn.sobject('SetupEntityAccess').destroy(appRow.Id);
    // An org that lets an admin take the PSL away while a held set needs it (the emulator refuses by default:
    // behaviour pslaDeleteWhileRequired, Help "Remove a Permission Set License from a User").
    ctx.emulator.setBehaviour({ pslaDeleteWhileRequired: 'allow' });
    await conn.sobject('PermissionSetLicenseAssign').destroy(psl.Id);

    const drifted = await check(file);
    expect(drifted.exitCode).to.equal(2);
    const at = { user: USER, at: 'users[0]' };
    const fix = fixOf(file);
    expect(drifted.result?.check).to.deep.equal({
      inSync: false,
      differences: [
        {
          ...at,
          step: 'assign-psl',
          difference: 'the permission set license is not assigned (assign SalesforceAPIIntegrationPsl)',
          fix,
        },
        { ...at, step: 'grant', difference: 'permission set Account_Read is not assigned', fix },
        {
          ...at,
          step: 'grant',
          difference: 'the generated permission set Bench_Sync_Integration was changed: it also has Account (edit)',
          fix,
        },
        {
          ...at,
          step: 'preauthorize',
          difference: `the app doesn't pre-authorize what the spec names (Bench_Sync: ${PROFILE})`,
          fix,
        },
      ],
    });
    expect(drifted.result?.users[0].steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal([
      'create:done',
      'assign-psl:todo',
      'grant:todo',
      'preauthorize:todo',
    ]);
    // The human table: one row a difference, its fix beside it.
    const table = ctx.ux.table.lastCall.args[0] as { data: Array<Record<string, string>> };
    expect(table.data.map((row) => [row.step, row.fix])).to.deep.equal([
      ['assign-psl', fix],
      ['grant', fix],
      ['grant', fix],
      ['preauthorize', fix],
    ]);

    await applied(file);
    const repaired = await check(file);
    expect(repaired.exitCode).to.equal(0);
    expect(repaired.result?.check?.inSync).to.equal(true);
  });

  it('a deactivated user: exit 2, one difference, reactivating it as the fix says brings the check back to 0', async () => {
    await ctx.start(seed);
    const file = specFile('inactive.yaml', spec);
    await applied(file);
    const id = userId();
    await adminConnection(ctx.emulator).sobject('User').update({ Id: id, IsActive: false });

    const drifted = await check(file);
    expect(drifted.exitCode).to.equal(2);
    expect(drifted.result?.check).to.deep.equal({
      inSync: false,
      differences: [
        {
          user: USER,
          at: 'users[0]',
          step: 'create',
          difference: `${USER} is inactive`,
          fix: `sf data update record --sobject User --record-id ${id} --values "IsActive=true" --target-org ${ctx.targetOrg}`,
        },
      ],
    });
    await adminConnection(ctx.emulator).sobject('User').update({ Id: id, IsActive: true });
    expect((await check(file)).exitCode).to.equal(0);
  });

  it('a set assigned by hand that the spec does not list: exit 2 naming it as an extra; setup leaves it alone', async () => {
    await ctx.start(seed);
    const file = specFile('extra.yaml', spec);
    await applied(file);
    const caseRead = one("SELECT Id FROM PermissionSet WHERE Name = 'Case_Read'");
    const added = await adminConnection(ctx.emulator)
      .sobject('PermissionSetAssignment')
      .create({ AssigneeId: userId(), PermissionSetId: caseRead.Id });
    const assignmentId = (added as { id: string }).id;

    const drifted = await check(file);
    expect(drifted.exitCode).to.equal(2);
    expect(drifted.result?.check).to.deep.equal({
      inSync: false,
      differences: [
        {
          user: USER,
          at: 'users[0]',
          step: 'grant',
          difference: 'permission set Case_Read is assigned but not in the spec',
          fix: `sf data delete record --sobject PermissionSetAssignment --record-id ${assignmentId} --target-org ${ctx.targetOrg}`,
        },
      ],
    });
    ctx.emulator.clearRequests();
    await applied(file);
    expect(ctx.writes).to.equal(0);
    expect((await check(file)).exitCode).to.equal(2);
  });

  it('a spec that does not read: exits 1 (its error), not 2, before the org is asked', async () => {
    await ctx.start(seed);
    const file = specFile('broken.yaml', 'users:\n  - name: [unclosed\n');
    const { error, result } = await check(file);
    expect(result).to.equal(undefined);
    expect(error?.name).to.equal('SpecInvalidError');
    // Without --check the same spec exits 2, as input refused before the org is asked does.
    expect((await ctx.run(IntegrationUserSetup, ['--spec', file])).error?.exitCode).to.equal(2);
    expect(error?.exitCode).to.equal(1);
    expect(ctx.emulator.requests).to.deep.equal([]);
  });
});
