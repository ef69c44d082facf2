import type { SfError } from '@salesforce/core';
import { type OrgClient, type SObjectRecord, soqlQuote, UNSUPPORTED } from './org-client.js';
import { errorWords, SalesforceApiError, serviceError } from './errors.js';
import { createAppFix } from './fixes.js';
import { similar } from './close-names.js';

/**
 * Finding the app --app names. --app is the API name, what the Metadata API and sf use. A connected app's
 * ConnectedApplication.Name is its label, not its API name ("Connected App Name" in the field reference; a
 * public setup script finds API name RedpandaConnect by Name='Redpanda Connect', redpanda-data/connect
 * internal/impl/salesforce/app/setup.sh), and ConnectedApplication has no DeveloperName. So a connected app is
 * read through readMetadata('ConnectedApp', <API name>), sent at the same time as the SOQL inspection: it gives
 * the label, and the row whose Name is that label is the app (listMetadata tells rows sharing a label apart).
 */

/** The ConnectedApp component as readMetadata gives it. */
export type ConnectedAppComponent = { fullName: string } & Record<string, unknown>;

/** A connected app: its API name, label, ConnectedApplication row and metadata. */
export type ConnectedApp = {
  name: string;
  label: string;
  id: string;
  adminApproved: boolean;
  /** The pre-authorization lists as the Metadata API showed them when read. */
  profiles: string[];
  permissionSets: string[];
  component: ConnectedAppComponent;
};

/** The connected apps' components by API name (lower case), read alongside the inspection. */
export type ConnectedAppComponents = Map<string, ConnectedAppComponent>;

/** Every ConnectedApplication row (apps are few; the row of an app is found by its label). */
export const CONNECTED_APP_ROWS = 'SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication';

/** The External Client App of that API name (an object "for internal use only": optional in every inspection). */
export function ecaQuery(app: string): string {
  return `SELECT Id, DeveloperName, MasterLabel FROM ExternalClientApplication WHERE DeveloperName = ${soqlQuote(app)}`;
}

/**
 * The connected app of this API name, or undefined when it isn't one: its ConnectedApplication row is the
 * one whose Name is the component's label; when several rows share that label, listMetadata (one call) says
 * which Id the API name has.
 */
export async function findConnectedApp(
  client: OrgClient,
  name: string,
  components: ConnectedAppComponents,
  rows: SObjectRecord[]
): Promise<ConnectedApp | undefined> {
  const component = components.get(name.toLowerCase());
  if (!component) return undefined;
  const label = typeof component.label === 'string' ? component.label : '';
  const labelled = rows.filter((r) => String(r.Name).toLowerCase() === label.toLowerCase());
  let row = labelled.length === 1 ? labelled[0] : undefined;
  if (!row) {
    const listed = (await client.metadata.list(['ConnectedApp'])).find(
      (c) => c.fullName.toLowerCase() === name.toLowerCase()
    );
    row = rows.find((r) => sameId(r.Id, listed?.id));
  }
  if (!row) throw serviceError('AppMetadataUnreadable', ['ConnectedApplication', name]);
  return {
    name: component.fullName,
    label: String(row.Name),
    id: row.Id,
    adminApproved: row.OptionsAllowAdminApprovedUsersOnly === true,
    profiles: asList(component.profileName),
    permissionSets: asList(component.permissionSetName),
    component,
  };
}

/** What the inspection knows about an External Client App of this name. */
export type EcaPresence = { found: true; id: string; label: string } | { found: false } | { found: 'unknown' };

/**
 * The External Client App row from the inspection. An org that serves ExternalClientApplication ("for internal
 * use only" in the object reference) only through the Tooling API gets one Tooling query; one that serves it on
 * neither answers INVALID_TYPE twice, which means this run can't see External Client Apps through SOQL.
 */
export async function findEca(client: OrgClient, name: string, rows: SObjectRecord[]): Promise<EcaPresence> {
  let found = rows;
  if (rows === UNSUPPORTED) {
    try {
      found = await client.toolingQuery(ecaQuery(name));
    } catch (error) {
      if (error instanceof SalesforceApiError && error.errorCode === 'INVALID_TYPE') return { found: 'unknown' };
      throw error;
    }
  }
  const row = found[0];
  return row
    ? { found: true, id: row.Id, label: typeof row.MasterLabel === 'string' ? row.MasterLabel : name }
    : { found: false };
}

/**
 * For a name that is no connected app and no External Client App SOQL can see: the apps the Metadata API
 * lists (one listMetadata call). An External Client App of that name is the app after all (an org that
 * serves ExternalClientApplication through no query endpoint); otherwise the error names the close API names.
 */
export async function appNotFound(client: OrgClient, app: string): Promise<{ eca: { id: string } } | SfError> {
  const listed = await client.metadata.list(['ConnectedApp', 'ExternalClientApplication']).catch(() => []);
  const eca = listed.find(
    (c) => c.type === 'ExternalClientApplication' && c.fullName.toLowerCase() === app.toLowerCase()
  );
  if (eca) return { eca: { id: eca.id } };
  return serviceError('AppNotFound', [app, closeAppsSentence(closeNames(listed, app))], [createAppFix(app)]);
}

/** The API names close to a name the org doesn't have (at most five), from a listMetadata answer. */
const closeNames = (listed: ReadonlyArray<{ fullName: string }>, app: string): string[] =>
  [...new Set(listed.map((c) => c.fullName))]
    .filter((name) => similar(name, app))
    .sort()
    .slice(0, 5);

/** " Apps with close names: A, B." or nothing, to follow a sentence that says the app isn't there. */
const closeAppsSentence = (close: readonly string[]): string =>
  close.length ? ` ${errorWords('reason.closeApps', [close.join(', ')])}` : '';

/** For an app name the org doesn't have: the close names it does have, as a sentence (one listMetadata call). */
export async function closeApps(client: OrgClient, app: string): Promise<string> {
  const listed = await client.metadata.list(['ConnectedApp', 'ExternalClientApplication']).catch(() => []);
  return closeAppsSentence(closeNames(listed, app));
}

/** Salesforce Ids compare on their first 15 characters (the 18-character form adds a case checksum). */
export function sameId(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.length >= 15 && a.slice(0, 15) === b.slice(0, 15);
}

export const asList = (value: unknown): string[] =>
  value === undefined || value === null || value === '' ? [] : (Array.isArray(value) ? value : [value]).map(String);
