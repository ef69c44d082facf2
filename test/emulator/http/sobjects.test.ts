/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { startEmulator, type Emulator } from '../index.js';
import { V, call, create } from './test-client.js';

type Row = Record<string, unknown>;

describe('emulator sObject REST', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator({ seed: { records: { Account: [{ Name: 'Acme', Industry: 'Tech' }] } } });
  });
  afterEach(() => emu.stop());

  const accountId = (): string => emu.query<Row>("SELECT Id FROM Account WHERE Name = 'Acme'")[0].Id as string;

  it('creates: 201 {id, success, errors} with a real-looking 18-char id', async () => {
    const r = await create(emu, 'Account', { Name: 'Globex', Industry: 'Energy' });
    expect(r.status).to.equal(201);
    expect(r.body).to.deep.equal({ id: r.body.id, success: true, errors: [] });
    expect(r.body.id).to.match(/^001[A-Za-z0-9]{12}[A-Z0-5]{3}$/);
    const row = emu.query<Row>(
      `SELECT Name, Industry, CreatedById FROM Account WHERE Id = '${r.body.id as string}'`
    )[0];
    expect(row).to.include({ Name: 'Globex', Industry: 'Energy' });
    expect(row.CreatedById).to.equal(emu.query<Row>("SELECT Id FROM User WHERE Username = 'admin@emu.example'")[0].Id);
  });

  it('reads a record by 18- and 15-char id, with ?fields=', async () => {
    const id = accountId();
    const full = await call(emu, 'GET', `${V}/sobjects/Account/${id}`);
    expect(full.status).to.equal(200);
    expect(full.body).to.include({ Id: id, Name: 'Acme', Industry: 'Tech' });
    expect(full.body.attributes).to.deep.equal({ type: 'Account', url: `${V}/sobjects/Account/${id}` });
    const some = await call(emu, 'GET', `${V}/sobjects/account/${id.slice(0, 15)}?fields=Name,Industry`);
    expect(some.body).to.deep.equal({
      attributes: { type: 'Account', url: `${V}/sobjects/Account/${id}` },
      Name: 'Acme',
      Industry: 'Tech',
    });
  });

  it('updates with PATCH (204) and deletes with DELETE (204)', async () => {
    const id = accountId();
    const patch = await call(emu, 'PATCH', `${V}/sobjects/Account/${id}`, { Industry: 'Retail' });
    expect(patch.status).to.equal(204);
    expect(patch.body).to.equal(undefined);
    expect(emu.query<Row>(`SELECT Industry FROM Account WHERE Id = '${id}'`)[0].Industry).to.equal('Retail');
    const del = await call(emu, 'DELETE', `${V}/sobjects/Account/${id}`);
    expect(del.status).to.equal(204);
    expect(emu.query('SELECT Id FROM Account')).to.have.length(0);
    const again = await call(emu, 'GET', `${V}/sobjects/Account/${id}`);
    expect(again.status).to.equal(404);
  });

  it('answers 404 NOT_FOUND for an unknown id or type', async () => {
    const missing = await call(emu, 'GET', `${V}/sobjects/Account/001000000000000AAA`);
    expect(missing.status).to.equal(404);
    expect(missing.body).to.deep.equal([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    const type = await call(emu, 'POST', `${V}/sobjects/Nope__c`, { Name: 'x' });
    expect(type.status).to.equal(404);
    expect(type.body[0].errorCode).to.equal('NOT_FOUND');
    const wrongType = await call(emu, 'GET', `${V}/sobjects/User/${accountId()}`);
    expect(wrongType.status).to.equal(404);
  });

  it('refuses unknown fields (INVALID_FIELD) and read-only ones (INVALID_FIELD_FOR_INSERT_UPDATE)', async () => {
    const unknown = await create(emu, 'Account', { Name: 'X', Foo: 1 });
    expect(unknown.status).to.equal(400);
    expect(unknown.body).to.deep.equal([
      { errorCode: 'INVALID_FIELD', message: "No such column 'Foo' on sobject of type Account", fields: [] },
    ]);
    const readOnly = await create(emu, 'Account', { Name: 'X', CreatedDate: '2020-01-01T00:00:00Z' });
    expect(readOnly.status).to.equal(400);
    expect(readOnly.body[0]).to.deep.equal({
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      message:
        'Unable to create/update fields: CreatedDate. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
      fields: ['CreatedDate'],
    });
    const required = await create(emu, 'Account', { Industry: 'Tech' });
    expect(required.body[0]).to.deep.equal({
      errorCode: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [Name]',
      fields: ['Name'],
    });
    expect(emu.query('SELECT Id FROM Account')).to.have.length(1);
  });

  it('refuses an Id in an insert', async () => {
    const r = await create(emu, 'Account', { Id: accountId(), Name: 'Copy' });
    expect(r.status).to.equal(400);
    expect(r.body).to.deep.equal([
      { errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message: 'cannot specify Id in an insert call', fields: ['Id'] },
    ]);
  });

  it('answers 405 for operations an object does not support', async () => {
    const license = emu.query<Row>('SELECT Id FROM UserLicense LIMIT 1')[0].Id as string;
    const post = await create(emu, 'UserLicense', { Name: 'x' });
    expect(post.status).to.equal(405);
    expect(post.body[0]).to.include({
      errorCode: 'METHOD_NOT_ALLOWED',
      message: "HTTP Method 'POST' not allowed. Allowed are HEAD,GET",
    });
    const patch = await call(emu, 'PATCH', `${V}/sobjects/UserLicense/${license}`, { TotalLicenses: 99 });
    expect(patch.status).to.equal(405);
    const del = await call(
      emu,
      'DELETE',
      `${V}/sobjects/PermissionSetLicense/${emu.query<Row>('SELECT Id FROM PermissionSetLicense')[0].Id as string}`
    );
    expect(del.status).to.equal(405);
    const profileDelete = await call(
      emu,
      'DELETE',
      `${V}/sobjects/Profile/${emu.query<Row>('SELECT Id FROM Profile LIMIT 1')[0].Id as string}`
    );
    expect(profileDelete.status).to.equal(405);
    expect(
      emu.query<Row>(`SELECT TotalLicenses FROM UserLicense WHERE Id = '${license}'`)[0].TotalLicenses
    ).not.to.equal(99);
  });

  it('refuses edits of standard profiles and allows custom ones', async () => {
    const std = emu.query<Row>("SELECT Id FROM Profile WHERE Name = 'Standard User'")[0].Id as string;
    const r = await call(emu, 'PATCH', `${V}/sobjects/Profile/${std}`, { Description: 'x' });
    expect(r.status).to.equal(400);
    expect(r.body[0].errorCode).to.equal('INSUFFICIENT_ACCESS_OR_READONLY');
    const license = emu.query<Row>("SELECT Id FROM UserLicense WHERE Name = 'Salesforce'")[0].Id as string;
    const created = await create(emu, 'Profile', { Name: 'Custom Ops', UserLicenseId: license });
    expect(created.status).to.equal(201);
    expect(
      emu.query(
        `SELECT Id FROM PermissionSet WHERE ProfileId = '${created.body.id as string}' AND IsOwnedByProfile = true`
      )
    ).to.have.length(1);
    expect(
      (await call(emu, 'PATCH', `${V}/sobjects/Profile/${created.body.id as string}`, { Description: 'ops' })).status
    ).to.equal(204);
  });

  it('validates lookups: malformed, wrong type, missing', async () => {
    const malformed = await create(emu, 'Account', { Name: 'X', OwnerId: 'abc' });
    expect(malformed.body[0]).to.deep.equal({
      errorCode: 'MALFORMED_ID',
      message: 'Owner ID: id value of incorrect type: abc',
      fields: ['OwnerId'],
    });
    const wrong = await create(emu, 'Account', { Name: 'X', OwnerId: accountId() });
    expect(wrong.body[0]).to.include({ errorCode: 'FIELD_INTEGRITY_EXCEPTION' });
    const missing = await create(emu, 'Account', { Name: 'X', OwnerId: '005000000000000AAA' });
    expect(missing.body[0]).to.deep.equal({
      errorCode: 'INVALID_CROSS_REFERENCE_KEY',
      message: 'invalid cross reference id',
      fields: ['OwnerId'],
    });
  });

  it('serves describe and the global describe', async () => {
    const global = await call(emu, 'GET', `${V}/sobjects`);
    expect(global.status).to.equal(200);
    const names = (global.body.sobjects as Row[]).map((s) => s.name);
    expect(names).to.include.members(['User', 'Profile', 'PermissionSetAssignment', 'Account']);
    const d = await call(emu, 'GET', `${V}/sobjects/User/describe`);
    expect(d.body).to.include({ name: 'User', keyPrefix: '005', createable: true, deletable: false });
    const profileId = (d.body.fields as Row[]).find((f) => f.name === 'ProfileId');
    expect(profileId).to.include({ type: 'reference', relationshipName: 'Profile', createable: true, nillable: false });
    expect(profileId?.referenceTo).to.deep.equal(['Profile']);
  });

  it('refuses a non-JSON body', async () => {
    const r = await call(emu, 'POST', `${V}/sobjects/Account`, '{not json');
    expect(r.status).to.equal(400);
    expect(r.body[0].errorCode).to.equal('JSON_PARSER_ERROR');
  });
});
