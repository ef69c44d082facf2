// What a conformance run is told (environment variables, so a pipeline can set them as it sets
// secrets) and the names it gives what it makes, unique per run and marked as a test.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

export type Config = {
  /** Alias or username of the org the stock sf is logged into, as an admin. */
  org: string;
  /** Private key that signs the integration user's JWTs. */
  keyFile: string;
  /** Its certificate, for the External Client App the run creates (not needed with an existing app). */
  certFile?: string;
  /** An existing app (API name) and its consumer key, instead of creating an External Client App. */
  app?: string;
  clientId?: string;
  /** The test user's email, and the contact email of an app the run creates. */
  email: string;
  loginUrl?: string;
  waitMinutes: number;
  allowProduction: boolean;
  json: boolean;
};

/** The names of this run: what it creates carries them, so an admin can tell and find it. */
export type RunNames = {
  /** The integration user's name (its last name); the username and the generated set derive from it. */
  userName: string;
  /** The External Client App the run creates, when no existing app is given. */
  appName: string;
};

export const USAGE = `Usage: PIU_ORG=<alias> PIU_JWT_KEY_FILE=<key> PIU_CERT_FILE=<cert> PIU_EMAIL=<email> npm run test:org [-- --json]

Runs the acceptance procedure of plugin-integration-user (create, assign-psl, grant, preauthorize,
verify with a JWT login and a query, the same again changing nothing, then cleanup) against an org
the stock sf is logged into. Try it on a sandbox before you trust the plugin with production.

Required:
  PIU_ORG=<alias>             the org, as sf knows it (sf org list); log in first, e.g. sf org login web
  PIU_JWT_KEY_FILE=<file>     private key (PEM) the test user's JWTs are signed with
  PIU_EMAIL=<address>         the test user's email and the new app's contact: a mailbox your admin team reads
  PIU_CERT_FILE=<file>        the key's certificate (PEM), for the External Client App the run creates
Or, instead of PIU_CERT_FILE, an app you have whose certificate matches the key (the run pre-authorizes
its generated permission set there):
  PIU_APP=<API name> PIU_CLIENT_ID=<consumer key>
Optional:
  PIU_LOGIN_URL=<url>         login URL of the JWT login (verify --login-url); default: the one verify picks
  PIU_WAIT_MINUTES=<n>        minutes verify retries the login while an app change propagates; default 10
  PIU_ALLOW_PRODUCTION=true   run against a production org (it leaves an inactive user, which can't be deleted)
  --json                      print the report as JSON instead of text
Exit code 0 when every step behaved as expected, 1 otherwise.`;

const trimmed = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);

/** The run's configuration, or every problem with it (each naming the variable to set). */
export function readConfig(env: NodeJS.ProcessEnv, argv: string[]): Config | { problems: string[] } {
  const problems: string[] = [];
  const org = trimmed(env.PIU_ORG);
  const keyFile = trimmed(env.PIU_JWT_KEY_FILE);
  const certFile = trimmed(env.PIU_CERT_FILE);
  const app = trimmed(env.PIU_APP);
  const clientId = trimmed(env.PIU_CLIENT_ID);
  const email = trimmed(env.PIU_EMAIL);
  const wait = trimmed(env.PIU_WAIT_MINUTES) ?? '10';

  if (!org)
    problems.push(
      'PIU_ORG is not set: give the alias or username of an org the stock sf is logged into (sf org list).'
    );
  if (!keyFile)
    problems.push("PIU_JWT_KEY_FILE is not set: give the private key (PEM) the test user's JWTs are signed with.");
  else if (!existsSync(keyFile)) problems.push(`PIU_JWT_KEY_FILE: no file at ${keyFile}.`);
  if (!email)
    problems.push("PIU_EMAIL is not set: give an email address your admin team reads (the test user's email).");
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) problems.push(`PIU_EMAIL: ${email} is not an email address.`);
  if (app && !clientId) problems.push('PIU_APP is set without PIU_CLIENT_ID: give the consumer key of that app too.');
  if (clientId && !app) problems.push('PIU_CLIENT_ID is set without PIU_APP: give the API name of that app too.');
  if (!app && !certFile)
    problems.push(
      'PIU_CERT_FILE is not set: give the certificate (PEM) of the key, for the External Client App the run creates (or name an existing app with PIU_APP and PIU_CLIENT_ID).'
    );
  else if (!app && certFile && !existsSync(certFile)) problems.push(`PIU_CERT_FILE: no file at ${certFile}.`);
  if (!/^\d+$/.test(wait) || Number(wait) > 30)
    problems.push(`PIU_WAIT_MINUTES: ${wait} is not a whole number of minutes from 0 to 30.`);
  const unknown = argv.filter((arg) => arg !== '--json');
  if (unknown.length)
    problems.push(
      `Unknown argument ${unknown.join(' ')}: the run is configured through PIU_* variables; --json is its one option.`
    );
  if (problems.length || !org || !keyFile || !email) return { problems };

  return {
    org,
    keyFile,
    certFile: app ? undefined : certFile,
    app,
    clientId,
    email,
    loginUrl: trimmed(env.PIU_LOGIN_URL),
    waitMinutes: Number(wait),
    allowProduction: env.PIU_ALLOW_PRODUCTION?.trim().toLowerCase() === 'true',
    json: argv.includes('--json'),
  };
}

/** "PIU Conformance 250601 k3f9": the date for people, a random suffix so runs never meet. */
export function runNames(now = new Date()): RunNames {
  const date = now.toISOString().slice(2, 10).replace(/-/g, '');
  const suffix = randomBytes(4).readUInt32BE(0).toString(36).padStart(4, '0').slice(-4);
  return { userName: `PIU Conformance ${date} ${suffix}`, appName: `PIU_Conformance_${date}_${suffix}` };
}
