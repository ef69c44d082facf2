import type { SfError } from '@salesforce/core';
import { OrgClient, SObjectRecord } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';
import {
  chooseIntegrationProfile,
  INTEGRATION_USER_LICENSE,
  integrationProfilesQuery,
  integrationSeatHoldersQuery,
  Seats,
  seatsOf,
  userLicenseOf,
  userLicenseQuery,
} from './licenses.js';
import { userQuery } from './user-filters.js';
import { applySteps, Step } from './steps.js';
import { shellQuote } from './shell.js';
import type { OrgContext } from './connect.js';

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

export type CreateUserResult = {
  /** Absent only on a dry run that would create the user. */
  id?: string;
  username: string;
  alias: string;
  name: string;
  email: string;
  profile: string;
  userLicense: string;
  /** What this run did: `would-create` only on a dry run. */
  status: 'created' | 'exists' | 'would-create';
  /** True only when this run inserted the user. */
  created: boolean;
  dryRun: boolean;
  /** Why nothing was created, or what to look at, when that applies. */
  note?: string;
  /** Salesforce Integration seats after this run. */
  seats: Seats;
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
  if (!name) return serviceError('InvalidName', [input.name, 'it is empty']);
  if (name.length > MAX_NAME)
    return serviceError('InvalidName', [`${name.slice(0, 20)}...`, `it is ${name.length} characters long`]);
  if (!EMAIL.test(input.email) || input.email.length > 128) return serviceError('InvalidEmail', [input.email]);
  if (input.username !== undefined) {
    const problem = usernameProblem(input.username);
    if (problem) return serviceError('InvalidUsername', [input.username, problem]);
  }
  if (input.alias !== undefined) {
    if (input.alias.length === 0 || input.alias.length > MAX_ALIAS) {
      return serviceError('InvalidAlias', [input.alias, `it has ${input.alias.length} characters`]);
    }
    if (!ALIAS.test(input.alias))
      return serviceError('InvalidAlias', [
        input.alias,
        'it has characters other than letters, digits, dots, dashes and underscores',
      ]);
  }
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone))
    return serviceError('InvalidTimeZone', [input.timeZone]);
  if (input.locale !== undefined && !LOCALE.test(input.locale))
    return serviceError('InvalidLocale', [input.locale, 'locale'], ['locale']);
  if (input.language !== undefined && !LOCALE.test(input.language))
    return serviceError('InvalidLocale', [input.language, 'language'], ['language']);
  return undefined;
}

function usernameProblem(username: string): string | undefined {
  if (username.length > MAX_USERNAME) return `it is ${username.length} characters long (at most ${MAX_USERNAME})`;
  if (/\s/.test(username)) return 'it contains whitespace';
  if (!USERNAME.test(username)) return 'it must have the form of an email address (an @ with something on either side)';
  return undefined;
}

function isTimeZone(zone: string): boolean {
  return zone === 'GMT' || Intl.supportedValuesOf('timeZone').includes(zone);
}

/** The username the user gets: the one given, or the derived one. */
export function usernameFor(input: CreateUserInput, org: OrgContext): string {
  return input.username ?? deriveUsername(input.name.trim(), org.orgId, org.adminUsername);
}

/** What create reads, in one round trip: license, profiles, the username, org defaults, seat holders. */
export function createUserQueries(
  input: CreateUserInput,
  org: OrgContext
): Record<'license' | 'profiles' | 'user' | 'org' | 'holders', string> {
  return {
    license: userLicenseQuery(),
    profiles: integrationProfilesQuery(input.profile),
    user: userQuery(usernameFor(input, org)),
    org: 'SELECT Id, TimeZoneSidKey, DefaultLocaleSidKey, LanguageLocaleKey FROM Organization',
    holders: integrationSeatHoldersQuery(),
  };
}

/**
 * Creates an integration user on the Salesforce Integration license: one bulk inspection (license,
 * profiles, the username, org defaults, seat holders), then one insert. The same username already
 * on the integration license is a success with `created: false`.
 */
export async function createIntegrationUser(
  client: OrgClient,
  org: OrgContext,
  input: CreateUserInput,
  options: { dryRun: boolean }
): Promise<CreateUserResult> {
  const invalid = validateCreateInput(input);
  if (invalid) throw invalid;
  const plan = planCreateUser(client, await client.queries(createUserQueries(input, org)), org, input, options);
  await applySteps([plan.step], options.dryRun);
  return plan.result;
}

/** The create step from the inspection; `record` is the User to insert when the step is to do. */
export function planCreateUser(
  client: OrgClient,
  found: Record<keyof ReturnType<typeof createUserQueries>, SObjectRecord[]>,
  org: OrgContext,
  input: CreateUserInput,
  options: { dryRun: boolean }
): {
  result: CreateUserResult;
  step: Step;
  record?: Record<string, unknown>;
  explainInsertError: (error: unknown) => Promise<Error | undefined>;
} {
  const name = input.name.trim();
  const username = usernameFor(input, org);
  const license = found.license[0];
  const existing = found.user[0];
  let record: Record<string, unknown> | undefined;
  const result: CreateUserResult = {
    username,
    alias: input.alias ?? deriveAlias(name),
    name,
    email: input.email,
    profile: '',
    userLicense: INTEGRATION_USER_LICENSE,
    status: 'would-create',
    created: false,
    dryRun: options.dryRun,
    seats: license ? seatsOf(license) : { total: 0, used: 0, free: 0 },
  };
  const step = planUserStep();
  return { result, step, record, explainInsertError };

  function planUserStep(): Step {
    const step = 'create-user';
    if (existing) return existingUserStep(existing);
    // A derived username outgrows 80 characters only with a very long admin domain: then the user must give one.
    const derivedProblem = input.username === undefined ? usernameProblem(username) : undefined;
    if (derivedProblem)
      return { name: step, status: 'blocked', error: serviceError('InvalidUsername', [username, derivedProblem]) };
    if (!license) return { name: step, status: 'blocked', error: serviceError('NoIntegrationLicense') };
    const profile = chooseIntegrationProfile(found.profiles, input.profile);
    if (profile instanceof Error) return { name: step, status: 'blocked', error: profile };
    result.profile = String(profile.Name);
    if (result.seats.free < 1) return { name: step, status: 'blocked', error: noFreeSeat() };
    if (options.dryRun) result.note = `Would create ${username} on the ${INTEGRATION_USER_LICENSE} license.`;

    const defaults = found.org[0] ?? {};
    const fields = {
      Username: username,
      LastName: name,
      Email: input.email,
      Alias: result.alias,
      ProfileId: profile.Id,
      TimeZoneSidKey: input.timeZone ?? defaults.TimeZoneSidKey ?? 'America/Los_Angeles',
      LocaleSidKey: input.locale ?? defaults.DefaultLocaleSidKey ?? 'en_US',
      LanguageLocaleKey: input.language ?? defaults.LanguageLocaleKey ?? 'en_US',
      EmailEncodingKey: 'UTF-8',
    };
    record = fields;
    return {
      name: step,
      status: 'todo',
      apply: async () => {
        try {
          result.id = await client.insert('User', fields);
        } catch (error) {
          const explained = await explainInsertError(error);
          if (explained) throw explained;
          return;
        }
        Object.assign(result, { status: 'created', created: true, seats: seatsOf(license, 1) });
      },
    };
  }

  function existingUserStep(user: SObjectRecord): Step {
    const { profile, license: userLicense } = userLicenseOf(user);
    if (userLicense !== INTEGRATION_USER_LICENSE) {
      return {
        name: 'create-user',
        status: 'blocked',
        error: serviceError('UserOnOtherLicense', [String(user.Username), userLicense, profile]),
      };
    }
    Object.assign(result, {
      status: 'exists',
      id: user.Id,
      username: String(user.Username),
      alias: String(user.Alias),
      email: String(user.Email),
      profile,
    });
    result.note =
      user.IsActive === true
        ? `${result.username} already exists on the ${INTEGRATION_USER_LICENSE} license; nothing to create.`
        : `${result.username} already exists on the ${INTEGRATION_USER_LICENSE} license but is inactive; activate it with: sf data update record --sobject User --record-id ${String(user.Id)} --values "IsActive=true" --target-org ${org.targetOrg}`;
    return { name: 'create-user', status: 'done' };
  }

  /**
   * What a failed insert means, as an error with its fix; undefined when the goal is met after all:
   * the username was taken since the inspection by a run next to this one, in this org.
   */
  async function explainInsertError(error: unknown): Promise<Error | undefined> {
    const now =
      error instanceof SalesforceApiError && error.errorCode === 'DUPLICATE_USERNAME'
        ? (await client.query(userQuery(username)))[0]
        : undefined;
    if (!now) return translateInsertError(error);
    const step = existingUserStep(now);
    return step.status === 'blocked' ? step.error : undefined;
  }

  function translateInsertError(error: unknown): Error {
    if (!(error instanceof SalesforceApiError)) return error as Error;
    // The inspection found no such user here, so the name is taken in another org.
    if (error.errorCode === 'DUPLICATE_USERNAME') {
      return serviceError(
        'UsernameTakenElsewhere',
        [username],
        [shellQuote(deriveUsername(`${name} ${Date.now().toString(36)}`, org.orgId, org.adminUsername))]
      );
    }
    if (error.errorCode === 'LICENSE_LIMIT_EXCEEDED') return noFreeSeat();
    return error;
  }

  function noFreeSeat(): SfError {
    const holders = found.holders.map((u) => String(u.Username));
    const heldBy = holders.length ? `held by ${holders.join(', ')}` : 'held by users this org does not list';
    const example = found.holders[0];
    return serviceError(
      'NoFreeSeat',
      [result.seats.total, heldBy],
      [
        example ? String(example.Username) : 'one this org lists',
        example ? String(example.Id) : '<user id>',
        org.targetOrg,
      ]
    );
  }
}
