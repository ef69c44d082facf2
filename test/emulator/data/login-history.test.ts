/* eslint-disable @typescript-eslint/no-unsafe-member-access -- REST bodies are JSON, read by shape */
// LoginHistory (read-only): seeded rows, rows from JWT token exchanges, User.LastLoginDate, and the SOQL a
// license audit runs against it (ORDER BY LoginTime, UserId IN, date literals, what can't be filtered).

import { expect } from 'chai';
import { startEmulator, SeedError, type Emulator, type Seed } from '../index.js';
import { INTEGRATION_PROFILE, V, call, soql } from '../http/test-client.js';
import { appSeed, jwtLogin, makeKeyPair } from '../oauth/jwt-client.js';

type Row = Record<string, unknown>;

/** A query row without its `attributes` (nested ones too), for exact comparisons. */
function plain<T>(v: T): T {
  if (Array.isArray(v)) return v.map(plain) as T;
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => k !== 'attributes')
      .map(([k, x]) => [k, plain(x)])
  ) as T;
}

const DAY = 86_400_000;
const FIELDS =
  'UserId, LoginTime, LoginType, Status, Application, Browser, Platform, SourceIp, LoginUrl, ApiType, ApiVersion';

const seed: Seed = {
  users: [
    {
      username: 'sync@acme.example',
      profile: INTEGRATION_PROFILE,
      loginHistory: [
        { type: 'Remote Access 2.0', time: '2026-01-10T08:00:00Z', application: 'Acme Sync' },
        // later but failed: LastLoginDate stays at the successful one
        {
          type: 'Remote Access 2.0',
          time: '2026-01-12T09:30:00Z',
          application: 'Acme Sync',
          status: 'Failed: Invalid Client Credentials',
        },
        { type: 'Other Apex API', time: '2026-01-05T00:00:00.000Z', apiType: 'SOAP Partner', apiVersion: '66.0' },
      ],
    },
    {
      username: 'ops@acme.example',
      profile: 'Standard User',
      loginHistory: [
        {
          type: 'Application',
          time: '2026-01-11T12:00:00+02:00',
          sourceIp: '203.0.113.7',
          loginUrl: 'login.salesforce.com',
        },
      ],
    },
    { username: 'idle@acme.example', profile: INTEGRATION_PROFILE },
  ],
};

describe('emulator LoginHistory', () => {
  let emu: Emulator;
  afterEach(() => emu?.stop());
  const userId = (username: string): string =>
    emu.query<Row>(`SELECT Id FROM User WHERE Username = '${username}'`)[0].Id as string;
  const lastLogin = (username: string): unknown =>
    emu.query<Row>(`SELECT LastLoginDate FROM User WHERE Username = '${username}'`)[0].LastLoginDate;

  describe('seeded rows', () => {
    beforeEach(async () => {
      emu = await startEmulator({ seed });
    });

    it('reads back every field, newest first, for the users asked', () => {
      const sync = userId('sync@acme.example');
      const ops = userId('ops@acme.example');
      const rows = emu.query<Row>(
        `SELECT Id, ${FIELDS} FROM LoginHistory WHERE UserId IN ('${sync}', '${ops}') ORDER BY LoginTime DESC`
      );
      expect(rows.map((r) => r.Id)).to.satisfy((ids: string[]) => ids.every((id) => /^0Ya[A-Za-z0-9]{15}$/.test(id)));
      expect(plain(rows).map(({ Id: _id, ...rest }) => rest)).to.deep.equal([
        {
          UserId: sync,
          LoginTime: '2026-01-12T09:30:00.000+0000',
          LoginType: 'Remote Access 2.0',
          Status: 'Failed: Invalid Client Credentials',
          Application: 'Acme Sync',
          Browser: 'Unknown',
          Platform: 'Unknown',
          SourceIp: '127.0.0.1',
          LoginUrl: 'emu.my.salesforce.com',
          ApiType: 'N/A',
          ApiVersion: 'N/A',
        },
        {
          UserId: ops,
          LoginTime: '2026-01-11T10:00:00.000+0000',
          LoginType: 'Application',
          Status: 'Success',
          Application: 'Browser',
          Browser: 'Chrome 131',
          Platform: 'Mac OSX',
          SourceIp: '203.0.113.7',
          LoginUrl: 'login.salesforce.com',
          ApiType: 'N/A',
          ApiVersion: 'N/A',
        },
        {
          UserId: sync,
          LoginTime: '2026-01-10T08:00:00.000+0000',
          LoginType: 'Remote Access 2.0',
          Status: 'Success',
          Application: 'Acme Sync',
          Browser: 'Unknown',
          Platform: 'Unknown',
          SourceIp: '127.0.0.1',
          LoginUrl: 'emu.my.salesforce.com',
          ApiType: 'N/A',
          ApiVersion: 'N/A',
        },
        {
          UserId: sync,
          LoginTime: '2026-01-05T00:00:00.000+0000',
          LoginType: 'Other Apex API',
          Status: 'Success',
          Application: 'N/A',
          Browser: 'Unknown',
          Platform: 'Unknown',
          SourceIp: '127.0.0.1',
          LoginUrl: 'emu.my.salesforce.com',
          ApiType: 'SOAP Partner',
          ApiVersion: '66.0',
        },
      ]);
      // ids follow time, whatever the seed's order
      expect(emu.query<Row>('SELECT LoginTime FROM LoginHistory ORDER BY Id').map((r) => r.LoginTime)).to.deep.equal([
        '2026-01-05T00:00:00.000+0000',
        '2026-01-10T08:00:00.000+0000',
        '2026-01-11T10:00:00.000+0000',
        '2026-01-12T09:30:00.000+0000',
      ]);
    });

    it('sets User.LastLoginDate to the latest successful login, null without one', () => {
      expect(lastLogin('sync@acme.example')).to.equal('2026-01-10T08:00:00.000+0000');
      expect(lastLogin('ops@acme.example')).to.equal('2026-01-11T10:00:00.000+0000');
      expect(lastLogin('idle@acme.example')).to.equal(null);
      expect(lastLogin('admin@emu.example')).to.equal(null);
    });

    it('groups by user: the latest login and the number of rows per user', () => {
      const rows = emu.query<Row>(
        'SELECT UserId, MAX(LoginTime) latest, COUNT(Id) n FROM LoginHistory GROUP BY UserId ORDER BY COUNT(Id) DESC'
      );
      expect(plain(rows)).to.deep.equal([
        { UserId: userId('sync@acme.example'), latest: '2026-01-12T09:30:00.000+0000', n: 3 },
        { UserId: userId('ops@acme.example'), latest: '2026-01-11T10:00:00.000+0000', n: 1 },
      ]);
    });

    it('has no User relationship, as in real orgs: the user needs a second query', async () => {
      const r = await soql(emu, 'SELECT User.Username, LoginTime FROM LoginHistory');
      expect(r.status).to.equal(400);
      expect(r.body[0].errorCode).to.equal('INVALID_FIELD');
      expect(r.body[0].message).to.contain("Didn't understand relationship 'User' in field path.");
      const sub = emu.query<Row>(
        "SELECT Username FROM User WHERE Id IN (SELECT UserId FROM LoginHistory WHERE LoginType = 'Application')"
      );
      expect(plain(sub)).to.deep.equal([{ Username: 'ops@acme.example' }]);
    });

    it('filters only on the fields the object reference lists (Status, Application ... are not)', async () => {
      for (const field of ['Status', 'Application', 'Browser', 'Platform', 'SourceIp', 'ApiType', 'ApiVersion']) {
        const r = await soql(emu, `SELECT Id FROM LoginHistory WHERE ${field} = 'x'`);
        expect(r.status, field).to.equal(400);
        expect(r.body[0].errorCode, field).to.equal('INVALID_FIELD');
        expect(r.body[0].message, field).to.contain(`field '${field}' can not be filtered in a query call`);
      }
      expect(
        emu.query(
          "SELECT Id FROM LoginHistory WHERE LoginType = 'Remote Access 2.0' AND LoginUrl = 'emu.my.salesforce.com'"
        )
      ).to.have.length(2);
    });

    it('is read-only and described as such', async () => {
      const ins = await call(emu, 'POST', `${V}/sobjects/LoginHistory`, { LoginType: 'Application' });
      expect(ins.status).to.equal(405);
      const d = await call(emu, 'GET', `${V}/sobjects/LoginHistory/describe`);
      expect(d.body).to.include({
        name: 'LoginHistory',
        keyPrefix: '0Ya',
        createable: false,
        updateable: false,
        deletable: false,
      });
      const field = (name: string): Row => (d.body.fields as Row[]).find((f) => f.name === name) as Row;
      expect(field('UserId')).to.include({ type: 'reference', relationshipName: null, filterable: true });
      expect(field('UserId').referenceTo).to.deep.equal(['User']);
      expect(field('Status')).to.include({ type: 'string', filterable: false });
      expect(field('LoginType')).to.include({ type: 'picklist', filterable: true });
      expect((field('LoginType').picklistValues as Row[]).map((v) => v.value)).to.include.members([
        'Application',
        'Remote Access 2.0',
        'Remote Access Client',
        'SAML Sfdc Initiated SSO',
        'Other Apex API',
        'Partner Product',
      ]);
      expect(
        (await call(emu, 'GET', '/services/data/v66.0/tooling/query?q=SELECT+Id+FROM+LoginHistory')).status
      ).to.equal(400);
    });
  });

  describe('date literals', () => {
    it('LAST_N_DAYS:n, TODAY and comparisons against them, with daysAgo seeds', async () => {
      emu = await startEmulator({
        seed: {
          users: [
            {
              username: 'sync@acme.example',
              profile: INTEGRATION_PROFILE,
              loginHistory: [0, 10, 89, 91, 200].map((daysAgo) => ({
                type: 'Remote Access 2.0',
                daysAgo,
                application: `d${daysAgo}`,
              })),
            },
          ],
        },
      });
      const apps = (where: string): string[] =>
        emu
          .query<Row>(`SELECT Application FROM LoginHistory WHERE ${where} ORDER BY LoginTime DESC`)
          .map((r) => r.Application as string);
      expect(apps('LoginTime = LAST_N_DAYS:90')).to.deep.equal(['d0', 'd10', 'd89']);
      expect(apps('LoginTime < LAST_N_DAYS:90')).to.deep.equal(['d91', 'd200']);
      expect(apps('LoginTime = TODAY')).to.deep.equal(['d0']);
      expect(apps('LoginTime = LAST_N_DAYS:1')).to.deep.equal(['d0']);
      expect(
        apps(`LoginTime >= ${new Date(Date.now() - 100 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z')}`)
      ).to.deep.equal(['d0', 'd10', 'd89', 'd91']);
      // daysAgo keeps the time of day: the newest row is now (give or take the seed's build)
      const newest = Date.parse(
        String(
          emu.query<Row>("SELECT LastLoginDate FROM User WHERE Username = 'sync@acme.example'")[0].LastLoginDate
        ).replace('+0000', 'Z')
      );
      expect(Date.now() - newest).to.be.within(0, 60_000);
    });
  });

  describe('JWT token exchanges', function () {
    this.timeout(20_000);
    const keys = makeKeyPair();

    it("adds a 'Remote Access 2.0' row per successful exchange and moves LastLoginDate; a refused one adds none", async () => {
      emu = await startEmulator({ seed: appSeed(keys.certificate) });
      const before = Date.now();
      expect(
        (await jwtLogin(emu, keys.privateKey, { iss: 'LEGACYKEY0001', sub: 'sync@acme.example' })).status
      ).to.equal(200);
      expect((await jwtLogin(emu, keys.privateKey, { iss: 'ECAKEY000001', sub: 'sync@acme.example' })).status).to.equal(
        200
      );
      expect((await jwtLogin(emu, keys.privateKey, { iss: 'LEGACYKEY0001', sub: 'std@acme.example' })).status).to.equal(
        400
      );
      const sync = userId('sync@acme.example');
      const rows = emu.query<Row>(`SELECT ${FIELDS} FROM LoginHistory ORDER BY LoginTime DESC`);
      expect(plain(rows).map(({ LoginTime: _time, ...rest }) => rest)).to.deep.equal(
        ['Acme Sync', 'Legacy Sync'].map((application) => ({
          UserId: sync,
          LoginType: 'Remote Access 2.0',
          Status: 'Success',
          Application: application,
          Browser: 'Unknown',
          Platform: 'Unknown',
          SourceIp: '127.0.0.1',
          LoginUrl: new URL(emu.instanceUrl).host,
          ApiType: 'N/A',
          ApiVersion: 'N/A',
        }))
      );
      const times = rows.map((r) => Date.parse(String(r.LoginTime).replace('+0000', 'Z')));
      // the org's clock is strictly increasing, so it may run a few ms ahead of the wall clock
      expect(times[0]).to.be.within(before, Date.now() + 1000);
      expect(times[0]).to.be.above(times[1]);
      expect(lastLogin('sync@acme.example')).to.equal(rows[0].LoginTime);
      expect(lastLogin('std@acme.example')).to.equal(null);
      // bookkeeping, not a write: the token request still logs writes: 0
      expect(emu.requests.at(-2)).to.include({ path: '/services/oauth2/token', status: 200, writes: 0 });
    });
  });

  describe('seed checks', () => {
    const seedError = async (login: unknown): Promise<string> => {
      try {
        await startEmulator({
          seed: {
            users: [{ username: 'a@acme.example', profile: 'Standard User', loginHistory: [login] }],
          } as unknown as Seed,
        });
      } catch (e) {
        expect(e).to.be.instanceOf(SeedError);
        return (e as Error).message;
      }
      throw new Error('seed accepted');
    };

    it('names the path of a bad login row', async () => {
      expect(await seedError({ type: 'Web', time: '2026-01-01T00:00:00Z' })).to.match(
        /^seed\.users\[0\]\.loginHistory\[0\]\.type: must be one of 'Application', 'Remote Access 2\.0'/
      );
      expect(await seedError({ type: 'Application' })).to.equal(
        "seed.users[0].loginHistory[0]: needs exactly one of 'time' (ISO date-time) and 'daysAgo'"
      );
      expect(await seedError({ type: 'Application', time: '2026-01-01T00:00:00Z', daysAgo: 3 })).to.equal(
        "seed.users[0].loginHistory[0]: needs exactly one of 'time' (ISO date-time) and 'daysAgo'"
      );
      expect(await seedError({ type: 'Application', time: 'yesterday' })).to.equal(
        'seed.users[0].loginHistory[0].time: must be an ISO date-time'
      );
      expect(await seedError({ type: 'Application', daysAgo: -1 })).to.equal(
        'seed.users[0].loginHistory[0].daysAgo: must be a whole number >= 0'
      );
      expect(await seedError({ type: 'Application', daysAgo: 1, when: 'now' })).to.contain(
        'seed.users[0].loginHistory[0].when: unknown key'
      );
    });
  });
});
