import { expect } from 'chai';
import { deriveAlias, deriveUsername, slugOf, validateCreateInput } from '../../src/service/create-input.js';
import { chooseIntegrationProfile, seatsOf } from '../../src/service/licenses.js';
import { isUserId } from '../../src/service/user-filters.js';
import { soqlList, soqlQuote } from '../../src/service/org-client.js';
import type { SObjectRecord } from '../../src/service/org-client.js';

const valid = { name: 'Acme Sync', email: 'it@acme.example' };

describe('create: input rules checked before the org is touched', () => {
  it('accepts a minimal valid input', () => {
    expect(validateCreateInput(valid)).to.equal(undefined);
  });

  const cases: Array<[string, Partial<typeof valid> & Record<string, string>, string, RegExp]> = [
    ['an empty name', { name: '  ' }, 'InvalidNameError', /is not a valid name: it is empty/],
    ['a name over 80 characters', { name: 'x'.repeat(81) }, 'InvalidNameError', /it is 81 characters long/],
    ['an email without a domain', { email: 'it@' }, 'InvalidEmailError', /"it@" is not a valid email address/],
    ['an email with spaces', { email: 'i t@acme.example' }, 'InvalidEmailError', /not a valid email address/],
    [
      'a username that is not email-shaped',
      { username: 'acme-sync' },
      'InvalidUsernameError',
      /must have the form of an email address/,
    ],
    [
      'a username with whitespace',
      { username: 'o brien@acme.example' },
      'InvalidUsernameError',
      /it contains whitespace/,
    ],
    [
      'a username with nothing after the @',
      { username: 'acme-sync@' },
      'InvalidUsernameError',
      /form of an email address \(an @ with something on either side\)/,
    ],
    [
      'a username over 80 characters',
      { username: `${'a'.repeat(75)}@acme.example` },
      'InvalidUsernameError',
      /88 characters long \(at most 80\)/,
    ],
    ['an alias over 8 characters', { alias: 'acmesync9' }, 'InvalidAliasError', /it has 9 characters/],
    ['an alias with a space', { alias: 'acme sy' }, 'InvalidAliasError', /characters other than letters/],
    [
      'an unknown time zone',
      { timeZone: 'Mars/Olympus' },
      'InvalidTimeZoneError',
      /"Mars\/Olympus" is not a time zone/,
    ],
    ['a malformed locale', { locale: 'english' }, 'InvalidLocaleError', /"english" is not a valid value for --locale/],
    ['a malformed language', { language: 'DE-de' }, 'InvalidLocaleError', /--language/],
  ];
  for (const [what, change, name, message] of cases) {
    it(`refuses ${what}, naming the fix`, () => {
      const error = validateCreateInput({ ...valid, ...change });
      expect(error?.name).to.equal(name);
      expect(error?.message).to.match(message);
      expect(error?.actions?.length).to.equal(1);
      expect(error?.actions?.[0]).to.match(/--[a-z-]+/);
    });
  }

  it('accepts every username Salesforce accepts (an apostrophe, several @, exactly 80 characters) and an apostrophe in --email', () => {
    for (const username of ["o'brien.sync@acme.example", 'sync@eu@acme.example', `${'a'.repeat(67)}@acme.example`]) {
      expect(validateCreateInput({ ...valid, username }), username).to.equal(undefined);
    }
    expect(validateCreateInput({ ...valid, email: "o'brien@acme.example" })).to.equal(undefined);
  });

  it('accepts Salesforce time zones and locales', () => {
    expect(validateCreateInput({ ...valid, timeZone: 'Europe/Berlin', locale: 'de_DE', language: 'de' })).to.equal(
      undefined
    );
    expect(validateCreateInput({ ...valid, timeZone: 'GMT', locale: 'sr_Latn_RS', language: 'zh_CN' })).to.equal(
      undefined
    );
  });
});

describe('create: derived values', () => {
  it('slugs names to lower-case ASCII words', () => {
    expect(slugOf('Acme Sync (EU)')).to.equal('acme-sync-eu');
    expect(slugOf('Müller Größe')).to.equal('muller-grosse');
    expect(slugOf('数据同步')).to.equal('');
  });

  it('derives a username unique to this org from the name, the org Id and the admin domain', () => {
    expect(deriveUsername('Acme Sync', '00D000000000001EAA', 'admin@acme.example')).to.equal(
      'acme-sync.integration.00d000000000001@acme.example'
    );
    expect(deriveUsername('数据同步', '00D000000000001EAA', 'admin@acme.example')).to.equal(
      'integration.integration.00d000000000001@acme.example'
    );
    expect(
      validateCreateInput({
        ...valid,
        username: deriveUsername('A'.repeat(80), '00D000000000001EAA', 'a@acme.example'),
      })
    ).to.equal(undefined);
  });

  it('keeps a derived username within 80 characters: the name gives way to the org Id and a long admin domain', () => {
    const domain = 'acme-corporation-holdings.com.fullcopy';
    const derived = deriveUsername(
      'Acme Sync For The Northern Region Warehouses',
      '00D000000000001EAA',
      `admin@${domain}`
    );
    expect(derived).to.equal(`acme-sync-for.integration.00d000000000001@${domain}`);
    expect(derived).to.have.length(80);
    expect(validateCreateInput({ ...valid, username: derived })).to.equal(undefined);
  });

  it('derives an alias of at most 8 letters and digits', () => {
    expect(deriveAlias('Acme Sync')).to.equal('acmesync');
    expect(deriveAlias('ERP Nightly Export')).to.equal('erpnight');
    expect(deriveAlias('数据')).to.equal('intgr');
  });
});

describe('licenses: profile choice and seats', () => {
  const profile = (Name: string, license: string): SObjectRecord => ({
    Id: `00e${Name.length}`,
    Name,
    UserLicense: { Id: '100', Name: license },
  });
  const current = profile('Minimum Access - API Only Integrations', 'Salesforce Integration');
  const legacy = profile('Salesforce API Only System Integrations', 'Salesforce Integration');
  const admin = profile('System Administrator', 'Salesforce');

  it('prefers the current standard profile over the legacy one, whatever the order', () => {
    expect(chooseIntegrationProfile([legacy, current])).to.equal(current);
    expect(chooseIntegrationProfile([legacy])).to.equal(legacy);
  });

  it('takes any profile on the license when the standard names are localized', () => {
    const localized = profile('Accès minimum - Intégrations API uniquement', 'Salesforce Integration');
    expect(chooseIntegrationProfile([localized])).to.equal(localized);
  });

  it('explains an unknown or wrongly licensed --profile, listing the usable ones', () => {
    const unknown = chooseIntegrationProfile([current], 'Nope');
    expect(unknown).to.be.instanceOf(Error);
    expect((unknown as Error).name).to.equal('UnknownProfileError');
    expect((unknown as { actions: string[] }).actions[0]).to.include('"Minimum Access - API Only Integrations"');
    const wrong = chooseIntegrationProfile([current, admin], 'system administrator');
    expect((wrong as Error).name).to.equal('ProfileWrongLicenseError');
    expect((wrong as Error).message).to.equal(
      'Profile "System Administrator" is on the "Salesforce" user license, not on "Salesforce Integration", so its users would not be free integration users.'
    );
  });

  it('fails clearly when the license has no profile', () => {
    expect((chooseIntegrationProfile([admin]) as Error).name).to.equal('NoIntegrationProfileError');
  });

  it('counts free seats from TotalLicenses and UsedLicenses', () => {
    expect(seatsOf({ Id: '100', TotalLicenses: 5, UsedLicenses: 2 })).to.deep.equal({ total: 5, used: 2, free: 3 });
    expect(seatsOf({ Id: '100', TotalLicenses: 5, UsedLicenses: 4 }, 1)).to.deep.equal({ total: 5, used: 5, free: 0 });
    expect(seatsOf({ Id: '100', TotalLicenses: 1, UsedLicenses: 3 })).to.deep.equal({ total: 1, used: 3, free: 0 });
  });

  it('tells User Ids from usernames', () => {
    expect(isUserId('005000000000001AAA')).to.equal(true);
    expect(isUserId('005000000000001')).to.equal(true);
    expect(isUserId('005abc@acme.example')).to.equal(false);
    expect(isUserId('00e000000000001AAA')).to.equal(false);
  });
});

describe('org client: SOQL literals', () => {
  it('escapes quotes and backslashes', () => {
    expect(soqlQuote("O'Brien")).to.equal("'O\\'Brien'");
    expect(soqlQuote('a\\b')).to.equal("'a\\\\b'");
    expect(soqlQuote("x' OR Name != '")).to.equal("'x\\' OR Name != \\''");
    expect(soqlList(['a', "b'c"])).to.equal("('a', 'b\\'c')");
  });
});
