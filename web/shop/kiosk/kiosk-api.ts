/**
 * The kiosk's calls to the server. A request that never reaches the server (no network, the server
 * down) is told apart from one the server refused: the first makes the kiosk say it is offline, the
 * second shows the server's reason.
 */
import type {
  CheckedInView,
  CheckInRequest,
  KioskInfo,
  TakeTicketRequest,
  TakeTicketResult,
} from '../../../src/api-types/tickets.ts';

/** The server could not be reached. */
export class Offline extends Error {}

/** The server answered with a problem; `detail` says why, for a person. */
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly field: string | null,
  ) {
    super(detail);
  }
}

/** The shop this kiosk belongs to, from its address (/kiosk/<shop>). */
export function shopOfPath(path: string): number | null {
  const match = /^\/kiosk\/([1-9][0-9]{0,15})\/?$/.exec(path);
  return match ? Number(match[1]) : null;
}

const timeoutMs = 8_000;

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    response = await fetch(path, {
      ...init,
      signal: abort.signal,
      headers: { accept: 'application/json', ...(init.headers ?? {}) },
    });
  } catch {
    throw new Offline('no connection to the server');
  } finally {
    clearTimeout(timer);
  }
  // A proxy's "bad gateway" means the server is down: offline too.
  if (response.status === 502 || response.status === 503 || response.status === 504)
    throw new Offline(`the server is unavailable (${response.status})`);
  if (!response.ok) {
    let problem: {
      type?: string;
      detail?: string;
      errors?: Array<{ field: string; reason: string }>;
    } = {};
    try {
      problem = (await response.json()) as typeof problem;
    } catch {
      // not a problem document
    }
    const field = problem.errors?.[0]?.field ?? null;
    throw new Refused(
      response.status,
      (problem.type ?? '').split('/').pop() ?? '',
      problem.detail ?? `the server refused (${response.status})`,
      field,
    );
  }
  return (await response.json()) as T;
}

export const kioskInfo = (shop: number) => call<KioskInfo>(`/api/kiosk/${shop}`);

/** Takes a ticket; `key` is the same for every retry of one tap, so a retry is the same ticket. */
export const takeTicket = (shop: number, body: TakeTicketRequest, key: string) =>
  call<TakeTicketResult>(`/api/kiosk/${shop}/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });

export const checkIn = (shop: number, body: CheckInRequest) =>
  call<CheckedInView>(`/api/kiosk/${shop}/check-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** A fresh client key for one tap of "get my ticket". */
export function newKey(): string {
  return typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
