import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import IntegrationUserSetup from '../../src/commands/integration-user/setup.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import { makeKeyPair } from '../helpers/keys.js';
import { adminConnection } from '../helpers/metadata.js';
import type { Seed } from '../emulator/index.js';

const keys = makeKeyPair('setup');
const dir = mkdtempSync(path.join(tmpdir(), 'piu-spec-'));
const specFile = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

const seed: Seed = {
  records: { Account: [{ Name: 'Acme' }, { Name: 'Globex' }] },
  permissionSets: [
    { name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } },
    { name: 'Sales_Ops', label: 'Sales Ops', license: 'Salesforce', objects: { Account: ['read'] } },
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
    },
  ],
};

/** Two users: one with a generated set, the app and a JWT verify; one with an existing set. */
const twoUsers = (extraSet = ''): string => `users:
  - name: Acme Sync
    email: it@acme.example
    username: acme-sync@acme.example
    objects: ["Account:read"]
    fields: ["Account.Industry:read"]
    app:
      name: Acme_Sync
      preauthorize: permission-set
    verify:
      clientId: ACMESYNCKEY1
      jwtKeyFile: ${path.relative(dir, keys.keyFile)}
  - name: Billing Export
    email: it@acme.example
    username: billing-export@acme.example
    permissionSets: [Account_Read${extraSet}]
`;

type Result = {
  users: Array<{
    username: string;
    steps: Array<{ name: string; status: string }>;
    verify?: { checks: Array<{ name: string; status: string; message: string }> };
  }>;
};
const statuses = (result: unknown): string[][] =>
  (result as Result).users.map((u) => [u.username, ...u.steps.map((s) => `${s.name}:${s.status}`)]);

describe('integration-user setup', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  it('takes a two-user spec from an empty org to verified; a re-run writes nothing', async () => {
    await ctx.start(seed);
    const file = specFile('two.yaml', twoUsers());
    const { result, error, exitCode } = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(error).to.equal(undefined);
    expect(exitCode).to.equal(0);
    expect(statuses(result)).to.deep.equal([
      [
        'acme-sync@acme.example',
        'create:applied',
        'assign-psl:applied',
        'grant:applied',
        'preauthorize:applied',
        'verify:applied',
      ],
      ['billing-export@acme.example', 'create:applied', 'assign-psl:applied', 'grant:applied', 'verify:applied'],
    ]);
    const verified = (result as Result).users[0].verify?.checks.map((c) => c.status);
    // The certificate: setup read the External Client App's policy only (no request added for its global settings).
    expect(verified).to.deep.equal(['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'skip', 'pass', 'pass', 'pass']);
    expect((result as Result).users[0].verify?.checks[6]).to.deep.equal({
      name: 'certificate',
      status: 'skip',
      message:
        "This run read the policy of Acme_Sync without its global OAuth settings, so the certificate's expiry wasn't checked. See Setup > External Client Apps > External Client App Manager > Acme_Sync > Settings > OAuth Settings > Flow Enablement > JWT Bearer Flow, or run verify --app Acme_Sync.",
    });
    expect(
      ctx.emulator.query(
        `SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username = 'billing-export@acme.example' AND PermissionSet.Name = 'Account_Read'`
      )
    ).to.have.length(1);
    expect(
      ctx.emulator.query(
        "SELECT Id FROM ObjectPermissions WHERE Parent.Name = 'Acme_Sync_Integration' AND SobjectType = 'Account' AND PermissionsRead = true"
      )
    ).to.have.length(1);

    ctx.emulator.clearRequests();
    const again = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(statuses(again.result)).to.deep.equal([
      ['acme-sync@acme.example', 'create:done', 'assign-psl:done', 'grant:done', 'preauthorize:done', 'verify:applied'],
      ['billing-export@acme.example', 'create:done', 'assign-psl:done', 'grant:done', 'verify:applied'],
    ]);
    expect(ctx.writes).to.equal(0);
  });

  it('verify.wait: a login refused while the new pre-authorization propagates is retried until it passes', async () => {
    // The token endpoint answers the first request after the change with the old policy (as the login service may).
    await ctx.start({ ...seed, behaviour: { policyPropagationFailures: 1 } });
    const file = specFile('wait.yaml', twoUsers().replace('      jwtKeyFile:', '      wait: 1\n      jwtKeyFile:'));
    const { result, exitCode } = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(exitCode).to.equal(0);
    const checks = (result as Result).users[0].verify?.checks.map((c) => `${c.name}:${c.status}`);
    expect(checks).to.include.members(['jwt-login:pass', 'query:pass']);
    expect(ctx.emulator.requests.filter((r) => r.path === '/services/oauth2/token')).to.have.length(2);
  });

  // The PSL must land before the assignments that need it: the composite asks Salesforce not to collate.
  for (const collateSubrequests of ['in-order', 'reorder'] as const) {
    it(`writes each user's steps in order whether or not the org collates composite subrequests (${collateSubrequests})`, async () => {
      await ctx.start({ ...seed, behaviour: { collateSubrequests } });
      const { result, exitCode } = await ctx.run(IntegrationUserSetup, [
        '--spec',
        specFile(`order-${collateSubrequests}.yaml`, twoUsers()),
      ]);
      expect(exitCode).to.equal(0);
      expect(statuses(result).map((u) => u.slice(1, 4))).to.deep.equal([
        ['create:applied', 'assign-psl:applied', 'grant:applied'],
        ['create:applied', 'assign-psl:applied', 'grant:applied'],
      ]);
      expect(
        ctx.emulator.query(
          "SELECT Id FROM PermissionSetLicenseAssign WHERE Assignee.Username IN ('acme-sync@acme.example', 'billing-export@acme.example')"
        )
      ).to.have.length(2);
      expect(
        ctx.emulator.query(
          "SELECT Id FROM PermissionSetAssignment WHERE Assignee.Username = 'billing-export@acme.example' AND PermissionSet.Name = 'Account_Read'"
        )
      ).to.have.length(1);
    });
  }

  it('--dry-run prints every step as to do on an empty org and writes nothing', async () => {
    await ctx.start(seed);
    const { result } = await ctx.run(IntegrationUserSetup, ['--spec', specFile('dry.yaml', twoUsers()), '--dry-run']);
    expect(statuses(result)).to.deep.equal([
      ['acme-sync@acme.example', 'create:todo', 'assign-psl:todo', 'grant:todo', 'preauthorize:todo', 'verify:todo'],
      ['billing-export@acme.example', 'create:todo', 'assign-psl:todo', 'grant:todo', 'verify:todo'],
    ]);
    expect(ctx.writes).to.equal(0);
  });

  it('a blocked step anywhere: nothing is written for any user', async () => {
    await ctx.start(seed);
    const { error } = await ctx.run(IntegrationUserSetup, [
      '--spec',
      specFile('blocked.yaml', twoUsers(', Sales_Ops')),
    ]);
    expect(error?.name).to.equal('SetupBlockedError');
    expect(error?.message).to.contain('- users[1] billing-export@acme.example, grant: Nothing was granted');
    // Which user, which step, and why, with each reason on its own (--json shows the data the same way).
    const blockedStep = (error?.data as { users: Array<{ username: string; steps: unknown[] }> }).users[1].steps[2];
    const fix = `sf integration-user grant --username billing-export@acme.example --object <Object>:read --target-org ${ctx.targetOrg}`;
    const why =
      'Permission set "Sales_Ops" has the license "Salesforce", which a user on the Salesforce Integration license can\'t hold.';
    const action = `Use a permission set whose License is "--None--" instead, or generate one with exactly the access the integration needs: ${fix}`;
    expect(blockedStep).to.deep.equal({
      name: 'grant',
      status: 'blocked',
      message: 'blocked',
      error: {
        name: 'GrantBlockedError',
        message: `Nothing was granted to billing-export@acme.example, because:\n- ${why}`,
        actions: [action],
        causes: [{ name: 'SetLicenseDoesNotFitError', message: why, actions: [action] }],
      },
    });
    expect(statuses(error?.data)).to.deep.equal([
      ['acme-sync@acme.example', 'create:todo', 'assign-psl:todo', 'grant:todo', 'preauthorize:todo', 'verify:todo'],
      ['billing-export@acme.example', 'create:todo', 'assign-psl:todo', 'grant:blocked', 'verify:todo'],
    ]);
    expect(ctx.writes).to.equal(0);
    expect(
      ctx.emulator.query("SELECT Id FROM User WHERE Profile.UserLicense.Name = 'Salesforce Integration'")
    ).to.have.length(0);
  });

  const badSpecs: Array<[string, string, RegExp]> = [
    [
      'unknown.yaml',
      'users:\n  - name: A\n    email: a@b.co\n    colour: blue\n',
      /is wrong at users\[0\]\.colour: is not a key of a user \(its keys: name, email, username,/,
    ],
    ['noemail.yaml', 'users:\n  - name: A\n', /is wrong at users\[0\]\.email: is required/],
    ['empty.yaml', 'users: []\n', /is wrong at users: must be a list of at least one user/],
    [
      'verify.yaml',
      'users:\n  - name: A\n    email: a@b.co\n    verify:\n      clientId: X\n',
      /is wrong at users\[0\]\.verify: needs clientId and jwtKeyFile together/,
    ],
    [
      'wait.yaml',
      'users:\n  - name: A\n    email: a@b.co\n    verify:\n      wait: 90\n',
      /is wrong at users\[0\]\.verify\.wait: must be a whole number of minutes from 0 to 30/,
    ],
    [
      'twice.yaml',
      'users:\n  - name: A\n    email: a@b.co\n    username: a@b.co\n  - name: B\n    email: a@b.co\n    username: A@B.CO\n',
      /is wrong at users\[1\]: declares "a@b.co" a second time/,
    ],
  ];
  for (const [name, text, message] of badSpecs) {
    it(`a spec error names the file and the place (${name}), before any request`, async () => {
      await ctx.start(seed);
      const file = specFile(name, text);
      const { error } = await ctx.run(IntegrationUserSetup, ['--spec', file]);
      expect(error?.name).to.equal('SpecInvalidError');
      expect(error?.message).to.contain(`The spec file "${file}"`);
      expect(error?.message).to.match(message);
      expect(ctx.emulator.requests).to.have.length(0);
    });
  }

  /** A spec of two users, the second with these lines (under `  - name: Billing Export`). */
  const secondUser = (lines: string): string =>
    `users:\n  - name: Acme Sync\n    email: it@acme.example\n  - name: Billing Export\n${lines}`;
  // What the flags' own checks refuse, said in the spec's terms: the place, the value, what to write there.
  const badValues: Array<{ title: string; text: string; at: string; what: string; write: string }> = [
    {
      title: 'an email with a quote and no domain',
      text: secondUser(`    email: "o'brien@"\n`),
      at: 'users[1].email',
      what: `"o'brien@" is not a valid email address`,
      write:
        "write an address the admin team controls, for example email: it-integrations@acme.example (Salesforce sends the user's notices there)",
    },
    {
      title: 'a username as a SOQL injection',
      text: secondUser(`    email: it@acme.example\n    username: "x' OR Name != '@acme.example"\n`),
      at: 'users[1].username',
      what: `"x' OR Name != '@acme.example" is not a valid Salesforce username: it contains whitespace`,
      write:
        'write a username in the form of an email address (something@something, at most 80 characters, no spaces), for example username: acme-sync.integration@acme.example, or leave username out to derive one',
    },
    {
      title: 'an alias of 9 characters',
      text: secondUser('    email: it@acme.example\n    alias: billingex\n'),
      at: 'users[1].alias',
      what: '"billingex" is not a valid alias: it has 9 characters',
      write:
        'write at most 8 letters, digits, dots, dashes or underscores, for example alias: acmesync, or leave alias out to derive one from name',
    },
    {
      title: 'an object access word that is none',
      text: secondUser('    email: it@acme.example\n    objects: ["Contact:read", "Account:rd"]\n'),
      at: 'users[1].objects[1]',
      what: '"rd" in "Account:rd" is not an object access',
      write:
        'write access words from read, create, edit, delete, viewall and modifyall, for example "Account:read,edit"',
    },
    {
      title: 'delete without the read and edit it needs',
      text: secondUser('    email: it@acme.example\n    objects: ["Account:delete"]\n'),
      at: 'users[1].objects[0]',
      what: 'Account: delete also needs read, edit (Salesforce requires read for create, edit, delete and view all, edit for delete, and read, edit, delete and view all for modify all)',
      write: 'write "Account:read,edit,delete"',
    },
    {
      title: 'a field grant with an access word that is none',
      text: secondUser('    email: it@acme.example\n    fields: ["Account.Industry:write"]\n'),
      at: 'users[1].fields[0]',
      what: '"Account.Industry:write" is not field access of the form Object.Field:read or Object.Field:edit',
      write: 'write Object.Field:read or Object.Field:edit, for example "Account.Industry:read"',
    },
    {
      title: 'an app name with a space',
      text: secondUser('    email: it@acme.example\n    app:\n      name: Acme Sync\n'),
      at: 'users[1].app.name',
      what: '"Acme Sync" is not a valid app API name',
      write:
        "write the app's API name (letters, digits and underscores, starting with a letter) as Setup > App Manager shows it, for example name: Acme_Sync",
    },
    {
      title: 'a misspelt key',
      text: secondUser('    emial: it@acme.example\n'),
      at: 'users[1].emial',
      what: 'is not a key of a user; did you mean "email"?',
      write: 'write "email" instead',
    },
    {
      title: 'a misspelt key under verify',
      text: secondUser('    email: it@acme.example\n    verify:\n      clientID: X\n      jwtKeyFile: server.key\n'),
      at: 'users[1].verify.clientID',
      what: 'is not a key of verify; did you mean "clientId"?',
      write: 'write "clientId" instead',
    },
    {
      title: 'a YAML error',
      text: secondUser('    email: it@acme.example\n    objects: [Account:read\n'),
      at: 'line 6, column 27',
      what: 'Flow sequence in block collection must be sufficiently indented and end with a ], in the line "objects: [Account:read"',
      write:
        'write valid YAML at that place (the line, or the line before it: an unclosed bracket or quote, an indentation off by a space)',
    },
  ];
  for (const c of badValues) {
    it(`a spec value its command would refuse, in the spec's terms (${c.title}): exit 2, no request`, async () => {
      await ctx.start(seed);
      const file = specFile('values.yaml', c.text);
      const { error } = await ctx.run(IntegrationUserSetup, ['--spec', file]);
      expect(error?.name).to.equal('SpecInvalidError');
      expect(error?.exitCode).to.equal(2);
      expect(error?.message).to.equal(`The spec file "${file}" is wrong at ${c.at}: ${c.what}`);
      expect(error?.actions).to.deep.equal([
        `in the spec, ${c.at}: ${c.write}`,
        "The spec's format is in the README and in schemas/setup-spec.json.",
      ]);
      expect(ctx.emulator.requests).to.deep.equal([]);
    });
  }

  it('a JSON spec that breaks off: the place is where it ends, with the last line', async () => {
    await ctx.start(seed);
    const file = specFile('broken.json', '{\n  "users": [\n    {"name": "A", "email": "a@b.co"}\n');
    const { error } = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(error?.exitCode).to.equal(2);
    expect(error?.message).to.match(
      new RegExp(
        `^The spec file "${file}" is wrong at line 3, column 37: .+, in the line "\\{"name": "A", "email": "a@b\\.co"\\}"$`
      )
    );
    expect(error?.actions?.[0]).to.match(/^in the spec, line 3, column 37: write valid JSON at that place/);
    expect(ctx.emulator.requests).to.deep.equal([]);
  });
});

describe('integration-user setup: one inspection, one write per user (connected app already admin-approved)', () => {
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());
  const PROFILE = 'Minimum Access - API Only Integrations';
  const appSeed = (behaviour: Seed['behaviour'] = {}, isSandbox = false): Seed => ({
    org: { isSandbox },
    behaviour,
    records: { Account: [{ Name: 'Acme' }] },
    permissionSets: [{ name: 'Account_Read', label: 'Account Read', license: null, objects: { Account: ['read'] } }],
    connectedApps: [
      {
        name: 'Bench_Sync',
        label: 'Bench Sync',
        consumerKey: 'BENCHSYNCKEY1',
        certificate: keys.certificate,
        adminApproved: true,
        profiles: [],
        permissionSets: [],
      },
    ],
  });
  const oneUser = `users:
  - name: Bench Sync
    email: it@acme.example
    username: bench-sync@acme.example
    permissionSets: [Account_Read]
    app: { name: Bench_Sync }
    verify:
      clientId: BENCHSYNCKEY1
      jwtKeyFile: ${path.relative(dir, keys.keyFile)}
`;
  const accessRows = (parent: string): unknown[] =>
    // ConnectedApplication.Name is the label ("Bench Sync"); the spec names the app by its API name.
    ctx.emulator.query(
      `SELECT Id FROM SetupEntityAccess WHERE ${parent} AND SetupEntityId IN (SELECT Id FROM ConnectedApplication WHERE Name = 'Bench Sync')`
    );
  /** The requests in order; the inspection batch and the app's readMetadata go out together, so that pair is sorted. */
  const shape = (): string[] => {
    const all = ctx.emulator.requests.map(
      (r) =>
        `${r.method} ${r.path.replace(/\/v\d+\.\d+/, '').replace(/\/Soap\/m\/[\d.]+/, '/Soap/m')}${r.soapOperation ? ` ${r.soapOperation}` : ''}`
    );
    return [...all.slice(0, 2).sort(), ...all.slice(2)];
  };

  it('reads once, writes once (user, PSL, set, SetupEntityAccess) with the reads of verify in the same call, one token request and the query; a re-run writes nothing and verifies from its one inspection', async () => {
    await ctx.start(appSeed());
    const file = specFile('one.yaml', oneUser);
    const { result, exitCode } = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(exitCode).to.equal(0);
    expect(statuses(result)).to.deep.equal([
      [
        'bench-sync@acme.example',
        'create:applied',
        'assign-psl:applied',
        'grant:applied',
        'preauthorize:applied',
        'verify:applied',
      ],
    ]);
    expect((result as Result).users[0].verify?.checks.map((c) => c.status)).to.deep.equal(Array(10).fill('pass'));
    expect(shape()).to.deep.equal([
      'POST /services/Soap/m readMetadata',
      'POST /services/data/composite/batch',
      'POST /services/data/composite',
      'POST /services/oauth2/token',
      'GET /services/data/query',
    ]);
    // verify's reads rode in the write call, after its writes (their SOQL in the call's log).
    const write = ctx.emulator.requests.find((r) => r.path.endsWith('/composite'));
    expect(write?.writes).to.be.greaterThan(3);
    expect(write?.subrequests?.map((s) => s.method)).to.deep.equal([
      'POST',
      'POST',
      'POST',
      'POST',
      'GET',
      'GET',
      'GET',
      'GET',
    ]);
    expect(accessRows(`Parent.Profile.Name = '${PROFILE}'`)).to.have.length(1);

    ctx.emulator.clearRequests();
    const again = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(statuses(again.result)).to.deep.equal([
      [
        'bench-sync@acme.example',
        'create:done',
        'assign-psl:done',
        'grant:done',
        'preauthorize:done',
        'verify:applied',
      ],
    ]);
    // Nothing to write: verify's reads come from the inspection (one batch), not a second batch.
    expect(shape()).to.deep.equal([
      'POST /services/Soap/m readMetadata',
      'POST /services/data/composite/batch',
      'POST /services/oauth2/token',
      'GET /services/data/query',
    ]);
    expect(ctx.writes).to.equal(0);
  });

  it("verify's reads in the write call are read to their last page: one record a page, the set's two object rows both in the access check", async () => {
    await ctx.start({
      ...appSeed({ queryPageSize: 1 }),
      permissionSets: [
        {
          name: 'Account_Read',
          label: 'Account Read',
          license: null,
          objects: { Account: ['read'], Contact: ['read'] },
        },
      ],
    });
    const { result, exitCode } = await ctx.run(IntegrationUserSetup, ['--spec', specFile('paged.yaml', oneUser)]);
    expect(exitCode).to.equal(0);
    const verify = (result as Result).users[0].verify as
      { checks: Array<{ status: string }>; access: Array<{ object: string; read: boolean }> } | undefined;
    expect(verify?.checks.map((c) => c.status)).to.deep.equal(Array(10).fill('pass'));
    expect(verify?.access.map((a) => `${a.object}:${String(a.read)}`)).to.deep.equal(['Account:true', 'Contact:true']);
    // After the write call: the next page of its setObjects query, then the JWT exchange and the query.
    const at = ctx.emulator.requests.findIndex((r) => r.path.endsWith('/composite'));
    const after = ctx.emulator.requests.slice(at + 1).map((r) => `${r.method} ${r.path.replace(/\/v\d+\.\d+/, '')}`);
    expect(after[0]).to.match(/^GET \/services\/data\/query\/.+/);
    expect(after.slice(-2)).to.deep.equal(['POST /services/oauth2/token', 'GET /services/data/query']);
  });

  for (const isSandbox of [false, true]) {
    for (const myDomainAudience of ['accept', 'reject'] as const) {
      it(`${isSandbox ? 'a sandbox' : 'production'}, My Domain audience ${myDomainAudience}: the JWT login of verify takes one token request, signed for the org's kind`, async () => {
        await ctx.start(appSeed({ myDomainAudience }, isSandbox));
        const { result, exitCode } = await ctx.run(IntegrationUserSetup, [
          '--spec',
          specFile(`kind-${String(isSandbox)}-${myDomainAudience}.yaml`, oneUser),
        ]);
        expect(exitCode).to.equal(0);
        const checks = (result as Result).users[0].verify?.checks ?? [];
        expect(checks.map((c) => `${c.name}:${c.status}`).slice(-3)).to.deep.equal([
          'jwt-login:pass',
          'query:pass',
          'identity:pass',
        ]);
        expect(checks.find((c) => c.name === 'jwt-login')?.message).to.contain(
          `(audience https://${isSandbox ? 'test' : 'login'}.salesforce.com)`
        );
        expect(shape().filter((r) => r.includes('oauth2'))).to.deep.equal(['POST /services/oauth2/token']);
      });
    }
  }

  it('an org that refuses rows under profile-owned sets: the rest is written again without it, the app through the Metadata API', async () => {
    await ctx.start(appSeed({ setupEntityAccessOnProfilePermset: 'reject' }));
    const file = specFile('refused.yaml', oneUser);
    const { result, exitCode } = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(exitCode).to.equal(0);
    expect(statuses(result)).to.deep.equal([
      [
        'bench-sync@acme.example',
        'create:applied',
        'assign-psl:applied',
        'grant:applied',
        'preauthorize:applied',
        'verify:applied',
      ],
    ]);
    const writes = ctx.emulator.requests.filter((r) => r.path.endsWith('/composite')).map((r) => r.writes);
    expect(writes[0]).to.equal(0);
    expect(writes[1]).to.be.greaterThan(0);
    expect(ctx.emulator.requests.map((r) => r.soapOperation)).to.include.members(['readMetadata', 'updateMetadata']);
    const app = (await adminConnection(ctx.emulator).metadata.read('ConnectedApp', 'Bench_Sync')) as unknown as Record<
      string,
      unknown
    >;
    expect([app.profileName].flat()).to.deep.equal([PROFILE]);

    ctx.emulator.clearRequests();
    await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(ctx.writes).to.equal(0);
  });

  it('permission-set mode lists the generated set made in the same call; users sharing the profile add its row once', async () => {
    await ctx.start(appSeed());
    const user = (name: string, extra: string): string => `  - name: ${name}\n    email: it@acme.example\n${extra}`;
    const spec = `users:\n${user('Acme Sync', '    objects: ["Account:read"]\n    app: { name: Bench_Sync, preauthorize: permission-set }\n')}${user('Billing Export', '    app: { name: Bench_Sync }\n')}${user('Ledger Feed', '    app: { name: Bench_Sync }\n')}`;
    const { result, exitCode } = await ctx.run(IntegrationUserSetup, ['--spec', specFile('shared.yaml', spec)]);
    expect(exitCode).to.equal(0);
    expect((result as Result).users.map((u) => u.steps.map((s) => s.status))).to.deep.equal([
      ['applied', 'applied', 'applied', 'applied', 'applied'],
      ['applied', 'applied', 'applied', 'applied'],
      ['applied', 'applied', 'done', 'applied'],
    ]);
    expect((result as Result).users.map((u) => u.verify?.checks.find((c) => c.name === 'app')?.status)).to.deep.equal([
      'pass',
      'pass',
      'pass',
    ]);
    expect(accessRows("Parent.Name = 'Acme_Sync_Integration'")).to.have.length(1);
    expect(accessRows(`Parent.Profile.Name = '${PROFILE}'`)).to.have.length(1);
    expect(ctx.emulator.requests.filter((r) => r.path.endsWith('/composite'))).to.have.length(3);
  });

  it('a username taken in another org: the create step fails as create says it, with a free username to use', async () => {
    await ctx.start({ ...appSeed(), usernamesTakenElsewhere: ['bench-sync@acme.example'] });
    const { error } = await ctx.run(IntegrationUserSetup, ['--spec', specFile('taken.yaml', oneUser)]);
    expect(error?.name).to.equal('SetupFailedError');
    const create = (
      error?.data as {
        users: Array<{ steps: Array<{ name: string; status: string; error?: { name: string; actions: string[] } }> }>;
      }
    ).users[0].steps[0];
    expect(create).to.deep.include({ name: 'create', status: 'failed' });
    expect(create.error?.name).to.equal('UsernameTakenElsewhereError');
    expect(create.error?.actions[0]).to.match(
      /Choose another username with --username, for example bench-sync-[a-z0-9-]+\.integration\.00d/
    );
    expect(ctx.writes).to.equal(0);
  });

  it('a write Salesforce refuses rolls the user back whole: exit 1, the failing step named, nothing in the org; a re-run completes', async () => {
    await ctx.start(appSeed());
    const file = specFile('rollback.yaml', oneUser);
    ctx.emulator.addFault({
      path: '/composite/sobjects',
      method: 'POST',
      times: 1,
      recordError: {
        index: 0,
        statusCode: 'UNABLE_TO_LOCK_ROW',
        message: 'unable to obtain exclusive access to this record',
      },
    });
    const { error } = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(error?.name).to.equal('SetupFailedError');
    expect(statuses(error?.data)).to.deep.equal([
      [
        'bench-sync@acme.example',
        'create:not-run',
        'assign-psl:not-run',
        'grant:failed',
        'preauthorize:not-run',
        'verify:not-run',
      ],
    ]);
    expect(ctx.writes).to.equal(0);
    expect(ctx.emulator.query("SELECT Id FROM User WHERE Username = 'bench-sync@acme.example'")).to.have.length(0);

    const again = await ctx.run(IntegrationUserSetup, ['--spec', file]);
    expect(again.exitCode).to.equal(0);
    expect(statuses(again.result)[0].slice(1)).to.deep.equal([
      'create:applied',
      'assign-psl:applied',
      'grant:applied',
      'preauthorize:applied',
      'verify:applied',
    ]);
  });
});
