/**
 * `npm run test:org`: the acceptance procedure of this plugin against a real org, as a user would
 * run it before trusting the plugin with production. Configured by PIU_* environment variables
 * (see USAGE in conformance/config.ts and the README, "Trying it against your sandbox first").
 *
 * It creates a test user with a unique, marked name, gives it the permission set license and a
 * generated least-privilege set (Account read), pre-authorizes it on an app (a new External Client
 * App, or the one given), proves it with a JWT login and a query, runs every step again expecting
 * "already done" and no change, then removes the user's access and deactivates it. It judges only
 * from the --json answers of this checkout's plugin (bin/run.js) and of the stock sf, with the
 * caller's sf logins. Exit code 0 when every step behaved as expected, 1 otherwise.
 */
import { readConfig, runNames, USAGE } from './conformance/config.js';
import { PLUGIN_BIN } from './conformance/commands.js';
import { Procedure } from './conformance/procedure.js';
import { Report } from './conformance/report.js';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const config = readConfig(process.env, argv);
  if ('problems' in config) {
    console.error(`The conformance run can't start:\n${config.problems.map((p) => `  - ${p}`).join('\n')}\n\n${USAGE}`);
    return 1;
  }

  const names = runNames();
  const app = config.app ? { name: config.app, existing: true } : { name: names.appName, existing: false };
  const report = new Report(config.json, { org: config.org, user: names.userName, app, plugin: PLUGIN_BIN });
  report.start([
    `Conformance run of plugin-integration-user against the org "${config.org}"`,
    `  plugin: ${PLUGIN_BIN} (this checkout); stock sf: the one on PATH, with your sf logins`,
    `  test user: "${names.userName}"; app: ${app.existing ? `${app.name} (given)` : `${app.name} (an External Client App this run creates)`}`,
  ]);
  await new Procedure(config, names, report).run();
  return report.finish() ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(`The conformance run stopped: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  }
);
