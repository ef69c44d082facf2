import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import type { SeedConnectedApp, SeedExternalClientApp } from '../emulator/seeds/types.js';
import { homeLoggedInto, runHuman, runPlugin, writesSince } from '../helpers/plugin.js';
import { makeKeyPairValid, type KeyPair } from '../helpers/keys.js';
import { withoutStress } from '../helpers/stress.js';

// The certificate a JWT login depends on, through bin/run.js: verify's certificate check (expiry, the key against it)
// and list's certificates of the apps the integration users' rows name.

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = "o'brien.sync@acme.example";
const DAY = 86_400_000;
const now = Date.now();
const yesterday = new Date(now - DAY);
// Half a day past whole days: the days left read the same however long the run takes.
const expiring = makeKeyPairValid(new Date(now - 300 * DAY), new Date(now + 10.5 * DAY), 'acme-sync');
const expired = makeKeyPairValid(new Date(now - 400 * DAY), new Date(now - 5.5 * DAY), "ledger-feed O'Brien");
const valid = makeKeyPairValid(yesterday, new Date(now + 730 * DAY), 'billing-export');
const ecaKeys = makeKeyPairValid(yesterday, new Date(now + 730 * DAY), 'metrics-feed');

/** The day a certificate expires, as verify and list name it. */
const expiryOf = (keys: KeyPair): string => new Date(new X509Certificate(keys.certificate).validTo).toISOString();
const day = (keys: KeyPair): string => expiryOf(keys).slice(0, 10);

const connectedApp = (name: string, label: string, consumerKey: string, keys?: KeyPair): SeedConnectedApp => ({
  name,
  label,
  consumerKey,
  ...(keys ? { certificate: keys.certificate } : {}),
  adminApproved: true,
  profiles: [PROFILE],
  permissionSets: [],
});
const eca = (name: string, label: string, consumerKey: string, keys?: KeyPair): SeedExternalClientApp => ({
  name,
  label,
  consumerKey,
  ...(keys ? { certificate: keys.certificate } : {}),
  permittedUsers: 'AdminApprovedPreAuthorized',
  profiles: [PROFILE],
  permissionSets: [],
});

const seed: Seed = {
  records: { Account: [{ Name: 'Acme' }, { Name: "O'Brien Hardware" }] },
  users: [
    {
      username: 'admin@emu.example',
      lastName: 'Admin',
      email: 'admin@emu.example',
      profile: 'System Administrator',
      active: true,
    },
    {
      username: USER,
      lastName: "O'Brien Sync",
      email: 'it@acme.example',
      profile: PROFILE,
      active: true,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
      permissionSets: ['Account_Read'],
    },
  ],
  permissionSets: [{ name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } }],
  connectedApps: [
    connectedApp('Acme_Sync', 'Acme Sync', 'ACMESYNCKEY1', expiring),
    connectedApp('Ledger_Feed', "O'Brien's Ledger Feed", 'LEDGERFEEDKEY1', expired),
    connectedApp('Billing_Export', 'Billing Export', 'BILLINGEXPORTKEY1', valid),
    connectedApp('Old_Portal', 'Old Portal (retired)', 'OLDPORTALKEY1'),
  ],
  externalClientApps: [
    eca('Metrics_Feed', 'Metrics Feed', 'METRICSFEEDKEY1', ecaKeys),
    eca('Metrics_Draft', 'Metrics Draft', 'METRICSDRAFTKEY1'),
  ],
};

type Check = { name: string; status: string; message: string; action?: string };
// Setup lists apps by label: the paths name the label.
const connectedAppWhere = (app: string): string =>
  `Setup > App Manager > ${app} > Edit > API (Enable OAuth Settings) > Use digital signatures`;
const ecaWhere = (app: string): string =>
  `Setup > External Client Apps > External Client App Manager > ${app} > Settings > OAuth Settings > Flow Enablement > JWT Bearer Flow`;
const renew = (where: string): string =>
  `Make a new key and certificate (openssl req -x509 -newkey rsa:2048 -nodes -keyout server.key -out server.crt -days 365 -subj "/CN=integration"), upload server.crt in ${where}, and sign the JWT with server.key.`;
const keyMatches = 'The private key in --jwt-key-file matches it.';

describe('certificates: verify checks the app certificate the JWT login depends on, list shows when each expires', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let home: string;
  const verify = (app: string, clientId: string, keys: KeyPair, ...extra: string[]): ReturnType<typeof runPlugin> =>
    runPlugin(
      [
        'integration-user',
        'verify',
        '-u',
        USER,
        '--app',
        app,
        '--client-id',
        clientId,
        '--jwt-key-file',
        keys.keyFile,
        '--login-url',
        emulator.instanceUrl,
        ...extra,
        '-o',
        'emu',
      ],
      home
    );
  const checks = (run: { json: { result?: Record<string, unknown> } }): Check[] => run.json.result?.checks as Check[];
  const statuses = (run: { json: { result?: Record<string, unknown> } }): string[] =>
    checks(run).map((c) => `${c.name}:${c.status}`);
  const certificateCheck = (run: { json: { result?: Record<string, unknown> } }): Check | undefined =>
    checks(run).find((c) => c.name === 'certificate');
  // What a run asked, in order (sf's look-up of the API versions, GET /services/data, left out).
  const operations = (from: number): string[] =>
    emulator.requests
      .slice(from)
      .filter((r) => r.path !== '/services/data')
      .map((r) => r.soapOperation ?? r.path.replace(/v[\d.]+/, 'vXX'));
  const tokenRequests = (from: number): number =>
    emulator.requests.slice(from).filter((r) => r.path === '/services/oauth2/token').length;

  // Requests are counted at Salesforce's own page size (the stress run's 3-record pages add next-page reads).
  before(async () => {
    emulator = await withoutStress(() => startEmulator({ seed }));
    home = await homeLoggedInto(emulator);
  });
  after(() => emulator?.stop());

  it('a certificate expiring in 10 days: a warning with the days and the date, the key matches, the login runs; exit 0', async () => {
    const before = emulator.requests.length;
    const run = await verify('Acme_Sync', 'ACMESYNCKEY1', expiring);
    expect(run.exitCode).to.equal(0);
    expect(statuses(run)).to.deep.equal([
      'user:pass',
      'license:pass',
      'permission-set-license:pass',
      'permission-sets:pass',
      'access:pass',
      'app:pass',
      'certificate:warn',
      'jwt-login:pass',
      'query:pass',
      'identity:pass',
    ]);
    expect(certificateCheck(run)).to.deep.equal({
      name: 'certificate',
      status: 'warn',
      message: `The certificate of Acme_Sync (CN=acme-sync) expires in 10 days, on ${day(expiring)}. ${keyMatches}`,
      action: renew(connectedAppWhere('Acme Sync')),
    });
    // No request for the certificate: it came with the app's readMetadata, beside the one inspection.
    expect(operations(before).sort()).to.deep.equal([
      '/services/data/vXX/composite/batch',
      '/services/data/vXX/query',
      '/services/oauth2/token',
      'readMetadata',
    ]);
    expect(writesSince(emulator, before)).to.equal(0);
  });

  it('an expired certificate: the check fails naming the date and how to renew it; exit 1', async () => {
    const run = await verify('Ledger_Feed', 'LEDGERFEEDKEY1', expired);
    expect(run.exitCode).to.equal(1);
    expect(certificateCheck(run)).to.deep.equal({
      name: 'certificate',
      status: 'fail',
      message: `The certificate of Ledger_Feed (CN=ledger-feed O'Brien) expired on ${day(expired)}: the JWT bearer login depends on it. ${keyMatches}`,
      action: renew(connectedAppWhere("O'Brien's Ledger Feed")),
    });
    // Whether Salesforce refuses a JWT signed for an expired certificate isn't published: the emulator doesn't, and
    // verify fails on the certificate whatever the login says.
    expect(statuses(run).slice(6)).to.deep.equal(['certificate:fail', 'jwt-login:pass', 'query:pass', 'identity:pass']);
  });

  for (const dryRun of [false, true]) {
    it(`${dryRun ? '--dry-run: ' : ''}a key that isn't the certificate's: the check fails naming the certificate, the login isn't tried (no token request); exit 1`, async () => {
      const before = emulator.requests.length;
      const logins = emulator.query('SELECT Id FROM LoginHistory').length;
      const run = await verify('Billing_Export', 'BILLINGEXPORTKEY1', expiring, ...(dryRun ? ['--dry-run'] : []));
      expect(run.exitCode).to.equal(1);
      expect(checks(run).slice(6)).to.deep.equal([
        {
          name: 'certificate',
          status: 'fail',
          message: `The private key in --jwt-key-file doesn't match the certificate of Billing_Export (CN=billing-export, expires ${day(valid)}).`,
          action: `Pass the private key of the certificate uploaded to the app with --jwt-key-file, or upload this key's certificate in ${connectedAppWhere('Billing Export')}.`,
        },
        {
          name: 'jwt-login',
          status: 'skip',
          message:
            "Not tried: the private key doesn't match the app's certificate, and a refused login would only leave a failed entry in the login history.",
        },
        { name: 'query', status: 'skip', message: 'No session as the user.' },
        { name: 'identity', status: 'skip', message: 'No session as the user.' },
      ]);
      expect(tokenRequests(before)).to.equal(0);
      expect(emulator.query('SELECT Id FROM LoginHistory')).to.have.length(logins);
    });
  }

  it('a valid certificate and its key: pass, valid until the date, the key matches', async () => {
    const run = await verify('Billing_Export', 'BILLINGEXPORTKEY1', valid);
    expect(run.exitCode).to.equal(0);
    expect(certificateCheck(run)).to.deep.equal({
      name: 'certificate',
      status: 'pass',
      message: `The certificate of Billing_Export (CN=billing-export) is valid until ${day(valid)}. ${keyMatches}`,
    });
  });

  it('a connected app without a certificate: a warning without a key (the app may serve other flows); with one, a failure and no login tried', async () => {
    const noCertificate = {
      name: 'certificate',
      message:
        'Old_Portal has no certificate: the JWT bearer flow checks the JWT\'s signature against the certificate uploaded to the app ("Use digital signatures").',
      action: renew(connectedAppWhere('Old Portal (retired)')),
    };
    const orgOnly = await runPlugin(
      ['integration-user', 'verify', '-u', USER, '--app', 'Old_Portal', '-o', 'emu'],
      home
    );
    expect(orgOnly.exitCode).to.equal(0);
    expect(certificateCheck(orgOnly)).to.deep.equal({ ...noCertificate, status: 'warn' });

    const before = emulator.requests.length;
    const withKey = await verify('Old_Portal', 'OLDPORTALKEY1', valid);
    expect(withKey.exitCode).to.equal(1);
    expect(checks(withKey).slice(6, 8)).to.deep.equal([
      { ...noCertificate, status: 'fail' },
      {
        name: 'jwt-login',
        status: 'skip',
        message:
          "Not tried: the app has no certificate to check the JWT's signature against, and a refused login would only leave a failed entry in the login history.",
      },
    ]);
    expect(tokenRequests(before)).to.equal(0);
  });

  for (const secretsInMetadata of [false, true]) {
    it(`External Client Apps, ecaConsumerSecretsInMetadata ${String(secretsInMetadata)}: the certificate from the retrieve verify already makes; a missing one is ${secretsInMetadata ? '"none" (the org shows everything)' : 'unreadable (the org may hide it)'}`, async () => {
      emulator.setBehaviour({ ecaConsumerSecretsInMetadata: secretsInMetadata });
      const before = emulator.requests.length;
      const withCertificate = await verify('Metrics_Feed', 'METRICSFEEDKEY1', ecaKeys);
      expect(withCertificate.exitCode).to.equal(0);
      expect(certificateCheck(withCertificate)).to.deep.equal({
        name: 'certificate',
        status: 'pass',
        message: `The certificate of Metrics_Feed (CN=metrics-feed) is valid until ${day(ecaKeys)}. ${keyMatches}`,
      });
      // One inspection, the readMetadata that finds no connected app, the one retrieve: then the login and the query.
      const asked = operations(before);
      expect(asked.slice(0, 2).sort()).to.deep.equal(['/services/data/vXX/composite/batch', 'readMetadata']);
      expect(asked.slice(2)).to.deep.equal([
        'retrieve',
        'checkRetrieveStatus',
        '/services/oauth2/token',
        '/services/data/vXX/query',
      ]);

      const draft = await runPlugin(
        ['integration-user', 'verify', '-u', USER, '--app', 'Metrics_Draft', '-o', 'emu'],
        home
      );
      expect(certificateCheck(draft)).to.deep.equal(
        secretsInMetadata
          ? {
              name: 'certificate',
              status: 'warn',
              message:
                'Metrics_Draft has no certificate: the JWT bearer flow checks the JWT\'s signature against the certificate uploaded to the app ("Use digital signatures").',
              action: renew(ecaWhere('Metrics Draft')),
            }
          : {
              name: 'certificate',
              status: 'skip',
              message: `The org doesn't show the certificate of Metrics_Draft through the Metadata API, so its expiry wasn't checked. See ${ecaWhere('Metrics Draft')}, or turn on "Allow Access to OAuth Consumer Secrets via Metadata API" (Setup > External Client Apps > Settings) and run verify again.`,
            }
      );
      expect(draft.exitCode).to.equal(0);
    });
  }

  it('list: each app that pre-authorizes the user with its certificate expiry (JSON), and a warning a person reads for the expiring and expired ones', async () => {
    emulator.setBehaviour({ ecaConsumerSecretsInMetadata: false });
    const before = emulator.requests.length;
    const run = await runPlugin(['integration-user', 'list', '-o', 'emu'], home);
    expect(run.exitCode).to.equal(0);
    const daysLeft = (keys: KeyPair): number => Math.floor((Date.parse(expiryOf(keys)) - Date.now()) / DAY);
    expect(run.json.result?.certificates).to.deep.equal([
      {
        app: 'Acme_Sync',
        appType: 'ConnectedApp',
        certificate: { status: 'expiring', expires: expiryOf(expiring), daysLeft: 10, subject: 'acme-sync' },
      },
      {
        app: 'Billing_Export',
        appType: 'ConnectedApp',
        certificate: { status: 'ok', expires: expiryOf(valid), daysLeft: daysLeft(valid), subject: 'billing-export' },
      },
      {
        app: 'Ledger_Feed',
        appType: 'ConnectedApp',
        certificate: { status: 'expired', expires: expiryOf(expired), daysLeft: -6, subject: "ledger-feed O'Brien" },
      },
      { app: 'Metrics_Draft', appType: 'ExternalClientApplication', certificate: { status: 'unreadable' } },
      {
        app: 'Metrics_Feed',
        appType: 'ExternalClientApplication',
        certificate: { status: 'ok', expires: expiryOf(ecaKeys), daysLeft: daysLeft(ecaKeys), subject: 'metrics-feed' },
      },
      { app: 'Old_Portal', appType: 'ConnectedApp', certificate: { status: 'none' } },
    ]);
    const expiredWarning = `The certificate of Ledger_Feed (CN=ledger-feed O'Brien) expired on ${day(expired)}: JWT bearer logins through it depend on it. Upload a new one (verify --app Ledger_Feed names where).`;
    const expiringWarning = `The certificate of Acme_Sync (CN=acme-sync) expires in 10 days, on ${day(expiring)}: upload a new one before then (verify --app Acme_Sync names where).`;
    expect(run.json.warnings).to.deep.equal([expiringWarning, expiredWarning]);
    // The certificates came with the one retrieve list already makes: the same requests as without them.
    expect(operations(before).sort()).to.deep.equal([
      '/services/data/vXX/composite/batch',
      'checkRetrieveStatus',
      'listMetadata',
      'retrieve',
    ]);

    const human = await runHuman(['integration-user', 'list', '-o', 'emu'], home);
    expect(human.exitCode).to.equal(0);
    const warnings = human.stderr
      .split('\n')
      .filter((line) => line.startsWith('Warning: '))
      .map((line) => line.slice('Warning: '.length));
    expect(warnings).to.deep.equal([expiringWarning, expiredWarning]);
  });
});
