/* eslint-disable @typescript-eslint/no-unsafe-member-access -- OAuth bodies are JSON, read by shape */
// The client credentials flow at the token endpoint (oauth/client-credentials.ts): the success shape, both ways of
// sending the credentials, every refusal in the emulator's order with Salesforce's texts, and each switch's values.

import { request } from 'node:http';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../index.js';
import { V, call } from '../http/test-client.js';
import { ccSeed, makeKeyPair, postToken, type TokenAnswer } from './jwt-client.js';

type Row = Record<string, unknown>;

const keys = makeKeyPair();
const ECA_KEY = 'ECAKEY000001';
const ECA_SECRET = 'ECASECRET0001';
const CA_KEY = 'LEGACYKEY0001';
const CA_SECRET = 'CASECRET00001';
const RUN_AS = 'sync@acme.example';
const GRANT = 'client_credentials';

describe('emulator client credentials flow', function () {
  this.timeout(20_000);
  let emu: Emulator;
  afterEach(() => emu?.stop());

  const start = async (eca: Row = {}, ca: Row = {}, extra: Partial<Seed> = {}): Promise<Emulator> => {
    emu = await startEmulator({ seed: ccSeed(keys.certificate, eca, ca, extra) });
    return emu;
  };
  const token = (id = ECA_KEY, secret = ECA_SECRET): Promise<TokenAnswer> =>
    postToken(emu, { grant_type: GRANT, client_id: id, client_secret: secret });
  const refused = async (answer: Promise<TokenAnswer>, error: string, description: string): Promise<void> => {
    const r = await answer;
    expect(r.status).to.equal(400);
    expect(r.body).to.deep.equal({ error, error_description: description });
  };
  const rows = (soql: string): Row[] =>
    emu.query<Row>(soql).map(({ attributes, ...rest }) => (expect(attributes).to.be.an('object'), rest));
  const userId = (username: string): string =>
    emu.query<Row>(`SELECT Id FROM User WHERE Username = '${username.replace(/'/g, "\\'")}'`)[0].Id as string;

  describe('success', () => {
    it('answers a session of the run-as user: Salesforce’s fields, no refresh token, a LoginHistory row, no OauthToken row', async () => {
      await start();
      const before = Date.now();
      const r = await token();
      expect(r.status).to.equal(200);
      expect(Object.keys(r.body as Row).sort()).to.deep.equal([
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
        id: `${emu.instanceUrl}/id/${emu.orgId}/${userId(RUN_AS)}`,
      });
      expect(Number(r.body.issued_at)).to.be.within(before, Date.now());
      // The session is the run-as user's: it queries what that user may read.
      const accounts = await call(
        emu,
        'GET',
        `${V}/query?q=SELECT+Name+FROM+Account+ORDER+BY+Name`,
        undefined,
        r.body.access_token as string
      );
      expect(accounts.status).to.equal(200);
      expect((accounts.body.records as Row[]).map((a) => a.Name)).to.deep.equal(['Acme', 'Globex']);
      expect(emu.requests.at(-2)).to.include({ path: '/services/oauth2/token', status: 200, writes: 0, user: RUN_AS });
      expect(
        rows(`SELECT LoginType, Status, Application FROM LoginHistory WHERE UserId = '${userId(RUN_AS)}'`)
      ).to.deep.equal([{ LoginType: 'Remote Access 2.0', Status: 'Success', Application: 'Acme Sync' }]);
      expect(emu.query<Row>(`SELECT Id FROM OauthToken WHERE UserId = '${userId(RUN_AS)}'`)).to.deep.equal([]);
    });

    it('writes an OauthToken row too under ccWritesOauthToken; serves connected apps (isClientCredentialEnabled)', async () => {
      await start({}, {}, { behaviour: { ccWritesOauthToken: true } });
      expect((await token(CA_KEY, CA_SECRET)).status).to.equal(200);
      expect(rows(`SELECT AppName, UseCount FROM OauthToken WHERE UserId = '${userId(RUN_AS)}'`)).to.deep.equal([
        { AppName: 'Legacy Sync', UseCount: 1 },
      ]);
    });

    it('takes the credentials as HTTP Basic; differing body and header: refused, or one believed (ccBothCredentialForms)', async () => {
      const basic = async (header: string, body: Record<string, string> = {}): Promise<TokenAnswer> => {
        const res = await fetch(`${emu.instanceUrl}/services/oauth2/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(header).toString('base64')}`,
          },
          body: new URLSearchParams({ grant_type: GRANT, ...body }).toString(),
        });
        return { status: res.status, body: await res.json() };
      };
      await start();
      expect((await basic(`${ECA_KEY}:${ECA_SECRET}`)).status).to.equal(200);
      await refused(basic(`${ECA_KEY}:wrong`), 'invalid_client', 'invalid client credentials');
      const mixed = { client_id: ECA_KEY, client_secret: 'wrong' };
      await refused(basic(`${ECA_KEY}:${ECA_SECRET}`, mixed), 'invalid_client', 'invalid client credentials');
      emu.setBehaviour({ ccBothCredentialForms: 'prefer-header' });
      expect((await basic(`${ECA_KEY}:${ECA_SECRET}`, mixed)).status).to.equal(200);
      emu.setBehaviour({ ccBothCredentialForms: 'prefer-body' });
      await refused(basic(`${ECA_KEY}:${ECA_SECRET}`, mixed), 'invalid_client', 'invalid client credentials');
      expect((await basic(`${ECA_KEY}:wrong`, { client_id: ECA_KEY, client_secret: ECA_SECRET })).status).to.equal(200);
    });
  });

  describe('refusals, in order', () => {
    it('refuses login.salesforce.com, test.salesforce.com and the Setup domain even with valid credentials', async () => {
      await start();
      const at = (host: string): Promise<TokenAnswer> =>
        new Promise((resolve, reject) => {
          const url = new URL(`${emu.instanceUrl}/services/oauth2/token`);
          const req = request(
            {
              host: url.hostname,
              port: url.port,
              path: url.pathname,
              method: 'POST',
              headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
            },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Row }));
            }
          );
          req.on('error', reject);
          req.end(new URLSearchParams({ grant_type: GRANT, client_id: ECA_KEY, client_secret: ECA_SECRET }).toString());
        });
      for (const host of ['login.salesforce.com', 'test.salesforce.com', 'acme.my.salesforce-setup.com'])
        await refused(at(host), 'invalid_grant', 'request not supported on this domain');
      expect((await at(new URL(emu.instanceUrl).host)).status).to.equal(200);
    });

    it('refuses an unknown key, a wrong or missing secret, and a disabled app', async () => {
      await start({ enabled: false });
      await refused(token('NOSUCHKEY01'), 'invalid_client_id', 'client identifier invalid');
      await refused(postToken(emu, { grant_type: GRANT }), 'invalid_client_id', 'client identifier invalid');
      await refused(token(ECA_KEY, 'WRONGSECRET'), 'invalid_client', 'invalid client credentials');
      await refused(
        postToken(emu, { grant_type: GRANT, client_id: ECA_KEY }),
        'invalid_client',
        'invalid client credentials'
      );
      await refused(token(), 'app_not_found', 'External client app is not installed in this org');
      await refused(
        postToken(emu, { grant_type: 'password', client_id: ECA_KEY, client_secret: ECA_SECRET }),
        'unsupported_grant_type',
        'grant type not supported'
      );
    });

    it('refuses an app without the flow: ECA needs both flags (ecaClientCredentialsFlags), the error per ccFlowDisabledError', async () => {
      await start({ clientCredentialsFlow: false }, { clientCredentialsFlow: false });
      await refused(token(), 'invalid_grant', 'client credentials flow not enabled');
      await refused(token(CA_KEY, CA_SECRET), 'invalid_grant', 'client credentials flow not enabled');
      for (const error of ['unauthorized_client', 'unsupported_grant_type'] as const) {
        emu.setBehaviour({ ccFlowDisabledError: error });
        await refused(token(), error, 'client credentials flow not enabled');
      }
      await emu.stop();
      // The policy's flag on, the global settings' flag off: what Setup's two checkboxes allow.
      emu = await startEmulator({ seed: ccSeed(keys.certificate) });
      const app = emu.query<Row>("SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Acme_Sync'")[0];
      expect(app).to.have.property('Id');
      emu.setBehaviour({ ecaOauthSettingsDeploy: 'allow' });
      const { Connection } = await import('@jsforce/jsforce-node');
      const conn = new Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.adminAccessToken, version: '66.0' });
      const global = (await conn.metadata.read(
        'ExtlClntAppGlobalOauthSettings' as never,
        'Acme_SyncGlblOAuth'
      )) as unknown as Row;
      expect(global).to.include({ isClientCredentialsFlowEnabled: 'true' });
      const saved = (await conn.metadata.update(
        'ExtlClntAppGlobalOauthSettings' as never,
        {
          ...global,
          isClientCredentialsFlowEnabled: 'false',
        } as never
      )) as unknown as Row;
      expect(saved).to.include({ success: true });
      await refused(token(), 'invalid_grant', 'client credentials flow not enabled');
      emu.setBehaviour({ ecaClientCredentialsFlags: 'policy-only' });
      expect((await token()).status).to.equal(200);
    });

    it('refuses an app with the flow on and no run-as user', async () => {
      await start({ runAs: undefined, clientCredentialsFlow: true }, { runAs: undefined, clientCredentialsFlow: true });
      await refused(token(), 'invalid_grant', 'no client credentials user enabled');
      await refused(token(CA_KEY, CA_SECRET), 'invalid_grant', 'no client credentials user enabled');
    });

    it('refuses an inactive run-as user (ccInactiveRunAsError)', async () => {
      await start({ runAs: "o'brien@acme.example" });
      await refused(token(), 'invalid_grant', 'inactive user');
      emu.setBehaviour({ ccInactiveRunAsError: { errorCode: 'invalid_grant', message: 'user is inactive' } });
      await refused(token(), 'invalid_grant', 'user is inactive');
    });

    it('refuses a run-as user without API Only under ccRunAsApiOnly enforce, not under deploy-only or none', async () => {
      await start({ runAs: 'std@acme.example', permittedUsers: 'AllSelfAuthorized' });
      await refused(token(), 'invalid_grant', 'no client credentials user enabled');
      for (const mode of ['deploy-only', 'none'] as const) {
        emu.setBehaviour({ ccRunAsApiOnly: mode });
        expect((await token()).body).to.include({
          id: `${emu.instanceUrl}/id/${emu.orgId}/${userId('std@acme.example')}`,
        });
      }
    });

    it('refuses a run-as user an admin-approved app doesn’t pre-authorize (ccRequiresPreauthorization)', async () => {
      await start({ runAs: 'other@acme.example' });
      await refused(token(), 'invalid_app_access', 'user is not admin approved to access this app');
      emu.setBehaviour({ ccRequiresPreauthorization: 'ignore' });
      expect((await token()).status).to.equal(200);
    });

    it('refuses an app without the Api scope (ccScopeCheck)', async () => {
      await start({ scopes: ['RefreshToken'] });
      await refused(token(), 'invalid_grant', 'no valid scopes');
      emu.setBehaviour({ ccScopeCheck: 'none' });
      expect((await token()).status).to.equal(200);
    });
  });

  it('lists every consumer secret, seeded or generated, in emu.secrets()', async () => {
    await start({}, {}, {});
    const secrets = emu.secrets().consumerSecrets;
    expect(secrets).to.deep.include({ app: 'Acme_Sync', secret: ECA_SECRET });
    expect(secrets).to.deep.include({ app: 'Legacy_Sync', secret: CA_SECRET });
  });
});
