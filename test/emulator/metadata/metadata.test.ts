// The Metadata API over SOAP: exact envelopes for the CRUD calls and faults, the ConnectedApp component as
// one view of its SetupEntityAccess grants (a profile or set on the app is a SetupEntityAccess row under its permission
// set), and the ECA types through retrieve and deploy (Metadata API reference, ExternalClientApplication and
// ExtlClntApp* types), read back from the state, from the zip, and through a JWT login.

import { expect } from 'chai';
import JSZip from 'jszip';
import { Connection } from '@jsforce/jsforce-node';
import { startEmulator, type Emulator, type Seed } from '../index.js';
import { INTEGRATION_PROFILE, V, call, create } from '../http/test-client.js';
import { appSeed, jwtLogin, makeKeyPair } from '../oauth/jwt-client.js';

type Row = Record<string, unknown>;

const keys = makeKeyPair();
const NS = 'http://soap.sforce.com/2006/04/metadata';
const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:sf="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const ENVELOPE_CLOSE = '</soapenv:Body></soapenv:Envelope>';
const PLAIN_APP = { name: 'Plain_App', label: 'Plain App', contactEmail: 'it@acme.example', consumerKey: 'PLAINKEY01' };

/** A SOAP request as jsforce writes it; `path` may carry the double slash sf produces. */
async function soap(
  emu: Emulator,
  operation: string,
  inner: string,
  token = emu.adminAccessToken,
  path = '/services/Soap/m/66.0'
): Promise<{ status: number; text: string; type: string | null }> {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Header xmlns="${NS}"><SessionHeader><sessionId>${token}</sessionId></SessionHeader></soapenv:Header>` +
    `<soapenv:Body xmlns="${NS}"><${operation}>${inner}</${operation}></soapenv:Body></soapenv:Envelope>`;
  const res = await fetch(`${emu.instanceUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml', SOAPAction: '""' },
    body,
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

function componentXml(type: string, fields: Record<string, string | string[]>): string {
  const body = Object.entries(fields)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `    <${k}>${x}</${k}>\n`))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${type} xmlns="${NS}">\n${body}</${type}>\n`;
}

/** A deployable zip: package.xml at the root listing the components, and their files. */
async function zipOf(
  components: Array<{ type: string; folder: string; suffix: string; name: string; xml: string }>,
  manifest = true
): Promise<Buffer> {
  const zip = new JSZip();
  const types = [...new Set(components.map((c) => c.type))].map(
    (t) =>
      `  <types>\n${components
        .filter((c) => c.type === t)
        .map((c) => `    <members>${c.name}</members>\n`)
        .join('')}    <name>${t}</name>\n  </types>\n`
  );
  if (manifest)
    zip.file(
      'package.xml',
      `<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="${NS}">\n${types.join('')}  <version>66.0</version>\n</Package>\n`
    );
  for (const c of components) zip.file(`${c.folder}/${c.name}.${c.suffix}`, c.xml);
  return zip.generateAsync({ type: 'nodebuffer' });
}

const policyComponent = (
  name: string,
  fields: Record<string, string>
): { type: string; folder: string; suffix: string; name: string; xml: string } => ({
  type: 'ExtlClntAppOauthConfigurablePolicies',
  folder: 'extlClntAppOauthPolicies',
  suffix: 'ecaOauthPlcy',
  name,
  xml: componentXml('ExtlClntAppOauthConfigurablePolicies', fields),
});

describe('emulator Metadata API (SOAP)', function () {
  this.timeout(20_000);
  let emu: Emulator;
  let conn: Connection;
  afterEach(() => emu?.stop());

  const start = async (extra: Partial<Seed> = {}): Promise<Emulator> => {
    emu = await startEmulator({ seed: appSeed(keys.certificate, extra) });
    conn = new Connection({ instanceUrl: emu.instanceUrl, accessToken: emu.adminAccessToken, version: '66.0' });
    conn.metadata.pollInterval = 20;
    return emu;
  };
  const login = (sub: string, iss: string): Promise<{ status: number; body: Row }> =>
    jwtLogin(emu, keys.privateKey, { iss, sub });
  /** The grants of the connected app with this label (ConnectedApplication.Name is the label). */
  const grantsOf = (label: string): string[] =>
    emu
      .query<{ Parent: { Name: string; IsOwnedByProfile: boolean; Profile: { Name: string } | null } }>(
        `SELECT Parent.Name, Parent.IsOwnedByProfile, Parent.Profile.Name FROM SetupEntityAccess WHERE SetupEntityId IN (SELECT Id FROM ConnectedApplication WHERE Name = '${label}')`
      )
      .map((r) => (r.Parent.IsOwnedByProfile ? `profile:${r.Parent.Profile?.Name ?? ''}` : r.Parent.Name))
      .sort();

  describe('envelopes and faults', () => {
    beforeEach(() => start({ connectedApps: [...(appSeed(keys.certificate).connectedApps ?? []), PLAIN_APP] }));

    it('answers readMetadata in Salesforce’s envelope, with a nil record for an unknown name', async () => {
      const r = await soap(
        emu,
        'readMetadata',
        '<type>ConnectedApp</type><fullNames>Plain_App</fullNames><fullNames>Nope</fullNames>',
        emu.adminAccessToken,
        '//services/Soap/m/66.0'
      );
      expect(r.status).to.equal(200);
      expect(r.type).to.equal('text/xml;charset=UTF-8');
      expect(r.text).to.equal(
        `${ENVELOPE_OPEN}<readMetadataResponse><result><records xsi:type="ConnectedApp"><fullName>Plain_App</fullName><contactEmail>it@acme.example</contactEmail><label>Plain App</label>` +
          '<oauthConfig><callbackUrl>http://localhost:1717/OauthRedirect</callbackUrl><consumerKey>PLAINKEY01</consumerKey><isAdminApproved>false</isAdminApproved><isConsumerSecretOptional>false</isConsumerSecretOptional>' +
          '<isIntrospectAllTokens>false</isIntrospectAllTokens><isSecretRequiredForRefreshToken>true</isSecretRequiredForRefreshToken><scopes>Api</scopes><scopes>RefreshToken</scopes></oauthConfig>' +
          `<oauthPolicy><ipRelaxation>ENFORCE</ipRelaxation><refreshTokenPolicy>infinite</refreshTokenPolicy></oauthPolicy></records><records xsi:nil="true"/></result></readMetadataResponse>${ENVELOPE_CLOSE}`
      );
      expect(emu.requests.at(-1)).to.include({
        method: 'POST',
        path: '/services/Soap/m/66.0',
        soapOperation: 'readMetadata',
        status: 200,
        writes: 0,
        user: emu.adminUsername,
      });
      const withOrgId = await soap(
        emu,
        'readMetadata',
        '<type>ConnectedApp</type><fullNames>Plain_App</fullNames>',
        emu.adminAccessToken,
        `/services/Soap/m/66.0/${emu.orgId}`
      );
      expect(withOrgId.text).to.contain('<fullName>Plain_App</fullName>');
    });

    it('faults an invalid session with sf:INVALID_SESSION_ID (HTTP 500), as jsforce expects', async () => {
      const r = await soap(
        emu,
        'readMetadata',
        '<type>ConnectedApp</type><fullNames>Plain_App</fullNames>',
        '00D000000000001!bogus'
      );
      expect(r.status).to.equal(500);
      expect(r.text).to.equal(
        `${ENVELOPE_OPEN}<soapenv:Fault><faultcode>sf:INVALID_SESSION_ID</faultcode><faultstring>INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session</faultstring>` +
          `<detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault"><sf:exceptionCode>INVALID_SESSION_ID</sf:exceptionCode><sf:exceptionMessage>Invalid Session ID found in SessionHeader: Illegal Session</sf:exceptionMessage></sf:UnexpectedErrorFault></detail></soapenv:Fault>${ENVELOPE_CLOSE}`
      );
      expect(emu.requests.at(-1)).to.include({
        soapOperation: 'readMetadata',
        status: 500,
        errorCode: 'INVALID_SESSION_ID',
        writes: 0,
      });
      const bad = new Connection({
        instanceUrl: emu.instanceUrl,
        accessToken: '00D000000000001!bogus',
        version: '66.0',
      });
      let error: (Error & { errorCode?: string }) | undefined;
      try {
        await bad.metadata.read('ConnectedApp', 'Plain_App');
      } catch (e) {
        error = e as Error;
      }
      expect(error?.errorCode).to.equal('sf:INVALID_SESSION_ID');
    });

    it('faults an unknown type, an unknown operation, and a user without Modify All Data / Modify Metadata', async () => {
      expect((await soap(emu, 'readMetadata', '<type>Nope</type><fullNames>x</fullNames>')).text).to.contain(
        '<faultcode>sf:INVALID_TYPE</faultcode><faultstring>INVALID_TYPE: This type of metadata is not available for this organization</faultstring>'
      );
      const op = await soap(emu, 'launchMissiles', '');
      expect(op.status).to.equal(500);
      expect(op.text).to.contain(
        `<faultcode>soapenv:Client</faultcode><faultstring>No operation available for request {${NS}}launchMissiles, please check the WSDL for the service.</faultstring>`
      );
      const token = (await login('sync@acme.example', 'LEGACYKEY0001')).body.access_token as string;
      expect(
        (await soap(emu, 'readMetadata', '<type>ConnectedApp</type><fullNames>Plain_App</fullNames>', token)).text
      ).to.contain(
        '<faultcode>sf:INSUFFICIENT_ACCESS</faultcode><faultstring>INSUFFICIENT_ACCESS: use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions</faultstring>'
      );
    });

    it('answers a refused update with a SaveResult error and writes nothing', async () => {
      const r = await soap(
        emu,
        'updateMetadata',
        '<metadata xsi:type="ConnectedApp"><fullName>Plain_App</fullName><contactEmail>it@acme.example</contactEmail></metadata>'
      );
      expect(r.status).to.equal(200);
      expect(r.text).to.equal(
        `${ENVELOPE_OPEN}<updateMetadataResponse><result><errors><message>Required field is missing: label</message><statusCode>REQUIRED_FIELD_MISSING</statusCode></errors><fullName>Plain_App</fullName><success>false</success></result></updateMetadataResponse>${ENVELOPE_CLOSE}`
      );
      expect(emu.requests.at(-1)).to.include({ soapOperation: 'updateMetadata', writes: 0 });
      expect(emu.query<Row>("SELECT Name FROM ConnectedApplication WHERE Name = 'Plain App'")).to.have.length(1);
    });

    it('lists components with listMetadata and describes its types', async () => {
      const listed = await conn.metadata.list([{ type: 'ConnectedApp' }, { type: 'ExternalClientApplication' }]);
      expect(listed.map((f) => [f.type, f.fullName, f.fileName]).sort()).to.deep.equal([
        ['ConnectedApp', 'Legacy_Sync', 'connectedApps/Legacy_Sync.connectedApp'],
        ['ConnectedApp', 'Plain_App', 'connectedApps/Plain_App.connectedApp'],
        ['ExternalClientApplication', 'Acme_Sync', 'externalClientApps/Acme_Sync.eca'],
      ]);
      // listMetadata maps the API name (fullName) to the row whose Name is the label.
      expect(listed.find((f) => f.fullName === 'Plain_App')?.id).to.equal(
        emu.query<Row>("SELECT Id FROM ConnectedApplication WHERE Name = 'Plain App'")[0].Id
      );
      const described = await conn.metadata.describe();
      expect(described.metadataObjects.map((o) => `${o.xmlName}:${o.directoryName}:${o.suffix}`)).to.include(
        'ExtlClntAppOauthConfigurablePolicies:extlClntAppOauthPolicies:ecaOauthPlcy'
      );
    });
  });

  describe('ConnectedApp through the CRUD calls', () => {
    it('reads with jsforce; an update is read-modify-write and its lists become SetupEntityAccess rows', async () => {
      await start();
      const app = (await conn.metadata.read('ConnectedApp', 'Legacy_Sync')) as unknown as Row & {
        oauthConfig: Row;
        permissionSetName: string[];
        profileName: string[];
      };
      expect(app).to.deep.include({
        fullName: 'Legacy_Sync',
        label: 'Legacy Sync',
        permissionSetName: ['Sync_Access'],
        profileName: [INTEGRATION_PROFILE],
      });
      expect(app.oauthConfig).to.include({
        consumerKey: 'LEGACYKEY0001',
        isAdminApproved: true,
        certificate: keys.certificate.trim(),
      });
      const saved = await conn.metadata.update('ConnectedApp', {
        ...app,
        description: 'Synced nightly',
        permissionSetName: ['Sync_Access', 'Other_Set'],
        profileName: ['Standard User'],
      } as never);
      expect(saved).to.deep.include({ fullName: 'Legacy_Sync', success: true });
      expect(emu.requests.at(-1)).to.include({ soapOperation: 'updateMetadata', writes: 1 });
      expect(grantsOf('Legacy Sync')).to.deep.equal(['Other_Set', 'Sync_Access', 'profile:Standard User']);
      const back = (await conn.metadata.read('ConnectedApp', 'Legacy_Sync')) as unknown as Row & { oauthConfig: Row };
      expect(back).to.deep.include({ description: 'Synced nightly', profileName: ['Standard User'] });
      expect(back.oauthConfig.certificate).to.equal(keys.certificate.trim());
      // The two views are one grant: what the update listed now pre-authorizes, what it dropped doesn't.
      expect((await login('std@acme.example', 'LEGACYKEY0001')).status).to.equal(200);
      expect((await login('other@acme.example', 'LEGACYKEY0001')).status).to.equal(200);
    });

    it('shows a SetupEntityAccess row inserted through REST in permissionSetName / profileName', async () => {
      await start();
      const app = emu.query<Row>("SELECT Id FROM ConnectedApplication WHERE Name = 'Legacy Sync'")[0].Id as string;
      const other = emu.query<Row>("SELECT Id FROM PermissionSet WHERE Name = 'Other_Set'")[0].Id as string;
      const std = emu.query<Row>("SELECT Id FROM PermissionSet WHERE Profile.Name = 'Standard User'")[0].Id as string;
      await create(emu, 'SetupEntityAccess', { ParentId: other, SetupEntityId: app });
      await create(emu, 'SetupEntityAccess', { ParentId: std, SetupEntityId: app });
      const read = (await conn.metadata.read('ConnectedApp', 'Legacy_Sync')) as unknown as {
        permissionSetName: string[];
        profileName: string[];
      };
      expect(read.permissionSetName).to.deep.equal(['Sync_Access', 'Other_Set']);
      expect(read.profileName).to.deep.equal([INTEGRATION_PROFILE, 'Standard User']);
    });

    it('keeps only what an update sends: a left-out list or oauthConfig is gone', async () => {
      await start();
      const app = (await conn.metadata.read('ConnectedApp', 'Legacy_Sync')) as unknown as Row;
      const { permissionSetName: _sets, oauthConfig: _oauth, ...rest } = app;
      void _sets;
      void _oauth;
      expect(((await conn.metadata.update('ConnectedApp', rest as never)) as unknown as Row).success).to.equal(true);
      expect(grantsOf('Legacy Sync')).to.deep.equal([`profile:${INTEGRATION_PROFILE}`]);
      const back = (await conn.metadata.read('ConnectedApp', 'Legacy_Sync')) as unknown as Row;
      expect(back.oauthConfig).to.equal(undefined);
      const r = await login('sync@acme.example', 'LEGACYKEY0001');
      expect(r.body).to.deep.equal({ error: 'invalid_client_id', error_description: 'client identifier invalid' });
    });

    it('refuses a changed consumer key, unknown names, an unknown app; connectedAppPermsetMatch label takes labels', async () => {
      await start();
      const app = (await conn.metadata.read('ConnectedApp', 'Legacy_Sync')) as unknown as Row & { oauthConfig: Row };
      const errorOf = async (metadata: Row): Promise<Row> => {
        const r = (await conn.metadata.update('ConnectedApp', metadata as never)) as unknown as {
          success: boolean;
          errors: Row[];
        };
        expect(r.success).to.equal(false);
        expect(r.errors).to.have.length(1);
        return r.errors[0];
      };
      expect(
        await errorOf({ ...app, oauthConfig: { ...app.oauthConfig, consumerKey: 'OTHERKEY0001' } })
      ).to.deep.include({
        statusCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: "Consumer Key: the consumer key of an existing connected app can't be changed.",
      });
      expect(await errorOf({ ...app, permissionSetName: ['Sync Access'] })).to.deep.include({
        statusCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: 'In field: permissionSetName - no PermissionSet named Sync Access found',
      });
      expect(await errorOf({ ...app, profileName: ['Nope'] })).to.deep.include({
        message: 'In field: profileName - no Profile named Nope found',
      });
      expect(await errorOf({ ...app, fullName: 'Ghost_App' })).to.deep.include({
        statusCode: 'INVALID_CROSS_REFERENCE_KEY',
        message: 'In field: fullName - no ConnectedApp named Ghost_App found',
      });
      expect(grantsOf('Legacy Sync')).to.deep.equal(['Sync_Access', `profile:${INTEGRATION_PROFILE}`]);
      await emu.stop();

      await start({ behaviour: { connectedAppPermsetMatch: 'label' } });
      const labelled = (await conn.metadata.read('ConnectedApp', 'Legacy_Sync')) as unknown as Row;
      expect(labelled.permissionSetName).to.deep.equal(['Sync Access']);
      expect(
        (
          (await conn.metadata.update('ConnectedApp', {
            ...labelled,
            permissionSetName: ['Sync Access', 'Other Set'],
          } as never)) as unknown as Row
        ).success
      ).to.equal(true);
      expect(await errorOf({ ...labelled, permissionSetName: ['Other_Set'] })).to.deep.include({
        message: 'In field: permissionSetName - no PermissionSet named Other_Set found',
      });
    });

    it('refuses updates when connectedAppMetadataUpdate is reject', async () => {
      await start({ behaviour: { connectedAppMetadataUpdate: 'reject' } });
      const app = await conn.metadata.read('ConnectedApp', 'Legacy_Sync');
      const r = (await conn.metadata.update('ConnectedApp', { ...app, permissionSetName: [] } as never)) as unknown as {
        success: boolean;
        errors: Row[];
      };
      expect(r.success).to.equal(false);
      expect(r.errors[0]).to.deep.include({ statusCode: 'INSUFFICIENT_ACCESS' });
      expect(grantsOf('Legacy Sync')).to.have.length(2);
    });

    it('upserts an existing app (created false); refuses a new one unless allowConnectedAppCreation', async () => {
      await start();
      const app = await conn.metadata.read('ConnectedApp', 'Legacy_Sync');
      expect(await conn.metadata.upsert('ConnectedApp', app as never)).to.deep.include({
        created: false,
        success: true,
      });
      const fresh = {
        fullName: 'New_App',
        label: 'New App',
        contactEmail: 'it@acme.example',
        oauthConfig: { callbackUrl: 'http://localhost:1717/OauthRedirect', scopes: ['Api'] },
      };
      const refused = (await conn.metadata.upsert('ConnectedApp', fresh as never)) as unknown as {
        success: boolean;
        created: boolean;
        errors: Row[];
      };
      expect(refused).to.deep.include({ success: false, created: false });
      expect(refused.errors[0]).to.deep.include({
        statusCode: 'INSUFFICIENT_ACCESS',
        message:
          "Can't create connected app New_App: creation of connected apps is restricted in this org. Create an external client app instead.",
      });
      expect(
        ((await conn.metadata.create('ConnectedApp', fresh as never)) as unknown as { success: boolean }).success
      ).to.equal(false);
      expect(emu.query("SELECT Id FROM ConnectedApplication WHERE Name = 'New_App'")).to.have.length(0);
      await emu.stop();

      await start({ behaviour: { allowConnectedAppCreation: true } });
      expect(await conn.metadata.upsert('ConnectedApp', fresh as never)).to.deep.include({
        created: true,
        success: true,
      });
      const made = (await conn.metadata.read('ConnectedApp', 'New_App')) as unknown as { oauthConfig: Row };
      expect(made.oauthConfig.consumerKey).to.match(/^3MVG9[A-Za-z0-9]+$/);
    });
  });

  it('reads and updates an ECA policy through the CRUD calls too (the whole component is replaced)', async () => {
    await start();
    const name = 'Acme_SyncOAuthSettings_defaultPolicy';
    const read = (await conn.metadata.read('ExtlClntAppOauthConfigurablePolicies' as never, name)) as unknown as Row;
    expect(read).to.deep.include({
      fullName: name,
      externalClientApplication: 'Acme_Sync',
      permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      commaSeparatedPermissionSet: 'Sync_Access',
    });
    const saved = (await conn.metadata.update(
      'ExtlClntAppOauthConfigurablePolicies' as never,
      {
        fullName: name,
        externalClientApplication: 'Acme_Sync',
        label: 'Acme Sync',
        commaSeparatedProfile: 'Standard User',
        permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      } as never
    )) as unknown as Row;
    expect(saved).to.deep.include({ fullName: name, success: true });
    expect(emu.requests.at(-1)).to.include({ soapOperation: 'updateMetadata', writes: 1 });
    expect((await login('std@acme.example', 'ECAKEY000001')).status).to.equal(200);
    const denied = await login('sync@acme.example', 'ECAKEY000001');
    expect(denied.body).to.deep.equal({
      error: 'invalid_grant',
      error_description: "user hasn't approved this consumer",
    });
  });

  describe('retrieve', () => {
    const retrieve = async (
      types: Array<{ name: string; members: string[] }>,
      singlePackage = false
    ): Promise<{ result: Row & { messages: Row[] }; files: Record<string, string> }> => {
      const result = (await conn.metadata
        .retrieve({ apiVersion: 66, singlePackage, unpackaged: { types, version: '66.0' } } as never)
        .complete()) as unknown as Row & { zipFile: string; messages: Row[] };
      const zip = await JSZip.loadAsync(Buffer.from(result.zipFile, 'base64'));
      const files: Record<string, string> = {};
      for (const name of Object.keys(zip.files)) files[name] = await zip.files[name].async('string');
      return { result, files };
    };

    it('returns every ECA type for *, as Salesforce writes the files, without the consumer key', async () => {
      await start();
      const all = [
        'ExternalClientApplication',
        'ExtlClntAppGlobalOauthSettings',
        'ExtlClntAppOauthSettings',
        'ExtlClntAppOauthConfigurablePolicies',
        'ExtlClntAppConfigurablePolicies',
      ];
      const { result, files } = await retrieve(all.map((name) => ({ name, members: ['*'] })));
      expect(result).to.deep.include({ done: true, status: 'Succeeded', success: true, messages: [] });
      expect(Object.keys(files).sort()).to.deep.equal([
        'unpackaged/externalClientApps/Acme_Sync.eca',
        'unpackaged/extlClntAppGlobalOauthSets/Acme_SyncGlblOAuth.ecaGlblOauth',
        'unpackaged/extlClntAppOauthPolicies/Acme_SyncOAuthSettings_defaultPolicy.ecaOauthPlcy',
        'unpackaged/extlClntAppOauthSettings/Acme_SyncOAuthSettings.ecaOauth',
        'unpackaged/extlClntAppPolicies/Acme_Sync_defaultPolicy.ecaPlcy',
        'unpackaged/package.xml',
      ]);
      expect(files['unpackaged/externalClientApps/Acme_Sync.eca']).to.equal(
        componentXml('ExternalClientApplication', {
          contactEmail: 'admin@emu.example',
          distributionState: 'Local',
          isProtected: 'false',
          label: 'Acme Sync',
          orgScopedExternalApp: `${emu.orgId}:Acme_Sync`,
        })
      );
      expect(files['unpackaged/extlClntAppOauthPolicies/Acme_SyncOAuthSettings_defaultPolicy.ecaOauthPlcy']).to.equal(
        componentXml('ExtlClntAppOauthConfigurablePolicies', {
          commaSeparatedPermissionSet: 'Sync_Access',
          externalClientApplication: 'Acme_Sync',
          ipRelaxationPolicyType: 'Enforce',
          isClientCredentialsFlowEnabled: 'false',
          isGuestCodeCredFlowEnabled: 'false',
          isTokenExchangeFlowEnabled: 'false',
          label: 'Acme Sync',
          permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
          refreshTokenPolicyType: 'Infinite',
        })
      );
      expect(files['unpackaged/extlClntAppOauthSettings/Acme_SyncOAuthSettings.ecaOauth']).to.contain(
        '<commaSeparatedOauthScopes>Api, RefreshToken</commaSeparatedOauthScopes>'
      );
      const global = files['unpackaged/extlClntAppGlobalOauthSets/Acme_SyncGlblOAuth.ecaGlblOauth'];
      expect(global)
        .to.contain('<isPkceRequired>true</isPkceRequired>')
        .and.contain('<certificate>-----BEGIN CERTIFICATE-----');
      expect(global).not.to.contain('consumerKey').and.not.to.contain('consumerSecret');
      expect(files['unpackaged/package.xml']).to.contain(
        '<members>*</members>\n        <name>ExternalClientApplication</name>'
      );
      expect((result.fileProperties as Row[]).map((f) => f.fileName))
        .to.include('unpackaged/externalClientApps/Acme_Sync.eca')
        .and.include('unpackaged/package.xml');
    });

    it('includes the consumer key and secret when ecaConsumerSecretsInMetadata; names a member it can’t find; honours singlePackage', async () => {
      await start({ behaviour: { ecaConsumerSecretsInMetadata: true } });
      const { result, files } = await retrieve(
        [
          { name: 'ExtlClntAppGlobalOauthSettings', members: ['Acme_SyncGlblOAuth', 'Ghost'] },
          { name: 'ConnectedApp', members: ['Legacy_Sync'] },
        ],
        true
      );
      expect(Object.keys(files).sort()).to.deep.equal([
        'connectedApps/Legacy_Sync.connectedApp',
        'extlClntAppGlobalOauthSets/Acme_SyncGlblOAuth.ecaGlblOauth',
        'package.xml',
      ]);
      expect(files['extlClntAppGlobalOauthSets/Acme_SyncGlblOAuth.ecaGlblOauth'])
        .to.contain('<consumerKey>ECAKEY000001</consumerKey>')
        .and.match(/<consumerSecret>[0-9A-F]{64}<\/consumerSecret>/);
      expect(result.messages).to.deep.equal([
        {
          fileName: 'package.xml',
          problem: "Entity of type 'ExtlClntAppGlobalOauthSettings' named 'Ghost' cannot be found",
        },
      ]);
      expect(files['connectedApps/Legacy_Sync.connectedApp'])
        .to.contain('<permissionSetName>Sync_Access</permissionSetName>')
        .and.contain(`<profileName>${INTEGRATION_PROFILE}</profileName>`);
    });

    it('reports in progress for metadataAsyncPolls checks, then done', async () => {
      await start({ behaviour: { metadataAsyncPolls: 2 } });
      const started = await soap(
        emu,
        'retrieve',
        '<request><apiVersion>66.0</apiVersion><singlePackage>false</singlePackage><unpackaged><types><members>*</members><name>ConnectedApp</name></types><version>66.0</version></unpackaged></request>'
      );
      expect(started.text).to.match(
        /<retrieveResponse><result><done>false<\/done><id>09S[A-Za-z0-9]{15}<\/id><state>Queued<\/state><\/result><\/retrieveResponse>/
      );
      const id = /<id>([^<]+)<\/id>/.exec(started.text)?.[1] as string;
      for (let i = 0; i < 2; i++) {
        const check = await soap(
          emu,
          'checkRetrieveStatus',
          `<asyncProcessId>${id}</asyncProcessId><includeZip>true</includeZip>`
        );
        expect(check.text).to.contain(
          `<checkRetrieveStatusResponse><result><done>false</done><id>${id}</id><status>InProgress</status><success>false</success></result></checkRetrieveStatusResponse>`
        );
      }
      const done = await soap(
        emu,
        'checkRetrieveStatus',
        `<asyncProcessId>${id}</asyncProcessId><includeZip>true</includeZip>`
      );
      expect(done.text)
        .to.contain('<done>true</done>')
        .and.contain('<status>Succeeded</status>')
        .and.contain('<zipFile>');
      expect(emu.requests.filter((q) => q.soapOperation === 'checkRetrieveStatus')).to.have.length(3);
    });
  });

  describe('deploy', () => {
    const deploy = async (
      zip: Buffer,
      options: Row = { rollbackOnError: true, singlePackage: true }
    ): Promise<Row & { details: { componentFailures: Row[]; componentSuccesses: Row[] } }> =>
      await conn.metadata.deploy(zip, options).complete(true);
    const policy = (): Row =>
      emu.query<Row>(
        "SELECT DeveloperName, PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplication.DeveloperName = 'Acme_Sync'"
      )[0];
    const appComponent = (
      name: string
    ): { type: string; folder: string; suffix: string; name: string; xml: string } => ({
      type: 'ExternalClientApplication',
      folder: 'externalClientApps',
      suffix: 'eca',
      name,
      xml: componentXml('ExternalClientApplication', {
        contactEmail: 'it@acme.example',
        distributionState: 'Local',
        isProtected: 'false',
        label: name,
      }),
    });

    it('updates an existing app’s OAuth policy: pre-authorization changes, logged as one component written', async () => {
      await start();
      await login('other@acme.example', 'ECAKEY000001').then((r) =>
        expect(r.body).to.deep.include({ error: 'invalid_grant' })
      );
      const result = await deploy(
        await zipOf([
          policyComponent('Acme_SyncOAuthSettings_defaultPolicy', {
            commaSeparatedPermissionSet: 'Sync_Access,Other_Set',
            commaSeparatedProfile: 'Standard User',
            externalClientApplication: 'Acme_Sync',
            label: 'Acme Sync',
            permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
          }),
        ])
      );
      expect(result).to.deep.include({
        done: true,
        success: true,
        status: 'Succeeded',
        numberComponentsDeployed: 1,
        numberComponentErrors: 0,
        numberComponentsTotal: 1,
        rollbackOnError: true,
        checkOnly: false,
      });
      expect(
        result.details.componentSuccesses.map((c) => [c.componentType, c.fullName, c.changed, c.created])
      ).to.deep.equal([
        ['ExtlClntAppOauthConfigurablePolicies', 'Acme_SyncOAuthSettings_defaultPolicy', true, false],
        ['', 'package.xml', true, false],
      ]);
      expect(result.details.componentFailures).to.deep.equal([]);
      expect(policy()).to.include({ PermittedUsersPolicyType: 'AdminApprovedPreAuthorized' });
      expect((await login('other@acme.example', 'ECAKEY000001')).status).to.equal(200);
      expect((await login('std@acme.example', 'ECAKEY000001')).status).to.equal(200);
      const soapLog = emu.requests.filter((q) => q.soapOperation);
      expect(soapLog.map((q) => [q.soapOperation, q.writes])).to.deep.equal([
        ['deploy', 0],
        ['checkDeployStatus', 1],
      ]);
    });

    it('fails an ECA that exists already; rollbackOnError keeps the rest out, without it the rest goes in (SucceededPartial)', async () => {
      await start();
      const zip = await zipOf([
        appComponent('Acme_Sync'),
        policyComponent('Acme_SyncOAuthSettings_defaultPolicy', {
          externalClientApplication: 'Acme_Sync',
          label: 'x',
          permittedUsersPolicyType: 'AllSelfAuthorized',
        }),
      ]);
      const eca = emu.query<Row>('SELECT Id FROM ExternalClientApplication')[0].Id as string;
      const failed = await deploy(zip);
      expect(failed).to.deep.include({
        done: true,
        success: false,
        status: 'Failed',
        numberComponentErrors: 1,
        numberComponentsDeployed: 1,
      });
      expect(failed.details.componentFailures).to.have.length(1);
      expect(failed.details.componentFailures[0]).to.deep.include({
        componentType: 'ExternalClientApplication',
        fullName: 'Acme_Sync',
        fileName: 'externalClientApps/Acme_Sync.eca',
        problem: `duplicate value found: DeveloperName duplicates value on record with id: ${eca.slice(0, 15)}`,
        problemType: 'Error',
        success: false,
      });
      expect(policy().PermittedUsersPolicyType).to.equal('AdminApprovedPreAuthorized');
      expect(emu.requests.at(-1)?.writes).to.equal(0);

      const partial = await deploy(zip, { rollbackOnError: false, singlePackage: true });
      expect(partial).to.deep.include({
        status: 'SucceededPartial',
        success: false,
        numberComponentErrors: 1,
        numberComponentsDeployed: 1,
      });
      expect(policy().PermittedUsersPolicyType).to.equal('AllSelfAuthorized');
      expect(emu.requests.at(-1)?.writes).to.equal(1);
    });

    it('creates a new ECA in the plugin’s stages: app, then settings with plugins off (policy generated), then the policy', async () => {
      await start({ behaviour: { ecaConsumerSecretsInMetadata: true, ecaConsumerKey: 'from-deploy' } });
      const app = 'New_Sync';
      const stage1 = await deploy(await zipOf([appComponent(app)]));
      expect(stage1).to.deep.include({ status: 'Succeeded', numberComponentsDeployed: 1 });
      expect(stage1.details.componentSuccesses[0]).to.deep.include({ fullName: app, created: true, changed: false });
      expect(
        emu.query<Row>(`SELECT OrgScopedExternalApp FROM ExternalClientApplication WHERE DeveloperName = '${app}'`)[0]
          .OrgScopedExternalApp
      ).to.equal(`${emu.orgId}:${app}`);
      expect((await login('sync@acme.example', 'NEWSYNCKEY01')).body).to.deep.equal({
        error: 'invalid_client_id',
        error_description: 'client identifier invalid',
      });

      const plugins = (
        enabled: boolean
      ): { type: string; folder: string; suffix: string; name: string; xml: string } => ({
        type: 'ExtlClntAppConfigurablePolicies',
        folder: 'extlClntAppPolicies',
        suffix: 'ecaPlcy',
        name: `${app}_defaultPolicy`,
        xml: componentXml('ExtlClntAppConfigurablePolicies', {
          externalClientApplication: app,
          isEnabled: String(enabled),
          isOauthPluginEnabled: String(enabled),
          label: app,
        }),
      });
      const stage2 = await deploy(
        await zipOf([
          {
            type: 'ExtlClntAppGlobalOauthSettings',
            folder: 'extlClntAppGlobalOauthSets',
            suffix: 'ecaGlblOauth',
            name: `${app}GlblOAuth`,
            xml: componentXml('ExtlClntAppGlobalOauthSettings', {
              callbackUrl: 'http://localhost:1717/OauthRedirect',
              certificate: keys.certificate.trim(),
              consumerKey: 'NEWSYNCKEY01',
              externalClientApplication: app,
              isConsumerSecretOptional: 'true',
              label: app,
            }),
          },
          {
            type: 'ExtlClntAppOauthSettings',
            folder: 'extlClntAppOauthSettings',
            suffix: 'ecaOauth',
            name: `${app}OAuthSettings`,
            xml: componentXml('ExtlClntAppOauthSettings', {
              commaSeparatedOauthScopes: 'Api, RefreshToken',
              externalClientApplication: app,
              label: app,
            }),
          },
          plugins(false),
        ])
      );
      expect(stage2).to.deep.include({ status: 'Succeeded', numberComponentsDeployed: 3 });
      const generated = emu.query<Row>(
        `SELECT DeveloperName, PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplication.DeveloperName = '${app}'`
      );
      expect(generated).to.deep.equal([
        {
          attributes: generated[0].attributes,
          DeveloperName: `${app}OAuthSettings_defaultPolicy`,
          PermittedUsersPolicyType: 'AllSelfAuthorized',
        },
      ]);
      expect((await login('sync@acme.example', 'NEWSYNCKEY01')).body).to.deep.equal({
        error: 'app_not_found',
        error_description: 'External client app is not installed in this org',
      });

      const stage3 = await deploy(
        await zipOf([
          policyComponent(`${app}OAuthSettings_defaultPolicy`, {
            commaSeparatedPermissionSet: 'Sync_Access',
            commaSeparatedProfile: INTEGRATION_PROFILE,
            externalClientApplication: app,
            label: app,
            permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
          }),
          plugins(true),
        ])
      );
      expect(stage3).to.deep.include({ status: 'Succeeded', numberComponentsDeployed: 2 });
      expect((await login('sync@acme.example', 'NEWSYNCKEY01')).status).to.equal(200);
      const { files } = await (async (): Promise<{ files: Record<string, string> }> => {
        const r = (await conn.metadata
          .retrieve({
            apiVersion: 66,
            singlePackage: true,
            unpackaged: {
              types: [{ name: 'ExtlClntAppGlobalOauthSettings', members: [`${app}GlblOAuth`] }],
              version: '66.0',
            },
          } as never)
          .complete()) as unknown as { zipFile: string };
        const zip = await JSZip.loadAsync(Buffer.from(r.zipFile, 'base64'));
        return {
          files: { global: await zip.files[`extlClntAppGlobalOauthSets/${app}GlblOAuth.ecaGlblOauth`].async('string') },
        };
      })();
      // isPkceRequired defaults to true when the deploy leaves it out (Metadata API reference, ExtlClntAppGlobalOauthSettings).
      expect(files.global)
        .to.contain('<isPkceRequired>true</isPkceRequired>')
        .and.contain('<isConsumerSecretOptional>true</isConsumerSecretOptional>');
    });

    it('fails components that point nowhere or name sets the org doesn’t know (names only, by default)', async () => {
      await start();
      const set = emu.query<Row>("SELECT Id FROM PermissionSet WHERE Name = 'Sync_Access'")[0].Id as string;
      const result = await deploy(
        await zipOf([
          policyComponent('Ghost_Policy', { externalClientApplication: 'Ghost', label: 'x' }),
          policyComponent('Acme_SyncOAuthSettings_defaultPolicy', {
            commaSeparatedPermissionSet: set,
            externalClientApplication: 'Acme_Sync',
            label: 'x',
            permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
          }),
        ]),
        { rollbackOnError: false, singlePackage: true }
      );
      expect(result.status).to.equal('Failed');
      expect(result.details.componentFailures.map((f) => f.problem)).to.deep.equal([
        'In field: externalClientApplication - no ExternalClientApplication named Ghost found',
        `In field: commaSeparatedPermissionSet - no PermissionSet named ${set} found`,
      ]);
      const renamed = await deploy(
        await zipOf([policyComponent('Other_Name', { externalClientApplication: 'Acme_Sync', label: 'x' })])
      );
      expect(renamed.details.componentFailures[0].problem).to.equal(
        'External client app Acme_Sync already has an OAuth policy named Acme_SyncOAuthSettings_defaultPolicy; deploy it under that name.'
      );
    });

    it('deploys an existing ConnectedApp as an update, refuses a new one', async () => {
      await start();
      const caFile = (
        name: string,
        sets: string[]
      ): { type: string; folder: string; suffix: string; name: string; xml: string } => ({
        type: 'ConnectedApp',
        folder: 'connectedApps',
        suffix: 'connectedApp',
        name,
        xml: componentXml('ConnectedApp', {
          contactEmail: 'it@acme.example',
          label: name.replace(/_/g, ' '),
          oauthConfig: `<callbackUrl>http://localhost:1717/OauthRedirect</callbackUrl><certificate>${keys.certificate.trim()}</certificate><isAdminApproved>true</isAdminApproved><scopes>Api</scopes><scopes>RefreshToken</scopes>`,
          permissionSetName: sets,
        }),
      });
      const ok = await deploy(await zipOf([caFile('Legacy_Sync', ['Other_Set'])]));
      expect(ok).to.deep.include({ status: 'Succeeded' });
      expect(grantsOf('Legacy Sync')).to.deep.equal(['Other_Set']);
      expect(
        ((await conn.metadata.read('ConnectedApp', 'Legacy_Sync')) as unknown as { oauthConfig: Row }).oauthConfig
          .consumerKey
      ).to.equal('LEGACYKEY0001');
      const refused = await deploy(await zipOf([caFile('Brand_New', [])]));
      expect(refused.details.componentFailures[0].problem).to.equal(
        "Can't create connected app Brand_New: creation of connected apps is restricted in this org. Create an external client app instead."
      );
    });

    it('answers a zip without package.xml, a missing file, a refused secret, and writes nothing for checkOnly', async () => {
      await start({ behaviour: { ecaOauthSettingsDeploy: 'allow' } });
      const noManifest = await deploy(await zipOf([appComponent('X_App')], false));
      expect(noManifest).to.deep.include({ status: 'Failed', success: false, errorMessage: 'No package.xml found' });
      expect(noManifest.details.componentFailures[0]).to.deep.include({
        fileName: 'package.xml',
        problem: 'No package.xml found',
      });

      const zip = new JSZip();
      zip.file(
        'package.xml',
        `<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="${NS}">\n  <types>\n    <members>Gone</members>\n    <name>ExternalClientApplication</name>\n  </types>\n</Package>\n`
      );
      const missing = await deploy(await zip.generateAsync({ type: 'nodebuffer' }));
      expect(missing.details.componentFailures[0].problem).to.equal(
        "An object 'Gone' of type ExternalClientApplication was named in package.xml, but was not found in zipped directory"
      );

      const secret = await deploy(
        await zipOf([
          {
            type: 'ExtlClntAppGlobalOauthSettings',
            folder: 'extlClntAppGlobalOauthSets',
            suffix: 'ecaGlblOauth',
            name: 'Acme_SyncGlblOAuth',
            xml: componentXml('ExtlClntAppGlobalOauthSettings', {
              callbackUrl: 'http://localhost',
              consumerSecret: 'S3CRET',
              externalClientApplication: 'Acme_Sync',
              label: 'x',
            }),
          },
        ])
      );
      expect(secret.details.componentFailures[0].problem).to.equal(
        "You can't set the consumer secret through the Metadata API: 'Allow Access to OAuth Consumer Secrets via Metadata API' is off."
      );

      const checkOnly = await deploy(await zipOf([appComponent('Check_App')]), {
        checkOnly: true,
        singlePackage: true,
      });
      expect(checkOnly).to.deep.include({ status: 'Succeeded', checkOnly: true });
      expect(emu.query("SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Check_App'")).to.have.length(0);
      expect(emu.requests.at(-1)?.writes).to.equal(0);
    });

    it('refuses a root package.xml with singlePackage false, and a package in a folder with singlePackage true', async () => {
      await start();
      const root = await zipOf([
        appComponent('Root_App'),
        policyComponent('Acme_SyncOAuthSettings_defaultPolicy', { externalClientApplication: 'Acme_Sync', label: 'x' }),
      ]);
      // With singlePackage false every top-level folder is a package (forcedotcom/cli issue 4; Stack Exchange 252340).
      const multi = await deploy(root, { rollbackOnError: true, singlePackage: false });
      expect(multi).to.deep.include({ status: 'Failed', success: false, numberComponentsDeployed: 0 });
      expect(multi.details.componentFailures.map((f) => [f.fileName, f.fullName, f.problem]).sort()).to.deep.equal([
        ['externalClientApps/package.xml', 'package.xml', 'No package.xml found'],
        ['extlClntAppOauthPolicies/package.xml', 'package.xml', 'No package.xml found'],
      ]);
      expect(emu.query("SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Root_App'")).to.have.length(0);

      // The same package one folder down: right for singlePackage false, "No package.xml found" for true.
      const folded = new JSZip();
      const unzipped = await JSZip.loadAsync(root);
      for (const [path, file] of Object.entries(unzipped.files))
        if (!file.dir) folded.file(`unpackaged/${path}`, await file.async('string'));
      const zip = await folded.generateAsync({ type: 'nodebuffer' });
      const single = await deploy(zip, { rollbackOnError: true, singlePackage: true });
      expect(single).to.deep.include({ status: 'Failed', errorMessage: 'No package.xml found' });
      expect(single.details.componentFailures.map((f) => [f.fileName, f.problem])).to.deep.equal([
        ['package.xml', 'No package.xml found'],
      ]);
      const ok = await deploy(zip, { rollbackOnError: true, singlePackage: false });
      expect(ok).to.deep.include({ status: 'Succeeded', numberComponentsDeployed: 2 });
      expect(emu.query("SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Root_App'")).to.have.length(1);
    });

    describe('External Client App OAuth settings: the org setting and the consumer key (#11 item 10)', () => {
      const global = (
        app: string,
        key?: string
      ): { type: string; folder: string; suffix: string; name: string; xml: string } => ({
        type: 'ExtlClntAppGlobalOauthSettings',
        folder: 'extlClntAppGlobalOauthSets',
        suffix: 'ecaGlblOauth',
        name: `${app}GlblOAuth`,
        xml: componentXml('ExtlClntAppGlobalOauthSettings', {
          callbackUrl: 'http://localhost:1717/OauthRedirect',
          certificate: keys.certificate.trim(),
          ...(key ? { consumerKey: key } : {}),
          externalClientApplication: app,
          isConsumerSecretOptional: 'true',
          label: app,
        }),
      });
      const settings = (app: string): { type: string; folder: string; suffix: string; name: string; xml: string } => ({
        type: 'ExtlClntAppOauthSettings',
        folder: 'extlClntAppOauthSettings',
        suffix: 'ecaOauth',
        name: `${app}OAuthSettings`,
        xml: componentXml('ExtlClntAppOauthSettings', {
          commaSeparatedOauthScopes: 'Api, RefreshToken',
          externalClientApplication: app,
          label: app,
        }),
      });
      const refusal = (type: string): string =>
        `You can't deploy ${type}: turn on "Allow Access to OAuth Consumer Secrets via Metadata API" in External Client App Settings.`;

      it('requires-setting (default): both OAuth settings types are refused while the org setting is off, accepted once it is on', async () => {
        await start();
        expect((await deploy(await zipOf([appComponent('Gate_App')]))).status).to.equal('Succeeded');
        const refused = await deploy(await zipOf([global('Gate_App'), settings('Gate_App')]));
        expect(refused).to.deep.include({ status: 'Failed', numberComponentsDeployed: 0 });
        expect(refused.details.componentFailures.map((f) => [f.componentType, f.problem])).to.deep.equal([
          ['ExtlClntAppGlobalOauthSettings', refusal('ExtlClntAppGlobalOauthSettings')],
          ['ExtlClntAppOauthSettings', refusal('ExtlClntAppOauthSettings')],
        ]);
        expect(
          emu.query(
            "SELECT Id FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplication.DeveloperName = 'Gate_App'"
          )
        ).to.have.length(0);
        await emu.stop();
        for (const behaviour of [
          { ecaConsumerSecretsInMetadata: true },
          { ecaOauthSettingsDeploy: 'allow' as const },
        ]) {
          await start({ behaviour });
          await deploy(await zipOf([appComponent('Gate_App')]));
          expect(
            (await deploy(await zipOf([global('Gate_App'), settings('Gate_App')]))).status,
            JSON.stringify(behaviour)
          ).to.equal('Succeeded');
          await emu.stop();
        }
      });

      for (const ecaConsumerKey of ['from-deploy', 'generated'] as const) {
        it(`ecaConsumerKey ${ecaConsumerKey}: the key the org holds, readable through the OAuth credentials REST resource`, async () => {
          await start({ behaviour: { ecaOauthSettingsDeploy: 'allow', ecaConsumerKey } });
          const deployed = await deploy(await zipOf([appComponent('Key_App')]));
          const appId = deployed.details.componentSuccesses.find((c) => c.componentType === 'ExternalClientApplication')
            ?.id as string;
          expect(appId).to.match(/^0xI/);
          await deploy(await zipOf([global('Key_App', 'MYDEPLOYEDKEY1'), settings('Key_App')]));
          const consumers = await call(emu, 'GET', `${V}/apps/oauth/credentials/${appId}`);
          expect(consumers.status).to.equal(200);
          const consumer = (consumers.body as { consumers: Array<{ id: string; name: string; url: string }> })
            .consumers[0];
          expect(consumer).to.deep.equal({
            id: consumer.id,
            name: 'Key_App',
            url: `${V}/apps/oauth/credentials/${appId}/${consumer.id}`,
          });
          expect(consumer.id).to.match(/^888/);
          const key = await call(emu, 'GET', consumer.url);
          expect(key.status).to.equal(200);
          if (ecaConsumerKey === 'from-deploy')
            expect(key.body).to.deep.equal({ id: consumer.id, key: 'MYDEPLOYEDKEY1' });
          else expect((key.body as { key: string }).key).to.match(/^3MVG9[A-Za-z0-9]+$/);
          expect((await login('sync@acme.example', 'MYDEPLOYEDKEY1')).body.error).to.equal(
            ecaConsumerKey === 'from-deploy' ? 'invalid_grant' : 'invalid_client_id'
          );
          expect(
            emu.requests.filter((r) => r.path.includes('/apps/oauth/credentials')).map((r) => r.writes)
          ).to.deep.equal([0, 0]);
        });
      }

      it('the credentials resource: no secret, unknown ids and versions before 60.0 answer 404', async () => {
        await start();
        const eca = emu.query<Row>("SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Acme_Sync'")[0]
          .Id as string;
        const consumer = (
          (await call(emu, 'GET', `${V}/apps/oauth/credentials/${eca}`)).body as { consumers: Array<{ id: string }> }
        ).consumers[0].id;
        expect((await call(emu, 'GET', `${V}/apps/oauth/credentials/${eca}/${consumer}?part=key`)).body).to.deep.equal({
          id: consumer,
          key: 'ECAKEY000001',
        });
        const secret = await call(emu, 'GET', `${V}/apps/oauth/credentials/${eca}/${consumer}?part=keyandsecret`);
        expect([secret.status, (secret.body as Array<{ errorCode: string }>)[0].errorCode]).to.deep.equal([
          403,
          'INSUFFICIENT_ACCESS',
        ]);
        for (const { secret: value } of emu.secrets().consumerSecrets)
          expect(JSON.stringify(secret.body)).not.to.contain(value);
        for (const path of [
          `${V}/apps/oauth/credentials/0xI000000000000AAA`,
          `${V}/apps/oauth/credentials/${eca}/888000000000000AAA`,
          `/services/data/v59.0/apps/oauth/credentials/${eca}`,
        ]) {
          const r = await call(emu, 'GET', path);
          expect([r.status, (r.body as Array<{ errorCode: string }>)[0].errorCode], path).to.deep.equal([
            404,
            'NOT_FOUND',
          ]);
        }
      });
    });

    it('reports in progress for metadataAsyncPolls checks and applies the deploy when it completes', async () => {
      await start({ behaviour: { metadataAsyncPolls: 1 } });
      const zip = (await zipOf([appComponent('Slow_App')])).toString('base64');
      const started = await soap(
        emu,
        'deploy',
        `<ZipFile>${zip}</ZipFile><DeployOptions><rollbackOnError>true</rollbackOnError><singlePackage>true</singlePackage></DeployOptions>`
      );
      const id = /<id>([^<]+)<\/id>/.exec(started.text)?.[1] as string;
      expect(id).to.match(/^0Af/);
      const first = await soap(
        emu,
        'checkDeployStatus',
        `<asyncProcessId>${id}</asyncProcessId><includeDetails>true</includeDetails>`
      );
      expect(first.text).to.contain('<done>false</done>').and.contain('<status>InProgress</status>');
      expect(emu.query("SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Slow_App'")).to.have.length(0);
      const second = await soap(
        emu,
        'checkDeployStatus',
        `<asyncProcessId>${id}</asyncProcessId><includeDetails>false</includeDetails>`
      );
      expect(second.text)
        .to.contain('<done>true</done>')
        .and.contain('<status>Succeeded</status>')
        .and.not.contain('<details>');
      expect(emu.query("SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Slow_App'")).to.have.length(1);
      const unknown = await soap(emu, 'checkDeployStatus', '<asyncProcessId>0Af000000000000AAA</asyncProcessId>');
      expect(unknown.status).to.equal(500);
      expect(unknown.text).to.contain('<faultcode>sf:INVALID_CROSS_REFERENCE_KEY</faultcode>');
    });
  });
});
