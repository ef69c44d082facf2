import { command, verbatim, type CommandFix, type Verbatim } from './plan.js';

/**
 * The commands the plugin names as fixes, in one place: each the command and its flags. The command layer
 * writes them with the binary the user runs and --target-org as they name the org (src/cli/fixes.ts).
 */

const NAME = verbatim('"<name>"');
const EMAIL = verbatim('<email>');
const ANY_OBJECT = verbatim('<Object>:read');

/** Create an integration user (the name and email left for the admin to fill in). */
export const createUserFix = (username?: string): CommandFix =>
  command('integration-user create', { name: NAME, email: EMAIL, username });

export const assignPslFix = (username: string): CommandFix => command('integration-user assign-psl', { username });

/** Grant read on these objects (or on an object the admin names) through the generated set. */
export const grantFix = (username: string | Verbatim, objects?: readonly string[]): CommandFix =>
  command('integration-user grant', {
    username,
    object: objects?.length ? objects.map((o) => `${o}:read`) : ANY_OBJECT,
  });

export const preauthorizeFix = (app: string | Verbatim): CommandFix =>
  command('integration-user preauthorize', { app });

/** Check a user end to end, logging in as it through the app (the consumer key when known, else a placeholder). */
export const verifyFix = (username: string | Verbatim, app: string, clientId?: string): CommandFix =>
  command('integration-user verify', {
    username,
    app,
    'client-id': clientId ?? verbatim('<consumer-key>'),
    'jwt-key-file': 'server.key',
  });

/** Check a user end to end through the client credentials flow (the consumer secret from an environment variable). */
export const verifyClientCredentialsFix = (username: string | Verbatim, app: string, clientId?: string): CommandFix =>
  command('integration-user verify', {
    username,
    app,
    flow: 'client-credentials',
    'client-id': clientId ?? verbatim('<consumer-key>'),
    'client-secret-env': verbatim('CONSUMER_SECRET'),
  });

/** Create an External Client App for the JWT bearer flow. */
export const createAppFix = (app: string): CommandFix =>
  command('integration-user preauthorize', {
    app,
    create: true,
    'certificate-file': 'server.crt',
    'contact-email': EMAIL,
  });

/** Apply a setup spec: everything its plan has to do. */
export const setupFix = (specFile: string, prune = false): CommandFix =>
  command('integration-user setup', { spec: specFile, prune: prune || undefined });

export const convertFix = (username: string): CommandFix => command('integration-user convert', { username });

/** Turn a user on or off (IsActive): sf's own record update, quoted as the shell needs it. */
export const setActiveFix = (userId: string | Verbatim, active: boolean): CommandFix =>
  command('data update record', {
    sobject: 'User',
    'record-id': userId,
    values: verbatim(`"IsActive=${String(active)}"`),
  });

/** Change fields of a user with sf's record update (a value with spaces in single quotes, as sf reads --values). */
export const updateUserFix = (userId: string, values: ReadonlyArray<{ field: string; given: string }>): CommandFix =>
  command('data update record', {
    sobject: 'User',
    'record-id': userId,
    values: values.map(({ field, given }) => `${field}=${/\s/.test(given) ? `'${given}'` : given}`).join(' '),
  });

export const removeAssignmentFix = (assignmentId: string | Verbatim): CommandFix =>
  command('data delete record', { sobject: 'PermissionSetAssignment', 'record-id': assignmentId });

export const removePslAssignmentFix = (assignmentId: string | Verbatim): CommandFix =>
  command('data delete record', { sobject: 'PermissionSetLicenseAssign', 'record-id': assignmentId });

export const queryFix = (soql: string): CommandFix => command('data query', { query: soql });

export const objectListFix = (): CommandFix => command('sobject list', { sobject: 'all' });

export const objectDescribeFix = (object = '<Object>'): CommandFix =>
  command('sobject describe', { sobject: verbatim(object) });
