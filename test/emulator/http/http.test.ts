/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- REST bodies are JSON, read by shape */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator } from '../index.js';
import { INTEGRATION_PROFILE, V, call, create, soql, withEmulator } from './test-client.js';

type Row = Record<string, unknown>;

describe('emulator HTTP surface', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator({ seed: { records: { Account: [{ Name: 'Acme' }] } } });
  });
  afterEach(() => emu.stop());

  it('lists API versions without auth, ending at Spring ’26 v66.0', async () => {
    const r = await call(emu, 'GET', '/services/data', undefined, null);
    expect(r.status).to.equal(200);
    expect(r.body.at(-1)).to.deep.equal({ label: "Spring '26", url: '/services/data/v66.0', version: '66.0' });
    expect(r.body.map((v: Row) => v.version)).to.include.members(['51.0', '64.0', '65.0']);
    expect(r.body.find((v: Row) => v.version === '51.0').label).to.equal("Spring '21");
  });

  it('folds repeated slashes and accepts older versions, but not newer ones', async () => {
    expect(emu.instanceUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await call(emu, 'GET', `//services/data/v51.0//query?q=${encodeURIComponent('SELECT Id FROM Account')}`);
    expect(r.status).to.equal(200);
    expect(r.body.records[0].attributes.url).to.match(/^\/services\/data\/v51\.0\/sobjects\/Account\//);
    expect(emu.requests.at(-1)?.path).to.equal('/services/data/v51.0/query');
    const newer = await call(emu, 'GET', `/services/data/v67.0/query?q=SELECT+Id+FROM+Account`);
    expect(newer.status).to.equal(404);
    expect(newer.body[0]).to.include({ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' });
  });

  it('answers 401 INVALID_SESSION_ID without a valid token, and after expireTokens()', async () => {
    const expected = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
    const none = await call(emu, 'GET', `${V}/query?q=SELECT+Id+FROM+Account`, undefined, null);
    expect(none.status).to.equal(401);
    expect(none.body).to.deep.equal(expected);
    expect(
      (await call(emu, 'GET', `${V}/query?q=SELECT+Id+FROM+Account`, undefined, `${emu.orgId}!AQ0nope`)).status
    ).to.equal(401);
    expect((await call(emu, 'GET', '/services/oauth2/userinfo', undefined, null)).status).to.equal(401);
    expect((await soql(emu, 'SELECT Id FROM Account')).status).to.equal(200);
    emu.expireTokens();
    const expired = await soql(emu, 'SELECT Id FROM Account');
    expect(expired.status).to.equal(401);
    expect(expired.body).to.deep.equal(expected);
    expect(emu.requests.at(-1)).to.include({ status: 401, errorCode: 'INVALID_SESSION_ID', writes: 0 });
    expect((await call(emu, 'GET', '/services/data', undefined, null)).status).to.equal(200);
  });

  it('answers userinfo in the Salesforce shape', async () => {
    const r = await call(emu, 'GET', '/services/oauth2/userinfo');
    expect(r.status).to.equal(200);
    const admin = emu.query<Row>("SELECT Id FROM User WHERE Username = 'admin@emu.example'")[0].Id as string;
    expect(r.body).to.deep.include({
      sub: `${emu.instanceUrl}/id/${emu.orgId}/${admin}`,
      user_id: admin,
      organization_id: emu.orgId,
      preferred_username: 'admin@emu.example',
      email: 'admin@emu.example',
      given_name: 'Emulator',
      family_name: 'Admin',
      name: 'Emulator Admin',
      zoneinfo: 'America/Los_Angeles',
      locale: 'en_US',
      active: true,
      user_type: 'STANDARD',
      is_salesforce_integration_user: false,
    });
    expect(r.body.urls.rest).to.equal(`${emu.instanceUrl}/services/data/v{version}/`);
  });

  it('treats an integration-license session as one: userinfo says so, Organization is INVALID_TYPE', async () => {
    const seed = {
      admin: { username: 'bot@acme.example' },
      users: [{ username: 'bot@acme.example', profile: INTEGRATION_PROFILE }],
    };
    await withEmulator(seed, async (bot) => {
      expect((await call(bot, 'GET', '/services/oauth2/userinfo')).body.is_salesforce_integration_user).to.equal(true);
      const org = await soql(bot, 'SELECT Name FROM Organization');
      expect(org.status).to.equal(400);
      expect(org.body[0].errorCode).to.equal('INVALID_TYPE');
      expect(org.body[0].message).to.contain("sObject type 'Organization' is not supported.");
      expect((await soql(bot, 'SELECT Id FROM Account')).status).to.equal(200);
    });
  });

  describe('request log', () => {
    it('logs one entry per request with soql, status, writes and user, never the token', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'emu-log-'));
      const file = path.join(dir, 'requests.jsonl');
      const logged = await startEmulator({ seed: {}, requestLog: file });
      try {
        await soql(logged, "SELECT Id FROM User WHERE Username = 'admin@emu.example'");
        await create(logged, 'Account', { Name: 'New' });
        await create(logged, 'Account', { Industry: 'x' });
        const lines = (await readFile(file, 'utf8')).trim().split('\n');
        expect(lines).to.have.length(3);
        const entries = lines.map((l) => JSON.parse(l) as Row);
        expect(entries).to.deep.equal(logged.requests.map((e) => JSON.parse(JSON.stringify(e)) as Row));
        expect(entries[0]).to.include({
          seq: 1,
          method: 'GET',
          path: `${V}/query`,
          soql: "SELECT Id FROM User WHERE Username = 'admin@emu.example'",
          status: 200,
          writes: 0,
          user: 'admin@emu.example',
        });
        expect(decodeURIComponent(String(entries[0].query))).to.equal(
          "q=SELECT Id FROM User WHERE Username = 'admin@emu.example'"
        );
        expect(entries[0].ms).to.be.a('number');
        expect(entries[1]).to.include({ method: 'POST', path: `${V}/sobjects/Account`, status: 201, writes: 1 });
        expect(entries[1]).not.to.have.property('errorCode');
        expect(entries[2]).to.include({ status: 400, errorCode: 'REQUIRED_FIELD_MISSING', writes: 0 });
        const text = await readFile(file, 'utf8');
        expect(text).not.to.contain(logged.adminAccessToken);
        expect(text.toLowerCase()).not.to.contain('authorization');
        logged.clearRequests();
        expect(logged.requests).to.have.length(0);
        expect(logged.query('SELECT Id FROM Account')).to.have.length(1);
        expect(logged.requests).to.have.length(0);
      } finally {
        await logged.stop();
      }
    });
  });

  describe('faults', () => {
    it('fails the Nth request (counting every request) once, without touching state', async () => {
      emu.addFault({ request: 2, status: 503 });
      expect((await soql(emu, 'SELECT Id FROM Account')).status).to.equal(200);
      const faulted = await create(emu, 'Account', { Name: 'Never' });
      expect(faulted.status).to.equal(503);
      expect(faulted.body).to.deep.equal([{ message: 'Server unavailable', errorCode: 'SERVER_UNAVAILABLE' }]);
      expect(emu.query("SELECT Id FROM Account WHERE Name = 'Never'")).to.have.length(0);
      expect(emu.requests[1]).to.include({
        seq: 2,
        status: 503,
        errorCode: 'SERVER_UNAVAILABLE',
        writes: 0,
        fault: true,
      });
      expect((await create(emu, 'Account', { Name: 'Later' })).status).to.equal(201);
    });

    it('fails every request matching a path (raw or decoded, or /regex/), optionally by method, `times` times', async () => {
      emu.addFault({
        path: 'FROM Account',
        status: 400,
        errorCode: 'UNABLE_TO_LOCK_ROW',
        message: 'unable to obtain exclusive access to this record',
        times: 2,
      });
      const first = await soql(emu, 'SELECT Id FROM Account');
      expect(first.status).to.equal(400);
      expect(first.body[0]).to.include({
        errorCode: 'UNABLE_TO_LOCK_ROW',
        message: 'unable to obtain exclusive access to this record',
      });
      expect((await soql(emu, 'SELECT Id FROM Account')).status).to.equal(400);
      expect((await soql(emu, 'SELECT Id FROM Account')).status).to.equal(200);

      emu.addFault({ path: '/sobjects\\/Account$/', method: 'POST', status: 500 });
      expect((await call(emu, 'GET', `${V}/sobjects/Account/describe`)).status).to.equal(200);
      const r1 = await create(emu, 'Account', { Name: 'x' });
      const r2 = await create(emu, 'Account', { Name: 'y' });
      expect([r1.status, r2.status]).to.deep.equal([500, 500]);
      expect(r1.body[0].errorCode).to.equal('UNKNOWN_EXCEPTION');
      expect(emu.query('SELECT Id FROM Account')).to.have.length(1);
    });

    it('resets the connection without an answer', async () => {
      emu.addFault({ path: '/query', reset: true });
      let error: unknown;
      try {
        await soql(emu, 'SELECT Id FROM Account');
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(Error);
      expect(emu.requests.at(-1)).to.include({ status: 0, fault: true, writes: 0 });
    });

    it('lostAnswer: the write lands and is logged, then the connection drops without an answer', async () => {
      emu.addFault({ path: '/sobjects/Account', method: 'POST', lostAnswer: true });
      let error: unknown;
      try {
        await create(emu, 'Account', { Name: 'Landed' });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(Error);
      expect(emu.requests.at(-1)).to.include({ status: 201, fault: true, writes: 1 });
      expect(emu.query("SELECT Id FROM Account WHERE Name = 'Landed'")).to.have.length(1);
      expect(() => emu.addFault({ path: '/query', lostAnswer: true, status: 500 })).to.throw(
        /lostAnswer can't be combined with status/
      );
    });

    it('takes faults from the seed', async () => {
      await withEmulator({ faults: [{ request: 1, status: 403, errorCode: 'REQUEST_LIMIT_EXCEEDED' }] }, async (f) => {
        const r = await call(f, 'GET', '/services/data', undefined, null);
        expect(r.status).to.equal(403);
        expect(r.body[0]).to.deep.equal({
          message: 'TotalRequests Limit exceeded.',
          errorCode: 'REQUEST_LIMIT_EXCEEDED',
        });
        expect((await call(f, 'GET', '/services/data', undefined, null)).status).to.equal(200);
      });
    });

    it('refuses a malformed fault', () => {
      expect(() => emu.addFault({ status: 500 })).to.throw(/needs request, path or method/);
    });
  });
});
