import { certificateExpiry, ecaCertificate, type CertificateExpiry } from './certificate.js';
import type { AppPolicies, EcaPolicy } from './eca-metadata.js';

/**
 * The certificate of an app that pre-authorizes an integration user or runs as one, which its JWT bearer logins are
 * checked against: when it expires (ok / expiring under 30 days / expired), none on the app, or unreadable (an External
 * Client App's, in an org that doesn't show it through the Metadata API).
 */
export type AppCertificateRow = {
  /** The app's API name, as the users' apps and runAsApps name it. */
  app: string;
  appType: 'ConnectedApp' | 'ExternalClientApplication';
  certificate: CertificateExpiry;
};

/**
 * list's certificates: one row per app the users' rows name, by name, from list's one retrieve (a connected app's
 * component, an External Client App's global OAuth settings). A connected app named by its label (no Metadata API
 * access gave its API name) has no component read: unreadable.
 */
export function appCertificates(
  users: ReadonlyArray<{ apps: string[]; runAsApps: string[] }>,
  ecaPolicies: EcaPolicy[],
  connectedApps: AppPolicies['certificates'],
  now = Date.now()
): AppCertificateRow[] {
  const named = new Set(users.flatMap((u) => [...u.apps, ...u.runAsApps]));
  return [...named].sort().map((app): AppCertificateRow => {
    const eca = ecaPolicies.find((p) => p.app.toLowerCase() === app.toLowerCase());
    if (eca)
      return { app, appType: 'ExternalClientApplication', certificate: certificateExpiry(ecaCertificate(eca), now) };
    const read = connectedApps.get(app.toLowerCase())?.certificate ?? { unreadable: true as const };
    return { app, appType: 'ConnectedApp', certificate: certificateExpiry(read, now) };
  });
}
