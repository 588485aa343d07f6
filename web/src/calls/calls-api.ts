import {
  callOutcomeLabels,
  wrapUpOutcomes,
  type CallDetails,
  type WrapUpOutcome,
} from '../../../src/api-types/conversations.ts';

/** The desk's call routes (src/channels/twilio/calls-desk.routes.ts, callback-calls.routes.ts). */
export const callsApi = {
  /** POST { outcome, notes, hard } → CallDetails */
  wrapUp: (callId: number) => `/api/calls/${callId}/wrap-up`,
  /** GET → { items: DueCallback[] } */
  callbacks: '/api/callbacks',
  /** POST → 202 { jobId, accountId }: Twilio rings the customer, then the advisor's line. */
  callBack: (workItemId: number) => `/api/callbacks/${workItemId}/call`,
  /** GET → CallDetails */
  call: (callId: number) => `/api/calls/${callId}`,
  /** POST → 201 (or 200 when made before) { itemId, created, ... }: a callback of a missed call. */
  callBackMissed: (callId: number) => `/api/calls/${callId}/callback`,
} as const;

/** The outcomes' words: api-types' one list, for the wrap-up and the callback tries alike. */
export const outcomeNames = callOutcomeLabels;

export const callStateNames: Record<string, string> = {
  queued: 'waiting',
  ringing: 'ringing',
  'in-progress': 'in progress',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'missed (no answer)',
  failed: 'failed',
  canceled: 'canceled',
};

/** A callback still to make, as GET /api/callbacks lists it. */
export interface DueCallback {
  readonly id: number;
  readonly conversationId: number;
  readonly customerId: number;
  readonly customerName: string;
  readonly number: string | null;
  readonly status: string;
  readonly advisorId: number | null;
  readonly since: string;
  readonly waitMs: number;
  readonly deadlineAt: string;
  /** Not to be called before this; null: now. */
  readonly dueAt: string | null;
}

/** "3 min 05 s" for a call's length. */
export function callLength(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
}

export { wrapUpOutcomes };
export type { CallDetails, WrapUpOutcome };
