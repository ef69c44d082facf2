/* eslint-disable @typescript-eslint/no-unsafe-member-access -- sf --json output, read by shape */
// The stock `sf org assign permset` (plugin-user) against the emulator: the PSL-first rule, license
// mismatch and duplicates as a real org answers them, and plugin-user's exit codes (0 all, 1 none, 68 some).

import { expect } from 'chai';
import { startEmulator, type Emulator } from '../index.js';
import { makeHome, runSf, writeAuthFile, type SfRun } from '../../helpers/sf.js';
import { INTEGRATION_PROFILE, create } from '../http/test-client.js';

type Row = Record<string, unknown>;

const USER = 'sync@acme.example';

describe('emulator against sf org assign permset', function () {
  this.timeout(120_000);
  let emu: Emulator;
  let home: string;

  before(async () => {
    emu = await startEmulator({
      seed: {
        // A username of its own: sf keys auth files by it ($HOME/.sfdx/<username>.json).
        admin: { username: 'admin@permset.example' },
        permissionSets: [
          { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
          { name: 'Custom_Only', license: null, objects: { Invoice__c: ['read'] } },
          { name: 'Sf_Set', label: 'Salesforce Set', license: 'Salesforce' },
        ],
        users: [{ username: USER, lastName: 'Sync', profile: INTEGRATION_PROFILE }],
      },
    });
    home = await makeHome();
    await writeAuthFile(
      home,
      {
        instanceUrl: emu.instanceUrl,
        username: emu.adminUsername,
        accessToken: emu.adminAccessToken,
        orgId: emu.orgId,
      },
      'emu'
    );
  });
  after(() => emu?.stop());

  const assign = (...names: string[]): Promise<SfRun> =>
    runSf(
      [
        'org',
        'assign',
        'permset',
        ...names.flatMap((n) => ['--name', n]),
        '--on-behalf-of',
        USER,
        '-o',
        'emu',
        '--json',
      ],
      { home }
    );
  const assigned = (): string[] =>
    emu
      .query<{ PermissionSet: { Name: string } }>(
        `SELECT PermissionSet.Name FROM PermissionSetAssignment WHERE Assignee.Username = '${USER}' AND PermissionSet.IsOwnedByProfile = false ORDER BY PermissionSet.Name`
      )
      .map((r) => r.PermissionSet.Name);
  const id = (q: string): string => emu.query<Row>(q)[0].Id as string;

  it('fails (exit 1) for a --None-- set with Account read before the PSL, with the license text', async () => {
    emu.clearRequests();
    const r = await assign('Account_Read');
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    expect(r.json).to.deep.include({ status: 1 });
    expect(r.json.result).to.deep.equal({
      successes: [],
      failures: [{ name: USER, message: "The user license doesn't allow the permission: Read Account" }],
    });
    expect(assigned()).to.deep.equal([]);
    expect(emu.requests.find((q) => q.method === 'POST')).to.include({
      path: '/services/data/v66.0/sobjects/PermissionSetAssignment',
      status: 400,
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      writes: 0,
    });
    expect(emu.requests.map((q) => q.soql).filter(Boolean)).to.include.members([
      `SELECT Id FROM User WHERE Username='${USER}'`,
      "SELECT Id FROM PermissionSet WHERE Name='Account_Read'",
    ]);
  });

  it('succeeds (exit 0) once the PSL assignment exists', async () => {
    const psla = await create(emu, 'PermissionSetLicenseAssign', {
      AssigneeId: id(`SELECT Id FROM User WHERE Username = '${USER}'`),
      PermissionSetLicenseId: id(
        "SELECT Id FROM PermissionSetLicense WHERE DeveloperName = 'SalesforceAPIIntegrationPsl'"
      ),
    });
    expect(psla.status).to.equal(201);
    const r = await assign('Account_Read');
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(r.json.result).to.deep.equal({ successes: [{ name: USER, value: 'Account_Read' }], failures: [] });
    expect(assigned()).to.deep.equal(['Account_Read']);
  });

  it('fails (exit 1) for a set licensed to the Salesforce user license', async () => {
    const r = await assign('Sf_Set');
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    expect(r.json.result).to.deep.equal({
      successes: [],
      failures: [{ name: USER, message: "The user license doesn't match the permission set license." }],
    });
    expect(assigned()).to.deep.equal(['Account_Read']);
  });

  it('reports a repeat as a failure (exit 1), and a repeat beside a new set as partial success (exit 68)', async () => {
    const userId = id(`SELECT Id FROM User WHERE Username = '${USER}'`);
    const duplicate = `Duplicate PermissionSetAssignment. Assignee: ${userId}, PermissionSet: ${id("SELECT Id FROM PermissionSet WHERE Name = 'Account_Read'")}`;
    const again = await assign('Account_Read');
    expect(again.exitCode, again.stdout + again.stderr).to.equal(1);
    expect(again.json.result).to.deep.equal({ successes: [], failures: [{ name: USER, message: duplicate }] });
    const mixed = await assign('Account_Read', 'Custom_Only');
    expect(mixed.exitCode, mixed.stdout + mixed.stderr).to.equal(68);
    expect(mixed.json.result).to.deep.equal({
      successes: [{ name: USER, value: 'Custom_Only' }],
      failures: [{ name: USER, message: duplicate }],
    });
    expect(assigned()).to.deep.equal(['Account_Read', 'Custom_Only']);
  });
});
