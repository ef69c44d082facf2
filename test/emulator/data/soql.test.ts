/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../index.js';
import { INTEGRATION_PROFILE, V, call, soql, withEmulator } from '../http/test-client.js';

type Row = Record<string, unknown>;

const seed: Seed = {
  records: {
    Account: [
      { Name: 'Acme', Industry: 'Tech', NumberOfEmployees: 50 },
      { Name: "O'Brien & Sons", Industry: 'Retail', NumberOfEmployees: 5 },
      { Name: 'Back\\slash Ltd', Industry: null, NumberOfEmployees: 500 },
      { Name: 'acme labs', Industry: 'Tech', NumberOfEmployees: 12 },
      { Name: '100%_Sure', Industry: 'Retail' },
    ],
  },
  permissionSets: [{ name: 'Account_Read', license: null, objects: { Account: ['read'] } }],
  users: [
    {
      username: 'sync@acme.example',
      firstName: 'Sync',
      lastName: 'Bot',
      profile: INTEGRATION_PROFILE,
      permissionSets: ['Account_Read'],
    },
    { username: 'old@acme.example', profile: 'Standard User', active: false },
  ],
};

const names = (rows: Row[]): unknown[] => rows.map((r) => r.Name);

describe('emulator SOQL', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ seed });
  });
  after(() => emu.stop());

  describe('results', () => {
    it('answers the REST shape with attributes and only the selected fields, in order', async () => {
      const r = await soql(emu, "SELECT Name, Id FROM Account WHERE Name = 'Acme'");
      expect(r.status).to.equal(200);
      expect(r.body.totalSize).to.equal(1);
      expect(r.body.done).to.equal(true);
      const rec = r.body.records[0];
      expect(Object.keys(rec)).to.deep.equal(['attributes', 'Name', 'Id']);
      expect(rec.attributes).to.deep.equal({
        type: 'Account',
        url: `/services/data/v66.0/sobjects/Account/${rec.Id as string}`,
      });
    });

    it('resolves relationship fields at any depth and nests them', async () => {
      const r = await soql(
        emu,
        "SELECT Username, Profile.Name, Profile.UserLicense.Name FROM User WHERE Username = 'sync@acme.example'"
      );
      const rec = r.body.records[0];
      expect(rec.Profile.attributes.type).to.equal('Profile');
      expect(rec.Profile.Name).to.equal(INTEGRATION_PROFILE);
      expect(rec.Profile.UserLicense).to.deep.include({ Name: 'Salesforce Integration' });
      expect(rec.Profile.UserLicense.attributes.type).to.equal('UserLicense');
    });

    it('answers null for an empty lookup', async () => {
      const r = await soql(
        emu,
        "SELECT Name, License.Name, Profile.Name FROM PermissionSet WHERE Name = 'Account_Read'"
      );
      expect(r.body.records[0].License).to.equal(null);
      expect(r.body.records[0].Profile).to.equal(null);
    });

    it('resolves a polymorphic lookup through the Name object', () => {
      const rows = emu.query<{ License: { attributes: { type: string }; Name: string; Type: string } }>(
        `SELECT License.Name, License.Type FROM PermissionSet WHERE Profile.Name = '${INTEGRATION_PROFILE}'`
      );
      expect(rows[0].License).to.deep.include({ Name: 'Salesforce Integration', Type: 'UserLicense' });
      expect(rows[0].License.attributes.type).to.equal('Name');
    });

    it('uses the schema casing whatever casing the query uses', () => {
      const rows = emu.query<Row>("select name, profile.name from USER where USERNAME = 'SYNC@ACME.EXAMPLE'");
      expect(Object.keys(rows[0])).to.deep.equal(['attributes', 'Name', 'Profile']);
      expect(rows[0].Name).to.equal('Sync Bot');
    });

    it('compares text case-insensitively with =, != and IN', () => {
      expect(names(emu.query("SELECT Name FROM Account WHERE Name = 'ACME'"))).to.deep.equal(['Acme']);
      expect(emu.query("SELECT Name FROM Account WHERE Name != 'acme'")).to.have.length(4);
      expect(
        names(emu.query("SELECT Name FROM Account WHERE Name IN ('acme', 'ACME LABS') ORDER BY Name"))
      ).to.deep.equal(['Acme', 'acme labs']);
      expect(emu.query("SELECT Name FROM Account WHERE Name NOT IN ('acme', 'ACME LABS')")).to.have.length(3);
    });

    it('handles escaped quotes and backslashes in literals', () => {
      expect(names(emu.query("SELECT Name FROM Account WHERE Name = 'O\\'Brien & Sons'"))).to.deep.equal([
        "O'Brien & Sons",
      ]);
      expect(names(emu.query("SELECT Name FROM Account WHERE Name = 'Back\\\\slash Ltd'"))).to.deep.equal([
        'Back\\slash Ltd',
      ]);
    });

    it('supports LIKE with % and _ (case-insensitive) and escaped wildcards', () => {
      expect(names(emu.query("SELECT Name FROM Account WHERE Name LIKE 'acme%' ORDER BY Name"))).to.deep.equal([
        'Acme',
        'acme labs',
      ]);
      expect(names(emu.query("SELECT Name FROM Account WHERE Name LIKE 'A_me'"))).to.deep.equal(['Acme']);
      expect(names(emu.query("SELECT Name FROM Account WHERE Name LIKE '100\\%\\_%'"))).to.deep.equal(['100%_Sure']);
      expect(emu.query("SELECT Name FROM Account WHERE Name LIKE '100\\%x%'")).to.have.length(0);
    });

    it('supports AND / OR / NOT with parentheses', () => {
      expect(
        names(
          emu.query(
            "SELECT Name FROM Account WHERE (Industry = 'Tech' OR Industry = 'Retail') AND NOT Name LIKE 'acme%' ORDER BY Name"
          )
        )
      ).to.deep.equal(['100%_Sure', "O'Brien & Sons"]);
      expect(
        names(emu.query("SELECT Name FROM Account WHERE NOT (Industry = 'Tech' OR Industry = 'Retail')"))
      ).to.deep.equal(['Back\\slash Ltd']);
      expect(
        names(emu.query("SELECT Name FROM Account WHERE Industry = 'Tech' AND (NOT NumberOfEmployees > 20)"))
      ).to.deep.equal(['acme labs']);
      expect(
        emu.query("SELECT Name FROM Account WHERE ((Industry = 'Tech' AND NumberOfEmployees < 20) OR Industry = null)")
      ).to.have.length(2);
    });

    it('compares numbers, null and booleans', () => {
      expect(
        names(emu.query('SELECT Name FROM Account WHERE NumberOfEmployees >= 50 ORDER BY NumberOfEmployees DESC'))
      ).to.deep.equal(['Back\\slash Ltd', 'Acme']);
      expect(names(emu.query('SELECT Name FROM Account WHERE NumberOfEmployees = null'))).to.deep.equal(['100%_Sure']);
      expect(emu.query('SELECT Name FROM Account WHERE Industry != null')).to.have.length(4);
      expect(emu.query("SELECT Id FROM User WHERE IsActive = false AND Username LIKE 'old%'")).to.have.length(1);
      expect(emu.query('SELECT Id FROM User WHERE IsActive = true')).to.have.length(2);
    });

    it('orders ASC/DESC with NULLS FIRST/LAST, then applies OFFSET and LIMIT', () => {
      expect(names(emu.query('SELECT Name FROM Account ORDER BY NumberOfEmployees ASC NULLS LAST'))).to.deep.equal([
        "O'Brien & Sons",
        'acme labs',
        'Acme',
        'Back\\slash Ltd',
        '100%_Sure',
      ]);
      expect(
        names(emu.query('SELECT Name FROM Account ORDER BY NumberOfEmployees DESC NULLS FIRST LIMIT 2'))
      ).to.deep.equal(['100%_Sure', 'Back\\slash Ltd']);
      expect(names(emu.query('SELECT Name FROM Account ORDER BY NumberOfEmployees LIMIT 2 OFFSET 1'))).to.deep.equal([
        "O'Brien & Sons",
        'acme labs',
      ]);
      expect(names(emu.query('SELECT Name FROM Account ORDER BY Industry DESC, Name ASC LIMIT 3'))).to.deep.equal([
        'Acme',
        'acme labs',
        '100%_Sure',
      ]);
    });

    it('runs semi-joins and anti-joins', () => {
      const inSet = emu.query<Row>(
        "SELECT Username FROM User WHERE Id IN (SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSet.Name = 'Account_Read')"
      );
      expect(inSet.map((u) => u.Username)).to.deep.equal(['sync@acme.example']);
      const notIn = emu.query<Row>(
        "SELECT Username FROM User WHERE Id NOT IN (SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSet.Name = 'Account_Read') ORDER BY Username"
      );
      expect(notIn.map((u) => u.Username)).to.deep.equal(['admin@emu.example', 'old@acme.example']);
    });

    it('matches 15-char ids against 18-char ones', () => {
      const id = emu.query<Row>("SELECT Id FROM Account WHERE Name = 'Acme'")[0].Id as string;
      expect(emu.query(`SELECT Id FROM Account WHERE Id = '${id.slice(0, 15)}'`)).to.have.length(1);
      expect(emu.query(`SELECT Id FROM Account WHERE Id IN ('${id.toLowerCase()}')`)).to.have.length(1);
    });

    it('COUNT() answers totalSize with no records', async () => {
      const r = await soql(emu, "SELECT COUNT() FROM Account WHERE Industry = 'Tech'");
      expect(r.body).to.deep.equal({ totalSize: 2, done: true, records: [] });
    });

    it('COUNT(Id) and GROUP BY answer AggregateResult rows', () => {
      expect(emu.query('SELECT COUNT(Id) FROM Account')).to.deep.equal([
        { attributes: { type: 'AggregateResult' }, expr0: 5 },
      ]);
      const grouped = emu.query<Row>(
        'SELECT Industry, COUNT(Id) n FROM Account WHERE Industry != null GROUP BY Industry ORDER BY Industry'
      );
      expect(grouped.map((g) => [g.Industry, g.n])).to.deep.equal([
        ['Retail', 2],
        ['Tech', 2],
      ]);
      expect(
        emu.query<Row>(
          'SELECT MAX(NumberOfEmployees) mx, MIN(NumberOfEmployees), SUM(NumberOfEmployees) FROM Account'
        )[0]
      ).to.deep.include({ mx: 500, expr0: 5, expr1: 567 });
      expect(
        emu
          .query<Row>('SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry HAVING COUNT(Id) > 1')
          .map((g) => g.Industry)
          .sort()
      ).to.deep.equal(['Retail', 'Tech']);
    });

    it('returns child relationship subqueries', () => {
      const rows = emu.query<{
        Username: string;
        PermissionSetAssignments: { totalSize: number; records: Array<{ PermissionSet: { Name: string } }> };
      }>(
        "SELECT Username, (SELECT PermissionSet.Name FROM PermissionSetAssignments WHERE PermissionSet.IsOwnedByProfile = false) FROM User WHERE Username IN ('sync@acme.example', 'admin@emu.example') ORDER BY Username"
      );
      expect(rows[0].PermissionSetAssignments).to.equal(null);
      expect(rows[1].PermissionSetAssignments.totalSize).to.equal(1);
      expect(rows[1].PermissionSetAssignments.records[0].PermissionSet.Name).to.equal('Account_Read');
    });

    it('answers the Organization and sf login queries', async () => {
      const org = await soql(
        emu,
        'SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization'
      );
      expect(org.body.totalSize).to.equal(1);
      expect(org.body.records[0]).to.include({
        Name: 'Emulated Org',
        IsSandbox: false,
        TrialExpirationDate: null,
        NamespacePrefix: null,
        OrganizationType: 'Enterprise Edition',
      });
      const tooling = await call(
        emu,
        'GET',
        `${V}/tooling/query?q=${encodeURIComponent("SELECT Id, SandboxName, Status FROM SandboxProcess WHERE Status != 'D'")}`
      );
      expect(tooling.status).to.equal(200);
      expect(tooling.body).to.deep.equal({ totalSize: 0, done: true, records: [] });
      const toolingUsers = await call(
        emu,
        'GET',
        `${V}/tooling/query?q=${encodeURIComponent('SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true')}`
      );
      expect(toolingUsers.body.totalSize).to.equal(3);
      const queryAll = await call(emu, 'GET', `${V}/queryAll?q=${encodeURIComponent('SELECT Id FROM Account')}`);
      expect(queryAll.body.totalSize).to.equal(5);
    });

    it('answers columns=true with column metadata', async () => {
      const r = await soql(
        emu,
        'SELECT Id, Name, Profile.UserLicense.Name, (SELECT Id FROM PermissionSetAssignments) FROM User',
        'v66.0',
        '&columns=true'
      );
      expect(r.status).to.equal(200);
      expect(r.body).to.include({ entityName: 'User', groupBy: false, idSelected: true, keyPrefix: '005' });
      const [id, name, profile, sub] = r.body.columnMetadata;
      expect(id).to.include({ columnName: 'Id', displayName: 'Id', aggregate: false });
      expect(id.joinColumns).to.deep.equal([]);
      expect(name.columnName).to.equal('Name');
      expect(profile).to.include({ columnName: 'Profile', foreignKeyName: 'ProfileId', aggregate: false });
      expect(profile.joinColumns[0]).to.include({ columnName: 'UserLicense', displayName: 'Profile.UserLicense' });
      expect(profile.joinColumns[0].joinColumns[0]).to.include({
        columnName: 'Name',
        displayName: 'Profile.UserLicense.Name',
      });
      expect(sub).to.include({ columnName: 'PermissionSetAssignments', aggregate: true });
      expect(sub.joinColumns[0].columnName).to.equal('Id');
      const agg = await soql(emu, 'SELECT COUNT(Id) FROM Account', 'v66.0', '&columns=true');
      expect(agg.body.columnMetadata[0]).to.include({ columnName: 'expr0', displayName: 'COUNT(Id)', aggregate: true });
      expect(agg.body.idSelected).to.equal(false);
    });

    it('pages results past 2000 records with nextRecordsUrl', async () => {
      const many = Array.from({ length: 2100 }, (_, i) => ({ Name: `Co ${i}` }));
      await withEmulator({ records: { Account: many } }, async (big) => {
        const first = await soql(big, 'SELECT Id, Name FROM Account');
        expect(first.body.totalSize).to.equal(2100);
        expect(first.body.done).to.equal(false);
        expect(first.body.records).to.have.length(2000);
        expect(first.body.nextRecordsUrl).to.match(/^\/services\/data\/v66\.0\/query\/[A-Za-z0-9]+-2000$/);
        const next = await call(big, 'GET', first.body.nextRecordsUrl as string);
        expect(next.body.done).to.equal(true);
        expect(next.body.records).to.have.length(100);
        expect(next.body.records[99].Name).to.equal('Co 2099');
      });
    });
  });

  describe('errors', () => {
    it('MALFORMED_QUERY with the echo, caret and position', async () => {
      const r = await soql(emu, 'SELECT Id FROM User WHERE');
      expect(r.status).to.equal(400);
      expect(r.body).to.have.length(1);
      expect(r.body[0].errorCode).to.equal('MALFORMED_QUERY');
      expect(r.body[0].message).to.equal(
        '\nSELECT Id FROM User WHERE\n                         ^\nERROR at Row:1:Column:26\nunexpected token: <EOF>'
      );
      const bad = await soql(emu, 'SELECT Id, FROM User');
      expect(bad.body[0].message).to.equal(
        "\nSELECT Id, FROM User\n           ^\nERROR at Row:1:Column:12\nunexpected token: 'FROM'"
      );
      const missing = await call(emu, 'GET', `${V}/query`);
      expect(missing.status).to.equal(400);
      expect(missing.body[0]).to.include({
        errorCode: 'MALFORMED_QUERY',
        message: 'A query string has to be specified',
      });
    });

    it('INVALID_FIELD for an unknown column, with Salesforce wording', async () => {
      const r = await soql(emu, 'SELECT Id, Foo FROM User');
      expect(r.status).to.equal(400);
      expect(r.body[0]).to.deep.equal({
        errorCode: 'INVALID_FIELD',
        message:
          "\nSELECT Id, Foo FROM User\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo' on entity 'User'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
      });
      const related = await soql(emu, 'SELECT Profile.Nope FROM User');
      expect(related.body[0].message).to.contain("No such column 'Nope' on entity 'Profile'");
      const rel = await soql(emu, 'SELECT Foo.Name FROM User');
      expect(rel.body[0].errorCode).to.equal('INVALID_FIELD');
      expect(rel.body[0].message).to.contain("Didn't understand relationship 'Foo' in field path.");
      const inWhere = await soql(emu, "SELECT Id FROM User WHERE Nope = 'x'");
      expect(inWhere.body[0].message).to.contain('ERROR at Row:1:Column:27\nNo such column');
    });

    it('INVALID_TYPE for an unknown object, and for ScratchOrgInfo', async () => {
      const r = await soql(emu, 'SELECT Id FROM Foo');
      expect(r.status).to.equal(400);
      expect(r.body[0].errorCode).to.equal('INVALID_TYPE');
      expect(r.body[0].message).to.equal(
        "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
      );
      const scratch = await call(
        emu,
        'GET',
        `/services/data/v51.0/query?q=${encodeURIComponent('SELECT Id FROM ScratchOrgInfo limit 1')}`
      );
      expect(scratch.status).to.equal(400);
      expect(scratch.body[0].errorCode).to.equal('INVALID_TYPE');
      const sandboxOnData = await soql(emu, 'SELECT Id FROM SandboxProcess');
      expect(sandboxOnData.body[0].errorCode).to.equal('INVALID_TYPE');
    });

    it('rejects typed literals the way Salesforce does', async () => {
      const quotedBool = await soql(emu, "SELECT Id FROM User WHERE IsActive = 'true'");
      expect(quotedBool.body[0].errorCode).to.equal('INVALID_FIELD');
      expect(quotedBool.body[0].message).to.contain(
        "value of filter criterion for field 'IsActive' must be of type boolean and should not be enclosed in quotes"
      );
      const badId = await soql(emu, "SELECT Id FROM User WHERE Id = 'nope'");
      expect(badId.body[0].errorCode).to.equal('INVALID_QUERY_FILTER_OPERATOR');
      expect(badId.body[0].message).to.contain('invalid ID field: nope');
    });

    it('refuses WHERE on UserLicense seat counts from API 64.0 on (licenseCountFilter)', async () => {
      const q =
        "SELECT Id, TotalLicenses, UsedLicenses FROM UserLicense WHERE Name = 'Salesforce Integration' AND TotalLicenses > 0";
      const r = await soql(emu, q, 'v64.0');
      expect(r.status).to.equal(400);
      expect(r.body[0].errorCode).to.equal('INVALID_FIELD');
      expect(r.body[0].message).to.match(
        /\nERROR at Row:1:Column:\d+\nfield 'TotalLicenses' can not be filtered in a query call$/
      );
      expect((await soql(emu, q, 'v63.0')).body.totalSize).to.equal(1);
      expect((await soql(emu, 'SELECT Id FROM Profile WHERE UserLicense.UsedLicenses > 0', 'v66.0')).status).to.equal(
        400
      );
      // Selecting them is fine.
      expect((await soql(emu, 'SELECT TotalLicenses, UsedLicenses FROM UserLicense', 'v66.0')).status).to.equal(200);
    });

    it('allows the seat-count filter when behaviour licenseCountFilter is allow', async () => {
      await withEmulator({ behaviour: { licenseCountFilter: 'allow' } }, async (allow) => {
        const r = await soql(allow, 'SELECT Name FROM UserLicense WHERE UsedLicenses > 0', 'v66.0');
        expect(r.status).to.equal(200);
        expect(r.body.records.map((x: Row) => x.Name)).to.deep.equal(['Salesforce']);
      });
    });

    it('emulator.query throws the same errors', () => {
      expect(() => emu.query('SELECT Nope FROM User')).to.throw(/No such column 'Nope' on entity 'User'/);
    });
  });
});
