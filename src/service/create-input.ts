import type { SfError } from '@salesforce/core';
import { errorWords, serviceError } from './errors.js';
import type { OrgContext } from './connect.js';

/** The create flags (and a spec user's same keys), checked before the org is touched, and the values derived from them. */

export type CreateUserInput = {
  /** The integration's name, e.g. "Acme Sync": the user's last name and the root of derived values. */
  name: string;
  email: string;
  username?: string;
  alias?: string;
  profile?: string;
  timeZone?: string;
  locale?: string;
  language?: string;
};

const MAX_USERNAME = 80;
const MAX_NAME = 80;
const MAX_ALIAS = 8;
/**
 * A username needs only "the form of an email address", which Salesforce checks loosely: an @ is
 * required, several are accepted (Salesforce Stack Exchange 136843, "User email and username
 * discrepancy"), so only a username without an @ (with something on either side), with whitespace,
 * or over 80 characters (Salesforce Help, usernames) is refused here. An apostrophe (O'Brien) is fine.
 */
const USERNAME = /^[^\s@]\S*@\S*[^\s@]$/;
/**
 * --email is checked more strictly than Salesforce checks it (Knowledge 000001145: RFC 2822, quoted
 * local parts and comments included): it is where Salesforce sends the user's notices, so a typo
 * caught here, before the org is touched, beats a user created with an address nobody reads. The
 * local part allows what real addresses use, the apostrophe of o'brien@acme.example included; the
 * domain needs a dot and a letter TLD.
 */
const EMAIL =
  /^[^\s@"<>(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$/;
const ALIAS = /^[A-Za-z0-9._-]+$/;
const LOCALE = /^[a-z]{2,3}(?:_[A-Za-z0-9]{2,8}){0,2}$/;

/** Lower-case ASCII words joined by dashes: "Acme Sync (EU)" -> "acme-sync-eu". */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 30)
    .replace(/-+$/, '');
}

/**
 * A username that is very likely free in every org: usernames are global, and the org's own Id
 * makes this one unique to this org. `<name>.integration.<org id>@<admin's domain>`.
 */
export function deriveUsername(name: string, orgId: string, adminUsername: string): string {
  const domain = adminUsername.split('@')[1] ?? 'example.com';
  const tail = `.integration.${orgId.slice(0, 15).toLowerCase()}@${domain}`;
  // Usernames hold at most 80 characters: the name gives way to the org Id and the admin's domain.
  const slug = (slugOf(name) || 'integration').slice(0, Math.max(MAX_USERNAME - tail.length, 1)).replace(/-+$/, '');
  return `${slug}${tail}`;
}

/** Up to 8 letters and digits from the name: "Acme Sync" -> "acmesync". */
export function deriveAlias(name: string): string {
  return slugOf(name).replace(/-/g, '').slice(0, MAX_ALIAS) || 'intgr';
}

/** Checks every flag before the org is touched; returns the first problem as an error with its fix. */
export function validateCreateInput(input: CreateUserInput): SfError | undefined {
  const name = input.name.trim();
  if (!name) return serviceError('InvalidName', [input.name, errorWords('reason.empty')]);
  if (name.length > MAX_NAME)
    return serviceError('InvalidName', [`${name.slice(0, 20)}...`, errorWords('reason.length', [name.length])]);
  if (!EMAIL.test(input.email) || input.email.length > 128) return serviceError('InvalidEmail', [input.email]);
  if (input.username !== undefined) {
    const problem = usernameProblem(input.username);
    if (problem) return serviceError('InvalidUsername', [input.username, problem]);
  }
  if (input.alias !== undefined) {
    if (input.alias.length === 0 || input.alias.length > MAX_ALIAS) {
      return serviceError('InvalidAlias', [input.alias, errorWords('reason.characters', [input.alias.length])]);
    }
    if (!ALIAS.test(input.alias))
      return serviceError('InvalidAlias', [input.alias, errorWords('reason.aliasCharacters')]);
  }
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone))
    return serviceError('InvalidTimeZone', [input.timeZone]);
  if (input.locale !== undefined && !LOCALE.test(input.locale))
    return serviceError('InvalidLocale', [input.locale, 'locale'], ['locale']);
  if (input.language !== undefined && !LOCALE.test(input.language))
    return serviceError('InvalidLocale', [input.language, 'language'], ['language']);
  return undefined;
}

export function usernameProblem(username: string): string | undefined {
  if (username.length > MAX_USERNAME) return errorWords('reason.tooLong', [username.length, MAX_USERNAME]);
  if (/\s/.test(username)) return errorWords('reason.whitespace');
  if (!USERNAME.test(username)) return errorWords('reason.notEmailShaped');
  return undefined;
}

function isTimeZone(zone: string): boolean {
  return zone === 'GMT' || Intl.supportedValuesOf('timeZone').includes(zone);
}

/** The username the user gets: the one given, or the derived one. */
export function usernameFor(input: CreateUserInput, org: OrgContext): string {
  return input.username ?? deriveUsername(input.name.trim(), org.orgId, org.adminUsername);
}
