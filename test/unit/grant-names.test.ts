import { expect } from 'chai';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import type { Seed } from '../emulator/index.js';

const USER = 'obrien.sync@acme.example';
const NAME = 'Sync_Access';

const seed = (setupObjectValueMatch: 'exact' | 'case-insensitive'): Seed => ({
  behaviour: { setupObjectValueMatch },
  objects: { Shipment__c: { label: 'Shipment', entityParticles: false, fields: { Weight__c: { type: 'double' } } } },
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
});

describe('grant: object and field names in the org’s own spelling (EntityDefinition / EntityParticle)', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const grant = (...flags: string[]): ReturnType<typeof ctx.run<typeof IntegrationUserGrant>> =>
    ctx.run(IntegrationUserGrant, ['-u', USER, '--permission-set-name', NAME, ...flags]);
  const reads = (): string[] =>
    ctx.emulator.requests
      .filter((r) => r.writes === 0)
      .map((r) => (typeof r.soql === 'string' ? r.soql : r.path.replace(/v\d+\.\d/, 'vXX.X')));

  for (const match of ['exact', 'case-insensitive'] as const) {
    it(`--object account:read --field account.industry:read grants Account and Account.Industry (${match})`, async () => {
      await ctx.start(seed(match));
      const { result, error } = await grant('--object', 'account:read', '--field', 'account.industry:read');
      expect(error).to.equal(undefined);
      expect(result?.generatedPermissionSet).to.deep.include({
        objects: [{ object: 'Account', access: ['read'] }],
        fields: [{ field: 'Account.Industry', access: 'read' }],
      });
      expect(
        ctx.emulator
          .query(`SELECT SobjectType FROM ObjectPermissions WHERE Parent.Name = '${NAME}'`)
          .map((r) => (r as { SobjectType: string }).SobjectType)
      ).to.deep.equal(['Account']);
      expect(
        ctx.emulator
          .query(`SELECT Field FROM FieldPermissions WHERE Parent.Name = '${NAME}'`)
          .map((r) => (r as { Field: string }).Field)
      ).to.deep.equal(['Account.Industry']);
      // Where the org matches only its own spelling, the names are looked up again, in bulk, once each.
      expect(reads()).to.deep.equal(
        match === 'exact'
          ? [
              '/services/data/vXX.X/composite/batch',
              '/services/data/vXX.X/sobjects',
              "SELECT EntityDefinition.QualifiedApiName, QualifiedApiName, IsPermissionable, IsUpdatable FROM EntityParticle WHERE EntityDefinition.QualifiedApiName IN ('Account')",
            ]
          : ['/services/data/vXX.X/composite/batch']
      );
    });
  }

  it('names spelled as the org spells them cost no request more, whatever the org matches', async () => {
    await ctx.start(seed('exact'));
    const { error } = await grant('--object', 'Account:read', '--field', 'Account.Industry:read');
    expect(error).to.equal(undefined);
    expect(reads()).to.deep.equal(['/services/data/vXX.X/composite/batch']);
  });

  it('an object with no EntityParticle rows is said to be one, not reported as an unknown field; an unknown field still is', async () => {
    await ctx.start(seed('exact'));
    const unlisted = await grant('--object', 'shipment__c:read', '--field', 'shipment__c.weight__c:read');
    expect(unlisted.error?.name).to.equal('GrantBlockedError');
    expect(unlisted.error?.message).to.contain(
      `- Salesforce lists no fields of object "Shipment__c" (it has no EntityParticle rows), so the field access "shipment__c.weight__c" can't be checked or granted here.`
    );
    expect(unlisted.error?.actions).to.include(
      'Leave out --field for this object and grant the object (--object <Object>:read), or set its field access in Setup, on the permission set.'
    );
    const unknown = await grant('--object', 'Account:read', '--field', 'account.nosuchfield__c:read');
    expect(unknown.error?.message).to.contain('- There is no field "account.nosuchfield__c" in this org.');
    expect(ctx.writes).to.equal(0);
  });
});
