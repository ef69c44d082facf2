// REST errors as Salesforce sends them: a JSON array [{message, errorCode, fields}] with an HTTP status.

export interface ApiErrorBody {
  message: string;
  errorCode: string;
  fields?: string[];
}

export class ApiError extends Error {
  public constructor(
    public readonly status: number,
    public readonly errorCode: string,
    message: string,
    /** DML errors name their fields (possibly []); query, auth and routing errors carry none */
    public readonly fields?: string[]
  ) {
    super(message);
    this.name = 'ApiError';
  }

  public toBody(): ApiErrorBody[] {
    return [
      this.fields
        ? { message: this.message, errorCode: this.errorCode, fields: this.fields }
        : { message: this.message, errorCode: this.errorCode },
    ];
  }
}

export const NOT_FOUND_MESSAGE = 'The requested resource does not exist';

export function notFound(message = NOT_FOUND_MESSAGE): ApiError {
  return new ApiError(404, 'NOT_FOUND', message);
}

export function badRequest(errorCode: string, message: string, fields: string[] = []): ApiError {
  return new ApiError(400, errorCode, message, fields);
}

export function sessionInvalid(): ApiError {
  return new ApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
}

export function methodNotAllowed(method: string, allowed: string[]): ApiError {
  return new ApiError(
    405,
    'METHOD_NOT_ALLOWED',
    `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`
  );
}

export const DUPLICATE_USERNAME_MESSAGE =
  "Duplicate Username.<br>The username already exists in this or another Salesforce organization. Usernames must be unique across all Salesforce organizations. To resolve, use a different username (it doesn't need to match the user's email address).";

export const DUPLICATE_VALUE_UNKNOWN_MESSAGE =
  'duplicate value found: <unknown> duplicates value on record with id: <unknown>';

export function invalidFieldOnSobject(field: string, type: string): ApiError {
  return badRequest('INVALID_FIELD', `No such column '${field}' on sobject of type ${type}`);
}

export function noSuchColumnMessage(field: string, entity: string): string {
  return `No such column '${field}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`;
}

export function unsupportedTypeMessage(type: string): string {
  return `sObject type '${type}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`;
}

export function badRelationshipMessage(name: string): string {
  return `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`;
}

/** A value as text for messages: strings as they are, other values as JSON. */
export function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return '';
  return JSON.stringify(v);
}
