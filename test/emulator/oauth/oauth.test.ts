/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- REST and OAuth bodies are JSON, read by shape */
// The JWT bearer flow (Salesforce Help, "OAuth 2.0 JWT Bearer Flow" and "OAuth flow errors": every check, in order,
// with its exact error) and the session it yields (an integration user: API only, Organization INVALID_TYPE). All
// rejections are tested here, in-process: a JWT login the emulator refuses sends the real sf on to
// login.salesforce.com and test.salesforce.com (sfdx-core tries other audiences), so it must never see one.

import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../index.js';
import { INTEGRATION_PROFILE, V, call, create } from '../http/test-client.js';
import { appSeed, jwtLogin, makeKeyPair, postToken, signJwt, type TokenAnswer } from './jwt-client.js';

type Row = Record<string, unknown>;

const keys = makeKeyPair();
const stranger = makeKeyPair('stranger');
const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CA_KEY = 'LEGACYKEY0001';
const ECA_KEY = 'ECAKEY000001';
const NOT_APPROVED = { error: 'invalid_grant', error_description: "user hasn't approved this consumer" };

describe('emulator JWT bearer flow', function () {
  this.timeout(20_000);
  let emu: Emulator;
  afterEach(() => emu?.stop());

  const start = async (extra: Partial<Seed> = {}): Promise<Emulator> => {
    emu = await startEmulator({ seed: appSeed(keys.certificate, extra) });
    return emu;
  };
  const login = (sub: string, iss = CA_KEY, claims: Record<string, unknown> = {}): Promise<TokenAnswer> =>
    jwtLogin(emu, keys.privateKey, { iss, sub, ...claims });
  const rejected = async (answer: Promise<TokenAnswer>, body: Record<string, string>): Promise<void> => {
    const r = await answer;
    expect(r.status).to.equal(400);
    expect(r.body).to.deep.equal(body);
  };
  const userId = (username: string): string =>
    emu.query<Row>(`SELECT Id FROM User WHERE Username = '${username}'`)[0].Id as string;

  describe('success', () => {
    it('answers Salesforce’s shape without a refresh token, and records an OauthToken row', async () => {
      await start();
      const before = Date.now();
      const r = await login('sync@acme.example');
      expect(r.status).to.equal(200);
      expect(Object.keys(r.body).sort()).to.deep.equal([
        'access_token',
        'id',
        'instance_url',
        'issued_at',
        'scope',
        'signature',
        'token_type',
      ]);
      expect(r.body).to.include({
        scope: 'api',
        instance_url: emu.instanceUrl,
        token_type: 'Bearer',
        id: `${emu.instanceUrl}/id/${emu.orgId}/${userId('sync@acme.example')}`,
      });
      expect(r.body.access_token).to.match(/^00D000000000001![A-Za-z0-9]+$/);
      expect(Number(r.body.issued_at)).to.be.within(before, Date.now());
      expect(Buffer.from(r.body.signature as string, 'base64')).to.have.length(32);
      const tokens = (): Row[] =>
        emu.query<Row>(
          "SELECT AppName, UseCount, LastUsedDate FROM OauthToken WHERE User.Username = 'sync@acme.example'"
        );
      expect(tokens()).to.have.length(1);
      expect(tokens()[0]).to.include({ AppName: 'Legacy Sync', UseCount: 1 });
      expect((await login('sync@acme.example')).status).to.equal(200);
      expect(tokens()[0].UseCount).to.equal(2);
      expect(
        emu.query<Row>("SELECT LastLoginDate FROM User WHERE Username = 'sync@acme.example'")[0].LastLoginDate
      ).to.be.a('string');
    });

    it('logs the exchange with its user and no writes, never the token', async () => {
      await start();
      const r = await login('sync@acme.example');
      expect(emu.requests.at(-1)).to.include({
        method: 'POST',
        path: '/services/oauth2/token',
        status: 200,
        writes: 0,
        user: 'sync@acme.example',
      });
      await rejected(login('std@acme.example'), NOT_APPROVED);
      expect(emu.requests.at(-1)).to.include({ status: 400, errorCode: 'invalid_grant', writes: 0 });
      const log = JSON.stringify(emu.requests);
      expect(log).not.to.contain(r.body.access_token as string);
      expect(log).not.to.contain('assertion');
    });

    it('accepts a production org’s audiences (its own URL, login.salesforce.com), and an exp in seconds within the skew', async () => {
      await start();
      for (const aud of [
        emu.instanceUrl,
        `${emu.instanceUrl}/`,
        emu.instanceUrl.replace('127.0.0.1', 'localhost'),
        'https://login.salesforce.com',
        'https://login.salesforce.com/',
      ]) {
        expect((await login('sync@acme.example', CA_KEY, { aud })).status, aud).to.equal(200);
      }
      expect((await login('sync@acme.example', CA_KEY, { exp: Math.floor(Date.now() / 1000) - 100 })).status).to.equal(
        200
      );
      expect((await login('sync@acme.example', CA_KEY, { exp: Math.floor(Date.now() / 1000) + 300 })).status).to.equal(
        200
      );
    });
  });

  describe('the audience: the documented host of the org’s kind, and My Domain as myDomainAudience says', () => {
    for (const isSandbox of [false, true]) {
      for (const myDomainAudience of ['accept', 'reject'] as const) {
        it(`${isSandbox ? 'a sandbox' : 'a production org'}, myDomainAudience ${myDomainAudience}`, async () => {
          await start({ org: { isSandbox }, behaviour: { myDomainAudience } });
          const expected: Array<[string, boolean]> = [
            ['https://login.salesforce.com', !isSandbox],
            ['https://test.salesforce.com', isSandbox],
            [emu.instanceUrl, myDomainAudience === 'accept'],
            [`${emu.instanceUrl}/`, myDomainAudience === 'accept'],
            ['https://acme.my.site.com', false],
          ];
          for (const [aud, accepted] of expected) {
            const r = await login('sync@acme.example', CA_KEY, { aud });
            if (accepted) expect(r.status, aud).to.equal(200);
            else
              expect(r.body, aud).to.deep.equal({ error: 'invalid_grant', error_description: 'audience is invalid' });
          }
          expect(emu.query<Row>('SELECT IsSandbox FROM Organization')[0].IsSandbox).to.equal(isSandbox);
        });
      }
    }
  });

  describe('scopes of the token, and userinfo (userinfoScope)', () => {
    const scoped = (name: string, key: string, scopes: string[]): NonNullable<Seed['connectedApps']>[number] => ({
      name,
      consumerKey: key,
      certificate: keys.certificate,
      adminApproved: true,
      permissionSets: ['Sync_Access'],
      scopes,
    });
    const apps = [
      scoped('Api_Refresh', 'APIREFRESH01', ['Api', 'RefreshToken']),
      scoped('With_OpenID', 'WITHOPENID01', ['Api', 'RefreshToken', 'OpenID']),
      scoped('With_Basic', 'WITHBASIC001', ['Api', 'RefreshToken', 'Basic']),
      scoped('With_Profile', 'WITHPROFILE1', ['Api', 'Web', 'RefreshToken', 'Profile']),
    ];
    const userinfo = async (key: string): Promise<{ scope: string; status: number; body: Row }> => {
      const token = await login('sync@acme.example', key);
      const info = await call(emu, 'GET', '/services/oauth2/userinfo', undefined, token.body.access_token as string);
      return { scope: token.body.scope as string, status: info.status, body: info.body };
    };

    it('required (default): the scope lists the app’s scopes without refresh_token; userinfo answers openid, id or profile only, 403 otherwise', async () => {
      await start({ connectedApps: apps });
      const api = await userinfo('APIREFRESH01');
      expect(api).to.deep.include({ scope: 'api', status: 403 });
      expect(emu.requests.at(-1)).to.include({ path: '/services/oauth2/userinfo', status: 403, writes: 0 });
      expect(await userinfo('WITHOPENID01')).to.deep.include({ scope: 'api openid', status: 200 });
      expect(await userinfo('WITHBASIC001')).to.deep.include({ scope: 'api id', status: 200 });
      const profile = await userinfo('WITHPROFILE1');
      expect(profile).to.deep.include({ scope: 'api web profile', status: 200 });
      expect(profile.body, 'that user, flagged as an integration user').to.include({
        preferred_username: 'sync@acme.example',
        user_id: userId('sync@acme.example'),
        organization_id: emu.orgId,
        is_salesforce_integration_user: true,
      });
      expect(
        (await call(emu, 'GET', '/services/oauth2/userinfo')).status,
        'the admin’s session has every scope'
      ).to.equal(200);
    });

    it('any: userinfo answers every session', async () => {
      await start({ connectedApps: apps, behaviour: { userinfoScope: 'any' } });
      const api = await userinfo('APIREFRESH01');
      expect(api).to.deep.include({ scope: 'api', status: 200 });
      expect(api.body).to.include({ preferred_username: 'sync@acme.example', is_salesforce_integration_user: true });
    });
  });

  describe('rejections, in the order Salesforce checks', () => {
    beforeEach(() =>
      start({
        externalClientApps: [
          ...(appSeed(keys.certificate).externalClientApps ?? []),
          { name: 'Off_App', consumerKey: 'OFFKEY00001', certificate: keys.certificate, enabled: false },
        ],
      })
    );

    it('grant type, then a malformed assertion', async () => {
      await rejected(postToken(emu, { grant_type: 'password', assertion: 'x' }), {
        error: 'unsupported_grant_type',
        error_description: 'grant type not supported',
      });
      await rejected(postToken(emu, { grant_type: GRANT, assertion: 'not.a.jwt' }), {
        error: 'invalid_grant',
        error_description: 'invalid assertion',
      });
      await rejected(postToken(emu, { grant_type: GRANT }), {
        error: 'invalid_grant',
        error_description: 'invalid assertion',
      });
      const get = await fetch(`${emu.instanceUrl}/services/oauth2/token`);
      expect(get.status).to.equal(400);
      expect(await get.json()).to.deep.equal({ error: 'invalid_request', error_description: 'must use HTTP POST' });
    });

    it('1. an unknown iss beats everything after it; a bad signature or alg beats the audience', async () => {
      const bad = { aud: 'https://evil.example', exp: 1 };
      await rejected(jwtLogin(emu, stranger.privateKey, { iss: 'NOSUCHKEY1', sub: 'sync@acme.example', ...bad }), {
        error: 'invalid_client_id',
        error_description: 'client identifier invalid',
      });
      await rejected(jwtLogin(emu, stranger.privateKey, { iss: CA_KEY, sub: 'sync@acme.example', ...bad }), {
        error: 'invalid_grant',
        error_description: 'invalid assertion',
      });
      const hs256 = signJwt(
        keys.privateKey,
        { iss: CA_KEY, sub: 'sync@acme.example', aud: emu.instanceUrl },
        { alg: 'HS256', typ: 'JWT' }
      );
      await rejected(postToken(emu, { grant_type: GRANT, assertion: hs256 }), {
        error: 'invalid_grant',
        error_description: 'invalid assertion',
      });
    });

    it('2. the audience beats the expiry', async () => {
      await rejected(login('sync@acme.example', CA_KEY, { aud: 'https://evil.example', exp: 1 }), {
        error: 'invalid_grant',
        error_description: 'audience is invalid',
      });
      await rejected(login('sync@acme.example', CA_KEY, { aud: 'https://login.salesforce.com.evil.example' }), {
        error: 'invalid_grant',
        error_description: 'audience is invalid',
      });
    });

    it('3. an exp past the skew beats the user; a missing exp is an invalid assertion', async () => {
      await rejected(login('ghost@acme.example', CA_KEY, { exp: Math.floor(Date.now() / 1000) - 181 }), {
        error: 'invalid_grant',
        error_description: 'expired authorization code',
      });
      await rejected(login('sync@acme.example', CA_KEY, { exp: 'soon' }), {
        error: 'invalid_grant',
        error_description: 'invalid assertion',
      });
    });

    it('4. an unknown user reads as not approved; an inactive one is named so; both beat the app check', async () => {
      await rejected(login('ghost@acme.example', 'OFFKEY00001'), NOT_APPROVED);
      expect(
        (await call(emu, 'PATCH', `${V}/sobjects/User/${userId('sync@acme.example')}`, { IsActive: false })).status
      ).to.equal(204);
      await rejected(login('sync@acme.example', 'OFFKEY00001'), {
        error: 'invalid_grant',
        error_description: 'inactive user',
      });
    });

    it('5. an ECA that is not enabled answers app_not_found before pre-authorization', async () => {
      await rejected(login('std@acme.example', 'OFFKEY00001'), {
        error: 'app_not_found',
        error_description: 'External client app is not installed in this org',
      });
    });

    it('6. a user the admin-approved app does not pre-authorize', async () => {
      await rejected(login('std@acme.example'), NOT_APPROVED);
      await rejected(login('other@acme.example', ECA_KEY), NOT_APPROVED);
    });
  });

  describe('pre-authorization', () => {
    it('connected app: the profile, a held set, or a set inside an assigned group; not another user’s', async () => {
      await start({
        permissionSetGroups: [{ name: 'Sync_Group', permissionSets: ['Sync_Access'] }],
        users: [
          ...(appSeed(keys.certificate).users ?? []),
          { username: 'grp@acme.example', profile: 'Standard User', permissionSets: ['Sync_Group'] },
        ],
      });
      expect((await login('other@acme.example')).status, 'profile').to.equal(200);
      expect((await login('sync@acme.example')).status, 'set').to.equal(200);
      expect((await login('grp@acme.example')).status, 'group member').to.equal(200);
      await rejected(login('std@acme.example'), NOT_APPROVED);
    });

    it('connected app: a SetupEntityAccess row inserted through REST grants at once, its deletion takes it away', async () => {
      await start({
        connectedApps: [
          { name: 'Bare_App', consumerKey: 'BAREKEY0001', certificate: keys.certificate, adminApproved: true },
        ],
      });
      await rejected(login('other@acme.example', 'BAREKEY0001'), NOT_APPROVED);
      const parent = emu.query<Row>("SELECT Id FROM PermissionSet WHERE Name = 'Other_Set'")[0].Id as string;
      const app = emu.query<Row>("SELECT Id FROM ConnectedApplication WHERE Name = 'Bare App'")[0].Id as string;
      const grant = await create(emu, 'SetupEntityAccess', { ParentId: parent, SetupEntityId: app });
      expect((await login('other@acme.example', 'BAREKEY0001')).status).to.equal(200);
      await call(emu, 'DELETE', `${V}/sobjects/SetupEntityAccess/${grant.body.id as string}`);
      await rejected(login('other@acme.example', 'BAREKEY0001'), NOT_APPROVED);
    });

    it('self-authorized apps need an earlier approval (a seeded OAuth token); admin-approved ones ignore it', async () => {
      await start({
        connectedApps: [
          {
            name: 'Self_App',
            consumerKey: 'SELFKEY0001',
            certificate: keys.certificate,
            adminApproved: false,
            permissionSets: ['Sync_Access'],
            oauthTokens: [{ username: 'std@acme.example' }],
          },
          {
            name: 'Admin_App',
            consumerKey: 'ADMINKEY001',
            certificate: keys.certificate,
            adminApproved: true,
            oauthTokens: [{ username: 'std@acme.example' }],
          },
        ],
        externalClientApps: [
          {
            name: 'Self_Eca',
            consumerKey: 'SELFECA0001',
            certificate: keys.certificate,
            profiles: [INTEGRATION_PROFILE],
          },
        ],
      });
      expect((await login('std@acme.example', 'SELFKEY0001')).status).to.equal(200);
      await rejected(login('sync@acme.example', 'SELFKEY0001'), NOT_APPROVED);
      await rejected(login('std@acme.example', 'ADMINKEY001'), NOT_APPROVED);
      await rejected(login('sync@acme.example', 'SELFECA0001'), NOT_APPROVED);
    });

    it('ECA: commaSeparatedProfile and commaSeparatedPermissionSet by name; invalid_app_access when ecaNotApprovedError says so', async () => {
      await start({
        externalClientApps: [
          {
            name: 'By_Set',
            consumerKey: 'BYSETKEY001',
            certificate: keys.certificate,
            permittedUsers: 'AdminApprovedPreAuthorized',
            permissionSets: ['Sync_Access'],
          },
          {
            name: 'By_Profile',
            consumerKey: 'BYPROFKEY01',
            certificate: keys.certificate,
            permittedUsers: 'AdminApprovedPreAuthorized',
            profiles: ['Standard User'],
          },
        ],
      });
      expect((await login('sync@acme.example', 'BYSETKEY001')).status).to.equal(200);
      expect((await login('std@acme.example', 'BYPROFKEY01')).status).to.equal(200);
      await rejected(login('sync@acme.example', 'BYPROFKEY01'), NOT_APPROVED);
      await emu.stop();
      await start({ behaviour: { ecaNotApprovedError: 'invalid_app_access' } });
      await rejected(login('other@acme.example', ECA_KEY), {
        error: 'invalid_app_access',
        error_description: 'user is not admin approved to access this app',
      });
      // A connected app keeps the invalid_grant answer.
      await rejected(login('std@acme.example'), NOT_APPROVED);
    });

    it('ECA: ecaPermsetMatch id stores and matches Ids, both matches either', async () => {
      await start({ behaviour: { ecaPermsetMatch: 'id' } });
      const set = emu.query<Row>("SELECT Id FROM PermissionSet WHERE Name = 'Sync_Access'")[0].Id as string;
      expect(
        (await call(emu, 'GET', `${V}/query?q=${encodeURIComponent('SELECT Id FROM ExtlClntAppOauthPlcyCnfg')}`)).status
      ).to.equal(200);
      expect((await login('sync@acme.example', ECA_KEY)).status).to.equal(200);
      expect(set).to.match(/^0PS/);
      await emu.stop();
      await start({ behaviour: { ecaPermsetMatch: 'both' } });
      expect((await login('sync@acme.example', ECA_KEY)).status).to.equal(200);
    });

    it('ECA: a SetupEntityAccess row counts when setupEntityAccessForEca is honour, not when ignore', async () => {
      for (const mode of ['honour', 'ignore'] as const) {
        await start({ behaviour: { setupEntityAccessForEca: mode } });
        const parent = emu.query<Row>("SELECT Id FROM PermissionSet WHERE Name = 'Other_Set'")[0].Id as string;
        const eca = emu.query<Row>('SELECT Id FROM ExternalClientApplication')[0].Id as string;
        expect((await create(emu, 'SetupEntityAccess', { ParentId: parent, SetupEntityId: eca })).status).to.equal(201);
        const r = await login('other@acme.example', ECA_KEY);
        if (mode === 'honour') expect(r.status).to.equal(200);
        else expect(r.body).to.deep.equal(NOT_APPROVED);
        await emu.stop();
      }
    });

    it('7. scopes: the app needs Api and RefreshToken', async () => {
      await start({
        connectedApps: [
          {
            name: 'Api_Only',
            consumerKey: 'APIONLY0001',
            certificate: keys.certificate,
            adminApproved: true,
            permissionSets: ['Sync_Access'],
            scopes: ['Api'],
          },
          {
            name: 'Refresh_Only',
            consumerKey: 'REFRONLY001',
            certificate: keys.certificate,
            adminApproved: true,
            permissionSets: ['Sync_Access'],
            scopes: ['RefreshToken', 'Web'],
          },
          {
            name: 'Full_App',
            consumerKey: 'FULLAPP0001',
            certificate: keys.certificate,
            adminApproved: true,
            permissionSets: ['Sync_Access'],
            scopes: ['Full', 'RefreshToken'],
          },
        ],
      });
      await rejected(login('sync@acme.example', 'APIONLY0001'), NOT_APPROVED);
      await rejected(login('sync@acme.example', 'REFRONLY001'), NOT_APPROVED);
      expect((await login('sync@acme.example', 'FULLAPP0001')).status).to.equal(200);
    });

    it('policyPropagationFailures: the next n token requests after a change get the old answer', async () => {
      await start({
        behaviour: { policyPropagationFailures: 2 },
        connectedApps: [
          { name: 'Bare_App', consumerKey: 'BAREKEY0001', certificate: keys.certificate, adminApproved: true },
        ],
      });
      const parent = emu.query<Row>("SELECT Id FROM PermissionSet WHERE Name = 'Other_Set'")[0].Id as string;
      const app = emu.query<Row>("SELECT Id FROM ConnectedApplication WHERE Name = 'Bare App'")[0].Id as string;
      await create(emu, 'SetupEntityAccess', { ParentId: parent, SetupEntityId: app });
      await rejected(login('other@acme.example', 'BAREKEY0001'), NOT_APPROVED);
      await rejected(login('other@acme.example', 'BAREKEY0001'), NOT_APPROVED);
      expect((await login('other@acme.example', 'BAREKEY0001')).status).to.equal(200);
      expect((await login('other@acme.example', 'BAREKEY0001')).status).to.equal(200);
    });
  });

  describe('the session of the JWT’s user', () => {
    let token: string;
    beforeEach(async () => {
      await start();
      token = (await login('sync@acme.example')).body.access_token as string;
    });
    const as = (method: string, path: string, body?: unknown): ReturnType<typeof call> =>
      call(emu, method, path, body, token);
    const query = (q: string): ReturnType<typeof call> => as('GET', `${V}/query?q=${encodeURIComponent(q)}`);

    it('reads data objects its permission sets grant, not others; Organization is denied, setup objects stay readable', async () => {
      const accounts = await query('SELECT Id, Name FROM Account ORDER BY Name');
      expect(accounts.status).to.equal(200);
      expect(accounts.body.records.map((a: Row) => a.Name)).to.deep.equal(['Acme', 'Globex']);
      const contacts = await query('SELECT Id, LastName FROM Contact');
      expect(contacts.status).to.equal(400);
      expect(contacts.body).to.deep.equal([
        {
          errorCode: 'INVALID_TYPE',
          message:
            "\nSELECT Id, LastName FROM Contact\n                         ^\nERROR at Row:1:Column:26\nsObject type 'Contact' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
        },
      ]);
      expect((await query('SELECT Name FROM Organization')).body[0].errorCode).to.equal('INVALID_TYPE');
      expect((await query("SELECT Username FROM User WHERE Username = 'sync@acme.example'")).body.totalSize).to.equal(
        1
      );
      const global = await as('GET', `${V}/sobjects`);
      const names = global.body.sobjects.map((o: Row) => o.name);
      expect(names).to.include('Account');
      expect(names).not.to.include('Contact');
      expect((await as('GET', `${V}/sobjects/Contact/describe`)).status).to.equal(404);
    });

    it('writes only what Create / Edit / Delete allow', async () => {
      const created = await as('POST', `${V}/sobjects/Account`, { Name: 'Initech' });
      expect(created.status).to.equal(201);
      const edit = await as('PATCH', `${V}/sobjects/Account/${created.body.id as string}`, { Name: 'Initrode' });
      expect(edit.body).to.deep.equal([
        { errorCode: 'INVALID_TYPE_FOR_OPERATION', message: 'entity type cannot be updated: Account', fields: [] },
      ]);
      const del = await as('DELETE', `${V}/sobjects/Account/${created.body.id as string}`);
      expect(del.body).to.deep.equal([
        { errorCode: 'INVALID_TYPE_FOR_OPERATION', message: 'entity type cannot be deleted: Account', fields: [] },
      ]);
      expect((await as('POST', `${V}/sobjects/Contact`, { LastName: 'Roe' })).status).to.equal(404);
      const collection = await as('POST', `${V}/composite/sobjects`, {
        records: [{ attributes: { type: 'Contact' }, LastName: 'Roe' }],
      });
      expect(collection.body[0].errors[0].statusCode).to.equal('INVALID_TYPE');
      expect(emu.query("SELECT Id FROM Account WHERE Name = 'Initech'")).to.have.length(1);
      expect(emu.query("SELECT Id FROM Contact WHERE LastName = 'Roe'")).to.have.length(0);
    });

    it('ends when the tokens expire', async () => {
      emu.expireTokens();
      expect((await query('SELECT Id FROM Account')).status).to.equal(401);
    });
  });
});
