import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Org } from '@salesforce/core';
import { Spinner } from '@salesforce/sf-plugins-core';
import { expect } from 'chai';
import IntegrationUserSetup from '../../src/commands/integration-user/setup.js';
import { connect } from '../../src/service/connect.js';
import { listIntegrationUsers, type ListProgress } from '../../src/service/list.js';
import { setup, type SetupProgress } from '../../src/service/setup.js';
import { readSpec } from '../../src/service/spec.js';
import { EmulatedOrgContext } from '../helpers/command.js';
import type { Seed } from '../emulator/index.js';

// Long work reports where it is through a callback; the command shows it as the spinner's status, in a terminal only.

const dir = mkdtempSync(path.join(tmpdir(), 'piu-progress-'));
const threeUsers = path.join(dir, 'three.yaml');
writeFileSync(
  threeUsers,
  `users:\n${['Billing Export', 'Ledger Sync', "Quote O'Feed"]
    .map((name, i) => `  - name: ${name}\n    email: it@acme.example\n    username: user-${i + 1}@acme.example\n`)
    .join('')}`
);
const USERS = ['user-1@acme.example', 'user-2@acme.example', 'user-3@acme.example'];

describe('progress: services report it, the setup command shows it in a terminal only', function () {
  this.timeout(120_000);
  const ctx = new EmulatedOrgContext();
  afterEach(() => ctx.stop());

  const connected = async (): Promise<ReturnType<typeof connect>> =>
    connect(await Org.create({ aliasOrUsername: ctx.targetOrg }), '66.0');

  it('setup of three users reports user 1/3, 2/3, 3/3 as it writes each; a dry run writes none and reports none', async () => {
    await ctx.start({});
    const { client, context } = await connected();
    const spec = await readSpec(threeUsers);
    const reported: SetupProgress[] = [];
    const options = { specFile: threeUsers, noPrompt: false, onProgress: (p: SetupProgress) => reported.push(p) };
    await setup(client, context, spec, { ...options, dryRun: true });
    expect(reported).to.deep.equal([]);
    const result = await setup(client, context, spec, { ...options, dryRun: false });
    expect(result.users.map((u) => u.steps.every((s) => s.status === 'applied'))).to.deep.equal([true, true, true]);
    expect(reported).to.deep.equal(USERS.map((username, i) => ({ user: i + 1, users: 3, username })));
  });

  it('list --candidates reports the login history as its pages come in: from 0 rows to every row', async () => {
    const seed: Seed = {
      userLicenses: [{ name: 'Salesforce', total: 400 }],
      users: Array.from({ length: 300 }, (_, i) => ({
        username: `person-${i}@acme.example`,
        lastName: `O'Brien ${i}`,
        email: 'people@acme.example',
        profile: 'Standard User',
        loginHistory: [{ type: i % 2 ? 'Application' : 'Remote Access 2.0', daysAgo: 2 }],
      })),
    };
    await ctx.start(seed);
    const { client } = await connected();
    const reported: ListProgress[] = [];
    await listIntegrationUsers(client, {
      candidates: true,
      pricePerMonth: 150,
      extraSeatPrice: 10,
      onProgress: (p) => reported.push(p),
    });
    // The full-license users (300 and the emulator's admin, who has no logins) come in one page, then its login
    // history (a user logs in one way, one group each): a report before anything is read, one for the page.
    expect(reported).to.deep.equal([
      { users: 0, rows: 0 },
      { users: 301, rows: 300 },
    ]);
  });

  describe('the setup command', () => {
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    afterEach(() => {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    });

    /** Runs setup with stderr a terminal or not, with the spinner statuses it sets. */
    async function statuses(isTTY: boolean, json: boolean): Promise<string[]> {
      await ctx.start({});
      const shown: string[] = [];
      ctx.$$.SANDBOX.stub(Spinner.prototype, 'status').set((status: string) => shown.push(status));
      Object.defineProperty(process.stderr, 'isTTY', { value: isTTY, configurable: true });
      const { exitCode } = await ctx.run(IntegrationUserSetup, ['--spec', threeUsers, ...(json ? ['--json'] : [])]);
      expect(exitCode).to.equal(0);
      return shown;
    }

    it('in a terminal: the spinner says which user it writes', async () => {
      expect(await statuses(true, false)).to.deep.equal(USERS.map((u, i) => `user ${i + 1} of 3: ${u}`));
    });

    it('piped: nothing (oclif would print each status as a line of its own)', async () => {
      expect(await statuses(false, false)).to.deep.equal([]);
    });

    it('with --json, even in a terminal: nothing', async () => {
      expect(await statuses(true, true)).to.deep.equal([]);
    });
  });
});
