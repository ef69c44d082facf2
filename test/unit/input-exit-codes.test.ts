import { expect } from 'chai';
import IntegrationUserCreate from '../../src/commands/integration-user/create.js';
import IntegrationUserGrant from '../../src/commands/integration-user/grant.js';
import IntegrationUserList from '../../src/commands/integration-user/list.js';
import { EmulatedOrgContext } from '../helpers/command.js';

// Input checks that need no org run before any request and exit 2, as sf's own flag errors do (oclif's parser).
const cases = [
  {
    title: 'grant --object Account:rd',
    command: IntegrationUserGrant,
    argv: ['--username', 'acme-sync@acme.example', '--object', 'Account:rd'],
    name: 'InvalidObjectAccessError',
  },
  {
    title: 'grant --object Account:delete (delete needs read and edit)',
    command: IntegrationUserGrant,
    argv: ['--username', 'acme-sync@acme.example', '--object', 'Account:delete'],
    name: 'ObjectAccessDependencyError',
  },
  {
    title: 'grant with nothing to grant',
    command: IntegrationUserGrant,
    argv: ['--username', 'acme-sync@acme.example'],
    name: 'NothingToGrantError',
  },
  {
    title: 'create --alias of 9 characters',
    command: IntegrationUserCreate,
    argv: ['--name', 'Acme Sync', '--email', 'it@acme.example', '--alias', 'acmesync1'],
    name: 'InvalidAliasError',
  },
  {
    title: 'create --username without @',
    command: IntegrationUserCreate,
    argv: ['--name', 'Acme Sync', '--email', 'it@acme.example', '--username', 'acme-sync'],
    name: 'InvalidUsernameError',
  },
  {
    title: 'list --candidates --days 181 (LoginHistory keeps 180 days)',
    command: IntegrationUserList,
    argv: ['--candidates', '--days', '181'],
    name: 'InvalidFlagsError',
  },
  {
    title: 'list --candidates --days 0',
    command: IntegrationUserList,
    argv: ['--candidates', '--days', '0'],
    name: 'InvalidFlagsError',
  },
] as const;

describe('input refused before the org is asked: exit 2, the fix named, no request', () => {
  const ctx = new EmulatedOrgContext();
  before(() => ctx.start());
  after(() => ctx.stop());

  for (const c of cases) {
    it(c.title, async () => {
      ctx.emulator.clearRequests();
      const { result, error } = await ctx.run(c.command, [...c.argv]);
      expect(result).to.equal(undefined);
      expect(error?.name).to.equal(c.name);
      expect(error?.exitCode).to.equal(2);
      expect(error?.actions ?? []).to.have.length.at.least(1);
      expect(ctx.emulator.requests).to.deep.equal([]);
    });
  }
});
