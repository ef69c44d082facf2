/* eslint-disable @typescript-eslint/no-unsafe-member-access -- REST bodies are JSON, read by shape */
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../index.js';
import { DUPLICATE_USERNAME_MESSAGE } from '../http/errors.js';
import { INTEGRATION_PROFILE, V, call, create, userBody, withEmulator } from '../http/test-client.js';

type Row = Record<string, unknown>;

function profileId(emu: Emulator, name: string): string {
  return emu.query<Row>(`SELECT Id FROM Profile WHERE Name = '${name.replace(/'/g, "\\'")}'`)[0].Id as string;
}
function used(emu: Emulator, license = 'Salesforce Integration'): number {
  return emu.query<Row>(`SELECT UsedLicenses FROM UserLicense WHERE Name = '${license}'`)[0].UsedLicenses as number;
}

describe('emulator User rules', () => {
  let emu: Emulator;
  let integration: string;
  const start = async (seed: Seed = {}): Promise<void> => {
    emu = await startEmulator({ seed });
    integration = profileId(emu, INTEGRATION_PROFILE);
  };
  afterEach(() => emu?.stop());

  it('creates a user: Standard, active, a seat taken, its profile set assigned', async () => {
    await start();
    const r = await create(emu, 'User', userBody('sync@acme.example', integration));
    expect(r.status).to.equal(201);
    expect(r.body.id).to.match(/^005/);
    const u = emu.query<Row & { Profile: { Name: string } }>(
      `SELECT Username, UserType, IsActive, Name, CommunityNickname, Profile.Name FROM User WHERE Id = '${r.body.id as string}'`
    )[0];
    expect(u).to.deep.include({
      Username: 'sync@acme.example',
      UserType: 'Standard',
      IsActive: true,
      Name: 'Sync',
      CommunityNickname: 'sync',
    });
    expect(used(emu)).to.equal(1);
    const psa = emu.query<{ PermissionSet: { IsOwnedByProfile: boolean; ProfileId: string } }>(
      `SELECT PermissionSet.IsOwnedByProfile, PermissionSet.ProfileId FROM PermissionSetAssignment WHERE AssigneeId = '${r.body.id as string}'`
    );
    expect(psa).to.have.length(1);
    expect(psa[0].PermissionSet).to.include({ IsOwnedByProfile: true, ProfileId: integration });
    expect(emu.requests.at(-1)).to.include({ method: 'POST', path: `${V}/sobjects/User`, status: 201, writes: 2 });
  });

  it('lists every missing required field', async () => {
    await start();
    const r = await create(emu, 'User', {
      Username: 'x@acme.example',
      ProfileId: integration,
      Email: 'x@acme.example',
    });
    expect(r.status).to.equal(400);
    expect(r.body).to.deep.equal([
      {
        errorCode: 'REQUIRED_FIELD_MISSING',
        message:
          'Required fields are missing: [LastName, Alias, TimeZoneSidKey, LocaleSidKey, EmailEncodingKey, LanguageLocaleKey]',
        fields: ['LastName', 'Alias', 'TimeZoneSidKey', 'LocaleSidKey', 'EmailEncodingKey', 'LanguageLocaleKey'],
      },
    ]);
    expect(emu.requests.at(-1)).to.include({ status: 400, errorCode: 'REQUIRED_FIELD_MISSING', writes: 0 });
  });

  const refusals: Array<[string, Record<string, unknown>, { errorCode: string; message: string; fields: string[] }]> = [
    [
      'a username that is not an email',
      { Username: 'sync' },
      {
        errorCode: 'INVALID_NEW_VALUE',
        message: 'Username must be in the form of an email address (for example, john@acme.com)',
        fields: ['Username'],
      },
    ],
    [
      'an invalid email',
      { Email: 'not-an-email' },
      { errorCode: 'INVALID_EMAIL_ADDRESS', message: 'Email: invalid email address: not-an-email', fields: ['Email'] },
    ],
    [
      'an alias over 8 characters',
      { Alias: 'syncbot99' },
      {
        errorCode: 'STRING_TOO_LONG',
        message: 'Alias: data value too large: syncbot99 (max length=8)',
        fields: ['Alias'],
      },
    ],
    [
      'an unknown time zone',
      { TimeZoneSidKey: 'Mars/Olympus' },
      {
        errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        message: 'Time Zone: bad value for restricted picklist field: Mars/Olympus',
        fields: ['TimeZoneSidKey'],
      },
    ],
    [
      'a profile id that does not exist',
      { ProfileId: '00e000000000000AAA' },
      { errorCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: ['ProfileId'] },
    ],
    [
      'a read-only UserType',
      { UserType: 'PowerPartner' },
      {
        errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        message:
          'Unable to create/update fields: UserType. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
        fields: ['UserType'],
      },
    ],
  ];
  for (const [title, override, expected] of refusals) {
    it(`refuses ${title}`, async () => {
      await start();
      const r = await create(emu, 'User', userBody('sync@acme.example', integration, override));
      expect(r.status).to.equal(400);
      expect(r.body).to.deep.equal([expected]);
      expect(emu.query("SELECT Id FROM User WHERE Username = 'sync@acme.example'")).to.have.length(0);
      expect(used(emu)).to.equal(0);
    });
  }

  it('checks a username loosely, as Salesforce does: an @ with something on either side, no whitespace, at most 80 characters', async () => {
    await start();
    const format = {
      errorCode: 'INVALID_NEW_VALUE',
      message: 'Username must be in the form of an email address (for example, john@acme.com)',
      fields: ['Username'],
    };
    for (const username of [
      "o'brien.sync@acme.example",
      'sync@eu@acme.example',
      'sync@acme',
      `${'a'.repeat(67)}@acme.example`,
    ]) {
      const r = await create(emu, 'User', userBody(username, integration));
      expect(r.status, username).to.equal(201);
    }
    for (const username of ['sync', 'sync @acme.example', '@acme.example', 'sync@', 'sync@acme.example\t']) {
      expect((await create(emu, 'User', userBody(username, integration))).body, username).to.deep.equal([format]);
    }
    const long = `${'a'.repeat(68)}@acme.example`;
    expect((await create(emu, 'User', userBody(long, integration))).body).to.deep.equal([
      {
        errorCode: 'STRING_TOO_LONG',
        message: `Username: data value too large: ${long} (max length=80)`,
        fields: ['Username'],
      },
    ]);
    expect(
      emu.query<Row>("SELECT Username FROM User WHERE Username = 'o\\'brien.sync@acme.example'").map((u) => u.Username)
    ).to.deep.equal(["o'brien.sync@acme.example"]);
  });

  it('makes the username error switchable', async () => {
    await start({
      behaviour: { usernameFormatError: { errorCode: 'INVALID_FIELD', message: 'bad username {username}' } },
    });
    const r = await create(emu, 'User', userBody('sync', integration));
    expect(r.body).to.deep.equal([{ errorCode: 'INVALID_FIELD', message: 'bad username sync', fields: ['Username'] }]);
  });

  it('refuses a duplicate username, case-insensitively, in this org and in other orgs', async () => {
    await start({ usernamesTakenElsewhere: ['taken@elsewhere.example'] });
    const here = await create(emu, 'User', userBody('ADMIN@emu.example', integration));
    expect(here.status).to.equal(400);
    expect(here.body).to.deep.equal([
      { errorCode: 'DUPLICATE_USERNAME', message: DUPLICATE_USERNAME_MESSAGE, fields: ['Username'] },
    ]);
    expect(DUPLICATE_USERNAME_MESSAGE).to.match(
      /^Duplicate Username\.<br>The username already exists in this or another Salesforce organization\./
    );
    const elsewhere = await create(emu, 'User', userBody('Taken@Elsewhere.example', integration));
    expect(elsewhere.body[0].errorCode).to.equal('DUPLICATE_USERNAME');
    expect(used(emu)).to.equal(0);
  });

  it('refuses a user when the license has no free seat, counting phantom holders', async () => {
    await start({
      userLicenses: [
        { name: 'Salesforce Integration', total: 2, used: 1 },
        { name: 'Salesforce', total: 10 },
      ],
    });
    expect((await create(emu, 'User', userBody('one@acme.example', integration))).status).to.equal(201);
    expect(used(emu)).to.equal(2);
    const full = await create(emu, 'User', userBody('two@acme.example', integration));
    expect(full.status).to.equal(400);
    expect(full.body).to.deep.equal([
      { errorCode: 'LICENSE_LIMIT_EXCEEDED', message: 'License Limit Exceeded', fields: [] },
    ]);
    expect(used(emu)).to.equal(2);
    // An inactive user takes no seat.
    expect(
      (await create(emu, 'User', userBody('three@acme.example', integration, { IsActive: false }))).status
    ).to.equal(201);
    expect(used(emu)).to.equal(2);
  });

  it('frees the seat on deactivation and needs one to reactivate', async () => {
    await start({
      userLicenses: [
        { name: 'Salesforce Integration', total: 1 },
        { name: 'Salesforce', total: 10 },
      ],
    });
    const a = (await create(emu, 'User', userBody('a@acme.example', integration))).body.id as string;
    expect((await call(emu, 'PATCH', `${V}/sobjects/User/${a}`, { IsActive: false })).status).to.equal(204);
    expect(used(emu)).to.equal(0);
    const b = (await create(emu, 'User', userBody('b@acme.example', integration))).body.id as string;
    expect(b).to.match(/^005/);
    const back = await call(emu, 'PATCH', `${V}/sobjects/User/${a}`, { IsActive: true });
    expect(back.status).to.equal(400);
    expect(back.body[0]).to.include({ errorCode: 'LICENSE_LIMIT_EXCEEDED', message: 'License Limit Exceeded' });
    expect(emu.query<Row>(`SELECT IsActive FROM User WHERE Id = '${a}'`)[0].IsActive).to.equal(false);
    expect(used(emu)).to.equal(1);
  });

  it("refuses a profile on another license, unless profileLicenseChangeError is 'accept'", async () => {
    await start();
    const id = (await create(emu, 'User', userBody('a@acme.example', integration))).body.id as string;
    const r = await call(emu, 'PATCH', `${V}/sobjects/User/${id}`, { ProfileId: profileId(emu, 'Standard User') });
    expect(r.status).to.equal(400);
    expect(r.body).to.deep.equal([
      {
        errorCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: "You can only assign profiles that are compatible with the user's license",
        fields: ['ProfileId'],
      },
    ]);
    await emu.stop();

    await start({ behaviour: { profileLicenseChangeError: 'accept' } });
    const id2 = (await create(emu, 'User', userBody('a@acme.example', integration))).body.id as string;
    const standard = profileId(emu, 'Standard User');
    expect((await call(emu, 'PATCH', `${V}/sobjects/User/${id2}`, { ProfileId: standard })).status).to.equal(204);
    expect(used(emu)).to.equal(0);
    expect(used(emu, 'Salesforce')).to.equal(2);
    const own = emu.query<{ PermissionSet: { ProfileId: string } }>(
      `SELECT PermissionSet.ProfileId FROM PermissionSetAssignment WHERE AssigneeId = '${id2}'`
    );
    expect(own.map((p) => p.PermissionSet.ProfileId)).to.deep.equal([standard]);
  });

  it('refuses to delete a user', async () => {
    await start();
    const id = (await create(emu, 'User', userBody('a@acme.example', integration))).body.id as string;
    const r = await call(emu, 'DELETE', `${V}/sobjects/User/${id}`);
    expect(r.status).to.equal(405);
    expect(r.body[0]).to.include({
      errorCode: 'METHOD_NOT_ALLOWED',
      message: "HTTP Method 'DELETE' not allowed. Allowed are HEAD,GET,PATCH",
    });
    expect(emu.query(`SELECT Id FROM User WHERE Id = '${id}'`)).to.have.length(1);
  });

  it('checks a changed username like a new one', async () => {
    await withEmulator({ users: [{ username: 'b@acme.example', profile: 'Standard User' }] }, async (e) => {
      const b = e.query<Row>("SELECT Id FROM User WHERE Username = 'b@acme.example'")[0].Id as string;
      const r = await call(e, 'PATCH', `${V}/sobjects/User/${b}`, { Username: 'Admin@Emu.Example' });
      expect(r.body[0].errorCode).to.equal('DUPLICATE_USERNAME');
      expect((await call(e, 'PATCH', `${V}/sobjects/User/${b}`, { Username: 'B2@acme.example' })).status).to.equal(204);
    });
  });
});
