import { randomBytes, X509Certificate } from 'node:crypto';
import type { SfError } from '@salesforce/core';
import { OrgClient, SObjectRecord, soqlList, soqlQuote, UNSUPPORTED } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';
import { chooseIntegrationProfile, userFilter, userLicenseOf } from './licenses.js';
import { licenseResolver } from './permissions.js';

export type AppType = 'ExternalClientApplication' | 'ConnectedApp';
export type UsersPolicy = 'AdminApprovedPreAuthorized' | 'AllSelfAuthorized';

export type PreauthorizeInput = {
  app: string;
  targetOrg: string;
  /** Profile to pre-authorize; default: the org's integration profile. */
  profile?: string;
  permissionSets: string[];
  /** Also assign the permission sets to this user when it lacks them. */
  user?: string;
  /** For setup's dry run: permission sets an earlier step creates (License None), taken as found. */
  plannedSets?: string[];
  /** Create a missing External Client App for the JWT bearer flow. */
  create?: { certificatePath: string; certificate: string; contactEmail: string };
  /** Use the Metadata API even where SetupEntityAccess rows would do (setup, after the org refused them). */
  metadataOnly?: boolean;
};

export type PreauthorizeResult = {
  app: string;
  appType: AppType;
  /** The policy after the run (before it, on a dry run). */
  policy: UsersPolicy;
  previousPolicy: UsersPolicy | 'none';
  /** Every pre-authorized profile and permission set after the run. */
  profiles: string[];
  permissionSets: string[];
  added: { profiles: string[]; permissionSets: string[] };
  /** True when this run changed (or, on a dry run, would change) the app. */
  changed: boolean;
  created: boolean;
  dryRun: boolean;
  /** The new app's consumer key (the JWT `iss`), only when --create made it. Never a secret. */
  consumerKey?: string;
  /** Users who used the app and aren't covered by the new lists: switching to admin-approved locks them out. */
  usersLosingAccess: string[];
  /** Permission sets assigned to --username by this run. */
  assignedTo?: { username: string; permissionSets: string[] };
};

/** What preauthorize will do, for the command to confirm before anything is written. */
export type PreauthorizePlan = {
  result: PreauthorizeResult;
  /** True when the change would lock out users who use the app now: ask before applying. */
  needsConfirmation: boolean;
  apply: () => Promise<PreauthorizeResult>;
};

const POLICY_TYPE = 'ExtlClntAppOauthConfigurablePolicies';
/** The description --create gives a new app: how a re-run knows the app is its own, and its consumer key. */
const CREATED_MARKER = 'Created by sf integration-user preauthorize --create';
const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/;

/** The certificate file must be one PEM X.509 certificate; its private key signs the JWTs. */
export function readCertificate(path: string, text: string): string {
  try {
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
    if (!pem) throw new Error('no PEM certificate block');
    const certificate = new X509Certificate(pem);
    if (new Date(certificate.validTo).getTime() < Date.now()) throw new Error(`it expired on ${certificate.validTo}`);
    return pem;
  } catch (error) {
    throw serviceError('InvalidCertificate', [path, (error as Error).message]);
  }
}

/**
 * Plans the pre-authorization of an app for integration users: read the app and its current
 * settings (one batch; the Metadata API only where SetupEntityAccess rows can't do it), work out
 * the lists it must hold, and who would lose access if the policy switches. Nothing is written
 * until the plan's apply() runs.
 */
export async function planPreauthorize(client: OrgClient, input: PreauthorizeInput, options: { dryRun: boolean }): Promise<PreauthorizePlan> {
  if (!API_NAME.test(input.app)) throw serviceError('InvalidAppName', [input.app]);
  if (input.create && !EMAIL.test(input.create.contactEmail)) throw serviceError('InvalidEmail', [input.create.contactEmail]);
  if (input.user && !input.permissionSets.length) throw serviceError('UsernameNeedsPermissionSet');

  const userWhere = input.user ? userFilter(input.user) : undefined;
  const found = await client.queries(
    {
      ...appAccessQueries(input.app, input.permissionSets),
      profiles: `SELECT Id, Name, UserLicense.Name FROM Profile WHERE UserLicense.Name = 'Salesforce Integration'${input.profile ? ` OR Name = ${soqlQuote(input.profile)}` : ''}`,
      user: userWhere ? `SELECT Id, Username, Profile.Name, Profile.UserLicense.Name, (SELECT PermissionSet.Name FROM PermissionSetAssignments) FROM User WHERE ${userWhere}` : undefined,
    },
    ['eca']
  );
  // Orgs that serve ExternalClientApplication only through the Tooling API answer the data API with INVALID_TYPE.
  const soql = `SELECT Id FROM ExternalClientApplication WHERE DeveloperName = ${soqlQuote(input.app)}`;
  const eca = found.eca === UNSUPPORTED ? (await client.toolingQuery(soql))[0] : found.eca[0];
  const connectedApp = found.connectedApp[0];
  if (eca && connectedApp) throw serviceError('AmbiguousApp', [input.app]);

  const profile = chooseIntegrationProfile(found.profiles, input.profile);
  if (profile instanceof Error) throw profile;
  const profileName = String(profile.Name);
  const planned = new Set(options.dryRun ? (input.plannedSets ?? []) : []);
  const existingSets = input.permissionSets.filter((name) => !planned.has(name));
  const sets = [
    ...checkPermissionSets(existingSets, found.sets, found.licenses, found.psls),
    ...input.permissionSets.filter((name) => planned.has(name)).map((name) => ({ Id: '', Name: name })),
  ];
  const user = userWhere ? found.user[0] : undefined;
  if (userWhere && !user) throw serviceError('UserNotFound', [input.user ?? ''], [input.targetOrg]);
  if (user && userLicenseOf(user).license !== 'Salesforce Integration') {
    const { license, profile: userProfile } = userLicenseOf(user);
    throw serviceError('GrantUserWrongLicense', [String(user.Username), license, userProfile], [input.targetOrg]);
  }
  const held = new Set(((user?.PermissionSetAssignments as { records?: SObjectRecord[] } | null)?.records ?? []).map((a) => String((a.PermissionSet as SObjectRecord | null)?.Name)));
  const toAssign = user ? sets.filter((s) => !held.has(String(s.Name))) : [];

  const createContext = { profileName, sets: sets.map((s) => String(s.Name)), user, toAssign };
  if (!eca && !connectedApp) {
    if (!input.create) throw await appNotFound(client, input.app, input.targetOrg);
    return planCreate(client, input, createContext, options);
  }
  // A re-run of --create goes on where an earlier one stopped, or, when that one finished, changes nothing.
  const earlier = input.create && eca ? await earlierCreate(client, input.app) : undefined;
  if (input.create && !earlier) throw serviceError('AppExists', [input.app, eca ? 'an External Client App' : 'a connected app']);
  if (earlier && earlier.next !== 'done') return planCreate(client, input, createContext, options, earlier);

  const byRows = eca || input.metadataOnly ? undefined : planAppAccess(found, { profile: profileName, sets: createContext.sets, planned: Object.fromEntries([...planned].map((name) => [name, '(planned)'])) });
  if (byRows) return planByAccessRows(client, input, { ...createContext, plan: byRows }, options);

  const current = eca ? await readEcaPolicy(client, input.app) : await readConnectedApp(client, input.app);
  const profiles = union(current.profiles, [profileName]);
  const permissionSets = union(current.permissionSets, createContext.sets);
  const added = { profiles: minus(profiles, current.profiles), permissionSets: minus(permissionSets, current.permissionSets) };
  const switching = current.policy !== 'AdminApprovedPreAuthorized';
  const changed = switching || added.profiles.length > 0 || added.permissionSets.length > 0;
  const usersLosingAccess = switching ? await usersLockedOut(client, input.app, profiles, permissionSets) : [];

  const result: PreauthorizeResult = {
    app: input.app,
    appType: eca ? 'ExternalClientApplication' : 'ConnectedApp',
    policy: options.dryRun ? current.policy : 'AdminApprovedPreAuthorized',
    previousPolicy: current.policy,
    profiles: options.dryRun ? current.profiles : profiles,
    permissionSets: options.dryRun ? current.permissionSets : permissionSets,
    added,
    changed,
    created: false,
    dryRun: options.dryRun,
    usersLosingAccess,
  };
  if (earlier) result.consumerKey = earlier.consumerKey;
  return {
    result,
    needsConfirmation: usersLosingAccess.length > 0,
    apply: async () => {
      if (options.dryRun) return result;
      if (changed) await current.write({ profiles, permissionSets });
      await assignSets(client, user, toAssign, result);
      return result;
    },
  };
}

/** What the SetupEntityAccess path reads about an app, in the same round trip as everything else. */
export function appAccessQueries(app: string, sets: string[]): Record<'connectedApp' | 'eca' | 'appAccess' | 'profileSets' | 'sets' | 'licenses' | 'psls', string | undefined> {
  return {
    connectedApp: `SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication WHERE Name = ${soqlQuote(app)}`,
    // Optional in the inspection: some orgs serve ExternalClientApplication only through the Tooling API.
    eca: `SELECT Id FROM ExternalClientApplication WHERE DeveloperName = ${soqlQuote(app)}`,
    appAccess: `SELECT ParentId, Parent.Name, Parent.IsOwnedByProfile, Parent.ProfileId, Parent.Profile.Name FROM SetupEntityAccess WHERE SetupEntityId IN (SELECT Id FROM ConnectedApplication WHERE Name = ${soqlQuote(app)})`,
    profileSets: `SELECT Id, Profile.Name FROM PermissionSet WHERE IsOwnedByProfile = true AND Profile.UserLicense.Name = ${soqlQuote('Salesforce Integration')}`,
    sets: sets.length ? `SELECT Id, Name, LicenseId FROM PermissionSet WHERE IsOwnedByProfile = false AND Name IN ${soqlList(sets)}` : undefined,
    licenses: sets.length ? 'SELECT Id, Name FROM UserLicense' : undefined,
    psls: sets.length ? 'SELECT Id, DeveloperName, MasterLabel FROM PermissionSetLicense' : undefined,
  };
}

/** Pre-authorization as SetupEntityAccess rows: the app, what it lists now, and one row per profile or set still missing. */
export type AppAccessPlan = { appId: string; profiles: string[]; permissionSets: string[]; missing: Array<{ name: string; parentId: string; profile: boolean }> };

/**
 * Pre-authorization through the data API (facts §7.4): a connected app that is admin-approved
 * already takes a SetupEntityAccess row under the profile's own permission set or under the set.
 * Undefined when the Metadata API path must do it: an External Client App (or an org that can't say
 * whether there is one), a missing app, or one whose policy must switch first.
 * `planned`: sets an earlier step creates, with the reference it will have.
 */
export function planAppAccess(
  found: Record<keyof ReturnType<typeof appAccessQueries>, SObjectRecord[]>,
  wanted: { profile?: string; sets: string[]; planned: Record<string, string> }
): AppAccessPlan | undefined {
  const app = found.connectedApp[0];
  if (!app || found.eca === UNSUPPORTED || found.eca.length || app.OptionsAllowAdminApprovedUsersOnly !== true) return undefined;
  const licenseOf = licenseResolver(found.licenses, found.psls);
  const parents: AppAccessPlan['missing'] = [];
  if (wanted.profile) {
    const own = found.profileSets.find((p) => (p.Profile as SObjectRecord | null)?.Name === wanted.profile);
    if (!own) return undefined;
    parents.push({ name: wanted.profile, parentId: own.Id, profile: true });
  }
  for (const name of wanted.sets) {
    const set = found.sets.find((s) => String(s.Name).toLowerCase() === name.toLowerCase());
    if (!set && !wanted.planned[name]) throw serviceError('PreauthorizeSetNotFound', [name]);
    if (set && licenseOf(set.LicenseId).fit === 'other') throw serviceError('SetLicenseDoesNotFit', [String(set.Name), licenseOf(set.LicenseId).name], ['<username>']);
    parents.push({ name: set ? String(set.Name) : name, parentId: set?.Id ?? wanted.planned[name], profile: false });
  }
  const listed = new Set(found.appAccess.map((a) => String(a.ParentId)));
  const parentOf = (a: SObjectRecord): SObjectRecord => (a.Parent ?? {}) as SObjectRecord;
  return {
    appId: app.Id,
    profiles: found.appAccess.filter((a) => parentOf(a).IsOwnedByProfile === true).map((a) => String((parentOf(a).Profile as SObjectRecord | null)?.Name)),
    permissionSets: found.appAccess.filter((a) => parentOf(a).IsOwnedByProfile !== true).map((a) => String(parentOf(a).Name)),
    missing: parents.filter((p) => !listed.has(p.parentId)),
  };
}

/**
 * Pre-authorizes through SetupEntityAccess rows (an admin-approved connected app): one collection
 * insert. Where the org refuses a row (unsettled for profile-owned sets), the lists go through the
 * Metadata API instead.
 */
function planByAccessRows(
  client: OrgClient,
  input: PreauthorizeInput,
  context: { profileName: string; sets: string[]; user?: SObjectRecord; toAssign: SObjectRecord[]; plan: AppAccessPlan },
  options: { dryRun: boolean }
): PreauthorizePlan {
  const { plan } = context;
  const profiles = union(plan.profiles, plan.missing.filter((p) => p.profile).map((p) => p.name));
  const permissionSets = union(plan.permissionSets, plan.missing.filter((p) => !p.profile).map((p) => p.name));
  const result: PreauthorizeResult = {
    app: input.app,
    appType: 'ConnectedApp',
    policy: 'AdminApprovedPreAuthorized',
    previousPolicy: 'AdminApprovedPreAuthorized',
    profiles: options.dryRun ? plan.profiles : profiles,
    permissionSets: options.dryRun ? plan.permissionSets : permissionSets,
    added: { profiles: minus(profiles, plan.profiles), permissionSets: minus(permissionSets, plan.permissionSets) },
    changed: plan.missing.length > 0,
    created: false,
    dryRun: options.dryRun,
    usersLosingAccess: [],
  };
  return {
    result,
    needsConfirmation: false,
    apply: async () => {
      if (options.dryRun) return result;
      if (plan.missing.length) {
        const saved = await client.insertMany('SetupEntityAccess', plan.missing.map((p) => ({ ParentId: p.parentId, SetupEntityId: plan.appId })));
        if (saved.some((s) => !s.success)) {
          const app = await readConnectedApp(client, input.app);
          await app.write({ profiles: union(app.profiles, profiles), permissionSets: union(app.permissionSets, permissionSets) });
        }
      }
      await assignSets(client, context.user, context.toAssign, result);
      return result;
    },
  };
}

export type AppSettings = {
  policy: UsersPolicy;
  profiles: string[];
  permissionSets: string[];
  /** Writes the app back with these lists and the admin-approved policy, every other setting as read. */
  write: (lists: { profiles: string[]; permissionSets: string[] }) => Promise<void>;
};

/** A connected app through the Metadata API's CRUD calls: readMetadata, then updateMetadata of the whole component. */
async function readConnectedApp(client: OrgClient, name: string): Promise<AppSettings> {
  const app = await client.readMetadata<{ fullName: string } & Record<string, unknown>>('ConnectedApp', name);
  if (!app) throw serviceError('AppMetadataUnreadable', ['ConnectedApp', name]);
  const oauthConfig = (app.oauthConfig ?? {}) as Record<string, unknown>;
  return {
    policy: String(oauthConfig.isAdminApproved) === 'true' ? 'AdminApprovedPreAuthorized' : 'AllSelfAuthorized',
    profiles: asList(app.profileName),
    permissionSets: asList(app.permissionSetName),
    write: async ({ profiles, permissionSets }) => {
      await client.updateMetadata('ConnectedApp', {
        ...app,
        oauthConfig: { ...oauthConfig, isAdminApproved: true },
        profileName: profiles,
        permissionSetName: permissionSets,
      });
    },
  };
}

/**
 * An External Client App's OAuth policy through retrieve and deploy, which every metadata type
 * supports: only the policy component is deployed back, with just the pre-authorization elements
 * changed in its XML, so the app's other settings (scopes, certificate, key) are never touched.
 */
export async function readEcaPolicy(client: OrgClient, app: string): Promise<AppSettings> {
  const policyFile = (await readEcaPolicies(client)).find((p) => p.app === app);
  if (!policyFile) throw serviceError('AppMetadataUnreadable', [POLICY_TYPE, app]);
  const { member, xml } = policyFile;
  return {
    policy: policyFile.policy,
    profiles: policyFile.profiles,
    permissionSets: policyFile.permissionSets,
    write: async ({ profiles, permissionSets }) => {
      let updated = setElement(xml, 'permittedUsersPolicyType', 'AdminApprovedPreAuthorized');
      updated = setElement(updated, 'commaSeparatedProfile', profiles.join(','));
      updated = setElement(updated, 'commaSeparatedPermissionSet', permissionSets.join(','));
      await client.deploy(await zipOf({ [POLICY_TYPE]: { [member]: { folder: 'extlClntAppOauthPolicies', suffix: 'ecaOauthPlcy', xml: updated } } }, client.apiVersion));
    },
  };
}

export type EcaPolicy = { app: string; member: string; xml: string; policy: UsersPolicy; profiles: string[]; permissionSets: string[] };

/** Every External Client App's OAuth policy, in one retrieve: the XML as Salesforce wrote it and what it says. */
export async function readEcaPolicies(client: OrgClient): Promise<EcaPolicy[]> {
  const { default: JSZip } = await import('jszip');
  const { XMLParser } = await import('fast-xml-parser');
  const zip = await JSZip.loadAsync(await client.retrieve([{ name: POLICY_TYPE, members: ['*'] }]));
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });
  const policies: EcaPolicy[] = [];
  for (const path of Object.keys(zip.files).filter((p) => p.endsWith('.ecaOauthPlcy'))) {
    const xml = await zip.files[path].async('string');
    const values = (parser.parse(xml) as Record<string, Record<string, unknown>>)[POLICY_TYPE] ?? {};
    policies.push({
      app: String(values.externalClientApplication),
      member: path.split('/').pop()?.replace(/\.ecaOauthPlcy$/, '') ?? '',
      xml,
      policy: values.permittedUsersPolicyType === 'AdminApprovedPreAuthorized' ? 'AdminApprovedPreAuthorized' : 'AllSelfAuthorized',
      profiles: splitList(values.commaSeparatedProfile),
      permissionSets: splitList(values.commaSeparatedPermissionSet),
    });
  }
  return policies;
}

/** Where an earlier --create of this app stopped; undefined when the app wasn't made by --create. */
type EarlierCreate = { consumerKey: string; next: 'oauth-settings' | 'policy' | 'done' };

/**
 * Reads back an External Client App that --create may have made (one retrieve): its marker and
 * consumer key from the app's description, and how far the staged deploy got from its OAuth policy
 * (none yet: the OAuth settings are missing; self-authorized: the last stage is missing).
 */
async function earlierCreate(client: OrgClient, app: string): Promise<EarlierCreate | undefined> {
  const { default: JSZip } = await import('jszip');
  const { XMLParser } = await import('fast-xml-parser');
  const zip = await JSZip.loadAsync(await client.retrieve([{ name: 'ExternalClientApplication', members: [app] }, { name: POLICY_TYPE, members: ['*'] }]));
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });
  const read = async (path: string, type: string): Promise<Record<string, unknown>> =>
    (parser.parse(await zip.files[path].async('string')) as Record<string, Record<string, unknown>>)[type] ?? {};
  const appFile = Object.keys(zip.files).find((p) => p.endsWith(`/${app}.eca`));
  const description = appFile ? (await read(appFile, 'ExternalClientApplication')).description : undefined;
  const consumerKey = typeof description === 'string' && description.startsWith(CREATED_MARKER) ? /consumer key (\w+)/.exec(description)?.[1] : undefined;
  if (!consumerKey) return undefined;
  for (const path of Object.keys(zip.files).filter((p) => p.endsWith('.ecaOauthPlcy'))) {
    const policy = await read(path, POLICY_TYPE);
    if (policy.externalClientApplication === app) return { consumerKey, next: policy.permittedUsersPolicyType === 'AdminApprovedPreAuthorized' ? 'done' : 'policy' };
  }
  return { consumerKey, next: 'oauth-settings' };
}

/**
 * A new local External Client App for the JWT bearer flow, deployed in the stages that prove robust;
 * after an interrupted run, only the stages still missing (`earlier`).
 */
function planCreate(
  client: OrgClient,
  input: PreauthorizeInput,
  context: { profileName: string; sets: string[]; user?: SObjectRecord; toAssign: SObjectRecord[] },
  options: { dryRun: boolean },
  earlier?: EarlierCreate
): PreauthorizePlan {
  const create = input.create!;
  const certificate = readCertificate(create.certificatePath, create.certificate);
  const consumerKey = earlier?.consumerKey ?? `3MVG${randomBytes(40).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 80)}`;
  const app = input.app;
  const label = app.replace(/_/g, ' ');
  const result: PreauthorizeResult = {
    app,
    appType: 'ExternalClientApplication',
    policy: 'AdminApprovedPreAuthorized',
    previousPolicy: 'none',
    profiles: [context.profileName],
    permissionSets: context.sets,
    added: { profiles: [context.profileName], permissionSets: context.sets },
    changed: true,
    created: !options.dryRun,
    dryRun: options.dryRun,
    usersLosingAccess: [],
  };
  if (!options.dryRun) result.consumerKey = consumerKey;
  const element = (name: string, value: string | boolean): string => `    <${name}>${escapeXml(String(value))}</${name}>\n`;
  const doc = (type: string, body: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n<${type} xmlns="http://soap.sforce.com/2006/04/metadata">\n${body}</${type}>\n`;
  const files = {
    app: doc(
      'ExternalClientApplication',
      element('contactEmail', create.contactEmail) +
        element('description', `${CREATED_MARKER}; consumer key ${consumerKey}.`) +
        element('distributionState', 'Local') +
        element('isProtected', false) +
        element('label', label)
    ),
    global: doc(
      'ExtlClntAppGlobalOauthSettings',
      element('callbackUrl', 'http://localhost:1717/OauthRedirect') +
        element('certificate', certificate) +
        element('consumerKey', consumerKey) +
        element('externalClientApplication', app) +
        element('isConsumerSecretOptional', true) +
        element('isPkceRequired', false) +
        element('label', label)
    ),
    settings: doc('ExtlClntAppOauthSettings', element('commaSeparatedOauthScopes', 'Api, RefreshToken') + element('externalClientApplication', app) + element('label', label)),
    plugins: (enabled: boolean): string => doc('ExtlClntAppConfigurablePolicies', element('externalClientApplication', app) + element('isEnabled', enabled) + element('isOauthPluginEnabled', enabled) + element('label', label)),
    policy: doc(
      POLICY_TYPE,
      element('commaSeparatedPermissionSet', context.sets.join(',')) +
        element('commaSeparatedProfile', context.profileName) +
        element('externalClientApplication', app) +
        element('label', label) +
        element('permittedUsersPolicyType', 'AdminApprovedPreAuthorized')
    ),
  };
  const stage = (components: Record<string, Record<string, ZipEntry>>): Promise<Buffer> => zipOf(components, client.apiVersion);
  return {
    result,
    needsConfirmation: false,
    apply: async () => {
      if (options.dryRun) return result;
      // 1. the app; 2. its OAuth settings with plugins off; 3. the admin-approved policy with plugins on.
      if (!earlier) await client.deploy(await stage({ ExternalClientApplication: { [app]: { folder: 'externalClientApps', suffix: 'eca', xml: files.app } } }));
      if (earlier?.next !== 'policy') {
        await client.deploy(
          await stage({
            ExtlClntAppGlobalOauthSettings: { [`${app}GlblOAuth`]: { folder: 'extlClntAppGlobalOauthSets', suffix: 'ecaGlblOauth', xml: files.global } },
            ExtlClntAppOauthSettings: { [`${app}OAuthSettings`]: { folder: 'extlClntAppOauthSettings', suffix: 'ecaOauth', xml: files.settings } },
            ExtlClntAppConfigurablePolicies: { [`${app}_defaultPolicy`]: { folder: 'extlClntAppPolicies', suffix: 'ecaPlcy', xml: files.plugins(false) } },
          })
        );
      }
      await client.deploy(
        await stage({
          [POLICY_TYPE]: { [`${app}OAuthSettings_defaultPolicy`]: { folder: 'extlClntAppOauthPolicies', suffix: 'ecaOauthPlcy', xml: files.policy } },
          ExtlClntAppConfigurablePolicies: { [`${app}_defaultPolicy`]: { folder: 'extlClntAppPolicies', suffix: 'ecaPlcy', xml: files.plugins(true) } },
        })
      );
      await assignSets(client, context.user, context.toAssign, result);
      return result;
    },
  };
}

type ZipEntry = { folder: string; suffix: string; xml: string };

/** A deployable zip: package.xml listing the components, and each component's file. */
async function zipOf(components: Record<string, Record<string, ZipEntry>>, apiVersion: string): Promise<Buffer> {
  const { default: JSZip } = await import('jszip');
  const zip = new JSZip();
  const types = Object.entries(components)
    .map(([type, members]) => `    <types>\n${Object.keys(members).map((m) => `        <members>${escapeXml(m)}</members>\n`).join('')}        <name>${type}</name>\n    </types>\n`)
    .join('');
  zip.file('package.xml', `<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n${types}    <version>${apiVersion}</version>\n</Package>\n`);
  for (const members of Object.values(components)) {
    for (const [member, entry] of Object.entries(members)) zip.file(`${entry.folder}/${member}.${entry.suffix}`, entry.xml);
  }
  return zip.generateAsync({ type: 'nodebuffer' });
}

/** Sets one element of a flat metadata XML document, in place or (when absent) in alphabetical position. */
export function setElement(xml: string, name: string, value: string): string {
  const element = `<${name}>${escapeXml(value)}</${name}>`;
  const existing = new RegExp(`<${name}>[\\s\\S]*?</${name}>|<${name}\\s*/>`);
  if (existing.test(xml)) return xml.replace(existing, element);
  const root = /<(\w+)\s+xmlns="[^"]*">\s*\n?/.exec(xml);
  const children = [...xml.matchAll(/^(\s*)<(\w+)>/gm)].filter((m) => m[2] !== root?.[1]);
  const next = children.find((m) => m[2].localeCompare(name) > 0);
  const indent = children[0]?.[1] ?? '    ';
  if (next?.index !== undefined) return `${xml.slice(0, next.index)}${indent}${element}\n${xml.slice(next.index).replace(/^\n/, '')}`;
  return xml.replace(new RegExp(`(\\s*)</${root?.[1] ?? 'x'}>`), `\n${indent}${element}$1</${root?.[1] ?? 'x'}>`);
}

/** Users who have tokens for the app but aren't on the new lists: admin-approved would lock them out. */
async function usersLockedOut(client: OrgClient, app: string, profiles: string[], permissionSets: string[]): Promise<string[]> {
  const tokens = await client.query(`SELECT UserId, User.Username, User.Profile.Name FROM OauthToken WHERE AppName = ${soqlQuote(app)}`);
  const userIds = [...new Set(tokens.map((t) => String(t.UserId)))];
  const holders = permissionSets.length
    ? await client.queryByIds(userIds, (idList) => `SELECT AssigneeId FROM PermissionSetAssignment WHERE AssigneeId IN ${idList} AND PermissionSet.Name IN ${soqlList(permissionSets)}`)
    : [];
  const covered = new Set(holders.map((h) => String(h.AssigneeId)));
  const locked = tokens.filter((t) => {
    const user = t.User as SObjectRecord | null;
    const profile = String((user?.Profile as SObjectRecord | null)?.Name);
    return !profiles.includes(profile) && !covered.has(String(t.UserId));
  });
  return [...new Set(locked.map((t) => String((t.User as SObjectRecord | null)?.Username)))].sort();
}

async function assignSets(client: OrgClient, user: SObjectRecord | undefined, sets: SObjectRecord[], result: PreauthorizeResult): Promise<void> {
  if (!user || !sets.length) return;
  const saved = await client.insertMany('PermissionSetAssignment', sets.map((s) => ({ AssigneeId: user.Id, PermissionSetId: s.Id })));
  const failed = saved.find((s) => !s.success && s.errors[0]?.statusCode !== 'DUPLICATE_VALUE');
  if (failed) throw new SalesforceApiError(failed.errors[0]?.statusCode ?? 'UNKNOWN_ERROR', failed.errors[0]?.message ?? 'assignment failed');
  result.assignedTo = { username: String(user.Username), permissionSets: sets.map((s) => String(s.Name)) };
}

/** Every named set must exist and fit an integration user (facts: license None, the API Integration PSL or the integration license). */
function checkPermissionSets(names: string[], sets: SObjectRecord[], licenses: SObjectRecord[], psls: SObjectRecord[]): SObjectRecord[] {
  const licenseOf = licenseResolver(licenses, psls);
  return names.map((name) => {
    const set = sets.find((s) => String(s.Name).toLowerCase() === name.toLowerCase());
    if (!set) throw serviceError('PreauthorizeSetNotFound', [name]);
    const { fit, name: license } = licenseOf(set.LicenseId);
    if (fit === 'other') throw serviceError('SetLicenseDoesNotFit', [String(set.Name), license], ['<username>']);
    return set;
  });
}

async function appNotFound(client: OrgClient, app: string, targetOrg: string): Promise<SfError> {
  const names = await client.queries({ connected: 'SELECT Name FROM ConnectedApplication', eca: 'SELECT DeveloperName FROM ExternalClientApplication' }).catch(() => ({ connected: [], eca: [] }));
  const all = [...names.connected.map((a) => String(a.Name)), ...names.eca.map((a) => String(a.DeveloperName))];
  const close = all.filter((name) => similar(name, app)).slice(0, 5);
  return serviceError('AppNotFound', [app, close.length ? ` Apps with close names: ${close.join(', ')}.` : ''], [app, targetOrg]);
}

/** Close enough to be the app the user meant: same letters ignoring case and separators, or a small edit distance. */
function similar(a: string, b: string): boolean {
  const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const [x, y] = [norm(a), norm(b)];
  if (x.includes(y) || y.includes(x)) return true;
  const row = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] === y[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[y.length] <= Math.max(2, Math.floor(y.length / 4));
}

const asList = (value: unknown): string[] => (value === undefined || value === null || value === '' ? [] : (Array.isArray(value) ? value : [value]).map(String));
const splitList = (value: unknown): string[] => (typeof value === 'string' && value.trim() ? value.split(',').map((v) => v.trim()).filter(Boolean) : []);
const union = (a: string[], b: string[]): string[] => [...a, ...b.filter((x) => !a.includes(x))];
const minus = (a: string[], b: string[]): string[] => a.filter((x) => !b.includes(x));
const escapeXml = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
