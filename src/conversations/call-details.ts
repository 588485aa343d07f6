/**
 * What a call interaction's row of `calls` says (state, duration, advisor, recording) and the
 * advisor's wrap-up (`call_wrap_ups`: notes, outcome, a hard call), shown on the timeline. The
 * Twilio adapter and the PBX events store the calls; this is the read side every interaction list
 * goes through, in one query.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { CallDetails, WrapUpOutcome } from '../api-types/conversations.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** Where the desk plays a call's stored recording (`channels/twilio/recordings.ts` serves it). */
export const recordingPath = (callId: number) => `/api/calls/${callId}/recording`;

/** The calls of these interactions, with their wrap-ups, by interaction id. */
export async function callDetailsOf(
  db: Kysely<Database>,
  interactionIds: readonly number[],
): Promise<Map<number, CallDetails>> {
  if (interactionIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('calls')
    .leftJoin('call_wrap_ups', 'call_wrap_ups.call_id', 'calls.id')
    .leftJoin('work_items', 'work_items.id', 'calls.work_item_id')
    .select([
      'calls.id',
      'calls.interaction_id',
      'calls.direction',
      'calls.state',
      'calls.advisor_id',
      'calls.started_at',
      'calls.answered_at',
      'calls.ended_at',
      'calls.duration_seconds',
      'calls.recording_state',
      'calls.callback_item_id',
      'work_items.kind as item_kind',
      'work_items.status as item_status',
      'call_wrap_ups.outcome as wrap_outcome',
      'call_wrap_ups.notes as wrap_notes',
      'call_wrap_ups.hard as wrap_hard',
      'call_wrap_ups.advisor_id as wrap_advisor_id',
      'call_wrap_ups.updated_at as wrap_at',
    ])
    .where('calls.interaction_id', 'in', interactionIds)
    .execute();
  return new Map(
    rows.map((row) => {
      const duration =
        row.duration_seconds !== null
          ? Number(row.duration_seconds)
          : row.answered_at !== null && row.ended_at !== null
            ? Math.round((Number(row.ended_at) - Number(row.answered_at)) / 1000)
            : null;
      const details: CallDetails = {
        callId: Number(row.id),
        direction: row.direction as CallDetails['direction'],
        state: row.state,
        advisorId: row.advisor_id === null ? null : Number(row.advisor_id),
        startedAt: iso(row.started_at)!,
        answeredAt: iso(row.answered_at),
        endedAt: iso(row.ended_at),
        durationSeconds: duration,
        recordingUrl: row.recording_state === 'stored' ? recordingPath(Number(row.id)) : null,
        recordingState: (row.recording_state as CallDetails['recordingState']) ?? null,
        missed: isMissed(row),
        callbackItemId: row.callback_item_id === null ? null : Number(row.callback_item_id),
        wrapUp:
          row.wrap_outcome === null
            ? null
            : {
                outcome: row.wrap_outcome as WrapUpOutcome,
                notes: row.wrap_notes ?? '',
                hard: Number(row.wrap_hard) === 1,
                advisorId: Number(row.wrap_advisor_id),
                at: iso(row.wrap_at)!,
              },
      };
      return [Number(row.interaction_id), details];
    }),
  );
}

/**
 * A missed call: inbound, ended, and its caller left the queue before anyone took it (their work
 * item was withdrawn as a call: not a callback, not a voicemail, not a call put through).
 */
export function isMissed(row: {
  readonly direction: string;
  readonly ended_at: number | null;
  readonly item_kind: string | null;
  readonly item_status: string | null;
}): boolean {
  return (
    row.direction === 'inbound' &&
    row.ended_at !== null &&
    row.item_kind === 'call' &&
    row.item_status === 'withdrawn'
  );
}
