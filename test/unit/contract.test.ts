import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { assertResultSchema, checkContract } from '../helpers/contract.js';
import { asText, currentSchemas, currentSnapshot, readManifest, root, snapshotFile } from '../../scripts/contract.js';

const fix = 'If the change is intended, run `npm run contract:update` and commit the result.';

describe('the public contract', function () {
  this.timeout(60_000);

  it('every command file has a current entry in oclif.manifest.json', async () => {
    const commandDir = path.join(root, 'lib', 'commands', 'integration-user');
    const built = readdirSync(commandDir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => `integration-user:${f.slice(0, -3)}`)
      .sort();
    const manifest = readManifest();
    expect(Object.keys(manifest.commands).sort(), 'commands in oclif.manifest.json').to.deep.equal(built);
    for (const id of built) {
      const command = (await import(path.join(commandDir, `${id.split(':')[1]}.js`))) as {
        default: { summary: string; flags: Record<string, { char?: string; required?: boolean }> };
      };
      const entry = manifest.commands[id] as unknown as {
        summary: string;
        flags: Record<string, { char?: string; required?: boolean }>;
      };
      expect(entry.summary, `${id} summary in the manifest`).to.equal(command.default.summary);
      const own = Object.keys(command.default.flags).sort();
      expect(
        Object.keys(entry.flags)
          .filter((f) => own.includes(f))
          .sort(),
        `${id} flags in the manifest`
      ).to.deep.equal(own);
      for (const flag of own) {
        expect(entry.flags[flag].char, `${id} --${flag} char`).to.equal(command.default.flags[flag].char);
        expect(Boolean(entry.flags[flag].required), `${id} --${flag} required`).to.equal(
          Boolean(command.default.flags[flag].required)
        );
      }
    }
  });

  it('command-snapshot.json matches the commands and flags', () => {
    expect(readFileSync(snapshotFile, 'utf8'), fix).to.equal(asText(currentSnapshot()));
  });

  it('schemas/ hold the JSON schema of every result type', () => {
    for (const [file, schema] of Object.entries(currentSchemas())) {
      expect(readFileSync(file, 'utf8'), `${path.relative(root, file)}: ${fix}`).to.equal(asText(schema));
    }
  });
});

describe('the --json contract check every command test runs through', () => {
  const assigned = {
    userId: '005000000000001AAA',
    username: "o'brien.sync@acme.example",
    permissionSetLicense: 'SalesforceAPIIntegrationPsl',
    status: 'assigned',
    assigned: true,
    dryRun: false,
    seats: { total: 5, used: 2, free: 3 },
  };

  it('passes a result that holds to its schema', () => {
    expect(() => assertResultSchema('assign-psl', assigned)).not.to.throw();
  });

  it('fails a renamed field, a changed type and an unknown status, naming each', () => {
    const rest: Partial<typeof assigned> = { ...assigned };
    delete rest.assigned;
    expect(() => assertResultSchema('assign-psl', { ...rest, isAssigned: true })).to.throw(
      /schemas\/integration-user-assign-psl\.json: .*assigned/
    );
    expect(() => assertResultSchema('assign-psl', { ...assigned, seats: { total: '5', used: 2, free: 3 } })).to.throw(
      /\/seats\/total must be number/
    );
    expect(() => assertResultSchema('assign-psl', { ...assigned, status: 'granted' })).to.throw(
      /\/status must be equal to one of the allowed values/
    );
  });

  it("fails an error output that isn't sf's envelope", () => {
    expect(() => checkContract(['integration-user', 'create'], { status: 1, message: 'x' })).to.throw(
      /name is not a string/
    );
    expect(() =>
      checkContract(['integration-user', 'create'], {
        status: 1,
        name: 'InvalidEmailError',
        message: 'x',
        actions: ['fix'],
      })
    ).not.to.throw();
  });
});
