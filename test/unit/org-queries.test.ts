import { expect } from 'chai';
import { Org } from '@salesforce/core';
import { OrgClient, type SObjectRecord } from '../../src/service/org-client.js';
import { SalesforceApiError } from '../../src/service/errors.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { withoutStress } from '../helpers/stress.js';
import type { Emulator, RequestLogEntry, Seed } from '../emulator/index.js';

const accounts = (n: number): Array<{ Name: string }> =>
  Array.from({ length: n }, (_, i) => ({ Name: `Co ${String(i).padStart(3, '0')}` }));
const names = (records: SObjectRecord[]): string[] => records.map((r) => String(r.Name));
const expected = (n: number, from = 0): string[] =>
  accounts(n)
    .slice(from)
    .map((a) => a.Name);
/** Each request as method and path, with the subrequests' urls cut to their resource. */
const shape = (emu: Emulator): string[] =>
  emu.requests.map((r: RequestLogEntry) => {
    const subs = (r.subrequests ?? []).map((s) =>
      s.url
        .replace(/^(\/services\/data\/)?v66\.0/, '')
        .replace(/\?q=.*$/, '?q')
        .replace(/01g[A-Za-z0-9]+-\d+/, '<locator>')
    );
    return `${r.method} ${r.path.replace('/services/data/v66.0', '').replace(/01g[A-Za-z0-9]+-\d+/, '<locator>')}${subs.length ? ` [${subs.join(', ')}]` : ''}`;
  });
const uri = (r: RequestLogEntry): string => `${r.path}${r.query ? `?${r.query}` : ''}`;

describe("org client: queries read to the end, within Salesforce's request limits", () => {
  const ctx = new EmulatedOrgContext();
  let client: OrgClient;
  afterEach(() => ctx.stop());
  const start = async (seed: Seed): Promise<Emulator> => {
    const emu = await withoutStress(() => ctx.start(seed));
    client = new OrgClient((await Org.create({ aliasOrUsername: ctx.targetOrg })).getConnection('66.0'));
    emu.clearRequests();
    return emu;
  };

  it('query: follows every nextRecordsUrl, one GET a page', async () => {
    const emu = await start({ records: { Account: accounts(7) }, behaviour: { queryPageSize: 3 } });
    expect(names(await client.query('SELECT Name FROM Account ORDER BY Name'))).to.deep.equal(expected(7));
    expect(shape(emu)).to.deep.equal(['GET /query', 'GET /query/<locator>', 'GET /query/<locator>']);
  });

  it('query: a last page whose answer was lost is gone when asked again; the query is read again from its start', async () => {
    const emu = await start({ records: { Account: accounts(7) }, behaviour: { queryPageSize: 3 } });
    emu.addFault({ path: '/\\/query\\/01g[A-Za-z0-9]+-6$/', lostAnswer: true, times: 1 });
    expect(names(await client.query('SELECT Name FROM Account ORDER BY Name'))).to.deep.equal(expected(7));
    expect(
      emu.requests.map((r) => [
        r.path.replace(/01g[A-Za-z0-9]+-(\d+)/, '<locator>-$1'),
        r.status,
        r.errorCode ?? null,
        r.fault ?? false,
      ])
    ).to.deep.equal([
      ['/services/data/v66.0/query', 200, null, false],
      ['/services/data/v66.0/query/<locator>-3', 200, null, false],
      ['/services/data/v66.0/query/<locator>-6', 200, null, true],
      ['/services/data/v66.0/query/<locator>-6', 400, 'INVALID_QUERY_LOCATOR', false],
      ['/services/data/v66.0/query', 200, null, false],
      ['/services/data/v66.0/query/<locator>-3', 200, null, false],
      ['/services/data/v66.0/query/<locator>-6', 200, null, false],
    ]);
  });

  it('toolingQuery: follows /tooling/query/ locators too', async () => {
    const emu = await start({ behaviour: { queryPageSize: 5 } });
    const all = emu
      .query<{ QualifiedApiName: string }>('SELECT QualifiedApiName FROM EntityDefinition')
      .map((e) => e.QualifiedApiName);
    const read = await client.toolingQuery('SELECT QualifiedApiName FROM EntityDefinition');
    expect(read.map((e) => e.QualifiedApiName)).to.deep.equal(all);
    expect(shape(emu)).to.deep.equal([
      'GET /tooling/query',
      ...Array.from({ length: Math.ceil(all.length / 5) - 1 }, () => 'GET /tooling/query/<locator>'),
    ]);
    expect(all.length).to.be.greaterThan(10);
  });

  it('forEachPage: hands over each page as it comes and keeps none', async () => {
    await start({ records: { Account: accounts(7) }, behaviour: { queryPageSize: 3 } });
    const pages: string[][] = [];
    const count = await client.forEachPage(
      'SELECT Name FROM Account ORDER BY Name',
      (records) => void pages.push(names(records))
    );
    expect(count).to.equal(7);
    expect(pages).to.deep.equal([expected(3), expected(6, 3), expected(7, 6)]);
  });

  it('a query whose URI would pass 2,000 characters goes in a composite batch body; its next pages by GET', async () => {
    const emu = await start({ records: { Account: accounts(7) }, behaviour: { queryPageSize: 3 } });
    const long = `SELECT Name FROM Account WHERE Name NOT IN (${Array.from({ length: 150 }, (_, i) => `'Other ${i}'`).join(', ')}) ORDER BY Name`;
    expect(`/services/data/v66.0/query?q=${encodeURIComponent(long)}`.length).to.be.greaterThan(2000);
    expect(names(await client.query(long))).to.deep.equal(expected(7));
    expect(shape(emu)).to.deep.equal([
      'POST /composite/batch [/query?q]',
      'GET /query/<locator>',
      'GET /query/<locator>',
    ]);
    expect(emu.requests.every((r) => uri(r).length <= 2000)).to.equal(true);
  });

  it('queries: up to 5 in one composite call, then each round of next pages of them all in one batch', async () => {
    const emu = await start({ records: { Account: accounts(8) }, behaviour: { queryPageSize: 2 } });
    const found = await client.queries({
      all: 'SELECT Name FROM Account ORDER BY Name',
      five: 'SELECT Name FROM Account ORDER BY Name LIMIT 5',
      two: 'SELECT Name FROM Account ORDER BY Name LIMIT 2',
      none: undefined,
    });
    expect({ all: names(found.all), five: names(found.five), two: names(found.two), none: found.none }).to.deep.equal({
      all: expected(8),
      five: expected(5),
      two: expected(2),
      none: [],
    });
    // all: 4 pages, five: 3 pages, two: 1 page. Rounds of next pages: both, both, then all's last.
    expect(shape(emu)).to.deep.equal([
      'POST /composite [/query?q, /query?q, /query?q]',
      'POST /composite/batch [/query/<locator>, /query/<locator>]',
      'POST /composite/batch [/query/<locator>, /query/<locator>]',
      'GET /query/<locator>',
    ]);
  });

  it('queries: more than 5 go as one batch of up to 25; more than ten open cursors, and the released ones are read again alone', async () => {
    const emu = await start({
      records: { Account: accounts(6) },
      behaviour: { queryPageSize: 2, openQueryCursors: 10 },
    });
    const soql = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`q${i}`, `SELECT Name FROM Account WHERE Name != 'x${i}' ORDER BY Name`])
    );
    const found = await client.queries(soql);
    expect(Object.values(found).map(names)).to.deep.equal(Array.from({ length: 12 }, () => expected(6)));
    // 12 cursors opened in one batch: the org released the first two; those are read again on their own.
    const released = emu.requests
      .flatMap((r) => r.subrequests ?? [])
      .filter((s) => s.errorCode === 'INVALID_QUERY_LOCATOR');
    expect(released).to.have.length(2);
    expect(shape(emu)[0]).to.match(/^POST \/composite\/batch \[(\/query\?q, ){11}\/query\?q\]$/);
  });

  it('queryByIds: 256 Ids a query, the chunks together; an aggregate chunk over one batch is halved until it fits', async () => {
    const seed: Seed = {
      behaviour: { aggregateQueryRowLimit: 100 },
      userLicenses: [
        { name: 'Salesforce Integration', total: 5 },
        { name: 'Salesforce', total: 700 },
      ],
      users: [
        { username: 'admin@emu.example', lastName: 'Admin', profile: 'System Administrator' },
        ...Array.from({ length: 600 }, (_, i) => ({
          username: `u${i}@acme.example`,
          lastName: `User ${i}`,
          profile: 'Standard User',
          loginHistory: [{ type: i % 2 ? 'Application' : 'Remote Access 2.0', daysAgo: 1 }],
        })),
      ],
    };
    const emu = await start(seed);
    const ids = emu.query<{ Id: string }>("SELECT Id FROM User WHERE Username LIKE 'u%'").map((u) => u.Id);
    const plain = await client.queryByIds(ids, (idList) => `SELECT Id FROM User WHERE Id IN ${idList}`);
    expect(plain.map((u) => u.Id).sort()).to.deep.equal([...ids].sort());
    expect(shape(emu)).to.deep.equal(['POST /composite [/query?q, /query?q, /query?q]']);

    emu.clearRequests();
    const rows = await client.queryByIds(
      ids,
      (idList) =>
        `SELECT UserId, LoginType, COUNT(Id) n FROM LoginHistory WHERE UserId IN ${idList} GROUP BY UserId, LoginType`
    );
    expect(rows).to.have.length(600);
    expect(rows.filter((r) => r.LoginType === 'Application')).to.have.length(300);
    // 256, 256 and 88 Ids: the two full chunks answer 256 groups (over 100) and are halved twice, to 64 Ids a query.
    const codes = emu.requests.map((r) => (r.subrequests ?? []).map((s) => s.errorCode ?? s.status));
    expect(codes).to.deep.equal([
      ['EXCEEDED_ID_LIMIT', 'EXCEEDED_ID_LIMIT', 200],
      ['EXCEEDED_ID_LIMIT', 'EXCEEDED_ID_LIMIT', 'EXCEEDED_ID_LIMIT', 'EXCEEDED_ID_LIMIT'],
      [200, 200, 200, 200, 200, 200, 200, 200],
    ]);
    expect(emu.requests.every((r) => uri(r).length <= 2000)).to.equal(true);
  });

  it('names a request Salesforce refuses as too large (414, 431), and does not send it again', async () => {
    const emu = await start({ records: { Account: accounts(1) } });
    const id = emu.query<{ Id: string }>('SELECT Id FROM Account')[0].Id;
    const error = await client.update('Account', `${id}${'x'.repeat(17_000)}`, { Name: 'Renamed' }).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(error).to.be.instanceOf(SalesforceApiError);
    expect(error).to.deep.include({ errorCode: 'URI_TOO_LONG', status: 414, name: 'URI_TOO_LONG' });
    expect((error as Error).message).to.equal(
      "The org refused the request: HTTP 414 URI Too Long: the request's URI and headers are longer than Salesforce accepts (16,384 bytes). (URI_TOO_LONG)"
    );
    expect(emu.requests.map((r) => r.status)).to.deep.equal([414]);
  });

  it('refuses to send a statement over 100,000 characters: a bug of its own, named before anything is sent', async () => {
    const emu = await start({});
    const long = `SELECT Id FROM Account WHERE Name = '${'a'.repeat(100_000)}'`;
    const error = await client.query(long).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(error).to.have.property('name', 'QueryTooLongError');
    expect((error as Error).message).to.equal(
      `A query of ${long.length} characters can't be sent: it is over Salesforce's limit of 100000 characters.`
    );
    expect(emu.requests).to.have.length(0);
  });
});
