import { Messages } from '@salesforce/core';
import type { UsersPolicy } from './eca-metadata.js';
import type { Step } from './plan.js';
import type { LockOut } from './preauthorize-lockout.js';

// What preauthorize is asked and what it answers: its input, its result (the command's JSON) and its step.

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'integration-user.preauthorize');

export type AppType = 'ExternalClientApplication' | 'ConnectedApp';

export type PreauthorizeInput = {
  app: string;
  /** Profile to pre-authorize; default: the org's integration profile. */
  profile?: string;
  permissionSets: string[];
  /** Also assign the permission sets to this user when it lacks them. */
  user?: string;
  /** For setup's dry run: permission sets an earlier step creates (License None), taken as found. */
  plannedSets?: string[];
  /** Create a missing External Client App: for the JWT bearer flow (a certificate), the client credentials flow (runAs), or both. */
  create?: { certificatePath?: string; certificate?: string; contactEmail: string };
  /** Use the Metadata API even where SetupEntityAccess rows would do (setup, after the org refused them). */
  metadataOnly?: boolean;
  /** The client credentials flow's run-as user (username or User Id): the app's flow on, running as this user. */
  runAs?: string;
  /** For setup's dry run: the run-as user and its PSL may come from earlier steps of the same run. */
  plannedRunAs?: boolean;
  /** setup --prune: entries to take off the app's lists in the same write (names, any case). */
  remove?: { profiles: string[]; permissionSets: string[] };
};

/** The client credentials flow's run-as user after the run (on a dry run: what it would be). */
export type RunAsResult = {
  username: string;
  userId: string;
  /** Why this user may be the run-as user. */
  basis: 'Salesforce Integration license' | 'API Only User permission';
  /** The run-as user before the run, when the app had one. */
  previousUsername?: string;
  /** True when this run turned (or, on a dry run, would turn) the flow on or changed its user. */
  changed: boolean;
  /** The flow's switch the Metadata API couldn't set, and where in Setup an admin sets it. */
  setupStep?: string;
};

export type PreauthorizeResult = {
  app: string;
  appType: AppType;
  /** The policy after the run (on a dry run: what it would be; previousPolicy is the org's now). */
  policy: UsersPolicy;
  previousPolicy: UsersPolicy | 'none';
  /** Every pre-authorized profile and permission set after the run (on a dry run: what they would be). */
  profiles: string[];
  permissionSets: string[];
  added: { profiles: string[]; permissionSets: string[] };
  /** True when this run changed (or, on a dry run, would change) the app. */
  changed: boolean;
  created: boolean;
  dryRun: boolean;
  /** The consumer key (the JWT `iss`) the org holds for the app --create made, read back from the org. Never a secret. */
  consumerKey?: string;
  /** Where in Setup an admin finds that consumer key, when the org wouldn't give it to this run. */
  consumerKeyLocation?: string;
  /**
   * Users who use the app and aren't covered by the new lists: switching to admin-approved locks them out (after a
   * run with --no-prompt: those who lost access; on a dry run: who would).
   */
  usersLosingAccess: string[];
  /** When users lose access: permission sets they hold that, listed with --permission-set too, would keep them. */
  keepingPermissionSets?: string[];
  /** Permission sets assigned to --username by this run. */
  assignedTo?: { username: string; permissionSets: string[] };
  /** With --run-as: the client credentials flow's run-as user. */
  runAs?: RunAsResult;
  /** With --create --run-as: where in Setup an admin reads the consumer secret (never the secret itself). */
  consumerSecretLocation?: string;
};

/**
 * What preauthorize will do: one step whose write is the app's change (through the Metadata API, or
 * SetupEntityAccess rows whose answer decides whether the Metadata API must follow) and the assignments to
 * --username. `needsConfirmation`: the change would lock out users who use the app now; ask before applying.
 */
export type PreauthorizePlan = Step<PreauthorizeResult> & {
  needsConfirmation: boolean;
  lockOut?: LockOut;
  /** The app runs as another user now: switching changes every integration's identity; ask first. */
  runAsSwitch?: { from: string; to: string };
  /** The label the app shows (OauthToken.AppName), when the plan read it. */
  appLabel?: string;
  /** The profile and sets this plan puts on the app's lists (the profile even when only sets are asked for). */
  listed?: { profiles: string[]; permissionSets: string[] };
  /** The app's change, also when the plan has nothing to write (setup --prune may give it entries to remove). */
  apply?: () => Promise<void>;
};

/** The step of a plan: to do when the app changes or sets are to be assigned, its write `apply`. */
export function preauthorizeStep(
  result: PreauthorizeResult,
  needsConfirmation: boolean,
  todo: boolean,
  apply: () => Promise<void>
): PreauthorizePlan {
  return {
    step: 'preauthorize',
    status: todo ? 'todo' : 'done',
    message: planMessage(result, todo),
    writes: todo ? [{ kind: 'metadata', referenceId: 'app', apply }] : [],
    result,
    needsConfirmation,
    apply,
  };
}

/** The result of a step that is blocked before anything about the app is known. */
export const emptyResult = (input: PreauthorizeInput, options: { dryRun: boolean }): PreauthorizeResult => ({
  app: input.app,
  appType: 'ConnectedApp',
  policy: 'AllSelfAuthorized',
  previousPolicy: 'none',
  profiles: [],
  permissionSets: [],
  added: { profiles: [], permissionSets: [] },
  changed: false,
  created: false,
  dryRun: options.dryRun,
  usersLosingAccess: [],
});

export const union = (a: string[], b: string[]): string[] => [...a, ...b.filter((x) => !a.includes(x))];
export const minus = (a: string[], b: string[]): string[] => a.filter((x) => !b.includes(x));

/** What the step will add to the app's lists, or that it pre-authorizes already. */
/** A plan's words: what it adds, or (an app switched back to self-authorized) the policy switch alone. */
export const planMessage = (result: PreauthorizeResult, todo: boolean): string =>
  todo &&
  result.previousPolicy !== 'none' &&
  result.policy !== result.previousPolicy &&
  !result.added.profiles.length &&
  !result.added.permissionSets.length
    ? messages.getMessage('step.switch', [result.app])
    : stepMessage(result.app, [...result.added.profiles, ...result.added.permissionSets]);

export const stepMessage = (app: string, added: readonly string[]): string =>
  added.length ? messages.getMessage('step.todo', [app, added.join(', ')]) : messages.getMessage('step.done', [app]);
