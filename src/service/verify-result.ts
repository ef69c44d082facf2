import { advice, type Advice } from './plan.js';
import type { ObjectAccess } from './permissions.js';
import type { ConnectedAppComponents } from './app-lookup.js';
import type { Found } from './inspection.js';
import type { VerifyKey } from './verify-reads.js';
import type { AppCertificate } from './certificate.js';

// What verify is asked and what it answers: its input, its checks and result, and the words its checks use. Apart
// from verify.ts so that verify-login.ts (the checks made as the user) needs nothing of verify.ts itself: the two
// importing each other broke `import('verify.js')` (VERIFY read before it was set).

/** The bundle of verify's findings and fixes. */
export const VERIFY = 'integration-user.verify';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';
/**
 * The checklist, in order. `certificate` (JWT flow only): when the app's certificate expires, and with a key whether
 * the key is the certificate's. `identity`: who the JWT login logged in (token response, the license read, userinfo when the token's scope allows). */
export type CheckName =
  | 'user'
  | 'license'
  | 'permission-set-license'
  | 'permission-sets'
  | 'access'
  | 'app'
  | 'certificate'
  | 'run-as'
  | 'jwt-login'
  | 'client-credentials-login'
  | 'query'
  | 'identity';
/** A check as the result shows it: what was found, and the command (or words) that fix it. */
export type Check = { name: CheckName; status: CheckStatus; message: string; action?: string };
/** A check as verify finds it: its fix structured, for the command layer to render (`action`). */
export type Finding = { name: CheckName; status: CheckStatus; message: string; fix?: Advice };
export type ObjectAccessRow = { object: string } & Record<ObjectAccess, boolean>;
export type FieldAccessRow = { field: string; read: boolean; edit: boolean };

export type VerifyInput = {
  user: string;
  app?: string;
  clientId?: string;
  privateKey?: string;
  /** How verify logs in as the user: the JWT bearer flow (default), or the client credentials flow as the app's run-as user. */
  flow?: 'jwt' | 'client-credentials';
  /** The client credentials flow's consumer secret, read from an environment variable or standard input; never printed. */
  clientSecret?: string;
  /** The login URL the admin names (--login-url, spec verify.loginUrl); default: the org's instance URL with the audience of its kind. */
  loginUrl?: string;
  query: string;
  objects: string[];
  /** Check the key and the org only: no JWT login as the user (a login leaves a login history entry). */
  dryRun?: boolean;
  /** Minutes to keep retrying a JWT login refused while an app change propagates. */
  waitMinutes: number;
  /** The connected app's component, when this run read it already (setup): no second readMetadata. */
  appComponents?: ConnectedAppComponents;
  /** An External Client App's policy as this run (setup) read or deployed it: no retrieve to read it again. */
  ecaPolicy?: EcaPolicyState;
  /** What verifyReads found, when this run read it already and wrote nothing since (setup's re-run). */
  found?: Found<VerifyKey>;
  /** Told of each JWT login refused while an app change propagates (--wait), and the time left. */
  onProgress?: (progress: LoginWait) => void;
};

/** Who an External Client App's OAuth policy lets in. */
export type EcaPolicyState = {
  policy: 'AdminApprovedPreAuthorized' | 'AllSelfAuthorized';
  profiles: string[];
  permissionSets: string[];
  /** Its certificate, when this run read its global OAuth settings (else verify says it can't be read). */
  certificate?: AppCertificate;
};

/** A JWT login refused while an app change propagates, and how long verify keeps trying (--wait). */
export type LoginWait = { attempt: number; secondsLeft: number };

export type VerifyResult = {
  username: string;
  checks: Check[];
  access: ObjectAccessRow[];
  fields: FieldAccessRow[];
  query?: { totalSize: number };
};
/** The result as verify finds it: each check's fix structured. */
export type VerifyReport = Omit<VerifyResult, 'checks'> & { checks: Finding[] };

/** Adds a check: its message from the verify bundle (`check.<key>`), its fix as words that name commands. */
export type AddCheck = (name: CheckName, status: CheckStatus, key: string, tokens?: unknown[], fix?: Advice) => void;

/** A fix that is one command, as words of the verify bundle. */
export const just = (fix: Parameters<typeof advice>[2]): Advice => advice(VERIFY, 'fix.command', fix);
