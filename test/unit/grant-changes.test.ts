import { expect } from 'chai';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import type { Seed } from '../emulator/index.js';

const USER = 'obrien.sync@acme.example';
const SET = 'O_Brien_Sync_Integration';

const seed: Seed = {
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
      lastName: "O'Brien Sync",
      email: 'it@acme.example',
      profile: 'Minimum Access - API Only Integrations',
      active: true,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
    },
  ],
};

type Row = Record<string, unknown>;

describe('grant: the generated set as a diff (added, removed, unchanged)', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const grant = (...flags: string[]): ReturnType<typeof ctx.run<typeof IntegrationUserGrant>> =>
    ctx.run(IntegrationUserGrant, ['-u', USER, ...flags]);
  /** The generated set's rows in the org: each object's access words, each field's read and edit. */
  const held = (): { objects: Row[]; fields: Row[] } => ({
    objects: ctx.emulator
      .query<Row>(
        `SELECT SobjectType, PermissionsRead, PermissionsCreate, PermissionsEdit, PermissionsDelete FROM ObjectPermissions WHERE Parent.Name = '${SET}' ORDER BY SobjectType`
      )
      .map((r) => ({
        object: r.SobjectType,
        read: r.PermissionsRead,
        create: r.PermissionsCreate,
        edit: r.PermissionsEdit,
        delete: r.PermissionsDelete,
      })),
    fields: ctx.emulator
      .query<Row>(`SELECT Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE Parent.Name = '${SET}'`)
      .map((r) => ({ field: r.Field, read: r.PermissionsRead, edit: r.PermissionsEdit })),
  });
  /** The rows of the last table the command printed (the generated set's access), as cells. */
  const lastTable = (): string[][] => {
    const [{ data, columns }] = ctx.ux.table.lastCall.args as [
      { data: Row[]; columns: Array<{ key: string; name: string }> },
    ];
    return [columns.map((c) => c.name), ...data.map((row) => columns.map((c) => String(row[c.key])))];
  };

  it('a narrower grant after a wider one: the dry run lists exactly what it removes, the real run removes exactly that', async () => {
    await ctx.start(seed);
    const wide = await grant(
      '--object',
      'Account:read,edit',
      '--object',
      'Contact:read',
      '--field',
      'Account.Industry:edit'
    );
    expect(wide.error).to.equal(undefined);
    expect(wide.result?.generatedPermissionSet?.changes).to.deep.equal({
      added: {
        objects: [
          { object: 'Account', access: ['read', 'edit'] },
          { object: 'Contact', access: ['read'] },
        ],
        fields: [{ field: 'Account.Industry', access: ['read', 'edit'] }],
      },
      removed: { objects: [], fields: [] },
      unchanged: { objects: [], fields: [] },
    });
    const before = held();

    ctx.emulator.clearRequests();
    const dry = await grant('--object', 'Account:read', '--field', 'Account.Industry:read', '--dry-run');
    expect(dry.error).to.equal(undefined);
    expect(dry.result?.generatedPermissionSet).to.deep.equal({
      name: SET,
      label: 'O Brien Sync Integration',
      status: 'would-update',
      objects: [{ object: 'Account', access: ['read'] }],
      fields: [{ field: 'Account.Industry', access: 'read' }],
      changes: {
        added: { objects: [], fields: [] },
        removed: {
          objects: [
            { object: 'Account', access: ['edit'] },
            { object: 'Contact', access: ['read'] },
          ],
          fields: [{ field: 'Account.Industry', access: ['edit'] }],
        },
        unchanged: {
          objects: [{ object: 'Account', access: ['read'] }],
          fields: [{ field: 'Account.Industry', access: ['read'] }],
        },
      },
    });
    expect(lastTable()).to.deep.equal([
      ['access', 'change'],
      ['Account: edit', 'would remove'],
      ['Contact: read', 'would remove'],
      ['Account.Industry: edit', 'would remove'],
      ['Account: read', 'unchanged'],
      ['Account.Industry: read', 'unchanged'],
    ]);
    expect(ctx.writes).to.equal(0);
    expect(held()).to.deep.equal(before);

    const real = await grant('--object', 'Account:read', '--field', 'Account.Industry:read');
    expect(real.error).to.equal(undefined);
    expect(real.result?.generatedPermissionSet?.status).to.equal('updated');
    expect(real.result?.generatedPermissionSet?.changes).to.deep.equal(dry.result?.generatedPermissionSet?.changes);
    expect(lastTable().slice(1, 4)).to.deep.equal([
      ['Account: edit', 'removed'],
      ['Contact: read', 'removed'],
      ['Account.Industry: edit', 'removed'],
    ]);
    expect(held()).to.deep.equal({
      objects: [{ object: 'Account', read: true, create: false, edit: false, delete: false }],
      fields: [{ field: 'Account.Industry', read: true, edit: false }],
    });
  });

  it('a wider grant after a narrower one: added beside unchanged; a re-run shows all unchanged', async () => {
    await ctx.start(seed);
    await grant('--object', 'Account:read');
    const wider = await grant('--object', 'Account:read,create', '--field', 'Account.Industry:read', '--dry-run');
    expect(wider.result?.generatedPermissionSet?.changes).to.deep.equal({
      added: {
        objects: [{ object: 'Account', access: ['create'] }],
        fields: [{ field: 'Account.Industry', access: ['read'] }],
      },
      removed: { objects: [], fields: [] },
      unchanged: { objects: [{ object: 'Account', access: ['read'] }], fields: [] },
    });
    expect(lastTable()).to.deep.equal([
      ['access', 'change'],
      ['Account: create', 'would add'],
      ['Account.Industry: read', 'would add'],
      ['Account: read', 'unchanged'],
    ]);
    const again = await grant('--object', 'Account:read');
    expect(again.result?.generatedPermissionSet?.status).to.equal('unchanged');
    expect(again.result?.generatedPermissionSet?.changes).to.deep.equal({
      added: { objects: [], fields: [] },
      removed: { objects: [], fields: [] },
      unchanged: { objects: [{ object: 'Account', access: ['read'] }], fields: [] },
    });
  });
});
