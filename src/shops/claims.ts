import type { Unit } from '../platform/db/writer.ts';
import { Conflict, RetryableConflict } from '../platform/errors.ts';
import { isUniqueViolation } from '../platform/db/unique.ts';
import { cellsOf } from './slots.ts';

/**
 * Claims on a shop's capacity: an appointment (or a reservation) holds the five-minute cells of its
 * desk and advisor in `shop_claims`. The table's primary key (resource, cell_at) is what makes two
 * bookings of one desk or one advisor at once impossible: of two racing transactions, on one node
 * or several, the second insert fails and becomes `slot-taken`. No look-up first decides it.
 */

/** Who holds a claim. */
export interface ClaimOwner {
  readonly type: 'appointment' | 'reservation';
  readonly id: number;
}

/** The resources a booking holds: its desk and its advisor. */
export const deskResource = (deskId: number) => `desk:${deskId}`;
export const advisorResource = (advisorId: number) => `advisor:${advisorId}`;

/**
 * Claims every cell of [start, end) on each resource for `owner`, in the unit's transaction. A
 * cell held by anyone else refuses the whole claim with `slot-taken` (409); the unit is rolled
 * back by the writer, so no half claim stays. With `retry`, the refusal asks the writer to run the
 * unit again instead: a booking that lost a race on another node then reads the winner's claims
 * and takes another free desk or advisor, or answers `slot-taken` itself.
 */
export async function claimCells(
  unit: Unit,
  owner: ClaimOwner,
  resources: readonly string[],
  start: number,
  end: number,
  options: { readonly retry?: boolean } = {},
): Promise<number> {
  const cells = cellsOf(start, end);
  const rows = resources.flatMap((resource) =>
    cells.map((cellAt) => ({
      resource,
      cell_at: cellAt,
      owner_type: owner.type,
      owner_id: owner.id,
    })),
  );
  if (rows.length === 0) return 0;
  try {
    await unit.db.insertInto('shop_claims').values(rows).execute();
  } catch (error) {
    if (isUniqueViolation(error) && options.retry)
      throw new RetryableConflict('a claimed cell was taken concurrently');
    if (isUniqueViolation(error))
      throw new Conflict('this slot was just taken by another booking: pick another', 'slot-taken');
    throw error;
  }
  return rows.length;
}

/** Releases every cell `owner` holds (a cancelled or moved appointment); answers how many. */
export async function releaseClaims(unit: Unit, owner: ClaimOwner): Promise<number> {
  const result = await unit.db
    .deleteFrom('shop_claims')
    .where('owner_type', '=', owner.type)
    .where('owner_id', '=', owner.id)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
