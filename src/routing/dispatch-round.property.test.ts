/**
 * Property tests of routing on the real engine and the real database: random days of contacts, presence
 * changes, accepts, declines, completions, callbacks and passing time, with the routing invariants
 * checked after every round.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { testDatabases } from '../../test/databases.ts';
import { startHarness, type Harness } from '../../test/harness.ts';
import { createAdvisor } from '../advisors/advisors.ts';
import { ingestInbound } from '../conversations/interactions.ts';
import { systemActor } from '../platform/events/event.ts';
import type { WorkItemRow } from '../platform/db/schema.ts';
import { CHANNELS, type Channel, type ChannelCounts, type Presence } from './types.ts';
import { requestCallback } from './callbacks.ts';
import { dispatchWork } from './dispatch-round.ts';
import { acceptOffer, declineOffer } from './offers.ts';
import { setCapacity, setPresence } from './presence.ts';
import { completeWork, queueWork } from './work-items.ts';

const databases = await testDatabases();
const numRuns = Number(process.env.RAPPORT_PROPERTY_RUNS ?? 20);

type Operation =
  | { op: 'contact'; customer: number; kind: 'chat_message' | 'call' | 'email' }
  | { op: 'presence'; advisor: number; presence: Presence }
  | { op: 'accept' | 'decline' | 'complete' | 'callback'; pick: number }
  | { op: 'advance'; ms: number }
  | { op: 'dispatch' };

interface AdvisorPlan {
  team: number;
  capacity: Pick<ChannelCounts, 'voice' | 'chat' | 'email'>;
  presence: Presence;
}

const presenceArb = fc.constantFrom<Presence>('available', 'available', 'busy', 'break', 'offline');
const advisorArb: fc.Arbitrary<AdvisorPlan> = fc.record({
  team: fc.nat(1),
  // Small capacities, so advisors are often full and items wait for them.
  capacity: fc.record({
    voice: fc.nat(1),
    chat: fc.nat(2),
    email: fc.nat(2),
  }),
  presence: presenceArb,
});
const operationArb: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('contact' as const),
      // Few customers, each with their own team, so many come back to the advisor who served them.
      customer: fc.nat(3),
      kind: fc.constantFrom('chat_message' as const, 'call' as const, 'email' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('presence' as const),
      advisor: fc.nat(5),
      presence: presenceArb,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constantFrom(
        'accept' as const,
        'accept' as const,
        'complete' as const,
        'complete' as const,
        'decline' as const,
        'callback' as const,
      ),
      pick: fc.nat(20),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      // Up to 50 s: crosses voice and chat offer timeouts, affinity windows and the missed-offer pause.
      ms: fc.integer({ min: 500, max: 50_000 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('dispatch' as const) }) },
);
const dayArb = fc.record({
  advisors: fc.array(advisorArb, { minLength: 2, maxLength: 6 }),
  /** Per customer, the advisor who served them before today, if any (a returning customer). */
  servedBefore: fc.array(fc.option(fc.nat(5), { nil: undefined }), { minLength: 4, maxLength: 4 }),
  operations: fc.array(operationArb, { minLength: 20, maxLength: 50, size: 'max' }),
});

const live = ['waiting', 'offered', 'assigned'];
const atWork: readonly string[] = ['available', 'busy', 'wrap_up'];

for (const database of databases) {
  describe(`routing invariants on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let run = 0;
    before(async () => {
      h = await startHarness(await database.open());
    });
    after(async () => h.close());

    /** Plays one random day on fresh teams and advisors, checking the invariants after every round. */
    async function playDay(day: {
      advisors: AdvisorPlan[];
      servedBefore: Array<number | undefined>;
      operations: Operation[];
    }) {
      const tag = `run${++run}`;
      const { teams, advisors } = await h.ctx.writer.run(async (unit) => {
        const teams: number[] = [];
        for (const name of ['A', 'B'])
          teams.push(
            (
              await unit.db
                .insertInto('teams')
                .values({ name: `${tag} ${name}`, kind: 'contact_centre', created_at: unit.now })
                .returning('id')
                .executeTakeFirstOrThrow()
            ).id,
          );
        const advisors: number[] = [];
        for (const [i, plan] of day.advisors.entries()) {
          const advisor = await createAdvisor(
            unit,
            {
              name: `${tag} advisor ${i}`,
              email: `${tag}-${i}@routing.test`,
              role: 'advisor',
              teamId: teams[plan.team]!,
              shopId: null,
              passwordHash: null,
            },
            systemActor,
          );
          await setCapacity(unit, advisor.id, { ...plan.capacity, sms: 0, social: 0 }, systemActor);
          await setPresence(unit, advisor.id, plan.presence, systemActor);
          advisors.push(advisor.id);
        }
        return { teams, advisors };
      });
      const doneSoFar = new Set<number>();
      const mine = () =>
        h.ctx.store.db
          .selectFrom('work_items')
          .selectAll()
          .where('team_id', 'in', teams)
          .orderBy('id')
          .execute();
      const pick = (items: WorkItemRow[], status: string, n: number) => {
        const candidates = items.filter((i) => i.status === status);
        return candidates.length === 0 ? undefined : candidates[n % candidates.length];
      };

      try {
        for (const operation of day.operations) {
          const items = await mine();
          switch (operation.op) {
            case 'contact':
              await h.ctx.writer.run(async (unit) => {
                const contact = await ingestInbound(
                  unit,
                  {
                    kind: operation.kind,
                    from: { email: `${tag}-customer${operation.customer}@example.com` },
                    text: 'Hello',
                    teamId: teams[operation.customer % teams.length]!,
                  },
                  {
                    defaultRegion: 'FR',
                    actor: { type: 'channel', id: null },
                    dialect: h.ctx.store.dialect,
                  },
                );
                const before = day.servedBefore[operation.customer];
                if (contact.customerCreated && before !== undefined)
                  await unit.db
                    .updateTable('customers')
                    .set({ last_advisor_id: advisors[before % advisors.length]! })
                    .where('id', '=', contact.customerId)
                    .execute();
                await queueWork(unit, contact.conversationId, operation.kind);
              });
              break;
            case 'presence': {
              const advisor = advisors[operation.advisor % advisors.length]!;
              await h.ctx.writer.run((unit) =>
                setPresence(unit, advisor, operation.presence, systemActor),
              );
              break;
            }
            case 'accept': {
              const item = pick(items, 'offered', operation.pick);
              if (item)
                await h.ctx.writer.run((unit) => acceptOffer(unit, item.id, item.advisor_id!));
              break;
            }
            case 'decline': {
              const item = pick(items, 'offered', operation.pick);
              if (item)
                await h.ctx.writer.run((unit) => declineOffer(unit, item.id, item.advisor_id!));
              break;
            }
            case 'complete': {
              // The advisor answers and resolves: the customer's next contact prefers them.
              const item = pick(items, 'assigned', operation.pick);
              if (item)
                await h.ctx.writer.run(async (unit) => {
                  await unit.db
                    .updateTable('customers')
                    .set({ last_advisor_id: item.advisor_id })
                    .where('id', '=', item.customer_id)
                    .execute();
                  await unit.db
                    .updateTable('conversations')
                    .set({ status: 'resolved', resolved_at: unit.now })
                    .where('id', '=', item.conversation_id)
                    .execute();
                  await completeWork(unit, item.conversation_id, systemActor);
                });
              break;
            }
            case 'callback': {
              const candidates = items.filter(
                (i) => i.status === 'waiting' && (i.channel === 'chat' || i.channel === 'voice'),
              );
              const item = candidates[operation.pick % Math.max(1, candidates.length)];
              if (item)
                await h.ctx.writer.run((unit) =>
                  requestCallback(unit, item.id, '+33612345678', systemActor),
                );
              break;
            }
            case 'advance':
              h.clock.advance(operation.ms);
              break;
            case 'dispatch': {
              const round = await h.ctx.writer.run((unit) =>
                dispatchWork(unit, h.ctx.store.dialect),
              );
              assert.equal(round.busy, false);
              await checkInvariants(
                teams,
                doneSoFar,
                round.offers.map((o) => Number(o.itemId)),
              );
              break;
            }
          }
        }
      } finally {
        // Leave nothing routable behind, even when the run failed: shrinking replays on this database.
        await h.ctx.writer.run(async (unit) => {
          for (const advisor of advisors) await setPresence(unit, advisor, 'offline', systemActor);
          await unit.db
            .updateTable('work_items')
            .set({ status: 'withdrawn', advisor_id: null, updated_at: unit.now })
            .where('team_id', 'in', teams)
            .where('status', 'in', live)
            .execute();
        });
      }
    }

    async function checkInvariants(teams: number[], doneSoFar: Set<number>, offeredNow: number[]) {
      const db = h.ctx.store.db;
      const now = h.clock.now();
      const items = await db
        .selectFrom('work_items')
        .selectAll()
        .where('team_id', 'in', teams)
        .execute();
      const states = await db
        .selectFrom('advisor_states')
        .innerJoin('advisors', 'advisors.id', 'advisor_states.advisor_id')
        .select([
          'advisors.id',
          'advisors.team_id',
          'advisors.active',
          'advisor_states.presence',
          'advisor_states.capacity',
          'advisor_states.recovery_until',
        ])
        .where('advisors.team_id', 'in', teams)
        .execute();

      // A finished item never comes back, and a case has at most one live item.
      for (const item of items) {
        if (doneSoFar.has(item.id)) assert.equal(item.status, 'done', `item ${item.id} came back`);
        if (item.status === 'done') doneSoFar.add(item.id);
        if (item.status === 'offered' || item.status === 'assigned')
          assert.notEqual(item.advisor_id, null, `${item.status} item ${item.id} has no advisor`);
        if (item.status === 'waiting')
          assert.equal(item.advisor_id, null, `waiting item ${item.id} has an advisor`);
      }
      const liveCases = items.filter((i) => live.includes(i.status)).map((i) => i.conversation_id);
      assert.equal(new Set(liveCases).size, liveCases.length, 'one live item per case');

      // Never offered to two advisors: every offer after the first followed a decline, timeout or hand-back.
      const events =
        items.length === 0
          ? []
          : await db
              .selectFrom('events')
              .select(['entity_id', 'type'])
              .where('entity_type', '=', 'work_item')
              .where(
                'entity_id',
                'in',
                items.map((i) => i.id),
              )
              .orderBy('id')
              .execute();
      const outstanding = new Map<number, number>();
      for (const event of events) {
        const open = outstanding.get(event.entity_id!) ?? 0;
        if (event.type === 'work-item.offered') {
          assert.equal(open, 0, `item ${event.entity_id} offered while an offer was out`);
          outstanding.set(event.entity_id!, 1);
        } else if (
          ['work-item.declined', 'work-item.offer-expired', 'work-item.handed-back'].includes(
            event.type,
          )
        ) {
          outstanding.set(event.entity_id!, 0);
        }
      }

      // No advisor holds more than their capacity, per channel and in total (capacity is shared).
      const capacityOf = new Map(
        states.map((s) => [s.id, JSON.parse(s.capacity) as ChannelCounts]),
      );
      const loadOf = new Map<number, ChannelCounts>();
      for (const s of states)
        loadOf.set(s.id, { voice: 0, chat: 0, email: 0, sms: 0, social: 0, shop: 0 });
      for (const item of items)
        if (item.advisor_id !== null && (item.status === 'offered' || item.status === 'assigned'))
          loadOf.get(item.advisor_id)![item.channel as Channel]++;
      // Written work (email, SMS, social) can be resumed later: it takes no room from live work, so
      // the shared capacity holds for calls, chats and visits.
      const liveChannel = (c: Channel) => c === 'voice' || c === 'chat' || c === 'shop';
      for (const [advisor, load] of loadOf) {
        const capacity = capacityOf.get(advisor)!;
        let used = 0;
        for (const channel of CHANNELS) {
          assert.ok(load[channel] <= capacity[channel], `advisor ${advisor} over ${channel}`);
          if (load[channel] > 0 && liveChannel(channel)) used += load[channel] / capacity[channel];
        }
        assert.ok(used <= 1 + 1e-9, `advisor ${advisor} over their shared capacity`);
      }
      // A decline is respected for its cool-off: the item is not offered to that advisor meanwhile.
      const declines = await db
        .selectFrom('offer_declines')
        .select(['work_item_id', 'advisor_id'])
        .where('until', '>', now)
        .execute();
      const declined = (itemId: number, advisorId: number | null) =>
        declines.some(
          (d) => Number(d.work_item_id) === itemId && Number(d.advisor_id) === advisorId,
        );

      // Nothing waits while a qualified, available advisor has room, unless it is held for its
      // preferred advisor within the affinity window.
      const room = (advisor: number, channel: Channel) => {
        const capacity = capacityOf.get(advisor)!;
        const load = loadOf.get(advisor)!;
        if (capacity[channel] <= 0) return 0;
        let used = 0;
        for (const c of CHANNELS)
          if (load[c] > 0 && (liveChannel(c) || !liveChannel(channel)))
            used += load[c] / capacity[c];
        return Math.min(
          capacity[channel] - load[channel],
          Math.floor((1 - used) * capacity[channel] + 1e-9),
        );
      };
      const qualified = (s: (typeof states)[number], item: WorkItemRow) =>
        s.team_id === item.team_id && capacityOf.get(s.id)![item.channel as Channel] > 0;
      const isHeld = (item: WorkItemRow) => {
        if (item.preferred_advisor_id === null || item.affinity_until === null) return false;
        if (item.affinity_until <= now) return false;
        const preferred = states.find((s) => s.id === item.preferred_advisor_id);
        return !!preferred && atWork.includes(preferred.presence) && qualified(preferred, item);
      };
      const waiting = items.filter((i) => i.status === 'waiting');
      for (const item of waiting) {
        if (isHeld(item)) continue;
        for (const s of states) {
          const routable =
            (s.presence === 'available' || s.presence === 'busy') &&
            s.active === 1 &&
            (s.recovery_until === null || s.recovery_until <= now);
          if (!routable || !qualified(s, item) || declined(item.id, s.id)) continue;
          assert.ok(
            room(s.id, item.channel as Channel) <= 0,
            `item ${item.id} (${item.channel}) waits while advisor ${s.id} has room`,
          );
        }
      }

      // Deadline order: nothing offered in this round went ahead of an equally eligible item still waiting.
      const byId = new Map(items.map((i) => [i.id, i]));
      for (const id of offeredNow) {
        const offered = byId.get(id)!;
        for (const other of waiting) {
          if (other.channel !== offered.channel || other.skills !== offered.skills) continue;
          if (isHeld(other) || declined(other.id, offered.advisor_id)) continue;
          const before =
            other.deadline_at < offered.deadline_at ||
            (other.deadline_at === offered.deadline_at && other.priority > offered.priority);
          assert.ok(!before, `item ${other.id} waits though due before ${offered.id}`);
        }
      }
    }

    test('no double offer, no advisor over capacity, no needless wait, earliest deadline first', async () => {
      await fc.assert(
        fc.asyncProperty(dayArb, (day) => playDay(day)),
        { numRuns },
      );
    });
  });
}
