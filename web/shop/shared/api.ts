/**
 * How the customers' shop pages talk to Rapport: JSON in and out, and a problem (RFC 9457) turned
 * into an error whose message a person can read, with its code for the page to branch on.
 */

/** A refusal from the server, as the page shows it. */
export class ProblemError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly status?: number;
}

/** Calls the API; answers the parsed JSON or throws a ProblemError. */
export async function callApi<T>(
  path: string,
  options: {
    readonly method?: 'GET' | 'POST';
    readonly body?: unknown;
    readonly idempotencyKey?: string;
  } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch {
    throw new ProblemError(
      'offline',
      0,
      'We cannot reach the shop right now. Check your connection and try again.',
    );
  }
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : null;
  if (!response.ok) {
    const problem = (body ?? {}) as Problem;
    const code = problem.type?.split('/').pop() ?? 'internal';
    throw new ProblemError(code, response.status, messageFor(code, problem));
  }
  return body as T;
}

/** What a person reads for a refusal: our words for the codes a customer can meet, else the detail. */
function messageFor(code: string, problem: Problem): string {
  switch (code) {
    case 'slot-taken':
      return 'Sorry, someone has just booked this time. Please pick another one.';
    case 'slot-in-past':
      return 'This time has already passed. Please pick a later one.';
    case 'slot-unavailable':
      return 'The shop takes no appointment at this time. Please pick one of the times shown.';
    case 'appointment-changed':
      return 'Your appointment changed meanwhile (perhaps in another window). Here it is now.';
    case 'appointment-closed':
      return 'This appointment can no longer be changed.';
    case 'rate-limited':
      return 'Too many tries in a short time. Please wait a minute and try again.';
    default:
      return problem.detail ?? problem.title ?? 'Something went wrong. Please try again.';
  }
}

/** A fresh key per attempt: a retry of the same submission is not a second booking. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
