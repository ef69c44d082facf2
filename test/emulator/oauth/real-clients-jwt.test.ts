/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- sf --json output, read by shape */
// The stock `sf org login jwt` against the emulator, for pre-authorized integration users only: a login
// the emulator would reject sends sf on to Salesforce's own hosts (sfdx-core tries other login URLs), so every rejection is
// tested in-process (oauth.test.ts). Then `sf data query` runs as that user, and sf's own JWT re-login
// after the token expires.

import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator } from '../index.js';
import { makeHome, runSf } from '../../helpers/sf.js';
import { appSeed, makeKeyPair } from './jwt-client.js';

type Row = Record<string, unknown>;

describe('emulator against sf org login jwt', function () {
  this.timeout(120_000);
  const keys = makeKeyPair();
  let emu: Emulator;
  let home: string;
  let keyFile: string;

  before(async () => {
    // A username of its own for the admin: sf keys auth files by username ($HOME/.sfdx/<username>.json).
    emu = await startEmulator({ seed: appSeed(keys.certificate, { admin: { username: 'admin@jwt.example' } }) });
    home = await makeHome();
    keyFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'emu-jwt-')), 'server.key');
    await writeFile(keyFile, keys.privateKeyPem, { mode: 0o600 });
  });
  after(() => emu?.stop());

  const loginJwt = (clientId: string, alias: string): ReturnType<typeof runSf> =>
    runSf(
      [
        'org',
        'login',
        'jwt',
        '--username',
        'sync@acme.example',
        '--jwt-key-file',
        keyFile,
        '--client-id',
        clientId,
        '--instance-url',
        emu.instanceUrl,
        '--alias',
        alias,
        '--json',
      ],
      { home }
    );

  it('logs a pre-authorized integration user in through a connected app', async () => {
    emu.clearRequests();
    const r = await loginJwt('LEGACYKEY0001', 'int');
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    const userId = emu.query<Row>("SELECT Id FROM User WHERE Username = 'sync@acme.example'")[0].Id;
    expect(r.json.result).to.include({ username: 'sync@acme.example', orgId: emu.orgId });
    expect(emu.requests[0]).to.include({
      method: 'POST',
      path: '/services/oauth2/token',
      status: 200,
      user: 'sync@acme.example',
      writes: 0,
    });
    // After the token: ScratchOrgInfo (4xx = not a Dev Hub) and Organization, INVALID_TYPE for an integration user.
    expect(emu.requests.find((q) => q.soql === 'SELECT Id FROM ScratchOrgInfo limit 1')).to.include({
      status: 400,
      user: 'sync@acme.example',
    });
    expect(emu.requests.find((q) => String(q.soql).includes('FROM Organization'))).to.include({
      status: 400,
      errorCode: 'INVALID_TYPE',
    });
    const tokens = emu.query<Row>(`SELECT AppName, UseCount FROM OauthToken WHERE UserId = '${String(userId)}'`);
    expect(tokens.map((t) => [t.AppName, t.UseCount])).to.deep.equal([['Legacy Sync', 1]]);
    expect(JSON.stringify(emu.requests)).not.to.contain('assertion');
  });

  it('runs sf data query as that user and returns the accounts its permission set grants', async () => {
    emu.clearRequests();
    const r = await runSf(['data', 'query', '-q', 'SELECT Id, Name FROM Account LIMIT 10', '-o', 'int', '--json'], {
      home,
    });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(r.json.result.totalSize).to.equal(2);
    expect(r.json.result.records.map((a: Row) => a.Name).sort()).to.deep.equal(['Acme', 'Globex']);
    const query = emu.requests.find((q) => q.soql === 'SELECT Id, Name FROM Account LIMIT 10');
    expect(query).to.include({ status: 200, user: 'sync@acme.example' });
  });

  it('refuses, as Salesforce does, a data object the user has no permission for', async () => {
    const r = await runSf(['data', 'query', '-q', 'SELECT Id FROM Contact', '-o', 'int', '--json'], { home });
    expect(r.exitCode).to.equal(1);
    expect(r.json.name).to.equal('INVALID_TYPE');
    expect(r.json.message).to.contain("sObject type 'Contact' is not supported.");
  });

  it('signs a new JWT when the token expires, and the call succeeds', async () => {
    emu.expireTokens();
    emu.clearRequests();
    const r = await runSf(['data', 'query', '-q', 'SELECT Id, Name FROM Account LIMIT 10', '-o', 'int', '--json'], {
      home,
    });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(r.json.result.totalSize).to.equal(2);
    const statuses = emu.requests.map((q) => `${q.method} ${q.path} ${q.status}`);
    expect(statuses).to.include('POST /services/oauth2/token 200');
    expect(emu.requests.filter((q) => q.status === 401).length).to.be.greaterThan(0);
  });

  it('logs the same user in through an admin-approved External Client App', async () => {
    emu.clearRequests();
    const r = await loginJwt('ECAKEY000001', 'inteca');
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(r.json.result).to.include({ username: 'sync@acme.example' });
    expect(emu.query<Row>("SELECT UseCount FROM OauthToken WHERE AppName = 'Acme Sync'")).to.have.length(1);
    const q = await runSf(['data', 'query', '-q', 'SELECT Name FROM Account ORDER BY Name', '-o', 'inteca', '--json'], {
      home,
    });
    expect(q.exitCode, q.stdout + q.stderr).to.equal(0);
    expect(q.json.result.records.map((a: Row) => a.Name)).to.deep.equal(['Acme', 'Globex']);
  });
});
