import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { homeLoggedInto, runHuman, runPlugin, writesSince } from '../helpers/plugin.js';

/** An org as a fresh one, plus the sets an admin would have made: one that fits and one that doesn't. */
const seed: Seed = {
  records: { Account: [{ Name: 'Acme' }] },
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Invoice_Access', label: 'Invoice Access', license: null, objects: { Invoice__c: ['read'] } },
    { name: 'Sales_Ops', label: 'Sales Ops', license: 'Salesforce', objects: { Account: ['read', 'edit'] } },
  ],
  permissionSetGroups: [{ name: 'Sync_Access', label: 'Sync Access', permissionSets: ['Invoice_Access'] }],
};

describe('end to end through bin/run.js: create, assign-psl, then grant', function () {
  this.timeout(120_000);
  let emulator: Emulator;
  let home: string;
  let username: string;
  const grant = (...args: string[]): ReturnType<typeof runPlugin> =>
    runPlugin(['integration-user', 'grant', '-u', username, '-o', 'emu', ...args], home);
  const assignedTo = (): string[] =>
    emulator
      .query<{ PermissionSet: { Name: string } | null; PermissionSetGroup: { DeveloperName: string } | null }>(
        `SELECT PermissionSet.Name, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE Assignee.Username = '${username}' AND (PermissionSetGroupId != null OR PermissionSet.IsOwnedByProfile = false)`
      )
      // A group's assignment names the group's aggregate set too.
      .map((a) =>
        a.PermissionSetGroup ? `group:${a.PermissionSetGroup.DeveloperName}` : String(a.PermissionSet?.Name)
      )
      .sort();

  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
    const created = await runPlugin(
      ['integration-user', 'create', '-n', 'Acme Sync', '-e', 'it@acme.example', '-o', 'emu'],
      home
    );
    username = created.json.result?.username as string;
  });
  after(() => emulator?.stop());

  it('before the PSL: blocked, the fix named, nothing written', async () => {
    const before = emulator.requests.length;
    const run = await grant('-p', 'Account_Read', '--object', 'Account:read');
    expect(run.exitCode).to.equal(1);
    expect(run.json.name).to.equal('GrantBlockedError');
    expect(run.json.actions).to.deep.equal([
      `Assign it first: sf integration-user assign-psl --username ${username} --target-org emu`,
    ]);
    expect(
      (run.json.data as { permissionSets: Array<{ name: string; status: string }> }).permissionSets.map((i) => [
        i.name,
        i.status,
      ])
    ).to.deep.equal([
      ['Account_Read', 'blocked'],
      ['Acme_Sync_Integration', 'blocked'],
    ]);
    expect(writesSince(emulator, before)).to.equal(0);
    expect(assignedTo()).to.deep.equal([]);
  });

  it('a Salesforce-licensed set: blocked, nothing written', async () => {
    const before = emulator.requests.length;
    const run = await grant('-p', 'Sales_Ops', '-p', 'Invoice_Access');
    expect(run.exitCode).to.equal(1);
    expect(run.json.message).to.include(
      'Permission set "Sales_Ops" has the license "Salesforce", which a user on the Salesforce Integration license can\'t hold.'
    );
    expect(writesSince(emulator, before)).to.equal(0);
    expect(assignedTo()).to.deep.equal([]);
  });

  it('after assign-psl: named sets, a group and a generated set land exactly; a re-run and a dry run write nothing', async () => {
    const psl = await runPlugin(['integration-user', 'assign-psl', '-u', username, '-o', 'emu'], home);
    expect(psl.exitCode, psl.stderr).to.equal(0);

    const args = [
      '-p',
      'Account Read',
      '-g',
      'Sync_Access',
      '--object',
      'Account:read,edit',
      '--field',
      'Account.Industry:read',
    ];
    const dry = await grant(...args, '--dry-run');
    expect(dry.exitCode).to.equal(0);
    expect(
      (dry.json.result as { permissionSets: Array<{ status: string }> }).permissionSets.map((i) => i.status)
    ).to.deep.equal(['would-assign', 'would-assign', 'would-assign']);
    expect(assignedTo()).to.deep.equal([]);

    const before = emulator.requests.length;
    const run = await grant(...args);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(emulator.requests.length - before, 'requests: 2 reads and 2 writes').to.equal(4);
    expect(assignedTo()).to.deep.equal(['Account_Read', 'Acme_Sync_Integration', 'group:Sync_Access']);
    expect(
      emulator
        .query<{ SobjectType: string; PermissionsRead: boolean; PermissionsEdit: boolean; PermissionsDelete: boolean }>(
          "SELECT SobjectType, PermissionsRead, PermissionsEdit, PermissionsDelete FROM ObjectPermissions WHERE Parent.Name = 'Acme_Sync_Integration'"
        )
        .map((r) => [r.SobjectType, r.PermissionsRead, r.PermissionsEdit, r.PermissionsDelete])
    ).to.deep.equal([['Account', true, true, false]]);
    expect(
      emulator.query(
        "SELECT Field FROM FieldPermissions WHERE Parent.Name = 'Acme_Sync_Integration' AND PermissionsRead = true AND PermissionsEdit = false"
      )
    ).to.have.length(1);

    const again = await grant(...args);
    expect(again.exitCode).to.equal(0);
    expect(
      (again.json.result as { permissionSets: Array<{ status: string }> }).permissionSets.map((i) => i.status)
    ).to.deep.equal(['already-assigned', 'already-assigned', 'already-assigned']);
    expect(writesSince(emulator, before + 4)).to.equal(0);
  });

  it('a narrower grant: the dry run shows exactly the access it removes (JSON and table); the real run removes it', async () => {
    const wide = await grant(
      '--object',
      'Account:read,edit',
      '--object',
      'Contact:read',
      '--field',
      'Account.Industry:read'
    );
    expect(wide.exitCode, wide.stderr).to.equal(0);
    const rows = (): string[][] =>
      emulator
        .query<{ SobjectType: string; PermissionsRead: boolean; PermissionsEdit: boolean }>(
          "SELECT SobjectType, PermissionsRead, PermissionsEdit FROM ObjectPermissions WHERE Parent.Name = 'Acme_Sync_Integration' ORDER BY SobjectType"
        )
        .map((r) => [r.SobjectType, String(r.PermissionsRead), String(r.PermissionsEdit)])
        .concat(
          emulator
            .query<{ Field: string }>("SELECT Field FROM FieldPermissions WHERE Parent.Name = 'Acme_Sync_Integration'")
            .map((r) => [r.Field])
        );
    const held = rows();
    expect(held).to.deep.equal([['Account', 'true', 'true'], ['Contact', 'true', 'false'], ['Account.Industry']]);

    const before = emulator.requests.length;
    const dry = await grant('--object', 'Account:read', '--dry-run');
    expect(dry.exitCode).to.equal(0);
    const generated = (dry.json.result as { generatedPermissionSet: { status: string; changes: unknown } })
      .generatedPermissionSet;
    expect(generated.status).to.equal('would-update');
    expect(generated.changes).to.deep.equal({
      added: { objects: [], fields: [] },
      removed: {
        objects: [
          { object: 'Account', access: ['edit'] },
          { object: 'Contact', access: ['read'] },
        ],
        fields: [{ field: 'Account.Industry', access: ['read'] }],
      },
      unchanged: { objects: [{ object: 'Account', access: ['read'] }], fields: [] },
    });
    const human = await runHuman(
      ['integration-user', 'grant', '-u', username, '-o', 'emu', '--object', 'Account:read', '--dry-run'],
      home
    );
    expect(human.exitCode).to.equal(0);
    const access = human.stdout.slice(human.stdout.indexOf('Generated permission set'));
    for (const [line, change] of [
      ['Account: edit', 'would remove'],
      ['Contact: read', 'would remove'],
      ['Account.Industry: read', 'would remove'],
      ['Account: read', 'unchanged'],
    ])
      expect(access).to.match(new RegExp(`│ ${line} +│ ${change} +│`));
    expect(writesSince(emulator, before)).to.equal(0);
    expect(rows()).to.deep.equal(held);

    const run = await grant('--object', 'Account:read');
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(
      (run.json.result as { generatedPermissionSet: { status: string; changes: unknown } }).generatedPermissionSet
    ).to.deep.include({ status: 'updated', changes: generated.changes });
    expect(rows()).to.deep.equal([['Account', 'true', 'false']]);
  });
});
