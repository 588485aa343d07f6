/**
 * What a call interaction's row of `calls` says (state, duration, advisor, recording) and the
 * advisor's wrap-up (`call_wrap_ups`: notes, outcome, a hard call), shown on the timeline. The
 * Twilio adapter and the PBX events store the calls; this is the read side every interaction list
 * goes through, in one query.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { CallDetails, CallOutcome } from '../api-types/conversations.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** The calls of these interactions, with their wrap-ups, by interaction id. */
export async function callDetailsOf(
  db: Kysely<Database>,
  interactionIds: readonly number[],
): Promise<Map<number, CallDetails>> {
  if (interactionIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('calls')
    .leftJoin('call_wrap_ups', 'call_wrap_ups.call_id', 'calls.id')
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
      'calls.recording_url',
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
        recordingUrl: row.recording_url,
        wrapUp:
          row.wrap_outcome === null
            ? null
            : {
                outcome: row.wrap_outcome as CallOutcome,
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
