import { soqlQuote } from './query-reader.js';
import { pslFilter } from './licenses.js';

/** Which user a --username value (a username or a User Id) names, as SOQL filters and the user query the steps share. */

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** A --username value is a User Id when it looks like one (prefix 005). */
export function isUserId(value: string): boolean {
  return value.startsWith('005') && SALESFORCE_ID.test(value);
}

/** A --username value (a username or a User Id) as a SOQL filter on User. */
export const userFilter = (user: string): string => `${isUserId(user) ? 'Id' : 'Username'} = ${soqlQuote(user)}`;

/** The same user as a filter on its assignments (PermissionSetAssignment, PermissionSetLicenseAssign). */
export const assigneeFilter = (user: string): string =>
  `${isUserId(user) ? 'AssigneeId' : 'Assignee.Username'} = ${soqlQuote(user)}`;

/** The user, with every field the steps look at (one query text, so a shared inspection sends it once). */
export function userQuery(user: string): string {
  return `SELECT Id, Username, Name, LastName, Alias, Email, TimeZoneSidKey, LocaleSidKey, LanguageLocaleKey, IsActive, ProfileId, Profile.Name, Profile.UserLicense.Name FROM User WHERE ${userFilter(user)}`;
}

/** The user's assignment of the integration PSL, if any. */
export function pslAssignmentQuery(user: string): string {
  return `SELECT Id FROM PermissionSetLicenseAssign WHERE ${assigneeFilter(user)} AND ${pslFilter('PermissionSetLicense.')}`;
}

/**
 * The org row every planner that needs it reads (create: the defaults a new user takes; verify: the org's Id and
 * kind), one statement so that one inspection sends it once.
 */
export const ORG_QUERY =
  'SELECT Id, IsSandbox, TimeZoneSidKey, DefaultLocaleSidKey, LanguageLocaleKey FROM Organization';
