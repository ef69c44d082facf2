import type { OrgClient } from './org-client.js';
import { DeployFailedError } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';

/**
 * External Client Apps through the Metadata API: the OAuth policy read back (retrieve) and written back
 * (deploy of that one component), a new app's components in deployable zips, and the consumer key the
 * org gave a new app. Zips carry package.xml at their root; OrgClient.deploy sends them as one package.
 */

export type UsersPolicy = 'AdminApprovedPreAuthorized' | 'AllSelfAuthorized';

export const POLICY_TYPE = 'ExtlClntAppOauthConfigurablePolicies';
/** The description --create gives a new app: how a re-run knows the app is its own. */
export const CREATED_MARKER = 'Created by sf integration-user preauthorize --create';
/** The Metadata API setting Salesforce's reference says the OAuth settings types need ("Special Access Rules"). */
const SECRETS_SETTING_TYPES = new Set(['ExtlClntAppGlobalOauthSettings', 'ExtlClntAppOauthSettings']);
/** The OAuth credentials REST resources exist from API 60.0 on (Connect REST API, "OAuth Credentials Resources"): asked at 60.0 at least. */
const CREDENTIALS_API_VERSION = 60;

/** An app's pre-authorization as read, and how to write it back with every other setting kept. */
export type AppSettings = {
  policy: UsersPolicy;
  profiles: string[];
  permissionSets: string[];
  /** Writes the app back with these lists and the admin-approved policy, every other setting as read. */
  write: (lists: { profiles: string[]; permissionSets: string[] }) => Promise<void>;
};

export type EcaPolicy = {
  app: string;
  label: string;
  member: string;
  xml: string;
  policy: UsersPolicy;
  profiles: string[];
  permissionSets: string[];
};

/**
 * Every External Client App's OAuth policy (or one app's), in one retrieve: the XML as Salesforce wrote it,
 * what it says, and the app's label (from its .eca file in the same retrieve: what OauthToken.AppName shows).
 */
export async function readEcaPolicies(client: OrgClient, app?: string): Promise<EcaPolicy[]> {
  const { files, parse } = await retrieved(client, [
    { name: 'ExternalClientApplication', members: [app ?? '*'] },
    { name: POLICY_TYPE, members: ['*'] },
  ]);
  const labels = new Map<string, string>();
  for (const path of Object.keys(files).filter((p) => p.endsWith('.eca'))) {
    const { label } = await parse(path, 'ExternalClientApplication');
    labels.set(baseName(path, '.eca').toLowerCase(), typeof label === 'string' ? label : '');
  }
  const policies: EcaPolicy[] = [];
  for (const path of Object.keys(files).filter((p) => p.endsWith('.ecaOauthPlcy'))) {
    const values = await parse(path, POLICY_TYPE);
    const name = String(values.externalClientApplication);
    if (app && name.toLowerCase() !== app.toLowerCase()) continue;
    policies.push({
      app: name,
      label: labels.get(name.toLowerCase()) || name,
      member: baseName(path, '.ecaOauthPlcy'),
      xml: await files[path].async('string'),
      policy:
        values.permittedUsersPolicyType === 'AdminApprovedPreAuthorized'
          ? 'AdminApprovedPreAuthorized'
          : 'AllSelfAuthorized',
      profiles: splitList(values.commaSeparatedProfile),
      permissionSets: splitList(values.commaSeparatedPermissionSet),
    });
  }
  return policies;
}

/**
 * An External Client App's OAuth policy through retrieve and deploy, which every metadata type supports: only
 * the policy component is deployed back, with just the pre-authorization elements changed in its XML, so the
 * app's other settings (scopes, certificate, key) are never touched.
 */
export async function readEcaPolicy(client: OrgClient, app: string): Promise<AppSettings & { label: string }> {
  const policyFile = (await readEcaPolicies(client, app))[0];
  if (!policyFile) throw serviceError('AppMetadataUnreadable', [POLICY_TYPE, app]);
  const { member, xml } = policyFile;
  return {
    policy: policyFile.policy,
    profiles: policyFile.profiles,
    permissionSets: policyFile.permissionSets,
    label: policyFile.label,
    write: async ({ profiles, permissionSets }) => {
      let updated = setElement(xml, 'permittedUsersPolicyType', 'AdminApprovedPreAuthorized');
      updated = setElement(updated, 'commaSeparatedProfile', profiles.join(','));
      updated = setElement(updated, 'commaSeparatedPermissionSet', permissionSets.join(','));
      await client.deploy(
        await zipOf(
          { [POLICY_TYPE]: { [member]: { folder: 'extlClntAppOauthPolicies', suffix: 'ecaOauthPlcy', xml: updated } } },
          client.apiVersion
        )
      );
    },
  };
}

/** Where an earlier --create of this app stopped; undefined when the app wasn't made by --create. */
export type EarlierCreate = { next: 'oauth-settings' | 'policy' | 'done' };

/**
 * Reads back an External Client App that --create may have made (one retrieve): its marker in the app's
 * description, and how far the staged deploy got from its OAuth policy (none yet: the OAuth settings are
 * missing; self-authorized: the last stage is missing).
 */
export async function earlierCreate(client: OrgClient, app: string): Promise<EarlierCreate | undefined> {
  const { files, parse } = await retrieved(client, [
    { name: 'ExternalClientApplication', members: [app] },
    { name: POLICY_TYPE, members: ['*'] },
  ]);
  const appFile = Object.keys(files).find((p) => p.toLowerCase().endsWith(`/${app.toLowerCase()}.eca`));
  const description = appFile ? (await parse(appFile, 'ExternalClientApplication')).description : undefined;
  if (typeof description !== 'string' || !description.startsWith(CREATED_MARKER)) return undefined;
  for (const path of Object.keys(files).filter((p) => p.endsWith('.ecaOauthPlcy'))) {
    const policy = await parse(path, POLICY_TYPE);
    if (String(policy.externalClientApplication).toLowerCase() === app.toLowerCase())
      return { next: policy.permittedUsersPolicyType === 'AdminApprovedPreAuthorized' ? 'done' : 'policy' };
  }
  return { next: 'oauth-settings' };
}

export type NewEca = {
  app: string;
  label: string;
  contactEmail: string;
  certificate: string;
  profile: string;
  permissionSets: string[];
};

/**
 * Deploys a new local External Client App for the JWT bearer flow in the stages that prove robust (facts
 * 8.5): 1. the app; 2. its OAuth settings with plugins off; 3. the admin-approved policy with plugins on.
 * After an interrupted run only the stages still missing go (`earlier`). No consumer key or secret is sent:
 * Salesforce makes its own (third-party notes; the key a deploy carries may be ignored). Returns the
 * app's Id when this run deployed it.
 */
export async function deployNewEca(
  client: OrgClient,
  eca: NewEca,
  earlier: EarlierCreate | undefined,
  targetOrg: string
): Promise<string | undefined> {
  const { app, label } = eca;
  const element = (name: string, value: string | boolean): string =>
    `    <${name}>${escapeXml(String(value))}</${name}>\n`;
  const doc = (type: string, body: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<${type} xmlns="http://soap.sforce.com/2006/04/metadata">\n${body}</${type}>\n`;
  const plugins = (enabled: boolean): string =>
    doc(
      'ExtlClntAppConfigurablePolicies',
      element('externalClientApplication', app) +
        element('isEnabled', enabled) +
        element('isOauthPluginEnabled', enabled) +
        element('label', label)
    );
  const stage = (components: Record<string, Record<string, ZipEntry>>): Promise<Buffer> =>
    zipOf(components, client.apiVersion);
  let id: string | undefined;
  if (!earlier) {
    const header = doc(
      'ExternalClientApplication',
      element('contactEmail', eca.contactEmail) +
        element('description', `${CREATED_MARKER}.`) +
        element('distributionState', 'Local') +
        element('isProtected', false) +
        element('label', label)
    );
    const deployed = await client.deploy(
      await stage({
        ExternalClientApplication: { [app]: { folder: 'externalClientApps', suffix: 'eca', xml: header } },
      })
    );
    id = deployed.find((c) => c.componentType === 'ExternalClientApplication')?.id || undefined;
  }
  if (earlier?.next !== 'policy') {
    const global = doc(
      'ExtlClntAppGlobalOauthSettings',
      element('callbackUrl', 'http://localhost:1717/OauthRedirect') +
        element('certificate', eca.certificate) +
        element('externalClientApplication', app) +
        element('isConsumerSecretOptional', true) +
        element('isPkceRequired', false) +
        element('label', label)
    );
    const settings = doc(
      'ExtlClntAppOauthSettings',
      element('commaSeparatedOauthScopes', 'Api, RefreshToken') +
        element('externalClientApplication', app) +
        element('label', label)
    );
    await client
      .deploy(
        await stage({
          ExtlClntAppGlobalOauthSettings: {
            [`${app}GlblOAuth`]: { folder: 'extlClntAppGlobalOauthSets', suffix: 'ecaGlblOauth', xml: global },
          },
          ExtlClntAppOauthSettings: {
            [`${app}OAuthSettings`]: { folder: 'extlClntAppOauthSettings', suffix: 'ecaOauth', xml: settings },
          },
          ExtlClntAppConfigurablePolicies: {
            [`${app}_defaultPolicy`]: { folder: 'extlClntAppPolicies', suffix: 'ecaPlcy', xml: plugins(false) },
          },
        })
      )
      .catch((error: unknown) => {
        // The Metadata API reference: these types need "Allow Access to OAuth Consumer Secrets via Metadata API".
        const refused =
          error instanceof DeployFailedError
            ? error.failures.filter((f) => SECRETS_SETTING_TYPES.has(f.componentType ?? ''))
            : [];
        if (!refused.length) throw error;
        throw serviceError(
          'EcaOauthSettingsRefused',
          [app, refused.map((f) => `${f.componentType ?? ''}: ${f.problem ?? ''}`).join('; ')],
          [app, targetOrg, label]
        );
      });
  }
  const policy = doc(
    POLICY_TYPE,
    element('commaSeparatedPermissionSet', eca.permissionSets.join(',')) +
      element('commaSeparatedProfile', eca.profile) +
      element('externalClientApplication', app) +
      element('label', label) +
      element('permittedUsersPolicyType', 'AdminApprovedPreAuthorized')
  );
  await client.deploy(
    await stage({
      [POLICY_TYPE]: {
        [`${app}OAuthSettings_defaultPolicy`]: {
          folder: 'extlClntAppOauthPolicies',
          suffix: 'ecaOauthPlcy',
          xml: policy,
        },
      },
      ExtlClntAppConfigurablePolicies: {
        [`${app}_defaultPolicy`]: { folder: 'extlClntAppPolicies', suffix: 'ecaPlcy', xml: plugins(true) },
      },
    })
  );
  return id;
}

/**
 * The consumer key the org holds for an External Client App, never its secret: the OAuth credentials REST
 * resource (API 60.0+: the app's consumers, then one consumer's key, `part=key`), else a retrieve of its global
 * OAuth settings where the org exposes keys there ("Allow Access to OAuth Consumer Secrets via Metadata API";
 * only consumerKey is read from it). Undefined when the org gives it by neither way.
 */
export async function readConsumerKey(client: OrgClient, app: string, knownId?: string): Promise<string | undefined> {
  const fromRest = await keyFromRest(client, app, knownId).catch(orgRefusal);
  if (fromRest) return fromRest;
  const { files, parse } = await retrieved(client, [
    { name: 'ExtlClntAppGlobalOauthSettings', members: [`${app}GlblOAuth`] },
  ]).catch((error: unknown) => {
    orgRefusal(error);
    return { files: {}, parse: undefined };
  });
  const path = Object.keys(files).find((p) => p.endsWith('.ecaGlblOauth'));
  const key = path && parse ? (await parse(path, 'ExtlClntAppGlobalOauthSettings')).consumerKey : undefined;
  return typeof key === 'string' && key ? key : undefined;
}

async function keyFromRest(client: OrgClient, app: string, knownId?: string): Promise<string | undefined> {
  const id =
    knownId ??
    (await client.listMetadata(['ExternalClientApplication'])).find(
      (c) => c.fullName.toLowerCase() === app.toLowerCase()
    )?.id;
  if (!id) return undefined;
  const { consumers } = await client.get<{ consumers?: Array<{ id?: string; key?: string }> }>(
    `/apps/oauth/credentials/${id}`,
    CREDENTIALS_API_VERSION
  );
  const consumer = consumers?.[0];
  if (consumer?.key) return consumer.key;
  if (!consumer?.id) return undefined;
  return (
    (
      await client.get<{ key?: string }>(
        `/apps/oauth/credentials/${id}/${consumer.id}?part=key`,
        CREDENTIALS_API_VERSION
      )
    ).key || undefined
  );
}

/** Answers that mean "the org doesn't give the key this way" (a resource it lacks, access it refuses). */
const REFUSALS = new Set([
  'NOT_FOUND',
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'FORBIDDEN',
  'FUNCTIONALITY_NOT_ENABLED',
  'API_DISABLED_FOR_ORG',
  'INVALID_INPUT',
  'INVALID_TYPE',
]);

/** A refusal means "not this way"; anything else (a server fault, a lost connection) is thrown, so a re-run can finish. */
function orgRefusal(error: unknown): undefined {
  if (
    error instanceof SalesforceApiError &&
    (REFUSALS.has(error.errorCode) ||
      /^ERROR_HTTP_4\d\d$/.test(error.errorCode) ||
      (error.status !== undefined && error.status >= 400 && error.status < 500))
  )
    return undefined;
  throw error;
}

type ZipEntry = { folder: string; suffix: string; xml: string };

/** A deployable zip: package.xml at the root listing the components, and each component's file. */
export async function zipOf(components: Record<string, Record<string, ZipEntry>>, apiVersion: string): Promise<Buffer> {
  const { default: JSZip } = await import('jszip');
  const zip = new JSZip();
  const types = Object.entries(components)
    .map(
      ([type, members]) =>
        `    <types>\n${Object.keys(members)
          .map((m) => `        <members>${escapeXml(m)}</members>\n`)
          .join('')}        <name>${type}</name>\n    </types>\n`
    )
    .join('');
  zip.file(
    'package.xml',
    `<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n${types}    <version>${apiVersion}</version>\n</Package>\n`
  );
  for (const members of Object.values(components)) {
    for (const [member, entry] of Object.entries(members))
      zip.file(`${entry.folder}/${member}.${entry.suffix}`, entry.xml);
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
  if (next?.index !== undefined)
    return `${xml.slice(0, next.index)}${indent}${element}\n${xml.slice(next.index).replace(/^\n/, '')}`;
  return xml.replace(new RegExp(`(\\s*)</${root?.[1] ?? 'x'}>`), `\n${indent}${element}$1</${root?.[1] ?? 'x'}>`);
}

type ZipFiles = Record<string, { async: (type: 'string') => Promise<string> }>;

/** One retrieve: its files, and a reader of one file's top-level elements. */
async function retrieved(
  client: OrgClient,
  types: Array<{ name: string; members: string[] }>
): Promise<{ files: ZipFiles; parse: (path: string, type: string) => Promise<Record<string, unknown>> }> {
  const { default: JSZip } = await import('jszip');
  const { XMLParser } = await import('fast-xml-parser');
  const zip = await JSZip.loadAsync(await client.retrieve(types));
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });
  const files = zip.files as unknown as ZipFiles;
  const parse = async (path: string, type: string): Promise<Record<string, unknown>> =>
    (parser.parse(await files[path].async('string')) as Record<string, Record<string, unknown>>)[type] ?? {};
  return { files, parse };
}

const baseName = (path: string, suffix: string): string => path.split('/').pop()?.slice(0, -suffix.length) ?? '';
const splitList = (value: unknown): string[] =>
  typeof value === 'string' && value.trim()
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : [];
const escapeXml = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
