/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- REST bodies are JSON, read by shape */
// Fidelity against clients nobody here wrote: the real sf CLI and jsforce.

import { expect } from 'chai';
import { Connection } from '@jsforce/jsforce-node';
import { startEmulator, type Emulator } from '../index.js';
import { makeHome, runSf } from '../../helpers/sf.js';
import { INTEGRATION_PROFILE } from './test-client.js';

type Row = Record<string, unknown>;

describe('emulator against real clients', function () {
  this.timeout(120_000);
  let emu: Emulator;
  let home: string;

  before(async () => {
    emu = await startEmulator({
      seed: {
        records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
        permissionSets: [
          { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
        ],
        users: [{ username: 'sync@acme.example', lastName: 'Sync', profile: INTEGRATION_PROFILE }],
      },
    });
    home = await makeHome();
  });
  after(() => emu?.stop());

  describe('sf', () => {
    it('logs in with org login access-token', async () => {
      const r = await runSf(
        ['org', 'login', 'access-token', '--instance-url', emu.instanceUrl, '--alias', 'emu', '--no-prompt', '--json'],
        {
          home,
          env: { SF_ACCESS_TOKEN: emu.adminAccessToken },
        }
      );
      expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
      expect(r.json.result).to.include({ username: emu.adminUsername, orgId: emu.orgId, instanceApiVersion: '66.0' });
      const paths = emu.requests.map((q) => q.path);
      expect(paths.slice(0, 2)).to.deep.equal([
        '/services/oauth2/userinfo',
        `/services/data/v51.0/sobjects/User/${emu.query<Row>(`SELECT Id FROM User WHERE Username = '${emu.adminUsername}'`)[0].Id as string}`,
      ]);
      expect(emu.requests.find((q) => q.soql === 'SELECT Id FROM ScratchOrgInfo limit 1')).to.include({
        status: 400,
        errorCode: 'INVALID_TYPE',
      });
    });

    it('runs data query and returns the seeded accounts', async () => {
      const r = await runSf(
        ['data', 'query', '-q', 'SELECT Id, Name FROM Account ORDER BY Name', '-o', 'emu', '--json'],
        { home }
      );
      expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
      expect(r.json.result.totalSize).to.equal(2);
      expect(r.json.result.records.map((a: Row) => a.Name)).to.deep.equal(['Acme', 'Globex']);
      expect(emu.requests.some((q) => q.query?.includes('columns=true'))).to.equal(true);
    });

    it('assigns the PSL with org assign permsetlicense, and again with the "already has" warning', async () => {
      const args = [
        'org',
        'assign',
        'permsetlicense',
        '--name',
        'SalesforceAPIIntegrationPsl',
        '--on-behalf-of',
        'sync@acme.example',
        '-o',
        'emu',
        '--json',
      ];
      const first = await runSf(args, { home });
      expect(first.exitCode, first.stdout + first.stderr).to.equal(0);
      expect(first.json.result).to.deep.equal({
        successes: [{ name: 'sync@acme.example', value: 'SalesforceAPIIntegrationPsl' }],
        failures: [],
      });
      expect(
        emu.query("SELECT Id FROM PermissionSetLicenseAssign WHERE Assignee.Username = 'sync@acme.example'")
      ).to.have.length(1);
      const before = emu.requests.length;
      const again = await runSf(args, { home });
      expect(again.exitCode, again.stdout + again.stderr).to.equal(0);
      expect(again.json.warnings).to.deep.equal([
        'The user "sync@acme.example" already has the Permission Set License "SalesforceAPIIntegrationPsl"',
      ]);
      expect(emu.requests.slice(before).reduce((n, q) => n + q.writes, 0)).to.equal(0);
      expect(
        emu.query("SELECT Id FROM PermissionSetLicenseAssign WHERE Assignee.Username = 'sync@acme.example'")
      ).to.have.length(1);
    });

    it('assigns a permission set with org assign permset once the PSL is there', async () => {
      const r = await runSf(
        [
          'org',
          'assign',
          'permset',
          '--name',
          'Account_Read',
          '--on-behalf-of',
          'sync@acme.example',
          '-o',
          'emu',
          '--json',
        ],
        { home }
      );
      expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
      expect(r.json.result.successes).to.deep.equal([{ name: 'sync@acme.example', value: 'Account_Read' }]);
      expect(
        emu.query(
          "SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username = 'sync@acme.example' AND PermissionSet.Name = 'Account_Read'"
        )
      ).to.have.length(1);
    });
  });

  describe('jsforce', () => {
    let conn: Connection;
    before(() => {
      conn = new Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.adminAccessToken, version: '66.0' });
    });

    it('queries, with relationship fields', async () => {
      const r = await conn.query<{ Username: string; Profile: { Name: string } }>(
        "SELECT Username, Profile.Name FROM User WHERE Username = 'sync@acme.example'"
      );
      expect(r.totalSize).to.equal(1);
      expect(r.records[0].Profile.Name).to.equal(INTEGRATION_PROFILE);
    });

    it('creates a record and reads it back', async () => {
      const res = await conn.sobject('Account').create({ Name: 'Initech' });
      expect(res.success).to.equal(true);
      const rec = await conn.sobject('Account').retrieve(res.id as string);
      expect(rec.Name).to.equal('Initech');
    });

    it('runs sObject collections: create, retrieve, update, destroy', async () => {
      const created = await conn.sobject('Account').create([{ Name: 'C1' }, { Name: 'C2' }]);
      expect(created.map((c) => c.success)).to.deep.equal([true, true]);
      const ids = created.map((c) => c.id as string);
      const got = await conn.sobject('Account').retrieve(ids, { fields: ['Name'] });
      expect(got.map((g) => g?.Name)).to.deep.equal(['C1', 'C2']);
      const updated = await conn.sobject('Account').update(ids.map((Id) => ({ Id, Industry: 'Tech' })));
      expect(updated.every((u) => u.success)).to.equal(true);
      expect(
        emu.query<Row>("SELECT Name FROM Account WHERE Industry = 'Tech' ORDER BY Name").map((a) => a.Name)
      ).to.deep.equal(['C1', 'C2']);
      const destroyed = await conn.sobject('Account').destroy(ids);
      expect(destroyed.every((d) => d.success)).to.equal(true);
      expect(emu.query("SELECT Id FROM Account WHERE Name IN ('C1', 'C2')")).to.have.length(0);
    });

    it('surfaces Salesforce errors with their codes', async () => {
      let error: (Error & { errorCode?: string }) | undefined;
      try {
        await conn.query('SELECT Nope FROM Account');
      } catch (e) {
        error = e as Error & { errorCode?: string };
      }
      expect(error?.errorCode).to.equal('INVALID_FIELD');
      expect(error?.message).to.contain("No such column 'Nope' on entity 'Account'");
    });
  });
});
