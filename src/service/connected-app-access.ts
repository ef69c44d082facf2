import type { OrgClient, SObjectRecord } from './org-client.js';
import { soqlList, soqlQuote } from './org-client.js';
import { SalesforceApiError, serviceError } from './errors.js';
import { grantFix } from './fixes.js';
import { verbatim, writeEach } from './plan.js';
import { licenseResolver } from './permissions.js';
import { CONNECTED_APP_ROWS, ecaQuery, sameId, type ConnectedApp, type ConnectedAppComponent } from './app-lookup.js';
import type { AppSettings } from './eca-metadata.js';
import type { Found, Reads } from './inspection.js';

/**
 * Pre-authorizing a connected app: one SetupEntityAccess row per profile or permission set when the app is
 * admin-approved already (the data API, no Metadata API call), else its ConnectedApp component read and
 * written back whole (readMetadata / updateMetadata).
 */

/**
 * What the SetupEntityAccess path reads about an app, in the same round trip as everything else: every
 * ConnectedApplication row (its row is found by its label, which readMetadata gives at the same time), the
 * External Client App by API name, and the connected-app access rows under the parents the plan may add
 * (the integration profiles' own sets and the named sets): few rows whatever the org's size.
 */
export function appAccessReads(app: string, sets: string[]): Reads<AppAccessKey> {
  const parents = `Parent.Profile.UserLicense.Name = ${soqlQuote('Salesforce Integration')}${sets.length ? ` OR Parent.Name IN ${soqlList(sets)}` : ''}`;
  return {
    queries: {
      connectedApps: CONNECTED_APP_ROWS,
      eca: ecaQuery(app),
      appAccess: `SELECT ParentId, SetupEntityId FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication' AND (${parents})`,
      profileSets: `SELECT Id, Profile.Name FROM PermissionSet WHERE IsOwnedByProfile = true AND Profile.UserLicense.Name = ${soqlQuote('Salesforce Integration')}`,
      sets: sets.length
        ? `SELECT Id, Name, LicenseId FROM PermissionSet WHERE IsOwnedByProfile = false AND PermissionSetGroupId = null AND Name IN ${soqlList(sets)}`
        : undefined,
      licenses: sets.length ? 'SELECT Id, Name FROM UserLicense' : undefined,
      psls: sets.length ? 'SELECT Id, DeveloperName, MasterLabel FROM PermissionSetLicense' : undefined,
    },
    // ExternalClientApplication is "for internal use only" and not served everywhere.
    optional: ['eca'],
  };
}

/** Pre-authorization as SetupEntityAccess rows: the app, what it lists now, and one row per profile or set still missing. */
type AppAccessKey = 'connectedApps' | 'eca' | 'appAccess' | 'profileSets' | 'sets' | 'licenses' | 'psls';
export type AppAccessFound = Found<AppAccessKey>;

export type AppAccessPlan = {
  appId: string;
  profiles: string[];
  permissionSets: string[];
  missing: Array<{ name: string; parentId: string; profile: boolean }>;
};

/**
 * Pre-authorization through the data API (SetupEntityAccess object reference): a connected app that is admin-approved already
 * takes a SetupEntityAccess row under the profile's own permission set or under the set. Undefined when
 * the Metadata API path must do it: no connected app (an External Client App, or none), or one whose
 * policy must switch first. What the app lists now comes from its metadata (profileName, permissionSetName).
 * `planned`: sets an earlier step creates, with the reference it will have.
 */
export function planAppAccess(
  found: AppAccessFound,
  app: ConnectedApp | undefined,
  wanted: { profile?: string; sets: string[]; planned: Record<string, string> }
): AppAccessPlan | undefined {
  if (!app?.adminApproved) return undefined;
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
    if (set && licenseOf(set.LicenseId).fit === 'other')
      throw serviceError(
        'SetLicenseDoesNotFit',
        [String(set.Name), licenseOf(set.LicenseId).name],
        [grantFix(verbatim('<username>'))]
      );
    parents.push({ name: set ? String(set.Name) : name, parentId: set?.Id ?? wanted.planned[name], profile: false });
  }
  const listed = found.appAccess.filter((a) => sameId(a.SetupEntityId, app.id)).map((a) => String(a.ParentId));
  return {
    appId: app.id,
    profiles: app.profiles,
    permissionSets: app.permissionSets,
    missing: parents.filter((p) => !listed.some((id) => sameId(id, p.parentId))),
  };
}

/** A connected app through the Metadata API: its component as read, written back whole with updateMetadata. */
export function connectedAppSettings(client: OrgClient, app: ConnectedApp): AppSettings {
  const oauthConfig = (app.component.oauthConfig ?? {}) as Record<string, unknown>;
  const runAs = typeof oauthConfig.oauthClientCredentialUser === 'string' ? oauthConfig.oauthClientCredentialUser : '';
  return {
    policy:
      String(oauthConfig.isAdminApproved) === 'true' || app.adminApproved
        ? 'AdminApprovedPreAuthorized'
        : 'AllSelfAuthorized',
    profiles: app.profiles,
    permissionSets: app.permissionSets,
    // ConnectedApp oauthConfig isClientCredentialEnabled / oauthClientCredentialUser (Metadata API reference, API 56.0+).
    clientCredentials: {
      enabled: String(oauthConfig.isClientCredentialEnabled) === 'true',
      runAs: runAs.trim() || undefined,
    },
    write: async ({ profiles, permissionSets, runAs: newRunAs }) => {
      const save = (flow: Record<string, unknown>): Promise<void> =>
        client.metadata.update('ConnectedApp', {
          ...app.component,
          oauthConfig: { ...oauthConfig, isAdminApproved: true, ...flow },
          profileName: profiles,
          permissionSetName: permissionSets,
        });
      if (!newRunAs) {
        await save({});
        return {};
      }
      // An org that refuses the run-as user through the Metadata API (one admin's report) still takes the lists.
      const refused = await save({ isClientCredentialEnabled: true, oauthClientCredentialUser: newRunAs }).then(
        () => false,
        async (error: unknown) => {
          if (!(error instanceof SalesforceApiError) || error.errorCode !== 'INSUFFICIENT_ACCESS') throw error;
          await save({});
          return true;
        }
      );
      if (refused) return { flowLeftOff: true };
      // One admin reports the run-as user can only be set in Setup (the write succeeds, the field stays): read it back.
      const [back] = await client.metadata.readMany<ConnectedAppComponent>('ConnectedApp', [app.name]);
      const stored = (back?.oauthConfig ?? {}) as Record<string, unknown>;
      return stored.oauthClientCredentialUser === newRunAs && String(stored.isClientCredentialEnabled) === 'true'
        ? {}
        : { flowLeftOff: true };
    },
  };
}

/**
 * Inserts the missing SetupEntityAccess rows (one collection call). Where the org refuses a row (unsettled for
 * profile-owned sets), the lists go through the Metadata API instead, from the component read with the inspection.
 */
export async function writeAccessRows(
  client: OrgClient,
  plan: AppAccessPlan,
  app: ConnectedApp,
  lists: { profiles: string[]; permissionSets: string[] }
): Promise<void> {
  if (!plan.missing.length) return;
  const written = await writeEach(client, {
    kind: 'records',
    referenceId: 'access',
    method: 'POST',
    sobject: 'SetupEntityAccess',
    records: plan.missing.map((p) => ({ ParentId: p.parentId, SetupEntityId: plan.appId })),
  });
  // A row already there is the goal met (the per-record rule); a refused one sends the lists the Metadata API way.
  if (written.some((w) => w.outcome === 'failed')) await connectedAppSettings(client, app).write(lists);
}
