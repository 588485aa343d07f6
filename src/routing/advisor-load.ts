/** What routing knows of the advisors it may use now: presence, capacity, load and recent occupancy. */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { createOccupancyLedger, recordUtilization } from './occupancy-ledger.ts';
import { stretchesOf } from './occupancy.ts';
import type { AdvisorState, Channel, ChannelCounts, Presence } from './types.ts';

/** Loads the advisors routing may use now, with their load and the last hour of occupancy. */
export async function loadAdvisors(
  db: Kysely<Database>,
  now: number,
  windowMs: number,
): Promise<AdvisorState[]> {
  const rows = await db
    .selectFrom('advisor_states')
    .innerJoin('advisors', 'advisors.id', 'advisor_states.advisor_id')
    .select([
      'advisors.id',
      'advisors.skills',
      'advisors.languages',
      'advisors.team_id',
      'advisors.active',
      'advisor_states.presence',
      'advisor_states.capacity',
      'advisor_states.idle_since',
      'advisor_states.recovery_until',
    ])
    .where('advisor_states.presence', 'in', ['available', 'busy'])
    .where('advisors.active', '=', 1)
    .execute();
  if (rows.length === 0) return [];
  const work = await db
    .selectFrom('work_items')
    .select(['advisor_id', 'channel', 'status', 'offered_at', 'accepted_at', 'completed_at'])
    .where(
      'advisor_id',
      'in',
      rows.map((r) => r.id),
    )
    .where((eb) =>
      eb.or([eb('status', 'in', ['offered', 'assigned']), eb('completed_at', '>', now - windowMs)]),
    )
    .execute();
  return rows.map((row) => {
    const capacity = JSON.parse(row.capacity) as ChannelCounts;
    const load: ChannelCounts = { voice: 0, chat: 0, email: 0, sms: 0, social: 0, shop: 0 };
    const mine = work.filter((item) => item.advisor_id === row.id);
    for (const item of mine)
      if (item.status === 'offered' || item.status === 'assigned') load[item.channel as Channel]++;
    // The one occupancy rule (occupancy.ts), replayed into the engine's ledger from the window's start.
    const changes = stretchesOf(
      mine.map((item) => ({
        channel: item.channel,
        offeredAt: item.offered_at,
        acceptedAt: item.accepted_at,
        completedAt: item.completed_at,
      })),
      capacity,
    ).flatMap((s) => [
      { at: Math.max(s.start, now - windowMs), delta: s.weight },
      ...(s.end === null ? [] : [{ at: s.end, delta: -s.weight }]),
    ]);
    const ledger = createOccupancyLedger(now - windowMs);
    let level = 0;
    for (const change of changes.sort((a, b) => a.at - b.at)) {
      level += change.delta;
      recordUtilization(ledger, change.at, Math.max(0, Math.min(1, level)));
    }
    const skills = JSON.parse(row.skills) as string[];
    return {
      id: String(row.id),
      presence: row.presence as Presence,
      skills: row.team_id === null ? skills : [...skills, `team:${row.team_id}`],
      languages: JSON.parse(row.languages) as string[],
      capacity,
      load,
      idleSince: row.idle_since,
      ...(row.recovery_until !== null ? { recoveryUntil: row.recovery_until } : {}),
      ledger,
    };
  });
}
