/** Typed domain errors; the HTTP layer turns each into application/problem+json. */

export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

/** Base class: every domain error knows its HTTP status and a stable code. */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
}

/** Input that breaks a rule; names the field and the reason. */
export class Invalid extends DomainError {
  readonly status = 422;
  readonly code = 'invalid';
  readonly problems: readonly FieldProblem[];
  constructor(field: string, reason: string, more: readonly FieldProblem[] = []) {
    super(`${field}: ${reason}`);
    this.problems = [{ field, reason }, ...more];
  }
}

/** The record does not exist, or the caller may not know that it exists. */
export class NotFound extends DomainError {
  readonly status = 404;
  readonly code = 'not-found';
  constructor(what: string) {
    super(`${what} not found`);
  }
}

/** The request clashes with the current state (a duplicate, a stale change). */
export class Conflict extends DomainError {
  readonly status = 409;
  readonly code = 'conflict';
}

/** The caller's role may not do this at all. */
export class Forbidden extends DomainError {
  readonly status = 403;
  readonly code = 'forbidden';
  constructor(message = 'your role may not do this') {
    super(message);
  }
}

/** No valid session or token. */
export class Unauthenticated extends DomainError {
  readonly status = 401;
  readonly code = 'unauthenticated';
  constructor(message = 'sign in first') {
    super(message);
  }
}

/** A concurrent writer won a race; the unit of work may be retried from the start. */
export class RetryableConflict extends Error {}
