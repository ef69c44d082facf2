import { Messages } from '@salesforce/core';
import type { SObjectRecord } from './org-client.js';
import { convertFix } from './fixes.js';
import type { CandidateReport } from './list.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.list');

// list --candidates: which full-license users look like integrations, from a page of users and its login history.

const API_LOGIN_TYPES = new Set([
  'Remote Access 2.0',
  'Remote Access Client',
  'Other Apex API',
  'Partner Product',
  'SOAP API',
  'REST API',
]);
const INTEGRATION_NAME =
  /integration|\bsync\b|[-_.]sync|\bapi\b|[-_.]api|\betl\b|middleware|mulesoft|boomi|informatica|workato|zapier|\bbot\b|service[-_. ]?account|svc/i;

/** The users of a page that look like integrations, with why, in the page's order (the saving comes later). */
export function candidatesOf(
  users: SObjectRecord[],
  profiles: Map<string, SObjectRecord>,
  logins: Map<string, { api: number; other: number }>,
  apiOnlyBySet: Set<string>
): Array<Omit<CandidateReport, 'yearlySaving'>> {
  const found: Array<Omit<CandidateReport, 'yearlySaving'>> = [];
  for (const user of users) {
    const profile = profiles.get(String(user.ProfileId));
    const reasons: string[] = [];
    if (profile?.PermissionsApiUserOnly === true || apiOnlyBySet.has(user.Id))
      reasons.push(messages.getMessage('reason.apiOnly'));
    const mine = logins.get(user.Id) ?? { api: 0, other: 0 };
    if (mine.api && !mine.other) reasons.push(messages.getMessage('reason.apiLogins', [mine.api]));
    if (INTEGRATION_NAME.test(`${String(user.Username)} ${String(user.Name)}`))
      reasons.push(messages.getMessage('reason.name'));
    // A person logging in to the UI rules a user out, whatever its name says.
    if (!reasons.length || mine.other) continue;
    found.push({
      username: String(user.Username),
      name: String(user.Name),
      license: ((profile?.UserLicense as SObjectRecord | null)?.Name as string | undefined) ?? '',
      profile: (profile?.Name as string | undefined) ?? '',
      reasons,
      fix: convertFix(String(user.Username)),
    });
  }
  return found;
}

/** Each user's successful logins from the aggregate rows of its login history, API logins and the others apart. */
export function successfulLogins(rows: SObjectRecord[]): Map<string, { api: number; other: number }> {
  const logins = new Map<string, { api: number; other: number }>();
  for (const row of rows.filter((r) => r.Status === 'Success' || r.Status === null)) {
    const tally = logins.get(String(row.UserId)) ?? { api: 0, other: 0 };
    tally[API_LOGIN_TYPES.has(String(row.LoginType)) ? 'api' : 'other'] += Number(row.logins);
    logins.set(String(row.UserId), tally);
  }
  return logins;
}
