import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../index.js';
import { INTEGRATION_PROFILE, V, call } from '../http/test-client.js';

// What retiring a user meets in the org (test/emulator/README.md, "Retiring a user"): OauthToken rows that only the
// revoke endpoint removes, and PSL assignments that stay while a held set needs them (switches
// pslaDeleteWhileRequired, autoRemovePslOnLastPsaDelete).

const PSL = 'SalesforceAPIIntegrationPsl';
const USER = 'sync@acme.example';

function seed(behaviour: Seed['behaviour'] = {}): Seed {
  return {
    permissionSets: [
      { name: 'Account_Read', license: null, objects: { Account: ['read'] } },
      { name: 'Custom_Only', license: null, objects: { Invoice__c: ['read'] } },
    ],
    users: [
      {
        username: USER,
        profile: INTEGRATION_PROFILE,
        permissionSetLicenses: [PSL],
        permissionSets: ['Account_Read', 'Custom_Only'],
      },
    ],
    connectedApps: [
      { name: 'Acme_Sync', label: 'Acme Sync App', consumerKey: 'ACMESYNCKEY1', oauthTokens: [{ username: USER }] },
    ],
    behaviour,
  };
}

type Row = Record<string, unknown>;

describe('emulator: retiring a user', () => {
  let emu: Emulator;
  afterEach(() => emu?.stop());
  const rows = (q: string): Row[] => emu.query<Row>(q);
  const pslaId = (): string =>
    rows(`SELECT Id FROM PermissionSetLicenseAssign WHERE Assignee.Username = '${USER}'`)[0]?.Id as string;
  const psaId = (set: string): string =>
    rows(
      `SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username = '${USER}' AND PermissionSet.Name = '${set}'`
    )[0].Id as string;
  // The revoke endpoint takes a form body and no session (Mobile SDK guide, "Revoking OAuth Tokens").
  const revoke = (token: string): Promise<Response> =>
    fetch(`${emu.instanceUrl}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });

  it('OauthToken: no DELETE; its DeleteToken revokes it once, then invalid_token', async () => {
    emu = await startEmulator({ seed: seed() });
    const [token] = rows(`SELECT Id, AppName, DeleteToken FROM OauthToken WHERE User.Username = '${USER}'`);
    expect(token.AppName).to.equal('Acme Sync App');
    expect(token.DeleteToken).to.be.a('string').and.not.equal('');
    const del = await call(emu, 'DELETE', `${V}/sobjects/OauthToken/${String(token.Id)}`);
    expect([del.status, del.body]).to.deep.equal([
      405,
      [{ errorCode: 'METHOD_NOT_ALLOWED', message: "HTTP Method 'DELETE' not allowed. Allowed are HEAD,GET" }],
    ]);
    const first = await revoke(String(token.DeleteToken));
    expect([first.status, await first.text()]).to.deep.equal([200, '']);
    expect(rows(`SELECT Id FROM OauthToken WHERE User.Username = '${USER}'`)).to.deep.equal([]);
    const again = await revoke(String(token.DeleteToken));
    expect([again.status, await again.json()]).to.deep.equal([
      400,
      { error: 'invalid_token', error_description: 'invalid token' },
    ]);
  });

  it("pslaDeleteWhileRequired 'reject' (default): the PSL stays while a set with standard-object access needs it", async () => {
    emu = await startEmulator({ seed: seed() });
    const refused = await call(emu, 'DELETE', `${V}/sobjects/PermissionSetLicenseAssign/${pslaId()}`);
    expect([refused.status, refused.body]).to.deep.equal([
      400,
      [
        {
          errorCode: 'FIELD_INTEGRITY_EXCEPTION',
          message: `You can't remove the permission set license ${PSL} because the user has permission set Account_Read, which requires it.`,
          fields: [],
        },
      ],
    ]);
    // A set on custom objects only doesn't need it: once Account_Read is gone, the PSL assignment goes.
    expect(
      (await call(emu, 'DELETE', `${V}/sobjects/PermissionSetAssignment/${psaId('Account_Read')}`)).status
    ).to.equal(204);
    expect(pslaId()).to.be.a('string');
    expect((await call(emu, 'DELETE', `${V}/sobjects/PermissionSetLicenseAssign/${pslaId()}`)).status).to.equal(204);
    expect(pslaId()).to.equal(undefined);
  });

  it("pslaDeleteWhileRequired 'allow': deleted at once", async () => {
    emu = await startEmulator({ seed: seed({ pslaDeleteWhileRequired: 'allow' }) });
    expect((await call(emu, 'DELETE', `${V}/sobjects/PermissionSetLicenseAssign/${pslaId()}`)).status).to.equal(204);
    expect(pslaId()).to.equal(undefined);
  });

  it('autoRemovePslOnLastPsaDelete: false keeps the PSL assignment after the last set needing it goes; true removes it', async () => {
    for (const auto of [false, true]) {
      emu = await startEmulator({ seed: seed({ autoRemovePslOnLastPsaDelete: auto }) });
      expect(
        (await call(emu, 'DELETE', `${V}/sobjects/PermissionSetAssignment/${psaId('Account_Read')}`)).status
      ).to.equal(204);
      expect(pslaId() === undefined).to.equal(auto);
      await emu.stop();
    }
  });
});
