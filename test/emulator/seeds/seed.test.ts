import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, SeedError, type Emulator, type Seed } from '../index.js';
import { resolveSeed } from './seed.js';
import { INTEGRATION_PROFILE, withEmulator } from '../http/test-client.js';

type Row = Record<string, unknown>;

describe('emulator seed', () => {
  describe('defaults for {}', () => {
    let emu: Emulator;
    before(async () => {
      emu = await startEmulator({ seed: {} });
    });
    after(() => emu.stop());

    it('has an org with an 18-char id, name and defaults', () => {
      expect(emu.orgId).to.equal('00D000000000001EAA');
      const org = emu.query<Row>(
        'SELECT Id, Name, IsSandbox, OrganizationType, TimeZoneSidKey, DefaultLocaleSidKey, LanguageLocaleKey FROM Organization'
      );
      expect(org).to.have.length(1);
      expect(org[0]).to.include({
        Id: '00D000000000001EAA',
        Name: 'Emulated Org',
        IsSandbox: false,
        TimeZoneSidKey: 'America/Los_Angeles',
        DefaultLocaleSidKey: 'en_US',
        LanguageLocaleKey: 'en_US',
      });
    });

    it('has an admin on System Administrator with a token shaped <orgId>!<alphanumerics>', () => {
      expect(emu.adminUsername).to.equal('admin@emu.example');
      expect(emu.adminAccessToken).to.match(/^00D000000000001EAA![A-Za-z0-9]+$/);
      const admin = emu.query<Row & { Profile: { Name: string } }>(
        "SELECT Username, IsActive, UserType, Profile.Name, EmailEncodingKey FROM User WHERE Username = 'admin@emu.example'"
      );
      expect(admin[0]).to.deep.include({
        Username: 'admin@emu.example',
        IsActive: true,
        UserType: 'Standard',
        EmailEncodingKey: 'UTF-8',
      });
      expect(admin[0].Profile.Name).to.equal('System Administrator');
    });

    it('has the integration user license (5), Salesforce (10) and counts the admin', () => {
      const licenses = emu.query<Row>(
        'SELECT Name, MasterLabel, Status, TotalLicenses, UsedLicenses FROM UserLicense ORDER BY Name'
      );
      expect(licenses.map((l) => [l.Name, l.TotalLicenses, l.UsedLicenses, l.Status])).to.deep.equal([
        ['Salesforce', 10, 1, 'Active'],
        ['Salesforce Integration', 5, 0, 'Active'],
      ]);
    });

    it('has the API Integration PSL with 5 seats', () => {
      const psl = emu.query<Row>(
        'SELECT DeveloperName, MasterLabel, TotalLicenses, UsedLicenses, Status FROM PermissionSetLicense'
      );
      expect(psl).to.have.length(1);
      expect(psl[0]).to.include({
        DeveloperName: 'SalesforceAPIIntegrationPsl',
        MasterLabel: 'Salesforce API Integration',
        TotalLicenses: 5,
        UsedLicenses: 0,
        Status: 'Active',
      });
    });

    it('has the three profiles on their licenses, each with its own permission set', () => {
      const profiles = emu.query<{ Id: string; Name: string; UserLicenseId: string; UserLicense: { Name: string } }>(
        'SELECT Id, Name, UserLicenseId, UserLicense.Name FROM Profile ORDER BY Name'
      );
      expect(profiles.map((p) => [p.Name, p.UserLicense.Name])).to.deep.equal([
        [INTEGRATION_PROFILE, 'Salesforce Integration'],
        ['Standard User', 'Salesforce'],
        ['System Administrator', 'Salesforce'],
      ]);
      for (const p of profiles) {
        const own = emu.query<Row>(
          `SELECT Name, IsOwnedByProfile, ProfileId, LicenseId, Type FROM PermissionSet WHERE ProfileId = '${p.Id}'`
        );
        expect(own).to.have.length(1);
        expect(own[0]).to.include({
          Name: `X${p.Id}`,
          IsOwnedByProfile: true,
          LicenseId: p.UserLicenseId,
          Type: 'Profile',
        });
      }
      expect(
        emu.query<Row>(
          `SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true AND Profile.Name = '${INTEGRATION_PROFILE}'`
        )
      ).to.have.length(1);
    });

    it("gives the admin a PSA for its profile's own set", () => {
      const psas = emu.query<{ PermissionSet: { IsOwnedByProfile: boolean; Profile: { Name: string } } }>(
        "SELECT PermissionSet.IsOwnedByProfile, PermissionSet.Profile.Name FROM PermissionSetAssignment WHERE Assignee.Username = 'admin@emu.example'"
      );
      expect(psas).to.have.length(1);
      expect(psas[0].PermissionSet.IsOwnedByProfile).to.equal(true);
      expect(psas[0].PermissionSet.Profile.Name).to.equal('System Administrator');
    });
  });

  it('takes org, admin and defaults from the seed', async () => {
    const seed: Seed = {
      org: {
        id: '00D5g000004XyZ1',
        name: 'Acme',
        isSandbox: true,
        defaults: {
          timeZoneSidKey: 'Europe/Berlin',
          localeSidKey: 'de_DE',
          languageLocaleKey: 'de',
          emailEncodingKey: 'UTF-8',
        },
      },
      admin: { username: 'admin@acme.example', accessToken: '00D5g000004XyZ1EAK!AQ4AQtoken' },
      users: [{ username: 'someone@acme.example', profile: 'Standard User' }],
    };
    await withEmulator(seed, (emu) => {
      expect(emu.orgId).to.equal('00D5g000004XyZ1EAK');
      expect(emu.adminUsername).to.equal('admin@acme.example');
      expect(emu.adminAccessToken).to.equal('00D5g000004XyZ1EAK!AQ4AQtoken');
      expect(emu.query<Row>('SELECT Name, IsSandbox FROM Organization')[0]).to.include({
        Name: 'Acme',
        IsSandbox: true,
      });
      const u = emu.query<Row>(
        "SELECT TimeZoneSidKey, LocaleSidKey, LanguageLocaleKey, Email, Alias, IsActive FROM User WHERE Username = 'someone@acme.example'"
      )[0];
      expect(u).to.include({
        TimeZoneSidKey: 'Europe/Berlin',
        LocaleSidKey: 'de_DE',
        LanguageLocaleKey: 'de',
        Email: 'someone@acme.example',
        Alias: 'someone',
        IsActive: true,
      });
    });
  });

  it('replaces a default list with the one given (an edition without the integration license)', async () => {
    await withEmulator({ userLicenses: [{ name: 'Salesforce', total: 3 }] }, (emu) => {
      expect(emu.query<Row>('SELECT Name FROM UserLicense').map((l) => l.Name)).to.deep.equal(['Salesforce']);
      expect(emu.query<Row>('SELECT Name FROM Profile ORDER BY Name').map((p) => p.Name)).to.deep.equal([
        'Standard User',
        'System Administrator',
      ]);
      expect(emu.query('SELECT Id FROM PermissionSetLicense')).to.have.length(0);
    });
  });

  it('counts `used` above the listed active users as phantom seat holders', async () => {
    const seed: Seed = {
      userLicenses: [
        { name: 'Salesforce Integration', total: 5, used: 4 },
        { name: 'Salesforce', total: 10, used: 0 },
      ],
      permissionSetLicenses: [
        { developerName: 'SalesforceAPIIntegrationPsl', label: 'Salesforce API Integration', total: 5, used: 3 },
      ],
      users: [
        {
          username: 'a@acme.example',
          profile: INTEGRATION_PROFILE,
          permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
        },
        { username: 'b@acme.example', profile: INTEGRATION_PROFILE, active: false },
      ],
    };
    await withEmulator(seed, (emu) => {
      // 4 used: 1 listed active user + 3 phantoms; the inactive user holds no seat.
      expect(
        emu.query<Row>("SELECT UsedLicenses FROM UserLicense WHERE Name = 'Salesforce Integration'")[0].UsedLicenses
      ).to.equal(4);
      // admin is active on Salesforce although `used` says 0: actual holders always count.
      expect(emu.query<Row>("SELECT UsedLicenses FROM UserLicense WHERE Name = 'Salesforce'")[0].UsedLicenses).to.equal(
        1
      );
      expect(emu.query<Row>('SELECT UsedLicenses FROM PermissionSetLicense')[0].UsedLicenses).to.equal(3);
    });
  });

  it('builds permission sets with object, field and user permissions, groups, and user assignments', async () => {
    const seed: Seed = {
      permissionSets: [
        {
          name: 'Account_Read',
          label: 'Account Read',
          license: null,
          objects: { Account: ['read', 'edit'] },
          fields: { 'Account.Industry': ['read', 'edit'] },
          userPermissions: ['ModifyAllData'],
        },
        { name: 'Psl_Set', license: 'SalesforceAPIIntegrationPsl', objects: { Invoice__c: ['read'] } },
        { name: 'Sf_Set', license: 'Salesforce' },
      ],
      permissionSetGroups: [{ name: 'Sync_Access', label: 'Sync Access', permissionSets: ['Account_Read', 'Psl_Set'] }],
      users: [
        {
          username: 'sync@acme.example',
          profile: INTEGRATION_PROFILE,
          permissionSets: ['Account_Read', 'Sync_Access'],
          permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
        },
      ],
    };
    await withEmulator(seed, (emu) => {
      const sets = emu.query<Row & { License: { Name: string } | null }>(
        'SELECT Name, Label, LicenseId, License.Name, PermissionsModifyAllData, IsOwnedByProfile, IsCustom, Type FROM PermissionSet WHERE IsOwnedByProfile = false ORDER BY Name'
      );
      expect(sets.map((s) => [s.Name, s.Label, s.License?.Name ?? null, s.PermissionsModifyAllData])).to.deep.equal([
        ['Account_Read', 'Account Read', null, true],
        ['Psl_Set', 'Psl_Set', 'Salesforce API Integration', false],
        ['Sf_Set', 'Sf_Set', 'Salesforce', false],
        // the group's aggregate set: its members' permissions (rules/groups.ts)
        ['Sync_Access', 'Sync Access', null, true],
      ]);
      const op = emu.query<Row>(
        "SELECT SobjectType, PermissionsRead, PermissionsEdit, PermissionsCreate FROM ObjectPermissions WHERE Parent.Name = 'Account_Read'"
      );
      expect(op).to.deep.equal([
        {
          attributes: op[0].attributes,
          SobjectType: 'Account',
          PermissionsRead: true,
          PermissionsEdit: true,
          PermissionsCreate: false,
        },
      ]);
      expect(
        emu.query<Row>(
          "SELECT Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE Parent.Name = 'Account_Read'"
        )[0]
      ).to.include({
        Field: 'Account.Industry',
        PermissionsRead: true,
        PermissionsEdit: true,
      });
      expect(
        emu.query<Row>("SELECT SobjectType FROM ObjectPermissions WHERE Parent.Name = 'Psl_Set'")[0].SobjectType
      ).to.equal('Invoice__c');
      const group = emu.query<Row>('SELECT Id, DeveloperName, MasterLabel, Status FROM PermissionSetGroup')[0];
      expect(group).to.include({ DeveloperName: 'Sync_Access', MasterLabel: 'Sync Access', Status: 'Updated' });
      expect(
        emu.query<Row>(
          `SELECT PermissionSet.Name FROM PermissionSetGroupComponent WHERE PermissionSetGroupId = '${group.Id as string}' ORDER BY PermissionSet.Name`
        )
      ).to.have.length(2);
      const psas = emu.query<{
        PermissionSet: { Name: string } | null;
        PermissionSetGroup: { DeveloperName: string } | null;
      }>(
        "SELECT PermissionSet.Name, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE Assignee.Username = 'sync@acme.example' AND PermissionSet.IsOwnedByProfile != true"
      );
      expect(psas.map((p) => p.PermissionSet?.Name ?? p.PermissionSetGroup?.DeveloperName).sort()).to.deep.equal([
        'Account_Read',
        'Sync_Access',
      ]);
      expect(
        emu.query("SELECT Id FROM PermissionSetLicenseAssign WHERE Assignee.Username = 'sync@acme.example'")
      ).to.have.length(1);
    });
  });

  it('stores arbitrary records generically with the fields seen plus Id, Name and audit fields', async () => {
    await withEmulator(
      {
        records: {
          Account: [{ Name: 'Acme', Industry: 'Tech' }],
          Invoice__c: [{ Name: 'INV-1', Amount__c: 12.5, Paid__c: true }, { Name: 'INV-2' }],
        },
      },
      (emu) => {
        const acc = emu.query<Row>('SELECT Id, Name, Industry, CreatedDate, OwnerId FROM Account')[0];
        expect(acc.Id).to.match(/^001[A-Za-z0-9]{15}$/);
        expect(acc).to.include({ Name: 'Acme', Industry: 'Tech' });
        expect(acc.CreatedDate).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
        const inv = emu.query<Row>('SELECT Name, Amount__c, Paid__c FROM Invoice__c ORDER BY Name');
        expect(inv.map((r) => [r.Name, r.Amount__c, r.Paid__c])).to.deep.equal([
          ['INV-1', 12.5, true],
          ['INV-2', null, false],
        ]);
      }
    );
  });

  it('loads a seed from a JSON file path', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emu-seed-'));
    const file = path.join(dir, 'seed.json');
    await writeFile(file, JSON.stringify({ org: { name: 'From File' } }));
    const emu = await startEmulator({ seed: file });
    try {
      expect(emu.query<Row>('SELECT Name FROM Organization')[0].Name).to.equal('From File');
    } finally {
      await emu.stop();
    }
  });

  describe('rejects nonsense, naming the path', () => {
    const cases: Array<[string, unknown, string]> = [
      ['unknown top-level key', { userz: [] }, 'seed.userz: unknown key'],
      [
        'profile on a missing license',
        { profiles: [{ name: 'P', license: 'Nope' }] },
        "seed.profiles[0].license: no user license named 'Nope'",
      ],
      [
        'user on a missing profile',
        { users: [{ username: 'a@b.example', profile: 'Nope' }] },
        "seed.users[0].profile: no profile named 'Nope'",
      ],
      [
        'non-email username',
        { users: [{ username: 'nope', profile: 'Standard User' }] },
        'seed.users[0].username: must be email-shaped',
      ],
      [
        'negative total',
        { userLicenses: [{ name: 'X', total: -1 }] },
        'seed.userLicenses[0].total: must be a whole number >= 0',
      ],
      [
        'bad object permission',
        { permissionSets: [{ name: 'A', objects: { Account: ['fly'] } }] },
        'seed.permissionSets[0].objects.Account[0]: must be one of',
      ],
      [
        'unknown permission set license',
        { permissionSets: [{ name: 'A', license: 'Gold' }] },
        "seed.permissionSets[0].license: 'Gold' is neither",
      ],
      [
        'bad permission set name',
        { permissionSets: [{ name: 'Bad__Name' }] },
        'seed.permissionSets[0].name: must be an API name',
      ],
      [
        'group member missing',
        { permissionSetGroups: [{ name: 'G', permissionSets: ['Missing'] }] },
        "seed.permissionSetGroups[0].permissionSets[0]: no permission set named 'Missing'",
      ],
      ['unknown behaviour', { behaviour: { frobnicate: true } }, 'seed.behaviour.frobnicate: unknown key'],
      [
        'bad behaviour value',
        { behaviour: { licenseCountFilter: 'maybe' } },
        "seed.behaviour.licenseCountFilter: must be one of 'reject', 'allow'",
      ],
      [
        'bad error spec',
        { behaviour: { licenseMismatchError: { errorCode: 'X' } } },
        'seed.behaviour.licenseMismatchError.message: must be a non-empty string',
      ],
      ['bad token', { admin: { accessToken: 'plain' } }, 'seed.admin.accessToken: must look like'],
      ['bad org id', { org: { id: '001000000000001' } }, 'seed.org.id: must be a 15- or 18-char Organization id'],
      [
        'bad time zone',
        { org: { defaults: { timeZoneSidKey: 'Mars/Olympus' } } },
        "seed.org.defaults.timeZoneSidKey: unknown time zone 'Mars/Olympus'",
      ],
      ['setup object in records', { records: { User: [{ Name: 'x' }] } }, 'seed.records.User: User is a setup object'],
      [
        'record without required Name',
        { records: { Account: [{ Industry: 'Tech' }] } },
        'seed.records.Account[0].Name: is required',
      ],
      ['fault without a target', { faults: [{ status: 500 }] }, 'seed.faults[0]: needs request, path or method'],
      [
        'bad recordError fault',
        { faults: [{ path: '/composite/sobjects', recordError: { index: 'first', statusCode: 'X', message: 'm' } }] },
        'seed.faults[0]: recordError.index must be a whole number >= 0',
      ],
      [
        'bad denied user permission',
        { behaviour: { integrationLicenseDeniedUserPermissions: ['Modify All Data'] } },
        'seed.behaviour.integrationLicenseDeniedUserPermissions[0]: must be a user permission API name',
      ],
      [
        'denied user permissions not a list',
        { behaviour: { integrationLicenseDeniedUserPermissions: 'ModifyAllData' } },
        'seed.behaviour.integrationLicenseDeniedUserPermissions: must be a list of strings',
      ],
      [
        'duplicate usernames',
        {
          users: [
            { username: 'a@b.example', profile: 'Standard User' },
            { username: 'A@b.example', profile: 'Standard User' },
          ],
        },
        "seed.users[1]: duplicate username 'A@b.example'",
      ],
      [
        'admin without a profile',
        { profiles: [{ name: 'Only', license: 'Salesforce' }] },
        "seed.admin: the admin 'admin@emu.example' needs a profile",
      ],
      [
        'negative recalculation',
        { behaviour: { groupRecalculationRequests: -1 } },
        'seed.behaviour.groupRecalculationRequests: must be a whole number >= 0',
      ],
      [
        'bad license-change mode',
        { behaviour: { permissionSetLicenseChange: 'ignore' } },
        'seed.behaviour.permissionSetLicenseChange: must be {errorCode, message, status?}',
      ],
      [
        'unknown object key',
        { objects: { Invoice__c: { fieldz: {} } } },
        'seed.objects.Invoice__c.fieldz: unknown key (known: label, fields, entityParticles)',
      ],
      [
        'reference without targets',
        { objects: { Invoice__c: { fields: { Vendor__c: { type: 'reference' } } } } },
        'seed.objects.Invoice__c.fields.Vendor__c.referenceTo: is required',
      ],
    ];
    for (const [title, seed, message] of cases) {
      it(title, async () => {
        let error: unknown;
        try {
          await startEmulator({ seed: seed as Seed });
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(SeedError);
        expect((error as Error).message).to.contain(message);
      });
    }
  });

  it('fills every behaviour switch with its default', () => {
    const resolved = resolveSeed({});
    expect(resolved.behaviour).to.deep.include({
      licenseCountFilter: 'reject',
      pslLimitError: 'LICENSE_LIMIT_EXCEEDED',
      autoAssignPslOnPermsetAssign: true,
      integrationUserDeniedTypes: ['Organization'],
      integrationLicensedPermsetStandardObjects: 'reject',
      integrationLicenseDeniedUserPermissions: ['ModifyAllData', 'ManageUsers', 'CustomizeApplication', 'AuthorApex'],
    });
    expect(resolved.behaviour.licenseMismatchError).to.deep.equal({
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      message: "The user license doesn't match the permission set license.",
    });
    expect(resolved.behaviour.pslaUpdateError).to.include({ status: 405, errorCode: 'METHOD_NOT_ALLOWED' });
    expect(resolved.behaviour).to.deep.include({
      permissionSetLicenseChange: 'readOnlyField',
      groupRecalculationRequests: 0,
    });
    expect(resolved.behaviour.duplicateSetNameError).to.deep.equal({
      errorCode: 'DUPLICATE_DEVELOPER_NAME',
      message: 'The API name you entered is already in use. Enter a unique API name.',
    });
    expect(resolved.behaviour.requiredFieldPermissionError).to.deep.equal({
      errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      message: 'Field Name: bad value for restricted picklist field: {field}',
    });
  });
});
