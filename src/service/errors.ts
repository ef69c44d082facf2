import { Messages, SfError } from '@salesforce/core';
import type { Fix, Token } from './plan.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'errors');

/** How the command layer writes a fix (src/cli/fixes.ts); a service only hands it the fix. */
export type RenderFix = (fix: Fix) => string;

/** A fix as words before the command layer renders it with the binary and the target org: `sf <command> --flag value`. */
export const draftFix: RenderFix = (fix) => {
  if (fix.kind === 'text') return fix.message;
  if (fix.kind === 'spec') return `${fix.path}: ${fix.change}`;
  const flags = Object.entries(fix.flags).flatMap(([name, value]) =>
    value === true
      ? [`--${name}`]
      : (Array.isArray(value) ? value : [value]).map((v) => `--${name} ${typeof v === 'string' ? v : v.verbatim}`)
  );
  return ['sf', fix.command, ...flags].join(' ');
};

/** Tokens as words: fixes rendered, a list of them one a line. */
export const renderTokens = (tokens: readonly Token[], render: RenderFix): string[] =>
  tokens.map((t) =>
    Array.isArray(t) ? t.map(render).join('\n  ') : typeof t === 'object' ? render(t as Fix) : String(t)
  );
const rendered = renderTokens;

/**
 * Every error the service layer raises: a name, a message, and actions that name the fix (from messages/errors.md).
 * The fixes among the action tokens stay structured (`fixes`): the command layer renders them with the binary
 * the user runs and the target org as typed (renderActions, from the shared base command's catch). `causes`:
 * the errors this one gathers (everything that blocks a grant or a setup), whose actions follow its own.
 */
/**
 * Input refused before the org is asked (a value of the wrong form, a spec that doesn't read): exit 2, as sf's
 * own flag errors exit (oclif's parser), so a pipeline tells a typo from an org that said no.
 */
const INPUT_ERRORS = new Set([
  'ClientSecretMissing',
  'CreateNeedsCertificateOrRunAs',
  'ClientCredentialsFlags',
  'InvalidEmail',
  'InvalidUsername',
  'InvalidAlias',
  'InvalidName',
  'InvalidTimeZone',
  'InvalidLocale',
  'NothingToGrant',
  'InvalidPermissionSetName',
  'InvalidObjectGrant',
  'InvalidObjectAccess',
  'ObjectAccessDependency',
  'InvalidFieldGrant',
  'InvalidAppName',
  'InvalidCertificate',
  'InvalidPrivateKey',
  'SpecUnreadable',
  'SpecInvalid',
  'InvalidFlags',
]);

export class ServiceError extends SfError {
  public causes: SfError[] = [];

  public constructor(
    public readonly key: string,
    /** The values its message names, so a caller can say the same in other terms (a spec's, spec-values.ts). */
    public readonly tokens: ReadonlyArray<string | number> = [],
    public readonly actionTokens: readonly Token[] = []
  ) {
    const drafted = messages.createError(`error.${key}`, tokens.map(String), rendered(actionTokens, draftFix));
    super(drafted.message, drafted.name, drafted.actions, INPUT_ERRORS.has(key) ? 2 : 1);
  }

  /** The fixes among its actions and its causes'. */
  public get fixes(): Fix[] {
    return [
      ...this.actionTokens.flatMap((t): Fix[] =>
        Array.isArray(t) ? (t as Fix[]) : typeof t === 'object' ? [t as Fix] : []
      ),
      ...this.causes.flatMap((c) => (c instanceof ServiceError ? c.fixes : [])),
    ];
  }

  /** Gathers the errors behind this one: their actions (once each) become this one's. */
  public because(causes: readonly SfError[]): this {
    this.causes = [...causes];
    this.actions = [...new Set([...(this.actions ?? []), ...causes.flatMap((c) => c.actions ?? [])])];
    return this;
  }

  /** Writes its actions (and its causes') with the command layer's renderer. */
  public renderActions(render: RenderFix): void {
    for (const cause of this.causes) if (cause instanceof ServiceError) cause.renderActions(render);
    const own = actionsOf(this.key, rendered(this.actionTokens, render));
    const all = [...new Set([...own, ...this.causes.flatMap((c) => c.actions ?? [])])];
    this.actions = all.length ? all : undefined;
  }
}

/** The actions of an error key, or none when messages/errors.md gives it none. */
function actionsOf(key: string, tokens: string[]): string[] {
  try {
    return messages.getMessages(`error.${key}.actions`, tokens);
  } catch {
    return [];
  }
}

/** Every error the service layer raises (ServiceError), by its key in messages/errors.md. */
export function serviceError(
  key: string,
  tokens: ReadonlyArray<string | number> = [],
  actionTokens: readonly Token[] = []
): ServiceError {
  return new ServiceError(key, tokens, actionTokens);
}

/** Words from messages/errors.md that aren't an error of their own (reasons inside another error's message). */
export function errorWords(key: string, tokens: ReadonlyArray<string | number> = []): string {
  return messages.getMessage(key, tokens.map(String));
}

/**
 * An error answer from the org that no rule of ours anticipated. Its name is Salesforce's
 * errorCode, and `data` keeps Salesforce's own details for --json.
 */
export class SalesforceApiError extends SfError<{ errorCode: string; message: string; fields: string[] }> {
  /** In a composite call: the subrequest that failed. */
  public referenceId?: string;

  public constructor(
    public readonly errorCode: string,
    message: string,
    public readonly fields: string[] = [],
    public readonly status?: number
  ) {
    const fromMessages = messages.createError('error.SalesforceApi', [message, errorCode]);
    super(fromMessages.message, errorCode, fromMessages.actions, undefined);
    this.data = { errorCode, message, fields };
  }

  /** The message exactly as Salesforce sent it. */
  public get salesforceMessage(): string {
    return this.data?.message ?? this.message;
  }
}

/**
 * True for an answer the org couldn't give (a Salesforce error no rule anticipated, an expired
 * session, a connection that failed), as against a verdict of the plugin's own rules.
 */
export function isOrgFailure(error: unknown): boolean {
  return (
    error instanceof SalesforceApiError ||
    (error instanceof SfError && ['ExpiredSessionError', 'RequestFailedError'].includes(error.name))
  );
}

export function expiredSession(username?: string): SfError {
  return serviceError('ExpiredSession', [username ?? errorWords('reason.thisOrg')]);
}

export function requestFailed(code: string, detail: string): SfError {
  return serviceError('RequestFailed', [code, detail]);
}

/**
 * Salesforce's front end refused a request's head as too large (Help 000386264): 414 for a URI over
 * 16,384 bytes, 431 for URI and headers together. Its answer is a web page, not a REST error, so it is
 * named here; sending it again can't help.
 */
export function requestTooLarge(status: 414 | 431): SalesforceApiError {
  const [code, reason] =
    status === 414
      ? ['URI_TOO_LONG', 'URI Too Long']
      : ['REQUEST_HEADER_FIELDS_TOO_LARGE', 'Request Header Fields Too Large'];
  const error = new SalesforceApiError(
    code,
    messages.getMessage('error.RequestTooLarge', [status, reason]),
    [],
    status
  );
  error.actions = messages.getMessages('error.RequestTooLarge.actions');
  return error;
}
