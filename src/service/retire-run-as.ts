import type { OrgClient } from './org-client.js';
import type { ConnectedAppComponent } from './app-lookup.js';
import { POLICY_TYPE, readAppPolicies, type EcaPolicy } from './eca-metadata.js';
import { setElement, zipOf } from './metadata-files.js';
import { setEntries } from './eca-set-form.js';
import type { EcaListChange } from './retire-eca-lists.js';

/**
 * The apps whose OAuth client credentials flow runs as the user being retired: retire stops them before it
 * deactivates the user (the flow's execution user must be an active user with API Only: Metadata API reference,
 * ExtlClntAppOauthConfigurablePolicies clientCredentialsFlowUser, ConnectedApp oauthClientCredentialUser; whether the
 * org refuses to deactivate it is not published, so the app goes first either way). Read in the one retrieve list
 * uses (every ECA policy and connected app); the connected apps that name the user are then read whole, since
 * updateMetadata writes a component back whole.
 */

/** An app that would no longer run as the user: its label and kind. */
export type RunAsStop = { app: string; kind: 'ExternalClientApplication' | 'ConnectedApp' };

export type RunAsPlan = {
  stops: RunAsStop[];
  policies: EcaPolicy[];
  connectedApps: ConnectedAppComponent[];
  /** Every External Client App's policy the retrieve read (retire-eca-lists.ts takes the user out of their lists). */
  read: EcaPolicy[];
  /** Policies whose lists lose entries: in the same one deploy. */
  ecaLists: EcaListChange[];
};

export async function planRunAsStops(client: OrgClient, username: string): Promise<RunAsPlan> {
  const same = (value: string | undefined): boolean => value?.toLowerCase() === username.toLowerCase();
  const read = await readAppPolicies(client);
  const policies = read.policies.filter((p) => same(p.clientCredentials.runAs));
  const names = read.connectedApps.filter((a) => same(a.runAs)).map((a) => a.app);
  const connectedApps = names.length
    ? await client.metadata.readMany<ConnectedAppComponent>('ConnectedApp', names)
    : [];
  const stops: RunAsStop[] = [
    ...policies.map((p): RunAsStop => ({ app: p.label, kind: 'ExternalClientApplication' })),
    ...connectedApps.map((c): RunAsStop => ({
      app: typeof c.label === 'string' ? c.label : c.fullName,
      kind: 'ConnectedApp',
    })),
  ].sort((a, b) => a.app.localeCompare(b.app));
  return { stops, policies, connectedApps, read: read.policies, ecaLists: [] };
}

/**
 * Clears the run-as user and turns the flow off, and takes the user out of External Client Apps' lists: the ECA
 * policies in one deploy of only those components, with only clientCredentialsFlowUser and
 * isClientCredentialsFlowEnabled, or commaSeparatedProfile and commaSeparatedPermissionSet, changed in their XML
 * (as preauthorize writes them); the connected apps through updateMetadata of their oauthConfig (10 a call).
 */
export async function stopRunAs(client: OrgClient, plan: RunAsPlan): Promise<boolean> {
  const xmls = new Map<string, string>();
  for (const p of plan.policies)
    xmls.set(
      p.member,
      setElement(setElement(p.xml, 'isClientCredentialsFlowEnabled', 'false'), 'clientCredentialsFlowUser', '')
    );
  for (const { policy, profiles, permissionSets } of plan.ecaLists) {
    const xml = setElement(xmls.get(policy.member) ?? policy.xml, 'commaSeparatedProfile', profiles.join(','));
    // In the form the policy lists them (names, or Ids: setEntries).
    const entries = await setEntries(client, policy, permissionSets);
    xmls.set(policy.member, setElement(xml, 'commaSeparatedPermissionSet', entries.join(',')));
  }
  if (xmls.size) {
    const components = Object.fromEntries(
      [...xmls].map(([member, xml]) => [member, { folder: 'extlClntAppOauthPolicies', suffix: 'ecaOauthPlcy', xml }])
    );
    await client.metadata.deploy(await zipOf({ [POLICY_TYPE]: components }, client.apiVersion));
  }
  if (plan.connectedApps.length)
    await client.metadata.update(
      'ConnectedApp',
      plan.connectedApps.map((component) => ({
        ...component,
        oauthConfig: {
          ...((component.oauthConfig ?? {}) as Record<string, unknown>),
          isClientCredentialEnabled: false,
          oauthClientCredentialUser: '',
        },
      }))
    );
  return xmls.size + plan.connectedApps.length > 0;
}
