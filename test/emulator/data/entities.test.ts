/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { startEmulator, SeedError, type Emulator, type Seed } from '../index.js';
import { V, call, create, soql } from '../http/test-client.js';

type Row = Record<string, unknown>;

const seed: Seed = {
  objects: {
    Invoice__c: {
      label: 'Invoice',
      fields: {
        Name: { required: true },
        Amount__c: { type: 'currency' },
        Account__c: { referenceTo: ['Account'], label: 'Customer' },
        Due__c: { type: 'date', required: true },
      },
    },
    Account: { fields: { Rating__c: { type: 'picklist' } } },
  },
  records: {
    Invoice__c: [{ Name: 'INV-1', Amount__c: 5, Due__c: '2030-01-31', Note__c: 'first' }],
    Shipment__c: [{ Name: 'S-1', Weight__c: 2.5 }],
  },
  permissionSets: [
    { name: 'Parcel_Read', license: null, objects: { Parcel__c: ['read'] }, fields: { 'Parcel__c.Size__c': ['read'] } },
  ],
};

describe('emulator EntityDefinition and EntityParticle', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ seed });
  });
  after(() => emu.stop());

  const tooling = (q: string): ReturnType<typeof call> =>
    call(emu, 'GET', `${V}/tooling/query?q=${encodeURIComponent(q)}`);

  describe('EntityDefinition', () => {
    it('lists the standard data objects with their API name as DurableId, on /query and /tooling/query', async () => {
      const q =
        "SELECT Id, DurableId, QualifiedApiName, DeveloperName, Label, IsCustomizable FROM EntityDefinition WHERE QualifiedApiName IN ('Account', 'Contact', 'Opportunity', 'Case') ORDER BY QualifiedApiName";
      const data = await soql(emu, q);
      expect(data.status).to.equal(200);
      expect(
        data.body.records.map((r: Row) => [
          r.Id,
          r.DurableId,
          r.QualifiedApiName,
          r.DeveloperName,
          r.Label,
          r.IsCustomizable,
        ])
      ).to.deep.equal([
        ['000000000000000AAA', 'Account', 'Account', 'Account', 'Account', true],
        ['000000000000000AAA', 'Case', 'Case', 'Case', 'Case', true],
        ['000000000000000AAA', 'Contact', 'Contact', 'Contact', 'Contact', true],
        ['000000000000000AAA', 'Opportunity', 'Opportunity', 'Opportunity', 'Opportunity', true],
      ]);
      expect(data.body.records[0].attributes).to.deep.equal({
        type: 'EntityDefinition',
        url: `${V}/sobjects/EntityDefinition/Account`,
      });
      const tool = await tooling(q);
      expect(tool.status).to.equal(200);
      expect(tool.body.records.map((r: Row) => r.QualifiedApiName)).to.deep.equal([
        'Account',
        'Case',
        'Contact',
        'Opportunity',
      ]);
      expect(tool.body.records[0].attributes.url).to.equal(`${V}/tooling/sobjects/EntityDefinition/Account`);
    });

    it('gives custom objects (declared, from records, from permission sets) a 01I DurableId and a DeveloperName without __c', () => {
      const rows = emu.query<Row>(
        "SELECT DurableId, QualifiedApiName, DeveloperName, Label, KeyPrefix, IsCustomizable FROM EntityDefinition WHERE QualifiedApiName LIKE '%__c' ORDER BY QualifiedApiName"
      );
      expect(rows.map((r) => [r.QualifiedApiName, r.DeveloperName, r.Label, r.IsCustomizable])).to.deep.equal([
        ['Invoice__c', 'Invoice', 'Invoice', true],
        ['Parcel__c', 'Parcel', 'Parcel', true],
        ['Shipment__c', 'Shipment', 'Shipment', true],
      ]);
      for (const r of rows) {
        expect(r.DurableId).to.match(/^01I[A-Za-z0-9]{12}$/);
        expect(r.KeyPrefix).to.match(/^a0/);
      }
      // Stable across reads.
      expect(
        emu.query<Row>("SELECT DurableId FROM EntityDefinition WHERE QualifiedApiName = 'Invoice__c'")[0].DurableId
      ).to.equal(rows[0].DurableId);
    });

    it('covers setup objects too; only User among them is customizable', () => {
      const rows = emu.query<Row>(
        "SELECT QualifiedApiName, IsCustomizable FROM EntityDefinition WHERE QualifiedApiName IN ('User', 'PermissionSet', 'EntityDefinition', 'SandboxProcess')"
      );
      expect(rows.map((r) => [r.QualifiedApiName, r.IsCustomizable]).sort()).to.deep.equal([
        ['PermissionSet', false],
        ['User', true],
      ]);
    });

    it('is read-only', async () => {
      expect((await create(emu, 'EntityDefinition', { QualifiedApiName: 'X__c' })).status).to.equal(405);
    });
  });

  describe('EntityParticle', () => {
    type Particle = Row & { EntityDefinition: { QualifiedApiName: string } };
    let particles: Particle[];
    before(async () => {
      const r = await soql(
        emu,
        "SELECT DurableId, QualifiedApiName, DeveloperName, Label, DataType, IsNillable, IsCreatable, IsUpdatable, IsPermissionable, EntityDefinitionId, EntityDefinition.QualifiedApiName FROM EntityParticle WHERE EntityDefinition.QualifiedApiName IN ('Account', 'Contact')"
      );
      expect(r.status).to.equal(200);
      particles = r.body.records;
    });
    const particle = (object: string, field: string): Particle =>
      particles.find((p) => p.EntityDefinition.QualifiedApiName === object && p.QualifiedApiName === field) as Particle;

    it('has one row per field of the objects named through the EntityDefinition relationship', () => {
      expect(new Set(particles.map((p) => p.EntityDefinition.QualifiedApiName))).to.deep.equal(
        new Set(['Account', 'Contact'])
      );
      expect(particle('Account', 'Industry')).to.deep.include({
        attributes: { type: 'EntityParticle', url: `${V}/sobjects/EntityParticle/Account.Industry` },
        DurableId: 'Account.Industry',
        DeveloperName: 'Industry',
        DataType: 'picklist',
        IsNillable: true,
        IsCreatable: true,
        IsUpdatable: true,
        IsPermissionable: true,
        EntityDefinitionId: 'Account',
      });
      expect(particle('Account', 'Industry').EntityDefinition).to.deep.equal({
        attributes: { type: 'EntityDefinition', url: `${V}/sobjects/EntityDefinition/Account` },
        QualifiedApiName: 'Account',
      });
    });

    it('marks required, id, system and compound fields as not permissionable', () => {
      const flags = (o: string, f: string): unknown[] => {
        const p = particle(o, f);
        return [p.IsPermissionable, p.IsNillable, p.IsCreatable, p.IsUpdatable];
      };
      expect(flags('Account', 'Name')).to.deep.equal([false, false, true, true]);
      expect(flags('Account', 'Id')).to.deep.equal([false, false, false, false]);
      expect(flags('Account', 'OwnerId')).to.deep.equal([false, false, true, true]);
      expect(flags('Account', 'CreatedDate')).to.deep.equal([false, false, false, false]);
      expect(flags('Contact', 'LastName')).to.deep.equal([false, false, true, true]);
      expect(flags('Contact', 'Name')).to.deep.equal([false, true, false, false]);
      expect(flags('Contact', 'Email')).to.deep.equal([true, true, true, true]);
      expect(flags('Account', 'Rating__c')).to.deep.equal([true, true, true, true]);
    });

    it('names data types in lower case, integer for int, and lookups after their relationship', () => {
      expect(particle('Account', 'AnnualRevenue').DataType).to.equal('currency');
      expect(particle('Account', 'NumberOfEmployees').DataType).to.equal('integer');
      expect(particle('Account', 'Phone').DataType).to.equal('phone');
      expect(particle('Contact', 'AccountId')).to.deep.include({
        DataType: 'reference',
        DeveloperName: 'Account',
        DurableId: 'Contact.Account',
      });
      expect(particle('Account', 'OwnerId')).to.deep.include({ DeveloperName: 'Owner', DurableId: 'Account.Owner' });
    });

    it("keys a custom object's fields by its 01I id and custom fields by a 00N id; declared types and required flags hold", async () => {
      const objectId = emu.query<Row>("SELECT DurableId FROM EntityDefinition WHERE QualifiedApiName = 'Invoice__c'")[0]
        .DurableId as string;
      const r = await tooling(
        `SELECT DurableId, QualifiedApiName, DeveloperName, Label, DataType, IsNillable, IsPermissionable FROM EntityParticle WHERE EntityDefinitionId = '${objectId}'`
      );
      expect(r.status).to.equal(200);
      const byName = new Map<string, Row>(r.body.records.map((p: Row) => [p.QualifiedApiName, p]));
      expect(byName.get('Name')).to.deep.include({
        DurableId: `${objectId}.Name`,
        DataType: 'string',
        IsNillable: false,
        IsPermissionable: false,
      });
      expect(byName.get('Amount__c')).to.deep.include({
        DeveloperName: 'Amount',
        DataType: 'currency',
        IsNillable: true,
        IsPermissionable: true,
      });
      expect(byName.get('Amount__c')?.DurableId).to.match(new RegExp(`^${objectId}\\.00N[A-Za-z0-9]{12}$`));
      expect(byName.get('Account__c')).to.deep.include({
        Label: 'Customer',
        DataType: 'reference',
        IsPermissionable: true,
      });
      expect(byName.get('Due__c')).to.deep.include({ DataType: 'date', IsNillable: false, IsPermissionable: false });
      // From the records section: inferred as text.
      expect(byName.get('Note__c')).to.deep.include({ DataType: 'string', IsPermissionable: true });
      expect(r.body.records[0].attributes.url).to.equal(`${V}/tooling/sobjects/EntityParticle/${objectId}.Id`);
      // The same object answers by its API name through the relationship.
      expect(
        emu.query(`SELECT Id FROM EntityParticle WHERE EntityDefinition.QualifiedApiName = 'Invoice__c'`)
      ).to.have.length(r.body.totalSize);
    });

    it('filters by EntityDefinitionId, and answers the Particles subquery', async () => {
      expect(
        emu
          .query(
            "SELECT QualifiedApiName FROM EntityParticle WHERE EntityDefinitionId = 'Opportunity' AND IsPermissionable = true"
          )
          .map((p) => (p as Row).QualifiedApiName)
      ).to.deep.equal(['Amount', 'AccountId']);
      const r = await soql(
        emu,
        "SELECT QualifiedApiName, (SELECT QualifiedApiName FROM Particles WHERE IsPermissionable = true) FROM EntityDefinition WHERE QualifiedApiName = 'Case'"
      );
      expect(r.body.records[0].Particles.records.map((p: Row) => p.QualifiedApiName)).to.deep.equal([
        'Subject',
        'Status',
        'Description',
        'AccountId',
        'ContactId',
      ]);
    });

    it('agrees with FieldPermissions: a permissionable field is accepted, a required one refused', async () => {
      const set = (await create(emu, 'PermissionSet', { Name: 'Invoice_Fields', Label: 'Invoice Fields' })).body
        .id as string;
      expect(
        (
          await create(emu, 'FieldPermissions', {
            ParentId: set,
            SobjectType: 'Invoice__c',
            Field: 'Invoice__c.Amount__c',
            PermissionsRead: true,
          })
        ).status
      ).to.equal(201);
      const due = await create(emu, 'FieldPermissions', {
        ParentId: set,
        SobjectType: 'Invoice__c',
        Field: 'Invoice__c.Due__c',
        PermissionsRead: true,
      });
      expect(due.body[0]).to.include({
        errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        message: 'Field Name: bad value for restricted picklist field: Invoice__c.Due__c',
      });
    });
  });

  describe('default standard objects', () => {
    it('require Account.Name, Contact.LastName and Opportunity Name, StageName, CloseDate', async () => {
      expect((await create(emu, 'Contact', { Email: 'x@acme.example' })).body[0]).to.include({
        errorCode: 'REQUIRED_FIELD_MISSING',
        message: 'Required fields are missing: [LastName]',
      });
      expect((await create(emu, 'Opportunity', { Amount: 10 })).body[0].message).to.equal(
        'Required fields are missing: [Name, StageName, CloseDate]'
      );
      expect((await create(emu, 'Case', { Subject: 'Help' })).status).to.equal(201);
      const acct = (await create(emu, 'Account', { Name: 'Initech', AnnualRevenue: '1000.5' })).body.id as string;
      const contact = await create(emu, 'Contact', { FirstName: 'Ada', LastName: 'Lovelace', AccountId: acct });
      expect(contact.status).to.equal(201);
      const row = emu.query<Row & { Account: { Name: string } }>(
        `SELECT Name, Account.Name FROM Contact WHERE Id = '${contact.body.id as string}'`
      )[0];
      expect(row.Name).to.equal('Ada Lovelace');
      expect(row.Account.Name).to.equal('Initech');
      expect(emu.query<Row>(`SELECT AnnualRevenue FROM Account WHERE Id = '${acct}'`)[0].AnnualRevenue).to.equal(
        1000.5
      );
    });
  });

  describe('seed objects section', () => {
    const startWith = async (s: Seed): Promise<string> => {
      try {
        const e = await startEmulator({ seed: s });
        await e.stop();
        return 'started';
      } catch (e) {
        expect(e).to.be.instanceOf(SeedError);
        return (e as Error).message;
      }
    };

    it('rejects bad declarations, naming the path', async () => {
      expect(
        await startWith({ objects: { Invoice__c: { fields: { Amount__c: { type: 'money' as 'currency' } } } } })
      ).to.match(/^seed\.objects\.Invoice__c\.fields\.Amount__c\.type: must be one of/);
      expect(await startWith({ objects: { User: { fields: { Badge__c: {} } } } })).to.equal(
        'seed.objects.User: User is a setup object; describe it in its own seed section'
      );
      expect(await startWith({ objects: { Account: { fields: { Name: { type: 'int' } } } } })).to.equal(
        'seed.objects.Account.fields.Name.type: Account.Name is a string field'
      );
      expect(
        await startWith({ objects: { Invoice__c: { fields: { Vendor__c: { referenceTo: ['Vendor__c'] } } } } })
      ).to.equal("seed.objects.Invoice__c.fields.Vendor__c.referenceTo[0]: no sObject named 'Vendor__c'");
      expect(await startWith({ objects: { Invoice__c: { fields: { Id: {} } } } })).to.equal(
        'seed.objects.Invoice__c.fields.Id: must be a field API name other than Id'
      );
      expect(
        await startWith({
          objects: { Invoice__c: { fields: { Due__c: { type: 'date', required: true } } } },
          records: { Invoice__c: [{ Name: 'x' }] },
        })
      ).to.equal('seed.records.Invoice__c[0].Due__c: is required');
      expect(
        await startWith({ objects: { Invoice__c: { fields: { Vendor__c: { referenceTo: ['Invoice__c'] } } } } })
      ).to.equal('started');
    });
  });
});
