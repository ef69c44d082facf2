import type { OrgClient } from './org-client.js';
import type { ConnectedAppComponent } from './app-lookup.js';
import { POLICY_TYPE, readAppPolicies, setElement, zipOf, type EcaPolicy } from './eca-metadata.js';

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
  return { stops, policies, connectedApps };
}

/**
 * Clears the run-as user and turns the flow off: the ECA policies in one deploy of only those components, with
 * only clientCredentialsFlowUser and isClientCredentialsFlowEnabled changed in their XML (as preauthorize writes
 * them); the connected apps through updateMetadata of their oauthConfig (10 a call).
 */
export async function stopRunAs(client: OrgClient, plan: RunAsPlan): Promise<boolean> {
  if (plan.policies.length) {
    const components = Object.fromEntries(
      plan.policies.map((p) => {
        const xml = setElement(
          setElement(p.xml, 'isClientCredentialsFlowEnabled', 'false'),
          'clientCredentialsFlowUser',
          ''
        );
        return [p.member, { folder: 'extlClntAppOauthPolicies', suffix: 'ecaOauthPlcy', xml }];
      })
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
  return plan.policies.length + plan.connectedApps.length > 0;
}
