import type { OrgClient } from './org-client.js';
import { serviceError } from './errors.js';
import { DeployFailedError } from './metadata-api.js';
import { retrieved, setElement, zipOf } from './metadata-files.js';
import { connectedAppCertificate, ecaCertificate, type AppCertificate } from './certificate.js';
import { namesForIds, writeSets, type SetForm } from './eca-set-form.js';

/**
 * An External Client App's OAuth policy through the Metadata API: read back (retrieve) and written back (deploy
 * of that one component, only the pre-authorization elements changed), and the zips and XML both take. Zips
 * carry package.xml at their root; MetadataApi.deploy sends them as one package. New apps: eca-create.ts.
 */

/** Who may use an app: admin-approved users (by profile or permission set), or every user who authorizes it. */
export type UsersPolicy = 'AdminApprovedPreAuthorized' | 'AllSelfAuthorized';

/** The metadata type of an External Client App's OAuth policy (its pre-authorization). */
export const POLICY_TYPE = 'ExtlClntAppOauthConfigurablePolicies';

/** The metadata type of an External Client App's global OAuth settings (its own client credentials flag). */
export const GLOBAL_TYPE = 'ExtlClntAppGlobalOauthSettings';

/**
 * The app's client credentials flow as read: the flag and the execution ("run as") user's username
 * (ExtlClntAppOauthConfigurablePolicies isClientCredentialsFlowEnabled / clientCredentialsFlowUser, API 60.0+;
 * ConnectedApp oauthConfig isClientCredentialEnabled / oauthClientCredentialUser, API 56.0+), and for an External
 * Client App the global OAuth settings' own isClientCredentialsFlowEnabled (undefined when not read).
 */
export type ClientCredentials = { enabled: boolean; runAs?: string; globalEnabled?: boolean };

/** What a write changes: the lists always; with `runAs`, the client credentials flow on, run as that username. */
export type AppWrite = {
  profiles: string[];
  permissionSets: string[];
  runAs?: string;
  /** Sets' Ids the caller read (by lowercased name), for a policy that lists Ids. */
  setIds?: ReadonlyMap<string, string>;
};

/** An app's pre-authorization as read, and how to write it back with every other setting kept. */
export type AppSettings = {
  policy: UsersPolicy;
  profiles: string[];
  permissionSets: string[];
  clientCredentials: ClientCredentials;
  /**
   * Writes the app back with these lists and the admin-approved policy, every other setting as read. Answers
   * `flowLeftOff` when the org took everything but the flow's switch the Metadata API can't set here (an admin sets it in Setup).
   */
  write: (change: AppWrite) => Promise<{ flowLeftOff?: boolean }>;
};

export type EcaPolicy = {
  app: string;
  label: string;
  member: string;
  xml: string;
  policy: UsersPolicy;
  profiles: string[];
  permissionSets: string[];
  clientCredentials: ClientCredentials;
  /** The global OAuth settings (member and XML), when the retrieve asked for them. */
  global?: { member: string; xml: string; consumerKey?: string; certificate?: string };
} & SetForm;

/**
 * Every External Client App's OAuth policy (or one app's), in one retrieve: the XML as Salesforce wrote it,
 * what it says, and the app's label (from its .eca file in the same retrieve: what OauthToken.AppName shows).
 */
export async function readEcaPolicies(
  client: OrgClient,
  app?: string,
  options: { global?: boolean } = {}
): Promise<EcaPolicy[]> {
  return (await readPolicies(client, app, options)).policies;
}

/** A connected app whose client credentials flow runs as a user (oauthConfig.oauthClientCredentialUser). */
export type ConnectedAppRunAs = { app: string; runAs: string; enabled: boolean };

/**
 * list's audit: every External Client App's policy and every connected app's run-as user, in the same one
 * retrieve (ConnectedApp takes the wildcard in a retrieve: Metadata API reference, ConnectedApp), however many
 * apps the org has; readMetadata would take a call per 10 connected apps.
 */
export async function readAppPolicies(
  client: OrgClient,
  options: { certificates?: boolean } = {}
): Promise<AppPolicies> {
  return readPolicies(client, undefined, { connectedApps: true, global: options.certificates });
}

/**
 * What the retrieve of every app shows: the ECA policies, the connected apps that run as a user, and every connected
 * app's certificate by API name in lower case (an ECA's is in its policy's global settings, when asked for).
 */
export type AppPolicies = {
  policies: EcaPolicy[];
  connectedApps: ConnectedAppRunAs[];
  certificates: Map<string, { app: string; certificate: AppCertificate }>;
};

/**
 * The apps whose client credentials flow runs as each user (by username in lower case): External Client Apps' policies
 * and connected apps, as one retrieve read them; `enabledOnly`: only where the flow is on.
 */
export function appsRunningAs(
  read: Pick<AppPolicies, 'policies' | 'connectedApps'>,
  options: { enabledOnly?: boolean } = {}
): Map<string, string[]> {
  const byUser = new Map<string, string[]>();
  const runs = [
    ...read.policies.map((p) => ({
      app: p.app,
      runAs: p.clientCredentials.runAs,
      enabled: p.clientCredentials.enabled,
    })),
    ...read.connectedApps,
  ];
  for (const { app, runAs, enabled } of runs) {
    if (!runAs?.trim() || (options.enabledOnly && !enabled)) continue;
    const key = runAs.trim().toLowerCase();
    byUser.set(key, [...(byUser.get(key) ?? []), app]);
  }
  return byUser;
}

async function readPolicies(
  client: OrgClient,
  app: string | undefined,
  options: { global?: boolean; connectedApps?: boolean }
): Promise<AppPolicies> {
  const { files, parse } = await retrieved(client, [
    { name: 'ExternalClientApplication', members: [app ?? '*'] },
    { name: POLICY_TYPE, members: ['*'] },
    ...(options.global ? [{ name: GLOBAL_TYPE, members: ['*'] }] : []),
    ...(options.connectedApps ? [{ name: 'ConnectedApp', members: ['*'] }] : []),
  ]);
  const connectedApps: ConnectedAppRunAs[] = [];
  const certificates: AppPolicies['certificates'] = new Map();
  for (const path of Object.keys(files).filter((p) => p.endsWith('.connectedApp'))) {
    const { oauthConfig } = await parse(path, 'ConnectedApp');
    const oauth = (oauthConfig ?? {}) as Record<string, unknown>;
    const name = baseName(path, '.connectedApp');
    certificates.set(name.toLowerCase(), { app: name, certificate: connectedAppCertificate(oauth) });
    const runAs = oauth.oauthClientCredentialUser;
    if (typeof runAs === 'string' && runAs.trim())
      connectedApps.push({
        app: name,
        runAs: runAs.trim(),
        enabled: String(oauth.isClientCredentialEnabled) === 'true',
      });
  }
  const globals = new Map<
    string,
    { member: string; xml: string; enabled: boolean; consumerKey?: string; certificate?: string }
  >();
  for (const path of Object.keys(files).filter((p) => p.endsWith('.ecaGlblOauth'))) {
    const values = await parse(path, GLOBAL_TYPE);
    globals.set(String(values.externalClientApplication).toLowerCase(), {
      member: baseName(path, '.ecaGlblOauth'),
      xml: await files[path].async('string'),
      enabled: String(values.isClientCredentialsFlowEnabled) === 'true',
      // Present only where the org lets the Metadata API carry OAuth consumer keys and secrets.
      consumerKey: typeof values.consumerKey === 'string' && values.consumerKey ? values.consumerKey : undefined,
      certificate:
        typeof values.certificate === 'string' && values.certificate.trim() ? values.certificate.trim() : undefined,
    });
  }
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
      clientCredentials: {
        enabled: String(values.isClientCredentialsFlowEnabled) === 'true',
        runAs:
          typeof values.clientCredentialsFlowUser === 'string' && values.clientCredentialsFlowUser.trim()
            ? values.clientCredentialsFlowUser.trim()
            : undefined,
        globalEnabled: options.global ? globals.get(name.toLowerCase())?.enabled === true : undefined,
      },
      global: globals.get(name.toLowerCase()),
      setsAsIds: false,
      setIds: new Map(),
    });
  }
  await namesForIds(client, policies);
  return { policies, connectedApps, certificates };
}

/**
 * An External Client App's OAuth policy through retrieve and deploy, which every metadata type supports: only
 * the policy component is deployed back, with just the pre-authorization elements changed in its XML, so the
 * app's other settings (scopes, certificate, key) are never touched.
 */
export async function readEcaPolicy(
  client: OrgClient,
  app: string,
  options: { global?: boolean } = {}
): Promise<AppSettings & { label: string; consumerKey?: string; certificate?: AppCertificate }> {
  const policyFile = (await readEcaPolicies(client, app, options))[0];
  if (!policyFile) throw serviceError('AppMetadataUnreadable', [POLICY_TYPE, app]);
  return {
    policy: policyFile.policy,
    profiles: policyFile.profiles,
    permissionSets: policyFile.permissionSets,
    clientCredentials: policyFile.clientCredentials,
    label: policyFile.label,
    consumerKey: policyFile.global?.consumerKey,
    certificate: options.global ? ecaCertificate(policyFile) : undefined,
    write: (change) =>
      writeSets(client, policyFile, change, (entries) =>
        writeEcaPolicy(client, policyFile, { ...change, permissionSets: entries })
      ),
  };
}

/** One deploy of the policy with these lists (the sets' entries as given), every other setting as read. */
async function writeEcaPolicy(
  client: OrgClient,
  policyFile: EcaPolicy,
  { profiles, permissionSets, runAs }: AppWrite
): Promise<{ flowLeftOff?: boolean }> {
  const { member, xml, global } = policyFile;
  let updated = setElement(xml, 'permittedUsersPolicyType', 'AdminApprovedPreAuthorized');
  updated = setElement(updated, 'commaSeparatedProfile', profiles.join(','));
  updated = setElement(updated, 'commaSeparatedPermissionSet', permissionSets.join(','));
  if (runAs) {
    updated = setElement(updated, 'isClientCredentialsFlowEnabled', 'true');
    updated = setElement(updated, 'clientCredentialsFlowUser', runAs);
  }
  const policyZip = { folder: 'extlClntAppOauthPolicies', suffix: 'ecaOauthPlcy', xml: updated };
  // The global OAuth settings carry the flow's second switch (Setup's "Enable Client Credentials Flow"). The org
  // may refuse that type ("Allow Access to OAuth Consumer Secrets via Metadata API", Metadata API reference): then
  // the policy goes alone and the admin turns the switch on in Setup.
  const globalOff = runAs && global && policyFile.clientCredentials.globalEnabled === false;
  if (globalOff) {
    const globalXml = setElement(global.xml, 'isClientCredentialsFlowEnabled', 'true');
    const both = await zipOf(
      {
        [GLOBAL_TYPE]: {
          [global.member]: { folder: 'extlClntAppGlobalOauthSets', suffix: 'ecaGlblOauth', xml: globalXml },
        },
        [POLICY_TYPE]: { [member]: policyZip },
      },
      client.apiVersion
    );
    const refused = await client.metadata.deploy(both).then(
      () => false,
      (error: unknown) => {
        if (error instanceof DeployFailedError && error.failures.some((f) => f.componentType === GLOBAL_TYPE))
          return true;
        throw error;
      }
    );
    if (!refused) return {};
  }
  await client.metadata.deploy(await zipOf({ [POLICY_TYPE]: { [member]: policyZip } }, client.apiVersion));
  return globalOff ? { flowLeftOff: true } : {};
}

const baseName = (path: string, suffix: string): string => path.split('/').pop()?.slice(0, -suffix.length) ?? '';
const splitList = (value: unknown): string[] =>
  typeof value === 'string' && value.trim()
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : [];
