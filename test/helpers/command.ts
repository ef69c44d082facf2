import { Config } from '@oclif/core';
import { Connection } from '@salesforce/core';
import { MockTestOrgData, TestContext } from '@salesforce/core/testSetup';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import type { SfError } from '@salesforce/core';
import { LATEST_API_VERSION, startEmulator, type Emulator, type Seed } from '../emulator/index.js';
import { assertResultSchema } from './contract.js';
import { projectRoot } from './paths.js';

/**
 * The stored auth of a real login: with the org's edition and namespace known, sf asks the org nothing more.
 * Like a real login it carries the org's newest API version (sf caches it for a day), so commands talk to the
 * emulator at v66.0 as sf would, not at the 42.0 that TestContext's stub of /services/data answers.
 */
class LoggedInOrg extends MockTestOrgData {
  public async getConfig(): ReturnType<MockTestOrgData['getConfig']> {
    return {
      ...(await super.getConfig()),
      namespacePrefix: null as unknown as string,
      instanceApiVersion: `${LATEST_API_VERSION}.0`,
      instanceApiVersionLastRetrieved: new Date().toLocaleString(),
    };
  }
}

// Taken before TestContext stubs it, so commands under test reach the emulator over real HTTP.
const realRequest = Reflect.get(Connection.prototype, 'request') as (...args: unknown[]) => PromiseLike<unknown>;

/** A command instance as oclif runs it: _run() parses, runs and handles errors; run() gives the result. */
type CommandInstance = { run(): Promise<unknown>; _run(): Promise<unknown>; exitCode?: number; id?: string };
/** A command class, constructed as oclif does (argv and the plugin's config). */
type RunnableCommand = new (argv: string[], config: Config) => CommandInstance;

/** One in-process run: its result (or the error sf would print), its own exit code, and sf's warnings. */
export type RunOutcome<R> = {
  result?: R;
  error?: SfError & { exitCode?: number };
  exitCode?: number | string;
  warnings: string[];
};

/** The plugin's own oclif config (bin "sf", as package.json says), loaded once. */
let pluginConfig: Promise<Config> | undefined;
type ResultOf<C extends RunnableCommand> = Awaited<ReturnType<InstanceType<C>['run']>>;

/** `IntegrationUserAssignPsl` -> `assign-psl`: the command's name under the topic. */
function commandName(command: { name: string }): string {
  return command.name
    .replace(/^IntegrationUser/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/**
 * Commands run in-process the way sf runs them (TestContext auth, real flags parsing), against an
 * emulated org reached over loopback. The only fake is the stored auth; every request is real.
 */
export class EmulatedOrgContext {
  public readonly $$ = new TestContext();
  public emulator!: Emulator;
  public ux!: ReturnType<typeof stubSfCommandUx>;
  private readonly testOrg = new LoggedInOrg();

  public async start(seed: Seed = {}): Promise<Emulator> {
    this.emulator = await startEmulator({ seed });
    Object.assign(this.testOrg, {
      instanceUrl: this.emulator.instanceUrl,
      loginUrl: this.emulator.instanceUrl,
      accessToken: this.emulator.adminAccessToken,
      orgId: this.emulator.orgId,
      username: this.emulator.adminUsername,
    });
    await this.$$.stubAuths(this.testOrg);
    this.$$.fakeConnectionRequest = function (this: Connection, request, options) {
      return realRequest.call(this, request, options) as never;
    };
    this.ux = stubSfCommandUx(this.$$.SANDBOX);
    stubSpinner(this.$$.SANDBOX);
    this.emulator.clearRequests();
    return this.emulator;
  }

  public async stop(): Promise<void> {
    this.$$.restore();
    await this.emulator?.stop();
    process.exitCode = undefined;
  }

  public get targetOrg(): string {
    return this.testOrg.username;
  }

  /** Runs the command; resolves with its result, or with the error sf would print. */
  public async run<C extends RunnableCommand>(command: C, argv: string[]): Promise<RunOutcome<ResultOf<C>>> {
    let outcome: RunOutcome<ResultOf<C>>;
    pluginConfig ??= Config.load(projectRoot);
    // An instance of its own, as oclif's static run makes one: its exit code is this run's, whatever other runs
    // in this process set on process.exitCode at the same time.
    const instance = new command([...argv, '--target-org', this.targetOrg], await pluginConfig);
    instance.id ??= `integration-user:${commandName(command)}`;
    try {
      const result = (await instance._run()) as ResultOf<C>;
      outcome = { result, exitCode: instance.exitCode ?? 0, warnings: this.warningsOf(instance) };
    } catch (error) {
      outcome = { error: error as SfError & { exitCode?: number }, warnings: this.warningsOf(instance) };
    } finally {
      process.exitCode = undefined;
    }
    // The result as --json would print it, held to the published schema (outside the try: a broken contract fails the test).
    if (outcome.result !== undefined && !argv.includes('--help'))
      assertResultSchema(commandName(command), JSON.parse(JSON.stringify(outcome.result)));
    return outcome;
  }

  /** The warnings this run gave through sf's warning channel (SfCommand.warn), in order. */
  private warningsOf(instance: CommandInstance): string[] {
    return this.ux.warn
      .getCalls()
      .filter((call) => call.thisValue === instance)
      .map((call) => {
        const [warning] = call.args as [string | { message: string }];
        return typeof warning === 'string' ? warning : warning.message;
      });
  }

  /** Records created, changed or deleted since the command started. */
  public get writes(): number {
    return this.emulator.requests.reduce((sum, entry) => sum + entry.writes, 0);
  }
}
