/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { SeedError, startEmulator, type Emulator, type Seed } from '../index.js';
import { appSeed, jwtLogin, makeKeyPair } from '../oauth/jwt-client.js';
import { V, call, soql, withEmulator } from './test-client.js';

type Row = Record<string, unknown>;

/** These tests set the switches they test; a stress run's EMULATOR_BEHAVIOUR would override them. */
function pinSwitches(): void {
  const stress = process.env.EMULATOR_BEHAVIOUR;
  before(() => delete process.env.EMULATOR_BEHAVIOUR);
  after(() => {
    if (stress !== undefined) process.env.EMULATOR_BEHAVIOUR = stress;
  });
}

const accounts = (n: number): Array<{ Name: string }> =>
  Array.from({ length: n }, (_, i) => ({ Name: `Co ${String(i).padStart(2, '0')}` }));
const names = (records: unknown): string[] => (records as Row[]).map((r) => r.Name as string);
const pageSeed = (n: number, behaviour: Seed['behaviour'] = {}): Seed => ({
  records: { Account: accounts(n) },
  behaviour: { queryPageSize: 3, ...behaviour },
});
const LOCATOR = /^\/services\/data\/v66\.0\/query\/01g[A-Za-z0-9]{15}-(\d+)$/;

describe('emulator query pages (behaviour.queryPageSize)', () => {
  pinSwitches();
  it('answers at most a page of records; nextRecordsUrl leads to the rest, and a locator read to the end is closed', async () => {
    await withEmulator(pageSeed(7), async (emu) => {
      const first = await soql(emu, 'SELECT Name FROM Account ORDER BY Name');
      expect(first.status).to.equal(200);
      expect(first.body).to.include({ totalSize: 7, done: false });
      expect(names(first.body.records)).to.deep.equal(['Co 00', 'Co 01', 'Co 02']);
      expect(LOCATOR.exec(first.body.nextRecordsUrl as string)?.[1]).to.equal('3');
      const second = await call(emu, 'GET', first.body.nextRecordsUrl as string);
      expect(second.body).to.include({ totalSize: 7, done: false });
      expect(names(second.body.records)).to.deep.equal(['Co 03', 'Co 04', 'Co 05']);
      const last = await call(emu, 'GET', second.body.nextRecordsUrl as string);
      expect(last.body).to.deep.equal({ totalSize: 7, done: true, records: [last.body.records[0]] });
      expect(names(last.body.records)).to.deep.equal(['Co 06']);
      const again = await call(emu, 'GET', second.body.nextRecordsUrl as string);
      expect(again).to.deep.include({
        status: 400,
        body: [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }],
      });
      expect(emu.requests.map((r) => [r.method, r.status])).to.deep.equal([
        ['GET', 200],
        ['GET', 200],
        ['GET', 200],
        ['GET', 400],
      ]);
    });
  });

  it("defaults to Salesforce's 2,000 records a page", async () => {
    await withEmulator(
      { records: { Account: Array.from({ length: 2001 }, (_, i) => ({ Name: `Co ${i}` })) } },
      async (emu) => {
        const first = await soql(emu, 'SELECT Id FROM Account');
        expect(first.body.records).to.have.length(2000);
        expect(LOCATOR.exec(first.body.nextRecordsUrl as string)?.[1]).to.equal('2000');
        const rest = await call(emu, 'GET', first.body.nextRecordsUrl as string);
        expect(rest.body).to.include({ totalSize: 2001, done: true });
        expect(rest.body.records).to.have.length(1);
      }
    );
  });

  it('pages Tooling answers under /tooling/query/; a locator works only on the endpoint that made it', async () => {
    await withEmulator(pageSeed(7), async (emu) => {
      const first = await call(
        emu,
        'GET',
        `${V}/tooling/query?q=${encodeURIComponent('SELECT QualifiedApiName FROM EntityDefinition')}`
      );
      expect(first.body.done).to.equal(false);
      expect(first.body.records).to.have.length(3);
      const url = first.body.nextRecordsUrl as string;
      expect(url).to.match(/^\/services\/data\/v66\.0\/tooling\/query\/01g[A-Za-z0-9]{15}-3$/);
      const wrong = await call(emu, 'GET', url.replace('/tooling/', '/'));
      expect(wrong.body).to.deep.equal([{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
      const next = await call(emu, 'GET', url);
      expect(next.status).to.equal(200);
      expect(next.body.records).to.have.length(3);
    });
  });

  it('pages query subrequests of /composite and /composite/batch, and serves nextRecordsUrl as a subrequest of either', async () => {
    await withEmulator(pageSeed(7), async (emu) => {
      const q = `/query?q=${encodeURIComponent('SELECT Name FROM Account ORDER BY Name')}`;
      const composite = await call(emu, 'POST', `${V}/composite`, {
        compositeRequest: [{ method: 'GET', url: `${V}${q}`, referenceId: 'accounts' }],
      });
      const body = composite.body.compositeResponse[0].body;
      expect(body).to.include({ totalSize: 7, done: false });
      expect(names(body.records)).to.deep.equal(['Co 00', 'Co 01', 'Co 02']);
      // The next page as a composite subrequest, then the last as a batch subrequest (batch urls start at the version).
      const next = await call(emu, 'POST', `${V}/composite`, {
        compositeRequest: [{ method: 'GET', url: body.nextRecordsUrl, referenceId: 'more' }],
      });
      const second = next.body.compositeResponse[0];
      expect(second.httpStatusCode).to.equal(200);
      expect(names(second.body.records)).to.deep.equal(['Co 03', 'Co 04', 'Co 05']);
      const batch = await call(emu, 'POST', `${V}/composite/batch`, {
        batchRequests: [
          { method: 'GET', url: (second.body.nextRecordsUrl as string).replace('/services/data/', '') },
          { method: 'GET', url: `v66.0${q}` },
        ],
      });
      const [last, again] = batch.body.results;
      expect(last.statusCode).to.equal(200);
      expect(last.result).to.include({ done: true });
      expect(names(last.result.records)).to.deep.equal(['Co 06']);
      expect(again.result).to.include({ totalSize: 7, done: false });
      expect(again.result.nextRecordsUrl).to.match(LOCATOR);
    });
  });

  it('refuses an aggregate answer above aggregateQueryRowLimit with EXCEEDED_ID_LIMIT; below it, one answer whatever the page size', async () => {
    await withEmulator(pageSeed(7, { aggregateQueryRowLimit: 5 }), async (emu) => {
      const grouped = await soql(emu, 'SELECT Name, COUNT(Id) n FROM Account GROUP BY Name');
      expect(grouped).to.deep.include({
        status: 400,
        body: [
          {
            message:
              'Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch',
            errorCode: 'EXCEEDED_ID_LIMIT',
          },
        ],
      });
      const limited = await soql(emu, 'SELECT Name, COUNT(Id) n FROM Account GROUP BY Name ORDER BY Name LIMIT 5');
      expect(limited.body).to.include({ totalSize: 5, done: true });
      expect(limited.body.records).to.have.length(5);
      expect(limited.body.nextRecordsUrl).to.equal(undefined);
      const total = await soql(emu, 'SELECT COUNT(Id) n FROM Account');
      expect(total.body.records[0].n).to.equal(7);
    });
  });

  it('keeps at most openQueryCursors unread locators per user: opening one more releases the oldest', async () => {
    const key = makeKeyPair();
    const seed: Seed = {
      ...appSeed(key.certificate),
      records: { Account: accounts(7) },
      behaviour: { queryPageSize: 3, openQueryCursors: 2 },
    };
    await withEmulator(seed, async (emu) => {
      const urls: string[] = [];
      for (let i = 0; i < 3; i++)
        urls.push((await soql(emu, `SELECT Name FROM Account LIMIT ${7 - i}`)).body.nextRecordsUrl as string);
      const released = await call(emu, 'GET', urls[0]);
      expect(released.body).to.deep.equal([{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
      expect((await call(emu, 'GET', urls[1])).status).to.equal(200);
      expect((await call(emu, 'GET', urls[2])).status).to.equal(200);
      // Another user's session can't read the admin's locator, and its own cursors don't release the admin's.
      const login = await jwtLogin(emu, key.privateKey, { iss: 'LEGACYKEY0001', sub: 'sync@acme.example' });
      const mine = (await soql(emu, 'SELECT Name FROM Account')).body.nextRecordsUrl as string;
      const theirs = await call(
        emu,
        'GET',
        `${V}/query?q=${encodeURIComponent('SELECT Name FROM Account')}`,
        undefined,
        login.body.access_token as string
      );
      expect(theirs.body.done).to.equal(false);
      const foreign = await call(emu, 'GET', mine, undefined, login.body.access_token as string);
      expect(foreign.body).to.deep.equal([{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
      expect((await call(emu, 'GET', mine)).status).to.equal(200);
    });
  });
});

describe('emulator request size and statement length (Help 000386264, SOQL limits)', () => {
  pinSwitches();
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ seed: { records: { Account: accounts(2) } } });
  });
  after(() => emu.stop());
  beforeEach(() => emu.clearRequests());

  const raw = async (
    path: string,
    headers: Record<string, string> = {}
  ): Promise<{ status: number; type: string | null; text: string }> => {
    const res = await fetch(`${emu.instanceUrl}${path}`, {
      headers: { authorization: `Bearer ${emu.adminAccessToken}`, ...headers },
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  // A query URI of exactly `bytes` bytes: the filter's string literal pads it.
  const uriOf = (bytes: number): string => {
    const head = `${V}/query?q=${encodeURIComponent("SELECT Id FROM Account WHERE Name = '")}`;
    const tail = encodeURIComponent("'");
    return `${head}${'a'.repeat(bytes - head.length - tail.length)}${tail}`;
  };

  it("answers a URI over 16,384 bytes with 414 and the web server's page, running nothing", async () => {
    const reply = await raw(uriOf(16_385));
    expect(reply).to.deep.equal({
      status: 414,
      type: 'text/html;charset=iso-8859-1',
      text: '<h1>Bad Message 414</h1><pre>reason: URI Too Long</pre>',
    });
    expect(emu.requests.map((r) => [r.status, r.errorCode, r.soql, r.writes])).to.deep.equal([
      [414, 'URI_TOO_LONG', undefined, 0],
    ]);
  });

  it('answers URI plus headers over 16,384 bytes with 431; a URI of 16,000 bytes alone still runs', async () => {
    const alone = await raw(uriOf(16_000));
    expect(alone.status).to.equal(200);
    const padded = await raw(uriOf(16_000), { 'x-pad': 'p'.repeat(400) });
    expect(padded).to.deep.equal({
      status: 431,
      type: 'text/html;charset=iso-8859-1',
      text: '<h1>Bad Message 431</h1><pre>reason: Request Header Fields Too Large</pre>',
    });
    expect(emu.requests.map((r) => r.status)).to.deep.equal([200, 431]);
  });

  it('refuses a SOQL statement over 100,000 characters with MALFORMED_QUERY, also in a composite body', async () => {
    const statement = (length: number): string => {
      const head = "SELECT Id FROM Account WHERE Name = '";
      return `${head}${'a'.repeat(length - head.length - 1)}'`;
    };
    const compositeOf = (q: string): Promise<Awaited<ReturnType<typeof call>>> =>
      call(emu, 'POST', `${V}/composite`, {
        compositeRequest: [{ method: 'GET', url: `${V}/query?q=${encodeURIComponent(q)}`, referenceId: 'q' }],
      });
    const over = (await compositeOf(statement(100_001))).body.compositeResponse[0];
    expect(over).to.deep.include({
      httpStatusCode: 400,
      body: [{ message: 'SOQL statements can not be longer than 100000 characters.', errorCode: 'MALFORMED_QUERY' }],
    });
    const at = (await compositeOf(statement(100_000))).body.compositeResponse[0];
    expect(at.httpStatusCode).to.equal(200);
  });
});

describe('emulator semi-join rules (SOQL reference, semi-join and anti-join restrictions)', () => {
  pinSwitches();
  const seed: Seed = {
    permissionSets: [{ name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } }],
  };
  const refused = (message: string): Row => ({ status: 400, errorCode: 'MALFORMED_QUERY', last: message });
  const outcome = (r: Awaited<ReturnType<typeof soql>>): Row =>
    r.status === 200
      ? { status: 200 }
      : { status: r.status, errorCode: r.body[0].errorCode, last: (r.body[0].message as string).split('\n').pop() };

  it('takes two semi-joins (IN or NOT IN) in a WHERE clause and refuses a third', async () => {
    await withEmulator(seed, async (emu) => {
      const set = "SELECT PermissionSetId FROM PermissionSetAssignment WHERE PermissionSet.Name = 'Account_Read'";
      const two = await soql(
        emu,
        `SELECT Id FROM ObjectPermissions WHERE ParentId IN (${set}) AND ParentId NOT IN (SELECT PermissionSetId FROM PermissionSetGroupComponent)`
      );
      expect(outcome(two)).to.deep.equal({ status: 200 });
      const three = await soql(
        emu,
        `SELECT Id FROM ObjectPermissions WHERE ParentId IN (${set}) AND ParentId NOT IN (SELECT PermissionSetId FROM PermissionSetGroupComponent) AND ParentId IN (SELECT ParentId FROM FieldPermissions)`
      );
      expect(outcome(three)).to.deep.equal(refused('Maximum 2 semi join sub-selects are allowed'));
    });
  });

  it('refuses a semi-join nested in a semi-join, and an inner select on the outer object', async () => {
    await withEmulator(seed, async (emu) => {
      const nested = await soql(
        emu,
        'SELECT Id FROM ObjectPermissions WHERE ParentId IN (SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId IN (SELECT UserId FROM LoginHistory))'
      );
      expect(outcome(nested)).to.deep.equal(refused('Nesting of semi join sub-selects is not supported'));
      const same = await soql(
        emu,
        'SELECT Id FROM PermissionSet WHERE Id IN (SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = false)'
      );
      expect(outcome(same)).to.deep.equal(refused('The inner and outer selects should not be on the same object type'));
    });
  });
});

describe('EMULATOR_BEHAVIOUR: behaviour switches laid over every seed', () => {
  pinSwitches();
  afterEach(() => delete process.env.EMULATOR_BEHAVIOUR);

  it("overrides the seed's own switches (a stress mode), and names a malformed value", async () => {
    process.env.EMULATOR_BEHAVIOUR = '{"queryPageSize":2}';
    await withEmulator(pageSeed(5, { queryPageSize: 4 }), async (emu) => {
      expect((await soql(emu, 'SELECT Id FROM Account')).body.records).to.have.length(2);
    });
    process.env.EMULATOR_BEHAVIOUR = '{"queryPageSize":0}';
    let error: unknown;
    await startEmulator({ seed: {} }).catch((e: unknown) => (error = e));
    expect(error)
      .to.be.instanceOf(SeedError)
      .and.have.property('message', 'seed.behaviour.queryPageSize: must be a whole number from 1 to 2000');
    process.env.EMULATOR_BEHAVIOUR = 'pageSize=2';
    error = undefined;
    await startEmulator({ seed: {} }).catch((e: unknown) => (error = e));
    expect(error)
      .to.be.instanceOf(SeedError)
      .and.have.property('message')
      .that.matches(/^EMULATOR_BEHAVIOUR: is not valid JSON/);
  });
});
