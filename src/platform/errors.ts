/** Typed domain errors and the one closed catalogue of problem codes the HTTP layer answers with. */

/**
 * Every problem code Rapport answers with, its HTTP status and the title a person reads. The code is
 * the last segment of the problem `type` (https://rapport.dev/problems/<code>) and never changes
 * meaning; docs/errors.md documents each one (a test keeps the two in step).
 */
export const errorCatalogue = {
  'validation-failed': { status: 400, title: 'The request does not match its schema' },
  'malformed-json': { status: 400, title: 'The body is not valid JSON' },
  'bad-request': { status: 400, title: 'Bad request' },
  unauthenticated: { status: 401, title: 'Unauthenticated' },
  'visitor-token-invalid': { status: 401, title: 'The chat visitor token is not valid' },
  'identity-not-verified': { status: 401, title: 'The signed-in user could not be verified' },
  'signature-invalid': { status: 401, title: 'The provider’s signature is missing or wrong' },
  forbidden: { status: 403, title: 'Forbidden' },
  'cross-site-request': { status: 403, title: 'The request comes from another site' },
  'origin-not-allowed': { status: 403, title: 'This site may not use this chat' },
  'token-scope-missing': { status: 403, title: 'The API token lacks the scope this needs' },
  'not-found': { status: 404, title: 'Not found' },
  'number-unknown': { status: 404, title: 'No channel account has this number' },
  conflict: { status: 409, title: 'Conflict' },
  'idempotency-key-reused': {
    status: 409,
    title: 'This Idempotency-Key was used for another request',
  },
  'body-too-large': { status: 413, title: 'Request body too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  invalid: { status: 422, title: 'Invalid input' },
  'attachment-refused': {
    status: 422,
    title: 'This chat does not take a file of this type or size',
  },
  'no-email-address': { status: 422, title: 'The customer has no email address' },
  'chat-not-waiting': { status: 409, title: 'The chat is no longer waiting' },
  'desk-in-use': { status: 409, title: 'This shop desk is open in another browser' },
  'desk-not-held': { status: 409, title: 'This browser no longer holds the shop desk' },
  'case-waiting': {
    status: 409,
    title: 'The case already waits in the queue or is with an advisor',
  },
  'automatic-message-limit': {
    status: 409,
    title: 'Enough automatic messages went to this customer this hour',
  },
  'slot-taken': { status: 409, title: 'This appointment slot is taken' },
  'slot-in-past': { status: 422, title: 'This appointment time has passed' },
  'slot-unavailable': { status: 422, title: 'The shop takes no appointment at this time' },
  'appointment-changed': { status: 409, title: 'The appointment changed since it was read' },
  'appointment-closed': { status: 409, title: 'The appointment can no longer be changed' },
  'shop-closed': { status: 409, title: 'The shop is closed now' },
  'repair-link-invalid': { status: 404, title: 'This repair link is not valid' },
  'repair-status-refused': { status: 409, title: 'The repair cannot move to this status now' },
  'estimate-decided': { status: 409, title: 'The estimate was already answered' },
  'case-moved-on': { status: 409, title: 'The case moved on since you last read it' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  'not-ready': { status: 503, title: 'Not ready' },
  'not-built': { status: 503, title: 'Front end not built' },
} as const satisfies Record<string, { readonly status: number; readonly title: string }>;

/** A code from the catalogue. */
export type ErrorCode = keyof typeof errorCatalogue;

/** The catalogue's codes answered with this HTTP status. */
export type ErrorCodeWithStatus<S extends number> = {
  [K in ErrorCode]: (typeof errorCatalogue)[K]['status'] extends S ? K : never;
}[ErrorCode];

/** The base URL of problem types; the code follows it. */
export const problemTypeBase = 'https://rapport.dev/problems/';

export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

/** Base class: every domain error carries a stable code from the catalogue, and so its HTTP status. */
export abstract class DomainError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(message: string, code: ErrorCode) {
    super(message);
    this.code = code;
    this.status = errorCatalogue[code].status;
  }
}

/** Input that breaks a rule; names the field and the reason. */
export class Invalid extends DomainError {
  readonly problems: readonly FieldProblem[];
  constructor(
    field: string,
    reason: string,
    more: readonly FieldProblem[] = [],
    code: ErrorCodeWithStatus<422> = 'invalid',
  ) {
    super(`${field}: ${reason}`, code);
    this.problems = [{ field, reason }, ...more];
  }
}

/** The record does not exist, or the caller may not know that it exists. */
export class NotFound extends DomainError {
  constructor(what: string, code: ErrorCodeWithStatus<404> = 'not-found') {
    super(`${what} not found`, code);
  }
}

/** The request clashes with the current state (a duplicate, a stale change). */
export class Conflict extends DomainError {
  constructor(message: string, code: ErrorCodeWithStatus<409> = 'conflict') {
    super(message, code);
  }
}

/** The caller's role may not do this at all. */
export class Forbidden extends DomainError {
  constructor(message = 'your role may not do this', code: ErrorCodeWithStatus<403> = 'forbidden') {
    super(message, code);
  }
}

/** No valid session or token. */
export class Unauthenticated extends DomainError {
  constructor(message = 'sign in first', code: ErrorCodeWithStatus<401> = 'unauthenticated') {
    super(message, code);
  }
}

/** A concurrent writer won a race; the unit of work may be retried from the start. */
export class RetryableConflict extends Error {}
