/**
 * Merging two records of one customer, shown before it happens, recorded when it does, and undone
 * (exactly what moved goes back) by a supervisor within the undo window.
 */
import type { Kysely } from 'kysely';
import type { CustomerMergesTable, CustomerRow, Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../platform/errors.ts';
import type { Selectable } from 'kysely';
import type { Consent, CustomerMerge, MergeMoves, MergePreview } from '../api-types/customers.ts';
import {
  consentChannels,
  consentFrom,
  getCustomer,
  refreshSearchText,
  requireLiveCustomer,
} from './customers.ts';

/** The tables whose rows follow a customer when records merge, each by `customer_id`. */
const movingTables = [
  'identities',
  'conversations',
  'interactions',
  'work_items',
  'calls',
  'chat_visitors',
  'shop_appointments',
  'shop_tickets',
  'shop_repairs',
] as const;
type MovingTable = (typeof movingTables)[number];

/** The ids that moved, per table, and the records once merged into the source (they follow too). */
interface Moved {
  readonly rows: Readonly<Record<MovingTable, readonly number[]>>;
  readonly mergedRecords: readonly number[];
}

/** The kept record's fields a merge changes, as they were before it. */
interface TargetBefore {
  readonly displayName: string;
  readonly ownerId: number | null;
  readonly lastAdvisorId: number | null;
  readonly language: string | null;
  readonly consent: string;
}

/** What the user may choose: whose name and whose owner the kept record ends with. */
export interface MergeChoice {
  readonly keepNameOf?: number | undefined;
  readonly keepOwnerOf?: number | undefined;
}

/** The longer-standing of two records (created first; the lower id on a tie). */
function olderOf(a: CustomerRow, b: CustomerRow): CustomerRow {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? a : b;
  return a.id < b.id ? a : b;
}

/** Both records' consent in one: a no on either stays a no, then a yes, else unknown. */
export function combinedConsent(a: Consent, b: Consent): Consent {
  const result = { ...a };
  for (const channel of consentChannels) {
    const x = a[channel];
    const y = b[channel];
    result[channel] = x === false || y === false ? false : x === true || y === true ? true : null;
  }
  return result;
}

async function idsOf(db: Kysely<Database>, table: MovingTable, customerId: number) {
  const rows = await db
    .selectFrom(table)
    .select('id')
    .where('customer_id', '=', customerId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

function movesOf(rows: Moved['rows']): MergeMoves {
  return {
    cases: rows.conversations.length,
    interactions: rows.interactions.length,
    workItems: rows.work_items.length,
    identities: rows.identities.length,
  };
}

async function pair(db: Kysely<Database>, targetId: number, sourceId: number) {
  if (targetId === sourceId)
    throw new Invalid('sourceCustomerId', 'cannot merge a customer into itself');
  const target = await requireLiveCustomer(db, targetId);
  const source = await requireLiveCustomer(db, sourceId);
  return { target, source, older: olderOf(target, source) };
}

function chosen(
  field: 'keepNameOf' | 'keepOwnerOf',
  value: number | undefined,
  target: CustomerRow,
  source: CustomerRow,
  fallback: CustomerRow,
): CustomerRow {
  if (value === undefined) return fallback;
  if (value === target.id) return target;
  if (value === source.id) return source;
  throw new Invalid(field, 'must be one of the two customers being merged');
}

/** What merging `sourceId` into `targetId` would move, and what is kept unless the user chooses. */
export async function previewMerge(
  db: Kysely<Database>,
  targetId: number,
  sourceId: number,
  undoWindowMs: number,
): Promise<MergePreview> {
  const { source, target, older } = await pair(db, targetId, sourceId);
  const rows = {} as Record<MovingTable, number[]>;
  for (const table of movingTables) rows[table] = await idsOf(db, table, sourceId);
  const [targetCustomer, sourceCustomer] = [
    await getCustomer(db, targetId),
    await getCustomer(db, sourceId),
  ];
  // The owner defaults to the older record's, or the other's when the older has none.
  const ownerOf = older.owner_id !== null ? older : older === target ? source : target;
  return {
    target: targetCustomer,
    source: sourceCustomer,
    moves: movesOf(rows),
    identities: [...targetCustomer.identities, ...sourceCustomer.identities],
    defaults: { nameOf: older.id, ownerOf: ownerOf.owner_id !== null ? ownerOf.id : older.id },
    undoDays: Math.round(undoWindowMs / 86_400_000),
  };
}

/**
 * Merges `sourceId` into `targetId`: identities, cases, interactions, work items, calls, chat
 * visits, appointments, tickets and repairs move; the kept record takes the chosen name and owner
 * (by default the older record's); the source stays as a pointer. Recorded with exactly what moved.
 */
export async function mergeCustomers(
  unit: Unit,
  targetId: number,
  sourceId: number,
  actor: Actor,
  choice: MergeChoice = {},
): Promise<number> {
  const { target, source, older } = await pair(unit.db, targetId, sourceId);
  const nameFrom = chosen('keepNameOf', choice.keepNameOf, target, source, older);
  const ownerFrom = chosen(
    'keepOwnerOf',
    choice.keepOwnerOf,
    target,
    source,
    older.owner_id !== null ? older : older === target ? source : target,
  );
  const before = {
    target: await getCustomer(unit.db, targetId),
    source: await getCustomer(unit.db, sourceId),
  };
  const rows = {} as Record<MovingTable, number[]>;
  for (const table of movingTables) {
    rows[table] = await idsOf(unit.db, table, sourceId);
    if (rows[table].length > 0)
      await unit.db
        .updateTable(table)
        .set({ customer_id: targetId })
        .where('id', 'in', rows[table])
        .execute();
  }
  const mergedRecords = (
    await unit.db
      .selectFrom('customers')
      .select('id')
      .where('merged_into_id', '=', sourceId)
      .execute()
  ).map((r) => r.id);
  if (mergedRecords.length > 0)
    await unit.db
      .updateTable('customers')
      .set({ merged_into_id: targetId })
      .where('id', 'in', mergedRecords)
      .execute();
  const targetBefore: TargetBefore = {
    displayName: target.display_name,
    ownerId: target.owner_id,
    lastAdvisorId: target.last_advisor_id,
    language: target.language,
    consent: target.consent,
  };
  const newer = older === target ? source : target;
  await unit.db
    .updateTable('customers')
    .set({
      display_name: nameFrom.display_name,
      owner_id: ownerFrom.owner_id,
      last_advisor_id: target.last_advisor_id ?? source.last_advisor_id,
      language: older.language ?? newer.language,
      consent: JSON.stringify(
        combinedConsent(consentFrom(target.consent), consentFrom(source.consent)),
      ),
      updated_at: unit.now,
    })
    .where('id', '=', targetId)
    .execute();
  await unit.db
    .updateTable('customers')
    .set({ merged_into_id: targetId, search_text: '', updated_at: unit.now })
    .where('id', '=', sourceId)
    .execute();
  await refreshSearchText(unit, targetId);
  const moved: Moved = { rows, mergedRecords };
  const merge = await unit.db
    .insertInto('customer_merges')
    .values({
      target_id: targetId,
      source_id: sourceId,
      merged_by: actor.type === 'advisor' ? actor.id : null,
      merged_at: unit.now,
      moved: JSON.stringify(moved),
      target_before: JSON.stringify(targetBefore),
      undone_at: null,
      undone_by: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'customer.merged',
    actor,
    entity: { type: 'customer', id: targetId },
    scope: { customerId: targetId },
    before,
    after: {
      targetId,
      sourceId,
      mergeId: merge.id,
      kept: { displayName: nameFrom.display_name, ownerId: ownerFrom.owner_id },
      moved: movesOf(rows),
    },
  });
  return merge.id;
}

function toMerge(
  row: Selectable<CustomerMergesTable>,
  sourceName: string,
  now: number,
  undoWindowMs: number,
): CustomerMerge {
  const moved = JSON.parse(row.moved) as Moved;
  const until = row.merged_at + undoWindowMs;
  return {
    id: row.id,
    targetId: row.target_id,
    sourceId: row.source_id,
    sourceName,
    mergedBy: row.merged_by,
    mergedAt: new Date(row.merged_at).toISOString(),
    moved: movesOf(moved.rows),
    undoneAt: row.undone_at === null ? null : new Date(row.undone_at).toISOString(),
    undoableUntil: row.undone_at === null && now < until ? new Date(until).toISOString() : null,
  };
}

/** The merges into a customer, latest first, each with until when it can be undone. */
export async function mergesInto(
  db: Kysely<Database>,
  targetId: number,
  now: number,
  undoWindowMs: number,
): Promise<CustomerMerge[]> {
  const rows = await db
    .selectFrom('customer_merges')
    .innerJoin('customers', 'customers.id', 'customer_merges.source_id')
    .selectAll('customer_merges')
    .select('customers.display_name as source_name')
    .where('customer_merges.target_id', '=', targetId)
    .orderBy('customer_merges.id', 'desc')
    .execute();
  return rows.map((r) => toMerge(r, r.source_name, now, undoWindowMs));
}

/** One merge, or NotFound. */
export async function getMerge(
  db: Kysely<Database>,
  mergeId: number,
  now: number,
  undoWindowMs: number,
): Promise<CustomerMerge> {
  const row = await db
    .selectFrom('customer_merges')
    .innerJoin('customers', 'customers.id', 'customer_merges.source_id')
    .selectAll('customer_merges')
    .select('customers.display_name as source_name')
    .where('customer_merges.id', '=', mergeId)
    .executeTakeFirst();
  if (!row) throw new NotFound('merge');
  return toMerge(row, row.source_name, now, undoWindowMs);
}

/**
 * Undoes a merge within the undo window: exactly what moved goes back to the source record (what
 * arrived since stays with the kept one), the kept record's name, owner, language and consent are
 * as they were, and the source is listed again. Recorded as an event.
 */
export async function undoMerge(
  unit: Unit,
  mergeId: number,
  actor: Actor,
  undoWindowMs: number,
): Promise<CustomerMerge> {
  const row = await unit.db
    .selectFrom('customer_merges')
    .selectAll()
    .where('id', '=', mergeId)
    .executeTakeFirst();
  if (!row) throw new NotFound('merge');
  if (row.undone_at !== null) throw new Conflict('this merge was already undone');
  if (unit.now >= row.merged_at + undoWindowMs)
    throw new Conflict(
      `a merge can be undone for ${Math.round(undoWindowMs / 86_400_000)} days; this one is older`,
    );
  const target = await unit.db
    .selectFrom('customers')
    .selectAll()
    .where('id', '=', row.target_id)
    .executeTakeFirstOrThrow();
  const source = await unit.db
    .selectFrom('customers')
    .selectAll()
    .where('id', '=', row.source_id)
    .executeTakeFirstOrThrow();
  if (target.erased_at !== null || source.erased_at !== null)
    throw new Conflict('the customer was erased since: there is nothing to put back');
  if (target.merged_into_id !== null)
    throw new Conflict('the kept record was merged into another since: undo that merge first');
  if (source.merged_into_id !== row.target_id)
    throw new Conflict('the merged record no longer points at the kept one');
  const moved = JSON.parse(row.moved) as Moved;
  for (const table of movingTables) {
    const ids = moved.rows[table] ?? [];
    if (ids.length === 0) continue;
    await unit.db
      .updateTable(table)
      .set({ customer_id: row.source_id })
      .where('id', 'in', ids)
      .where('customer_id', '=', row.target_id)
      .execute();
  }
  if (moved.mergedRecords.length > 0)
    await unit.db
      .updateTable('customers')
      .set({ merged_into_id: row.source_id })
      .where('id', 'in', moved.mergedRecords)
      .where('merged_into_id', '=', row.target_id)
      .execute();
  const before = JSON.parse(row.target_before) as TargetBefore;
  await unit.db
    .updateTable('customers')
    .set({
      display_name: before.displayName,
      owner_id: before.ownerId,
      last_advisor_id: before.lastAdvisorId,
      language: before.language,
      consent: before.consent,
      updated_at: unit.now,
    })
    .where('id', '=', row.target_id)
    .execute();
  await unit.db
    .updateTable('customers')
    .set({ merged_into_id: null, updated_at: unit.now })
    .where('id', '=', row.source_id)
    .execute();
  await refreshSearchText(unit, row.target_id);
  await refreshSearchText(unit, row.source_id);
  await unit.db
    .updateTable('customer_merges')
    .set({ undone_at: unit.now, undone_by: actor.type === 'advisor' ? actor.id : null })
    .where('id', '=', mergeId)
    .execute();
  await unit.record({
    type: 'customer.merge-undone',
    actor,
    entity: { type: 'customer', id: row.target_id },
    scope: { customerId: row.target_id },
    before: { targetId: row.target_id, sourceId: row.source_id },
    after: { mergeId, sourceId: row.source_id, moved: movesOf(moved.rows) },
  });
  return getMerge(unit.db, mergeId, unit.now, undoWindowMs);
}
