import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { homeLoggedInto, runHuman, runPlugin, writesSince, type CliRun } from '../helpers/plugin.js';
import { makeKeyPair } from '../helpers/keys.js';

const keys = makeKeyPair('bad-input');
const USER = 'sync@acme.example';
const PROFILE = 'Minimum Access - API Only Integrations';

/** An org where every command has something to find: an integration user with the PSL, sets, a group and both kinds of app. */
const seed: Seed = {
  records: { Account: [{ Name: 'Acme' }] },
  users: [
    {
      username: USER,
      lastName: 'Acme Sync',
      email: 'it@acme.example',
      profile: PROFILE,
      active: true,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
    },
  ],
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Sales_Ops', label: 'Sales Ops', license: 'Salesforce', objects: { Account: ['read'] } },
  ],
  permissionSetGroups: [{ name: 'Sync_Access', label: 'Sync Access', permissionSets: ['Account_Read'] }],
  externalClientApps: [
    {
      name: 'Acme_Sync',
      label: 'Acme Sync',
      consumerKey: 'ACMESYNCKEY1',
      certificate: keys.certificate,
      permittedUsers: 'AllSelfAuthorized',
      profiles: [],
      permissionSets: [],
    },
  ],
};

type Case = {
  title: string;
  args: string[] | ((files: Files) => string[]);
  name: string;
  action: RegExp;
  /** The error's message as the user reads it: it names the value and the cause. */
  message: RegExp;
  /** Refused before the org is asked anything: no request reaches the org. */
  offline?: true;
};
type Files = { empty: string; garbage: string; injectedUser: string; injectedSet: string; quotedEmail: string };

const create = (...args: string[]): string[] => ['integration-user', 'create', ...args];
const named = (...args: string[]): string[] => create('-n', 'Acme Sync', '-e', 'it@acme.example', ...args);
const psl = (...args: string[]): string[] => ['integration-user', 'assign-psl', ...args];
const grant = (...args: string[]): string[] => ['integration-user', 'grant', ...args];
const preauthorize = (...args: string[]): string[] => ['integration-user', 'preauthorize', ...args];
const verify = (...args: string[]): string[] => ['integration-user', 'verify', ...args];
const setup = (...args: string[]): string[] => ['integration-user', 'setup', ...args];
const list = (...args: string[]): string[] => ['integration-user', 'list', ...args];
const convert = (...args: string[]): string[] => ['integration-user', 'convert', ...args];
const retire = (...args: string[]): string[] => ['integration-user', 'retire', ...args];
const exportSpec = (...args: string[]): string[] => ['integration-user', 'export', ...args];
const INJECTION = "x' OR Name != '";
const LONG = 'x'.repeat(5000);

// The action a flag error names is the flag and its form; the action of a not-found is how to list or create.
const corpus: Case[] = [
  // create: every flag checked before the org is asked anything.
  {
    title: 'create: email with a quote, no domain',
    args: create('-n', "O'Brien Sync", '-e', "o'brien@"),
    name: 'InvalidEmailError',
    action: /--email it-integrations@acme\.example/,
    message: /^"o'brien@" is not a valid email address for --email\.$/,
    offline: true,
  },
  {
    title: 'create: email of 5000 characters',
    args: create('-n', 'Acme Sync', '-e', `${LONG}@acme.example`),
    name: 'InvalidEmailError',
    action: /--email/,
    message: /^"x{5000}@acme\.example" is not a valid email address for --email\.$/,
    offline: true,
  },
  {
    title: 'create: email as a SOQL injection',
    args: create('-n', 'Acme Sync', '-e', `${INJECTION}@acme.example`),
    name: 'InvalidEmailError',
    action: /--email/,
    message: /^"x' OR Name != '@acme\.example" is not a valid email address for --email\.$/,
    offline: true,
  },
  {
    title: 'create: name of spaces only',
    args: create('-n', '   ', '-e', 'it@acme.example'),
    name: 'InvalidNameError',
    action: /--name "Acme Sync"/,
    message: /^" {3}" is not a valid name: it is empty\.$/,
    offline: true,
  },
  {
    title: 'create: name of 5000 unicode characters',
    args: create('-n', 'ü'.repeat(5000), '-e', 'it@acme.example'),
    name: 'InvalidNameError',
    action: /1 to 80 characters/,
    message: /^"ü{20}\.\.\." is not a valid name: it is 5000 characters long\.$/,
    offline: true,
  },
  {
    title: "create: O'Brien with a username holding a space",
    args: named('-u', "o'brien sync@acme.example"),
    name: 'InvalidUsernameError',
    action: /--username "o'brien\.sync@acme\.example"/,
    message: /^"o'brien sync@acme\.example" is not a valid Salesforce username: it contains whitespace\.$/,
    offline: true,
  },
  {
    title: 'create: username without @',
    args: named('-u', 'acme-sync'),
    name: 'InvalidUsernameError',
    action: /--username/,
    message: /^"acme-sync" is not a valid Salesforce username: it must have the form of an email address/,
    offline: true,
  },
  {
    title: 'create: username ending in @',
    args: named('-u', "o'brien@"),
    name: 'InvalidUsernameError',
    action: /--username/,
    message: /^"o'brien@" is not a valid Salesforce username: it must have the form of an email address/,
    offline: true,
  },
  {
    title: 'create: username as a SOQL injection',
    args: named('-u', `${INJECTION}@acme.example`),
    name: 'InvalidUsernameError',
    action: /--username/,
    message: /^"x' OR Name != '@acme\.example" is not a valid Salesforce username: it contains whitespace\.$/,
    offline: true,
  },
  {
    title: 'create: username of 81 characters',
    args: named('-u', `${'ü'.repeat(68)}@acme.example`),
    name: 'InvalidUsernameError',
    action: /--username/,
    message: /^"ü{68}@acme\.example" is not a valid Salesforce username: it is 81 characters long \(at most 80\)\.$/,
    offline: true,
  },
  {
    title: 'create: alias with a quote',
    args: named('-a', "o'brien"),
    name: 'InvalidAliasError',
    action: /--alias acmesync/,
    message:
      /^"o'brien" is not a valid alias: it has characters other than letters, digits, dots, dashes and underscores\.$/,
    offline: true,
  },
  {
    title: 'create: unknown time zone',
    args: named('--time-zone', 'Mars/Olympus_Mons'),
    name: 'InvalidTimeZoneError',
    action: /Europe\/Berlin/,
    message: /^"Mars\/Olympus_Mons" is not a time zone Salesforce knows\.$/,
    offline: true,
  },
  {
    title: 'create: locale with a dash',
    args: named('--locale', 'de-DE'),
    name: 'InvalidLocaleError',
    action: /--locale a Salesforce locale key/,
    message: /^"de-DE" is not a valid value for --locale\.$/,
    offline: true,
  },
  {
    title: 'create: profile as a SOQL injection',
    args: named('--profile', INJECTION),
    name: 'UnknownProfileError',
    action: /Profiles on this license: "Minimum Access - API Only Integrations"/,
    message: /^There is no profile named "x' OR Name != '" on the "Salesforce Integration" user license\.$/,
  },
  {
    title: 'create: no --email',
    args: create('-n', 'Acme Sync'),
    name: 'InvalidFlagsError',
    action: /sf integration-user create --help/,
    message: /Missing required flag email/,
    offline: true,
  },
  {
    title: 'create: an unknown flag',
    args: named('--frobnicate'),
    name: 'InvalidFlagsError',
    action: /sf integration-user create --help/,
    message: /^Nonexistent flag: --frobnicate$/,
    offline: true,
  },
  // assign-psl: the user as given is looked up literally, escaped.
  {
    title: "assign-psl: O'Brien, who doesn't exist",
    args: psl('-u', "o'brien@acme.example"),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
    message: /^There is no user "o'brien@acme\.example" in this org\.$/,
  },
  {
    title: 'assign-psl: username as a SOQL injection',
    args: psl('-u', INJECTION),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
    message: /^There is no user "x' OR Name != '" in this org\.$/,
  },
  {
    title: 'assign-psl: username with backslashes',
    args: psl('-u', 'o\\brien\\@acme.example'),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
    message: /^There is no user "o\\brien\\@acme\.example" in this org\.$/,
  },
  {
    title: 'assign-psl: a username of 5000 characters',
    args: psl('-u', LONG),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
    message: /^There is no user "x{5000}" in this org\.$/,
  },
  // grant: the access flags are parsed before the org is asked, the names are looked up escaped.
  {
    title: 'grant: --object without access',
    args: grant('-u', USER, '--object', 'Account'),
    name: 'InvalidObjectGrantError',
    action: /--object Account:read,edit/,
    message: /^"Account" is not a valid --object value/,
    offline: true,
  },
  {
    title: 'grant: --object with an unknown access word',
    args: grant('-u', USER, '--object', 'Account:fly'),
    name: 'InvalidObjectAccessError',
    action: /read, create, edit, delete, viewall and modifyall/,
    message: /^"fly" in "Account:fly" is not an object access/,
    offline: true,
  },
  {
    title: 'grant: --object delete without its dependencies',
    args: grant('-u', USER, '--object', 'Account:delete'),
    name: 'ObjectAccessDependencyError',
    action: /--object Account:read,edit,delete/,
    message: /^Account: delete also needs read, edit\./,
    offline: true,
  },
  {
    title: 'grant: --object as a SOQL injection',
    args: grant('-u', USER, '--object', `${INJECTION}:read`),
    name: 'InvalidObjectGrantError',
    action: /--object/,
    message: /^"x' OR Name != ':read" is not a valid --object value/,
    offline: true,
  },
  {
    title: 'grant: --object with a unicode name',
    args: grant('-u', USER, '--object', 'Ünïcødé:read'),
    name: 'InvalidObjectGrantError',
    action: /--object/,
    message: /^"Ünïcødé:read" is not a valid --object value/,
    offline: true,
  },
  {
    title: 'grant: --field with edit spelled write',
    args: grant('-u', USER, '--field', 'Account.Industry:write'),
    name: 'InvalidFieldGrantError',
    action: /Object\.Field:read/,
    message: /^"Account\.Industry:write" is not a valid --field value/,
    offline: true,
  },
  {
    title: 'grant: --permission-set-name with spaces',
    args: grant('-u', USER, '--object', 'Account:read', '--permission-set-name', 'Acme Sync!'),
    name: 'InvalidPermissionSetNameError',
    action: /letters, digits and underscores/,
    message: /^"Acme Sync!" is not a valid permission set API name/,
    offline: true,
  },
  {
    title: 'grant: nothing to grant',
    args: grant('-u', USER),
    name: 'NothingToGrantError',
    action: /--permission-set/,
    message: /^Nothing to grant\.$/,
    offline: true,
  },
  {
    title: 'grant: a permission set as a SOQL injection',
    args: grant('-u', USER, '-p', INJECTION),
    name: 'GrantBlockedError',
    action: /sf data query --query "SELECT Name, Label, License\.Name FROM PermissionSet/,
    message:
      /^Nothing was granted to sync@acme\.example, because:\n- There is no permission set with the API name or label "x' OR Name != '"\.$/,
  },
  {
    title: 'grant: a group with a unicode name',
    args: grant('-u', USER, '-g', 'Sÿnc_Äccess'),
    name: 'GrantBlockedError',
    action: /FROM PermissionSetGroup/,
    message:
      /^Nothing was granted to sync@acme\.example, because:\n- There is no permission set group with the API name or label "Sÿnc_Äccess"\. Did you mean "Sync_Access"\?$/,
  },
  {
    title: "grant: O'Brien, who doesn't exist",
    args: grant('-u', "o'brien@acme.example", '-p', 'Account_Read'),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
    message: /^There is no user "o'brien@acme\.example" in this org\.$/,
  },
  {
    title: 'grant: an object the org lacks',
    args: grant('-u', USER, '--object', 'Nope__c:read'),
    name: 'GrantBlockedError',
    action: /sf sobject list/,
    message: /^Nothing was granted to sync@acme\.example, because:\n- There is no object "Nope__c" in this org\.$/,
  },
  // preauthorize: app names are API names, files are checked before anything is written.
  {
    title: 'preauthorize: app name as a SOQL injection',
    args: preauthorize('--app', INJECTION),
    name: 'InvalidAppNameError',
    action: /App Manager/,
    message: /^"x' OR Name != '" is not a valid app API name/,
    offline: true,
  },
  {
    title: 'preauthorize: an app the org lacks',
    args: preauthorize('--app', 'Acme_Synk'),
    name: 'AppNotFoundError',
    action: /--app Acme_Synk --create --certificate-file/,
    message:
      /^There is no External Client App or connected app named "Acme_Synk" in this org\. Apps with close names: Acme_Sync\.$/,
  },
  {
    title: "preauthorize: profile O'Brien",
    args: preauthorize('--app', 'Acme_Sync', '--profile', "O'Brien"),
    name: 'UnknownProfileError',
    action: /Profiles on this license/,
    message: /^There is no profile named "O'Brien" on the "Salesforce Integration" user license\.$/,
  },
  {
    title: 'preauthorize: a set on the full Salesforce license',
    args: preauthorize('--app', 'Acme_Sync', '-p', 'Sales_Ops'),
    name: 'SetLicenseDoesNotFitError',
    action: /License is "--None--"/,
    message:
      /^Permission set "Sales_Ops" has the license "Salesforce", which a user on the Salesforce Integration license can't hold/,
  },
  {
    title: 'preauthorize: --username without --permission-set',
    args: preauthorize('--app', 'Acme_Sync', '-u', USER),
    name: 'InvalidFlagsError',
    action: /sf integration-user preauthorize --help/,
    message: /All of the following must be provided when using --username: --permission-set$/,
    offline: true,
  },
  {
    title: 'preauthorize --create: a private key as the certificate',
    args: preauthorize(
      '--app',
      'New_Sync',
      '--create',
      '--certificate-file',
      keys.keyFile,
      '--contact-email',
      'it@acme.example'
    ),
    name: 'InvalidCertificateError',
    action: /openssl req -x509/,
    message: /^The certificate file ".+\/server\.key" can't be used: no PEM certificate block\.$/,
    offline: true,
  },
  {
    title: 'preauthorize --create: an empty certificate file',
    args: (f) =>
      preauthorize(
        '--app',
        'New_Sync',
        '--create',
        '--certificate-file',
        f.empty,
        '--contact-email',
        'it@acme.example'
      ),
    name: 'InvalidCertificateError',
    action: /openssl req -x509/,
    message: /^The certificate file ".+\/empty\.crt" can't be used: no PEM certificate block\.$/,
    offline: true,
  },
  {
    title: 'preauthorize --create: a certificate block of garbage',
    args: (f) =>
      preauthorize(
        '--app',
        'New_Sync',
        '--create',
        '--certificate-file',
        f.garbage,
        '--contact-email',
        'it@acme.example'
      ),
    name: 'InvalidCertificateError',
    action: /X\.509 certificate \(PEM\)/,
    message: /^The certificate file ".+\/garbage\.crt" can't be used: .*bad base64 decode/,
    offline: true,
  },
  {
    title: 'preauthorize --create: a certificate file that does not exist',
    args: preauthorize(
      '--app',
      'New_Sync',
      '--create',
      '--certificate-file',
      '/nonexistent/server.crt',
      '--contact-email',
      'it@acme.example'
    ),
    name: 'InvalidFlagsError',
    action: /sf integration-user preauthorize --help/,
    message: /^Parsing --certificate-file\s+No file found at \/nonexistent\/server\.crt$/,
    offline: true,
  },
  {
    title: 'preauthorize --create: a contact email with a quote',
    args: preauthorize(
      '--app',
      'New_Sync',
      '--create',
      '--certificate-file',
      keys.certFile,
      '--contact-email',
      "o'brien@"
    ),
    name: 'InvalidContactEmailError',
    action: /--contact-email it-integrations@acme\.example/,
    message: /^"o'brien@" is not a valid email address for --contact-email\.$/,
    offline: true,
  },
  {
    // Without a certificate a new app can still serve the client credentials flow (--run-as): one of them is needed.
    title: 'preauthorize --create: without a certificate file or --run-as',
    args: preauthorize('--app', 'New_Sync', '--create', '--contact-email', 'it@acme.example'),
    name: 'CreateNeedsCertificateOrRunAsError',
    action: /--certificate-file server\.crt for the JWT bearer flow, or --run-as <integration username>/,
    message:
      /^--create needs --certificate-file \(the JWT bearer flow\) or --run-as \(the client credentials flow\), or both\.$/,
    offline: true,
  },
  {
    title: 'preauthorize --create: the name of an existing app',
    args: preauthorize(
      '--app',
      'Acme_Sync',
      '--create',
      '--certificate-file',
      keys.certFile,
      '--contact-email',
      'it@acme.example'
    ),
    name: 'AppExistsError',
    action: /Leave --create out/,
    message: /^--create was given, but Acme_Sync already exists as an External Client App\.$/,
  },
  // verify: key files and flags.
  {
    title: 'verify: a certificate given as the private key',
    args: verify('-u', USER, '--client-id', 'ACMESYNCKEY1', '--jwt-key-file', keys.certFile),
    name: 'InvalidPrivateKeyError',
    action: /PEM private key .* not the certificate itself/,
    message:
      /^The --jwt-key-file is not a private key this command can sign with: it holds a certificate, not a private key\.$/,
    offline: true,
  },
  {
    title: 'verify: a key file that does not exist',
    args: verify('-u', USER, '--client-id', 'ACMESYNCKEY1', '--jwt-key-file', '/nonexistent/server.key'),
    name: 'InvalidFlagsError',
    action: /sf integration-user verify --help/,
    message: /^Parsing --jwt-key-file\s+No file found at \/nonexistent\/server\.key$/,
    offline: true,
  },
  {
    title: 'verify: a login URL that is no URL',
    args: verify('-u', USER, '--login-url', "not a url'"),
    name: 'InvalidFlagsError',
    action: /sf integration-user verify --help/,
    message: /^Parsing --login-url\s+Expected a valid url but received: not a url'$/,
    offline: true,
  },
  // setup: the spec file is read and checked first; its values go through the same checks as the flags.
  {
    title: 'setup: a spec file that does not exist',
    args: setup('--spec', '/nonexistent/spec.yaml'),
    name: 'InvalidFlagsError',
    action: /sf integration-user setup --help/,
    message: /^Parsing --spec\s+No file found at \/nonexistent\/spec\.yaml$/,
    offline: true,
  },
  {
    title: 'setup: a certificate given as the spec',
    args: (f) => setup('--spec', f.garbage),
    name: 'SpecInvalidError',
    action: /schemas\/setup-spec\.json/,
    message: /^The spec file ".+\/garbage\.crt" is wrong at \(top\): must be a mapping with a "users" list/,
    offline: true,
  },
  {
    title: 'setup: an empty spec file',
    args: (f) => setup('--spec', f.empty),
    name: 'SpecInvalidError',
    action: /schemas\/setup-spec\.json/,
    message: /^The spec file ".+\/empty\.crt" is wrong at \(top\): must be a mapping with a "users" list/,
    offline: true,
  },
  {
    title: 'setup: a username as a SOQL injection in the spec',
    args: (f) => setup('--spec', f.injectedUser),
    name: 'SpecInvalidError',
    action: /^in the spec, users\[0\]\.username: write a username in the form of an email address/,
    // Refused offline: a spec's values go through the flags' own checks before the org is touched.
    message:
      /^The spec file ".+\/injected-user\.yaml" is wrong at users\[0\]\.username: "x' OR Name != '@acme\.example" is not a valid Salesforce username: it contains whitespace$/,
    offline: true,
  },
  {
    title: 'setup: a permission set as a SOQL injection in the spec',
    args: (f) => setup('--spec', f.injectedSet),
    name: 'SetupBlockedError',
    action: /FROM PermissionSet/,
    message:
      /^Nothing was written, because these steps are blocked:\n- users\[0\] acme-sync\.integration\.00d\w+@emu\.example, grant: Nothing was granted to acme-sync\.integration\.00d\w+@emu\.example, because:\n- There is no permission set with the API name or label "x' OR Name != '"\.$/,
  },
  {
    title: 'setup: an email with a quote in the spec',
    args: (f) => setup('--spec', f.quotedEmail),
    name: 'SpecInvalidError',
    action: /^in the spec, users\[0\]\.email: write an address the admin team controls, for example email: /,
    // Refused offline, in the spec's terms: the place in the spec, never --email, which the user didn't type.
    message:
      /^The spec file ".+\/quoted-email\.yaml" is wrong at users\[0\]\.email: "o'brien@" is not a valid email address$/,
    offline: true,
  },
  {
    title: 'setup: --prune with --check (a check writes nothing; prune removes)',
    args: (f) => setup('--spec', f.quotedEmail, '--prune', '--check'),
    name: 'InvalidFlagsError',
    action: /sf integration-user setup --help/,
    message: /^The following error occurred:\n\s+--check=true cannot also be provided when using --prune$/,
    offline: true,
  },
  // list and convert.
  {
    title: 'list: a negative price',
    args: list('--candidates', '--price', '-5'),
    name: 'InvalidFlagsError',
    action: /sf integration-user list --help/,
    message: /^Parsing --price\s+Expected an integer greater than or equal to 0 but received: -5$/,
    offline: true,
  },
  {
    title: 'list: a price that is no number',
    args: list('--candidates', '--price', "150'"),
    name: 'InvalidFlagsError',
    action: /sf integration-user list --help/,
    message: /^Parsing --price\s+Expected an integer but received: 150'$/,
    offline: true,
  },
  {
    title: 'list: a window of 0 days',
    args: list('--candidates', '--days', '0'),
    name: 'InvalidFlagsError',
    action: /sf integration-user list --help/,
    message: /^Parsing --days\s+Expected an integer greater than or equal to 1 but received: 0$/,
    offline: true,
  },
  {
    title: 'list: a window longer than the 180 days LoginHistory keeps',
    args: list('--candidates', '--days', '365'),
    name: 'InvalidFlagsError',
    action: /sf integration-user list --help/,
    message: /^Parsing --days\s+Expected an integer less than or equal to 180 but received: 365$/,
    offline: true,
  },
  {
    title: 'list: a window that is no number',
    args: list('--candidates', '--days', '90d'),
    name: 'InvalidFlagsError',
    action: /sf integration-user list --help/,
    message: /^Parsing --days\s+Expected an integer but received: 90d$/,
    offline: true,
  },
  {
    title: "convert: O'Brien, who doesn't exist",
    args: convert('-u', "o'brien@acme.example"),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
    message: /^There is no user "o'brien@acme\.example" in this org\.$/,
  },
  {
    title: 'convert: username as a SOQL injection',
    args: convert('-u', INJECTION, '--dry-run'),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
    message: /^There is no user "x' OR Name != '" in this org\.$/,
  },
  // retire: the flags' forms offline; a user that isn't there, whatever its quotes, from the org.
  {
    title: 'retire: no --username',
    args: retire('--dry-run'),
    name: 'InvalidFlagsError',
    action: /sf integration-user retire --help/,
    message: /Missing required flag username/,
    offline: true,
  },
  {
    title: 'retire: a negative --recent-days',
    args: retire('-u', USER, '--recent-days', '-1'),
    name: 'InvalidFlagsError',
    action: /sf integration-user retire --help/,
    message: /^Parsing --recent-days\s+Expected an integer greater than or equal to 0 but received: -1$/,
    offline: true,
  },
  {
    title: 'retire: --recent-days that is no number',
    args: retire('-u', USER, '--recent-days', "7'"),
    name: 'InvalidFlagsError',
    action: /sf integration-user retire --help/,
    message: /^Parsing --recent-days\s+Expected an integer but received: 7'$/,
    offline: true,
  },
  {
    title: 'retire: --keep-assignments with --delete-generated-set',
    args: retire('-u', USER, '--keep-assignments', '--delete-generated-set'),
    name: 'InvalidFlagsError',
    action: /sf integration-user retire --help/,
    message: /--keep-assignments|--delete-generated-set/,
    offline: true,
  },
  {
    title: "retire: O'Brien, who doesn't exist",
    args: retire('-u', "o'brien@acme.example"),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
    message: /^There is no user "o'brien@acme\.example" in this org\.$/,
  },
  {
    title: 'retire: username as a SOQL injection',
    args: retire('-u', INJECTION, '--dry-run'),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
    message: /^There is no user "x' OR Name != '" in this org\.$/,
  },
  // export: users that aren't there, by name or as SOQL.
  {
    title: "export: O'Brien, who doesn't exist",
    args: exportSpec('-u', USER, '-u', "o'brien@acme.example"),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
    message: /^There is no user "o'brien@acme\.example" in this org\.$/,
  },
  {
    title: 'export: username as a SOQL injection',
    args: exportSpec('-u', INJECTION),
    name: 'UserNotFoundError',
    action: /sf integration-user create/,
    message: /^There is no user "x' OR Name != '" in this org\.$/,
  },
  // Every command: the org as given.
  {
    title: 'an unknown target org',
    args: ['integration-user', 'assign-psl', '-u', USER, '-o', "nope'org"],
    name: 'NamedOrgNotFoundError',
    action: /Did you mean "emu"\?/,
    message: /^Parsing --target-org\s+No authorization information found for nope'org\./,
    offline: true,
  },
];

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

describe('bad input: each malformed value exits non-zero with a named error and its fix, no stack trace, nothing written', function () {
  // 116 bin/run.js processes: about 3 minutes on two idle cores.
  this.timeout(600_000);
  let emulator: Emulator;
  let home: string;
  let files: Files;
  after(() => emulator?.stop());

  before(async () => {
    emulator = await startEmulator({ seed });
    home = await homeLoggedInto(emulator);
    const dir = await mkdtemp(path.join(tmpdir(), 'piu-bad-input-'));
    files = {
      empty: path.join(dir, 'empty.crt'),
      garbage: path.join(dir, 'garbage.crt'),
      injectedUser: '',
      injectedSet: '',
      quotedEmail: '',
    };
    await writeFile(files.empty, '');
    await writeFile(files.garbage, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    const spec = async (name: string, user: string): Promise<string> => {
      const file = path.join(dir, name);
      await writeFile(file, `users:\n  - name: Acme Sync\n${user}`);
      return file;
    };
    files.injectedUser = await spec(
      'injected-user.yaml',
      `    email: it@acme.example\n    username: "${INJECTION}@acme.example"\n`
    );
    files.injectedSet = await spec(
      'injected-set.yaml',
      `    email: it@acme.example\n    permissionSets: ["${INJECTION}"]\n`
    );
    files.quotedEmail = await spec('quoted-email.yaml', `    email: "o'brien@"\n`);
    // sf asks a fresh login's org for its API versions once (GET /services/data) and keeps the answer: asked
    // here, so that the inputs refused offline ask the org nothing at all.
    await runPlugin(list('-o', 'emu'), home);
  });

  it(`the corpus has at least 40 inputs across the ten commands (${corpus.length})`, () => {
    expect(corpus.length).to.be.at.least(40);
    // Most are refused before the org is asked: the flags' forms, the files, the spec's shape.
    expect(corpus.filter((c) => c.offline)).to.have.length(50);
    const commands = new Set(corpus.map((c) => (typeof c.args === 'function' ? c.args(files) : c.args)[1]));
    expect([...commands].sort()).to.deep.equal([
      'assign-psl',
      'convert',
      'create',
      'export',
      'grant',
      'list',
      'preauthorize',
      'retire',
      'setup',
      'verify',
    ]);
  });

  it('every input, as --json and as a person reads it', async () => {
    const problems: string[] = [];
    let humanRuns = 0;
    const check = async (c: Case, index: number): Promise<void> => {
      const args = typeof c.args === 'function' ? c.args(files) : c.args;
      const withOrg = args.includes('-o') ? args : [...args, '-o', 'emu'];
      const before = emulator.requests.length;
      const say = (what: string): number => problems.push(`${c.title}: ${what}`);
      const json = await runPlugin(withOrg, home).catch(
        (error: Error) => ({ exitCode: -1, stdout: error.message, stderr: '', json: {} }) as CliRun
      );
      const { name, message = '', actions } = json.json;
      if (json.exitCode === 0 || json.json.status === 0) say(`exit code ${json.exitCode}`);
      if (name !== c.name) say(`named ${String(name)}, not ${c.name}: ${message}`);
      if (!c.message.test(message)) say(`message ${JSON.stringify(message)} doesn't match ${String(c.message)}`);
      if (!actions?.some((a) => c.action.test(a)))
        say(`actions ${JSON.stringify(actions)} don't match ${String(c.action)}`);
      if (STACK_FRAME.test(message) || STACK_FRAME.test(json.stderr))
        say(`a stack trace in the message or on stderr: ${message}\n${json.stderr}`);
      // Every fourth input also as a person types it: the same error, its fix, and no stack trace on the terminal.
      if (index % 4 === 0) {
        humanRuns++;
        const human = await runHuman(withOrg, home);
        if (human.exitCode !== json.exitCode) say(`exits ${human.exitCode} without --json, ${json.exitCode} with it`);
        if (!human.stderr.includes(`Error (${c.name}): `)) say(`stderr doesn't name the error: ${human.stderr}`);
        if (!human.stderr.includes('Try this:')) say(`stderr names no fix: ${human.stderr}`);
        if (STACK_FRAME.test(human.stderr) || STACK_FRAME.test(human.stdout))
          say(`a stack trace on the terminal: ${human.stderr}`);
      }
      // Other inputs' requests may land in between; none of them may write either.
      if (writesSince(emulator, before) !== 0) say('something was written');
    };
    // Four inputs at a time, on two cores. The inputs refused before the org is asked go in batches of their
    // own: across such a batch the org's request log doesn't grow.
    const numbered = corpus.map((c, index) => ({ c, index }));
    for (const offline of [true, false]) {
      const group = numbered.filter(({ c }) => Boolean(c.offline) === offline);
      for (let start = 0; start < group.length; start += 4) {
        const batch = group.slice(start, start + 4);
        const before = emulator.requests.length;
        await Promise.all(batch.map(({ c, index }) => check(c, index)));
        const asked = emulator.requests.slice(before).map((r) => `${r.method} ${r.path}`);
        if (offline && asked.length)
          problems.push(`${batch.map(({ c }) => c.title).join(' / ')}: asked the org ${asked.join(', ')}`);
      }
    }
    expect(humanRuns).to.equal(Math.ceil(corpus.length / 4));
    expect(problems, problems.join('\n')).to.deep.equal([]);
    expect(emulator.requests.reduce((sum, r) => sum + r.writes, 0)).to.equal(0);
    // The injection reached the org as one escaped literal, not as SOQL.
    const soql = emulator.requests.flatMap((r) => [r.soql ?? []].flat());
    expect(soql.filter((q) => q.includes("Username = 'x\\' OR Name != \\''"))).to.have.length.at.least(2);
  });
});
