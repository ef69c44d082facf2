/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { startEmulator, type Emulator } from '../index.js';
import { V, call } from './test-client.js';

type Row = Record<string, unknown>;

const q = (soql: string): string => `v66.0/query?q=${encodeURIComponent(soql)}`;

describe('emulator composite batch', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator({ seed: { records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] } } });
    emu.clearRequests();
  });
  afterEach(() => emu.stop());

  const accounts = (): string[] =>
    emu.query<Row>('SELECT Name FROM Account ORDER BY Name').map((a) => a.Name as string);
  const acme = (): string => emu.query<Row>("SELECT Id FROM Account WHERE Name = 'Acme'")[0].Id as string;
  const batch = (batchRequests: unknown[], haltOnError?: boolean): ReturnType<typeof call> =>
    call(emu, 'POST', `${V}/composite/batch`, { batchRequests, ...(haltOnError === undefined ? {} : { haltOnError }) });

  it('runs queries and sObject calls in order, answering {hasErrors, results}, with one log entry', async () => {
    const r = await batch([
      { method: 'GET', url: q("SELECT Name FROM Account WHERE Name = 'Acme'") },
      { method: 'POST', url: 'v66.0/sobjects/Account', richInput: { Name: 'Initech' } },
      { method: 'PATCH', url: `v66.0/sobjects/Account/${acme()}`, richInput: { Industry: 'Tech' } },
      { method: 'GET', url: `/services/data/v66.0/sobjects/Account/${acme()}?fields=Name,Industry` },
      { method: 'GET', url: `/v66.0/query?q=${encodeURIComponent('SELECT COUNT() FROM Account')}` },
    ]);
    expect(r.status).to.equal(200);
    expect(r.body.hasErrors).to.equal(false);
    const [query, created, patched, read, count] = r.body.results;
    expect(query).to.deep.equal({
      statusCode: 200,
      result: {
        totalSize: 1,
        done: true,
        records: [{ attributes: { type: 'Account', url: `${V}/sobjects/Account/${acme()}` }, Name: 'Acme' }],
      },
    });
    expect(created.statusCode).to.equal(201);
    expect(created.result).to.deep.equal({ id: created.result.id, success: true, errors: [] });
    expect(patched).to.deep.equal({ statusCode: 204, result: null });
    expect(read.result).to.include({ Name: 'Acme', Industry: 'Tech' });
    expect(count.result.totalSize).to.equal(3);
    expect(emu.requests).to.have.length(1);
    const entry = emu.requests[0];
    expect(entry).to.include({ method: 'POST', path: `${V}/composite/batch`, status: 200, writes: 2 });
    expect(entry.soql).to.deep.equal(["SELECT Name FROM Account WHERE Name = 'Acme'", 'SELECT COUNT() FROM Account']);
    expect(entry.subrequests?.map((s) => [s.method, s.status])).to.deep.equal([
      ['GET', 200],
      ['POST', 201],
      ['PATCH', 204],
      ['GET', 200],
      ['GET', 200],
    ]);
  });

  it('has no 5-query limit: 25 queries in one call', async () => {
    const r = await batch(
      Array.from({ length: 25 }, (_, i) => ({ method: 'GET', url: q(`SELECT Id FROM Account LIMIT ${i + 1}`) }))
    );
    expect(r.status).to.equal(200);
    expect(r.body.results).to.have.length(25);
    expect(r.body.results.map((x: Row) => x.statusCode)).to.deep.equal(Array.from({ length: 25 }, () => 200));
    expect(emu.requests[0].soql).to.have.length(25);
  });

  it('refuses more than 25 subrequests with 400, running none', async () => {
    const r = await batch(
      Array.from({ length: 26 }, (_, i) => ({
        method: 'POST',
        url: 'v66.0/sobjects/Account',
        richInput: { Name: `N${i}` },
      }))
    );
    expect(r.status).to.equal(400);
    expect(r.body).to.deep.equal([
      { errorCode: 'LIMIT_EXCEEDED', message: 'A batch request can have at most 25 subrequests.', fields: [] },
    ]);
    expect(accounts()).to.deep.equal(['Acme', 'Globex']);
    expect(emu.requests[0]).to.include({ status: 400, errorCode: 'LIMIT_EXCEEDED', writes: 0 });
  });

  it('commits each subrequest on its own: a failure rolls back only itself, and later ones still run', async () => {
    const r = await batch([
      { method: 'POST', url: 'v66.0/sobjects/Account', richInput: { Name: 'One' } },
      { method: 'POST', url: 'v66.0/sobjects/Account', richInput: { Industry: 'no name' } },
      { method: 'GET', url: q('SELECT Nope FROM Account') },
      { method: 'POST', url: 'v66.0/sobjects/Account', richInput: { Name: 'Three' } },
    ]);
    expect(r.status).to.equal(200);
    expect(r.body.hasErrors).to.equal(true);
    const [one, bad, badQuery, three] = r.body.results;
    expect(one.statusCode).to.equal(201);
    expect(bad).to.deep.equal({
      statusCode: 400,
      result: [
        { errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] },
      ],
    });
    expect(badQuery.statusCode).to.equal(400);
    expect(badQuery.result[0].errorCode).to.equal('INVALID_FIELD');
    expect(three.statusCode).to.equal(201);
    expect(accounts()).to.deep.equal(['Acme', 'Globex', 'One', 'Three']);
    expect(emu.requests[0]).to.include({ status: 200, writes: 2 });
    expect(emu.requests[0].subrequests?.map((s) => s.errorCode ?? null)).to.deep.equal([
      null,
      'REQUIRED_FIELD_MISSING',
      'INVALID_FIELD',
      null,
    ]);
  });

  it('with haltOnError answers 412 BATCH_PROCESSING_HALTED for every later subrequest, keeping earlier commits', async () => {
    const r = await batch(
      [
        { method: 'POST', url: 'v66.0/sobjects/Account', richInput: { Name: 'One' } },
        { method: 'DELETE', url: 'v66.0/sobjects/Account/001000000000000AAA' },
        { method: 'POST', url: 'v66.0/sobjects/Account', richInput: { Name: 'Two' } },
        { method: 'GET', url: q('SELECT Id FROM Account') },
      ],
      true
    );
    expect(r.status).to.equal(200);
    expect(r.body.hasErrors).to.equal(true);
    const halted = {
      statusCode: 412,
      result: [
        {
          errorCode: 'BATCH_PROCESSING_HALTED',
          message: 'Batch processing halted: a previous subrequest failed and haltOnError is true.',
        },
      ],
    };
    expect(r.body.results[0].statusCode).to.equal(201);
    expect(r.body.results[1].statusCode).to.equal(404);
    expect(r.body.results.slice(2)).to.deep.equal([halted, halted]);
    expect(accounts()).to.deep.equal(['Acme', 'Globex', 'One']);
    expect(emu.requests[0].soql).to.deep.equal([]);
    expect(emu.requests[0].subrequests?.map((s) => s.status)).to.deep.equal([201, 404, 412, 412]);
  });

  it('refuses the whole call (400, nothing run) for a malformed method or url', async () => {
    const good = { method: 'POST', url: 'v66.0/sobjects/Account', richInput: { Name: 'Never' } };
    const cases: Array<[unknown, string]> = [
      [{ method: 'FETCH', url: 'v66.0/limits' }, 'batchRequests[1]: invalid method: FETCH'],
      [
        { method: 'GET', url: 'query?q=SELECT+Id+FROM+Account' },
        'batchRequests[1]: invalid url: query?q=SELECT+Id+FROM+Account. It must start with a version from v34.0 to v66.0.',
      ],
      [
        { method: 'GET', url: 'v33.0/limits' },
        'batchRequests[1]: invalid url: v33.0/limits. It must start with a version from v34.0 to v66.0.',
      ],
    ];
    for (const [bad, message] of cases) {
      const r = await batch([good, bad]);
      expect(r.status).to.equal(400);
      expect(r.body).to.deep.equal([{ errorCode: 'INVALID_INPUT', message, fields: [] }]);
    }
    // A subrequest may not use a newer version than the batch itself.
    const newer = await call(emu, 'POST', '/services/data/v60.0/composite/batch', {
      batchRequests: [good, { method: 'GET', url: 'v61.0/limits' }],
    });
    expect(newer.status).to.equal(400);
    expect(accounts()).to.deep.equal(['Acme', 'Globex']);
  });

  it('answers 404 for resources a batch cannot call: Tooling, composite, sObject Collections', async () => {
    const r = await batch([
      { method: 'GET', url: `v66.0/tooling/query?q=${encodeURIComponent('SELECT Id FROM PermissionSet')}` },
      {
        method: 'POST',
        url: 'v66.0/composite/sobjects',
        richInput: { records: [{ attributes: { type: 'Account' }, Name: 'x' }] },
      },
      { method: 'GET', url: 'v66.0/limits' },
    ]);
    const notFound = {
      statusCode: 404,
      result: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
    };
    expect(r.body.results.slice(0, 2)).to.deep.equal([notFound, notFound]);
    expect(r.body.results[2].statusCode).to.equal(200);
    expect(accounts()).to.deep.equal(['Acme', 'Globex']);
  });

  it('needs POST and a batchRequests list', async () => {
    expect((await call(emu, 'GET', `${V}/composite/batch`)).status).to.equal(405);
    const r = await call(emu, 'POST', `${V}/composite/batch`, { requests: [] });
    expect(r.body).to.deep.equal([
      { errorCode: 'JSON_PARSER_ERROR', message: 'batchRequests is required and must be a list', fields: [] },
    ]);
  });
});
