// The seed: a JSON description of an org (design.md "Seed format (contract)"). Everything left out
// gets a realistic default, so `{}` is valid; a list given in the seed replaces its default list.
// validateSeed() rejects nonsense with the path of the offending value.

import { readFileSync } from 'node:fs';
import { X509Certificate, createHash } from 'node:crypto';
import { Fault, faultProblem } from '../http/faults.js';
import { to18 } from '../data/ids.js';
import { LOGIN_TYPES } from '../data/schema.js';

export interface SeedOrg {
  id?: string;
  name?: string;
  myDomain?: string;
  isSandbox?: boolean;
  organizationType?: string;
  instanceName?: string;
  defaults?: {
    timeZoneSidKey?: string;
    localeSidKey?: string;
    languageLocaleKey?: string;
    emailEncodingKey?: string;
  };
}

export interface SeedUserLicense {
  name: string;
  masterLabel?: string;
  total: number;
  /** seats in use; the part above the listed active users stands for unlisted seat holders */
  used?: number;
  status?: 'Active' | 'Disabled';
  licenseDefinitionKey?: string;
}

export interface SeedPermissionSetLicense {
  developerName: string;
  label?: string;
  total: number;
  used?: number;
  status?: 'Active' | 'Disabled';
  permissionSetLicenseKey?: string;
  isAvailableForIntegrations?: boolean;
  expirationDate?: string;
  /** user license names whose users may hold it; null/absent = any (SalesforceAPIIntegrationPsl defaults to the integration license) */
  compatibleUserLicenses?: string[] | null;
}

export interface SeedProfile {
  name: string;
  license: string;
  /** custom profiles can be edited through the API; seeded standard ones can't */
  custom?: boolean;
  userPermissions?: string[];
  description?: string;
}

export type ObjectPermissionName = 'read' | 'create' | 'edit' | 'delete' | 'viewall' | 'modifyall' | 'viewallfields';

export interface SeedPermissionSet {
  name: string;
  label?: string;
  description?: string;
  /** null = "--None--"; else a user license name or a PSL developer name */
  license?: string | null;
  objects?: Record<string, ObjectPermissionName[]>;
  fields?: Record<string, Array<'read' | 'edit'>>;
  userPermissions?: string[];
  hasActivationRequired?: boolean;
  namespacePrefix?: string;
}

export interface SeedPermissionSetGroup {
  name: string;
  label?: string;
  description?: string;
  permissionSets: string[];
  status?: 'Updated' | 'Outdated' | 'Updating' | 'Failed';
  /** The group's muting permission set (`<name>_Muting`): object access and user permissions taken out of the group. */
  muting?: { objects?: Record<string, ObjectPermissionName[]>; userPermissions?: string[] };
}

export interface SeedUser {
  username: string;
  lastName?: string;
  firstName?: string;
  email?: string;
  alias?: string;
  profile: string;
  active?: boolean;
  timeZoneSidKey?: string;
  localeSidKey?: string;
  languageLocaleKey?: string;
  emailEncodingKey?: string;
  federationIdentifier?: string;
  /** permission set or permission set group names (creates PermissionSetAssignment rows) */
  permissionSets?: string[];
  /** PSL developer names (creates PermissionSetLicenseAssign rows) */
  permissionSetLicenses?: string[];
  /** LoginHistory rows; the latest successful one sets User.LastLoginDate */
  loginHistory?: SeedLogin[];
}

/** One LoginHistory row of a seeded user. Exactly one of `time` and `daysAgo`. */
export interface SeedLogin {
  /** LoginType, one of LOGIN_TYPES */
  type: string;
  /** ISO date-time */
  time?: string;
  /** instead of time: this many days before the emulator starts (same time of day) */
  daysAgo?: number;
  /** default 'Browser' for type 'Application', else 'N/A' */
  application?: string;
  /** default 'Success'; anything else is a failed attempt (e.g. 'Invalid Password') */
  status?: string;
  /** default '127.0.0.1' */
  sourceIp?: string;
  /** default '<myDomain>.my.salesforce.com' */
  loginUrl?: string;
  /** default 'Chrome 131' for 'Application', else 'Unknown' */
  browser?: string;
  /** default 'Mac OSX' for 'Application', else 'Unknown' */
  platform?: string;
  /** default 'N/A' */
  apiType?: string;
  /** default 'N/A' */
  apiVersion?: string;
}

/** An earlier approval of an app by a user (an OAuth token row): what a self-authorized app needs for JWT. */
export interface SeedOauthToken {
  username: string;
  /** ISO date-time; default now */
  lastUsed?: string;
}

/** A connected app (facts §7). Profiles and permission sets become SetupEntityAccess rows (facts §7.3). */
export interface SeedConnectedApp {
  /** the API name (ConnectedApp fullName in the Metadata API) */
  name: string;
  /** Setup's "Connected App Name": ConnectedApplication.Name and OauthToken.AppName; default labelFor(name) */
  label?: string;
  contactEmail?: string;
  /** the JWT `iss`; unique across all apps */
  consumerKey: string;
  /** PEM X.509 certificate; JWT signatures are checked against it */
  certificate?: string;
  callbackUrl?: string;
  /** default ["Api", "RefreshToken"] */
  scopes?: string[];
  /** "Admin approved users are pre-authorized"; default false */
  adminApproved?: boolean;
  profiles?: string[];
  permissionSets?: string[];
  /** ENFORCE, BYPASS, BYPASS_2FACTOR, ENFORCE_RELAXREFRESH */
  ipRelaxation?: string;
  /** zero, infinite, specific_lifetime:<n>:<HOURS|DAYS|MONTHS>, specific_inactivity:<n>:<unit> */
  refreshTokenPolicy?: string;
  oauthTokens?: SeedOauthToken[];
}

/** An External Client App with the OAuth plugin (facts §8): app, global OAuth settings, OAuth settings, both policies. */
export interface SeedExternalClientApp {
  name: string;
  /** MasterLabel and OauthToken.AppName; default labelFor(name) */
  label?: string;
  contactEmail?: string;
  consumerKey: string;
  certificate?: string;
  /** default ["Api", "RefreshToken"] */
  scopes?: string[];
  /** default AllSelfAuthorized */
  permittedUsers?: 'AdminApprovedPreAuthorized' | 'AllSelfAuthorized';
  /** the OAuth policy's commaSeparatedProfile */
  profiles?: string[];
  /** the OAuth policy's commaSeparatedPermissionSet (stored as Ids when ecaPermsetMatch is 'id') */
  permissionSets?: string[];
  /** ExtlClntAppConfigurablePolicies isEnabled; default true (false: JWT answers app_not_found) */
  enabled?: boolean;
  /** Enforce, Bypass, Bypass_2factor, Enforce_RelaxRefresh */
  ipRelaxation?: string;
  /** Infinite, SpecificInactivity, SpecificLifetime, Zero */
  refreshTokenPolicy?: string;
  oauthTokens?: SeedOauthToken[];
}

export type SeedRecordValue = string | number | boolean | null;

/** Field types a seed may declare (schema.ts FieldType without 'id'). */
export const SEED_FIELD_TYPES = [
  'string',
  'textarea',
  'email',
  'phone',
  'url',
  'picklist',
  'boolean',
  'int',
  'double',
  'currency',
  'percent',
  'date',
  'datetime',
  'reference',
] as const;
export type SeedFieldType = (typeof SEED_FIELD_TYPES)[number];

export interface SeedObjectField {
  /** default 'string' for a new field; an existing field keeps its type */
  type?: SeedFieldType;
  label?: string;
  required?: boolean;
  length?: number;
  /** lookup targets (type 'reference' implied) */
  referenceTo?: string[];
}

/** A data object and its fields, declared up front; merged with what `records` and permission sets imply. */
export interface SeedObject {
  label?: string;
  fields?: Record<string, SeedObjectField>;
  /** false: the object has no EntityParticle rows (some objects have none; which ones is unsettled) */
  entityParticles?: boolean;
}

export interface Seed {
  org?: SeedOrg;
  admin?: { username?: string; accessToken?: string };
  userLicenses?: SeedUserLicense[];
  permissionSetLicenses?: SeedPermissionSetLicense[];
  profiles?: SeedProfile[];
  permissionSets?: SeedPermissionSet[];
  permissionSetGroups?: SeedPermissionSetGroup[];
  users?: SeedUser[];
  usernamesTakenElsewhere?: string[];
  connectedApps?: SeedConnectedApp[];
  externalClientApps?: SeedExternalClientApp[];
  objects?: Record<string, SeedObject>;
  records?: Record<string, Array<Record<string, SeedRecordValue>>>;
  behaviour?: Partial<Behaviour>;
  faults?: Fault[];
}

// ---------------------------------------------------------------------------------------------
// Behaviour switches (facts §13). One entry per switch: its default and its validator. A later
// issue adds a switch by adding an entry here; the Behaviour type follows from the table.

/** An error the emulator answers with; {placeholders} in message are filled at the call site. */
export interface ErrorSpec {
  errorCode: string;
  message: string;
  status?: number;
}

type Check<T> = (value: unknown, path: string) => T;

const oneOf =
  <T extends string>(...values: T[]): Check<T> =>
  (v, path) => {
    if (typeof v !== 'string' || !values.includes(v as T))
      throw new SeedError(path, `must be one of ${values.map((x) => `'${x}'`).join(', ')}`);
    return v as T;
  };
const bool: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new SeedError(path, 'must be true or false');
  return v;
};
const text: Check<string> = (v, path) => {
  if (typeof v !== 'string' || v === '') throw new SeedError(path, 'must be a non-empty string');
  return v;
};
const stringList: Check<string[]> = (v, path) => {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new SeedError(path, 'must be a list of strings');
  return v as string[];
};
const errorSpec: Check<ErrorSpec> = (v, path) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new SeedError(path, 'must be {errorCode, message, status?}');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!['errorCode', 'message', 'status'].includes(k))
      throw new SeedError(`${path}.${k}`, 'unknown key (known: errorCode, message, status)');
  const spec: ErrorSpec = {
    errorCode: text(o.errorCode, `${path}.errorCode`),
    message: text(o.message, `${path}.message`),
  };
  if (o.status !== undefined) {
    if (!Number.isInteger(o.status) || (o.status as number) < 400 || (o.status as number) > 599)
      throw new SeedError(`${path}.status`, 'must be an HTTP error status');
    spec.status = o.status as number;
  }
  return spec;
};
const errorOrAccept: Check<ErrorSpec | 'accept'> = (v, path) => (v === 'accept' ? 'accept' : errorSpec(v, path));
const errorOrReadOnly: Check<ErrorSpec | 'readOnlyField'> = (v, path) =>
  v === 'readOnlyField' ? 'readOnlyField' : errorSpec(v, path);
/** User permission API names, with or without the Permissions prefix; stored without it. */
const userPermissionList: Check<string[]> = (v, path) =>
  stringList(v, path).map((n, i) => {
    const bare = n.replace(/^Permissions/, '');
    if (!API_NAME.test(bare))
      throw new SeedError(`${path}[${i}]`, "must be a user permission API name like 'ModifyAllData'");
    return bare;
  });
const endpointList: Check<Array<'data' | 'tooling'>> = (v, path) =>
  stringList(v, path).map((e, i) => {
    if (e !== 'data' && e !== 'tooling') throw new SeedError(`${path}[${i}]`, "must be 'data' or 'tooling'");
    return e;
  });
/** `Object.Field` API names. */
const objectFieldList: Check<string[]> = (v, path) =>
  stringList(v, path).map((n, i) => {
    const [object, field, extra] = n.split('.');
    if (extra !== undefined || !API_NAME.test(object ?? '') || !API_NAME.test(field ?? ''))
      throw new SeedError(`${path}[${i}]`, "must be 'Object.Field', e.g. 'PermissionSet.PermissionsUseAnyApiClient'");
    return n;
  });
const count: Check<number> = (v, path) => {
  if (!Number.isInteger(v) || (v as number) < 0) throw new SeedError(path, 'must be a whole number >= 0');
  return v as number;
};

const positive =
  (max: number): Check<number> =>
  (v, path) => {
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max)
      throw new SeedError(path, `must be a whole number from 1 to ${max}`);
    return v as number;
  };

function sw<T>(defaultValue: T, check: Check<T>): { default: T; check: Check<T> } {
  return { default: defaultValue, check };
}

export const BEHAVIOURS = {
  /** #13: WHERE on UserLicense.TotalLicenses/UsedLicenses at API >= 64.0 */
  licenseCountFilter: sw<'reject' | 'allow'>('reject', oneOf('reject', 'allow')),
  /** #5: error when the PSL has no free seat */
  pslLimitError: sw<'LICENSE_LIMIT_EXCEEDED' | 'INSUFFICIENT_ACCESS_OR_READONLY'>(
    'LICENSE_LIMIT_EXCEEDED',
    oneOf('LICENSE_LIMIT_EXCEEDED', 'INSUFFICIENT_ACCESS_OR_READONLY')
  ),
  /** #7: duplicate PermissionSetAssignment text; {assigneeId}, {permissionSetId} */
  duplicatePsaMessage: sw<string>(
    'Duplicate PermissionSetAssignment. Assignee: {assigneeId}, PermissionSet: {permissionSetId}',
    text
  ),
  /** #17: PATCH on PermissionSetLicenseAssign */
  pslaUpdateError: sw<ErrorSpec>(
    {
      status: 405,
      errorCode: 'METHOD_NOT_ALLOWED',
      message: "HTTP Method 'PATCH' not allowed. Allowed are HEAD,GET,DELETE",
    },
    errorSpec
  ),
  /** #1: assigning a PSL-licensed permission set creates the missing PSLA */
  autoAssignPslOnPermsetAssign: sw<boolean>(true, bool),
  /** #1 with autoAssign false: {psl} = PSL developer name, {permissionSet} = set name */
  missingPslError: sw<ErrorSpec>(
    {
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      message: "The user doesn't have the permission set license {psl}, which permission set {permissionSet} requires.",
    },
    errorSpec
  ),
  /**
   * #2, #16: a set licensed to another user license; 'accept' assigns it anyway. Also a user moving to another
   * license while holding such a set, or a PSL the new license doesn't support ({psl}; rules.ts checkHoldingsOnLicense).
   */
  licenseMismatchError: sw<ErrorSpec | 'accept'>(
    { errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: "The user license doesn't match the permission set license." },
    errorOrAccept
  ),
  /** #14: what an integration user's session can't query */
  integrationUserDeniedTypes: sw<string[]>(['Organization'], stringList),
  /** Username not email-shaped (unsettled) */
  usernameFormatError: sw<ErrorSpec>(
    {
      errorCode: 'INVALID_NEW_VALUE',
      message: 'Username must be in the form of an email address (for example, john@acme.com)',
    },
    errorSpec
  ),
  /** PSL assigned to a user whose license it doesn't support; {psl}, {username} */
  pslIncompatibleError: sw<ErrorSpec>(
    {
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      message: "Can't assign permission set license {psl} to user {username}. The user license doesn't support it.",
    },
    errorSpec
  ),
  /** Moving a user to a profile on another user license (facts §3.2 [3P]); 'accept' allows it, under the seat and license rules */
  profileLicenseChangeError: sw<ErrorSpec | 'accept'>(
    {
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      message: "You can only assign profiles that are compatible with the user's license",
    },
    errorOrAccept
  ),
  /** #15: standard-object ObjectPermissions in a set licensed to the Salesforce Integration user license */
  integrationLicensedPermsetStandardObjects: sw<'reject' | 'allow'>('reject', oneOf('reject', 'allow')),
  /** Assigning a permission set group whose Status isn't 'Updated'; {group}, {status} */
  groupNotUpdatedError: sw<ErrorSpec>(
    {
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      message: "Permission set group {group} can't be assigned while its status is {status}.",
    },
    errorSpec
  ),
  /** A permission set Name or group DeveloperName already in use (text unsettled); {name} */
  duplicateSetNameError: sw<ErrorSpec>(
    {
      errorCode: 'DUPLICATE_DEVELOPER_NAME',
      message: 'The API name you entered is already in use. Enter a unique API name.',
    },
    errorSpec
  ),
  /**
   * PATCH of PermissionSet.LicenseId (create-only). 'readOnlyField' answers as for any field without
   * the Update property; an ErrorSpec refuses only a changed value ({permissionSet}) and lets an unchanged one pass.
   */
  permissionSetLicenseChange: sw<ErrorSpec | 'readOnlyField'>('readOnlyField', errorOrReadOnly),
  /** FieldPermissions on a required field (text unsettled); {field} = Object.Field */
  requiredFieldPermissionError: sw<ErrorSpec>(
    {
      errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      message: 'Field Name: bad value for restricted picklist field: {field}',
    },
    errorSpec
  ),
  /**
   * Facts §3.1: group recalculation is asynchronous. After a change to a group or its members' permissions,
   * its Status reads 'Updating' for this many further requests (0 = recalculated at once).
   */
  groupRecalculationRequests: sw<number>(0, count),
  /**
   * User permissions the Salesforce Integration user license doesn't allow (which ones is undocumented).
   * Assigning a --None-- set that enables one, alone or as a group member, to a user on that license fails
   * with FIELD_INTEGRITY_EXCEPTION "The user license doesn't allow the permission: <label>" ('Modify All Data').
   * API names, 'Permissions' prefix optional; the first listed one the set enables is named. [] turns the check off.
   */
  integrationLicenseDeniedUserPermissions: sw<string[]>(
    ['ModifyAllData', 'ManageUsers', 'CustomizeApplication', 'AuthorApex'],
    userPermissionList
  ),

  // --- query pages and request size (Salesforce Help 000386264; README "Query pages and request limits") --
  /** Records in one query answer; more come through nextRecordsUrl. Salesforce: at most 2,000 (fewer for wide rows). */
  queryPageSize: sw<number>(2000, positive(2000)),
  /**
   * Rows an aggregate query (GROUP BY or aggregate functions) may answer; aggregates can't be paged, so more
   * rows answer 400 EXCEEDED_ID_LIMIT "Aggregate query does not support queryMore(), ...". Salesforce: 2,000.
   */
  aggregateQueryRowLimit: sw<number>(2000, positive(2000)),
  /**
   * Query cursors (unread nextRecordsUrl locators) one user may hold; opening one more releases the oldest, whose
   * locator then answers INVALID_QUERY_LOCATOR (SOAP API Developer Guide, query(): 10; unsettled for REST).
   */
  openQueryCursors: sw<number>(10, positive(1000)),

  // --- connected apps, External Client Apps and the JWT bearer flow (facts §7-§9) ---------------------
  /** #3: SetupEntityAccess under a profile-owned permission set; reject = INSUFFICIENT_ACCESS_OR_READONLY */
  setupEntityAccessOnProfilePermset: sw<'allow' | 'reject'>('allow', oneOf('allow', 'reject')),
  /** #4: SetupEntityAccess naming an External Client App: accepted and counted for JWT, accepted but ignored, or refused */
  setupEntityAccessForEca: sw<'honour' | 'ignore' | 'reject'>('honour', oneOf('honour', 'ignore', 'reject')),
  /** #6: a second SetupEntityAccess for the same set and app: DUPLICATE_VALUE, or the existing row answered as created */
  duplicateSetupEntityAccess: sw<'error' | 'noop'>('error', oneOf('error', 'noop')),
  /** #8: JWT answer for a user an admin-approved ECA doesn't pre-authorize */
  ecaNotApprovedError: sw<'hasnt_approved' | 'invalid_app_access'>(
    'hasnt_approved',
    oneOf('hasnt_approved', 'invalid_app_access')
  ),
  /** #9: the next n token requests after an app or policy change are answered as before the change */
  policyPropagationFailures: sw<number>(0, count),
  /**
   * JWT `aud` = the org's own URL (My Domain). The JWT bearer flow page (Salesforce Help) documents only
   * login.salesforce.com, test.salesforce.com (sandboxes) and an Experience Cloud site URL; whether My Domain
   * is accepted is unsettled. Default accept: the stock sf's first try signs it (sfdx-core getLoginAudienceCombos).
   */
  myDomainAudience: sw<'accept' | 'reject'>('accept', oneOf('accept', 'reject')),
  /**
   * userinfo for a JWT session whose token has none of openid / id / profile: 'required' answers 403 (facts
   * §14.8: the endpoint is OpenID Connect's, and answers only tokens with those scopes; the body is unsettled).
   */
  userinfoScope: sw<'required' | 'any'>('required', oneOf('required', 'any')),
  /** #10: what the ECA policy's commaSeparatedPermissionSet holds (and matches) */
  ecaPermsetMatch: sw<'name' | 'id' | 'both'>('name', oneOf('name', 'id', 'both')),
  /** #10: what ConnectedApp permissionSetName holds (and matches) */
  connectedAppPermsetMatch: sw<'name' | 'label' | 'both'>('name', oneOf('name', 'label', 'both')),
  /** #11: the query endpoints serving ExternalClientApplication and ExtlClntAppOauthPlcyCnfg; the others answer INVALID_TYPE */
  ecaQueryEndpoints: sw<Array<'data' | 'tooling'>>(['data', 'tooling'], endpointList),
  /** #12: Metadata API updates of an existing connected app (updateMetadata, upsertMetadata, deploy) */
  connectedAppMetadataUpdate: sw<'allow' | 'reject'>('allow', oneOf('allow', 'reject')),
  /** #12: creating a connected app through the Metadata API (facts §7.1: blocked since Spring '26) */
  allowConnectedAppCreation: sw<boolean>(false, bool),
  /** #12: the refusal of a new connected app (text unknown); {name} */
  connectedAppCreationError: sw<ErrorSpec>(
    {
      errorCode: 'INSUFFICIENT_ACCESS',
      message:
        "Can't create connected app {name}: creation of connected apps is restricted in this org. Create an external client app instead.",
    },
    errorSpec
  ),
  /**
   * Facts §8.3: the org setting "Allow Access to OAuth Consumer Secrets via Metadata API" (Help recommends it off):
   * ExtlClntAppGlobalOauthSettings carries consumerKey/consumerSecret in retrieves, and accepts a deployed secret
   */
  ecaConsumerSecretsInMetadata: sw<boolean>(false, bool),
  /**
   * #11 item 10 (unsettled): whether a consumerKey deployed in ExtlClntAppGlobalOauthSettings is kept, or Salesforce
   * generates its own and ignores the one sent (third-party notes). Default: the stricter 'generated'.
   */
  ecaConsumerKey: sw<'from-deploy' | 'generated'>('generated', oneOf('from-deploy', 'generated')),
  /**
   * #11 item 10: deploying ExtlClntAppGlobalOauthSettings / ExtlClntAppOauthSettings needs "Allow Access to OAuth Consumer
   * Secrets via Metadata API" (Metadata API reference, Special Access Rules; newer ExternalClientAppSettings pages mark the
   * setting deprecated). 'requires-setting' (default, documented and stricter): refused unless ecaConsumerSecretsInMetadata.
   */
  ecaOauthSettingsDeploy: sw<'allow' | 'requires-setting'>('requires-setting', oneOf('allow', 'requires-setting')),
  /**
   * Columns this org doesn't have, as `Object.Field`: gone from describe, and a query naming one fails whole with
   * INVALID_FIELD "No such column '<Field>' on entity '<Object>'...". PermissionSet.PermissionsUseAnyApiClient
   * exists only where API Access Control is on, which Salesforce Support enables (Salesforce Help, "Manage API
   * Access"); other Permissions* columns depend on features and licenses the same way.
   */
  absentFields: sw<string[]>(['PermissionSet.PermissionsUseAnyApiClient'], objectFieldList),
  /**
   * Whether `=` / IN values on EntityDefinition, EntityParticle and FieldDefinition match only their exact spelling
   * (unsettled: OrgCheck issue 238 saw '<Local>' match nothing where '<local>' did) or case-insensitively as SOQL
   * does elsewhere (setup-objects.ts).
   */
  setupObjectValueMatch: sw<'exact' | 'case-insensitive'>('exact', oneOf('exact', 'case-insensitive')),
  /**
   * REST API Developer Guide, Composite Request Body: from API 49.0 collateSubrequests defaults to true and
   * collated subrequests run in no guaranteed order unless one refers to another. 'reorder' runs such a
   * composite's unrelated subrequests in reverse (server.ts executionOrder), the stricter reading; 'in-order' as sent.
   */
  collateSubrequests: sw<'in-order' | 'reorder'>('reorder', oneOf('in-order', 'reorder')),
  /** retrieve and deploy report "in progress" to this many status checks before they complete (0 = done on the first) */
  metadataAsyncPolls: sw<number>(0, count),
};

export type Behaviour = { [K in keyof typeof BEHAVIOURS]: (typeof BEHAVIOURS)[K]['default'] };

export function defaultBehaviour(): Behaviour {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(BEHAVIOURS)) out[k] = structuredClone(v.default);
  return out as Behaviour;
}

// ---------------------------------------------------------------------------------------------

export class SeedError extends Error {
  public constructor(
    public readonly path: string,
    detail: string
  ) {
    super(`${path}: ${detail}`);
    this.name = 'SeedError';
  }
}

export const INTEGRATION_LICENSE = 'Salesforce Integration';
export const INTEGRATION_PSL = 'SalesforceAPIIntegrationPsl';
export const INTEGRATION_PROFILE = 'Minimum Access - API Only Integrations';
/** Facts §1: what both standard integration profiles carry; a seeded standard profile on that license gets them by default. */
export const INTEGRATION_PROFILE_PERMISSIONS = ['ApiEnabled', 'ApiUserOnly', 'ChatterInternalUser'] as const;

/** The seed with every default filled in; what the state is built from. */
export interface ResolvedSeed {
  org: Required<Omit<SeedOrg, 'defaults'>> & { defaults: Required<NonNullable<SeedOrg['defaults']>> };
  admin: { username: string; accessToken: string };
  userLicenses: SeedUserLicense[];
  permissionSetLicenses: SeedPermissionSetLicense[];
  profiles: SeedProfile[];
  permissionSets: SeedPermissionSet[];
  permissionSetGroups: SeedPermissionSetGroup[];
  users: SeedUser[];
  usernamesTakenElsewhere: string[];
  connectedApps: SeedConnectedApp[];
  externalClientApps: SeedExternalClientApp[];
  objects: Record<string, SeedObject>;
  records: Record<string, Array<Record<string, SeedRecordValue>>>;
  behaviour: Behaviour;
  faults: Fault[];
}

export function loadSeedFile(path: string): Seed {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SeedError('seed', `can't read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(raw) as Seed;
  } catch (e) {
    throw new SeedError('seed', `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

// --- small validators ------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string, known: string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SeedError(path, 'must be an object');
  for (const k of Object.keys(v))
    if (!known.includes(k)) throw new SeedError(`${path}.${k}`, `unknown key (known: ${known.join(', ')})`);
  return v as Obj;
}
function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new SeedError(path, 'must be a list');
  return v;
}
function optStr(v: unknown, path: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new SeedError(path, 'must be a non-empty string');
  return v;
}
function reqStr(v: unknown, path: string): string {
  if (v === undefined) throw new SeedError(path, 'is required');
  return optStr(v, path) as string;
}
function optBool(v: unknown, path: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new SeedError(path, 'must be true or false');
  return v;
}
function optCount(v: unknown, path: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < 0) throw new SeedError(path, 'must be a whole number >= 0');
  return v as number;
}
function optStrList(v: unknown, path: string): string[] | undefined {
  if (v === undefined) return undefined;
  return list(v, path).map((x, i) => reqStr(x, `${path}[${i}]`));
}
function uniqueBy<T>(items: T[], key: (t: T) => string, path: string, what: string): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item).toLowerCase();
    if (seen.has(k)) throw new SeedError(`${path}[${i}]`, `duplicate ${what} '${key(item)}'`);
    seen.add(k);
  });
}

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The label a seeded app without one gets: its API name in words (`Acme_Sync` becomes "Acme Sync",
 * `RedpandaConnect` "Redpanda Connect"), never the API name itself, as in real orgs, where
 * ConnectedApplication.Name and OauthToken.AppName hold the label (#11 item 2).
 */
export function labelFor(apiName: string): string {
  const words = apiName
    .replace(/_+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim();
  return words === apiName ? `${apiName} App` : words;
}
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const TOKEN_SHAPE = /^00D[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?![A-Za-z0-9._]+$/;

function tokenFor(orgId: string, username: string): string {
  const digest = createHash('sha256')
    .update(`${orgId}/${username}`)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '');
  return `${orgId}!AQ0${digest.slice(0, 40)}`;
}

const OBJECT_PERMS: ObjectPermissionName[] = [
  'read',
  'create',
  'edit',
  'delete',
  'viewall',
  'modifyall',
  'viewallfields',
];

/** Validates a seed and fills in every default. Throws SeedError naming the path. */
export function resolveSeed(input: unknown): ResolvedSeed {
  const s = obj(input ?? {}, 'seed', [
    'org',
    'admin',
    'userLicenses',
    'permissionSetLicenses',
    'profiles',
    'permissionSets',
    'permissionSetGroups',
    'users',
    'usernamesTakenElsewhere',
    'connectedApps',
    'externalClientApps',
    'objects',
    'records',
    'behaviour',
    'faults',
    '$schema',
    'description',
  ]);

  // org
  const o =
    s.org === undefined
      ? {}
      : obj(s.org, 'seed.org', ['id', 'name', 'myDomain', 'isSandbox', 'organizationType', 'instanceName', 'defaults']);
  let orgId = '00D000000000001EAA';
  if (o.id !== undefined) {
    const id = to18(o.id);
    if (!id || !id.startsWith('00D'))
      throw new SeedError('seed.org.id', 'must be a 15- or 18-char Organization id starting with 00D');
    orgId = id;
  }
  const d =
    o.defaults === undefined
      ? {}
      : obj(o.defaults, 'seed.org.defaults', [
          'timeZoneSidKey',
          'localeSidKey',
          'languageLocaleKey',
          'emailEncodingKey',
        ]);
  const timeZone = optStr(d.timeZoneSidKey, 'seed.org.defaults.timeZoneSidKey') ?? 'America/Los_Angeles';
  if (!isTimeZone(timeZone)) throw new SeedError('seed.org.defaults.timeZoneSidKey', `unknown time zone '${timeZone}'`);
  const isSandbox = optBool(o.isSandbox, 'seed.org.isSandbox') ?? false;
  const org: ResolvedSeed['org'] = {
    id: orgId,
    name: optStr(o.name, 'seed.org.name') ?? 'Emulated Org',
    myDomain: optStr(o.myDomain, 'seed.org.myDomain') ?? 'emu',
    isSandbox,
    organizationType: optStr(o.organizationType, 'seed.org.organizationType') ?? 'Enterprise Edition',
    instanceName: optStr(o.instanceName, 'seed.org.instanceName') ?? (isSandbox ? 'CS1' : 'EMU1'),
    defaults: {
      timeZoneSidKey: timeZone,
      localeSidKey: optStr(d.localeSidKey, 'seed.org.defaults.localeSidKey') ?? 'en_US',
      languageLocaleKey: optStr(d.languageLocaleKey, 'seed.org.defaults.languageLocaleKey') ?? 'en_US',
      emailEncodingKey: optStr(d.emailEncodingKey, 'seed.org.defaults.emailEncodingKey') ?? 'UTF-8',
    },
  };

  // admin
  const a = s.admin === undefined ? {} : obj(s.admin, 'seed.admin', ['username', 'accessToken']);
  const adminUsername = optStr(a.username, 'seed.admin.username') ?? 'admin@emu.example';
  if (!EMAIL.test(adminUsername)) throw new SeedError('seed.admin.username', 'must be email-shaped');
  const accessToken = optStr(a.accessToken, 'seed.admin.accessToken') ?? tokenFor(orgId, adminUsername);
  if (!TOKEN_SHAPE.test(accessToken))
    throw new SeedError(
      'seed.admin.accessToken',
      "must look like '<org id>!<letters and digits>' (sf recognises tokens by that shape)"
    );

  // user licenses
  const userLicenses: SeedUserLicense[] =
    s.userLicenses === undefined
      ? [
          { name: INTEGRATION_LICENSE, total: 5, used: 0 },
          { name: 'Salesforce', total: 10, used: 0 },
        ]
      : list(s.userLicenses, 'seed.userLicenses').map((v, i) => {
          const p = `seed.userLicenses[${i}]`;
          const l = obj(v, p, ['name', 'masterLabel', 'total', 'used', 'status', 'licenseDefinitionKey']);
          const status = optStr(l.status, `${p}.status`);
          if (status !== undefined && status !== 'Active' && status !== 'Disabled')
            throw new SeedError(`${p}.status`, "must be 'Active' or 'Disabled'");
          const total = optCount(l.total, `${p}.total`);
          if (total === undefined) throw new SeedError(`${p}.total`, 'is required');
          return {
            name: reqStr(l.name, `${p}.name`),
            masterLabel: optStr(l.masterLabel, `${p}.masterLabel`),
            total,
            used: optCount(l.used, `${p}.used`),
            status,
            licenseDefinitionKey: optStr(l.licenseDefinitionKey, `${p}.licenseDefinitionKey`),
          };
        });
  uniqueBy(userLicenses, (l) => l.name, 'seed.userLicenses', 'license name');
  const licenseNames = new Set(userLicenses.map((l) => l.name.toLowerCase()));

  // permission set licenses
  // An edition without the integration user license lacks its PSL too.
  const permissionSetLicenses: SeedPermissionSetLicense[] =
    s.permissionSetLicenses === undefined
      ? licenseNames.has(INTEGRATION_LICENSE.toLowerCase())
        ? [{ developerName: INTEGRATION_PSL, label: 'Salesforce API Integration', total: 5, used: 0 }]
        : []
      : list(s.permissionSetLicenses, 'seed.permissionSetLicenses').map((v, i) => {
          const p = `seed.permissionSetLicenses[${i}]`;
          const l = obj(v, p, [
            'developerName',
            'label',
            'total',
            'used',
            'status',
            'permissionSetLicenseKey',
            'isAvailableForIntegrations',
            'expirationDate',
            'compatibleUserLicenses',
          ]);
          const total = optCount(l.total, `${p}.total`);
          if (total === undefined) throw new SeedError(`${p}.total`, 'is required');
          const developerName = reqStr(l.developerName, `${p}.developerName`);
          if (!API_NAME.test(developerName))
            throw new SeedError(`${p}.developerName`, 'must be an API name (letters, digits, _)');
          const compat =
            l.compatibleUserLicenses === null
              ? null
              : optStrList(l.compatibleUserLicenses, `${p}.compatibleUserLicenses`);
          compat?.forEach((n, j) => {
            if (!licenseNames.has(n.toLowerCase()))
              throw new SeedError(
                `${p}.compatibleUserLicenses[${j}]`,
                `no user license named '${n}' in seed.userLicenses`
              );
          });
          const status = optStr(l.status, `${p}.status`);
          if (status !== undefined && status !== 'Active' && status !== 'Disabled')
            throw new SeedError(`${p}.status`, "must be 'Active' or 'Disabled'");
          return {
            developerName,
            label: optStr(l.label, `${p}.label`),
            total,
            used: optCount(l.used, `${p}.used`),
            status,
            permissionSetLicenseKey: optStr(l.permissionSetLicenseKey, `${p}.permissionSetLicenseKey`),
            isAvailableForIntegrations: optBool(l.isAvailableForIntegrations, `${p}.isAvailableForIntegrations`),
            expirationDate: optStr(l.expirationDate, `${p}.expirationDate`),
            compatibleUserLicenses: compat,
          };
        });
  uniqueBy(permissionSetLicenses, (l) => l.developerName, 'seed.permissionSetLicenses', 'PSL developer name');
  for (const psl of permissionSetLicenses) {
    // The API Integration PSL only fits the integration user license unless the seed says otherwise.
    if (psl.compatibleUserLicenses === undefined && psl.developerName.toLowerCase() === INTEGRATION_PSL.toLowerCase()) {
      psl.compatibleUserLicenses = licenseNames.has(INTEGRATION_LICENSE.toLowerCase()) ? [INTEGRATION_LICENSE] : [];
    }
  }
  const pslNames = new Set(permissionSetLicenses.map((l) => l.developerName.toLowerCase()));

  // profiles
  const profiles: SeedProfile[] =
    s.profiles === undefined
      ? [
          {
            name: INTEGRATION_PROFILE,
            license: INTEGRATION_LICENSE,
            userPermissions: [...INTEGRATION_PROFILE_PERMISSIONS],
          },
          {
            name: 'System Administrator',
            license: 'Salesforce',
            userPermissions: [
              'ApiEnabled',
              'ViewSetup',
              'ModifyAllData',
              'ViewAllData',
              'ManageUsers',
              'AssignPermissionSets',
              'CustomizeApplication',
              'AuthorApex',
              'RunFlow',
              'ManageProfilesPermissionsets',
            ],
          },
          { name: 'Standard User', license: 'Salesforce', userPermissions: ['ApiEnabled', 'RunFlow'] },
        ].filter((p) => licenseNames.has(p.license.toLowerCase()))
      : list(s.profiles, 'seed.profiles').map((v, i) => {
          const p = `seed.profiles[${i}]`;
          const pr = obj(v, p, ['name', 'license', 'custom', 'userPermissions', 'description']);
          const license = reqStr(pr.license, `${p}.license`);
          if (!licenseNames.has(license.toLowerCase()))
            throw new SeedError(`${p}.license`, `no user license named '${license}' in seed.userLicenses`);
          const custom = optBool(pr.custom, `${p}.custom`);
          // Facts §1: the standard profiles on the integration license are API only (whatever their, maybe localized, name).
          const standardIntegration = custom !== true && license.toLowerCase() === INTEGRATION_LICENSE.toLowerCase();
          return {
            name: reqStr(pr.name, `${p}.name`),
            license,
            custom,
            userPermissions:
              checkUserPermissions(pr.userPermissions, `${p}.userPermissions`) ??
              (standardIntegration ? [...INTEGRATION_PROFILE_PERMISSIONS] : undefined),
            description: optStr(pr.description, `${p}.description`),
          };
        });
  uniqueBy(profiles, (p) => p.name, 'seed.profiles', 'profile name');
  const profileNames = new Set(profiles.map((p) => p.name.toLowerCase()));

  // permission sets
  const permissionSets: SeedPermissionSet[] =
    s.permissionSets === undefined
      ? []
      : list(s.permissionSets, 'seed.permissionSets').map((v, i) => {
          const p = `seed.permissionSets[${i}]`;
          const ps = obj(v, p, [
            'name',
            'label',
            'description',
            'license',
            'objects',
            'fields',
            'userPermissions',
            'hasActivationRequired',
            'namespacePrefix',
          ]);
          const name = reqStr(ps.name, `${p}.name`);
          if (!API_NAME.test(name) || name.includes('__') || name.endsWith('_') || name.length > 80) {
            throw new SeedError(
              `${p}.name`,
              'must be an API name: letters, digits and _, starting with a letter, no __, no trailing _'
            );
          }
          let license: string | null = null;
          if (ps.license !== undefined && ps.license !== null) {
            license = reqStr(ps.license, `${p}.license`);
            if (!licenseNames.has(license.toLowerCase()) && !pslNames.has(license.toLowerCase())) {
              throw new SeedError(
                `${p}.license`,
                `'${license}' is neither a user license name nor a PSL developer name in this seed`
              );
            }
          }
          const objects: Record<string, ObjectPermissionName[]> = {};
          if (ps.objects !== undefined) {
            const os = obj(ps.objects, `${p}.objects`, Object.keys(ps.objects as Obj));
            for (const [objName, perms] of Object.entries(os)) {
              if (!API_NAME.test(objName))
                throw new SeedError(`${p}.objects.${objName}`, 'object name must be an API name');
              objects[objName] = list(perms, `${p}.objects.${objName}`).map((x, j) => {
                const perm = String(x).toLowerCase() as ObjectPermissionName;
                if (!OBJECT_PERMS.includes(perm))
                  throw new SeedError(`${p}.objects.${objName}[${j}]`, `must be one of ${OBJECT_PERMS.join(', ')}`);
                return perm;
              });
            }
          }
          const fields: Record<string, Array<'read' | 'edit'>> = {};
          if (ps.fields !== undefined) {
            const fs = obj(ps.fields, `${p}.fields`, Object.keys(ps.fields as Obj));
            for (const [fieldName, perms] of Object.entries(fs)) {
              if (!/^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/.test(fieldName))
                throw new SeedError(`${p}.fields.${fieldName}`, "must be written 'Object.Field'");
              fields[fieldName] = list(perms, `${p}.fields.${fieldName}`).map((x, j) => {
                const perm = String(x).toLowerCase();
                if (perm !== 'read' && perm !== 'edit')
                  throw new SeedError(`${p}.fields.${fieldName}[${j}]`, "must be 'read' or 'edit'");
                return perm;
              });
            }
          }
          return {
            name,
            label: optStr(ps.label, `${p}.label`),
            description: optStr(ps.description, `${p}.description`),
            license,
            objects,
            fields,
            userPermissions: checkUserPermissions(ps.userPermissions, `${p}.userPermissions`),
            hasActivationRequired: optBool(ps.hasActivationRequired, `${p}.hasActivationRequired`),
            namespacePrefix: optStr(ps.namespacePrefix, `${p}.namespacePrefix`),
          };
        });
  uniqueBy(permissionSets, (p) => p.name, 'seed.permissionSets', 'permission set name');
  const permsetNames = new Set(permissionSets.map((p) => p.name.toLowerCase()));

  // permission set groups
  const permissionSetGroups: SeedPermissionSetGroup[] =
    s.permissionSetGroups === undefined
      ? []
      : list(s.permissionSetGroups, 'seed.permissionSetGroups').map((v, i) => {
          const p = `seed.permissionSetGroups[${i}]`;
          const g = obj(v, p, ['name', 'label', 'description', 'permissionSets', 'status', 'muting']);
          const name = reqStr(g.name, `${p}.name`);
          if (!API_NAME.test(name)) throw new SeedError(`${p}.name`, 'must be an API name');
          const members = optStrList(g.permissionSets, `${p}.permissionSets`) ?? [];
          members.forEach((m, j) => {
            if (!permsetNames.has(m.toLowerCase()))
              throw new SeedError(`${p}.permissionSets[${j}]`, `no permission set named '${m}' in seed.permissionSets`);
          });
          const status = optStr(g.status, `${p}.status`) ?? 'Updated';
          if (!['Updated', 'Outdated', 'Updating', 'Failed'].includes(status))
            throw new SeedError(`${p}.status`, "must be 'Updated', 'Outdated', 'Updating' or 'Failed'");
          const group: SeedPermissionSetGroup = {
            name,
            label: optStr(g.label, `${p}.label`),
            description: optStr(g.description, `${p}.description`),
            permissionSets: members,
            status: status as SeedPermissionSetGroup['status'],
          };
          if (g.muting !== undefined) group.muting = mutingOf(g.muting, `${p}.muting`);
          return group;
        });
  uniqueBy(permissionSetGroups, (g) => g.name, 'seed.permissionSetGroups', 'group name');
  const groupNames = new Set(permissionSetGroups.map((g) => g.name.toLowerCase()));
  for (const [i, g] of permissionSetGroups.entries()) {
    if (permsetNames.has(g.name.toLowerCase()))
      throw new SeedError(`seed.permissionSetGroups[${i}].name`, `'${g.name}' is also a permission set name`);
  }

  // users
  const users: SeedUser[] =
    s.users === undefined
      ? []
      : list(s.users, 'seed.users').map((v, i) => {
          const p = `seed.users[${i}]`;
          if (typeof v === 'object' && v !== null && 'userPermissions' in v) {
            throw new SeedError(
              `${p}.userPermissions`,
              'a user has no user permissions of its own in Salesforce; put them on its profile (seed.profiles[].userPermissions) or on a permission set it holds'
            );
          }
          const u = obj(v, p, [
            'username',
            'lastName',
            'firstName',
            'email',
            'alias',
            'profile',
            'active',
            'timeZoneSidKey',
            'localeSidKey',
            'languageLocaleKey',
            'emailEncodingKey',
            'federationIdentifier',
            'permissionSets',
            'permissionSetLicenses',
            'loginHistory',
          ]);
          const username = reqStr(u.username, `${p}.username`);
          if (!EMAIL.test(username)) throw new SeedError(`${p}.username`, 'must be email-shaped');
          const profile = reqStr(u.profile, `${p}.profile`);
          if (!profileNames.has(profile.toLowerCase()))
            throw new SeedError(`${p}.profile`, `no profile named '${profile}' in seed.profiles`);
          const email = optStr(u.email, `${p}.email`);
          if (email !== undefined && !EMAIL.test(email)) throw new SeedError(`${p}.email`, 'must be an email address');
          const alias = optStr(u.alias, `${p}.alias`);
          if (alias !== undefined && alias.length > 8)
            throw new SeedError(`${p}.alias`, 'must be at most 8 characters');
          const tz = optStr(u.timeZoneSidKey, `${p}.timeZoneSidKey`);
          if (tz !== undefined && !isTimeZone(tz))
            throw new SeedError(`${p}.timeZoneSidKey`, `unknown time zone '${tz}'`);
          const sets = optStrList(u.permissionSets, `${p}.permissionSets`) ?? [];
          sets.forEach((n, j) => {
            if (!permsetNames.has(n.toLowerCase()) && !groupNames.has(n.toLowerCase())) {
              throw new SeedError(`${p}.permissionSets[${j}]`, `no permission set or group named '${n}' in the seed`);
            }
          });
          const psls = optStrList(u.permissionSetLicenses, `${p}.permissionSetLicenses`) ?? [];
          psls.forEach((n, j) => {
            if (!pslNames.has(n.toLowerCase()))
              throw new SeedError(
                `${p}.permissionSetLicenses[${j}]`,
                `no PSL with developer name '${n}' in seed.permissionSetLicenses`
              );
          });
          return {
            username,
            lastName: optStr(u.lastName, `${p}.lastName`),
            firstName: optStr(u.firstName, `${p}.firstName`),
            email,
            alias,
            profile,
            active: optBool(u.active, `${p}.active`),
            timeZoneSidKey: tz,
            localeSidKey: optStr(u.localeSidKey, `${p}.localeSidKey`),
            languageLocaleKey: optStr(u.languageLocaleKey, `${p}.languageLocaleKey`),
            emailEncodingKey: optStr(u.emailEncodingKey, `${p}.emailEncodingKey`),
            federationIdentifier: optStr(u.federationIdentifier, `${p}.federationIdentifier`),
            permissionSets: sets,
            permissionSetLicenses: psls,
            loginHistory:
              u.loginHistory === undefined
                ? []
                : list(u.loginHistory, `${p}.loginHistory`).map((l, j) => resolveLogin(l, `${p}.loginHistory[${j}]`)),
          };
        });
  uniqueBy(users, (u) => u.username, 'seed.users', 'username');
  // The admin is a user too: listed in users, or added on System Administrator.
  if (!users.some((u) => u.username.toLowerCase() === adminUsername.toLowerCase())) {
    if (!profileNames.has('system administrator')) {
      throw new SeedError(
        'seed.admin',
        `the admin '${adminUsername}' needs a profile: list it in seed.users, or keep a 'System Administrator' profile`
      );
    }
    users.unshift({
      username: adminUsername,
      lastName: 'Admin',
      firstName: 'Emulator',
      email: adminUsername,
      profile: 'System Administrator',
      active: true,
      permissionSets: [],
      permissionSetLicenses: [],
    });
  } else {
    const admin = users.find((u) => u.username.toLowerCase() === adminUsername.toLowerCase());
    if (admin?.active === false) throw new SeedError('seed.users', `the admin '${adminUsername}' must be active`);
  }

  const usernamesTakenElsewhere = optStrList(s.usernamesTakenElsewhere, 'seed.usernamesTakenElsewhere') ?? [];

  const { connectedApps, externalClientApps } = resolveApps(s, {
    profiles: profileNames,
    permissionSets: permsetNames,
    usernames: new Set(users.map((u) => u.username.toLowerCase())),
  });

  // objects: data objects and fields declared up front (checked against the schema in buildState)
  const objects: ResolvedSeed['objects'] = {};
  if (s.objects !== undefined) {
    const os = obj(s.objects, 'seed.objects', Object.keys(s.objects as Obj));
    for (const [type, raw] of Object.entries(os)) {
      const p = `seed.objects.${type}`;
      if (!API_NAME.test(type)) throw new SeedError(p, 'must be an sObject API name');
      const o = obj(raw, p, ['label', 'fields', 'entityParticles']);
      const fields: Record<string, SeedObjectField> = {};
      if (o.fields !== undefined) {
        const fs = obj(o.fields, `${p}.fields`, Object.keys(o.fields as Obj));
        for (const [name, fraw] of Object.entries(fs)) {
          const fp = `${p}.fields.${name}`;
          if (!API_NAME.test(name) || name.toLowerCase() === 'id')
            throw new SeedError(fp, 'must be a field API name other than Id');
          const f = obj(fraw ?? {}, fp, ['type', 'label', 'required', 'length', 'referenceTo']);
          const type = optStr(f.type, `${fp}.type`);
          if (type !== undefined && !(SEED_FIELD_TYPES as readonly string[]).includes(type))
            throw new SeedError(`${fp}.type`, `must be one of ${SEED_FIELD_TYPES.join(', ')}`);
          const referenceTo =
            typeof f.referenceTo === 'string'
              ? [reqStr(f.referenceTo, `${fp}.referenceTo`)]
              : optStrList(f.referenceTo, `${fp}.referenceTo`);
          if (type === 'reference' && !referenceTo?.length)
            throw new SeedError(`${fp}.referenceTo`, 'is required for a reference field');
          if (referenceTo && type !== undefined && type !== 'reference')
            throw new SeedError(`${fp}.referenceTo`, "only a 'reference' field has one");
          const length = optCount(f.length, `${fp}.length`);
          fields[name] = {
            type: (type ?? (referenceTo ? 'reference' : undefined)) as SeedFieldType | undefined,
            label: optStr(f.label, `${fp}.label`),
            required: optBool(f.required, `${fp}.required`),
            length,
            referenceTo,
          };
        }
      }
      objects[type] = {
        label: optStr(o.label, `${p}.label`),
        fields,
        entityParticles: optBool(o.entityParticles, `${p}.entityParticles`),
      };
    }
  }

  // records: arbitrary data objects
  const records: ResolvedSeed['records'] = {};
  if (s.records !== undefined) {
    const r = obj(s.records, 'seed.records', Object.keys(s.records as Obj));
    for (const [type, rows] of Object.entries(r)) {
      if (!API_NAME.test(type)) throw new SeedError(`seed.records.${type}`, 'must be an sObject API name');
      records[type] = list(rows, `seed.records.${type}`).map((row, i) => {
        const p = `seed.records.${type}[${i}]`;
        const rec = obj(row, p, Object.keys(row ?? {}));
        for (const [k, val] of Object.entries(rec)) {
          if (!API_NAME.test(k)) throw new SeedError(`${p}.${k}`, 'field names must be API names');
          if (k.toLowerCase() === 'id') throw new SeedError(`${p}.${k}`, 'ids are assigned by the emulator');
          if (val !== null && !['string', 'number', 'boolean'].includes(typeof val))
            throw new SeedError(`${p}.${k}`, 'values must be strings, numbers, booleans or null');
        }
        return rec as Record<string, SeedRecordValue>;
      });
    }
  }

  // behaviour
  const behaviour = defaultBehaviour();
  if (s.behaviour !== undefined) {
    const b = obj(s.behaviour, 'seed.behaviour', Object.keys(BEHAVIOURS));
    for (const [k, v] of Object.entries(b)) {
      (behaviour as Record<string, unknown>)[k] = BEHAVIOURS[k as keyof typeof BEHAVIOURS].check(
        v,
        `seed.behaviour.${k}`
      );
    }
  }

  // A user permission the org lacks can't be on a set or profile (both carry it as a PermissionSet column).
  const absent = new Set(behaviour.absentFields.map((f) => f.toLowerCase()));
  const holders: Array<[string, string, string[] | undefined]> = [
    ...profiles.map((pr, i): [string, string, string[] | undefined] => [
      `seed.profiles[${i}].userPermissions`,
      'permissionset',
      pr.userPermissions,
    ]),
    ...permissionSets.map((ps, i): [string, string, string[] | undefined] => [
      `seed.permissionSets[${i}].userPermissions`,
      'permissionset',
      ps.userPermissions,
    ]),
    ...permissionSetGroups.map((g, i): [string, string, string[] | undefined] => [
      `seed.permissionSetGroups[${i}].muting.userPermissions`,
      'mutingpermissionset',
      g.muting?.userPermissions,
    ]),
  ];
  for (const [path, object, perms] of holders) {
    (perms ?? []).forEach((perm, j) => {
      if (absent.has(`${object}.permissions${perm.toLowerCase()}`))
        throw new SeedError(`${path}[${j}]`, `${perm} is not a column of this org (seed.behaviour.absentFields)`);
    });
  }

  const faults = (s.faults === undefined ? [] : list(s.faults, 'seed.faults')).map((f, i) => {
    const problem = faultProblem(f);
    if (problem) throw new SeedError(`seed.faults[${i}]`, problem);
    return f as Fault;
  });

  return {
    org,
    admin: { username: adminUsername, accessToken },
    userLicenses,
    permissionSetLicenses,
    profiles,
    permissionSets,
    permissionSetGroups,
    users,
    usernamesTakenElsewhere,
    connectedApps,
    externalClientApps,
    objects,
    records,
    behaviour,
    faults,
  };
}

// --- apps ------------------------------------------------------------------------------------------

const CA_IP_RELAXATION = ['ENFORCE', 'BYPASS', 'BYPASS_2FACTOR', 'ENFORCE_RELAXREFRESH'];
const ECA_IP_RELAXATION = ['Enforce', 'Bypass', 'Bypass_2factor', 'Enforce_RelaxRefresh'];
const ECA_REFRESH_POLICIES = ['Infinite', 'SpecificInactivity', 'SpecificLifetime', 'Zero'];
const CA_REFRESH_POLICY = /^(zero|infinite|(specific_lifetime|specific_inactivity):\d+:(HOURS|DAYS|MONTHS))$/;

/** connectedApps and externalClientApps: names, keys (unique across both), certificates, lists that name seeded things. */
function resolveApps(
  s: Obj,
  known: { profiles: Set<string>; permissionSets: Set<string>; usernames: Set<string> }
): { connectedApps: SeedConnectedApp[]; externalClientApps: SeedExternalClientApp[] } {
  const keys = new Map<string, string>();
  const common = (app: Obj, p: string): Omit<SeedConnectedApp, 'adminApproved' | 'callbackUrl'> => {
    const name = reqStr(app.name, `${p}.name`);
    if (!API_NAME.test(name)) throw new SeedError(`${p}.name`, 'must be an API name (letters, digits, _)');
    const contactEmail = optStr(app.contactEmail, `${p}.contactEmail`);
    if (contactEmail !== undefined && !EMAIL.test(contactEmail))
      throw new SeedError(`${p}.contactEmail`, 'must be an email address');
    const consumerKey = reqStr(app.consumerKey, `${p}.consumerKey`);
    if (!/^[A-Za-z0-9._]{8,256}$/.test(consumerKey))
      throw new SeedError(`${p}.consumerKey`, 'must be 8 to 256 letters and digits');
    if (keys.has(consumerKey))
      throw new SeedError(`${p}.consumerKey`, `already the consumer key of ${keys.get(consumerKey) as string}`);
    keys.set(consumerKey, p);
    const certificate = optStr(app.certificate, `${p}.certificate`);
    if (certificate !== undefined) {
      try {
        new X509Certificate(certificate);
      } catch {
        throw new SeedError(`${p}.certificate`, 'must be a PEM X.509 certificate');
      }
    }
    const scopes = optStrList(app.scopes, `${p}.scopes`);
    scopes?.forEach((x, j) => {
      if (!API_NAME.test(x))
        throw new SeedError(`${p}.scopes[${j}]`, "must be a scope name like 'Api' or 'RefreshToken'");
    });
    const profiles = optStrList(app.profiles, `${p}.profiles`) ?? [];
    profiles.forEach((n, j) => {
      if (!known.profiles.has(n.toLowerCase()))
        throw new SeedError(`${p}.profiles[${j}]`, `no profile named '${n}' in seed.profiles`);
    });
    const permissionSets = optStrList(app.permissionSets, `${p}.permissionSets`) ?? [];
    permissionSets.forEach((n, j) => {
      if (!known.permissionSets.has(n.toLowerCase()))
        throw new SeedError(`${p}.permissionSets[${j}]`, `no permission set named '${n}' in seed.permissionSets`);
    });
    const oauthTokens = (app.oauthTokens === undefined ? [] : list(app.oauthTokens, `${p}.oauthTokens`)).map((t, j) => {
      const tp = `${p}.oauthTokens[${j}]`;
      const o = obj(t, tp, ['username', 'lastUsed']);
      const username = reqStr(o.username, `${tp}.username`);
      if (!known.usernames.has(username.toLowerCase()))
        throw new SeedError(`${tp}.username`, `no user '${username}' in seed.users`);
      const lastUsed = optStr(o.lastUsed, `${tp}.lastUsed`);
      if (lastUsed !== undefined && Number.isNaN(Date.parse(lastUsed)))
        throw new SeedError(`${tp}.lastUsed`, 'must be an ISO date-time');
      return { username, lastUsed };
    });
    return {
      name,
      label: optStr(app.label, `${p}.label`) ?? labelFor(name),
      contactEmail,
      consumerKey,
      certificate,
      scopes: scopes ?? ['Api', 'RefreshToken'],
      profiles,
      permissionSets,
      oauthTokens,
    };
  };
  const oneOfOpt = (v: unknown, path: string, values: string[]): string | undefined => {
    const x = optStr(v, path);
    if (x !== undefined && !values.includes(x))
      throw new SeedError(path, `must be one of ${values.map((y) => `'${y}'`).join(', ')}`);
    return x;
  };

  const connectedApps = (s.connectedApps === undefined ? [] : list(s.connectedApps, 'seed.connectedApps')).map(
    (v, i): SeedConnectedApp => {
      const p = `seed.connectedApps[${i}]`;
      const app = obj(v, p, [
        'name',
        'label',
        'contactEmail',
        'consumerKey',
        'certificate',
        'callbackUrl',
        'scopes',
        'adminApproved',
        'profiles',
        'permissionSets',
        'ipRelaxation',
        'refreshTokenPolicy',
        'oauthTokens',
      ]);
      const refreshTokenPolicy = optStr(app.refreshTokenPolicy, `${p}.refreshTokenPolicy`);
      if (refreshTokenPolicy !== undefined && !CA_REFRESH_POLICY.test(refreshTokenPolicy)) {
        throw new SeedError(
          `${p}.refreshTokenPolicy`,
          "must be 'zero', 'infinite', 'specific_lifetime:<n>:<HOURS|DAYS|MONTHS>' or 'specific_inactivity:<n>:<unit>'"
        );
      }
      return {
        ...common(app, p),
        callbackUrl: optStr(app.callbackUrl, `${p}.callbackUrl`),
        adminApproved: optBool(app.adminApproved, `${p}.adminApproved`) ?? false,
        ipRelaxation: oneOfOpt(app.ipRelaxation, `${p}.ipRelaxation`, CA_IP_RELAXATION),
        refreshTokenPolicy,
      };
    }
  );
  const externalClientApps = (
    s.externalClientApps === undefined ? [] : list(s.externalClientApps, 'seed.externalClientApps')
  ).map((v, i): SeedExternalClientApp => {
    const p = `seed.externalClientApps[${i}]`;
    const app = obj(v, p, [
      'name',
      'label',
      'contactEmail',
      'consumerKey',
      'certificate',
      'scopes',
      'permittedUsers',
      'profiles',
      'permissionSets',
      'enabled',
      'ipRelaxation',
      'refreshTokenPolicy',
      'oauthTokens',
    ]);
    return {
      ...common(app, p),
      permittedUsers: (oneOfOpt(app.permittedUsers, `${p}.permittedUsers`, [
        'AdminApprovedPreAuthorized',
        'AllSelfAuthorized',
      ]) ?? 'AllSelfAuthorized') as SeedExternalClientApp['permittedUsers'],
      enabled: optBool(app.enabled, `${p}.enabled`) ?? true,
      ipRelaxation: oneOfOpt(app.ipRelaxation, `${p}.ipRelaxation`, ECA_IP_RELAXATION),
      refreshTokenPolicy: oneOfOpt(app.refreshTokenPolicy, `${p}.refreshTokenPolicy`, ECA_REFRESH_POLICIES),
    };
  });
  uniqueBy(connectedApps, (a) => a.name, 'seed.connectedApps', 'app name');
  uniqueBy(externalClientApps, (a) => a.name, 'seed.externalClientApps', 'app name');
  return { connectedApps, externalClientApps };
}

function resolveLogin(v: unknown, path: string): SeedLogin {
  const l = obj(v, path, [
    'type',
    'time',
    'daysAgo',
    'application',
    'status',
    'sourceIp',
    'loginUrl',
    'browser',
    'platform',
    'apiType',
    'apiVersion',
  ]);
  const type = reqStr(l.type, `${path}.type`);
  if (!(LOGIN_TYPES as readonly string[]).includes(type))
    throw new SeedError(`${path}.type`, `must be one of ${LOGIN_TYPES.map((t) => `'${t}'`).join(', ')}`);
  const time = optStr(l.time, `${path}.time`);
  const daysAgo = optCount(l.daysAgo, `${path}.daysAgo`);
  if ((time === undefined) === (daysAgo === undefined))
    throw new SeedError(path, "needs exactly one of 'time' (ISO date-time) and 'daysAgo'");
  if (time !== undefined && Number.isNaN(Date.parse(time)))
    throw new SeedError(`${path}.time`, 'must be an ISO date-time');
  const out: SeedLogin = { type, time, daysAgo };
  for (const k of [
    'application',
    'status',
    'sourceIp',
    'loginUrl',
    'browser',
    'platform',
    'apiType',
    'apiVersion',
  ] as const) {
    const x = optStr(l[k], `${path}.${k}`);
    if (x !== undefined) out[k] = x;
  }
  return out;
}

/** A group's muting: `{ objects?: { Account: ['edit', 'delete'] }, userPermissions?: ['ModifyAllData'] }`. */
function mutingOf(v: unknown, path: string): NonNullable<SeedPermissionSetGroup['muting']> {
  const m = obj(v, path, ['objects', 'userPermissions']);
  const objects: Record<string, ObjectPermissionName[]> = {};
  if (m.objects !== undefined) {
    for (const [objName, perms] of Object.entries(obj(m.objects, `${path}.objects`, Object.keys(m.objects as Obj)))) {
      if (!API_NAME.test(objName)) throw new SeedError(`${path}.objects.${objName}`, 'object name must be an API name');
      objects[objName] = list(perms, `${path}.objects.${objName}`).map((x, j) => {
        const perm = String(x).toLowerCase() as ObjectPermissionName;
        if (!OBJECT_PERMS.includes(perm))
          throw new SeedError(`${path}.objects.${objName}[${j}]`, `must be one of ${OBJECT_PERMS.join(', ')}`);
        return perm;
      });
    }
  }
  return { objects, userPermissions: checkUserPermissions(m.userPermissions, `${path}.userPermissions`) };
}

function checkUserPermissions(v: unknown, path: string): string[] | undefined {
  const perms = optStrList(v, path);
  perms?.forEach((n, j) => {
    if (!API_NAME.test(n)) throw new SeedError(`${path}[${j}]`, "must be a permission name like 'ModifyAllData'");
  });
  return perms?.map((n) => n.replace(/^Permissions/, ''));
}

let zoneCache: Set<string> | undefined;
export function timeZones(): string[] {
  return [...zoneSet()];
}
function zoneSet(): Set<string> {
  if (!zoneCache) zoneCache = new Set([...Intl.supportedValuesOf('timeZone'), 'GMT', 'UTC']);
  return zoneCache;
}
export function isTimeZone(value: string): boolean {
  return zoneSet().has(value);
}
