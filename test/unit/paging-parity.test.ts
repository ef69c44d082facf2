import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import IntegrationUserAssignPsl from '../../src/commands/integration-user/assign-psl.js';
import IntegrationUserConvert from '../../src/commands/integration-user/convert.js';
import IntegrationUserCreate from '../../src/commands/integration-user/create.js';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import IntegrationUserList from '../../src/commands/integration-user/list.js';
import IntegrationUserPreauthorize from '../../src/commands/integration-user/preauthorize.js';
import IntegrationUserSetup from '../../src/commands/integration-user/setup.js';
import IntegrationUserVerify from '../../src/commands/integration-user/verify.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { makeKeyPair } from '../helpers/keys.js';
import { withoutStress } from '../helpers/stress.js';
import type { Emulator, Seed } from '../emulator/index.js';

// Every reader, run on two emulators from one seed: pages of 2,000 records and pages of 2. Same JSON result, same org
// state afterwards. The seed has more rows than a page of 2 in every table a reader reads.

const PROFILE = 'Minimum Access - API Only Integrations';
const PSL = 'SalesforceAPIIntegrationPsl';
const BASE = Date.now();
const at = (daysAgo: number, minutes = 0): string =>
  new Date(BASE - daysAgo * 86_400_000 - minutes * 60_000).toISOString();
const keys = makeKeyPair('paging');
const dir = mkdtempSync(path.join(tmpdir(), 'piu-paging-'));

/** n logins of one type, one a day, the newest `from` days ago (stored oldest first, as the emulator keeps them). */
const logins = (type: string, n: number, from = 1): Array<{ type: string; time: string }> =>
  Array.from({ length: n }, (_, i) => ({ type, time: at(from + n - i) }));

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Case'];
const sets = Array.from({ length: 8 }, (_, i) => ({
  name: `Set_${i}`,
  label: `Set ${i}`,
  license: null,
  objects: Object.fromEntries(OBJECTS.slice(0, 1 + (i % 4)).map((o) => [o, i % 2 ? ['read', 'edit'] : ['read']])),
  fields: { 'Account.Industry': ['read'], 'Account.Phone': i % 2 ? ['read', 'edit'] : ['read'] },
}));

const seed = {
  // convert: this org lets a user move to a profile on another license.
  behaviour: { profileLicenseChangeError: 'accept' },
  userLicenses: [
    { name: 'Salesforce Integration', total: 20, used: 0 },
    { name: 'Salesforce', total: 30, used: 0 },
  ],
  permissionSetLicenses: [{ developerName: PSL, label: 'Salesforce API Integration', total: 20, used: 0 }],
  records: { Account: Array.from({ length: 7 }, (_, i) => ({ Name: `Account ${i}` })) },
  permissionSets: [
    ...sets,
    ...Array.from({ length: 3 }, (_, i) => ({
      name: `Invoice_Read_${i}`,
      label: `Invoice Read ${i}`,
      license: null,
      objects: { Invoice__c: ['read'] },
    })),
    { name: 'Api_Only', label: 'API Only', license: null, userPermissions: ['ApiUserOnly'] },
    { name: 'Sales_Ops', label: 'Sales Ops', license: 'Salesforce', objects: { Account: ['read'] } },
  ],
  permissionSetGroups: [
    { name: 'Sync_Group', label: 'Sync Group', permissionSets: ['Set_0', 'Set_1', 'Set_2', 'Set_3'] },
    { name: 'Report_Group', label: 'Report Group', permissionSets: ['Set_4', 'Set_5', 'Set_6'] },
    { name: 'Invoice_Group', label: 'Invoice Group', permissionSets: ['Invoice_Read_1', 'Invoice_Read_2'] },
  ],
  users: [
    {
      username: 'admin@emu.example',
      lastName: 'Admin',
      email: 'admin@emu.example',
      profile: 'System Administrator',
      active: true,
    },
    // Integration users: holding sets, groups and the PSL in every combination.
    ...Array.from({ length: 7 }, (_, i) => ({
      username: `int-${i}.sync@acme.example`,
      lastName: `Int ${i} Sync`,
      email: 'it@acme.example',
      profile: PROFILE,
      active: i !== 6,
      permissionSetLicenses: i % 3 === 2 ? [] : [PSL],
      // Sets, and groups by their names.
      permissionSets: [
        ...(i % 3 === 2 ? ['Set_7'] : ['Set_4', 'Set_5', 'Set_6', 'Set_7'].slice(0, 1 + (i % 4))),
        ...(i % 2 ? ['Sync_Group'] : ['Sync_Group', 'Report_Group']),
      ],
      loginHistory: logins('Remote Access 2.0', 3),
    })),
    // Full-license users: people, integrations in disguise, and one whose UI login comes after three API logins.
    {
      username: 'erp.integration@acme.example',
      lastName: 'ERP Integration',
      email: 'it@acme.example',
      profile: 'Standard User',
      active: true,
      permissionSets: ['Set_0', 'Set_1', 'Set_4', 'Sync_Group'],
    },
    {
      username: 'legacy.feed@acme.example',
      lastName: 'Legacy Feed',
      email: 'it@acme.example',
      profile: 'Standard User',
      active: true,
      permissionSets: ['Api_Only', 'Invoice_Read_0', 'Invoice_Group'],
      loginHistory: logins('Remote Access 2.0', 5),
    },
    {
      username: 'carol.sync@acme.example',
      lastName: 'Carol',
      email: 'carol@acme.example',
      profile: 'Standard User',
      active: true,
      loginHistory: [...logins('Remote Access 2.0', 3, 2), { type: 'Application', time: at(1) }],
    },
    {
      username: 'dan.sync@acme.example',
      lastName: 'Dan',
      email: 'dan@acme.example',
      profile: 'Standard User',
      active: true,
      loginHistory: [...logins('Other Apex API', 4, 2), { type: 'Application', time: at(1) }],
    },
    ...Array.from({ length: 5 }, (_, i) => ({
      username: `person-${i}@acme.example`,
      lastName: `O'Brien ${i}`,
      email: `person-${i}@acme.example`,
      profile: 'Standard User',
      active: true,
      permissionSets: ['Sales_Ops'],
      loginHistory: logins('Application', 3),
    })),
  ],
  connectedApps: [
    ...Array.from({ length: 4 }, (_, i) => ({
      name: `Old_App_${i}`,
      label: `Old App ${i}`,
      consumerKey: `OLDAPPKEY${i}`,
      adminApproved: i % 2 === 0,
      profiles: [PROFILE],
      permissionSets: ['Set_4', 'Set_5', 'Set_6'],
    })),
  ],
  externalClientApps: [
    {
      name: 'Acme_Sync',
      label: 'Acme Sync',
      consumerKey: 'ACMESYNCKEY1',
      certificate: keys.certificate,
      permittedUsers: 'AllSelfAuthorized',
      profiles: [],
      permissionSets: [],
      oauthTokens: [
        'int-0.sync@acme.example',
        'int-1.sync@acme.example',
        'int-3.sync@acme.example',
        'person-0@acme.example',
        'person-1@acme.example',
        'legacy.feed@acme.example',
      ].map((username) => ({ username })),
    },
    {
      name: 'Report_Sync',
      label: 'Report Sync',
      consumerKey: 'REPORTSYNCKEY1',
      certificate: keys.certificate,
      permittedUsers: 'AdminApprovedPreAuthorized',
      profiles: [PROFILE],
      permissionSets: ['Set_4'],
    },
  ],
} as Seed;

const spec = path.join(dir, 'setup.yaml');
writeFileSync(
  spec,
  `users:
  - name: Billing Export
    email: it@acme.example
    username: billing-export@acme.example
    permissionSets: [Set_4, Set_5]
    permissionSetGroups: [Sync_Group]
  - name: Ledger Sync
    email: it@acme.example
    username: ledger-sync@acme.example
    objects: ["Account:read", "Contact:read"]
    app:
      name: Report_Sync
      preauthorize: permission-set
`
);

type Command = Parameters<EmulatedOrgContext['run']>[0];
type Step = { command: Command; argv: (emu: Emulator) => string[] };

const STEPS: Record<string, Step> = {
  create: {
    command: IntegrationUserCreate,
    argv: () => ['--name', 'New Sync', '--email', 'it@acme.example', '--username', 'new.sync@acme.example'],
  },
  'assign-psl': { command: IntegrationUserAssignPsl, argv: () => ['--username', 'int-2.sync@acme.example'] },
  grant: {
    command: IntegrationUserGrant,
    argv: () => [
      '--username',
      'int-0.sync@acme.example',
      '-p',
      'Set_0',
      '-p',
      'Set_5',
      '-g',
      'Report_Group',
      '--object',
      'Account:read',
      '--object',
      'Contact:read',
      '--field',
      'Account.Industry:read',
    ],
  },
  preauthorize: {
    command: IntegrationUserPreauthorize,
    argv: () => ['--app', 'Acme_Sync', '-p', 'Set_4', '--no-prompt'],
  },
  verify: {
    command: IntegrationUserVerify,
    argv: (emu) => [
      '-u',
      'int-1.sync@acme.example',
      '--app',
      'Report_Sync',
      '--client-id',
      'REPORTSYNCKEY1',
      '--jwt-key-file',
      keys.keyFile,
      '--login-url',
      emu.instanceUrl,
      '--object',
      'Account',
      '--object',
      'Contact',
    ],
  },
  setup: { command: IntegrationUserSetup, argv: () => ['--spec', spec, '--no-prompt'] },
  list: { command: IntegrationUserList, argv: () => [] },
  'list --candidates': { command: IntegrationUserList, argv: () => ['--candidates'] },
  convert: { command: IntegrationUserConvert, argv: () => ['--username', 'legacy.feed@acme.example'] },
};

/** The org afterwards, as every table a command writes reads back (no timestamps: two runs differ in milliseconds). */
function orgState(emu: Emulator): Record<string, unknown[]> {
  const tables: Record<string, string> = {
    users: 'SELECT Id, Username, Name, IsActive, ProfileId FROM User ORDER BY Username',
    assignments:
      'SELECT Id, AssigneeId, PermissionSetId, PermissionSetGroupId FROM PermissionSetAssignment ORDER BY Id',
    psls: 'SELECT Id, AssigneeId, PermissionSetLicenseId FROM PermissionSetLicenseAssign ORDER BY Id',
    sets: 'SELECT Id, Name, Label, LicenseId, Description FROM PermissionSet ORDER BY Id',
    objects:
      'SELECT Id, ParentId, SobjectType, PermissionsRead, PermissionsCreate, PermissionsEdit, PermissionsDelete, PermissionsViewAllRecords, PermissionsModifyAllRecords FROM ObjectPermissions ORDER BY Id',
    fields: 'SELECT Id, ParentId, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions ORDER BY Id',
    appAccess: 'SELECT Id, ParentId, SetupEntityId FROM SetupEntityAccess ORDER BY Id',
    connectedApps: 'SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication ORDER BY Id',
    ecaPolicies: 'SELECT Id, DeveloperName, PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg ORDER BY Id',
    logins: 'SELECT UserId, LoginType, Status, Application FROM LoginHistory ORDER BY Id',
  };
  return Object.fromEntries(Object.entries(tables).map(([name, soql]) => [name, emu.query(soql)]));
}

/** A result or error as JSON, with what two emulators can't share (their URL, the clock) taken out. */
function comparable(value: unknown, emu: Emulator): unknown {
  const text = JSON.stringify(value ?? null)
    .replaceAll(emu.instanceUrl, '<instance>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)/g, '<time>')
    .replace(/"(durationMs|ms|elapsedMs)":\d+/g, '"$1":0');
  return JSON.parse(text) as unknown;
}

describe('every reader at a page size of 2 gives what it gives at 2,000', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  // One emulator per test (TestContext sets its stubs up per test), so each command runs in two tests: at 2,000, then at 2.
  const runAt = async (
    pageSize: number,
    step: Step
  ): Promise<{ outcome: unknown; state: unknown; pagesRead: number }> => {
    // This test sets the page size itself; a stress run's EMULATOR_BEHAVIOUR would set both runs' alike.
    const emu = await withoutStress(() =>
      ctx.start({ ...structuredClone(seed), behaviour: { ...seed.behaviour, queryPageSize: pageSize } })
    );
    const { result, error, exitCode } = (await ctx.run(step.command, step.argv(emu))) as {
      result?: unknown;
      error?: { name: string; message: string; exitCode?: number };
      exitCode?: number | string;
    };
    const outcome = comparable(
      error ? { error: error.name, message: error.message, exitCode: error.exitCode } : { result, exitCode },
      emu
    );
    // Next pages read: GETs of a locator, alone or as subrequests.
    const locator = /\/query\/01g[A-Za-z0-9]+-\d+/;
    const pagesRead =
      emu.requests.filter((r) => locator.test(r.path)).length +
      emu.requests.flatMap((r) => r.subrequests ?? []).filter((s) => locator.test(s.url)).length;
    return { outcome, state: { org: orgState(emu), writes: ctx.writes }, pagesRead };
  };

  for (const [name, step] of Object.entries(STEPS)) {
    let whole: Awaited<ReturnType<typeof runAt>> | undefined;
    it(`${name} at 2,000 records a page`, async () => {
      whole = await runAt(2000, step);
      expect(whole.pagesRead).to.equal(0);
      expect(whole.outcome).to.have.property('exitCode').that.is.oneOf([0, 68, 1]);
    });
    it(`${name} at 2 records a page: the same JSON result and the same org state afterwards`, async () => {
      const paged = await runAt(2, step);
      expect(paged.pagesRead, 'next pages read').to.be.greaterThan(0);
      expect(paged.outcome).to.deep.equal(whole?.outcome);
      expect(paged.state).to.deep.equal(whole?.state);
    });
  }

  it('list --candidates decides from every login: a UI login on a later page rules the user out', async () => {
    const emu = await withoutStress(() =>
      ctx.start({ ...structuredClone(seed), behaviour: { ...seed.behaviour, queryPageSize: 2 } })
    );
    const { result } = await ctx.run(IntegrationUserList, ['--candidates']);
    expect(result?.candidates?.map((c) => [c.username, c.reasons])).to.deep.equal([
      ['erp.integration@acme.example', ['an integration-like name']],
      ['legacy.feed@acme.example', ['has the API Only user permission', 'only API logins in its login history (5)']],
    ]);
    // Carol's and Dan's names look like integrations, and their first logins are API logins; their newest is a UI login.
    const newest = (username: string): string[] =>
      emu
        .query<{ LoginType: string }>(
          `SELECT LoginType FROM LoginHistory WHERE UserId IN (SELECT Id FROM User WHERE Username = '${username}') ORDER BY LoginTime DESC LIMIT 1`
        )
        .map((l) => l.LoginType);
    expect([newest('carol.sync@acme.example'), newest('dan.sync@acme.example')]).to.deep.equal([
      ['Application'],
      ['Application'],
    ]);
  });
});
