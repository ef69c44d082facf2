import { expect } from 'chai';
import IntegrationUserList from '../../src/commands/integration-user/list.js';
import IntegrationUserPreauthorize from '../../src/commands/integration-user/preauthorize.js';
import IntegrationUserVerify from '../../src/commands/integration-user/verify.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { withoutStress } from '../helpers/stress.js';
import type { Emulator, RequestLogEntry, Seed } from '../emulator/index.js';

// Hundreds of users and sets: no GET URI over the 2,000 characters Salesforce recommends (Help 000386264), no SOQL
// statement over 100,000 characters, long Id lists chunked, and the answers right.

const PROFILE = 'Minimum Access - API Only Integrations';
const pad = (i: number): string => String(i).padStart(3, '0');
const licenses = {
  userLicenses: [
    { name: 'Salesforce Integration', total: 20 },
    { name: 'Salesforce', total: 1000 },
  ],
};
const admin = {
  username: 'admin@emu.example',
  lastName: 'Admin',
  email: 'admin@emu.example',
  profile: 'System Administrator',
};

/** Every request within Salesforce's size limits: URIs under 2,000 characters, statements under 100,000. */
function expectWithinLimits(emu: Emulator): void {
  const uri = (r: RequestLogEntry): string => `${r.path}${r.query ? `?${r.query}` : ''}`;
  const statements = emu.requests.flatMap((r) =>
    r.soql === undefined ? [] : Array.isArray(r.soql) ? r.soql : [r.soql]
  );
  expect(emu.requests.filter((r) => uri(r).length > 2000).map(uri)).to.deep.equal([]);
  expect(statements.filter((s) => s.length > 100_000)).to.deep.equal([]);
  // Expected refusals only: a chunk too big for an aggregate (halved), and the optional column this org lacks (absentFields).
  const expected = new Set(['EXCEEDED_ID_LIMIT', 'INVALID_FIELD']);
  expect(
    emu.requests.filter(
      (r) => r.status >= 400 || (r.subrequests ?? []).some((s) => s.status >= 400 && !expected.has(s.errorCode ?? ''))
    )
  ).to.deep.equal([]);
}

describe("a large org: every request within Salesforce's size limits, the answers right", function () {
  this.timeout(120_000);
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  it('list --candidates over 700 users: LoginHistory as an aggregate, 256 users a query, halved when the org says a chunk is too big', async () => {
    const seed = {
      ...licenses,
      behaviour: { aggregateQueryRowLimit: 300 },
      permissionSets: [{ name: 'Api_Only', label: 'API Only', license: null, userPermissions: ['ApiUserOnly'] }],
      users: [
        admin,
        ...Array.from({ length: 700 }, (_, i) => ({
          username: i % 10 === 1 ? `sync-${pad(i)}@acme.example` : `person-${pad(i)}@acme.example`,
          lastName: `O'Brien ${pad(i)}`,
          email: 'people@acme.example',
          profile: 'Standard User',
          // Every tenth logs in through the API only; the others (the sync-named ones too) also log in to the UI.
          loginHistory:
            i % 10 === 0
              ? [
                  { type: 'Remote Access 2.0', daysAgo: 3 },
                  { type: 'Remote Access 2.0', daysAgo: 2 },
                ]
              : [
                  { type: 'Remote Access 2.0', daysAgo: 3 },
                  { type: 'Application', daysAgo: 2 },
                ],
        })),
        // A UI login older than the six months LoginHistory keeps doesn't count.
        {
          username: 'window.feed@acme.example',
          lastName: 'Window Feed',
          email: 'it@acme.example',
          profile: 'Standard User',
          loginHistory: [
            { type: 'Application', daysAgo: 200 },
            { type: 'Remote Access 2.0', daysAgo: 1 },
          ],
        },
      ],
    } as Seed;
    const emu = await withoutStress(() => ctx.start(seed));
    const { result, error } = await ctx.run(IntegrationUserList, ['--candidates']);
    expect(error).to.equal(undefined);
    const apiOnly = Array.from({ length: 70 }, (_, k) => `person-${pad(k * 10)}@acme.example`);
    expect(result?.candidates?.map((c) => c.username)).to.deep.equal([...apiOnly, 'window.feed@acme.example']);
    expect(result?.candidates?.[0].reasons).to.deep.equal(['only API logins in its login history (2)']);
    expect(result?.candidates?.[70].reasons).to.deep.equal(['only API logins in its login history (1)']);
    expectWithinLimits(emu);
    // 701 users: chunks of 256, 256 and 189 Ids, two groups a user: each chunk over 300 groups, each halved once.
    const logins = emu.requests.filter((r) =>
      (Array.isArray(r.soql) ? r.soql : [r.soql]).some((s) => s?.includes('FROM LoginHistory'))
    );
    expect(logins.map((r) => (r.subrequests ?? []).map((s) => s.errorCode ?? s.status))).to.deep.equal([
      ['EXCEEDED_ID_LIMIT', 'EXCEEDED_ID_LIMIT', 'EXCEEDED_ID_LIMIT'],
      [200, 200, 200, 200, 200, 200],
    ]);
    // One bulk read (the full-license users' one page with it) with the connected apps' listMetadata beside it (their
    // API names), the ECA policies' retrieve and its status check, two rounds of LoginHistory.
    expect(emu.requests.map((r) => r.soapOperation ?? r.path.replace(/\/v\d+\.\d+/, ''))).to.have.members([
      '/services/data/composite/batch',
      'listMetadata',
      'retrieve',
      'checkRetrieveStatus',
      '/services/data/composite/batch',
      '/services/data/composite/batch',
    ]);
    expect(logins.flatMap((r) => r.soql as string[]).find((q) => q.match(/'005/g)?.length === 256)).to.match(
      /^SELECT UserId, LoginType, Status, COUNT\(Id\) logins FROM LoginHistory WHERE UserId IN \('005[A-Za-z0-9]{15}'(, '005[A-Za-z0-9]{15}'){255}\) AND LoginTime = LAST_N_DAYS:180 GROUP BY UserId, LoginType, Status$/
    );
  });

  it('preauthorize switching an app 600 users have used: who loses access, read 256 users a query', async () => {
    const seed = {
      ...licenses,
      permissionSets: [{ name: 'Feed_Access', label: 'Feed Access', license: null }],
      users: [
        admin,
        ...Array.from({ length: 600 }, (_, i) => ({
          username: `person-${pad(i)}@acme.example`,
          lastName: `Person ${pad(i)}`,
          email: 'people@acme.example',
          profile: 'Standard User',
          permissionSets: i % 3 ? [] : ['Feed_Access'],
        })),
      ],
      externalClientApps: [
        {
          name: 'Acme_Feed',
          label: 'Acme Feed',
          consumerKey: 'ACMEFEEDKEY1',
          permittedUsers: 'AllSelfAuthorized',
          profiles: [],
          permissionSets: [],
          oauthTokens: Array.from({ length: 600 }, (_, i) => ({ username: `person-${pad(i)}@acme.example` })),
        },
      ],
    } as Seed;
    const emu = await withoutStress(() => ctx.start(seed));
    const { result, error } = await ctx.run(IntegrationUserPreauthorize, [
      '--app',
      'Acme_Feed',
      '-p',
      'Feed_Access',
      '--no-prompt',
    ]);
    expect(error).to.equal(undefined);
    const losing = Array.from({ length: 600 }, (_, i) => i)
      .filter((i) => i % 3)
      .map((i) => `person-${pad(i)}@acme.example`);
    expect(result?.usersLosingAccess).to.deep.equal(losing);
    expectWithinLimits(emu);
    const holders = emu.requests.filter((r) =>
      (Array.isArray(r.soql) ? r.soql : [r.soql]).some((s) =>
        s?.includes('FROM PermissionSetAssignment WHERE AssigneeId IN')
      )
    );
    expect(holders.map((r) => r.soql)).to.have.length(1);
    // The chunks go out in one composite; the org may run them in any order (collateSubrequests), so the log's order varies.
    expect((holders[0].soql as string[]).map((s) => s.match(/'005/g)?.length).sort()).to.deep.equal([256, 256, 88]);
  });

  it('verify of a user holding a group of 300 sets: the access of the group read from its aggregate set, in the one inspection', async () => {
    const sets = Array.from({ length: 300 }, (_, i) => ({
      name: `Feed_${pad(i)}`,
      label: `Feed ${pad(i)}`,
      license: null,
      objects: { [`Feed${pad(i)}__c`]: ['read'] },
    }));
    const seed = {
      ...licenses,
      permissionSets: sets,
      permissionSetGroups: [{ name: 'All_Feeds', label: 'All Feeds', permissionSets: sets.map((s) => s.name) }],
      users: [
        admin,
        {
          username: 'feed.sync@acme.example',
          lastName: 'Feed Sync',
          email: 'it@acme.example',
          profile: PROFILE,
          permissionSetLicenses: ['SalesforceAPIIntegrationPsl'],
          permissionSets: ['All_Feeds'],
        },
      ],
    } as Seed;
    const emu = await withoutStress(() => ctx.start(seed));
    const { result, error } = await ctx.run(IntegrationUserVerify, [
      '-u',
      'feed.sync@acme.example',
      '--object',
      'Feed000__c',
      '--object',
      'Feed299__c',
    ]);
    expect(error).to.equal(undefined);
    expect(result?.checks.find((c) => c.name === 'access')).to.deep.include({
      status: 'pass',
      message: 'Object access: Feed000__c (read); Feed299__c (read).',
    });
    expectWithinLimits(emu);
    // The group's assignment names its aggregate set, which holds the 300 members' object permissions: no Id list at all.
    expect(emu.requests.map((r) => r.path.replace(/\/v\d+\.\d+/, ''))).to.deep.equal([
      '/services/data/composite/batch',
    ]);
    expect(
      emu.requests.flatMap((r) => [r.soql ?? []].flat()).filter((q) => q.includes("ParentId IN ('"))
    ).to.deep.equal([]);
  });
});
