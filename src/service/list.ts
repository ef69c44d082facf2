import type { OrgClient, SObjectRecord } from './org-client.js';
import { soqlQuote } from './org-client.js';
import { INTEGRATION_PSL, INTEGRATION_USER_LICENSE, pslFilter, Seats, seatsOf, userLicenseQuery } from './licenses.js';
import type { CommandFix } from './plan.js';
import type { AppCertificate } from './certificate.js';
import { appCertificates, type AppCertificateRow } from './list-certificates.js';
import { candidatesOf, successfulLogins } from './list-candidates.js';

/**
 * List prices (per user per month, USD; third-party figures, e.g. Salesforce Ben on the free integration licenses):
 * a full Salesforce license, an extra integration seat.
 */
export const FULL_LICENSE_PRICE = 150;
export const EXTRA_INTEGRATION_SEAT_PRICE = 10;

export type IntegrationUserRow = {
  username: string;
  name: string;
  active: boolean;
  profile: string;
  /** Holds the Salesforce API Integration permission set license. */
  psl: boolean;
  permissionSets: string[];
  permissionSetGroups: string[];
  /** Apps whose admin-approved lists cover this user (connected apps through SetupEntityAccess, ECAs through their policy). */
  apps: string[];
  /** Apps whose client credentials flow runs as this user (their run-as user names it), by API name. */
  runAsApps: string[];
  lastLogin: string | null;
};

export type Candidate = {
  username: string;
  name: string;
  license: string;
  profile: string;
  /** Why it looks like an integration. */
  reasons: string[];
  yearlySaving: number;
  /** The command that moves it onto the integration license. */
  command: string;
};

/**
 * An integration user that is retired (inactive): it takes no Salesforce Integration seat (Help, "Considerations for
 * Deactivating Users": "A deactivated user doesn't count against your organization's available user licenses"); a
 * PSL assignment it still holds may still take a PSL seat (only some PSLs are documented as freed), so it is named.
 */
export type RetiredUserRow = {
  username: string;
  name: string;
  lastLogin: string | null;
  /** The seats it still takes: never a user-license seat; a PSL seat while it still holds the PSL. */
  seatsTaken: { userLicense: 0; permissionSetLicense: 0 | 1 };
};

export type { AppCertificateRow } from './list-certificates.js';

export type ListResult = {
  seats: { userLicense: Seats; permissionSetLicense: Seats };
  /** Every user on the Salesforce Integration license, active or not (`active`). */
  users: IntegrationUserRow[];
  /** The certificates of the apps the users' rows name (apps, runAsApps), by app name. */
  certificates: AppCertificateRow[];
  /** The inactive ones again, apart: the seats they no longer take (and the PSL seats some still take). */
  retired: RetiredUserRow[];
  candidates?: Candidate[];
  totalYearlySaving?: number;
};

/** A candidate as the service reports it: the command that moves it is a fix the command layer renders. */
export type CandidateReport = Omit<Candidate, 'command'> & { fix: CommandFix };
export type ListReport = Omit<ListResult, 'candidates'> & { candidates?: CandidateReport[] };
/** How far the candidates' login history is read (users read so far, their login rows): shown while a large org's rows come in. */
export type ListProgress = { users: number; rows: number };

/** LoginHistory keeps six months of rows (Salesforce Help, "Monitor Login History"): the longest window there is. */
export const MAX_LOGIN_DAYS = 180;
/**
 * The active users on a full license, the candidates' pool, in username order: their ProfileId only, the profiles
 * (few) read once in the bulk read. A page of 2,000 users with the profile nested in each row was about twice the
 * bytes, and large orgs read tens of such pages.
 */
const FULL_USERS = `SELECT Id, Username, Name, ProfileId FROM User WHERE IsActive = true AND UserType = 'Standard' AND Profile.UserLicense.Name != ${soqlQuote(INTEGRATION_USER_LICENSE)} ORDER BY Username`;
/**
 * The license audit: seats of the integration license and PSL, every integration user with what
 * it holds and which apps pre-authorize it, and (with candidates) full-license users that look
 * like integrations, with what moving them would save a year. Reads only, in bulk.
 */
export async function listIntegrationUsers(
  client: OrgClient,
  input: {
    candidates: boolean;
    pricePerMonth: number;
    extraSeatPrice: number;
    /** The login history read: the last this many days (1 to 180; default 180, all LoginHistory keeps). */
    days?: number;
    /** Told as each page of the candidates' login history comes in. */
    onProgress?: (progress: ListProgress) => void;
  }
): Promise<ListReport> {
  // Connected apps are shown by API name: ConnectedApplication.Name is the label, so listMetadata (sent at the
  // same time) maps each row's Id to its API name. Without Metadata API access the label stands in.
  const [found, apiNames] = await Promise.all([
    client.queries(
      {
        license: userLicenseQuery(),
        psl: `SELECT Id, DeveloperName, TotalLicenses, UsedLicenses FROM PermissionSetLicense WHERE ${pslFilter()}`,
        users: `SELECT Id, Username, Name, IsActive, LastLoginDate, ProfileId, Profile.Name FROM User WHERE Profile.UserLicense.Name = ${soqlQuote(INTEGRATION_USER_LICENSE)} ORDER BY Username`,
        assignments: `SELECT AssigneeId, PermissionSetId, PermissionSet.Name, PermissionSet.IsOwnedByProfile, PermissionSetGroup.DeveloperName FROM PermissionSetAssignment WHERE Assignee.Profile.UserLicense.Name = ${soqlQuote(INTEGRATION_USER_LICENSE)}`,
        pslHolders: `SELECT AssigneeId FROM PermissionSetLicenseAssign WHERE ${pslFilter('PermissionSetLicense.')}`,
        appAccess:
          "SELECT ParentId, SetupEntityId FROM SetupEntityAccess WHERE SetupEntityType = 'ConnectedApplication'",
        connectedApps: 'SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication',
        apiOnlySets: input.candidates
          ? 'SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSet.PermissionsApiUserOnly = true'
          : undefined,
        // Its first page only: the rest a page at a time below, each with its login history.
        fullUsers: input.candidates ? FULL_USERS : undefined,
        profiles: input.candidates
          ? 'SELECT Id, Name, UserLicense.Name, PermissionsApiUserOnly FROM Profile'
          : undefined,
      },
      [],
      ['fullUsers']
    ),
    client.metadata.list(['ConnectedApp']).catch(() => []),
  ]);
  // No ECA, or an admin who can't read their policies: the audit goes on without them.
  // Their policies and every connected app's run-as user come in one retrieve, whatever the number of apps.
  const { readAppPolicies, appsRunningAs } = await import('./eca-metadata.js');
  // The same retrieve carries each app's certificate (an ECA's in its global OAuth settings).
  const {
    policies: ecaPolicies,
    connectedApps: connectedAppRunAs,
    certificates: connectedAppCertificates,
  } = await readAppPolicies(client, { certificates: true }).catch(() => ({
    policies: [],
    connectedApps: [],
    certificates: new Map<string, { app: string; certificate: AppCertificate }>(),
  }));
  const runAsOf = appsRunningAs({ policies: ecaPolicies, connectedApps: connectedAppRunAs });

  const pslHolders = new Set(found.pslHolders.map((a) => String(a.AssigneeId)));
  const apiNameOf = (id: string): string | undefined =>
    apiNames.find((c) => c.id.slice(0, 15) === id.slice(0, 15))?.fullName;
  const appNames = new Map(
    found.connectedApps
      .filter((a) => a.OptionsAllowAdminApprovedUsersOnly === true)
      .map((a) => [a.Id, apiNameOf(a.Id) ?? String(a.Name)])
  );
  const users: IntegrationUserRow[] = found.users.map((user) => {
    const mine = found.assignments.filter((a) => a.AssigneeId === user.Id);
    const ownSetIds = new Set(mine.map((a) => String(a.PermissionSetId)));
    // A group's assignment also names the group's own aggregate set (PermissionSetId): it is the group, not a set the user holds.
    const sets = mine
      .filter((a) => !a.PermissionSetGroup && (a.PermissionSet as SObjectRecord | null)?.IsOwnedByProfile === false)
      .map((a) => String((a.PermissionSet as SObjectRecord).Name));
    const groups = mine
      .filter((a) => a.PermissionSetGroup)
      .map((a) => String((a.PermissionSetGroup as SObjectRecord).DeveloperName));
    const profile = ((user.Profile as SObjectRecord | null)?.Name as string | undefined) ?? '';
    const apps = new Set<string>();
    for (const access of found.appAccess) {
      const app = appNames.get(String(access.SetupEntityId));
      if (app && ownSetIds.has(String(access.ParentId))) apps.add(app);
    }
    for (const policy of ecaPolicies) {
      if (
        policy.policy === 'AdminApprovedPreAuthorized' &&
        (policy.profiles.includes(profile) || policy.permissionSets.some((s) => sets.includes(s)))
      )
        apps.add(policy.app);
    }
    return {
      username: String(user.Username),
      name: String(user.Name),
      active: user.IsActive === true,
      profile,
      psl: pslHolders.has(user.Id),
      permissionSets: sets.sort(),
      permissionSetGroups: groups.sort(),
      apps: [...apps].sort(),
      runAsApps: [...(runAsOf.get(String(user.Username).toLowerCase()) ?? [])].sort(),
      lastLogin: (user.LastLoginDate as string | null) ?? null,
    };
  });
  const certificates = appCertificates(users, ecaPolicies, connectedAppCertificates);
  const license = found.license[0];
  const psl = found.psl.find((p) => p.DeveloperName === INTEGRATION_PSL) ?? found.psl[0];
  const result: ListReport = {
    seats: {
      userLicense: license ? seatsOf(license) : { total: 0, used: 0, free: 0 },
      permissionSetLicense: psl ? seatsOf(psl) : { total: 0, used: 0, free: 0 },
    },
    users,
    certificates,
    retired: users
      .filter((u) => !u.active)
      .map((u) => ({
        username: u.username,
        name: u.name,
        lastLogin: u.lastLogin,
        seatsTaken: { userLicense: 0, permissionSetLicense: u.psl ? 1 : 0 },
      })),
  };
  if (!input.candidates) return result;

  // The full-license users a page at a time (2,000 a page; the first came with the bulk read), each page's login
  // history (aggregates of 256 users) in the request that also fetches the next page, and only the candidates kept:
  // memory stays flat however many users the org has, and each page costs one request.
  const apiOnlyBySet = new Set(found.apiOnlySets.map((a) => String(a.AssigneeId)));
  const profiles = new Map(found.profiles.map((p) => [p.Id, p]));
  const candidates: CandidateReport[] = [];
  const read = { users: 0, rows: 0 };
  let freeSeats = result.seats.userLicense.free;
  input.onProgress?.({ ...read });
  const days = input.days ?? MAX_LOGIN_DAYS;
  await client.forEachPageWithIds(
    FULL_USERS,
    // Grouped by Status too since Status can't be filtered (LoginHistory field reference): a few rows a user, however
    // often an integration logs in (about 17,000 logins in six months at one every 15 minutes).
    (idList) =>
      `SELECT UserId, LoginType, Status, COUNT(Id) logins FROM LoginHistory WHERE UserId IN ${idList} AND LoginTime = LAST_N_DAYS:${days} GROUP BY UserId, LoginType, Status`,
    (page, loginRows) => {
      read.users += page.length;
      read.rows += loginRows.length;
      input.onProgress?.({ ...read });
      for (const candidate of candidatesOf(page, profiles, successfulLogins(loginRows), apiOnlyBySet)) {
        const monthly = freeSeats > 0 ? input.pricePerMonth : input.pricePerMonth - input.extraSeatPrice;
        freeSeats--;
        candidates.push({ ...candidate, yearlySaving: Math.max(monthly, 0) * 12 });
      }
    },
    { records: found.fullUsers, nextRecordsUrl: found.fullUsers.nextRecordsUrl }
  );
  result.candidates = candidates;
  result.totalYearlySaving = candidates.reduce((sum, c) => sum + c.yearlySaving, 0);
  return result;
}
