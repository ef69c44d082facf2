import type { OrgClient } from './org-client.js';
import { DeployFailedError } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';
import { POLICY_TYPE } from './eca-metadata.js';
import { escapeXml, retrieved, zipOf, type ZipEntry } from './metadata-files.js';

/**
 * A new local External Client App for the JWT bearer flow, deployed in stages by preauthorize --create; where an
 * earlier run stopped; and the consumer key the org gave it, read back (never its secret).
 */

/** The description --create gives a new app: how a re-run knows the app is its own. */
export const CREATED_MARKER = 'Created by sf integration-user preauthorize --create';
/** The Metadata API setting Salesforce's reference says the OAuth settings types need ("Special Access Rules"). */
const SECRETS_SETTING_TYPES = new Set(['ExtlClntAppGlobalOauthSettings', 'ExtlClntAppOauthSettings']);
/** The OAuth credentials REST resources exist from API 60.0 on (Connect REST API, "OAuth Credentials Resources"): asked at 60.0 at least. */
const CREDENTIALS_API_VERSION = 60;

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
  /** For the JWT bearer flow; a client-credentials-only app has none. */
  certificate?: string;
  profile: string;
  permissionSets: string[];
  /** The client credentials flow's run-as username: the flow on in the global OAuth settings and the policy. */
  runAs?: string;
};

/**
 * Deploys a new local External Client App for the JWT bearer flow in the stages that prove robust (third-party
 * ECA setup notes): 1. the app; 2. its OAuth settings with plugins off; 3. the admin-approved policy with plugins on.
 * After an interrupted run only the stages still missing go (`earlier`). No consumer key or secret is sent:
 * Salesforce makes its own (third-party notes; the key a deploy carries may be ignored). Returns the
 * app's Id when this run deployed it.
 */
export async function deployNewEca(
  client: OrgClient,
  eca: NewEca,
  earlier: EarlierCreate | undefined
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
    const deployed = await client.metadata.deploy(
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
        (eca.certificate ? element('certificate', eca.certificate) : '') +
        element('externalClientApplication', app) +
        (eca.runAs ? element('isClientCredentialsFlowEnabled', true) : '') +
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
    await client.metadata
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
          [app, label]
        );
      });
  }
  const policy = doc(
    POLICY_TYPE,
    (eca.runAs ? element('clientCredentialsFlowUser', eca.runAs) : '') +
      element('commaSeparatedPermissionSet', eca.permissionSets.join(',')) +
      element('commaSeparatedProfile', eca.profile) +
      element('externalClientApplication', app) +
      (eca.runAs ? element('isClientCredentialsFlowEnabled', true) : '') +
      element('label', label) +
      element('permittedUsersPolicyType', 'AdminApprovedPreAuthorized')
  );
  await client.metadata.deploy(
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
    (await client.metadata.list(['ExternalClientApplication'])).find(
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
