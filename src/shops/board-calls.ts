import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';

/** A call a shop's display board shows and announces: "A-042, desk 3". */
export interface BoardCall {
  readonly id: number;
  readonly shopId: number;
  readonly ticketId: number;
  readonly code: string;
  readonly deskId: number | null;
  readonly deskName: string;
  readonly calledAt: number;
}

/**
 * Records that a ticket was called to a desk (a first call or a recall), in the caller's
 * transaction, and publishes `shop.ticket-called` for the board: every call is its own row, so two
 * calls within a second are both shown and announced in the order they were made.
 */
export async function recordBoardCall(
  unit: Unit,
  call: Omit<BoardCall, 'id' | 'calledAt'>,
  actor: Actor,
): Promise<BoardCall> {
  const row = await unit.db
    .insertInto('shop_board_calls')
    .values({
      shop_id: call.shopId,
      ticket_id: call.ticketId,
      desk_id: call.deskId,
      code: call.code,
      desk_name: call.deskName,
      called_at: unit.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const recorded: BoardCall = { ...call, id: row.id, calledAt: unit.now };
  await unit.record({
    type: 'shop.ticket-called',
    actor,
    entity: { type: 'shop_ticket', id: call.ticketId },
    scope: { shopId: call.shopId },
    after: { ...recorded },
  });
  return recorded;
}
