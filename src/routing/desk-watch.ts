/**
 * An advisor who left: the desk's live WebSocket (`/api/live`) is how routing knows an advisor is
 * at their desk. Each node marks the desks it holds open as seen (on open, on close and every
 * heartbeat); a chat held by an advisor whose desk has not been seen for the chat account's
 * `requeueAfterMs` goes back to the queue, in its place, and is offered again.
 */
import type { Context } from '../platform/context.ts';
import type { Unit } from '../platform/db/writer.ts';
import { scopeOf } from './work-items.ts';
import { missedOfferPauseMs } from './offers.ts';

/** How often a node marks the desks it holds open as seen. */
export const deskHeartbeatMs = 5_000;
/** Default of the chat account's `requeueAfterMs`. */
export const defaultRequeueAfterMs = 60_000;
/** Below three heartbeats a desk open on another node could look gone: never requeue sooner. */
export const minimumRequeueAfterMs = 3 * deskHeartbeatMs;

/** The chat account's `requeueAfterMs` setting, within its bounds (15 s to a day). */
export function requeueAfterMsOf(settings: Readonly<Record<string, unknown>>): number {
  const raw = Number(settings.requeueAfterMs);
  if (!Number.isFinite(raw) || raw <= 0) return defaultRequeueAfterMs;
  return Math.min(Math.max(Math.round(raw), minimumRequeueAfterMs), 86_400_000);
}

/** Marks these advisors' desks as seen now (a desk opened, is still open, or has just closed). */
export async function markDesksSeen(unit: Unit, advisorIds: readonly number[]): Promise<void> {
  if (advisorIds.length === 0) return;
  await unit.db
    .updateTable('advisor_states')
    .set({ desk_seen_at: unit.now })
    .where('advisor_id', 'in', [...advisorIds])
    .execute();
}

/** The desks one node holds open: told by the live WebSocket, beating while any is open. */
export interface DeskWatch {
  opened(advisorId: number): void;
  closed(advisorId: number): void;
  stop(): void;
}

/**
 * Keeps the desks this node holds open marked as seen: at once when one opens or closes (so the
 * time runs from the moment it closed), and every `heartbeatMs` while open. A node that dies stops
 * beating; its advisors' desks then look gone a heartbeat later than a clean close.
 */
export function watchDesks(ctx: Context, heartbeatMs = deskHeartbeatMs): DeskWatch {
  const open = new Map<number, number>();
  const touch = (ids: readonly number[]): void => {
    if (ids.length === 0) return;
    ctx.writer
      .run((unit) => markDesksSeen(unit, ids))
      .catch((error: unknown) => ctx.logger.warn({ err: error }, 'marking desks seen failed'));
  };
  const timer = setInterval(() => touch([...open.keys()]), heartbeatMs);
  timer.unref();
  return {
    opened(advisorId) {
      open.set(advisorId, (open.get(advisorId) ?? 0) + 1);
      touch([advisorId]);
    },
    closed(advisorId) {
      const left = (open.get(advisorId) ?? 1) - 1;
      if (left > 0) open.set(advisorId, left);
      else open.delete(advisorId);
      touch([advisorId]);
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/**
 * Chats held by advisors whose desk has been gone longer than their account's `requeueAfterMs` go
 * back to the queue: waiting again with their arrival time and deadline (their place), no longer
 * held for that advisor, recorded as `chat.requeued`. The advisor, probably away, gets no new offer
 * for a while (like a missed offer). An advisor whose desk was never seen (API clients) keeps their
 * chats; so does one who accepted the chat after their desk was last seen. Answers how many moved.
 */
export async function requeueAbandonedChats(unit: Unit): Promise<number> {
  const held = await unit.db
    .selectFrom('work_items')
    .innerJoin('advisor_states', 'advisor_states.advisor_id', 'work_items.advisor_id')
    .selectAll('work_items')
    .select('advisor_states.desk_seen_at')
    .where('work_items.status', '=', 'assigned')
    .where('work_items.channel', '=', 'chat')
    .where('advisor_states.desk_seen_at', 'is not', null)
    .where('advisor_states.desk_seen_at', '<', unit.now - minimumRequeueAfterMs)
    .execute();
  if (held.length === 0) return 0;
  const limits = await requeueLimits(
    unit,
    held.map((h) => h.conversation_id),
  );
  let moved = 0;
  for (const item of held) {
    const lastSign = Math.max(Number(item.desk_seen_at), Number(item.accepted_at ?? 0));
    const limit = limits.get(item.conversation_id) ?? defaultRequeueAfterMs;
    if (unit.now - lastSign < limit) continue;
    const advisorId = item.advisor_id!;
    const result = await unit.db
      .updateTable('work_items')
      .set({
        status: 'waiting',
        advisor_id: null,
        offered_at: null,
        offer_expires_at: null,
        accepted_at: null,
        updated_at: unit.now,
        ...(item.preferred_advisor_id === advisorId
          ? { preferred_advisor_id: null, affinity_until: null }
          : {}),
      })
      .where('id', '=', item.id)
      .where('status', '=', 'assigned')
      .where('advisor_id', '=', advisorId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) continue;
    moved++;
    // Whoever takes the chat next owns it; the advisor who left took it only by accepting.
    await unit.db
      .updateTable('conversations')
      .set({ owner_id: null, updated_at: unit.now })
      .where('id', '=', item.conversation_id)
      .where('owner_id', '=', advisorId)
      .execute();
    const pauseUntil = unit.now + missedOfferPauseMs;
    await unit.db
      .updateTable('advisor_states')
      .set({ recovery_until: pauseUntil })
      .where('advisor_id', '=', advisorId)
      .where((eb) =>
        eb.or([eb('recovery_until', 'is', null), eb('recovery_until', '<', pauseUntil)]),
      )
      .execute();
    await unit.record({
      type: 'chat.requeued',
      actor: { type: 'system', id: null },
      entity: { type: 'work_item', id: item.id },
      scope: scopeOf(item),
      after: {
        conversationId: item.conversation_id,
        advisorId,
        deskSeenAt: new Date(Number(item.desk_seen_at)).toISOString(),
        requeueAfterMs: limit,
      },
    });
  }
  return moved;
}

/** Each case's `requeueAfterMs`, from the chat account its visitor wrote on. */
async function requeueLimits(
  unit: Unit,
  conversationIds: readonly number[],
): Promise<Map<number, number>> {
  const rows = await unit.db
    .selectFrom('interactions')
    .innerJoin('channel_accounts', 'channel_accounts.id', 'interactions.account_id')
    .select(['interactions.conversation_id', 'interactions.id', 'channel_accounts.settings'])
    .where('interactions.conversation_id', 'in', [...conversationIds])
    .where('interactions.channel', '=', 'chat')
    .where('interactions.direction', '=', 'inbound')
    .orderBy('interactions.id')
    .execute();
  const limits = new Map<number, number>();
  for (const row of rows)
    limits.set(
      row.conversation_id,
      requeueAfterMsOf(JSON.parse(row.settings) as Record<string, unknown>),
    );
  return limits;
}
