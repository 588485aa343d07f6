/** Talking to the Rapport API: JSON in and out, problem+json errors turned into ApiError. */

export interface Problem {
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors?: ReadonlyArray<{ field: string; reason: string }>;
}

/** A refused or failed request, with the server's own explanation. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  constructor(status: number, problem: Problem | null) {
    super(problem?.detail ?? `the server answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

type Listener = () => void;
const signedOutListeners = new Set<Listener>();

/** Called when the session ends underneath us (expired, revoked): the shell goes back to sign-in. */
export function onSignedOut(listener: Listener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly body?: unknown;
  /** Sent on creates so a retried click never creates twice. */
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
}

/** Calls the API at `path` (starting with /api/) and returns the parsed JSON body. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const body: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith('/api/auth/'))
      for (const listener of signedOutListeners) listener();
    throw new ApiError(response.status, (body as Problem | null) ?? null);
  }
  return body as T;
}

/** A query string from the defined entries only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A message a person can act on, from any error. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.problem?.errors?.map((e) => `${e.field} ${e.reason}`).join('; ');
    return fields && error.status === 400 ? fields : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A fresh Idempotency-Key for one create. */
export function newKey(): string {
  return crypto.randomUUID();
}
