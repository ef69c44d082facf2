// list: the apps whose client credentials flow runs as each integration user (ECA policies from the one retrieve,
// connected apps' components in the same retrieve), shown in the JSON and marked in the table's apps column.

import { expect } from 'chai';
import IntegrationUserList from '../../src/commands/integration-user/list.js';
import { listUserRows } from '../../src/cli/output.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import type { Seed } from '../emulator/index.js';

const PROFILE = 'Minimum Access - API Only Integrations';
const USER = "o'brien-sync@acme.example";

const seed: Seed = {
  users: [
    {
      username: USER,
      lastName: "O'Brien Sync",
      profile: PROFILE,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
    },
    { username: 'billing@acme.example', lastName: 'Billing', profile: PROFILE },
  ],
  externalClientApps: [
    {
      name: 'Acme_Sync',
      label: 'Acme Sync',
      consumerKey: 'ACMESYNCKEY1',
      permittedUsers: 'AdminApprovedPreAuthorized',
      profiles: [PROFILE],
      runAs: USER,
    },
    { name: 'Other_Sync', label: 'Other Sync', consumerKey: 'OTHERSYNCKEY', runAs: 'billing@acme.example' },
  ],
  connectedApps: [{ name: 'Legacy_Sync', label: 'Legacy Sync', consumerKey: 'LEGACYSYNCKEY1', runAs: USER }],
};

describe('integration-user list: apps that run as each user', function () {
  this.timeout(60_000);
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  it('names every app whose run-as user is the integration user', async () => {
    await ctx.start(seed);
    const { result, error } = await ctx.run(IntegrationUserList, []);
    expect(error).to.equal(undefined);
    expect(result?.users.map((u) => [u.username, u.apps, u.runAsApps])).to.deep.equal([
      ['billing@acme.example', ['Acme_Sync'], ['Other_Sync']],
      [USER, ['Acme_Sync'], ['Acme_Sync', 'Legacy_Sync']],
    ]);
    expect(listUserRows(result!).map((r) => r.apps)).to.deep.equal([
      'Acme_Sync, Other_Sync (runs as this user)',
      'Acme_Sync (runs as this user), Legacy_Sync (runs as this user)',
    ]);
    // The connected apps' run-as users ride in the one retrieve list sends for the ECA policies: no readMetadata,
    // however many connected apps the org has.
    expect(ctx.emulator.requests.filter((r) => r.soapOperation === 'readMetadata')).to.have.length(0);
    expect(ctx.emulator.requests.filter((r) => r.soapOperation === 'retrieve')).to.have.length(1);
    expect(ctx.writes).to.equal(0);
  });
});
