import { expect } from 'chai';
import IntegrationUserCreate from '../../src/commands/integration-user/create.js';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import IntegrationUserSetup from '../../src/commands/integration-user/setup.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Emulator, Seed } from '../emulator/index.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { homeLoggedInto, runPlugin } from '../helpers/plugin.js';
import { startEmulator } from '../emulator/index.js';

const USER = 'sync@acme.example';
const PROFILE = 'Minimum Access - API Only Integrations';
const GENERATED = 'Acme_Sync_Integration';
const createArgs = ['-n', 'Acme Sync', '-e', 'it@acme.example', '-u', USER];
const grantArgs = [
  '-u',
  USER,
  '-p',
  'Invoice_Access',
  '-g',
  'Sync_Access',
  '--object',
  'Invoice__c:read,edit',
  '--field',
  'Invoice__c.Amount__c:read',
];

/**
 * No PSL is needed: every grant here is on a custom object, so a chain is exactly create + grant.
 * Invoice_Access is granted directly and through the group (a group may hold a set the user also holds).
 */
const seed: Seed = {
  objects: { Invoice__c: { label: 'Invoice', fields: { Name: { required: true }, Amount__c: { type: 'currency' } } } },
  permissionSets: [
    { name: 'Invoice_Access', label: 'Invoice Access', license: null, objects: { Invoice__c: ['read'] } },
    { name: 'Invoice_Audit', label: 'Invoice Audit', license: null, objects: { Invoice__c: ['read'] } },
  ],
  permissionSetGroups: [{ name: 'Sync_Access', label: 'Sync Access', permissionSets: ['Invoice_Audit'] }],
};

type Row = Record<string, unknown>;

/** The org after the chains: the user, and every row a duplicate would show up in. */
function orgState(emulator: Emulator): Record<string, unknown> {
  const names = (soql: string, pick: (row: Row) => unknown): unknown[] =>
    emulator.query<Row>(soql).map(pick).map(String).sort();
  const sub = (row: Row, rel: string, field: string): unknown => (row[rel] as Row | null)?.[field];
  return {
    users: names(
      `SELECT Username, Profile.Name FROM User WHERE Username = '${USER}'`,
      (u) => `${String(u.Username)} ${String(sub(u, 'Profile', 'Name'))}`
    ),
    seats: emulator.query<{ UsedLicenses: number }>(
      "SELECT UsedLicenses FROM UserLicense WHERE Name = 'Salesforce Integration'"
    )[0].UsedLicenses,
    assignments: names(
      `SELECT PermissionSet.Name, PermissionSet.IsOwnedByProfile, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE Assignee.Username = '${USER}'`,
      (a) =>
        sub(a, 'PermissionSetGroup', 'DeveloperName')
          ? `group:${String(sub(a, 'PermissionSetGroup', 'DeveloperName'))}`
          : sub(a, 'PermissionSet', 'IsOwnedByProfile')
            ? 'profile'
            : sub(a, 'PermissionSet', 'Name')
    ),
    generatedSets: names(`SELECT Name FROM PermissionSet WHERE Name = '${GENERATED}'`, (p) => p.Name),
    objectPermissions: names(
      `SELECT SobjectType, PermissionsRead, PermissionsEdit FROM ObjectPermissions WHERE Parent.Name = '${GENERATED}'`,
      (o) => `${String(o.SobjectType)} ${String(o.PermissionsRead)} ${String(o.PermissionsEdit)}`
    ),
    fieldPermissions: names(
      `SELECT Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE Parent.Name = '${GENERATED}'`,
      (f) => `${String(f.Field)} ${String(f.PermissionsRead)} ${String(f.PermissionsEdit)}`
    ),
  };
}

const EXPECTED = {
  users: [`${USER} ${PROFILE}`],
  seats: 1,
  assignments: [GENERATED, 'Invoice_Access', 'group:Sync_Access', 'profile'],
  generatedSets: [GENERATED],
  objectPermissions: ['Invoice__c true true'],
  fieldPermissions: ['Invoice__c.Amount__c true false'],
};

describe('concurrency: two create + grant chains for the same user at once', function () {
  this.timeout(120_000);

  describe('in-process, interleaved request by request', () => {
    const ctx = new EmulatedOrgContext();
    afterEach(() => ctx.stop());

    it('both chains succeed, with one user and no duplicate assignment, set or permission row', async () => {
      const emulator = await ctx.start(seed);
      // Both chains start each step together, so each step's race is run every time, not by chance.
      let arrived = 0;
      let release: () => void = () => {};
      const bothCreated = new Promise<void>((resolve) => (release = resolve));
      const chain = async (): Promise<{ created: unknown; grantStatuses: unknown; generated: unknown }> => {
        const created = await ctx.run(IntegrationUserCreate, createArgs);
        expect(created.error?.message).to.equal(undefined);
        if (++arrived === 2) release();
        await bothCreated;
        const granted = await ctx.run(IntegrationUserGrant, grantArgs);
        expect(granted.error?.message, JSON.stringify(granted.error?.data)).to.equal(undefined);
        return {
          created: created.result?.status,
          grantStatuses: granted.result?.permissionSets.map((item) => `${item.name}:${item.status}`),
          generated: granted.result?.generatedPermissionSet?.status,
        };
      };
      const [a, b] = await Promise.all([chain(), chain()]);

      // The race was real: both chains inspected before either wrote (create, and again grant).
      const firstWrite = (path: string): number =>
        emulator.requests.findIndex((r) => r.path.endsWith(path) && r.method === 'POST' && !r.soql);
      const inspections = (soqlPart: string): number[] =>
        emulator.requests.flatMap((r, index) => ([r.soql].flat().some((q) => q?.includes(soqlPart)) ? [index] : []));
      expect(
        inspections('FROM Organization').filter((i) => i < firstWrite('/sobjects/User')),
        'create inspections before the first insert'
      ).to.have.length(2);
      expect(
        inspections('FROM PermissionSetAssignment WHERE')
          .slice(0, 2)
          .every((i) => i < firstWrite('/composite/sobjects')),
        'grant inspections before the first assignment'
      ).to.equal(true);

      // Each lost race was answered by the org and then recovered from: the username, then the generated set's name.
      // (Not counting the optional query of a column this org lacks, PermissionSet.PermissionsUseAnyApiClient: "not here".)
      const optionalColumn = (sub: { url: string }): boolean =>
        decodeURIComponent(sub.url).includes('PermissionsUseAnyApiClient');
      const refusals = emulator.requests
        .flatMap((r) => [
          r.errorCode,
          ...(r.subrequests ?? []).filter((sub) => !optionalColumn(sub)).map((sub) => sub.errorCode),
        ])
        .filter(Boolean);
      expect(refusals).to.deep.equal([
        'DUPLICATE_USERNAME',
        'DUPLICATE_DEVELOPER_NAME',
        'PROCESSING_HALTED',
        'PROCESSING_HALTED',
      ]);

      // Each race has one winner, and each chain says truthfully what it did (the two races may go to different chains).
      expect([a.created, b.created].sort()).to.deep.equal(['created', 'exists']);
      expect([
        { generated: a.generated, grantStatuses: a.grantStatuses },
        { generated: b.generated, grantStatuses: b.grantStatuses },
      ]).to.have.deep.members([
        {
          generated: 'created',
          grantStatuses: ['Invoice_Access:assigned', 'Sync_Access:assigned', `${GENERATED}:assigned`],
        },
        {
          generated: 'unchanged',
          grantStatuses: [
            'Invoice_Access:already-assigned',
            'Sync_Access:already-assigned',
            `${GENERATED}:already-assigned`,
          ],
        },
      ]);
      expect(orgState(emulator)).to.deep.equal(EXPECTED);
    });
  });

  describe('in-process, two setups of the same spec at once (two pipeline jobs)', () => {
    const ctx = new EmulatedOrgContext();
    afterEach(() => ctx.stop());

    it('both exit 0: the one that lost the race plans its user again and finds it done; nothing twice in the org', async () => {
      const emulator = await ctx.start(seed);
      const spec = path.join(mkdtempSync(path.join(tmpdir(), 'piu-race-')), 'spec.json');
      writeFileSync(
        spec,
        JSON.stringify({
          users: [
            {
              name: 'Acme Sync',
              email: 'it@acme.example',
              username: USER,
              permissionSets: ['Invoice_Access'],
              permissionSetGroups: ['Sync_Access'],
              objects: ['Invoice__c:read,edit'],
              fields: ['Invoice__c.Amount__c:read'],
            },
          ],
        })
      );
      const [a, b] = await Promise.all([
        ctx.run(IntegrationUserSetup, ['--spec', spec]),
        ctx.run(IntegrationUserSetup, ['--spec', spec]),
      ]);
      expect([a.error?.message, b.error?.message]).to.deep.equal([undefined, undefined]);
      expect([a.exitCode, b.exitCode]).to.deep.equal([0, 0]);
      const steps = (run: typeof a): string[] | undefined =>
        run.result?.users[0].steps.map((s) => `${s.name}:${s.status}`);
      expect([steps(a), steps(b)]).to.have.deep.members([
        ['create:applied', 'assign-psl:applied', 'grant:applied', 'verify:applied'],
        ['create:done', 'assign-psl:done', 'grant:done', 'verify:applied'],
      ]);
      // The race was real: the loser's User insert was refused, and its whole call rolled back.
      const refusals = emulator.requests
        .flatMap((r) => (r.subrequests ?? []).map((sub) => sub.errorCode))
        .filter(Boolean);
      expect(refusals).to.include('DUPLICATE_USERNAME');
      expect(orgState(emulator)).to.deep.equal(EXPECTED);
    });
  });

  describe('in-process, two grants of existing sets at once', () => {
    const ctx = new EmulatedOrgContext();
    afterEach(() => ctx.stop());

    it('both inspect before either assigns; each assignment lands once, the later one reads as already assigned', async () => {
      const emulator = await ctx.start({
        ...seed,
        users: [{ username: USER, lastName: 'Acme Sync', email: 'it@acme.example', profile: PROFILE, active: true }],
      });
      const args = ['-u', USER, '-p', 'Invoice_Access', '-g', 'Sync_Access'];
      const [a, b] = await Promise.all([ctx.run(IntegrationUserGrant, args), ctx.run(IntegrationUserGrant, args)]);
      const statuses = (run: typeof a): string[] | undefined =>
        run.result?.permissionSets.map((item) => `${item.name}:${item.status}`);
      expect([statuses(a), statuses(b)]).to.have.deep.members([
        ['Invoice_Access:assigned', 'Sync_Access:assigned'],
        ['Invoice_Access:already-assigned', 'Sync_Access:already-assigned'],
      ]);
      // Both collection inserts reached the org (the race was run), and one wrote nothing.
      const inserts = emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/composite/sobjects'));
      expect(inserts.map((r) => r.writes).sort()).to.deep.equal([0, 2]);
      expect(orgState(emulator).assignments).to.deep.equal(['Invoice_Access', 'group:Sync_Access', 'profile']);
    });
  });

  describe('through bin/run.js, two processes with their own HOME', () => {
    let emulator: Emulator;
    after(() => emulator?.stop());

    it('both chains exit 0, with one user and no duplicates; a third run writes nothing', async () => {
      emulator = await startEmulator({ seed });
      const homes = await Promise.all([homeLoggedInto(emulator), homeLoggedInto(emulator)]);
      const chain = async (home: string): Promise<number[]> => {
        const created = await runPlugin(['integration-user', 'create', ...createArgs, '-o', 'emu'], home);
        const granted = await runPlugin(['integration-user', 'grant', ...grantArgs, '-o', 'emu'], home);
        return [created.exitCode, granted.exitCode];
      };
      expect(await Promise.all(homes.map(chain))).to.deep.equal([
        [0, 0],
        [0, 0],
      ]);
      expect(orgState(emulator)).to.deep.equal(EXPECTED);

      const before = emulator.requests.length;
      const again = await runPlugin(['integration-user', 'grant', ...grantArgs, '-o', 'emu'], homes[0]);
      expect(again.exitCode).to.equal(0);
      expect(emulator.requests.slice(before).reduce((sum, r) => sum + r.writes, 0)).to.equal(0);
    });
  });
});
