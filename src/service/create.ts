import { Messages, type SfError } from '@salesforce/core';
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
import { ORG_QUERY, userQuery } from './user-filters.js';
import { advice, applyStep, verbatim, type Advice, type Step } from './plan.js';
import { setActiveFix, updateUserFix } from './fixes.js';
import { anUnlistedHolder, heldBy } from './licenses.js';
import { inspectOne, type Found, type Reads } from './inspection.js';
import type { OrgContext } from './connect.js';
import {
  deriveAlias,
  deriveUsername,
  usernameFor,
  usernameProblem,
  validateCreateInput,
  type CreateUserInput,
} from './create-input.js';

export type { CreateUserInput } from './create-input.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const BUNDLE = 'integration-user.create';
const messages = Messages.loadMessages('plugin-integration-user', BUNDLE);

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
  /** The user exists already, and values given to this run differ from the org's: none of them was changed. */
  differences?: UserDifference[];
};

/** A value given for an existing user that the org holds otherwise (its User field, given and held). */
export type UserDifference = { field: string; given: string; org: string };

/** The create step's result as the service reports it: its note may name a fix (rendered by the command). */
export type CreateReport = Omit<CreateUserResult, 'note'> & { note?: Advice };

type CreateKey = 'license' | 'profiles' | 'user' | 'org' | 'holders';
export type CreateFound = Found<CreateKey>;

/** What create reads, in one round trip: license, profiles, the username, org defaults, seat holders. */
export function createReads(input: CreateUserInput, org: OrgContext): Reads<CreateKey> {
  return {
    queries: {
      license: userLicenseQuery(),
      profiles: integrationProfilesQuery(input.profile),
      user: userQuery(usernameFor(input, org)),
      org: ORG_QUERY,
      holders: integrationSeatHoldersQuery(),
    },
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
): Promise<CreateReport> {
  const invalid = validateCreateInput(input);
  if (invalid) throw invalid;
  const found = await inspectOne(client, createReads(input, org));
  return applyStep(client, planCreate(client, found, org, input, options), options);
}

/** The values given for an existing user (name, email, and the optional flags given) that the org holds otherwise. */
function differencesOf(user: SObjectRecord, input: CreateUserInput): UserDifference[] {
  const given: Array<[string, string | undefined]> = [
    ['LastName', input.name.trim()],
    ['Email', input.email],
    ['Alias', input.alias],
    ['TimeZoneSidKey', input.timeZone],
    ['LocaleSidKey', input.locale],
    ['LanguageLocaleKey', input.language],
  ];
  return given.flatMap(([field, value]) => {
    const held = user[field];
    // A column the org didn't return can't be compared (nothing is claimed about it).
    if (value === undefined || typeof held !== 'string') return [];
    const same =
      field === 'Email'
        ? held.toLowerCase() === value.toLowerCase()
        : // A user with a first name too is named by its full Name.
          held === value || (field === 'LastName' && user.Name === value);
    return same ? [] : [{ field, given: value, org: held }];
  });
}

/**
 * The create step from the inspection: done when the username is on the integration license already, else one
 * User insert (referenceId `user`, so later writes of the same call can name `@{user.id}`).
 */
export function planCreate(
  client: OrgClient,
  found: CreateFound,
  org: OrgContext,
  input: CreateUserInput,
  options: { dryRun: boolean }
): Step<CreateReport> {
  const name = input.name.trim();
  const username = usernameFor(input, org);
  const license = found.license[0];
  const existing = found.user[0];
  const result: CreateReport = {
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
  const blocked = (error: SfError): Step<CreateReport> => ({
    step: 'create',
    status: 'blocked',
    message: error.message,
    writes: [],
    error,
    result,
  });

  if (existing) return existingUserStep(existing);
  // A derived username outgrows 80 characters only with a very long admin domain: then the user must give one.
  const derivedProblem = input.username === undefined ? usernameProblem(username) : undefined;
  if (derivedProblem) return blocked(serviceError('InvalidUsername', [username, derivedProblem]));
  if (!license) return blocked(serviceError('NoIntegrationLicense'));
  const profile = chooseIntegrationProfile(found.profiles, input.profile);
  if (profile instanceof Error) return blocked(profile);
  result.profile = String(profile.Name);
  if (result.seats.free < 1) return blocked(noFreeSeat());
  if (options.dryRun) result.note = advice(BUNDLE, 'note.wouldCreate', username, INTEGRATION_USER_LICENSE);

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
  return {
    step: 'create',
    status: 'todo',
    message: messages.getMessage('step.todo', [username]),
    writes: [{ kind: 'data', referenceId: 'user', method: 'POST', url: '/sobjects/User', body: fields }],
    consumes: { userSeats: 1 },
    result,
    written: (answers) => {
      const id = (answers.user as { id?: string } | undefined)?.id;
      Object.assign(result, { id, status: 'created', created: true, seats: seatsOf(license, 1) });
    },
    explain: explainInsertError,
  };

  function existingUserStep(user: SObjectRecord): Step<CreateReport> {
    const { profile: userProfile, license: userLicense } = userLicenseOf(user);
    if (userLicense !== INTEGRATION_USER_LICENSE)
      return blocked(serviceError('UserOnOtherLicense', [String(user.Username), userLicense, userProfile]));
    Object.assign(result, {
      status: 'exists',
      id: user.Id,
      username: String(user.Username),
      alias: String(user.Alias),
      email: String(user.Email),
      profile: userProfile,
    });
    result.note =
      user.IsActive === true
        ? advice(BUNDLE, 'note.exists', result.username, INTEGRATION_USER_LICENSE)
        : advice(BUNDLE, 'note.existsInactive', result.username, INTEGRATION_USER_LICENSE, setActiveFix(user.Id, true));
    const differences = differencesOf(user, input);
    if (differences.length) {
      // Create makes users; it doesn't edit a live integration's user behind the admin's back: say, and say how.
      result.differences = differences;
      result.note = advice(
        BUNDLE,
        'note.differs',
        result.username,
        differences.map((d) => messages.getMessage('note.difference', [d.field, d.org, d.given])).join(', '),
        updateUserFix(user.Id, differences)
      );
    }
    return {
      step: 'create',
      status: 'done',
      message: messages.getMessage(differences.length ? 'step.doneDiffers' : 'step.done', [
        result.username,
        INTEGRATION_USER_LICENSE,
        differences.map((d) => d.field).join(', '),
      ]),
      writes: [],
      result,
    };
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
        [deriveUsername(`${name} ${Date.now().toString(36)}`, org.orgId, org.adminUsername)]
      );
    }
    if (error.errorCode === 'LICENSE_LIMIT_EXCEEDED') return noFreeSeat();
    return error;
  }

  function noFreeSeat(): SfError {
    const example = found.holders[0];
    return serviceError(
      'NoFreeSeat',
      [result.seats.total, heldBy(found.holders.map((u) => String(u.Username)))],
      example
        ? [String(example.Username), setActiveFix(example.Id, false)]
        : [anUnlistedHolder(), setActiveFix(verbatim('<user id>'), false)]
    );
  }
}
