import type { Kysely, Selectable } from 'kysely';
import type { Context } from '../../platform/context.ts';
import type { Database, ShopAppointmentsTable } from '../../platform/db/schema.ts';
import type { Unit } from '../../platform/db/writer.ts';
import type { Actor } from '../../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../../platform/errors.ts';
import { enqueueJob, type JobHandler } from '../../platform/jobs/jobs.ts';
import { describeLocal, localDateOf } from '../../shops/calendar.ts';
import {
  loadShopCalendar,
  loadSlotService,
  planDays,
  slotAt,
  type FreeSlot,
  type SlotService,
} from '../../shops/slots.ts';
import { advisorResource, claimCells, deskResource, releaseClaims } from '../../shops/claims.ts';
import { resolveCustomer } from '../../customers/customers.ts';
import { openConversation } from '../../conversations/conversations.ts';
import { normaliseEmail, normalisePhone } from '../addresses.ts';
import { putBlob } from '../blobs.ts';
import type { Outbox } from '../send-queue.ts';
import { readLink, signLink } from './links.ts';
import { notifyCustomer, type NoticeResult } from './notify.ts';
import { appointmentIcs } from './ics.ts';
import type {
  AppointmentStatus,
  AppointmentView,
  BookingResult,
} from '../../api-types/appointments.ts';

/**
 * Appointments at a shop, booked by the customer on the public page: booking finds or creates the
 * customer by email or phone, opens a case on the shop channel, and claims the slot's desk and
 * advisor cells (`shops/claims.ts`), all in one unit: of two racing bookings the database keeps
 * one. The customer is told by email (with an .ics) and SMS through the job queue, in the shop's
 * time with its zone named, with a signed link to move or cancel; a reminder the day before is a
 * job carrying the appointment's version, so a moved or cancelled one is never reminded.
 */

type AppointmentRow = Selectable<ShopAppointmentsTable>;

/** The job type of the day-before reminder. */
export const reminderJobType = 'shop.appointment-reminder';

/** How long before the appointment its reminder goes. */
export const reminderLeadMs = 24 * 3_600_000;

export interface BookingDeps {
  readonly ctx: Context;
  readonly outbox: Outbox | undefined;
}

export interface NewBooking {
  readonly shopId: number;
  readonly serviceId: number;
  readonly startsAt: number;
  readonly name: string;
  readonly email?: string | undefined;
  readonly phone?: string | undefined;
  readonly notes?: string | undefined;
}

/** Where customer links point: the configured public address, or this server's own. */
export function publicBase(ctx: Context): string {
  return ctx.config.publicUrl ?? `http://localhost:${ctx.config.port}`;
}

/**
 * Loads the link key before a unit starts: the key may be created by a unit of its own, which
 * must not be waited for from inside another.
 */
export async function readyLinks(ctx: Context): Promise<void> {
  await signLink(ctx, { kind: 'appointment', id: 1 });
}

interface ShopInfo {
  readonly id: number;
  readonly name: string;
  readonly address: string;
  readonly city: string;
  readonly timeZone: string;
}

async function shopInfo(db: Kysely<Database>, shopId: number): Promise<ShopInfo> {
  const shop = await db
    .selectFrom('shops')
    .select(['id', 'name', 'address', 'city', 'time_zone'])
    .where('id', '=', shopId)
    .executeTakeFirst();
  if (!shop) throw new NotFound('shop');
  return {
    id: Number(shop.id),
    name: shop.name,
    address: shop.address,
    city: shop.city,
    timeZone: shop.time_zone,
  };
}

/** The service, refused unless bookable, active and offered at the shop. */
async function bookableService(
  db: Kysely<Database>,
  shopId: number,
  serviceId: number,
): Promise<SlotService & { readonly name: string }> {
  const service = await loadSlotService(db, serviceId).catch((error: unknown) => {
    if (error instanceof NotFound)
      throw new Invalid('serviceId', 'names no service', [], 'slot-unavailable');
    throw error;
  });
  const offered = await db
    .selectFrom('shop_offered_services')
    .select('service_id')
    .where('shop_id', '=', shopId)
    .where('service_id', '=', serviceId)
    .executeTakeFirst();
  if (!service.bookable || !service.active || !offered)
    throw new Invalid(
      'serviceId',
      'is not offered for booking at this shop',
      [],
      'slot-unavailable',
    );
  return service;
}

/**
 * The free slot at `startsAt` inside the unit (so it sees every claim committed before it), or the
 * reason there is none: passed, outside hours or shifts (422), or held by another booking (409).
 */
async function freeSlotAt(
  unit: Unit,
  shop: ShopInfo,
  service: SlotService,
  startsAt: number,
): Promise<FreeSlot> {
  if (startsAt <= unit.now) throw new Invalid('startsAt', 'has already passed', [], 'slot-in-past');
  const day = 86_400_000;
  const calendar = await loadShopCalendar(unit.db, shop.id, startsAt - day, startsAt + 2 * day);
  const days = planDays(calendar, [localDateOf(startsAt, shop.timeZone)]);
  const slot = slotAt(calendar, days, service, startsAt, { now: unit.now });
  if (slot) return slot;
  if (slotAt({ ...calendar, busy: new Map() }, days, service, startsAt, { now: unit.now }))
    throw new Conflict('this slot is taken: pick another', 'slot-taken');
  throw new Invalid(
    'startsAt',
    `the shop takes no ${service.durationMinutes}-minute appointment for this service at ${describeLocal(startsAt, shop.timeZone)}: it is closed, nobody who serves it is on shift, or the time is off the 15-minute grid`,
    [],
    'slot-unavailable',
  );
}

async function claimSlot(
  unit: Unit,
  appointmentId: number,
  slot: FreeSlot,
  race: RaceOptions,
): Promise<void> {
  await claimCells(
    unit,
    { type: 'appointment', id: appointmentId },
    [deskResource(slot.deskId), advisorResource(slot.advisorId)],
    slot.startsAt,
    slot.heldUntil,
    { retry: race.mayRetry ?? false },
  );
}

/**
 * How a lost race for a cell is answered: `mayRetry` (true on the caller's first attempts; the
 * writer runs a unit at most three times) has the writer run the unit again, which reads the
 * winner's claims and takes another free desk or advisor or answers `slot-taken`; otherwise it is
 * `slot-taken` at once.
 */
export interface RaceOptions {
  readonly mayRetry?: boolean;
}

async function serviceName(db: Kysely<Database>, serviceId: number): Promise<string> {
  const row = await db
    .selectFrom('shop_services')
    .select('name')
    .where('id', '=', serviceId)
    .executeTakeFirstOrThrow();
  return row.name;
}

/** A service one can book at a shop, with the shop's time zone (for the slots route). */
export async function bookableServiceOf(
  db: Kysely<Database>,
  shopId: number,
  serviceId: number,
): Promise<SlotService & { readonly name: string; readonly timeZone: string }> {
  const shop = await shopInfo(db, shopId);
  return { ...(await bookableService(db, shop.id, serviceId)), timeZone: shop.timeZone };
}

/** The appointment as its customer sees it, with its link token and, once cancelled, a live one. */
export async function appointmentView(
  ctx: Context,
  db: Kysely<Database>,
  row: AppointmentRow,
): Promise<AppointmentView> {
  const shop = await shopInfo(db, row.shop_id);
  let live: AppointmentView['live'] = null;
  if (row.status === 'cancelled') {
    const later = await db
      .selectFrom('shop_appointments')
      .select(['id', 'starts_at', 'shop_id'])
      .where('customer_id', '=', row.customer_id)
      .where('status', 'in', ['booked', 'checked-in'])
      .where('id', '!=', row.id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (later) {
      const tz =
        later.shop_id === row.shop_id
          ? shop.timeZone
          : (await shopInfo(db, later.shop_id)).timeZone;
      live = {
        token: await signLink(ctx, { kind: 'appointment', id: Number(later.id) }),
        when: describeLocal(Number(later.starts_at), tz),
      };
    }
  }
  return {
    id: Number(row.id),
    status: row.status as AppointmentStatus,
    version: row.version,
    shop: { id: shop.id, name: shop.name, address: shop.address, timeZone: shop.timeZone },
    service: { id: Number(row.service_id), name: await serviceName(db, row.service_id) },
    startsAt: new Date(Number(row.starts_at)).toISOString(),
    endsAt: new Date(Number(row.ends_at)).toISOString(),
    when: describeLocal(Number(row.starts_at), shop.timeZone),
    name: row.name,
    changeable: row.status === 'booked' && Number(row.starts_at) > ctx.clock.now(),
    token: await signLink(ctx, { kind: 'appointment', id: Number(row.id) }),
    live,
  };
}

async function appointmentRow(db: Kysely<Database>, id: number): Promise<AppointmentRow> {
  const row = await db
    .selectFrom('shop_appointments')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound('appointment');
  return row;
}

/** The appointment a signed link opens, in its current state. */
export async function appointmentOfLink(ctx: Context, token: string): Promise<AppointmentView> {
  return appointmentView(
    ctx,
    ctx.store.read,
    await appointmentRow(ctx.store.read, await linkedId(ctx, token)),
  );
}

/** The appointment id a token names; a forged or garbled one is not found. */
export async function linkedId(ctx: Context, token: string): Promise<number> {
  const claims = await readLink(ctx, token);
  if (!claims || claims.kind !== 'appointment') throw new NotFound('appointment');
  return claims.id;
}

type Notice = 'booked' | 'moved' | 'cancelled' | 'reminder';

/** Tells the customer by email (with the .ics) and SMS, in the shop's time, naming its zone. */
async function tellCustomer(
  deps: BookingDeps,
  unit: Unit,
  row: AppointmentRow,
  notice: Notice,
  actor: Actor,
): Promise<NoticeResult> {
  const shop = await shopInfo(unit.db, row.shop_id);
  const service = await serviceName(unit.db, row.service_id);
  const when = describeLocal(Number(row.starts_at), shop.timeZone);
  const token = await signLink(deps.ctx, { kind: 'appointment', id: Number(row.id) });
  const link = `${publicBase(deps.ctx)}/appointment/${token}?v=${row.version}`;
  const minutes = Math.round((Number(row.ends_at) - Number(row.starts_at)) / 60_000);
  const firstName = row.name.trim().split(/\s+/)[0] ?? row.name;
  const place = `${shop.name}, ${shop.address}`;
  const lines: Record<Notice, { subject: string; text: string }> = {
    booked: {
      subject: `Your appointment at ${shop.name}: ${when}`,
      text: `Hello ${firstName}, your appointment (${service}, ${minutes} min) at ${place} is booked for ${when}. To move or cancel it: ${link}`,
    },
    moved: {
      subject: `Your appointment at ${shop.name} has moved: ${when}`,
      text: `Hello ${firstName}, your appointment (${service}) at ${place} is now on ${when}. To move or cancel it: ${link}`,
    },
    cancelled: {
      subject: `Your appointment at ${shop.name} is cancelled`,
      text: `Hello ${firstName}, your appointment (${service}) at ${place} on ${when} is cancelled. To book again: ${publicBase(deps.ctx)}/book`,
    },
    reminder: {
      subject: `Reminder: your appointment at ${shop.name} tomorrow, ${when}`,
      text: `Hello ${firstName}, a reminder of your appointment (${service}) at ${place} on ${when}. To move or cancel it: ${link}`,
    },
  };
  const ics = appointmentIcs({
    uid: `appointment-${row.id}@${new URL(publicBase(deps.ctx)).host}`,
    sequence: row.version - 1,
    stamp: unit.now,
    start: Number(row.starts_at),
    end: Number(row.ends_at),
    timeZone: shop.timeZone,
    summary: `${service} at ${shop.name}`,
    location: place,
    description: `Your appointment at ${shop.name}. To move or cancel it: ${link}`,
    url: link,
    cancelled: notice === 'cancelled',
  });
  const bytes = Buffer.from(ics, 'utf8');
  const sha = await putBlob(unit.db, bytes, 'text/calendar', unit.now);
  return notifyCustomer(unit, deps.outbox, {
    conversationId: Number(row.conversation_id),
    channels: ['email', 'sms'],
    mode: 'all',
    notice: {
      ...lines[notice],
      attachments: [
        {
          name: notice === 'cancelled' ? 'cancelled-appointment.ics' : 'appointment.ics',
          contentType: `text/calendar; charset=utf-8; method=${notice === 'cancelled' ? 'CANCEL' : 'PUBLISH'}`,
          size: bytes.length,
          id: sha,
        },
      ],
    },
    to: { email: row.email, sms: row.phone },
    actor,
  });
}

async function scheduleReminder(unit: Unit, row: AppointmentRow): Promise<void> {
  const runAt = Number(row.starts_at) - reminderLeadMs;
  // Booked less than a day ahead: the confirmation just sent is the reminder.
  if (runAt <= unit.now) return;
  await enqueueJob(unit, {
    type: reminderJobType,
    payload: { appointmentId: Number(row.id), version: row.version },
    key: `shop-reminder:${row.id}:v${row.version}`,
    runAt,
  });
}

const summaryOf = (result: NoticeResult): BookingResult['confirmations'] => ({
  sent: result.sent.map((s) => s.channel),
  skipped: result.skipped.map((s) => `${s.channel}: ${s.reason}`),
});

/** Books a slot for a customer (see the module comment); refuses a past, closed or taken slot. */
export async function bookAppointment(
  deps: BookingDeps,
  unit: Unit,
  input: NewBooking,
  race: RaceOptions = {},
): Promise<BookingResult> {
  const region = deps.ctx.config.defaultPhoneRegion;
  const email = input.email?.trim() ? normaliseEmail(input.email, 'email') : null;
  const phone = input.phone?.trim() ? normalisePhone(input.phone, region, 'phone') : null;
  if (!email && !phone) throw new Invalid('email', 'give an email address or a phone number');
  const name = input.name.trim();
  if (!name) throw new Invalid('name', 'must not be blank');
  const shop = await shopInfo(unit.db, input.shopId);
  const service = await bookableService(unit.db, shop.id, input.serviceId);
  const slot = await freeSlotAt(unit, shop, service, input.startsAt);
  const anonymous: Actor = { type: 'customer', id: null };
  const { customerId } = await resolveCustomer(
    unit,
    { ...(email ? { email } : {}), ...(phone ? { phone } : {}) },
    { displayName: name, defaultRegion: region, actor: anonymous },
  );
  const actor: Actor = { type: 'customer', id: customerId };
  const conversation = await openConversation(
    unit,
    {
      customerId,
      subject: `Appointment: ${service.name} at ${shop.name}, ${describeLocal(slot.startsAt, shop.timeZone)}`,
      channel: 'shop',
      shopId: shop.id,
    },
    actor,
  );
  const row = await unit.db
    .insertInto('shop_appointments')
    .values({
      shop_id: shop.id,
      service_id: service.id,
      customer_id: customerId,
      conversation_id: conversation.id,
      desk_id: slot.deskId,
      advisor_id: slot.advisorId,
      starts_at: slot.startsAt,
      ends_at: slot.endsAt,
      status: 'booked',
      version: 1,
      name,
      email,
      phone,
      notes: input.notes?.trim() ?? '',
      checked_in_at: null,
      cancelled_at: null,
      created_at: unit.now,
      updated_at: unit.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await claimSlot(unit, Number(row.id), slot, race);
  await unit.record({
    type: 'shop.appointment-booked',
    actor,
    entity: { type: 'shop_appointment', id: Number(row.id) },
    scope: { shopId: shop.id, customerId, conversationId: conversation.id },
    after: {
      serviceId: service.id,
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
      deskId: slot.deskId,
      advisorId: slot.advisorId,
      version: 1,
    },
  });
  const told = await tellCustomer(deps, unit, row, 'booked', actor);
  await scheduleReminder(unit, row);
  return {
    appointment: await appointmentView(deps.ctx, unit.db, row),
    confirmations: summaryOf(told),
  };
}

async function changeableRow(unit: Unit, id: number, version: number | undefined) {
  const row = await appointmentRow(unit.db, id);
  if (version !== undefined && version !== row.version)
    throw new Conflict(
      `the appointment changed since (version ${row.version} now, ${version} given): read it again`,
      'appointment-changed',
    );
  if (row.status !== 'booked' || Number(row.starts_at) <= unit.now)
    throw new Conflict(
      `the appointment is ${row.status === 'booked' ? 'already under way' : row.status}: it can no longer be changed`,
      'appointment-closed',
    );
  return row;
}

/** Moves a booked appointment to another free slot: version + 1, its cells claimed anew. */
export async function rescheduleAppointment(
  deps: BookingDeps,
  unit: Unit,
  id: number,
  input: { readonly startsAt: number; readonly version?: number | undefined },
  race: RaceOptions = {},
): Promise<BookingResult> {
  const row = await changeableRow(unit, id, input.version);
  const shop = await shopInfo(unit.db, row.shop_id);
  const service = await loadSlotService(unit.db, row.service_id);
  const owner = { type: 'appointment' as const, id: Number(row.id) };
  await releaseClaims(unit, owner);
  const slot = await freeSlotAt(unit, shop, service, input.startsAt);
  await claimSlot(unit, owner.id, slot, race);
  const moved = await unit.db
    .updateTable('shop_appointments')
    .set({
      starts_at: slot.startsAt,
      ends_at: slot.endsAt,
      desk_id: slot.deskId,
      advisor_id: slot.advisorId,
      version: row.version + 1,
      updated_at: unit.now,
    })
    .where('id', '=', row.id)
    .where('version', '=', row.version)
    .returningAll()
    .executeTakeFirst();
  if (!moved)
    throw new Conflict('the appointment changed meanwhile: read it again', 'appointment-changed');
  const actor: Actor = { type: 'customer', id: Number(row.customer_id) };
  await unit.record({
    type: 'shop.appointment-rescheduled',
    actor,
    entity: { type: 'shop_appointment', id: owner.id },
    scope: {
      shopId: shop.id,
      customerId: Number(row.customer_id),
      conversationId: row.conversation_id,
    },
    before: { startsAt: Number(row.starts_at), version: row.version },
    after: {
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
      deskId: slot.deskId,
      advisorId: slot.advisorId,
      version: moved.version,
    },
  });
  const told = await tellCustomer(deps, unit, moved, 'moved', actor);
  await scheduleReminder(unit, moved);
  return {
    appointment: await appointmentView(deps.ctx, unit.db, moved),
    confirmations: summaryOf(told),
  };
}

/** Cancels a booked appointment: its cells are released, its reminder goes stale (version + 1). */
export async function cancelAppointment(
  deps: BookingDeps,
  unit: Unit,
  id: number,
  input: { readonly version?: number | undefined },
): Promise<BookingResult> {
  const row = await changeableRow(unit, id, input.version);
  await releaseClaims(unit, { type: 'appointment', id: Number(row.id) });
  const cancelled = await unit.db
    .updateTable('shop_appointments')
    .set({
      status: 'cancelled',
      cancelled_at: unit.now,
      version: row.version + 1,
      updated_at: unit.now,
    })
    .where('id', '=', row.id)
    .where('version', '=', row.version)
    .returningAll()
    .executeTakeFirst();
  if (!cancelled)
    throw new Conflict('the appointment changed meanwhile: read it again', 'appointment-changed');
  const actor: Actor = { type: 'customer', id: Number(row.customer_id) };
  await unit.record({
    type: 'shop.appointment-cancelled',
    actor,
    entity: { type: 'shop_appointment', id: Number(row.id) },
    scope: {
      shopId: Number(row.shop_id),
      customerId: Number(row.customer_id),
      conversationId: row.conversation_id,
    },
    before: { status: row.status, version: row.version },
    after: { status: 'cancelled', version: cancelled.version },
  });
  const told = await tellCustomer(deps, unit, cancelled, 'cancelled', actor);
  return {
    appointment: await appointmentView(deps.ctx, unit.db, cancelled),
    confirmations: summaryOf(told),
  };
}

/**
 * Sends the day-before reminder, unless the appointment was moved, cancelled or has started since
 * the job was queued (the job's version no longer matches), or the reminder already went (a rerun).
 * Answers whether it was sent.
 */
export async function sendReminder(
  deps: BookingDeps,
  unit: Unit,
  payload: { readonly appointmentId: number; readonly version: number },
): Promise<boolean> {
  const row = await unit.db
    .selectFrom('shop_appointments')
    .selectAll()
    .where('id', '=', payload.appointmentId)
    .executeTakeFirst();
  if (!row || row.status !== 'booked' || row.version !== payload.version) return false;
  if (Number(row.starts_at) <= unit.now) return false;
  const already = await unit.db
    .selectFrom('events')
    .select('after')
    .where('type', '=', 'shop.appointment-reminded')
    .where('entity_type', '=', 'shop_appointment')
    .where('entity_id', '=', Number(row.id))
    .execute();
  if (
    already.some(
      (e) => (JSON.parse(e.after ?? '{}') as { version?: number }).version === row.version,
    )
  )
    return false;
  const actor: Actor = { type: 'system', id: null };
  const told = await tellCustomer(deps, unit, row, 'reminder', actor);
  await unit.record({
    type: 'shop.appointment-reminded',
    actor,
    entity: { type: 'shop_appointment', id: Number(row.id) },
    scope: {
      shopId: Number(row.shop_id),
      customerId: Number(row.customer_id),
      conversationId: row.conversation_id,
    },
    after: { version: row.version, sent: told.sent.map((s) => s.channel) },
  });
  return true;
}

/** The reminder job's handler, for the job workers `serve` runs. */
export function appointmentJobs(deps: BookingDeps): Record<string, JobHandler> {
  return {
    [reminderJobType]: async (job) => {
      const payload = job.payload as { appointmentId?: unknown; version?: unknown };
      if (typeof payload?.appointmentId !== 'number' || typeof payload.version !== 'number') return;
      await readyLinks(deps.ctx);
      await deps.ctx.writer.run((unit) =>
        sendReminder(deps, unit, {
          appointmentId: payload.appointmentId as number,
          version: payload.version as number,
        }),
      );
    },
  };
}
