/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { startEmulator, type Emulator } from '../index.js';
import { INTEGRATION_PROFILE, V, call, userBody, type Reply } from './test-client.js';

type Row = Record<string, unknown>;

describe('emulator composite and sObject collections', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator({
      seed: {
        records: { Account: [{ Name: 'Acme' }] },
        users: [{ username: 'sync@acme.example', profile: INTEGRATION_PROFILE }],
      },
    });
    emu.clearRequests();
  });
  afterEach(() => emu.stop());

  const accounts = (): string[] =>
    emu.query<Row>('SELECT Name FROM Account ORDER BY Name').map((a) => a.Name as string);
  const pslCount = (): number => emu.query('SELECT Id FROM PermissionSetLicenseAssign').length;

  describe('composite', () => {
    it('runs subrequests in order with @{ref.id} and @{ref.records[0].Id} references, one log entry', async () => {
      const r = await call(emu, 'POST', `${V}/composite`, {
        allOrNone: true,
        collateSubrequests: false,
        compositeRequest: [
          {
            method: 'GET',
            url: `${V}/query?q=${encodeURIComponent("SELECT Id FROM User WHERE Username = 'sync@acme.example'")}`,
            referenceId: 'user',
          },
          {
            method: 'GET',
            url: `${V}/query?q=${encodeURIComponent("SELECT Id FROM PermissionSetLicense WHERE DeveloperName = 'SalesforceAPIIntegrationPsl'")}`,
            referenceId: 'psl',
          },
          {
            method: 'POST',
            url: `${V}/sobjects/PermissionSetLicenseAssign`,
            referenceId: 'assign',
            body: { AssigneeId: '@{user.records[0].Id}', PermissionSetLicenseId: '@{psl.records[0].Id}' },
          },
          {
            method: 'GET',
            url: `${V}/sobjects/PermissionSetLicenseAssign/@{assign.id}?fields=AssigneeId`,
            referenceId: 'readBack',
          },
        ],
      });
      expect(r.status).to.equal(200);
      const [user, , assign, readBack] = r.body.compositeResponse;
      expect(user).to.include({ httpStatusCode: 200, referenceId: 'user' });
      expect(assign.httpStatusCode).to.equal(201);
      expect(assign.body).to.deep.equal({ id: assign.body.id, success: true, errors: [] });
      expect(assign.httpHeaders.Location).to.equal(
        `${V}/sobjects/PermissionSetLicenseAssign/${assign.body.id as string}`
      );
      expect(readBack.body.AssigneeId).to.equal(user.body.records[0].Id);
      expect(pslCount()).to.equal(1);
      expect(emu.requests).to.have.length(1);
      const entry = emu.requests[0];
      expect(entry).to.include({ method: 'POST', path: `${V}/composite`, status: 200, writes: 1 });
      expect(entry.soql).to.deep.equal([
        "SELECT Id FROM User WHERE Username = 'sync@acme.example'",
        "SELECT Id FROM PermissionSetLicense WHERE DeveloperName = 'SalesforceAPIIntegrationPsl'",
      ]);
      expect(entry.subrequests?.map((s) => [s.method, s.status])).to.deep.equal([
        ['GET', 200],
        ['GET', 200],
        ['POST', 201],
        ['GET', 200],
      ]);
    });

    it('rolls everything back with allOrNone: the others answer PROCESSING_HALTED', async () => {
      const r = await call(emu, 'POST', `${V}/composite`, {
        allOrNone: true,
        compositeRequest: [
          { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'a1', body: { Name: 'One' } },
          { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'bad', body: { Industry: 'no name' } },
          { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'a3', body: { Name: 'Three' } },
        ],
      });
      expect(r.status).to.equal(200);
      const [a1, bad, a3] = r.body.compositeResponse;
      const halted = [
        {
          errorCode: 'PROCESSING_HALTED',
          message: 'The transaction was rolled back since another operation in the same transaction failed.',
        },
      ];
      expect(a1).to.deep.equal({ body: halted, httpHeaders: {}, httpStatusCode: 400, referenceId: 'a1' });
      expect(bad.httpStatusCode).to.equal(400);
      expect(bad.body[0].errorCode).to.equal('REQUIRED_FIELD_MISSING');
      expect(a3).to.deep.equal({ body: halted, httpHeaders: {}, httpStatusCode: 400, referenceId: 'a3' });
      expect(accounts()).to.deep.equal(['Acme']);
      expect(emu.requests[0]).to.include({ status: 200, writes: 0 });
    });

    it('without allOrNone keeps successes and halts only dependants', async () => {
      const r = await call(emu, 'POST', `${V}/composite`, {
        allOrNone: false,
        compositeRequest: [
          { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'bad', body: { Industry: 'no name' } },
          { method: 'PATCH', url: `${V}/sobjects/Account/@{bad.id}`, referenceId: 'dependant', body: { Name: 'x' } },
          { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'ok', body: { Name: 'Zeta' } },
        ],
      });
      const [bad, dependant, ok] = r.body.compositeResponse;
      expect(bad.httpStatusCode).to.equal(400);
      expect(dependant.httpStatusCode).to.equal(400);
      expect(dependant.body[0]).to.include({
        errorCode: 'PROCESSING_HALTED',
        message: 'Invalid reference specified. No value for bad.id found in bad.',
      });
      expect(ok.httpStatusCode).to.equal(201);
      expect(accounts()).to.deep.equal(['Acme', 'Zeta']);
      expect(emu.requests[0].writes).to.equal(1);
    });

    it('refuses more than 25 subrequests, or more than 5 query/collection ones', async () => {
      const many = Array.from({ length: 26 }, (_, i) => ({
        method: 'GET',
        url: `${V}/sobjects/Account/describe`,
        referenceId: `d${i}`,
      }));
      const r = await call(emu, 'POST', `${V}/composite`, { compositeRequest: many });
      expect(r.status).to.equal(400);
      expect(r.body[0].errorCode).to.equal('LIMIT_EXCEEDED');
      const queries = Array.from({ length: 6 }, (_, i) => ({
        method: 'GET',
        url: `${V}/query?q=SELECT+Id+FROM+Account`,
        referenceId: `q${i}`,
      }));
      const q = await call(emu, 'POST', `${V}/composite`, { compositeRequest: queries });
      expect(q.status).to.equal(400);
      expect(q.body[0].errorCode).to.equal('LIMIT_EXCEEDED');
      const five = await call(emu, 'POST', `${V}/composite`, { compositeRequest: queries.slice(0, 5) });
      expect(five.status).to.equal(200);
    });

    it('rolls back a collection subrequest with failures under an allOrNone composite', async () => {
      const r = await call(emu, 'POST', `${V}/composite`, {
        allOrNone: true,
        compositeRequest: [
          { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'first', body: { Name: 'First' } },
          {
            method: 'POST',
            url: `${V}/composite/sobjects`,
            referenceId: 'coll',
            body: {
              allOrNone: false,
              records: [{ attributes: { type: 'Account' }, Name: 'Ok' }, { attributes: { type: 'Account' } }],
            },
          },
        ],
      });
      expect(r.body.compositeResponse[0].httpStatusCode).to.equal(400);
      expect(accounts()).to.deep.equal(['Acme']);
    });
  });

  describe('collateSubrequests (REST API Developer Guide, Composite Request Body)', () => {
    const insertThenCount = (extra: Record<string, unknown> = {}, version = V): Promise<Reply> =>
      call(emu, 'POST', `${version}/composite`, {
        allOrNone: true,
        ...extra,
        compositeRequest: [
          { method: 'POST', url: `${version}/sobjects/Account`, referenceId: 'zed', body: { Name: 'Zed' } },
          {
            method: 'GET',
            url: `${version}/query?q=${encodeURIComponent('SELECT Id FROM Account')}`,
            referenceId: 'count',
          },
        ],
      });

    it('by default (API 49.0+, collation on) runs unrelated subrequests in no guaranteed order: here in reverse', async () => {
      const r = await insertThenCount();
      expect(r.body.compositeResponse.map((s: Row) => s.referenceId)).to.deep.equal(['zed', 'count']);
      expect(r.body.compositeResponse[1].body.totalSize, 'the query ran before the insert').to.equal(1);
      expect(accounts()).to.deep.equal(['Acme', 'Zed']);
    });

    it('runs them as sent with collateSubrequests: false, and at API 48.0 where collation is off by default', async () => {
      expect((await insertThenCount({ collateSubrequests: false })).body.compositeResponse[1].body.totalSize).to.equal(
        2
      );
      expect((await insertThenCount({}, '/services/data/v48.0')).body.compositeResponse[1].body.totalSize).to.equal(3);
    });

    it('keeps a subrequest after the one it refers to', async () => {
      const r = await call(emu, 'POST', `${V}/composite`, {
        allOrNone: true,
        compositeRequest: [
          { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'a', body: { Name: 'Alpha' } },
          {
            method: 'PATCH',
            url: `${V}/sobjects/Account/@{a.id}`,
            referenceId: 'rename',
            body: { Name: 'Alpha Prime' },
          },
          { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'b', body: { Name: 'Beta' } },
        ],
      });
      expect(r.body.compositeResponse.map((s: Row) => s.httpStatusCode)).to.deep.equal([201, 204, 201]);
      expect(accounts()).to.deep.equal(['Acme', 'Alpha Prime', 'Beta']);
    });

    it("behaviour.collateSubrequests 'in-order' runs every composite as sent", async () => {
      await emu.stop();
      emu = await startEmulator({
        seed: { records: { Account: [{ Name: 'Acme' }] }, behaviour: { collateSubrequests: 'in-order' } },
      });
      expect((await insertThenCount()).body.compositeResponse[1].body.totalSize).to.equal(2);
    });
  });

  describe('sObject collections', () => {
    it('creates records and reports each result', async () => {
      const r = await call(emu, 'POST', `${V}/composite/sobjects`, {
        allOrNone: false,
        records: [
          { attributes: { type: 'Account' }, Name: 'Beta' },
          { attributes: { type: 'Account' }, Industry: 'x' },
          {
            attributes: { type: 'User' },
            ...userBody(
              'new@acme.example',
              emu.query<Row>(`SELECT Id FROM Profile WHERE Name = '${INTEGRATION_PROFILE}'`)[0].Id as string
            ),
          },
        ],
      });
      expect(r.status).to.equal(200);
      expect(r.body[0]).to.deep.equal({ id: r.body[0].id, success: true, errors: [] });
      expect(r.body[1]).to.deep.equal({
        success: false,
        errors: [
          { statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] },
        ],
      });
      expect(r.body[2].success).to.equal(true);
      expect(accounts()).to.deep.equal(['Acme', 'Beta']);
      expect(emu.requests[0]).to.include({ status: 200, writes: 3 });
    });

    it('rolls all back with allOrNone, marking the good ones ALL_OR_NONE_OPERATION_ROLLED_BACK', async () => {
      const r = await call(emu, 'POST', `${V}/composite/sobjects`, {
        allOrNone: true,
        records: [
          { attributes: { type: 'Account' }, Name: 'Beta' },
          { attributes: { type: 'Account' }, Nope: 1, Name: 'x' },
        ],
      });
      expect(r.body[0]).to.deep.equal({
        id: null,
        success: false,
        errors: [
          {
            statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
            message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
            fields: [],
          },
        ],
      });
      expect(r.body[1].errors[0].statusCode).to.equal('INVALID_FIELD');
      expect(accounts()).to.deep.equal(['Acme']);
      expect(emu.requests[0].writes).to.equal(0);
    });

    it('updates, retrieves and deletes', async () => {
      const acme = emu.query<Row>('SELECT Id FROM Account')[0].Id as string;
      const upd = await call(emu, 'PATCH', `${V}/composite/sobjects`, {
        records: [
          { attributes: { type: 'Account' }, id: acme, Industry: 'Tech' },
          { attributes: { type: 'Account' }, id: '001000000000000AAA', Name: 'x' },
        ],
      });
      expect(upd.body[0]).to.deep.equal({ id: acme, success: true, errors: [] });
      expect(upd.body[1]).to.deep.include({ success: false });
      expect(upd.body[1].errors[0].statusCode).to.equal('INVALID_CROSS_REFERENCE_KEY');
      const get = await call(
        emu,
        'GET',
        `${V}/composite/sobjects/Account?ids=${acme},001000000000000AAA&fields=Name,Industry`
      );
      expect(get.body).to.deep.equal([
        { attributes: { type: 'Account', url: `${V}/sobjects/Account/${acme}` }, Name: 'Acme', Industry: 'Tech' },
        null,
      ]);
      const post = await call(emu, 'POST', `${V}/composite/sobjects/Account`, { ids: [acme], fields: ['Name'] });
      expect(post.body[0].Name).to.equal('Acme');
      const del = await call(emu, 'DELETE', `${V}/composite/sobjects?ids=${acme},${acme}&allOrNone=false`);
      expect(del.body[0]).to.deep.equal({ id: acme, success: true, errors: [] });
      expect(del.body[1].errors[0]).to.include({ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' });
      expect(accounts()).to.deep.equal([]);
    });

    describe('recordError faults', () => {
      const LOCK = {
        statusCode: 'UNABLE_TO_LOCK_ROW',
        message: 'unable to obtain exclusive access to this record or 1 records',
      };
      const accountRecords = (...names: string[]): Row[] =>
        names.map((Name) => ({ attributes: { type: 'Account' }, Name }));

      it('fails only the record at index with allOrNone false; the others are written', async () => {
        emu.addFault({ path: '/composite/sobjects', method: 'POST', recordError: { index: 1, ...LOCK }, times: 1 });
        const r = await call(emu, 'POST', `${V}/composite/sobjects`, {
          allOrNone: false,
          records: accountRecords('A1', 'A2', 'A3'),
        });
        expect(r.status).to.equal(200);
        expect(r.body.map((x: Row) => x.success)).to.deep.equal([true, false, true]);
        expect(r.body[1]).to.deep.equal({ success: false, errors: [{ ...LOCK, fields: [] }] });
        expect(accounts()).to.deep.equal(['A1', 'A3', 'Acme']);
        expect(emu.requests.at(-1)).to.include({ status: 200, writes: 2, fault: true });
        // times: 1 is used up.
        const again = await call(emu, 'POST', `${V}/composite/sobjects`, {
          allOrNone: false,
          records: accountRecords('A2'),
        });
        expect(again.body[0].success).to.equal(true);
        expect(emu.requests.at(-1)).to.not.have.property('fault');
      });

      it('rolls every record back with allOrNone true', async () => {
        emu.addFault({
          path: '/composite/sobjects',
          recordError: { index: 0, statusCode: 'STORAGE_LIMIT_EXCEEDED', message: 'storage limit exceeded' },
        });
        const r = await call(emu, 'POST', `${V}/composite/sobjects`, {
          allOrNone: true,
          records: accountRecords('A1', 'A2'),
        });
        expect(r.body[0]).to.deep.equal({
          success: false,
          errors: [{ statusCode: 'STORAGE_LIMIT_EXCEEDED', message: 'storage limit exceeded', fields: [] }],
        });
        expect(r.body[1]).to.deep.include({ id: null, success: false });
        expect(r.body[1].errors[0].statusCode).to.equal('ALL_OR_NONE_OPERATION_ROLLED_BACK');
        expect(accounts()).to.deep.equal(['Acme']);
        expect(emu.requests.at(-1)).to.include({ writes: 0, fault: true });
      });

      it('fails an update or a delete by position, reporting its id and leaving the record as it was', async () => {
        const [a1, a2] = (
          (await call(emu, 'POST', `${V}/composite/sobjects`, { records: accountRecords('A1', 'A2') })).body as Row[]
        ).map((x) => x.id as string);
        emu.addFault({ path: '/composite/sobjects', method: 'PATCH', recordError: { index: 0, ...LOCK }, times: 1 });
        const upd = await call(emu, 'PATCH', `${V}/composite/sobjects`, {
          records: [
            { attributes: { type: 'Account' }, id: a1, Name: 'B1' },
            { attributes: { type: 'Account' }, id: a2, Name: 'B2' },
          ],
        });
        expect(upd.body).to.deep.equal([
          { id: a1, success: false, errors: [{ ...LOCK, fields: [] }] },
          { id: a2, success: true, errors: [] },
        ]);
        expect(accounts()).to.deep.equal(['A1', 'Acme', 'B2']);
        emu.addFault({
          path: '/composite/sobjects',
          method: 'DELETE',
          recordError: { index: 1, statusCode: 'DELETE_FAILED', message: 'cannot delete' },
          times: 1,
        });
        const del = await call(emu, 'DELETE', `${V}/composite/sobjects?ids=${a1},${a2}&allOrNone=false`);
        expect(del.body).to.deep.equal([
          { id: a1, success: true, errors: [] },
          { id: a2, success: false, errors: [{ statusCode: 'DELETE_FAILED', message: 'cannot delete', fields: [] }] },
        ]);
        expect(accounts()).to.deep.equal(['Acme', 'B2']);
      });

      it('matches a collection subrequest of a composite by its url; an allOrNone composite rolls back', async () => {
        emu.addFault({ path: '/composite/sobjects', recordError: { index: 1, ...LOCK }, times: 2 });
        const compositeBody = (allOrNone: boolean): Row => ({
          allOrNone,
          compositeRequest: [
            {
              method: 'POST',
              url: `${V}/sobjects/Account`,
              referenceId: 'first',
              body: { Name: allOrNone ? 'First' : 'Solo' },
            },
            {
              method: 'POST',
              url: `${V}/composite/sobjects`,
              referenceId: 'coll',
              body: { allOrNone: false, records: accountRecords('C1', 'C2') },
            },
          ],
        });
        const kept = await call(emu, 'POST', `${V}/composite`, compositeBody(false));
        expect(kept.body.compositeResponse[1].body.map((x: Row) => x.success)).to.deep.equal([true, false]);
        expect(accounts()).to.deep.equal(['Acme', 'C1', 'Solo']);
        expect(emu.requests.at(-1)).to.include({ writes: 2, fault: true });
        expect(emu.requests.at(-1)?.subrequests?.[1]).to.deep.equal({
          method: 'POST',
          url: `${V}/composite/sobjects`,
          status: 200,
          fault: true,
        });

        const rolled = await call(emu, 'POST', `${V}/composite`, compositeBody(true));
        const [first, coll] = rolled.body.compositeResponse;
        expect(first.body[0].errorCode).to.equal('PROCESSING_HALTED');
        expect(coll.body[1].errors[0]).to.deep.equal({ ...LOCK, fields: [] });
        expect(coll.body[0].errors[0].statusCode).to.equal('ALL_OR_NONE_OPERATION_ROLLED_BACK');
        expect(accounts()).to.deep.equal(['Acme', 'C1', 'Solo']);
      });

      it('leaves alone other requests, collection reads and collections without a record at index', async () => {
        emu.addFault({ path: '/composite/sobjects', recordError: { index: 2, ...LOCK }, times: 1 });
        emu.addFault({ path: '/sobjects/Account', method: 'POST', recordError: { index: 0, ...LOCK } });
        expect((await call(emu, 'POST', `${V}/sobjects/Account`, { Name: 'Single' })).status).to.equal(201);
        const acme = emu.query<Row>("SELECT Id FROM Account WHERE Name = 'Acme'")[0].Id as string;
        expect((await call(emu, 'GET', `${V}/composite/sobjects/Account?ids=${acme}&fields=Name`)).status).to.equal(
          200
        );
        const short = await call(emu, 'POST', `${V}/composite/sobjects`, {
          records: [
            { attributes: { type: 'Contact' }, LastName: 'One' },
            { attributes: { type: 'Contact' }, LastName: 'Two' },
          ],
        });
        expect(short.body.map((x: Row) => x.success)).to.deep.equal([true, true]);
        expect(emu.requests.map((e) => e.fault ?? false)).to.deep.equal([false, false, false]);
        // None of that used the first fault up: a collection with a third record trips it. The second one never
        // fires: its path names no collection url.
        const three = await call(emu, 'POST', `${V}/composite/sobjects`, { records: accountRecords('T1', 'T2', 'T3') });
        expect(three.body.map((x: Row) => x.success)).to.deep.equal([true, true, false]);
      });

      it('matches by request number, and refuses malformed recordError faults', async () => {
        emu.addFault({ request: 2, recordError: { index: 0, ...LOCK } });
        await call(emu, 'GET', `${V}/limits`);
        const r = await call(emu, 'POST', `${V}/composite/sobjects`, { records: accountRecords('N1', 'N2') });
        expect(r.body.map((x: Row) => x.success)).to.deep.equal([false, true]);
        const bad: Array<[unknown, RegExp]> = [
          [
            { path: 'x', recordError: { index: -1, statusCode: 'X', message: 'm' } },
            /recordError.index must be a whole number >= 0/,
          ],
          [{ path: 'x', recordError: { index: 0, message: 'm' } }, /recordError.statusCode must be a non-empty string/],
          [
            { path: 'x', recordError: { index: 0, statusCode: 'X', message: 'm', fields: [] } },
            /unknown key 'recordError.fields'/,
          ],
          [
            { path: 'x', status: 500, recordError: { index: 0, statusCode: 'X', message: 'm' } },
            /recordError can't be combined with status/,
          ],
          [{ recordError: { index: 0, statusCode: 'X', message: 'm' } }, /needs request, path or method/],
        ];
        for (const [fault, message] of bad) expect(() => emu.addFault(fault as never)).to.throw(message);
      });
    });

    it('refuses more than 200 records', async () => {
      const records = Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Account' }, Name: `A${i}` }));
      const r = await call(emu, 'POST', `${V}/composite/sobjects`, { records });
      expect(r.status).to.equal(400);
      expect(r.body[0].errorCode).to.equal('EXCEEDED_ID_LIMIT');
      expect(accounts()).to.deep.equal(['Acme']);
    });
  });
});
