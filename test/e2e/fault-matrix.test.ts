import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import IntegrationUserAssignPsl from '../../src/commands/integration-user/assign-psl.js';
import IntegrationUserCreate from '../../src/commands/integration-user/create.js';
import IntegrationUserExport from '../../src/commands/integration-user/export.js';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import IntegrationUserPreauthorize from '../../src/commands/integration-user/preauthorize.js';
import IntegrationUserRetire from '../../src/commands/integration-user/retire.js';
import IntegrationUserSetup from '../../src/commands/integration-user/setup.js';
import IntegrationUserVerify from '../../src/commands/integration-user/verify.js';
import type { Emulator, Fault, Seed } from '../emulator/index.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { makeKeyPair, makeKeyPairValid } from '../helpers/keys.js';
import { retrieveFiles } from '../helpers/metadata.js';

const keys = makeKeyPair('fault-matrix');
/** A key whose certificate expired five days ago. */
const expiredKeys = makeKeyPairValid(
  new Date(Date.now() - 400 * 86_400_000),
  new Date(Date.now() - 5 * 86_400_000),
  'expired'
);
const USER = 'sync@acme.example';
const PROFILE = 'Minimum Access - API Only Integrations';

type Command = Parameters<EmulatedOrgContext['run']>[0];
type Scenario = {
  title: string;
  command: Command;
  seed: Seed;
  argv: (emulator: Emulator) => string[];
  /** What the fault-free run must have done besides exiting 0 (a check a skip would also pass). */
  cleanRun?: (emulator: Emulator) => unknown;
  /**
   * The fault-free run's exit code when it isn't 0: verify with a check that fails (exit 1). A faulted run then
   * completes when it ends with the same checks (names and statuses) and exit code.
   */
  exitCode?: 1;
};

function seed(user: { psl?: boolean; sets?: string[] } | undefined, ecaApproved = false): Seed {
  return {
    records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
    users: user
      ? [
          {
            username: USER,
            lastName: 'Acme Sync',
            email: 'it@acme.example',
            profile: PROFILE,
            active: true,
            permissionSetLicenses: user.psl ? ['SalesforceAPIIntegrationPsl'] : [],
            permissionSets: user.sets ?? [],
          },
        ]
      : [],
    permissionSets: [
      { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
      { name: 'Invoice_Access', label: 'Invoice Access', license: null, objects: { Invoice__c: ['read'] } },
      { name: 'Acme_Sync_Access', label: 'Acme Sync Access', license: null, objects: { Account: ['read'] } },
    ],
    permissionSetGroups: [{ name: 'Sync_Access', label: 'Sync Access', permissionSets: ['Invoice_Access'] }],
    externalClientApps: [
      {
        name: 'Acme_Sync',
        label: 'Acme Sync',
        consumerKey: 'ACMESYNCKEY1',
        certificate: keys.certificate,
        permittedUsers: ecaApproved ? 'AdminApprovedPreAuthorized' : 'AllSelfAuthorized',
        profiles: ecaApproved ? [PROFILE] : [],
        permissionSets: [],
      },
    ],
    connectedApps: [
      {
        name: 'Legacy_Sync',
        label: 'Legacy Sync',
        consumerKey: 'LEGACYSYNCKEY1',
        certificate: keys.certificate,
        adminApproved: false,
        profiles: [],
        permissionSets: [],
      },
    ],
  };
}

/** A setup spec for the user with every step: a named set, a generated set, the app, and the JWT verify. */
function setupSpec(emulator: Emulator, app: string, preauthorize: 'profile' | 'permission-set'): string[] {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'piu-fault-spec-')), 'spec.json');
  const clientId = app === 'Acme_Sync' ? 'ACMESYNCKEY1' : 'READYSYNCKEY1';
  const user = {
    name: 'Acme Sync',
    email: 'it@acme.example',
    username: USER,
    permissionSets: ['Account_Read'],
    objects: ['Account:read,edit'],
    app: { name: app, preauthorize },
  };
  writeFileSync(
    file,
    JSON.stringify({
      users: [{ ...user, verify: { clientId, jwtKeyFile: keys.keyFile, loginUrl: emulator.instanceUrl } }],
    })
  );
  return ['--spec', file, '--no-prompt'];
}

/** An org whose connected app is admin-approved already: pre-authorization goes through SetupEntityAccess. */
const readyApp = (
  user?: { psl?: boolean; sets?: string[] },
  profiles: string[] = [],
  certificate = keys.certificate
): Seed => ({
  ...seed(user),
  connectedApps: [
    {
      name: 'Ready_Sync',
      label: 'Ready Sync',
      consumerKey: 'READYSYNCKEY1',
      certificate,
      adminApproved: true,
      profiles,
      permissionSets: [],
    },
  ],
});

const CC_SECRET = 'ECASECRET0001';
/** The user set up, and Acme_Sync admin-approved with the client credentials flow running as it. */
const ccSeed = (): Seed => {
  const base = seed({ psl: true, sets: ['Account_Read'] }, true);
  const [eca] = base.externalClientApps ?? [];
  return { ...base, externalClientApps: [{ ...eca, consumerSecret: CC_SECRET, runAs: USER }] };
};

/**
 * setup with the client credentials flow: the user created, Acme_Sync pre-authorizing it by a permission set and
 * running as it (app.runAs), then verify logging in with the consumer secret from the environment.
 */
function ccSetupSpec(): string[] {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'piu-fault-spec-')), 'spec.json');
  const user = {
    name: 'Acme Sync',
    email: 'it@acme.example',
    username: USER,
    permissionSets: ['Account_Read'],
    app: { name: 'Acme_Sync', preauthorize: 'permission-set', runAs: true },
    verify: { flow: 'client-credentials', clientId: 'ACMESYNCKEY1', clientSecretEnv: 'FAULT_MATRIX_CC_SECRET' },
  };
  writeFileSync(file, JSON.stringify({ users: [user] }));
  process.env.FAULT_MATRIX_CC_SECRET = CC_SECRET;
  return ['--spec', file, '--no-prompt'];
}

const scenarios: Scenario[] = [
  {
    title: 'create',
    command: IntegrationUserCreate,
    seed: seed(undefined),
    argv: () => ['-n', 'Acme Sync', '-e', 'it@acme.example', '-u', USER],
  },
  { title: 'assign-psl', command: IntegrationUserAssignPsl, seed: seed({}), argv: () => ['-u', USER] },
  {
    title: 'grant',
    command: IntegrationUserGrant,
    seed: seed({ psl: true }),
    argv: () => [
      '-u',
      USER,
      '-p',
      'Account_Read',
      '-g',
      'Sync_Access',
      '--object',
      'Account:read,edit',
      '--field',
      'Account.Industry:read',
    ],
  },
  {
    title: 'preauthorize (External Client App)',
    command: IntegrationUserPreauthorize,
    seed: seed({ psl: true }),
    argv: () => ['--app', 'Acme_Sync', '-p', 'Acme_Sync_Access', '-u', USER],
  },
  {
    title: 'preauthorize (connected app)',
    command: IntegrationUserPreauthorize,
    seed: seed({ psl: true }),
    argv: () => ['--app', 'Legacy_Sync', '-p', 'Acme_Sync_Access', '-u', USER],
  },
  {
    title: 'preauthorize --create',
    command: IntegrationUserPreauthorize,
    // An org that takes the OAuth settings without the Metadata API secrets setting (its secret stays out of retrieves).
    seed: { ...seed({ psl: true }), behaviour: { ecaOauthSettingsDeploy: 'allow' } },
    argv: () => [
      '--app',
      'New_Sync',
      '--create',
      '--certificate-file',
      keys.certFile,
      '--contact-email',
      'it@acme.example',
      '-p',
      'Acme_Sync_Access',
      '-u',
      USER,
    ],
  },
  {
    title: 'verify',
    command: IntegrationUserVerify,
    seed: seed({ psl: true, sets: ['Account_Read'] }, true),
    argv: (emulator) => [
      '-u',
      USER,
      '--app',
      'Acme_Sync',
      '--client-id',
      'ACMESYNCKEY1',
      '--jwt-key-file',
      keys.keyFile,
      '--login-url',
      emulator.instanceUrl,
    ],
  },
  {
    title: 'verify (expired certificate: the certificate check fails, the rest passes, exit 1)',
    command: IntegrationUserVerify,
    seed: readyApp({ psl: true, sets: ['Account_Read'] }, [PROFILE], expiredKeys.certificate),
    argv: (emulator) => [
      '-u',
      USER,
      '--app',
      'Ready_Sync',
      '--client-id',
      'READYSYNCKEY1',
      '--jwt-key-file',
      expiredKeys.keyFile,
      '--login-url',
      emulator.instanceUrl,
    ],
    exitCode: 1,
  },
  {
    title: "verify (a key that isn't the certificate's: the certificate check fails, no login tried, exit 1)",
    command: IntegrationUserVerify,
    seed: readyApp({ psl: true, sets: ['Account_Read'] }, [PROFILE]),
    argv: (emulator) => [
      '-u',
      USER,
      '--app',
      'Ready_Sync',
      '--client-id',
      'READYSYNCKEY1',
      '--jwt-key-file',
      expiredKeys.keyFile,
      '--login-url',
      emulator.instanceUrl,
    ],
    exitCode: 1,
    cleanRun: (emulator) =>
      expect(emulator.requests.filter((r) => r.path === '/services/oauth2/token')).to.deep.equal([]),
  },
  {
    title: 'preauthorize --run-as (External Client App, client credentials flow)',
    command: IntegrationUserPreauthorize,
    // An org that takes the global OAuth settings, so the flow's two switches go in one deploy.
    seed: { ...seed({ psl: true }), behaviour: { ecaOauthSettingsDeploy: 'allow' } },
    argv: () => ['--app', 'Acme_Sync', '--run-as', USER, '-p', 'Acme_Sync_Access'],
  },
  {
    title: 'verify --flow client-credentials',
    command: IntegrationUserVerify,
    seed: ccSeed(),
    argv: () => {
      // The consumer secret reaches verify only through the environment, as a pipeline gives it.
      process.env.FAULT_MATRIX_CC_SECRET = CC_SECRET;
      return [
        '-u',
        USER,
        '--app',
        'Acme_Sync',
        '--flow',
        'client-credentials',
        '--client-id',
        'ACMESYNCKEY1',
        '--client-secret-env',
        'FAULT_MATRIX_CC_SECRET',
      ];
    },
  },
  {
    title: 'preauthorize (admin-approved connected app, SetupEntityAccess)',
    command: IntegrationUserPreauthorize,
    seed: readyApp({ psl: true }),
    argv: () => ['--app', 'Ready_Sync', '-p', 'Acme_Sync_Access', '-u', USER],
  },
  {
    title: 'setup (connected app, SetupEntityAccess)',
    command: IntegrationUserSetup,
    seed: readyApp(),
    argv: (emulator) => setupSpec(emulator, 'Ready_Sync', 'profile'),
  },
  {
    // A set and a group assigned by hand that the spec doesn't list, and the user's profile on the app's list where
    // the spec lists the generated set: removed in the same write call as the additions.
    title: 'setup --prune (connected app, extras removed)',
    command: IntegrationUserSetup,
    seed: readyApp({ psl: true, sets: ['Invoice_Access', 'Sync_Access'] }, [PROFILE]),
    argv: (emulator) => [...setupSpec(emulator, 'Ready_Sync', 'permission-set'), '--prune'],
  },
  {
    title: 'setup (External Client App, by permission set)',
    command: IntegrationUserSetup,
    seed: seed(undefined),
    argv: (emulator) => setupSpec(emulator, 'Acme_Sync', 'permission-set'),
  },
  {
    title: 'setup (External Client App, app.runAs, verify.flow client-credentials)',
    command: IntegrationUserSetup,
    // An org that takes the global OAuth settings, so the flow's two switches go in one deploy.
    seed: (() => {
      const base = seed(undefined);
      const [eca] = base.externalClientApps ?? [];
      return {
        ...base,
        behaviour: { ecaOauthSettingsDeploy: 'allow' as const },
        externalClientApps: [{ ...eca, consumerSecret: CC_SECRET }],
      };
    })(),
    argv: () => ccSetupSpec(),
    // verify logged in through the flow as the user setup made (a missing secret would only skip that check).
    cleanRun: (emulator) =>
      expect(
        emulator.requests.filter((r) => r.path === '/services/oauth2/token').map((r) => [r.status, r.user])
      ).to.deep.equal([[200, USER]]),
  },
  {
    title: 'retire (token revoked, app list entry, set, group and PSL assignments removed, user deactivated)',
    command: IntegrationUserRetire,
    seed: {
      ...seed({ psl: true, sets: ['Account_Read', 'Sync_Access'] }),
      connectedApps: [
        {
          name: 'Ready_Sync',
          label: 'Ready Sync',
          consumerKey: 'READYSYNCKEY1',
          certificate: keys.certificate,
          adminApproved: true,
          profiles: [],
          permissionSets: ['Account_Read'],
          oauthTokens: [{ username: USER }],
        },
      ],
    },
    argv: () => ['-u', USER],
  },
  {
    // The user's profile and Account_Read on the app's policy list, where the spec lists the generated set: Account_Read
    // comes off the list in the one deploy that adds the generated set, the set Invoice_Access assigned by hand goes.
    title: 'setup --prune (External Client App, an entry off its policy list in the same deploy)',
    command: IntegrationUserSetup,
    seed: (() => {
      const base = seed({ psl: true, sets: ['Invoice_Access'] }, true);
      const [eca] = base.externalClientApps ?? [];
      return { ...base, externalClientApps: [{ ...eca, permissionSets: ['Account_Read'] }] };
    })(),
    argv: (emulator) => [...setupSpec(emulator, 'Acme_Sync', 'permission-set'), '--prune'],
    cleanRun: async (emulator) => {
      const policies = Object.values(await retrieveFiles(emulator, ['ExtlClntAppOauthConfigurablePolicies']));
      expect(policies.map((xml) => /<commaSeparatedPermissionSet>([^<]*)</.exec(xml)?.[1])).to.deep.equal([
        'Acme_Sync_Integration',
      ]);
    },
  },
  {
    // app.runAs: the policy is planned again when it writes; Account_Read (no set the app is asked for) comes off its list.
    title: 'setup --prune (External Client App, app.runAs: an entry off its policy list)',
    command: IntegrationUserSetup,
    seed: (() => {
      const base = ccSeed();
      const [eca] = base.externalClientApps ?? [];
      return {
        ...base,
        behaviour: { ecaOauthSettingsDeploy: 'allow' as const },
        externalClientApps: [{ ...eca, permissionSets: ['Account_Read'] }],
      };
    })(),
    argv: () => [...ccSetupSpec(), '--prune'],
    cleanRun: async (emulator) => {
      const policies = Object.values(await retrieveFiles(emulator, ['ExtlClntAppOauthConfigurablePolicies']));
      expect(policies.map((xml) => /<commaSeparatedPermissionSet>([^<]*)</.exec(xml)?.[1] ?? '')).to.deep.equal(['']);
    },
  },
  {
    title: 'retire (External Client App: run-as stopped and the user off its policy list in one deploy)',
    command: IntegrationUserRetire,
    seed: (() => {
      const base = ccSeed();
      const [eca] = base.externalClientApps ?? [];
      return {
        ...base,
        externalClientApps: [{ ...eca, permissionSets: ['Account_Read'], oauthTokens: [{ username: USER }] }],
      };
    })(),
    argv: () => ['-u', USER, '--no-prompt'],
    cleanRun: async (emulator) => {
      const policies = Object.values(await retrieveFiles(emulator, ['ExtlClntAppOauthConfigurablePolicies']));
      expect(policies.map((xml) => /<commaSeparatedPermissionSet>([^<]*)</.exec(xml)?.[1] ?? '')).to.deep.equal(['']);
    },
  },
  {
    title: 'export (reads only: the org stays as it was)',
    command: IntegrationUserExport,
    seed: seed({ psl: true, sets: ['Account_Read', 'Sync_Access'] }),
    argv: () => ['--file', path.join(mkdtempSync(path.join(tmpdir(), 'piu-fault-export-')), 'spec.yaml')],
  },
];

/** The fault kinds of the issue, plus a plain 500 that no client retries: it drives the fail-then-re-run path at every k. */
const KINDS: Array<{ kind: string; fault: Omit<Fault, 'request'>; retried: 'always' | 'reads' | 'never' }> = [
  { kind: '503', fault: { status: 503 }, retried: 'always' },
  {
    kind: 'UNABLE_TO_LOCK_ROW',
    fault: {
      status: 400,
      errorCode: 'UNABLE_TO_LOCK_ROW',
      message: 'unable to obtain exclusive access to this record or 1 records',
    },
    retried: 'always',
  },
  {
    kind: 'REQUEST_LIMIT_EXCEEDED',
    fault: { status: 403, errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
    retried: 'always',
  },
  // A reset write may have landed, so only a request that writes nothing is sent again.
  { kind: 'reset', fault: { reset: true }, retried: 'reads' },
  { kind: '500', fault: { status: 500 }, retried: 'never' },
  // The request runs and its writes land, then the answer is lost: a read is sent again, a write is left to the re-run.
  { kind: 'lost answer', fault: { lostAnswer: true }, retried: 'reads' },
];

type Row = Record<string, unknown>;
const sortRows = (rows: Row[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

/**
 * What the procedure leaves in the org, without Ids or timestamps: users, license seats, PSL and
 * permission set assignments, permission sets with their object and field rows, app access rows,
 * and the External Client Apps' metadata (the consumer key of a new app is random, so masked).
 */
async function orgState(emulator: Emulator): Promise<Record<string, unknown>> {
  const q = (soql: string): Row[] =>
    emulator.query<Row>(soql).map(({ attributes: _ignored, ...rest }) => flatten(rest));
  const files = await retrieveFiles(emulator, [
    'ExternalClientApplication',
    'ExtlClntAppGlobalOauthSettings',
    'ExtlClntAppOauthSettings',
    'ExtlClntAppOauthConfigurablePolicies',
    'ExtlClntAppConfigurablePolicies',
  ]);
  const masked = Object.fromEntries(
    Object.entries(files).map(([path, xml]) => [path, xml.replace(/3MVG[A-Za-z0-9]+/g, '(generated key)')])
  );
  return {
    users: sortRows(q('SELECT Username, LastName, Email, Alias, IsActive, Profile.Name FROM User')),
    userLicenses: sortRows(q('SELECT Name, UsedLicenses FROM UserLicense')),
    psls: sortRows(q('SELECT DeveloperName, UsedLicenses FROM PermissionSetLicense')),
    pslAssignments: sortRows(
      q('SELECT Assignee.Username, PermissionSetLicense.DeveloperName FROM PermissionSetLicenseAssign')
    ),
    assignments: sortRows(
      q('SELECT Assignee.Username, PermissionSet.Name, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment')
    ),
    permissionSets: sortRows(
      q('SELECT Name, Label, LicenseId, Description FROM PermissionSet WHERE IsOwnedByProfile = false')
    ),
    objectPermissions: sortRows(
      q(
        'SELECT Parent.Name, SobjectType, PermissionsRead, PermissionsCreate, PermissionsEdit, PermissionsDelete, PermissionsViewAllRecords, PermissionsModifyAllRecords FROM ObjectPermissions'
      )
    ),
    fieldPermissions: sortRows(q('SELECT Parent.Name, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions')),
    setupEntityAccess: sortRows(q('SELECT Parent.Name, SetupEntityType FROM SetupEntityAccess')),
    connectedApps: sortRows(q('SELECT Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication')),
    externalClientApps: sortRows(q('SELECT DeveloperName, MasterLabel, ContactEmail FROM ExternalClientApplication')),
    ecaPolicies: sortRows(q('SELECT DeveloperName, PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg')),
    // One token row per app and user, however often a re-run logged in.
    oauthTokens: sortRows(q('SELECT AppName, User.Username FROM OauthToken')),
    ecaMetadata: masked,
  };
}

/** Relationship fields as dotted keys: {Profile: {Name: x}} -> {'Profile.Name': x}. */
function flatten(row: Row, prefix = ''): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === 'attributes') continue;
    if (value && typeof value === 'object' && !Array.isArray(value))
      Object.assign(out, flatten(value as Row, `${prefix}${key}.`));
    else out[`${prefix}${key}`] = value;
  }
  return out;
}

type RunOutcome = Awaited<ReturnType<EmulatedOrgContext['run']>>;

/** Why a run that didn't complete isn't a clear failure, or undefined when it is one. */
function unclearFailure(run: RunOutcome): string | undefined {
  if (run.error) {
    const { name, message, actions, exitCode } = run.error;
    // Our errors are named <Cause>Error; an answer no rule anticipated keeps Salesforce's error code as its name.
    if (!/^[A-Z][A-Za-z]+Error$|^[A-Z][A-Z0-9_]+$/.test(name) || name.startsWith('ERROR_HTTP_'))
      return `unnamed error ${name}: ${message}`;
    // sf exits 20 for a Salesforce internal error ("gack", UNKNOWN_EXCEPTION), 1 for every other failure.
    if (exitCode !== (name === 'UNKNOWN_EXCEPTION' ? 20 : 1)) return `${name} exits ${String(exitCode)}`;
    if (/\n\s+at .+:\d+:\d+/.test(message)) return `${name} carries a stack trace`;
    if (!actions?.some((a) => /re-run|sf integration-user/i.test(a)))
      return `${name} names nothing to re-run: ${JSON.stringify(actions)}`;
    return undefined;
  }
  // setup reports a step that failed after others were applied as its result with exit code 68.
  const users = (
    run.result as
      | {
          users?: Array<{
            steps: Array<{ name: string; status: string; error?: { actions: string[] } }>;
            verify?: { checks: Array<{ status: string; action?: string }> };
          }>;
        }
      | undefined
  )?.users;
  if (users) {
    if (run.exitCode !== 68) return `setup exits ${String(run.exitCode)} without an error`;
    const failed = users.flatMap((u) =>
      u.steps.filter((s) => s.status === 'failed').map((step) => ({ step, checks: u.verify?.checks ?? [] }))
    );
    if (!failed.length) return 'setup exits 68 without a failed step';
    for (const { step, checks } of failed) {
      const fixed =
        step.name === 'verify'
          ? checks.filter((c) => c.status === 'fail').every((c) => c.action)
          : step.error?.actions.some((a) => /re-run|sf integration-user/i.test(a));
      if (!fixed) return `setup step ${step.name} failed without a fix: ${JSON.stringify(step)}`;
    }
    return undefined;
  }
  // retire reports a stage refused after earlier ones were written as its result with exit code 68 (a re-run finishes).
  const retireFailure = (run.result as { failure?: { stage: string } } | undefined)?.failure;
  if (retireFailure) return run.exitCode === 68 ? undefined : `retire exits ${String(run.exitCode)} with a failure`;
  // verify reports a failed check as its result with exit code 1; each failed check names its fix.
  const checks = (run.result as { checks?: Array<{ status: string; action?: string }> } | undefined)?.checks;
  if (run.exitCode !== 1 || !checks) return `exit code ${String(run.exitCode)} without an error`;
  const failed = checks.filter((c) => c.status === 'fail');
  if (!failed.length || failed.some((c) => !c.action)) return `failed checks without a fix: ${JSON.stringify(failed)}`;
  return undefined;
}

const completed = (run: RunOutcome): boolean => !run.error && run.exitCode === 0;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGBREAK', 'SIGHUP'] as const;
const signalBaseline = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
/** Every in-process run adds sf's exit handlers for these signals; the matrix runs hundreds, so drop them between runs. */
function dropSignalHandlers(): void {
  for (const signal of SIGNALS)
    for (const listener of process.listeners(signal))
      if (!signalBaseline.get(signal)?.has(listener)) process.removeListener(signal, listener);
}

describe('fault matrix: every request of every command fails once, and the org ends as without the fault', function () {
  this.timeout(300_000); // a cell takes 10-30 s alone; room for a loaded 2-core machine
  const ctx = new EmulatedOrgContext();
  const size = { cells: 0, completed: 0, failedThenReRun: 0 };
  afterEach(() => ctx.stop());
  /** A fresh emulated org for the next run: TestContext's stubs, restored by stop(), are made again. */
  const restart = async (orgSeed: Seed): Promise<Emulator> => {
    await ctx.stop();
    dropSignalHandlers();
    ctx.$$.init();
    return ctx.start(orgSeed);
  };
  after(() => {
    dropSignalHandlers();
    console.log(
      `      fault matrix: ${size.cells} cells (${size.completed} completed despite the fault, ${size.failedThenReRun} failed clearly and a re-run completed)`
    );
  });

  for (const scenario of scenarios) {
    it(`${scenario.title}: each request k x ${KINDS.map((k) => k.kind).join(', ')}`, async () => {
      // The fault-free run: its requests are the matrix's rows, its end state the expected one.
      let emulator = await ctx.start(scenario.seed);
      const clean = await ctx.run(scenario.command, scenario.argv(emulator));
      expect(clean.error, clean.error?.message).to.equal(undefined);
      expect(clean.exitCode).to.equal(scenario.exitCode ?? 0);
      // A run that ends as the fault-free one: exit 0, or the same checks failing (verify, exit 1).
      const checksOf = (run: RunOutcome): string =>
        JSON.stringify(
          (run.result as { checks?: Array<{ name: string; status: string }> } | undefined)?.checks?.map(
            (c) => `${c.name}:${c.status}`
          )
        );
      const done = (run: RunOutcome): boolean =>
        scenario.exitCode
          ? !run.error && run.exitCode === scenario.exitCode && checksOf(run) === checksOf(clean)
          : completed(run);
      const requests = emulator.requests.map((r) => ({
        seq: r.seq,
        what: `${r.method} ${r.path.replace(/v\d+\.\d/, 'vXX.X')}${r.soapOperation ? ` ${r.soapOperation}` : ''}`,
        // Reads: queries (also inside composite and batch), retrieves, status checks, and the in-memory JWT session's calls.
        read:
          r.writes === 0 &&
          !/sobjects|deploy$|updateMetadata/.test(`${r.path} ${r.soapOperation ?? ''}`.trim()) &&
          !(r.path.endsWith('/composite') && r.subrequests?.some((sub) => sub.method !== 'GET')),
      }));
      // After the rows are taken: a check that reads the org adds requests of its own.
      await scenario.cleanRun?.(emulator);
      const expected = await orgState(emulator);

      const problems: string[] = [];
      for (const [index, request] of requests.entries()) {
        for (const { kind, fault, retried } of KINDS) {
          const cell = `k=${index + 1} (${request.what}) ${kind}`;
          size.cells++;
          emulator = await restart(scenario.seed);
          emulator.addFault({ ...fault, request: request.seq, times: 1 });
          const first = await ctx.run(scenario.command, scenario.argv(emulator));
          if (!emulator.requests.some((r) => r.fault)) problems.push(`${cell}: the fault never fired`);
          const mustComplete = retried === 'always' || (retried === 'reads' && request.read);
          if (mustComplete && !done(first))
            problems.push(
              `${cell}: not retried: ${first.error?.name ?? ''} ${first.error?.message ?? `exit ${String(first.exitCode)}`}`
            );
          if (done(first)) size.completed++;
          else {
            const unclear = unclearFailure(first);
            if (unclear) problems.push(`${cell}: ${unclear}`);
            const again = await ctx.run(scenario.command, scenario.argv(emulator));
            if (!done(again))
              problems.push(
                `${cell}: the re-run failed too: ${again.error?.name ?? ''} ${again.error?.message ?? JSON.stringify(again.result)}`
              );
            else size.failedThenReRun++;
          }
          const state = await orgState(emulator);
          for (const key of Object.keys(expected)) {
            if (JSON.stringify(state[key]) !== JSON.stringify(expected[key])) {
              problems.push(
                `${cell}: ${key} differs from the fault-free run: ${JSON.stringify(state[key])} instead of ${JSON.stringify(expected[key])}`
              );
            }
          }
        }
      }
      expect(problems, problems.join('\n')).to.deep.equal([]);
    });
  }

  // Retries end: 250, 750 and 2000 ms after the first try, then the fault is the error (about 3 s a case).
  const persistent: Array<{
    scenario: string;
    path: string;
    method: string;
    kind: string;
    fault: Omit<Fault, 'request'>;
    name: string;
  }> = [
    {
      scenario: 'create',
      path: '/sobjects/User',
      method: 'POST',
      kind: 'REQUEST_LIMIT_EXCEEDED',
      fault: KINDS[2].fault,
      name: 'REQUEST_LIMIT_EXCEEDED',
    },
    {
      scenario: 'preauthorize (External Client App)',
      path: '/services/Soap/m/',
      method: 'POST',
      kind: '503',
      fault: KINDS[0].fault,
      name: 'SERVER_UNAVAILABLE',
    },
  ];
  for (const p of persistent) {
    it(`${p.scenario}: ${p.kind} on every ${p.method} ${p.path} for four tries is an error naming the re-run, which then completes`, async () => {
      const scenario = scenarios.find((s) => s.title === p.scenario)!;
      let emulator = await ctx.start(scenario.seed);
      await ctx.run(scenario.command, scenario.argv(emulator));
      const expected = await orgState(emulator);

      emulator = await restart(scenario.seed);
      emulator.addFault({ ...p.fault, path: p.path, method: p.method, times: 4 });
      const first = await ctx.run(scenario.command, scenario.argv(emulator));
      expect(first.error?.name).to.equal(p.name);
      expect(unclearFailure(first)).to.equal(undefined);
      expect(emulator.requests.filter((r) => r.fault)).to.have.length(4);
      expect(emulator.requests.filter((r) => r.writes > 0)).to.deep.equal([]);
      const again = await ctx.run(scenario.command, scenario.argv(emulator));
      expect(again.error).to.equal(undefined);
      expect(await orgState(emulator)).to.deep.equal(expected);
    });
  }

  it('preauthorize --create run again after it finished: the same consumer key, nothing written', async () => {
    const scenario = scenarios.find((s) => s.title === 'preauthorize --create')!;
    const emulator = await restart(scenario.seed);
    const first = await ctx.run(scenario.command, scenario.argv(emulator));
    expect(first.result).to.deep.include({ created: true, changed: true });
    emulator.clearRequests();
    const again = await ctx.run(scenario.command, scenario.argv(emulator));
    expect(again.error).to.equal(undefined);
    const consumerKey = (first.result as { consumerKey?: string } | undefined)?.consumerKey;
    expect(consumerKey).to.match(/^3MVG/);
    expect(again.result).to.deep.include({ created: false, changed: false, consumerKey });
    expect(emulator.requests.reduce((sum, r) => sum + r.writes, 0)).to.equal(0);
  });
});
