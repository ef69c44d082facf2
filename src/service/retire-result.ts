import type { Seats } from './licenses.js';
import type { RunAsStop } from './retire-run-as.js';

// What retire is asked and what it answers (the command's JSON).

export type RetireInput = {
  user: string;
  keepAssignments: boolean;
  deleteGeneratedSet: boolean;
  /** A login within this many days means the integration still runs. */
  recentDays: number;
};

/** An app list entry: the app, and the profile or permission set it lists. */
export type AppListEntry = { app: string; profile?: string; permissionSet?: string };

export type RetireResult = {
  userId: string;
  username: string;
  /** `retired`, `already-retired` (nothing to do), or `would-retire` on a dry run. */
  status: 'retired' | 'already-retired' | 'would-retire' | 'partly-retired' | 'failed';
  dryRun: boolean;
  lastLogin: string | null;
  /** Logged in within --recent-days: an integration that still runs. */
  recentLogin: boolean;
  /** The apps whose OAuth tokens of this user are revoked (one entry a token). */
  tokensRevoked: string[];
  /** Apps whose client credentials flow ran as this user: run-as user cleared, flow turned off (integrations using it stop). */
  runAsStopped: RunAsStop[];
  /** App list entries only this user needed: removed. */
  appAccessRemoved: AppListEntry[];
  /** App list entries other active users rely on: kept, with how many rely on them. */
  appAccessKept: Array<AppListEntry & { otherUsers: number }>;
  permissionSetsRemoved: string[];
  permissionSetGroupsRemoved: string[];
  permissionSetLicensesRemoved: string[];
  deactivated: boolean;
  /** The set `grant` generated for it (carries MANAGED_MARKER), when it holds one. */
  generatedSet?: { name: string; action: 'deleted' | 'would-delete' | 'kept'; otherUsers: number };
  /** Seats this run frees (or would): the Salesforce Integration user license, the API Integration PSL. */
  seatsFreed: { userLicense: number; permissionSetLicense: number };
  seats: { userLicense: Seats; permissionSetLicense?: Seats };
  /** When a write was refused: where, and Salesforce's words. */
  failure?: { stage: 'runAs' | 'tokens' | 'access' | 'deactivate'; message: string };
};
