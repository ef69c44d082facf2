/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- REST bodies are JSON, read by shape */
// Connected apps and External Client Apps in the org: the seed sections, the read-only app sObjects,
// OauthToken, and SetupEntityAccess with its switches (SetupEntityAccess object reference; the unsettled answers:
// setupEntityAccessOnProfilePermset, setupEntityAccessForEca, duplicateSetupEntityAccess, ecaQueryEndpoints).

import { expect } from 'chai';
import { SeedError, startEmulator, type Emulator, type Seed } from '../index.js';
import { resolveSeed } from '../seeds/seed.js';
import { V, call, create, withEmulator } from '../http/test-client.js';
import { appSeed as baseSeed, makeKeyPair } from '../oauth/jwt-client.js';

type Row = Record<string, unknown>;

const { certificate } = makeKeyPair();
const appSeed = (extra: Partial<Seed> = {}): Seed => baseSeed(certificate, extra);

const seedError = (seed: Seed): string => {
  try {
    resolveSeed(seed);
  } catch (e) {
    expect(e).to.be.instanceOf(SeedError);
    return (e as Error).message;
  }
  throw new Error('the seed was accepted');
};

describe('emulator apps: seed sections', () => {
  const ca = { name: 'App', consumerKey: 'KEY000001' };

  it('accepts the design contract shape and fills the defaults', () => {
    const resolved = resolveSeed({
      connectedApps: [{ ...ca, adminApproved: false, profiles: [], permissionSets: [] }],
      externalClientApps: [
        {
          name: 'Eca',
          consumerKey: 'KEY000002',
          permittedUsers: 'AllSelfAuthorized',
          profiles: [],
          permissionSets: [],
        },
      ],
    });
    expect(resolved.connectedApps[0]).to.deep.include({
      adminApproved: false,
      scopes: ['Api', 'RefreshToken'],
      profiles: [],
      permissionSets: [],
      oauthTokens: [],
    });
    expect(resolved.externalClientApps[0]).to.deep.include({
      permittedUsers: 'AllSelfAuthorized',
      enabled: true,
      scopes: ['Api', 'RefreshToken'],
    });
  });

  it('gives an app without a label one that differs from its API name, as in real orgs (#11 item 2)', () => {
    const resolved = resolveSeed({
      connectedApps: [
        ca,
        { name: 'Acme_Sync', consumerKey: 'KEY000003' },
        { name: 'RedpandaConnect', consumerKey: 'KEY000004' },
        { name: 'Own_Label', label: "O'Brien's Sync", consumerKey: 'KEY000005' },
      ],
      externalClientApps: [{ name: 'Billing_Bridge', consumerKey: 'KEY000002' }],
    });
    expect(resolved.connectedApps.map((a) => a.label)).to.deep.equal([
      'App App',
      'Acme Sync',
      'Redpanda Connect',
      "O'Brien's Sync",
    ]);
    expect(resolved.externalClientApps[0].label).to.equal('Billing Bridge');
  });

  it('names the path of every bad value', () => {
    expect(seedError({ connectedApps: [{ name: 'App' } as never] })).to.equal(
      'seed.connectedApps[0].consumerKey: is required'
    );
    expect(seedError({ connectedApps: [{ ...ca, name: 'Bad Name' }] })).to.equal(
      'seed.connectedApps[0].name: must be an API name (letters, digits, _)'
    );
    expect(seedError({ connectedApps: [{ ...ca, consumerKey: 'short' }] })).to.equal(
      'seed.connectedApps[0].consumerKey: must be 8 to 256 letters and digits'
    );
    expect(
      seedError({ connectedApps: [ca], externalClientApps: [{ name: 'Eca', consumerKey: ca.consumerKey }] })
    ).to.equal('seed.externalClientApps[0].consumerKey: already the consumer key of seed.connectedApps[0]');
    expect(seedError({ connectedApps: [{ ...ca, certificate: 'not a certificate' }] })).to.equal(
      'seed.connectedApps[0].certificate: must be a PEM X.509 certificate'
    );
    expect(seedError({ connectedApps: [{ ...ca, profiles: ['Nope'] }] })).to.equal(
      "seed.connectedApps[0].profiles[0]: no profile named 'Nope' in seed.profiles"
    );
    expect(seedError({ connectedApps: [{ ...ca, permissionSets: ['Nope'] }] })).to.equal(
      "seed.connectedApps[0].permissionSets[0]: no permission set named 'Nope' in seed.permissionSets"
    );
    expect(seedError({ connectedApps: [{ ...ca, oauthTokens: [{ username: 'ghost@acme.example' }] }] })).to.equal(
      "seed.connectedApps[0].oauthTokens[0].username: no user 'ghost@acme.example' in seed.users"
    );
    expect(seedError({ connectedApps: [{ ...ca, ipRelaxation: 'Bypass' }] })).to.equal(
      "seed.connectedApps[0].ipRelaxation: must be one of 'ENFORCE', 'BYPASS', 'BYPASS_2FACTOR', 'ENFORCE_RELAXREFRESH'"
    );
    expect(seedError({ connectedApps: [{ ...ca, refreshTokenPolicy: 'forever' }] })).to.match(
      /^seed\.connectedApps\[0\]\.refreshTokenPolicy: must be 'zero', 'infinite'/
    );
    expect(seedError({ connectedApps: [{ ...ca, colour: 'red' } as never] })).to.match(
      /^seed\.connectedApps\[0\]\.colour: unknown key/
    );
    expect(seedError({ connectedApps: [ca, { ...ca, consumerKey: 'KEY000009' }] })).to.equal(
      "seed.connectedApps[1]: duplicate app name 'App'"
    );
    expect(seedError({ externalClientApps: [{ ...ca, permittedUsers: 'Everyone' as never }] })).to.equal(
      "seed.externalClientApps[0].permittedUsers: must be one of 'AdminApprovedPreAuthorized', 'AllSelfAuthorized'"
    );
    expect(seedError({ externalClientApps: [{ ...ca, enabled: 'yes' as never }] })).to.equal(
      'seed.externalClientApps[0].enabled: must be true or false'
    );
    expect(seedError({ behaviour: { ecaQueryEndpoints: ['soap' as never] } })).to.equal(
      "seed.behaviour.ecaQueryEndpoints[0]: must be 'data' or 'tooling'"
    );
    expect(seedError({ behaviour: { setupEntityAccessForEca: 'maybe' as never } })).to.equal(
      "seed.behaviour.setupEntityAccessForEca: must be one of 'honour', 'ignore', 'reject'"
    );
  });
});

describe('emulator apps: sObjects', () => {
  let emu: Emulator;
  before(async () => {
    emu = await startEmulator({ seed: appSeed() });
  });
  after(() => emu.stop());

  const tooling = (q: string): ReturnType<typeof call> =>
    call(emu, 'GET', `${V}/tooling/query?q=${encodeURIComponent(q)}`);
  const data = (q: string): ReturnType<typeof call> => call(emu, 'GET', `${V}/query?q=${encodeURIComponent(q)}`);

  it('serves ConnectedApplication (0H4) on both endpoints, read-only; Name is the label and there is no API-name column', async () => {
    const rows = emu.query<Row>(
      'SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly, CreatedDate FROM ConnectedApplication'
    );
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ Name: 'Legacy Sync', OptionsAllowAdminApprovedUsersOnly: true });
    expect(rows[0].Id).to.match(/^0H4[A-Za-z0-9]{15}$/);
    expect(rows[0].CreatedDate).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect((await tooling("SELECT Id FROM ConnectedApplication WHERE Name = 'Legacy Sync'")).body.totalSize).to.equal(
      1
    );
    expect((await data("SELECT Id FROM ConnectedApplication WHERE Name = 'Legacy_Sync'")).body.totalSize).to.equal(0);
    for (const column of ['MasterLabel', 'DeveloperName']) {
      const refused = await data(`SELECT ${column} FROM ConnectedApplication`);
      expect([refused.status, refused.body[0].errorCode]).to.deep.equal([400, 'INVALID_FIELD']);
    }
    const post = await create(emu, 'ConnectedApplication', { Name: 'New_App' });
    expect(post.status).to.equal(405);
    expect(post.body[0].errorCode).to.equal('METHOD_NOT_ALLOWED');
  });

  it('serves ExternalClientApplication and its OAuth policy (ExtlClntAppOauthPlcyCnfg) on both endpoints', async () => {
    const eca = (
      await data(
        'SELECT Id, DeveloperName, MasterLabel, DistributionState, OrgScopedExternalApp FROM ExternalClientApplication'
      )
    ).body.records;
    expect(eca).to.have.length(1);
    expect(eca[0]).to.include({
      DeveloperName: 'Acme_Sync',
      MasterLabel: 'Acme Sync',
      DistributionState: 'Local',
      OrgScopedExternalApp: `${emu.orgId}:Acme_Sync`,
    });
    expect(eca[0].Id).to.match(/^0xI/);
    const policy = (
      await tooling(
        'SELECT DeveloperName, PermittedUsersPolicyType, IpRelaxationPolicyType, RefreshTokenPolicyType, ExternalClientApplication.DeveloperName FROM ExtlClntAppOauthPlcyCnfg'
      )
    ).body.records;
    expect(policy).to.have.length(1);
    expect(policy[0]).to.deep.include({
      DeveloperName: 'Acme_SyncOAuthSettings_defaultPolicy',
      PermittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      IpRelaxationPolicyType: 'Enforce',
      RefreshTokenPolicyType: 'Infinite',
    });
    expect(policy[0].ExternalClientApplication.DeveloperName).to.equal('Acme_Sync');
    expect(policy[0].attributes.url).to.match(/\/tooling\/sobjects\/ExtlClntAppOauthPlcyCnfg\/0xP/);
  });

  it('keeps the ECA objects off the endpoints ecaQueryEndpoints leaves out', async () => {
    await withEmulator(
      {
        behaviour: { ecaQueryEndpoints: ['tooling'] },
        externalClientApps: [{ name: 'Eca', consumerKey: 'KEY000002' }],
      },
      async (other) => {
        const q = 'SELECT Id, DeveloperName FROM ExternalClientApplication';
        const denied = await call(other, 'GET', `${V}/query?q=${encodeURIComponent(q)}`);
        expect(denied.status).to.equal(400);
        expect(denied.body[0]).to.deep.equal({
          errorCode: 'INVALID_TYPE',
          message:
            "\nSELECT Id, DeveloperName FROM ExternalClientApplication\n                              ^\nERROR at Row:1:Column:31\nsObject type 'ExternalClientApplication' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
        });
        expect(
          (await call(other, 'GET', `${V}/tooling/query?q=${encodeURIComponent(q)}`)).body.records[0].DeveloperName
        ).to.equal('Eca');
        expect(
          (await call(other, 'GET', `${V}/query?q=${encodeURIComponent('SELECT Id FROM ExtlClntAppOauthPlcyCnfg')}`))
            .status
        ).to.equal(400);
      }
    );
  });

  it('holds the seed’s OAuth tokens as OauthToken rows', () => {
    const rows = emu.query<Row & { User: { Username: string } }>(
      'SELECT AppName, User.Username, LastUsedDate, UseCount, CreatedDate FROM OauthToken'
    );
    expect(rows).to.have.length(1);
    expect(rows[0]).to.deep.include({
      AppName: 'Legacy Sync',
      LastUsedDate: '2026-01-02T03:04:05.000+0000',
      UseCount: 1,
    });
    expect(rows[0].User.Username).to.equal('std@acme.example');
  });

  it('stores a connected app’s profiles and permission sets as SetupEntityAccess rows (type derived)', () => {
    const rows = emu.query<Row & { Parent: { Name: string; IsOwnedByProfile: boolean } }>(
      'SELECT Parent.Name, Parent.IsOwnedByProfile, SetupEntityType FROM SetupEntityAccess ORDER BY Parent.IsOwnedByProfile'
    );
    expect(
      rows.map((r) => [r.Parent.Name.startsWith('X00e') ? 'profile' : r.Parent.Name, r.SetupEntityType])
    ).to.deep.equal([
      ['Sync_Access', 'ConnectedApplication'],
      ['profile', 'ConnectedApplication'],
    ]);
  });
});

describe('emulator apps: SetupEntityAccess writes', () => {
  let emu: Emulator;
  afterEach(() => emu?.stop());
  const start = async (behaviour: Seed['behaviour'] = {}): Promise<Emulator> => {
    emu = await startEmulator({ seed: appSeed({ behaviour }) });
    return emu;
  };
  const id = (q: string): string => emu.query<Row>(q)[0].Id as string;
  const other = (): string => id("SELECT Id FROM PermissionSet WHERE Name = 'Other_Set'");
  const app = (): string => id('SELECT Id FROM ConnectedApplication');
  const eca = (): string => id('SELECT Id FROM ExternalClientApplication');
  const profileSet = (): string =>
    id(`SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true AND Profile.Name = 'Standard User'`);

  it('creates with the type derived, refuses SetupEntityType in the body, refuses update (405), deletes', async () => {
    await start();
    const r = await create(emu, 'SetupEntityAccess', { ParentId: other(), SetupEntityId: eca() });
    expect(r.status).to.equal(201);
    expect(r.body.id).to.match(/^0J0/);
    expect(
      emu.query<Row>(`SELECT SetupEntityType FROM SetupEntityAccess WHERE Id = '${r.body.id as string}'`)[0]
        .SetupEntityType
    ).to.equal('ExternalClientApplication');
    const typed = await create(emu, 'SetupEntityAccess', {
      ParentId: other(),
      SetupEntityId: app(),
      SetupEntityType: 'ConnectedApplication',
    });
    expect(typed.body[0]).to.deep.include({
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      fields: ['SetupEntityType'],
    });
    const patch = await call(emu, 'PATCH', `${V}/sobjects/SetupEntityAccess/${r.body.id as string}`, {
      ParentId: other(),
    });
    expect(patch.status).to.equal(405);
    expect(patch.body).to.deep.equal([
      { errorCode: 'METHOD_NOT_ALLOWED', message: "HTTP Method 'PATCH' not allowed. Allowed are HEAD,GET,DELETE" },
    ]);
    expect((await call(emu, 'DELETE', `${V}/sobjects/SetupEntityAccess/${r.body.id as string}`)).status).to.equal(204);
    expect(emu.query(`SELECT Id FROM SetupEntityAccess WHERE SetupEntityId = '${eca()}'`)).to.have.length(0);
  });

  it('refuses an entity that is not an app', async () => {
    await start();
    const account = id('SELECT Id FROM Account LIMIT 1');
    const r = await create(emu, 'SetupEntityAccess', { ParentId: other(), SetupEntityId: account });
    expect(r.body).to.deep.equal([
      {
        errorCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: `Setup Entity ID: id value of incorrect type: ${account}`,
        fields: ['SetupEntityId'],
      },
    ]);
  });

  it('answers a duplicate with DUPLICATE_VALUE (the PSLA text), or with the existing row when duplicateSetupEntityAccess is noop', async () => {
    await start();
    const first = await create(emu, 'SetupEntityAccess', { ParentId: other(), SetupEntityId: app() });
    expect(first.status).to.equal(201);
    const again = await create(emu, 'SetupEntityAccess', { ParentId: other(), SetupEntityId: app() });
    expect(again.status).to.equal(400);
    expect(again.body).to.deep.equal([
      {
        errorCode: 'DUPLICATE_VALUE',
        message: 'duplicate value found: <unknown> duplicates value on record with id: <unknown>',
        fields: [],
      },
    ]);
    await emu.stop();

    await start({ duplicateSetupEntityAccess: 'noop' });
    const one = await create(emu, 'SetupEntityAccess', { ParentId: other(), SetupEntityId: app() });
    const two = await create(emu, 'SetupEntityAccess', { ParentId: other(), SetupEntityId: app() });
    expect(two.status).to.equal(201);
    expect(two.body).to.deep.equal({ id: one.body.id, success: true, errors: [] });
    expect(emu.requests.at(-1)?.writes).to.equal(0);
    expect(emu.query(`SELECT Id FROM SetupEntityAccess WHERE ParentId = '${other()}'`)).to.have.length(1);
  });

  it('allows rows under a profile-owned set by default, refuses them (and their deletion) when setupEntityAccessOnProfilePermset is reject', async () => {
    await start();
    expect((await create(emu, 'SetupEntityAccess', { ParentId: profileSet(), SetupEntityId: app() })).status).to.equal(
      201
    );
    await emu.stop();

    await start({ setupEntityAccessOnProfilePermset: 'reject' });
    const r = await create(emu, 'SetupEntityAccess', { ParentId: profileSet(), SetupEntityId: app() });
    expect(r.body).to.deep.equal([
      {
        errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY',
        message: 'insufficient access rights on cross-reference id',
        fields: ['ParentId'],
      },
    ]);
    const seeded = id(`SELECT Id FROM SetupEntityAccess WHERE Parent.IsOwnedByProfile = true`);
    expect((await call(emu, 'DELETE', `${V}/sobjects/SetupEntityAccess/${seeded}`)).body[0].errorCode).to.equal(
      'INSUFFICIENT_ACCESS_OR_READONLY'
    );
    expect((await create(emu, 'SetupEntityAccess', { ParentId: other(), SetupEntityId: app() })).status).to.equal(201);
  });

  it('refuses an ECA as the entity when setupEntityAccessForEca is reject', async () => {
    await start({ setupEntityAccessForEca: 'reject' });
    const r = await create(emu, 'SetupEntityAccess', { ParentId: other(), SetupEntityId: eca() });
    expect(r.body).to.deep.equal([
      {
        errorCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: `Setup Entity ID: id value of incorrect type: ${eca()}`,
        fields: ['SetupEntityId'],
      },
    ]);
    expect(emu.query(`SELECT Id FROM SetupEntityAccess WHERE SetupEntityId = '${eca()}'`)).to.have.length(0);
  });
});
