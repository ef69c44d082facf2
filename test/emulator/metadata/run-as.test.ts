// The client credentials flow's metadata (metadata/run-as.ts): ExtlClntAppOauthConfigurablePolicies
// isClientCredentialsFlowEnabled + clientCredentialsFlowUser, ExtlClntAppGlobalOauthSettings isClientCredentialsFlowEnabled,
// ConnectedApp oauthConfig isClientCredentialEnabled + oauthClientCredentialUser: written, refused, read back, and
// honoured by a token request; consumer secrets generated for new apps and never retrieved.

import { expect } from 'chai';
import JSZip from 'jszip';
import { Connection } from '@jsforce/jsforce-node';
import { startEmulator, type Emulator, type Seed } from '../index.js';
import { ccSeed, makeKeyPair, postToken } from '../oauth/jwt-client.js';

type Row = Record<string, unknown>;

const keys = makeKeyPair();

const NS = 'http://soap.sforce.com/2006/04/metadata';
const POLICY = 'Acme_SyncOAuthSettings_defaultPolicy';
const INVALID_RUN_AS = 'Enter a valid execution user for the OAuth client credentials flow.';
const NOT_API_ONLY = 'The execution user for the OAuth client credentials flow must have the API Only User permission.';

function xml(type: string, fields: Record<string, string>): string {
  const body = Object.entries(fields)
    .map(([k, v]) => `    <${k}>${v}</${k}>\n`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${type} xmlns="${NS}">\n${body}</${type}>\n`;
}

describe('emulator client credentials metadata', function () {
  this.timeout(20_000);
  let emu: Emulator;
  let conn: Connection;
  afterEach(() => emu?.stop());

  const start = async (eca: Row = {}, ca: Row = {}, extra: Partial<Seed> = {}): Promise<void> => {
    emu = await startEmulator({ seed: ccSeed(keys.certificate, eca, ca, extra) });
    conn = new Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.adminAccessToken, version: '66.0' });
    conn.metadata.pollInterval = 20;
  };
  const updatePolicy = async (fields: Row): Promise<Row> =>
    (await conn.metadata.update(
      'ExtlClntAppOauthConfigurablePolicies' as never,
      {
        fullName: POLICY,
        externalClientApplication: 'Acme_Sync',
        label: 'Acme Sync',
        permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
        commaSeparatedPermissionSet: 'Sync_Access',
        ...fields,
      } as never
    )) as unknown as Row;
  const policyRow = (): Row => {
    const { attributes, ...rest } = emu.query<Row>(
      "SELECT IsClientCredentialsFlowEnabled, ClientCredentialsFlowUser FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplication.DeveloperName = 'Acme_Sync'"
    )[0];
    expect(attributes).to.be.an('object');
    return rest;
  };

  it('stores the ECA policy’s run-as user by Username; refuses an unknown one, an e-mail, and (ccRunAsApiOnly) a user without API Only', async () => {
    await start({ runAs: undefined, clientCredentialsFlow: false });
    expect(policyRow()).to.deep.equal({ IsClientCredentialsFlowEnabled: false, ClientCredentialsFlowUser: null });
    const errorOf = async (user: string): Promise<unknown> => {
      const r = await updatePolicy({ isClientCredentialsFlowEnabled: 'true', clientCredentialsFlowUser: user });
      expect(r).to.include({ success: false });
      return (r.errors as Row[])[0].message;
    };
    expect(await errorOf('nobody@acme.example')).to.equal(INVALID_RUN_AS);
    // the value is a Username: O'Brien's e-mail names nobody
    expect(await errorOf('obrien.mail@acme.example')).to.equal(INVALID_RUN_AS);
    expect(await errorOf('std@acme.example')).to.equal(NOT_API_ONLY);
    emu.setBehaviour({ ccRunAsApiOnly: 'deploy-only' });
    expect(await errorOf('std@acme.example')).to.equal(NOT_API_ONLY);
    expect(policyRow()).to.deep.equal({ IsClientCredentialsFlowEnabled: false, ClientCredentialsFlowUser: null });
    emu.setBehaviour({ ccRunAsApiOnly: 'none' });
    expect(
      await updatePolicy({ isClientCredentialsFlowEnabled: 'true', clientCredentialsFlowUser: 'std@acme.example' })
    ).to.include({ success: true });
    emu.setBehaviour({ ccRunAsApiOnly: 'enforce' });
    expect(
      await updatePolicy({ isClientCredentialsFlowEnabled: 'true', clientCredentialsFlowUser: 'sync@acme.example' })
    ).to.include({ success: true });
    expect(policyRow()).to.deep.equal({
      IsClientCredentialsFlowEnabled: true,
      ClientCredentialsFlowUser: 'sync@acme.example',
    });
    const back = (await conn.metadata.read('ExtlClntAppOauthConfigurablePolicies' as never, POLICY)) as unknown as Row;
    expect(back).to.include({ isClientCredentialsFlowEnabled: 'true', clientCredentialsFlowUser: 'sync@acme.example' });
    // The global settings' flag is still off (the seed had the flow off): no token until it is on.
    const r = await postToken(emu, {
      grant_type: 'client_credentials',
      client_id: 'ECAKEY000001',
      client_secret: 'ECASECRET0001',
    });
    expect(r.body).to.deep.equal({ error: 'invalid_grant', error_description: 'client credentials flow not enabled' });
  });

  it('creates an ECA with the flow on through deploy: a generated secret that works, never in a retrieve unless ecaConsumerSecretsInMetadata', async () => {
    await start({}, {}, { behaviour: { ecaOauthSettingsDeploy: 'allow' } });
    const app = 'New_Sync';
    const zip = new JSZip();
    const parts: Array<[string, string, string, string, Record<string, string>]> = [
      [
        'ExternalClientApplication',
        'externalClientApps',
        'eca',
        app,
        { contactEmail: 'it@acme.example', distributionState: 'Local', isProtected: 'false', label: 'New Sync' },
      ],
      [
        'ExtlClntAppGlobalOauthSettings',
        'extlClntAppGlobalOauthSets',
        'ecaGlblOauth',
        `${app}GlblOAuth`,
        {
          callbackUrl: 'http://localhost:1717/OauthRedirect',
          externalClientApplication: app,
          isClientCredentialsFlowEnabled: 'true',
          label: 'New Sync',
        },
      ],
      [
        'ExtlClntAppOauthSettings',
        'extlClntAppOauthSettings',
        'ecaOauth',
        `${app}OAuthSettings`,
        { commaSeparatedOauthScopes: 'Api', externalClientApplication: app, label: 'New Sync' },
      ],
      [
        'ExtlClntAppOauthConfigurablePolicies',
        'extlClntAppOauthPolicies',
        'ecaOauthPlcy',
        `${app}OAuthSettings_defaultPolicy`,
        {
          clientCredentialsFlowUser: 'sync@acme.example',
          commaSeparatedPermissionSet: 'Sync_Access',
          externalClientApplication: app,
          isClientCredentialsFlowEnabled: 'true',
          label: 'New Sync',
          permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
        },
      ],
      [
        'ExtlClntAppConfigurablePolicies',
        'extlClntAppPolicies',
        'ecaPlcy',
        `${app}_defaultPolicy`,
        { externalClientApplication: app, isEnabled: 'true', isOauthPluginEnabled: 'true', label: 'New Sync' },
      ],
    ];
    const types = parts.map(([t, , , n]) => `  <types><members>${n}</members><name>${t}</name></types>\n`).join('');
    zip.file(
      'package.xml',
      `<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="${NS}">\n${types}  <version>66.0</version>\n</Package>\n`
    );
    for (const [t, folder, suffix, n, fields] of parts) zip.file(`${folder}/${n}.${suffix}`, xml(t, fields));
    const result = (await conn.metadata
      .deploy(await zip.generateAsync({ type: 'nodebuffer' }), { rollbackOnError: true, singlePackage: true })
      .complete(true)) as unknown as Row;
    expect(result).to.include({ status: 'Succeeded', numberComponentsDeployed: 5 });
    const secret = emu.secrets().consumerSecrets.find((s) => s.app === app)?.secret as string;
    expect(secret).to.match(/^[0-9A-F]{64}$/);
    const key = emu.query<Row>(`SELECT Id FROM ExternalClientApplication WHERE DeveloperName = '${app}'`)[0]
      .Id as string;
    expect(key).to.be.a('string');

    const retrieveGlobal = async (): Promise<string> => {
      const r = (await conn.metadata
        .retrieve({
          apiVersion: 66,
          singlePackage: true,
          unpackaged: {
            types: [
              { name: 'ExtlClntAppGlobalOauthSettings', members: [`${app}GlblOAuth`] },
              { name: 'ExtlClntAppOauthConfigurablePolicies', members: [`${app}OAuthSettings_defaultPolicy`] },
            ],
            version: '66.0',
          },
        } as never)
        .complete()) as unknown as { zipFile: string };
      const files = await JSZip.loadAsync(Buffer.from(r.zipFile, 'base64'));
      const policy =
        await files.files[`extlClntAppOauthPolicies/${app}OAuthSettings_defaultPolicy.ecaOauthPlcy`].async('string');
      expect(policy)
        .to.contain('<clientCredentialsFlowUser>sync@acme.example</clientCredentialsFlowUser>')
        .and.contain('<isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>');
      return files.files[`extlClntAppGlobalOauthSets/${app}GlblOAuth.ecaGlblOauth`].async('string');
    };
    const plain = await retrieveGlobal();
    expect(plain)
      .to.contain('<isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>')
      .and.not.contain(secret);
    emu.setBehaviour({ ecaConsumerSecretsInMetadata: true });
    const withSecret = await retrieveGlobal();
    expect(withSecret).to.contain(`<consumerSecret>${secret}</consumerSecret>`);
    const consumerKey = /<consumerKey>([^<]+)<\/consumerKey>/.exec(withSecret)?.[1] as string;
    const r = await postToken(emu, { grant_type: 'client_credentials', client_id: consumerKey, client_secret: secret });
    expect(r.status).to.equal(200);
    expect(r.body).to.include({ scope: 'api' });
  });

  it('ConnectedApp oauthClientCredentialUser through updateMetadata: stored, ignored or refused (connectedAppRunAsViaMetadata)', async () => {
    await start({}, { runAs: undefined, clientCredentialsFlow: false });
    const read = async (): Promise<Row & { oauthConfig: Row }> =>
      (await conn.metadata.read('ConnectedApp', 'Legacy_Sync')) as unknown as Row & { oauthConfig: Row };
    const app = await read();
    expect(app.oauthConfig).not.to.have.property('oauthClientCredentialUser');
    expect(app.oauthConfig).not.to.have.property('consumerSecret');
    const update = async (user: string): Promise<Row> =>
      (await conn.metadata.update('ConnectedApp', {
        ...app,
        oauthConfig: { ...app.oauthConfig, isClientCredentialEnabled: true, oauthClientCredentialUser: user },
      } as never)) as unknown as Row;
    emu.setBehaviour({ connectedAppRunAsViaMetadata: 'reject' });
    expect(await update('sync@acme.example')).to.include({ success: false });
    expect((await read()).oauthConfig).not.to.have.property('isClientCredentialEnabled');
    emu.setBehaviour({ connectedAppRunAsViaMetadata: 'ignore' });
    expect(await update('sync@acme.example')).to.include({ success: true });
    expect((await read()).oauthConfig)
      .to.include({ isClientCredentialEnabled: 'true' })
      .and.not.have.property('oauthClientCredentialUser');
    emu.setBehaviour({ connectedAppRunAsViaMetadata: 'allow' });
    expect(((await update('nobody@acme.example')).errors as Row[])[0].message).to.equal(INVALID_RUN_AS);
    expect(await update('sync@acme.example')).to.include({ success: true });
    expect((await read()).oauthConfig).to.include({
      isClientCredentialEnabled: 'true',
      oauthClientCredentialUser: 'sync@acme.example',
    });
    const r = await postToken(emu, {
      grant_type: 'client_credentials',
      client_id: 'LEGACYKEY0001',
      client_secret: 'CASECRET00001',
    });
    expect(r.status).to.equal(200);
  });
});
