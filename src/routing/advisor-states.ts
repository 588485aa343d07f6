/**
 * The supervisor's view of advisors: presence, capacity, load now and occupancy over the last hour,
 * read from advisor_states and work_items. Read-only: routing itself lives in dispatch-round.ts.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { NotFound } from '../platform/errors.ts';
import { defaultCapacity } from './presence.ts';
import { heldWork } from './work-items.ts';
import { occupancyBetween, stretchesOf } from './occupancy.ts';
import { CHANNELS, DEFAULT_ROUTING_OPTIONS, type ChannelCounts, type Presence } from './types.ts';
import type { AdvisorStateView, AdvisorStates, HeldWork } from '../api-types/routing.ts';

const steps = 12;
const liveStatuses = ['offered', 'assigned'];

async function loadStates(
  db: Kysely<Database>,
  now: number,
  only: number | null,
): Promise<AdvisorStates> {
  const windowMs = DEFAULT_ROUTING_OPTIONS.occupancyWindowMs;
  const cap = DEFAULT_ROUTING_OPTIONS.occupancyCap;
  const from = now - windowMs;
  let people = db
    .selectFrom('advisors')
    .leftJoin('advisor_states', 'advisor_states.advisor_id', 'advisors.id')
    .select([
      'advisors.id',
      'advisors.name',
      'advisors.role',
      'advisors.team_id',
      'advisors.shop_id',
      'advisor_states.presence',
      'advisor_states.capacity',
      'advisor_states.updated_at',
    ])
    .where('advisors.active', '=', 1)
    .where('advisors.role', '!=', 'integration')
    // Those who serve customers, and anyone else who ever set a presence.
    .where((eb) =>
      eb.or([
        eb('advisors.role', 'in', ['advisor', 'shop_advisor', 'supervisor']),
        eb('advisor_states.advisor_id', 'is not', null),
      ]),
    );
  if (only !== null) people = people.where('advisors.id', '=', only);
  const rows = await people.orderBy('advisors.name').orderBy('advisors.id').execute();
  const ids = rows.map((r) => r.id);
  const work =
    ids.length === 0
      ? []
      : await db
          .selectFrom('work_items')
          .select(['advisor_id', 'channel', 'status', 'offered_at', 'accepted_at', 'completed_at'])
          .where('advisor_id', 'in', ids)
          .where((eb) => eb.or([eb('status', 'in', liveStatuses), eb('completed_at', '>', from)]))
          .execute();
  const advisors = rows.map((row): AdvisorStateView => {
    const capacity = row.capacity
      ? (JSON.parse(row.capacity) as ChannelCounts)
      : defaultCapacity(row.role);
    const mine = work.filter((w) => Number(w.advisor_id) === row.id);
    const load = Object.fromEntries(CHANNELS.map((c) => [c, 0])) as ChannelCounts;
    for (const item of mine)
      if (liveStatuses.includes(item.status) && item.channel in load)
        load[item.channel as keyof ChannelCounts]++;
    const stretches = stretchesOf(
      mine.map((w) => ({
        channel: w.channel,
        offeredAt: w.offered_at === null ? null : Number(w.offered_at),
        acceptedAt: w.accepted_at === null ? null : Number(w.accepted_at),
        completedAt: w.completed_at === null ? null : Number(w.completed_at),
      })),
      capacity,
    );
    const occupancy = occupancyBetween(stretches, from, now);
    const step = windowMs / steps;
    return {
      id: row.id,
      name: row.name,
      role: row.role,
      teamId: row.team_id,
      shopId: row.shop_id,
      presence: (row.presence ?? 'offline') as Presence,
      presenceSince: row.updated_at == null ? null : new Date(Number(row.updated_at)).toISOString(),
      capacity,
      load,
      occupancy,
      occupancySeries: Array.from({ length: steps }, (_, i) =>
        occupancyBetween(stretches, from + i * step, from + (i + 1) * step),
      ),
      aboveCap: occupancy > cap,
    };
  });
  return { at: new Date(now).toISOString(), windowMs, occupancyCap: cap, advisors };
}

/** Every active advisor's presence, load and occupancy over the last hour, as of `now`. */
export function listAdvisorStates(db: Kysely<Database>, now: number): Promise<AdvisorStates> {
  return loadStates(db, now, null);
}

/** One advisor's state and the items they hold now. */
export async function advisorStateDetail(
  db: Kysely<Database>,
  advisorId: number,
  now: number,
): Promise<AdvisorStateView & { readonly items: HeldWork[] }> {
  const state = (await loadStates(db, now, advisorId)).advisors[0];
  if (!state) throw new NotFound('advisor');
  const items = await heldWork(db, advisorId);
  return {
    ...state,
    items: items.map((i) => ({
      id: i.id,
      kind: i.kind,
      channel: i.channel,
      status: i.status,
      conversationId: i.conversation_id,
      customerName: i.display_name,
      subject: i.subject,
      since: new Date(Number(i.accepted_at ?? i.offered_at ?? i.created_at)).toISOString(),
      deadlineAt: new Date(Number(i.deadline_at)).toISOString(),
    })),
  };
}

export type { AdvisorStateView, AdvisorStates, HeldWork };
