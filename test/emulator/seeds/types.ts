// The seed's shape: a JSON description of an org (design.md "Seed format (contract)"), and the resolved seed,
// every default filled in (seed.ts resolveSeed), that the org state is built from.

import type { Fault } from '../http/faults.js';
import type { Behaviour } from './behaviours.js';
import type { GeneratedPlan, SeedGenerate } from './generate.js';

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

/** A connected app (Metadata API reference, ConnectedApp). Profiles and permission sets become SetupEntityAccess rows. */
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
  /**
   * The OAuth consumer secret the client credentials flow checks (default: generated). Never shown by the
   * Metadata API (ConnectedApp consumerSecret: "the value isn't returned"); emu.secrets() lists it for the secrets scan.
   */
  consumerSecret?: string;
  /**
   * The client credentials flow's execution ("run as") user, a seeded username (ConnectedApp oauthConfig
   * oauthClientCredentialUser; ECA policy clientCredentialsFlowUser)
   */
  runAs?: string;
  /** the flow enabled (ConnectedApp isClientCredentialEnabled; ECA: both isClientCredentialsFlowEnabled flags); default: runAs is set */
  clientCredentialsFlow?: boolean;
  oauthTokens?: SeedOauthToken[];
}

/** An External Client App with the OAuth plugin (Metadata API reference, ExternalClientApplication and ExtlClntApp* types): app, global OAuth settings, OAuth settings, both policies. */
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
  /**
   * The OAuth consumer secret the client credentials flow checks (default: generated). Never shown by the
   * Metadata API (ConnectedApp consumerSecret: "the value isn't returned"); emu.secrets() lists it for the secrets scan.
   */
  consumerSecret?: string;
  /**
   * The client credentials flow's execution ("run as") user, a seeded username (ConnectedApp oauthConfig
   * oauthClientCredentialUser; ECA policy clientCredentialsFlowUser)
   */
  runAs?: string;
  /** the flow enabled (ConnectedApp isClientCredentialEnabled; ECA: both isClientCredentialsFlowEnabled flags); default: runAs is set */
  clientCredentialsFlow?: boolean;
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
  /** a large org described by its sizes (generate.ts) */
  generate?: SeedGenerate;
}

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
  /** the generated users, logins, sets and apps (generate.ts), when the seed has a `generate` section */
  generated?: GeneratedPlan;
}
