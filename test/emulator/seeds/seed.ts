// The seed: a JSON description of an org (design.md "Seed format (contract)"). Everything left out
// gets a realistic default, so `{}` is valid; a list given in the seed replaces its default list.
// resolveSeed() checks every section in order (each in its own module here) and rejects nonsense with the
// path of the offending value (SeedError).

import { readFileSync } from 'node:fs';
import { Fault, faultProblem } from '../http/faults.js';
import { resolveApps } from './apps.js';
import { resolveBehaviour } from './behaviours.js';
import { SeedError, list, namesOf, obj, optStrList } from './check.js';
import { resolveObjects, resolveRecords } from './objects.js';
import { resolveAdmin, resolveOrg, resolvePermissionSetLicenses, resolveUserLicenses } from './org.js';
import { resolvePermissionSetGroups, resolvePermissionSets, resolveProfiles } from './permissions.js';
import type { ResolvedSeed, Seed } from './types.js';
import { INTEGRATION_LICENSE, INTEGRATION_PSL } from './defaults.js';
import { resolveUsers } from './users.js';
import {
  GENERATED_API_PROFILE,
  GENERATED_API_SET,
  GeneratedPlan,
  GenerateSpec,
  plan,
  resolveGenerate,
} from './generate.js';

const SECTIONS = [
  'org',
  'admin',
  'userLicenses',
  'permissionSetLicenses',
  'profiles',
  'permissionSets',
  'permissionSetGroups',
  'users',
  'usernamesTakenElsewhere',
  'connectedApps',
  'externalClientApps',
  'objects',
  'records',
  'behaviour',
  'faults',
  'generate',
  '$schema',
  'description',
];

export function loadSeedFile(path: string): Seed {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SeedError('seed', `can't read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(raw) as Seed;
  } catch (e) {
    throw new SeedError('seed', `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Validates a seed and fills in every default. Throws SeedError naming the path. */
export function resolveSeed(input: unknown): ResolvedSeed {
  const s = obj(input ?? {}, 'seed', SECTIONS);
  const generate = resolveGenerate(s.generate);
  const generated = generate ? plan(generate) : undefined;
  const org = resolveOrg(s.org);
  const admin = resolveAdmin(s.admin, org.id);
  const userLicenses = resolveUserLicenses(s.userLicenses);
  const licenseNames = namesOf(userLicenses, (l) => l.name);
  const permissionSetLicenses = resolvePermissionSetLicenses(s.permissionSetLicenses, licenseNames);
  const pslNames = namesOf(permissionSetLicenses, (l) => l.developerName);
  const profiles = resolveProfiles(s.profiles, licenseNames);
  const profileNames = namesOf(profiles, (p) => p.name);
  const permissionSets = resolvePermissionSets(s.permissionSets, licenseNames, pslNames);
  const permsetNames = namesOf(permissionSets, (p) => p.name);
  const permissionSetGroups = resolvePermissionSetGroups(s.permissionSetGroups, permsetNames);
  const users = resolveUsers(s.users, admin.username, {
    profiles: profileNames,
    permissionSets: permsetNames,
    groups: namesOf(permissionSetGroups, (g) => g.name),
    psls: pslNames,
  });
  const usernamesTakenElsewhere = optStrList(s.usernamesTakenElsewhere, 'seed.usernamesTakenElsewhere') ?? [];
  const { connectedApps, externalClientApps } = resolveApps(s, {
    profiles: profileNames,
    permissionSets: permsetNames,
    usernames: namesOf(users, (u) => u.username),
  });
  const objects = resolveObjects(s.objects);
  const records = resolveRecords(s.records);
  const behaviour = resolveBehaviour(s.behaviour);
  if (generate && generated)
    addGenerated(generate, generated, { userLicenses, permissionSetLicenses, profiles, permissionSets, connectedApps });
  const resolved = {
    org,
    admin,
    userLicenses,
    permissionSetLicenses,
    profiles,
    permissionSets,
    permissionSetGroups,
    users,
    usernamesTakenElsewhere,
    connectedApps,
    externalClientApps,
    objects,
    records,
    behaviour,
  };
  checkAbsentPermissions(resolved);
  return { ...resolved, faults: resolveFaults(s.faults), generated };
}

/**
 * The generated org's profile, sets and apps join the seed's lists (their names can't clash: the seed's names have
 * no five-digit suffix), and its licenses get seats for its users, with room left for the commands under test.
 */
function addGenerated(
  spec: GenerateSpec,
  generated: GeneratedPlan,
  lists: Pick<ResolvedSeed, 'userLicenses' | 'permissionSetLicenses' | 'profiles' | 'permissionSets' | 'connectedApps'>
): void {
  const full = lists.userLicenses.find((l) => l.name === 'Salesforce');
  const integration = lists.userLicenses.find((l) => l.name === INTEGRATION_LICENSE);
  const psl = lists.permissionSetLicenses.find((l) => l.developerName === INTEGRATION_PSL);
  if (!full || !integration || !psl)
    throw new SeedError(
      'seed.generate',
      `needs the '${INTEGRATION_LICENSE}' and 'Salesforce' user licenses and the ${INTEGRATION_PSL} PSL`
    );
  full.total = Math.max(full.total, spec.fullLicenseUsers + 100);
  integration.total = Math.max(integration.total, spec.integrationUsers + 20);
  psl.total = Math.max(psl.total, spec.integrationUsers + 20);
  lists.profiles.push({
    name: GENERATED_API_PROFILE,
    license: 'Salesforce',
    custom: true,
    userPermissions: ['ApiEnabled', 'ApiUserOnly'],
  });
  lists.permissionSets.push(
    { ...GENERATED_API_SET, license: null, objects: {}, fields: {}, userPermissions: ['ApiUserOnly'] },
    ...generated.permissionSets.map((set) => ({ ...set, license: null, objects: {}, fields: {} }))
  );
  lists.connectedApps.push(
    ...generated.connectedApps.map((app, i) => ({
      ...app,
      contactEmail: 'it@gen.acme.example',
      scopes: ['Api', 'RefreshToken'],
      // One app in ten admin-approved, as orgs keep most apps open to self-authorization.
      adminApproved: i % 10 === 0,
      profiles: [],
      permissionSets: [],
      oauthTokens: [],
    }))
  );
}

/** A user permission the org lacks can't be on a set or profile (both carry it as a PermissionSet column). */
function checkAbsentPermissions(seed: Omit<ResolvedSeed, 'faults'>): void {
  const absent = new Set(seed.behaviour.absentFields.map((f) => f.toLowerCase()));
  const holders: Array<[string, string, string[] | undefined]> = [
    ...seed.profiles.map((pr, i): [string, string, string[] | undefined] => [
      `seed.profiles[${i}].userPermissions`,
      'permissionset',
      pr.userPermissions,
    ]),
    ...seed.permissionSets.map((ps, i): [string, string, string[] | undefined] => [
      `seed.permissionSets[${i}].userPermissions`,
      'permissionset',
      ps.userPermissions,
    ]),
    ...seed.permissionSetGroups.map((g, i): [string, string, string[] | undefined] => [
      `seed.permissionSetGroups[${i}].muting.userPermissions`,
      'mutingpermissionset',
      g.muting?.userPermissions,
    ]),
  ];
  for (const [path, object, perms] of holders) {
    (perms ?? []).forEach((perm, j) => {
      if (absent.has(`${object}.permissions${perm.toLowerCase()}`))
        throw new SeedError(`${path}[${j}]`, `${perm} is not a column of this org (seed.behaviour.absentFields)`);
    });
  }
}

function resolveFaults(raw: unknown): Fault[] {
  return (raw === undefined ? [] : list(raw, 'seed.faults')).map((f, i) => {
    const problem = faultProblem(f);
    if (problem) throw new SeedError(`seed.faults[${i}]`, problem);
    return f as Fault;
  });
}
