import { SfError } from '@salesforce/core';
import { OrgClient, SObjectRecord } from './org-client.js';
import { isOrgFailure, serviceError, ServiceError } from './errors.js';
import { createUserFix } from './fixes.js';
import { inspect, type Found, type FoundGroup, type Reads } from './inspection.js';
import type { ConnectedAppComponents } from './app-lookup.js';
import { chooseIntegrationProfile, integrationProfilesQuery, userLicenseOf } from './licenses.js';
import { userFilter } from './user-filters.js';
import { appNotFound, findConnectedApp, findEca } from './app-lookup.js';
import { appAccessReads, planAppAccess } from './connected-app-access.js';
import { earlierCreate } from './eca-create.js';
import { checkPermissionSets, checkPreauthorizeInput } from './preauthorize-input.js';
import { checkRunAsUser, runAsReads, type RunAsKeys, type RunAsUser } from './run-as.js';
import { planByAccessRows, planCreate, planPolicyChange } from './preauthorize-apply.js';
import { emptyResult, type PreauthorizeInput, type PreauthorizePlan } from './preauthorize-result.js';

// The pre-authorization planner: which app, which lists, and which way to write them (preauthorize-apply.ts).
// Its input and result: preauthorize-result.ts; checks of the input: preauthorize-input.ts; finding the app:
// app-lookup.ts; External Client App metadata (policy, new apps, keys): eca-metadata.ts, eca-create.ts; setup's
// preauthorize step: preauthorize-setup.ts.

/**
 * Plans the pre-authorization of an app for integration users: read the app and its current settings
 * (one query batch, and at the same time the connected app's readMetadata; the OAuth policy's retrieve
 * for an External Client App), work out the lists it must hold, and who would lose access if the policy
 * switches. Nothing is written until the plan's apply() runs.
 */
export async function planPreauthorize(
  client: OrgClient,
  input: PreauthorizeInput,
  options: { dryRun: boolean },
  prefetched?: PreauthorizeFound
): Promise<PreauthorizePlan> {
  try {
    return await plan(client, input, options, prefetched);
  } catch (error) {
    // What the org holds blocks the step; an answer the org couldn't give (a fault, an expired session) is the run's error.
    if (!(error instanceof SfError) || isOrgFailure(error)) throw error;
    return {
      step: 'preauthorize',
      status: 'blocked',
      message: error.message,
      writes: [],
      error,
      result: emptyResult(input, options),
      needsConfirmation: false,
    };
  }
}

/** What the planner reads about the app, the profiles and --username: one group of an inspection (setup's too). */
export function preauthorizeReads(
  input: Pick<PreauthorizeInput, 'app' | 'permissionSets' | 'profile' | 'user' | 'runAs'>
) {
  const userWhere = input.user ? userFilter(input.user) : undefined;
  const own: Reads<'profiles' | 'user'> = {
    queries: {
      // create's statement: one inspection (setup's) sends it once.
      profiles: integrationProfilesQuery(input.profile),
      user: userWhere
        ? `SELECT Id, Username, Profile.Name, Profile.UserLicense.Name, (SELECT PermissionSet.Name FROM PermissionSetAssignments) FROM User WHERE ${userWhere}`
        : undefined,
    },
  };
  return {
    access: appAccessReads(input.app, input.permissionSets),
    own,
    runAs: input.runAs ? runAsReads(input.runAs) : undefined,
  };
}

/** What an inspection found for preauthorizeReads, and the apps' components read beside it. */
export type PreauthorizeFound = {
  /** runAs: only with --run-as (an inspection gives nothing for reads left undefined). */
  found: [Omit<FoundGroup<ReturnType<typeof preauthorizeReads>>, 'runAs'> & { runAs?: Found<RunAsKeys> }];
  components: ConnectedAppComponents;
};

async function plan(
  client: OrgClient,
  input: PreauthorizeInput,
  options: { dryRun: boolean },
  prefetched?: PreauthorizeFound
): Promise<PreauthorizePlan> {
  checkPreauthorizeInput(input);

  const userWhere = input.user ? userFilter(input.user) : undefined;
  const {
    found: [{ access, own, runAs: runAsFound }],
    components,
  } = prefetched ?? (await inspect(client, [preauthorizeReads(input)], [input.app]));
  const found = { ...access, ...own };
  const connectedApp = await findConnectedApp(client, input.app, components, found.connectedApps);
  const ecaRow = await findEca(client, input.app, found.eca);
  if (ecaRow.found === true && connectedApp) throw serviceError('AmbiguousApp', [input.app]);

  const profile = chooseIntegrationProfile(found.profiles, input.profile);
  if (profile instanceof Error) throw profile;
  const profileName = String(profile.Name);
  const planned = new Set(options.dryRun ? (input.plannedSets ?? []) : []);
  const existingSets = input.permissionSets.filter((name) => !planned.has(name));
  const sets = [
    ...(await checkPermissionSets(client, existingSets, found.sets, found.licenses, found.psls)),
    ...input.permissionSets.filter((name) => planned.has(name)).map((name) => ({ Id: '', Name: name })),
  ];
  const user = userWhere ? found.user[0] : undefined;
  if (userWhere && !user) throw serviceError('UserNotFound', [input.user ?? ''], [createUserFix()]);
  if (user && userLicenseOf(user).license !== 'Salesforce Integration') {
    const { license, profile: userProfile } = userLicenseOf(user);
    throw serviceError('GrantUserWrongLicense', [String(user.Username), license, userProfile], [createUserFix()]);
  }
  const held = new Set(
    ((user?.PermissionSetAssignments as { records?: SObjectRecord[] } | null)?.records ?? []).map((a) =>
      String((a.PermissionSet as SObjectRecord | null)?.Name)
    )
  );
  const toAssign = user ? sets.filter((s) => !held.has(String(s.Name))) : [];
  // The run-as user is checked before anything is written (run-as.ts).
  const runAs = input.runAs && runAsFound ? runAsOf(runAsFound, input, options) : undefined;
  // The sets' Ids, for an External Client App policy that lists Ids (eca-metadata.ts setEntries).
  const setIds = new Map(sets.filter((s) => s.Id).map((s) => [String(s.Name).toLowerCase(), String(s.Id)]));
  const createContext = { profileName, sets: sets.map((s) => String(s.Name)), setIds, user, toAssign, runAs };

  let eca = ecaRow.found === true ? { id: ecaRow.id } : undefined;
  // Neither app found: --create makes one; else the Metadata API's list decides (it also sees External Client
  // Apps an org serves through no query endpoint) and names the close API names.
  if (!connectedApp && !eca && (!input.create || ecaRow.found === 'unknown')) {
    const answer = await appNotFound(client, input.app);
    if (answer instanceof Error) {
      if (!input.create) throw answer;
    } else eca = answer.eca;
  }
  if (!connectedApp && !eca) return planCreate(client, input, createContext, options);
  // A re-run of --create goes on where an earlier one stopped, or, when that one finished, changes nothing.
  const earlier = input.create && eca ? await earlierCreate(client, input.app) : undefined;
  if (input.create && !earlier)
    throw serviceError('AppExists', [input.app, eca ? 'an External Client App' : 'a connected app']);
  if (earlier && earlier.next !== 'done') return planCreate(client, input, createContext, options, earlier, eca?.id);

  const byRows =
    eca || input.metadataOnly || runAs
      ? undefined
      : planAppAccess(found, connectedApp, {
          profile: profileName,
          sets: createContext.sets,
          planned: Object.fromEntries([...planned].map((name) => [name, '(planned)'])),
        });
  if (byRows && connectedApp)
    return planByAccessRows(client, input, { ...createContext, plan: byRows, app: connectedApp }, options);

  return planPolicyChange(client, input, createContext, options, { eca, connectedApp, earlier });
}

/** The checked run-as user; in setup's dry run a user (or PSL) that an earlier step of the run makes is taken as planned. */
function runAsOf(
  found: Parameters<typeof checkRunAsUser>[0],
  input: PreauthorizeInput,
  options: { dryRun: boolean }
): RunAsUser {
  const value = input.runAs ?? '';
  try {
    return checkRunAsUser(found, value);
  } catch (error) {
    const planned =
      input.plannedRunAs &&
      options.dryRun &&
      error instanceof ServiceError &&
      (error.key === 'UserNotFound' || error.key === 'RunAsPslMissing');
    if (!planned) throw error;
    return { id: found.runAsUser[0]?.Id ?? '', username: value, basis: 'Salesforce Integration license' };
  }
}
