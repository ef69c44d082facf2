import { Messages } from '@salesforce/core';
import type { OrgClient, SObjectRecord } from './org-client.js';
import { requestClientCredentialsToken } from './client-credentials.js';
import { withoutSlash } from './jwt.js';
import { checkQueryAsUser, identityOf, words } from './verify-login.js';
import { verbatim, type Advice } from './plan.js';
import { createUserFix, preauthorizeFix } from './fixes.js';
import { runAsFix } from './run-as.js';
import { just, VERIFY, type AddCheck, type VerifyInput, type VerifyReport } from './verify-result.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', VERIFY);

/**
 * verify --flow client-credentials: one token request with the app's consumer key and secret to the org's My
 * Domain URL (its instance URL), a query with that session, and whether the token's `id` is this user. The
 * secret and the token stay in memory.
 */

/**
 * Salesforce's client credentials errors, mapped to their cause and fix. Texts: test/emulator/README.md, "The client
 * credentials flow" (each with its source).
 */
export function explainClientCredentialsError(
  error: string,
  description: string,
  about: { user: string; app?: string }
): { message: string; fix: Advice } {
  const text = `${error} ${description}`.toLowerCase();
  const say = (key: string, ...tokens: string[]): string => messages.getMessage(`cc.${key}`, tokens);
  const app = about.app ?? '<app>';
  const runAs = about.app ? just(runAsFix(about.app, about.user)) : words('fix.runAsNeedsApp');
  if (text.includes('not supported on this domain'))
    return { message: say('domain', description), fix: words('fix.myDomain') };
  if (error === 'invalid_client_id')
    return { message: say('unknownClient', description), fix: words('fix.ccClientId') };
  if (error === 'invalid_client') return { message: say('badSecret', description), fix: words('fix.secret', app) };
  if (error === 'app_not_found' || text.includes('not installed'))
    return { message: say('notInstalled', description), fix: words('fix.wait', app) };
  if (text.includes('client credentials flow not enabled')) return { message: say('flowOff', description), fix: runAs };
  if (text.includes('no client credentials user')) return { message: say('noRunAs', description), fix: runAs };
  if (text.includes('inactive'))
    return { message: say('inactive', description), fix: words('fix.checkUser', about.user) };
  if (error === 'invalid_app_access' || text.includes('not admin approved'))
    return {
      message: say('notPreauthorized', about.user, description),
      fix: just(preauthorizeFix(about.app ?? verbatim('<app>'))),
    };
  if (text.includes('scope')) return { message: say('scopes', description), fix: words('fix.apiScope', app) };
  return { message: say('failed', `${error} ${description}`.trim()), fix: words('fix.checkAll') };
}

/** The client-credentials-login, query and identity checks. */
export async function checkClientCredentials(
  client: OrgClient,
  input: VerifyInput,
  who: { username: string; userId: string; license: string; org: SObjectRecord | Record<string, never> },
  add: AddCheck,
  result: VerifyReport
): Promise<void> {
  const { username, license, org } = who;
  // --login-url arrives as oclif's URL text, with a trailing slash: the messages name the URL as the user typed it.
  const url = withoutSlash(input.loginUrl ?? client.instanceUrl);
  if (!input.clientId || !input.clientSecret) {
    for (const name of ['client-credentials-login', 'query', 'identity'] as const) add(name, 'skip', 'cc.skip');
    return;
  }
  if (input.dryRun) {
    add('client-credentials-login', 'skip', 'cc.dryRun', [url]);
    add('query', 'skip', 'query.dryRun');
    add('identity', 'skip', 'identity.dryRun');
    return;
  }
  const login = await requestClientCredentialsToken({
    url,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
  });
  if (!login.ok) {
    const explained = explainClientCredentialsError(login.error, login.errorDescription, {
      user: username,
      app: input.app,
    });
    add('client-credentials-login', 'fail', 'cc.fail', [explained.message, url], explained.fix);
    add('query', 'skip', 'login.noSession');
    add('identity', 'skip', 'login.noSession');
    return;
  }
  add('client-credentials-login', 'pass', 'cc.pass', [url]);
  const session = { instanceUrl: login.instanceUrl, token: login.accessToken };
  await checkQueryAsUser(session, client.apiVersion, input.query, username, add, result);
  // The token's id names the app's run-as user: another user means the app runs as someone else.
  const identity = await identityOf(session, login, { id: who.userId, orgId: String(org.Id ?? ''), license });
  const otherUser = identity.key === 'identity.otherUser';
  const fix =
    identity.status !== 'fail'
      ? undefined
      : otherUser && input.app
        ? just(runAsFix(input.app, username))
        : (identity.fix ?? just(createUserFix()));
  add('identity', identity.status, otherUser ? 'cc.otherUser' : identity.key, identity.tokens, fix);
}
