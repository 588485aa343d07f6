/**
 * Repairs at the shop's counter: the intake (device, serial number, fault, condition, what was left
 * with it, photos), the estimate the customer accepts or declines from a signed link, and the status
 * flow received → diagnosing → waiting-for-parts → repaired → ready-for-pickup → collected, each
 * step a `shop_repair_steps` row and an event. Which step tells the customer, and with what, is one
 * map (`transitionNotices`); a draft never tells anybody.
 */
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database, ShopRepairsTable } from '../../platform/db/schema.ts';
import type { Unit } from '../../platform/db/writer.ts';
import type { StorageDialect } from '../../platform/db/dialects/storage-dialect.ts';
import type { Actor } from '../../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../../platform/errors.ts';
import type { Viewer } from '../../advisors/access.ts';
import { requireVisibleCustomer, resolveCustomer } from '../../customers/customers.ts';
import { activeStatuses, openConversation, scopeOf } from '../../conversations/conversations.ts';
import type { Outbox } from '../send-queue.ts';
import { putBlob } from '../blobs.ts';
import { notifyCustomer, type NoticeChannel, type ShopNotice } from './notify.ts';
import type {
  EstimateDecision,
  EstimateState,
  Repair,
  RepairNoticeChannel,
  RepairStatus,
  RepairStatusView,
  RepairSummary,
} from '../../api-types/repairs.ts';

type RepairRow = { id: number } & Omit<ShopRepairsTable, 'id'>;

export const repairStatuses = [
  'draft',
  'received',
  'diagnosing',
  'waiting-for-parts',
  'repaired',
  'ready-for-pickup',
  'collected',
] as const satisfies readonly RepairStatus[];

/** A move from one status to another, as the map below names it. */
export type Transition = `${RepairStatus}->${RepairStatus}`;

/** What the customer is told about their repair: one text per kind. */
export type RepairNoticeKind =
  'received' | 'waiting-for-parts' | 'ready' | 'ready-unrepaired' | 'collected';

/**
 * The allowed moves and what each tells the customer (null: nothing). A move not listed is refused.
 * Going back from waiting-for-parts to diagnosing is the part arriving; ready-for-pickup straight
 * from the bench is a device returned unrepaired after the customer declined the estimate.
 */
export const transitionNotices = {
  'draft->received': 'received',
  'received->diagnosing': null,
  'diagnosing->waiting-for-parts': 'waiting-for-parts',
  'diagnosing->repaired': null,
  'diagnosing->ready-for-pickup': 'ready-unrepaired',
  'waiting-for-parts->diagnosing': null,
  'waiting-for-parts->repaired': null,
  'waiting-for-parts->ready-for-pickup': 'ready-unrepaired',
  'repaired->ready-for-pickup': 'ready',
  'ready-for-pickup->collected': 'collected',
} as const satisfies Partial<Record<Transition, RepairNoticeKind | null>>;

type AllowedTransition = keyof typeof transitionNotices;

const isAllowed = (transition: string): transition is AllowedTransition =>
  Object.hasOwn(transitionNotices, transition);

/** The statuses the map lets a repair move to from `status`, in the map's order. */
export function nextStatuses(status: RepairStatus): RepairStatus[] {
  return Object.keys(transitionNotices)
    .filter((t) => t.startsWith(`${status}->`))
    .map((t) => t.slice(status.length + 2) as RepairStatus);
}

/** The moves open to a repair now: the map's, less those its estimate holds back (`moveRefusal`). */
export function possibleMoves(status: RepairStatus, estimate: EstimateState): RepairStatus[] {
  return nextStatuses(status).filter(
    (to) => moveRefusal(`${status}->${to}` as AllowedTransition, estimate) === null,
  );
}

const statusNames: Record<RepairStatus, string> = {
  draft: 'draft',
  received: 'received',
  diagnosing: 'diagnosing',
  'waiting-for-parts': 'waiting for parts',
  repaired: 'repaired',
  'ready-for-pickup': 'ready for pickup',
  collected: 'collected',
};

/**
 * Why a move listed in the map is refused in this repair's state, or null when it may go: the bench
 * waits for the customer's answer to a proposed estimate, a declined one returns the device unrepaired.
 */
export function moveRefusal(transition: AllowedTransition, estimate: EstimateState): string | null {
  const to = transition.split('->')[1] as RepairStatus;
  if (to === 'repaired' && estimate === 'proposed')
    return 'the customer has not answered the estimate yet';
  if (to === 'repaired' && estimate === 'declined')
    return 'the customer declined the estimate: return the device unrepaired (ready for pickup)';
  if (transitionNotices[transition] === 'ready-unrepaired' && estimate !== 'declined')
    return 'only a device whose estimate was declined goes back unrepaired; mark it repaired first';
  return null;
}

/** A time on the shop's clock naming its zone: "Tue 1 Dec 2026, 14:05 (Europe/Paris, GMT+1)". */
export function shopLocalTime(timeZone: string, at: number): string {
  const local = DateTime.fromMillis(at, { zone: timeZone });
  return `${local.toFormat('ccc d LLL yyyy, HH:mm')} (${timeZone}, ${local.toFormat('ZZZZ')})`;
}

/** An amount in minor units as a person reads it: 8900 EUR is "€89.00". */
export function formatAmount(amountCents: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(
      amountCents / 100,
    );
  } catch {
    return `${(amountCents / 100).toFixed(2)} ${currency}`;
  }
}

/* ---------- photos ---------- */

/** The image types a repair's photo may be, told by their first bytes (the declared type is not trusted). */
export function sniffImage(bytes: Buffer): string | null {
  const starts = (sig: readonly number[], at = 0) =>
    bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x47, 0x49, 0x46, 0x38]) && (bytes[4] === 0x37 || bytes[4] === 0x39))
    return 'image/gif';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return null;
}

/** At most this many photos per repair. */
export const maxRepairPhotos = 12;

/** A photo's name without folders, control or direction characters, at most 120 characters. */
function photoName(raw: string | undefined, contentType: string): string {
  let name = raw ?? '';
  try {
    name = decodeURIComponent(name);
  } catch {
    // not percent-encoded: kept as it is
  }
  name = (name.split(/[/\\]/).pop() ?? '')
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 120);
  return name || `photo.${contentType.split('/')[1]}`;
}

/* ---------- reading ---------- */

/** Loads a repair the viewer may see; another shop's repair is NotFound, exactly like a missing one. */
export async function visibleRepair(
  db: Kysely<Database>,
  id: number,
  viewer: Viewer,
): Promise<RepairRow> {
  const row = await db
    .selectFrom('shop_repairs')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row || !seesShop(viewer, row.shop_id)) throw new NotFound('repair');
  return row;
}

/** Shop advisors see their own shop's repairs; supervisors and admins every shop's. */
function seesShop(viewer: Viewer, shopId: number): boolean {
  if (viewer.role === 'supervisor' || viewer.role === 'admin') return true;
  return viewer.role === 'shop_advisor' && viewer.shopId === shopId;
}

/** The repair as the desk shows it; `statusUrl` is the customer's signed link. */
export async function toRepair(
  db: Kysely<Database>,
  row: RepairRow,
  statusUrl: string,
): Promise<Repair> {
  const shop = await db
    .selectFrom('shops')
    .select(['name', 'time_zone'])
    .where('id', '=', row.shop_id)
    .executeTakeFirstOrThrow();
  const customer = await db
    .selectFrom('customers')
    .select('display_name')
    .where('id', '=', row.customer_id)
    .executeTakeFirstOrThrow();
  const photos = await db
    .selectFrom('shop_repair_photos')
    .leftJoin('blobs', 'blobs.sha256', 'shop_repair_photos.blob_sha256')
    .select([
      'shop_repair_photos.id',
      'shop_repair_photos.name',
      'shop_repair_photos.content_type',
      'blobs.size',
    ])
    .where('shop_repair_photos.repair_id', '=', row.id)
    .orderBy('shop_repair_photos.id')
    .execute();
  const steps = await stepsOf(db, row.id);
  const zone = shop.time_zone;
  return {
    id: row.id,
    shopId: row.shop_id,
    shopName: shop.name,
    timeZone: zone,
    customerId: row.customer_id,
    customerName: customer.display_name,
    conversationId: row.conversation_id,
    ticketId: row.ticket_id,
    advisorId: row.advisor_id,
    device: row.device,
    serialNumber: row.serial_number,
    fault: row.fault,
    condition: row.condition,
    accessories: JSON.parse(row.accessories) as string[],
    status: row.status as RepairStatus,
    nextStatuses: possibleMoves(row.status as RepairStatus, row.estimate_state as EstimateState),
    estimate: estimateOf(row),
    dueAt: row.due_at === null ? null : new Date(Number(row.due_at)).toISOString(),
    dueLocal: row.due_at === null ? null : shopLocalTime(zone, Number(row.due_at)),
    notifyChannel: row.notify_channel as RepairNoticeChannel | null,
    photos: photos.map((p) => ({
      id: p.id,
      name: p.name,
      contentType: p.content_type,
      size: Number(p.size ?? 0),
      url: `/api/repairs/${row.id}/photos/${p.id}`,
    })),
    steps: steps.map((s) => ({
      id: s.id,
      status: s.status as RepairStatus,
      at: new Date(Number(s.at)).toISOString(),
      localTime: shopLocalTime(zone, Number(s.at)),
      advisorId: s.advisor_id,
      note: s.note,
      interactionId: s.interaction_id,
      toldOn: (s.channel as RepairNoticeChannel | null) ?? null,
    })),
    statusUrl,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}

function stepsOf(db: Kysely<Database>, repairId: number) {
  return db
    .selectFrom('shop_repair_steps')
    .leftJoin('interactions', 'interactions.id', 'shop_repair_steps.interaction_id')
    .select([
      'shop_repair_steps.id',
      'shop_repair_steps.status',
      'shop_repair_steps.at',
      'shop_repair_steps.advisor_id',
      'shop_repair_steps.note',
      'shop_repair_steps.interaction_id',
      'interactions.channel',
    ])
    .where('shop_repair_steps.repair_id', '=', repairId)
    .orderBy('shop_repair_steps.at')
    .orderBy('shop_repair_steps.id')
    .execute();
}

function estimateOf(row: RepairRow) {
  if (row.estimate_state === 'none' || row.estimate_cents === null) return null;
  return {
    amountCents: Number(row.estimate_cents),
    currency: row.estimate_currency ?? 'EUR',
    note: row.estimate_note ?? '',
    state: row.estimate_state as EstimateState,
    decidedAt:
      row.estimate_decided_at === null
        ? null
        : new Date(Number(row.estimate_decided_at)).toISOString(),
  };
}

/** A shop's repairs, the ones still in the shop first (by due time), then the collected ones. */
export async function listRepairs(
  db: Kysely<Database>,
  viewer: Viewer,
  filter: { readonly shopId?: number | undefined; readonly status?: RepairStatus | undefined },
): Promise<{ shopId: number; items: RepairSummary[] }> {
  const shopId = filter.shopId ?? viewer.shopId;
  if (shopId == null) throw new Invalid('shopId', 'name the shop whose repairs to list');
  const shop = await db
    .selectFrom('shops')
    .select(['id', 'time_zone'])
    .where('id', '=', shopId)
    .executeTakeFirst();
  if (!shop || !seesShop(viewer, shop.id)) throw new NotFound('shop');
  let query = db
    .selectFrom('shop_repairs')
    .innerJoin('customers', 'customers.id', 'shop_repairs.customer_id')
    .select([
      'shop_repairs.id',
      'shop_repairs.device',
      'shop_repairs.status',
      'shop_repairs.estimate_state',
      'shop_repairs.due_at',
      'shop_repairs.updated_at',
      'customers.display_name',
    ])
    .where('shop_repairs.shop_id', '=', shopId);
  if (filter.status) query = query.where('shop_repairs.status', '=', filter.status);
  const rows = await query.orderBy('shop_repairs.id', 'desc').limit(500).execute();
  const order = (s: string) => (s === 'collected' ? 1 : 0);
  rows.sort(
    (a, b) =>
      order(a.status) - order(b.status) ||
      Number(a.due_at ?? Number.MAX_SAFE_INTEGER) - Number(b.due_at ?? Number.MAX_SAFE_INTEGER) ||
      b.id - a.id,
  );
  return {
    shopId,
    items: rows.map((r) => ({
      id: r.id,
      customerName: r.display_name,
      device: r.device,
      status: r.status as RepairStatus,
      estimateState: r.estimate_state as EstimateState,
      dueAt: r.due_at === null ? null : new Date(Number(r.due_at)).toISOString(),
      dueLocal: r.due_at === null ? null : shopLocalTime(shop.time_zone, Number(r.due_at)),
      updatedAt: new Date(Number(r.updated_at)).toISOString(),
    })),
  };
}

/** What the customer's status page shows of a repair: no staff, no internal notes. */
export async function repairStatusView(
  db: Kysely<Database>,
  id: number,
): Promise<RepairStatusView> {
  const row = await db
    .selectFrom('shop_repairs')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  // A draft is not a repair yet for the customer: its link (never sent) opens nothing.
  if (!row || row.status === 'draft') throw new NotFound('repair', 'repair-link-invalid');
  const shop = await db
    .selectFrom('shops')
    .select(['name', 'address', 'city', 'time_zone'])
    .where('id', '=', row.shop_id)
    .executeTakeFirstOrThrow();
  const zone = shop.time_zone;
  const estimate = estimateOf(row);
  const steps = await stepsOf(db, id);
  return {
    device: row.device,
    serialNumber: row.serial_number,
    shop: { name: shop.name, address: shop.address, city: shop.city, timeZone: zone },
    status: row.status as RepairStatus,
    steps: steps.map((s) => ({
      status: s.status as RepairStatus,
      at: new Date(Number(s.at)).toISOString(),
      localTime: shopLocalTime(zone, Number(s.at)),
    })),
    estimate: estimate && {
      ...estimate,
      decidedLocal:
        row.estimate_decided_at === null
          ? null
          : shopLocalTime(zone, Number(row.estimate_decided_at)),
    },
    dueLocal: row.due_at === null ? null : shopLocalTime(zone, Number(row.due_at)),
  };
}

/* ---------- intake ---------- */

/** Who the repair is for: a known customer, or found (or created) by phone or email. */
export type RepairCustomer =
  | { readonly id: number }
  | {
      readonly name?: string | undefined;
      readonly phone?: string | undefined;
      readonly email?: string | undefined;
    };

export interface RepairIntake {
  readonly shopId?: number | undefined;
  readonly customer: RepairCustomer;
  readonly device: string;
  readonly serialNumber: string;
  readonly fault: string;
  readonly condition: string;
  readonly accessories: readonly string[];
  readonly dueAt?: number | undefined;
  readonly notifyChannel?: RepairNoticeChannel | undefined;
  readonly ticketId?: number | undefined;
}

const scopeOfRepair = (row: Pick<RepairRow, 'shop_id' | 'customer_id' | 'conversation_id'>) => ({
  shopId: row.shop_id,
  customerId: row.customer_id,
  conversationId: row.conversation_id,
});

/**
 * Starts a repair at the desk, as a draft: nobody is told anything and no capacity is held until
 * the intake is confirmed (`moveRepair` to 'received').
 */
export async function draftRepair(
  unit: Unit,
  input: RepairIntake,
  viewer: Viewer,
  options: { readonly defaultRegion: string; readonly actor: Actor },
): Promise<RepairRow> {
  const shopId = input.shopId ?? viewer.shopId;
  if (shopId == null) throw new Invalid('shopId', 'name the shop the device is left at');
  const shop = await unit.db
    .selectFrom('shops')
    .select('id')
    .where('id', '=', shopId)
    .executeTakeFirst();
  if (!shop || !seesShop(viewer, shopId))
    throw new Invalid('shopId', 'no such shop, or not one you work at');
  if (input.dueAt !== undefined && input.dueAt <= unit.now)
    throw new Invalid('dueAt', 'is in the past: give when the repair should be ready');
  const accessories = [...new Set(input.accessories.map((a) => a.trim()).filter(Boolean))];
  let customerId: number;
  if ('id' in input.customer) {
    await requireVisibleCustomer(unit.db, input.customer.id, viewer).catch((error: unknown) => {
      if (error instanceof NotFound) throw new Invalid('customer.id', 'no such customer');
      throw error;
    });
    const row = await unit.db
      .selectFrom('customers')
      .select(['id', 'merged_into_id', 'erased_at'])
      .where('id', '=', input.customer.id)
      .executeTakeFirstOrThrow();
    if (row.erased_at !== null) throw new Invalid('customer.id', 'no such customer');
    customerId = row.merged_into_id ?? row.id;
  } else {
    const { name, phone, email } = input.customer;
    if (!phone && !email)
      throw new Invalid('customer', 'give the customer’s id, or their phone number or email');
    customerId = (
      await resolveCustomer(
        unit,
        { ...(phone ? { phone } : {}), ...(email ? { email } : {}) },
        { displayName: name, defaultRegion: options.defaultRegion, actor: options.actor },
      ).catch((error: unknown) => {
        // Named as the desk sent it: the customer's phone or email, not an inbound sender's.
        if (!(error instanceof Invalid)) throw error;
        const [first, ...more] = error.problems.map((p) => ({
          field: p.field.replace(/^from\./, 'customer.'),
          reason: p.reason,
        }));
        throw new Invalid(first!.field, first!.reason, more);
      })
    ).customerId;
  }
  if (input.ticketId !== undefined) {
    const ticket = await unit.db
      .selectFrom('shop_tickets')
      .select('id')
      .where('id', '=', input.ticketId)
      .where('shop_id', '=', shopId)
      .executeTakeFirst();
    if (!ticket) throw new Invalid('ticketId', 'no such ticket at this shop');
  }
  const row = await unit.db
    .insertInto('shop_repairs')
    .values({
      shop_id: shopId,
      customer_id: customerId,
      conversation_id: null,
      ticket_id: input.ticketId ?? null,
      advisor_id: viewer.id,
      device: input.device.trim(),
      serial_number: input.serialNumber.trim(),
      fault: input.fault.trim(),
      condition: input.condition.trim(),
      accessories: JSON.stringify(accessories),
      status: 'draft',
      estimate_cents: null,
      estimate_currency: null,
      estimate_note: null,
      estimate_state: 'none',
      estimate_decided_at: null,
      due_at: input.dueAt ?? null,
      notify_channel: input.notifyChannel ?? null,
      created_at: unit.now,
      updated_at: unit.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await unit.db
    .insertInto('shop_repair_steps')
    .values({
      repair_id: row.id,
      status: 'draft',
      advisor_id: viewer.id,
      note: '',
      interaction_id: null,
      at: unit.now,
    })
    .execute();
  await unit.record({
    type: 'shop.repair-drafted',
    actor: options.actor,
    entity: { type: 'repair', id: row.id },
    scope: scopeOfRepair(row),
    after: {
      shopId,
      customerId,
      device: row.device,
      serialNumber: row.serial_number,
      accessories,
      dueAt: row.due_at,
    },
  });
  return row;
}

/** What may change on a repair after the intake: its details while a draft, the due time and channel later. */
export interface RepairChanges {
  readonly device?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly fault?: string | undefined;
  readonly condition?: string | undefined;
  readonly accessories?: readonly string[] | undefined;
  /** A new due time (UTC ms), or null for none. */
  readonly dueAt?: number | null | undefined;
  readonly notifyChannel?: RepairNoticeChannel | null | undefined;
}

/**
 * Corrects a repair: what was taken in (device, serial, fault, condition, accessories) only while it
 * is a draft, since the customer was told of it since; the due time until it is ready (its bench
 * time moves with it) and the channel to tell them on until it is collected.
 */
export async function changeRepair(
  unit: Unit,
  repairId: number,
  changes: RepairChanges,
  viewer: Viewer,
  actor: Actor,
): Promise<RepairRow> {
  const repair = await visibleRepair(unit.db, repairId, viewer);
  const status = repair.status as RepairStatus;
  const intakeFields = ['device', 'serialNumber', 'fault', 'condition', 'accessories'] as const;
  const changed = intakeFields.find((f) => changes[f] !== undefined);
  if (changed && status !== 'draft')
    throw new Conflict(
      `the intake was confirmed: ${changed} no longer changes (note it on a step instead)`,
      'repair-status-refused',
    );
  if (changes.dueAt !== undefined && ['ready-for-pickup', 'collected'].includes(status))
    throw new Conflict(
      `the repair is ${statusNames[status]}: its due time is past use`,
      'repair-status-refused',
    );
  if (changes.notifyChannel !== undefined && status === 'collected')
    throw new Conflict('the device was collected: its file is closed', 'repair-status-refused');
  if (changes.dueAt != null && changes.dueAt <= unit.now)
    throw new Invalid('dueAt', 'is in the past: give when the repair should be ready');
  const accessories = changes.accessories
    ? [...new Set(changes.accessories.map((a) => a.trim()).filter(Boolean))]
    : undefined;
  const updated = await unit.db
    .updateTable('shop_repairs')
    .set({
      ...(changes.device !== undefined ? { device: changes.device.trim() } : {}),
      ...(changes.serialNumber !== undefined ? { serial_number: changes.serialNumber.trim() } : {}),
      ...(changes.fault !== undefined ? { fault: changes.fault.trim() } : {}),
      ...(changes.condition !== undefined ? { condition: changes.condition.trim() } : {}),
      ...(accessories ? { accessories: JSON.stringify(accessories) } : {}),
      ...(changes.dueAt !== undefined ? { due_at: changes.dueAt } : {}),
      ...(changes.notifyChannel !== undefined ? { notify_channel: changes.notifyChannel } : {}),
      updated_at: unit.now,
    })
    .where('id', '=', repairId)
    .where('status', '=', status)
    .returningAll()
    .executeTakeFirst();
  if (!updated)
    throw new Conflict('the repair moved on meanwhile: reload it', 'repair-status-refused');
  // A confirmed repair's bench time follows its due time.
  if (changes.dueAt !== undefined && status !== 'draft') {
    await releaseBench(unit, updated, actor);
    await reserveBench(unit, updated, actor);
  }
  await unit.record({
    type: 'shop.repair-changed',
    actor,
    entity: { type: 'repair', id: repairId },
    scope: scopeOfRepair(updated),
    before: {
      device: repair.device,
      serialNumber: repair.serial_number,
      fault: repair.fault,
      condition: repair.condition,
      accessories: JSON.parse(repair.accessories) as string[],
      dueAt: repair.due_at,
      notifyChannel: repair.notify_channel,
    },
    after: {
      device: updated.device,
      serialNumber: updated.serial_number,
      fault: updated.fault,
      condition: updated.condition,
      accessories: JSON.parse(updated.accessories) as string[],
      dueAt: updated.due_at,
      notifyChannel: updated.notify_channel,
    },
  });
  return updated;
}

/** Keeps one photo of the device (an image, told by its bytes) with the repair. */
export async function addRepairPhoto(
  unit: Unit,
  repairId: number,
  file: { readonly bytes: Buffer; readonly name?: string | undefined },
  viewer: Viewer,
  options: { readonly maxBytes: number; readonly actor: Actor },
) {
  const repair = await visibleRepair(unit.db, repairId, viewer);
  if (repair.status === 'collected')
    throw new Conflict('the device was collected: its file is closed', 'repair-status-refused');
  if (file.bytes.length === 0) throw new Invalid('body', 'the photo is empty');
  if (file.bytes.length > options.maxBytes)
    throw new Invalid(
      'body',
      `the photo is larger than ${Math.floor(options.maxBytes / 1_000_000)} MB`,
    );
  const contentType = sniffImage(file.bytes);
  if (!contentType)
    throw new Invalid('body', 'is not a photo: send a PNG, JPEG, GIF or WebP image');
  const count = await unit.db
    .selectFrom('shop_repair_photos')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('repair_id', '=', repairId)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= maxRepairPhotos)
    throw new Invalid('body', `a repair keeps at most ${maxRepairPhotos} photos`);
  const sha256 = await putBlob(unit.db, file.bytes, contentType, unit.now);
  const photo = await unit.db
    .insertInto('shop_repair_photos')
    .values({
      repair_id: repairId,
      blob_sha256: sha256,
      name: photoName(file.name, contentType),
      content_type: contentType,
      created_at: unit.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await unit.db
    .updateTable('shop_repairs')
    .set({ updated_at: unit.now })
    .where('id', '=', repairId)
    .execute();
  await unit.record({
    type: 'shop.repair-photo-added',
    actor: options.actor,
    entity: { type: 'repair', id: repairId },
    scope: scopeOfRepair(repair),
    after: { photoId: photo.id, name: photo.name, contentType, size: file.bytes.length, sha256 },
  });
  return { id: photo.id, name: photo.name, contentType, size: file.bytes.length };
}

/** The stored bytes of a repair's photo, for those who may see the repair. */
export async function repairPhoto(
  db: Kysely<Database>,
  repairId: number,
  photoId: number,
  viewer: Viewer,
) {
  await visibleRepair(db, repairId, viewer);
  const row = await db
    .selectFrom('shop_repair_photos')
    .innerJoin('blobs', 'blobs.sha256', 'shop_repair_photos.blob_sha256')
    .select(['shop_repair_photos.name', 'shop_repair_photos.content_type', 'blobs.bytes'])
    .where('shop_repair_photos.id', '=', photoId)
    .where('shop_repair_photos.repair_id', '=', repairId)
    .executeTakeFirst();
  if (!row) throw new NotFound('photo');
  return { name: row.name, contentType: row.content_type, bytes: Buffer.from(row.bytes) };
}

/* ---------- telling the customer ---------- */

/** Everything a notice needs besides the unit: the send queue and the status page's address. */
export interface NoticeDeps {
  readonly outbox: Outbox | undefined;
  /** The customer's status page, `<public url>/repairs/<signed token>`. */
  readonly statusUrl: string;
}

/**
 * The channels to tell the customer on, best first: the one they asked for at the desk, else the
 * one of SMS and email they last wrote to us on, else SMS (a phone in the hand); the other follows
 * in case the first cannot be used.
 */
export async function noticeChannels(
  db: Kysely<Database>,
  repair: Pick<RepairRow, 'customer_id' | 'notify_channel'>,
): Promise<NoticeChannel[]> {
  let first: NoticeChannel | undefined =
    repair.notify_channel === 'sms' || repair.notify_channel === 'email'
      ? repair.notify_channel
      : undefined;
  if (!first) {
    const last = await db
      .selectFrom('interactions')
      .select('channel')
      .where('customer_id', '=', repair.customer_id)
      .where('direction', '=', 'inbound')
      .where('channel', 'in', ['sms', 'email'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    first = (last?.channel as NoticeChannel | undefined) ?? 'sms';
  }
  return first === 'sms' ? ['sms', 'email'] : ['email', 'sms'];
}

/** The text of each notice, in the customer's words; the status link ends every one. */
export function repairNotice(
  kind: RepairNoticeKind | 'estimate',
  facts: {
    readonly device: string;
    readonly shopName: string;
    readonly shopAddress: string;
    readonly dueLocal: string | null;
    readonly estimate: string | null;
    readonly statusUrl: string;
  },
): ShopNotice {
  const { device, shopName, statusUrl } = facts;
  switch (kind) {
    case 'received':
      return {
        subject: `We have your ${device}`,
        text:
          `${shopName} has your ${device} for repair.` +
          (facts.dueLocal ? ` We aim to have it ready by ${facts.dueLocal}.` : '') +
          (facts.estimate
            ? ` Our estimate: ${facts.estimate}; accept or decline it on the page.`
            : '') +
          ` Follow it here: ${statusUrl}`,
      };
    case 'estimate':
      return {
        subject: `Estimate for your ${device}`,
        text: `Our estimate to repair your ${device} is ${facts.estimate}. Accept or decline it here: ${statusUrl}`,
      };
    case 'waiting-for-parts':
      return {
        subject: `Your ${device} is waiting for a part`,
        text: `Your ${device} is waiting for a part; we will tell you when the repair moves on. ${statusUrl}`,
      };
    case 'ready':
      return {
        subject: `Your ${device} is ready for pickup`,
        text: `Your ${device} is repaired and ready for pickup at ${shopName}, ${facts.shopAddress}. ${statusUrl}`,
      };
    case 'ready-unrepaired':
      return {
        subject: `Your ${device} is ready for pickup`,
        text: `Your ${device} is ready for pickup at ${shopName}, ${facts.shopAddress}, not repaired as you declined the estimate. ${statusUrl}`,
      };
    case 'collected':
      return {
        subject: `You collected your ${device}`,
        text: `You collected your ${device} from ${shopName}. Thank you for your visit. ${statusUrl}`,
      };
  }
}

async function tell(
  unit: Unit,
  repair: RepairRow,
  kind: RepairNoticeKind | 'estimate',
  deps: NoticeDeps,
  actor: Actor,
) {
  if (repair.status === 'draft' || repair.conversation_id === null) return null;
  const shop = await unit.db
    .selectFrom('shops')
    .select(['name', 'address', 'city', 'time_zone'])
    .where('id', '=', repair.shop_id)
    .executeTakeFirstOrThrow();
  const estimate =
    repair.estimate_state === 'proposed' && repair.estimate_cents !== null
      ? formatAmount(Number(repair.estimate_cents), repair.estimate_currency ?? 'EUR')
      : null;
  const notice = repairNotice(kind, {
    device: repair.device,
    shopName: shop.name,
    shopAddress: `${shop.address}, ${shop.city}`,
    dueLocal: repair.due_at === null ? null : shopLocalTime(shop.time_zone, Number(repair.due_at)),
    estimate,
    statusUrl: deps.statusUrl,
  });
  return notifyCustomer(unit, deps.outbox, {
    conversationId: repair.conversation_id,
    channels: await noticeChannels(unit.db, repair),
    mode: 'first',
    notice,
    actor,
  });
}

/* ---------- the status flow ---------- */

/**
 * The customer's case for the repair: their most recent active case (any channel: one company, one
 * conversation), or a new shop case owned by the advisor at the counter; the intake itself goes on
 * it as a shop visit, so it shows on their timeline with their emails, calls and chats.
 */
async function openOrContinueCase(
  unit: Unit,
  repair: RepairRow,
  viewer: Viewer,
  dialect: StorageDialect,
  actor: Actor,
): Promise<number> {
  await dialect.lockCustomer(unit.db, repair.customer_id);
  let conversation = await unit.db
    .selectFrom('conversations')
    .selectAll()
    .where('customer_id', '=', repair.customer_id)
    .where('status', 'in', activeStatuses)
    .orderBy('last_interaction_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!conversation)
    conversation = await openConversation(
      unit,
      {
        customerId: repair.customer_id,
        subject: `Repair: ${repair.device}`.slice(0, 200),
        channel: 'shop',
        shopId: repair.shop_id,
        ownerId: viewer.role === 'shop_advisor' ? viewer.id : null,
      },
      actor,
    );
  const accessories = JSON.parse(repair.accessories) as string[];
  const text = [
    `Repair intake: ${repair.device}${repair.serial_number ? ` (serial ${repair.serial_number})` : ''}.`,
    `Fault: ${repair.fault}`,
    repair.condition ? `Condition: ${repair.condition}` : '',
    accessories.length > 0 ? `Left with it: ${accessories.join(', ')}` : 'Left with it: nothing',
  ]
    .filter(Boolean)
    .join('\n');
  const account = await unit.db
    .selectFrom('channel_accounts')
    .select(['id', 'address'])
    .where('channel', '=', 'shop')
    .where('enabled', '=', 1)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  const interaction = await unit.db
    .insertInto('interactions')
    .values({
      conversation_id: conversation.id,
      customer_id: repair.customer_id,
      channel: 'shop',
      kind: 'shop_visit',
      direction: 'inbound',
      author_type: 'customer',
      author_id: repair.customer_id,
      text,
      html: null,
      attachments: '[]',
      provider: null,
      provider_id: null,
      is_private: 0,
      delivery_state: 'received',
      created_at: unit.now,
      automated: 0,
      account_id: account?.id ?? null,
      from_address: null,
      to_address: account?.address ?? null,
      cc: null,
      thread_id: null,
      subject: `Repair: ${repair.device}`.slice(0, 200),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await unit.db
    .updateTable('conversations')
    .set({
      last_interaction_at: unit.now,
      updated_at: unit.now,
      // The customer at the counter puts a case waiting for them, or resolved, back with us.
      status:
        conversation.status === 'pending_customer'
          ? 'pending_us'
          : conversation.status === 'resolved'
            ? 'open'
            : conversation.status,
    })
    .where('id', '=', conversation.id)
    .execute();
  await unit.record({
    type: 'interaction.received',
    actor,
    entity: { type: 'interaction', id: interaction.id },
    scope: scopeOf(conversation),
    after: {
      channel: 'shop',
      kind: 'shop_visit',
      conversationId: conversation.id,
      customerId: repair.customer_id,
      text: text.slice(0, 280),
      automated: false,
    },
  });
  return conversation.id;
}

/** How long a repair holds the bench before its due time: the device-repair service's time, else 40 minutes. */
async function benchMinutes(db: Kysely<Database>, shopId: number): Promise<number> {
  const service = await db
    .selectFrom('shop_services')
    .innerJoin('shop_offered_services', 'shop_offered_services.service_id', 'shop_services.id')
    .select(['shop_services.duration_minutes', 'shop_services.buffer_minutes'])
    .where('shop_offered_services.shop_id', '=', shopId)
    .where('shop_services.code', '=', 'device-repair')
    .executeTakeFirst();
  return service ? service.duration_minutes + service.buffer_minutes : 40;
}

/**
 * Holds the bench time before a repair's due time as a reservation (source 'repair'), so free
 * slots for bookings leave that advisor's time out.
 */
async function reserveBench(unit: Unit, repair: RepairRow, actor: Actor): Promise<void> {
  if (repair.due_at === null) return;
  const ends = Number(repair.due_at);
  const starts = Math.max(unit.now, ends - (await benchMinutes(unit.db, repair.shop_id)) * 60_000);
  const reservation = await unit.db
    .insertInto('shop_reservations')
    .values({
      shop_id: repair.shop_id,
      advisor_id: repair.advisor_id,
      desk_id: null,
      starts_at: starts,
      ends_at: ends,
      reason: `Repair: ${repair.device}`.slice(0, 200),
      source_type: 'repair',
      source_id: repair.id,
      created_at: unit.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'shop.reservation-made',
    actor,
    entity: { type: 'reservation', id: reservation.id },
    scope: { shopId: repair.shop_id },
    after: {
      sourceType: 'repair',
      sourceId: repair.id,
      advisorId: repair.advisor_id,
      startsAt: starts,
      endsAt: ends,
    },
  });
}

/**
 * Gives back the bench time a repair no longer needs once its work is done (ready for pickup): a
 * reservation not yet begun goes, one under way ends now, so the advisor's time is bookable again.
 */
async function releaseBench(unit: Unit, repair: RepairRow, actor: Actor): Promise<void> {
  const held = await unit.db
    .selectFrom('shop_reservations')
    .select(['id', 'starts_at', 'ends_at'])
    .where('source_type', '=', 'repair')
    .where('source_id', '=', repair.id)
    .where('ends_at', '>', unit.now)
    .execute();
  for (const reservation of held) {
    const started = Number(reservation.starts_at) < unit.now;
    if (started)
      await unit.db
        .updateTable('shop_reservations')
        .set({ ends_at: unit.now })
        .where('id', '=', reservation.id)
        .execute();
    else await unit.db.deleteFrom('shop_reservations').where('id', '=', reservation.id).execute();
    await unit.record({
      type: 'shop.reservation-released',
      actor,
      entity: { type: 'reservation', id: reservation.id },
      scope: { shopId: repair.shop_id },
      before: { startsAt: Number(reservation.starts_at), endsAt: Number(reservation.ends_at) },
      after: started ? { startsAt: Number(reservation.starts_at), endsAt: unit.now } : null,
    });
  }
}

/**
 * Moves a repair to its next status: allowed moves only (`transitionNotices`), each a step and an
 * event, and the customer told as the map says, on the channel they prefer. Confirming a draft
 * ('received') opens or continues their case and holds the bench time before the due time; ready
 * for pickup gives back what is left of it.
 */
export async function moveRepair(
  unit: Unit,
  repairId: number,
  to: RepairStatus,
  viewer: Viewer,
  deps: NoticeDeps & {
    readonly dialect: StorageDialect;
    readonly actor: Actor;
    readonly note?: string | undefined;
  },
): Promise<RepairRow> {
  const repair = await visibleRepair(unit.db, repairId, viewer);
  const from = repair.status as RepairStatus;
  const transition = `${from}->${to}`;
  if (!isAllowed(transition)) {
    const allowed = nextStatuses(from).map((s) => statusNames[s]);
    throw new Conflict(
      from === to
        ? `the repair is already ${statusNames[to]}`
        : `a repair ${statusNames[from]} cannot go to ${statusNames[to]}` +
            (allowed.length > 0 ? `; next: ${allowed.join(' or ')}` : ': it is finished'),
      'repair-status-refused',
    );
  }
  const refusal = moveRefusal(transition, repair.estimate_state as EstimateState);
  if (refusal) throw new Conflict(refusal, 'repair-status-refused');
  let conversationId = repair.conversation_id;
  if (from === 'draft') {
    if (repair.due_at !== null && Number(repair.due_at) <= unit.now)
      throw new Invalid('dueAt', 'has passed since the draft was made: set a new due time');
    conversationId ??= await openOrContinueCase(unit, repair, viewer, deps.dialect, deps.actor);
  }
  // Conditional on the status read above: two clicks at once move it once, the second is refused.
  const moved = await unit.db
    .updateTable('shop_repairs')
    .set({ status: to, conversation_id: conversationId, updated_at: unit.now })
    .where('id', '=', repairId)
    .where('status', '=', from)
    .returningAll()
    .executeTakeFirst();
  if (!moved)
    throw new Conflict('the repair moved on meanwhile: reload it', 'repair-status-refused');
  if (from === 'draft') await reserveBench(unit, moved, deps.actor);
  if (to === 'ready-for-pickup') await releaseBench(unit, moved, deps.actor);
  const kind = transitionNotices[transition];
  const told = kind ? await tell(unit, moved, kind, deps, deps.actor) : null;
  const sent = told?.sent[0];
  const step = await unit.db
    .insertInto('shop_repair_steps')
    .values({
      repair_id: repairId,
      status: to,
      advisor_id: viewer.id,
      note: deps.note?.trim() ?? '',
      interaction_id: sent?.interaction.id ?? null,
      at: unit.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'shop.repair-moved',
    actor: deps.actor,
    entity: { type: 'repair', id: repairId },
    scope: scopeOfRepair(moved),
    before: { status: from },
    after: {
      status: to,
      stepId: step.id,
      notice: kind,
      toldOn: sent?.channel ?? null,
      skipped: told?.skipped ?? [],
    },
  });
  return moved;
}

/* ---------- the estimate ---------- */

/**
 * Proposes (or, before the customer answers, revises) the price of a repair; the customer is told
 * with the link to accept or decline it, unless the repair is still a draft (the intake's
 * confirmation carries it then). Once they have answered, the estimate stands.
 */
export async function proposeEstimate(
  unit: Unit,
  repairId: number,
  estimate: { readonly amountCents: number; readonly currency: string; readonly note: string },
  viewer: Viewer,
  deps: NoticeDeps & { readonly actor: Actor },
): Promise<RepairRow> {
  const repair = await visibleRepair(unit.db, repairId, viewer);
  if (repair.estimate_state === 'accepted' || repair.estimate_state === 'declined')
    throw new Conflict(
      `the customer already ${repair.estimate_state} the estimate: it cannot change now`,
      'estimate-decided',
    );
  if (!['draft', 'received', 'diagnosing', 'waiting-for-parts'].includes(repair.status))
    throw new Conflict(
      `the repair is ${statusNames[repair.status as RepairStatus]}: an estimate comes before the work`,
      'repair-status-refused',
    );
  const currency = estimate.currency.toUpperCase();
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency });
  } catch {
    throw new Invalid('currency', 'is not an ISO 4217 currency code');
  }
  const updated = await unit.db
    .updateTable('shop_repairs')
    .set({
      estimate_cents: estimate.amountCents,
      estimate_currency: currency,
      estimate_note: estimate.note.trim(),
      estimate_state: 'proposed',
      estimate_decided_at: null,
      updated_at: unit.now,
    })
    .where('id', '=', repairId)
    .where('estimate_state', 'in', ['none', 'proposed'])
    .returningAll()
    .executeTakeFirst();
  if (!updated)
    throw new Conflict('the customer answered meanwhile: reload it', 'estimate-decided');
  const told = await tell(unit, updated, 'estimate', deps, deps.actor);
  await unit.record({
    type: 'shop.repair-estimate-proposed',
    actor: deps.actor,
    entity: { type: 'repair', id: repairId },
    scope: scopeOfRepair(updated),
    before:
      repair.estimate_state === 'proposed'
        ? { amountCents: repair.estimate_cents, currency: repair.estimate_currency }
        : null,
    after: {
      amountCents: estimate.amountCents,
      currency,
      note: updated.estimate_note,
      toldOn: told?.sent[0]?.channel ?? null,
      skipped: told?.skipped ?? [],
    },
  });
  return updated;
}

/**
 * The customer's answer to the estimate, from their status page. Recorded once: the same answer
 * again changes nothing (a double tap, a retried request); the other answer afterwards is refused.
 */
export async function decideEstimate(
  unit: Unit,
  repairId: number,
  decision: EstimateDecision,
): Promise<{ readonly repair: RepairRow; readonly changed: boolean }> {
  const repair = await unit.db
    .selectFrom('shop_repairs')
    .selectAll()
    .where('id', '=', repairId)
    .executeTakeFirst();
  if (!repair || repair.status === 'draft') throw new NotFound('repair', 'repair-link-invalid');
  const wanted: EstimateState = decision === 'accept' ? 'accepted' : 'declined';
  if (repair.estimate_state === wanted) return { repair, changed: false };
  if (repair.estimate_state === 'accepted' || repair.estimate_state === 'declined')
    throw new Conflict(
      `you already ${repair.estimate_state} this estimate; call the shop to change your mind`,
      'estimate-decided',
    );
  if (repair.estimate_state === 'none')
    throw new Conflict('there is no estimate to answer yet', 'estimate-decided');
  const updated = await unit.db
    .updateTable('shop_repairs')
    .set({ estimate_state: wanted, estimate_decided_at: unit.now, updated_at: unit.now })
    .where('id', '=', repairId)
    .where('estimate_state', '=', 'proposed')
    .returningAll()
    .executeTakeFirst();
  // Both answers at once: the first wins; the same one again is the answer recorded.
  if (!updated) return decideEstimate(unit, repairId, decision);
  const amount = formatAmount(Number(updated.estimate_cents), updated.estimate_currency ?? 'EUR');
  const customerActor: Actor = { type: 'customer', id: updated.customer_id };
  if (updated.conversation_id !== null) {
    // The answer goes on the case as a note, so whoever serves the customer next sees it.
    const conversation = await unit.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', updated.conversation_id)
      .executeTakeFirstOrThrow();
    const text = `The customer ${wanted} the repair estimate of ${amount} for their ${updated.device} (status page).`;
    const note = await unit.db
      .insertInto('interactions')
      .values({
        conversation_id: conversation.id,
        customer_id: updated.customer_id,
        channel: 'internal',
        kind: 'note',
        direction: 'internal',
        author_type: 'system',
        author_id: null,
        text,
        html: null,
        attachments: '[]',
        provider: null,
        provider_id: null,
        is_private: 1,
        delivery_state: 'none',
        created_at: unit.now,
        automated: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await unit.db
      .updateTable('conversations')
      .set({ last_interaction_at: unit.now, updated_at: unit.now })
      .where('id', '=', conversation.id)
      .execute();
    await unit.record({
      type: 'interaction.noted',
      actor: customerActor,
      entity: { type: 'interaction', id: note.id },
      scope: scopeOf(conversation),
      after: { channel: 'internal', kind: 'note', conversationId: conversation.id, text },
    });
  }
  await unit.record({
    type: `shop.repair-estimate-${wanted}`,
    actor: customerActor,
    entity: { type: 'repair', id: repairId },
    scope: scopeOfRepair(updated),
    before: { state: 'proposed' },
    after: {
      state: wanted,
      amountCents: Number(updated.estimate_cents),
      currency: updated.estimate_currency,
    },
  });
  return { repair: updated, changed: true };
}
