import { expect } from 'chai';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import IntegrationUserPreauthorize from '../../src/commands/integration-user/preauthorize.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import type { Seed } from '../emulator/index.js';

const USER = 'obrien.sync@acme.example';

/** Sets and groups whose labels differ from their API names (one with an apostrophe), and more than a page of others. */
const seed: Seed = {
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
      profile: 'Minimum Access - API Only Integrations',
      active: true,
      permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
    },
  ],
  permissionSets: [
    { name: 'Acme_Sync_Read', label: "O'Brien's Sync Read", license: null, objects: { Account: ['read'] } },
    { name: 'Invoice_Access', label: 'Invoices Read and Create', license: null, objects: { Invoice__c: ['read'] } },
    ...['Billing', 'Forecasts', 'Territories', 'Payroll', 'Shipping'].map((area) => ({
      name: `${area}_Admin`,
      label: `${area} administration`,
      license: null,
    })),
  ],
  permissionSetGroups: [
    { name: 'Sync_Access', label: 'Nightly Sync Team', permissionSets: ['Invoice_Access'] },
    { name: 'Finance_Access', label: 'Finance Team', permissionSets: ['Invoice_Access'] },
  ],
  externalClientApps: [
    {
      name: 'Acme_Sync',
      label: 'Acme Sync',
      consumerKey: 'ACMESYNCKEY1',
      permittedUsers: 'AdminApprovedPreAuthorized',
      profiles: [],
      permissionSets: [],
    },
  ],
};

/** Reads of every set's or group's names (the "did you mean" query), by what they read. */
const NAME_QUERIES = [
  'SELECT Name, Label FROM PermissionSet WHERE IsOwnedByProfile = false AND PermissionSetGroupId = null',
  'SELECT DeveloperName, MasterLabel FROM PermissionSetGroup',
];

describe('"did you mean" for a permission set or group the org does not have', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const soqls = (): string[] => ctx.emulator.requests.flatMap((r) => (r.soql === undefined ? [] : [r.soql].flat()));
  /** The requests that read every set's or group's names, and the queries each sent. */
  const nameReads = (): string[][] =>
    ctx.emulator.requests
      .map((r) => (r.soql === undefined ? [] : [r.soql].flat()).filter((q) => NAME_QUERIES.includes(q)).sort())
      .filter((queries) => queries.length > 0);

  it('grant: close API names and labels suggest the API name; one more round trip, only when a name is missing', async () => {
    await ctx.start(seed);
    const { error } = await ctx.run(IntegrationUserGrant, [
      '-u',
      USER,
      '-p',
      'Acme_Synk_Read',
      '-p',
      'OBriens Sync-Read',
      '-p',
      'Quarterly_Bonus',
      '-g',
      'nightly sync teams',
    ]);
    expect(error?.name).to.equal('GrantBlockedError');
    expect(error?.message).to.equal(
      [
        `Nothing was granted to ${USER}, because:`,
        '- There is no permission set with the API name or label "Acme_Synk_Read". Did you mean "Acme_Sync_Read"?',
        '- There is no permission set with the API name or label "OBriens Sync-Read". Did you mean "Acme_Sync_Read"?',
        '- There is no permission set with the API name or label "Quarterly_Bonus".',
        '- There is no permission set group with the API name or label "nightly sync teams". Did you mean "Sync_Access"?',
      ].join('\n')
    );
    expect(ctx.writes).to.equal(0);
    // Both lists in one round trip, once.
    expect(nameReads()).to.deep.equal([[...NAME_QUERIES].sort()]);

    ctx.emulator.clearRequests();
    const found = await ctx.run(IntegrationUserGrant, ['-u', USER, '-p', "O'Brien's Sync Read", '-g', 'Sync_Access']);
    expect(found.error).to.equal(undefined);
    expect(found.result?.permissionSets.map((i) => [i.name, i.status])).to.deep.equal([
      ['Acme_Sync_Read', 'assigned'],
      ['Sync_Access', 'assigned'],
    ]);
    expect(nameReads(), 'no names read when every name is found').to.deep.equal([]);
    expect(soqls().some((q) => q.startsWith('SELECT DeveloperName, MasterLabel FROM PermissionSetGroup'))).to.equal(
      false
    );
  });

  it('grant: only the list of what is missing is read (a group alone)', async () => {
    await ctx.start(seed);
    const { error } = await ctx.run(IntegrationUserGrant, ['-u', USER, '-p', 'Acme_Sync_Read', '-g', 'Finance_Acess']);
    expect(error?.message).to.equal(
      `Nothing was granted to ${USER}, because:\n- There is no permission set group with the API name or label "Finance_Acess". Did you mean "Finance_Access"?`
    );
    expect(nameReads()).to.deep.equal([[NAME_QUERIES[1]]]);
  });

  it('preauthorize: a label or a misspelling given for --permission-set suggests the API name', async () => {
    await ctx.start(seed);
    const label = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync', '-p', "O'Brien's Sync Read"]);
    expect(label.error?.name).to.equal('PreauthorizeSetNotFoundError');
    expect(label.error?.message).to.equal(
      'There is no permission set with the API name "O\'Brien\'s Sync Read". Did you mean "Acme_Sync_Read"?'
    );
    const typo = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync', '-p', 'Invoice_Acess']);
    expect(typo.error?.message).to.equal(
      'There is no permission set with the API name "Invoice_Acess". Did you mean "Invoice_Access"?'
    );
    const none = await ctx.run(IntegrationUserPreauthorize, ['--app', 'Acme_Sync', '-p', 'Quarterly_Bonus']);
    expect(none.error?.message).to.equal('There is no permission set with the API name "Quarterly_Bonus".');
    expect(nameReads()).to.deep.equal([[NAME_QUERIES[0]], [NAME_QUERIES[0]], [NAME_QUERIES[0]]]);
    expect(ctx.writes).to.equal(0);

    ctx.emulator.clearRequests();
    const found = await ctx.run(IntegrationUserPreauthorize, [
      '--app',
      'Acme_Sync',
      '-p',
      'Acme_Sync_Read',
      '--dry-run',
    ]);
    expect(found.error).to.equal(undefined);
    expect(nameReads(), 'no names read when every name is found').to.deep.equal([]);
  });
});
