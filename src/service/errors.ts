import { Messages, SfError } from '@salesforce/core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-integration-user', 'errors');

/** Every error the service layer raises: a name, a message, and actions that name the fix. */
export function serviceError(
  key: string,
  tokens: Array<string | number> = [],
  actionTokens: Array<string | number> = []
): SfError {
  return messages.createError(`error.${key}`, tokens.map(String), actionTokens.map(String));
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

export function expiredSession(username = 'the target org'): SfError {
  return serviceError('ExpiredSession', [username]);
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
