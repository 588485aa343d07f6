/**
 * The walk-in queue: a visitor takes a ticket at a shop's kiosk (numbered per service and shop-local
 * day, with an honest estimate of the wait), an appointment holder checks into their booking instead
 * of taking a second ticket, and the tickets near the front are told their turn nears. The numbers
 * come from `shop_ticket_counters`, incremented in the ticket's own transaction, so two kiosks never
 * hand out one number (and the unique key on the tickets would refuse it anyway).
 */
import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { Context } from '../../platform/context.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { Unit } from '../../platform/db/writer.ts';
import type { StorageDialect } from '../../platform/db/dialects/storage-dialect.ts';
import { systemActor, type Actor, type DomainEvent } from '../../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../../platform/errors.ts';
import { enqueueJob, JobFailure, type JobHandler } from '../../platform/jobs/jobs.ts';
import { normaliseEmail, normalisePhone } from '../addresses.ts';
import type { Outbox } from '../send-queue.ts';
import { resolveCustomer } from '../../customers/customers.ts';
import { activeStatuses, openConversation } from '../../conversations/conversations.ts';
import type {
  BoardCallView,
  BoardState,
  CheckedInView,
  KioskInfo,
  TakeTicketResult,
  TicketView,
  WaitEstimate,
} from '../../api-types/tickets.ts';
import { readLink } from './links.ts';
import { notifyCustomer, type NoticeChannel } from './notify.ts';
import {
  estimateWait,
  isNearFront,
  openAt,
  serviceMinutes,
  shiftCovers,
  shopDay,
  nextOpening,
  ticketCode,
} from './walk-in-rules.ts';

type Db = Kysely<Database>;

/** A shop as the walk-in queue needs it. */
interface ShopRow {
  readonly id: number;
  readonly name: string;
  readonly time_zone: string;
}

/** A service of the catalogue, skills parsed. */
interface ServiceInfo {
  readonly id: number;
  readonly code: string;
  readonly name: string;
  readonly prefix: string;
  readonly durationMinutes: number;
  readonly skills: readonly string[];
  readonly walkIn: boolean;
}

/** How many recent visits of a service set its time, and how far back they are looked for. */
const historySize = 20;
const historyDays = 30;

async function shopOf(db: Db, shopId: number): Promise<ShopRow> {
  const shop = await db
    .selectFrom('shops')
    .select(['id', 'name', 'time_zone'])
    .where('id', '=', shopId)
    .executeTakeFirst();
  if (!shop) throw new NotFound('shop');
  return shop;
}

/**
 * Whether the shop is open now, from its weekly openings and that day's exceptions, when the
 * current opening ends, and when it next opens.
 */
async function openingNow(db: Db, shop: ShopRow, now: number) {
  const day = shopDay(shop.time_zone, now);
  const [week, exceptions] = await Promise.all([
    db
      .selectFrom('shop_hours')
      .select(['weekday', 'opens', 'closes'])
      .where('shop_id', '=', shop.id)
      .execute(),
    db
      .selectFrom('shop_exceptions')
      .select(['date', 'opens', 'closes'])
      .where('shop_id', '=', shop.id)
      .where('date', '>=', day)
      .where('date', '<=', shopDay(shop.time_zone, now + 15 * 86_400_000))
      .execute(),
  ]);
  return {
    ...openAt(shop.time_zone, week, exceptions, now),
    opensAt: nextOpening(shop.time_zone, week, exceptions, now),
  };
}

/** "at 14:00" today, "on Monday at 10:00" within the week, "on 24 December at 10:00" beyond, shop-local. */
function whenText(timeZone: string, at: number, now: number): string {
  const local = DateTime.fromMillis(at, { zone: timeZone });
  if (shopDay(timeZone, at) === shopDay(timeZone, now)) return local.toFormat("'at' HH:mm");
  if (at - now < 6 * 86_400_000) return local.toFormat("'on' cccc 'at' HH:mm");
  return local.toFormat("'on' d LLLL 'at' HH:mm");
}

/** The services this shop offers, active ones only. */
async function offeredServices(db: Db, shopId: number): Promise<ServiceInfo[]> {
  const rows = await db
    .selectFrom('shop_offered_services')
    .innerJoin('shop_services', 'shop_services.id', 'shop_offered_services.service_id')
    .select([
      'shop_services.id',
      'shop_services.code',
      'shop_services.name',
      'shop_services.ticket_prefix',
      'shop_services.duration_minutes',
      'shop_services.skills',
      'shop_services.walk_in',
    ])
    .where('shop_offered_services.shop_id', '=', shopId)
    .where('shop_services.active', '=', 1)
    .orderBy('shop_services.name')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    prefix: r.ticket_prefix,
    durationMinutes: r.duration_minutes,
    skills: JSON.parse(r.skills) as string[],
    walkIn: r.walk_in === 1,
  }));
}

/** The advisors working at the shop at `now` (a weekly shift on today's weekday or a dated one). */
async function advisorsOnShift(
  db: Db,
  shop: ShopRow,
  now: number,
): Promise<Array<{ id: number; skills: readonly string[] }>> {
  const local = DateTime.fromMillis(now, { zone: shop.time_zone });
  const rows = await db
    .selectFrom('shop_shifts')
    .innerJoin('advisors', 'advisors.id', 'shop_shifts.advisor_id')
    .select(['advisors.id', 'advisors.skills', 'shop_shifts.starts', 'shop_shifts.ends'])
    .where('shop_shifts.shop_id', '=', shop.id)
    .where('advisors.active', '=', 1)
    .where((eb) =>
      eb.or([
        eb.and([eb('shop_shifts.weekday', '=', local.weekday), eb('shop_shifts.date', 'is', null)]),
        eb('shop_shifts.date', '=', local.toISODate()!),
      ]),
    )
    .execute();
  const seen = new Map<number, readonly string[]>();
  for (const r of rows)
    if (shiftCovers(shop.time_zone, r.starts, r.ends, now))
      seen.set(r.id, JSON.parse(r.skills) as string[]);
  return [...seen].map(([id, skills]) => ({ id, skills }));
}

/** Who is ahead in the queue and who serves it, read once; estimates for any place come from it. */
export interface QueueSnapshot {
  readonly shop: ShopRow;
  readonly services: ReadonlyMap<number, ServiceInfo>;
  /** Waiting tickets in the order they will be called (by the time they began to wait). */
  readonly waiting: ReadonlyArray<{
    readonly id: number;
    readonly code: string;
    readonly serviceId: number;
    readonly conversationId: number | null;
    readonly phone: string | null;
    readonly email: string | null;
    readonly nearNotifiedAt: number | null;
  }>;
  /** Estimate for a new ticket of a service, or for the waiting ticket `ticketId`. */
  estimate(serviceId: number, ticketId?: number): WaitEstimate;
}

const canServe = (advisor: { skills: readonly string[] }, service: ServiceInfo | undefined) =>
  service !== undefined && service.skills.every((s) => advisor.skills.includes(s));

/**
 * Reads the queue of a shop at `now`: its services and their recent service times, the advisors on
 * shift, checked-in appointments (called before walk-ins), waiting tickets, and the visits being
 * served. An estimate counts only what competes for the advisors who can serve the service.
 */
export async function readQueue(db: Db, shopId: number, now: number): Promise<QueueSnapshot> {
  const shop = await shopOf(db, shopId);
  const [list, advisors, waitingRows, servingRows, appointments, history] = await Promise.all([
    offeredServices(db, shopId),
    advisorsOnShift(db, shop, now),
    db
      .selectFrom('shop_tickets')
      .select([
        'id',
        'code',
        'service_id',
        'conversation_id',
        'phone',
        'email',
        'near_notified_at',
        'waiting_since',
      ])
      .where('shop_id', '=', shopId)
      .where('status', '=', 'waiting')
      .orderBy('waiting_since')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('shop_tickets')
      .select(['service_id', 'advisor_id', 'serving_at', 'last_called_at'])
      .where('shop_id', '=', shopId)
      .where('status', 'in', ['called', 'serving'])
      .where('advisor_id', 'is not', null)
      .execute(),
    db
      .selectFrom('shop_appointments')
      .select(['service_id', 'status', 'advisor_id', 'starts_at', 'ends_at', 'checked_in_at'])
      .where('shop_id', '=', shopId)
      .where('status', 'in', ['checked-in', 'serving'])
      .where('ends_at', '>', now - 12 * 3_600_000)
      .orderBy('starts_at')
      .execute(),
    db
      .selectFrom('shop_tickets')
      .select(['service_id', 'serving_at', 'finished_at'])
      .where('shop_id', '=', shopId)
      .where('status', '=', 'served')
      .where('finished_at', '>', now - historyDays * 86_400_000)
      .where('serving_at', 'is not', null)
      .orderBy('finished_at', 'desc')
      .limit(historySize * 20)
      .execute(),
  ]);
  const services = new Map(list.map((s) => [s.id, s]));
  const samples = new Map<number, number[]>();
  for (const h of history) {
    const kept = samples.get(h.service_id) ?? [];
    if (kept.length < historySize && h.finished_at !== null && h.serving_at !== null)
      kept.push(Math.max(0, h.finished_at - h.serving_at) / 60_000);
    samples.set(h.service_id, kept);
  }
  const minutesOf = (serviceId: number) =>
    serviceMinutes(samples.get(serviceId) ?? [], services.get(serviceId)?.durationMinutes ?? 15);
  // What each advisor is busy with now: the rest of the visit they serve.
  const busy = new Map<number, number>();
  for (const s of servingRows) {
    const since = s.serving_at ?? s.last_called_at ?? now;
    const left = minutesOf(s.service_id).minutes - (now - since) / 60_000;
    busy.set(Number(s.advisor_id), Math.max(busy.get(Number(s.advisor_id)) ?? 0, left));
  }
  for (const a of appointments.filter((a) => a.status === 'serving' && a.advisor_id !== null))
    busy.set(
      Number(a.advisor_id),
      Math.max(busy.get(Number(a.advisor_id)) ?? 0, (a.ends_at - now) / 60_000),
    );
  const checkedIn = appointments.filter((a) => a.status === 'checked-in');

  return {
    shop,
    services,
    waiting: waitingRows.map((t) => ({
      id: t.id,
      code: t.code,
      serviceId: t.service_id,
      conversationId: t.conversation_id,
      phone: t.phone,
      email: t.email,
      nearNotifiedAt: t.near_notified_at,
    })),
    estimate(serviceId, ticketId) {
      const service = services.get(serviceId);
      const able = advisors.filter((a) => canServe(a, service));
      const competes = (id: number) => able.some((a) => canServe(a, services.get(id)));
      const place = ticketId === undefined ? -1 : waitingRows.findIndex((t) => t.id === ticketId);
      const before = place === -1 ? waitingRows : waitingRows.slice(0, place);
      const ahead = [
        ...checkedIn.filter((a) => competes(a.service_id)).map((a) => a.service_id),
        ...before.filter((t) => competes(t.service_id)).map((t) => t.service_id),
      ];
      const minutes = estimateWait({
        ahead: ahead.map((id) => minutesOf(id).minutes),
        advisorsFreeIn: able.map((a) => busy.get(a.id) ?? 0),
      });
      return {
        minutes,
        ahead: ahead.length,
        advisors: able.length,
        basis: minutesOf(serviceId).basis,
      };
    },
  };
}

/** What the kiosk of a shop shows: the shop, open or not, and each walk-in service with its wait. */
export async function kioskInfo(db: Db, shopId: number, now: number): Promise<KioskInfo> {
  const queue = await readQueue(db, shopId, now);
  const opening = await openingNow(db, queue.shop, now);
  return {
    shop: {
      id: queue.shop.id,
      name: queue.shop.name,
      timeZone: queue.shop.time_zone,
      open: opening.open,
      localTime: DateTime.fromMillis(now, { zone: queue.shop.time_zone }).toFormat('HH:mm'),
      closesAt: opening.closesAt === null ? null : new Date(opening.closesAt).toISOString(),
      opensAt:
        opening.open || opening.opensAt === null ? null : new Date(opening.opensAt).toISOString(),
      opensText:
        opening.open || opening.opensAt === null
          ? null
          : whenText(queue.shop.time_zone, opening.opensAt, now),
    },
    services: [...queue.services.values()]
      .filter((s) => s.walkIn)
      .map((s) => ({
        id: s.id,
        code: s.code,
        name: s.name,
        prefix: s.prefix,
        estimate: queue.estimate(s.id),
      })),
  };
}

/** What taking a ticket needs besides the unit: the phone region and the store's dialect. */
export interface TicketDeps {
  readonly defaultRegion: string;
  readonly dialect: StorageDialect;
}

interface Contact {
  readonly phone: string | null;
  readonly email: string | null;
}

function contactOf(
  input: { readonly phone?: string | undefined; readonly email?: string | undefined },
  region: string,
): Contact {
  const phone = input.phone?.trim() ? normalisePhone(input.phone, region, 'phone') : null;
  const email = input.email?.trim() ? normaliseEmail(input.email, 'email') : null;
  return { phone, email };
}

/** The UTC bounds of the shop-local day of `now`. */
function dayBounds(timeZone: string, now: number): { start: number; end: number } {
  const start = DateTime.fromMillis(now, { zone: timeZone }).startOf('day');
  return { start: start.toMillis(), end: start.plus({ days: 1 }).toMillis() };
}

type AppointmentRow = Awaited<ReturnType<typeof appointmentsToday>>[number];

/** Today's live appointments at the shop (booked or checked in) of whoever has this phone or email. */
async function appointmentsToday(db: Db, shop: ShopRow, contact: Contact, now: number) {
  const { start, end } = dayBounds(shop.time_zone, now);
  const identities = [
    ...(contact.phone ? [{ kind: 'phone', value: contact.phone }] : []),
    ...(contact.email ? [{ kind: 'email', value: contact.email }] : []),
  ];
  if (identities.length === 0) return [];
  return db
    .selectFrom('shop_appointments')
    .innerJoin('shop_services', 'shop_services.id', 'shop_appointments.service_id')
    .select([
      'shop_appointments.id',
      'shop_appointments.service_id',
      'shop_appointments.customer_id',
      'shop_appointments.conversation_id',
      'shop_appointments.status',
      'shop_appointments.starts_at',
      'shop_appointments.ends_at',
      'shop_appointments.name',
      'shop_services.name as service_name',
    ])
    .where('shop_appointments.shop_id', '=', shop.id)
    .where('shop_appointments.status', 'in', ['booked', 'checked-in'])
    .where('shop_appointments.starts_at', '>=', start)
    .where('shop_appointments.starts_at', '<', end)
    .where('shop_appointments.ends_at', '>', now)
    .where((eb) =>
      eb.or([
        ...(contact.phone ? [eb('shop_appointments.phone', '=', contact.phone)] : []),
        ...(contact.email ? [eb('shop_appointments.email', '=', contact.email)] : []),
        eb(
          'shop_appointments.customer_id',
          'in',
          eb
            .selectFrom('identities')
            .select('customer_id')
            .where((i) =>
              i.or(
                identities.map((id) =>
                  i.and([
                    i('kind', '=', id.kind),
                    i('network', '=', ''),
                    i('value', '=', id.value),
                  ]),
                ),
              ),
            ),
        ),
      ]),
    )
    .orderBy('shop_appointments.starts_at')
    .execute();
}

/** Checks an appointment in (booked → checked-in) in the unit, or answers that it already is. */
async function checkIn(
  unit: Unit,
  shop: ShopRow,
  appointment: AppointmentRow,
  actor: Actor,
): Promise<CheckedInView> {
  const already = appointment.status === 'checked-in';
  if (!already) {
    const updated = await unit.db
      .updateTable('shop_appointments')
      .set({ status: 'checked-in', checked_in_at: unit.now, updated_at: unit.now })
      .where('id', '=', appointment.id)
      .where('status', '=', 'booked')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1)
      throw new Conflict('this appointment changed meanwhile: ask at the desk');
    await unit.record({
      type: 'shop.appointment-checked-in',
      actor,
      entity: { type: 'shop_appointment', id: appointment.id },
      scope: {
        shopId: shop.id,
        customerId: appointment.customer_id,
        conversationId: appointment.conversation_id,
      },
      before: { status: 'booked' },
      after: { status: 'checked-in', checkedInAt: unit.now, startsAt: appointment.starts_at },
    });
  }
  return {
    appointmentId: appointment.id,
    serviceName: appointment.service_name,
    name: appointment.name,
    startsAt: new Date(appointment.starts_at).toISOString(),
    localStart: DateTime.fromMillis(appointment.starts_at, { zone: shop.time_zone }).toFormat(
      'HH:mm',
    ),
    timeZone: shop.time_zone,
    minutesEarly: Math.round((appointment.starts_at - unit.now) / 60_000),
    already,
  };
}

/**
 * The booking a kiosk code opens (its signed link's token), or null when the code is not one. Read
 * before the check-in's unit: the link key may be created on first use, in a unit of its own.
 */
export async function appointmentOfCode(ctx: Context, code: string): Promise<number | null> {
  const claims = await readLink(ctx, code.trim());
  return claims?.kind === 'appointment' ? claims.id : null;
}

/**
 * An appointment holder arrives: found by their booking (from its link's code), or by their phone
 * or email among today's bookings at this shop, and checked in (an early arrival keeps their
 * booking; the desk calls them when it is due). A booking of another day, shop, or one already
 * over is refused.
 */
export async function checkInAtKiosk(
  unit: Unit,
  deps: Pick<TicketDeps, 'defaultRegion'>,
  shopId: number,
  input: {
    readonly appointmentId?: number | undefined;
    readonly phone?: string | undefined;
    readonly email?: string | undefined;
  },
): Promise<CheckedInView> {
  const shop = await shopOf(unit.db, shopId);
  let found: AppointmentRow | undefined;
  if (input.appointmentId !== undefined) {
    const row = await unit.db
      .selectFrom('shop_appointments')
      .innerJoin('shop_services', 'shop_services.id', 'shop_appointments.service_id')
      .select([
        'shop_appointments.id',
        'shop_appointments.shop_id',
        'shop_appointments.service_id',
        'shop_appointments.customer_id',
        'shop_appointments.conversation_id',
        'shop_appointments.status',
        'shop_appointments.starts_at',
        'shop_appointments.ends_at',
        'shop_appointments.name',
        'shop_services.name as service_name',
      ])
      .where('shop_appointments.id', '=', input.appointmentId)
      .executeTakeFirst();
    if (!row || row.shop_id !== shop.id) throw new NotFound('appointment at this shop');
    if (row.status !== 'booked' && row.status !== 'checked-in')
      throw new Conflict(`this booking is ${row.status}: please take a ticket or ask at the desk`);
    const { start, end } = dayBounds(shop.time_zone, unit.now);
    if (row.starts_at < start || row.starts_at >= end) {
      const day = DateTime.fromMillis(row.starts_at, { zone: shop.time_zone }).toFormat(
        'cccc d LLLL yyyy',
      );
      throw new Conflict(`this booking is for ${day}, not today`);
    }
    if (row.ends_at <= unit.now)
      throw new Conflict('the time of this booking is over: please take a ticket');
    found = row;
  } else {
    const contact = contactOf(input, deps.defaultRegion);
    if (!contact.phone && !contact.email)
      throw new Invalid(
        'code',
        'give the booking code, or the phone number or email it was made with',
      );
    found = (await appointmentsToday(unit.db, shop, contact, unit.now))[0];
    if (!found) throw new NotFound('booking for today at this shop with this phone or email');
  }
  return checkIn(unit, shop, found, { type: 'customer', id: found.customer_id });
}

/** The ticket as its holder sees it. */
function viewOf(
  row: {
    id: number;
    code: string;
    service_id: number;
    day: string;
    status: string;
    created_at: number;
    conversation_id: number | null;
  },
  serviceName: string,
  estimate: WaitEstimate,
): TicketView {
  return {
    id: row.id,
    code: row.code,
    serviceId: row.service_id,
    serviceName,
    day: row.day,
    status: row.status as TicketView['status'],
    takenAt: new Date(row.created_at).toISOString(),
    estimate,
    notify: row.conversation_id !== null,
  };
}

/**
 * Takes a walk-in ticket: the service must be offered here for walk-ins and the shop open now. The
 * number is the next of the service's counter for the shop-local day (A-042; a new day starts at
 * 1), taken in this unit. With a phone or email the customer is found or created and their active
 * case continued (or one opened on channel shop), so the visit lands on their timeline and their
 * turn can be announced; a visitor with a booking today for this service is checked into it
 * instead of getting a second ticket.
 */
export async function takeTicket(
  unit: Unit,
  deps: TicketDeps,
  shopId: number,
  input: {
    readonly serviceId: number;
    readonly phone?: string | undefined;
    readonly email?: string | undefined;
  },
): Promise<TakeTicketResult> {
  const shop = await shopOf(unit.db, shopId);
  const services = await offeredServices(unit.db, shopId);
  const service = services.find((s) => s.id === input.serviceId);
  if (!service || !service.walkIn)
    throw new Invalid('serviceId', 'is not a walk-in service of this shop');
  const opening = await openingNow(unit.db, shop, unit.now);
  if (!opening.open)
    throw new Conflict(
      opening.opensAt === null
        ? 'the shop is closed now'
        : `the shop is closed now; it opens ${whenText(shop.time_zone, opening.opensAt, unit.now)} (${shop.time_zone})`,
      'shop-closed',
    );
  const contact = contactOf(input, deps.defaultRegion);

  if (contact.phone || contact.email) {
    const booked = (await appointmentsToday(unit.db, shop, contact, unit.now)).find(
      (a) => a.service_id === service.id,
    );
    if (booked)
      return {
        kind: 'checked-in',
        appointment: await checkIn(unit, shop, booked, {
          type: 'customer',
          id: booked.customer_id,
        }),
      };
  }

  let customerId: number | null = null;
  let conversationId: number | null = null;
  if (contact.phone || contact.email) {
    const actor: Actor = { type: 'channel', id: null };
    const resolved = await resolveCustomer(
      unit,
      {
        ...(contact.phone ? { phone: contact.phone } : {}),
        ...(contact.email ? { email: contact.email } : {}),
      },
      { defaultRegion: deps.defaultRegion, actor },
    );
    customerId = resolved.customerId;
    // Two tickets of one customer on two nodes must not both open a case.
    await deps.dialect.lockCustomer(unit.db, customerId);
    const active = await unit.db
      .selectFrom('conversations')
      .select('id')
      .where('customer_id', '=', customerId)
      .where('status', 'in', activeStatuses)
      .orderBy('last_interaction_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    conversationId =
      active?.id ??
      (
        await openConversation(
          unit,
          { customerId, subject: `Shop visit: ${service.name}`, channel: 'shop', shopId: shop.id },
          actor,
        )
      ).id;
  }

  const estimate = (await readQueue(unit.db, shopId, unit.now)).estimate(service.id);
  const day = shopDay(shop.time_zone, unit.now);
  const counter = await unit.db
    .insertInto('shop_ticket_counters')
    .values({ shop_id: shop.id, service_id: service.id, day, last_number: 1 })
    .onConflict((oc) =>
      oc
        .columns(['shop_id', 'service_id', 'day'])
        .doUpdateSet((eb) => ({ last_number: eb('shop_ticket_counters.last_number', '+', 1) })),
    )
    .returning('last_number')
    .executeTakeFirstOrThrow();
  const number = counter.last_number;
  const row = await unit.db
    .insertInto('shop_tickets')
    .values({
      shop_id: shop.id,
      service_id: service.id,
      day,
      number,
      code: ticketCode(service.prefix, number),
      customer_id: customerId,
      conversation_id: conversationId,
      appointment_id: null,
      phone: contact.phone,
      email: contact.email,
      status: 'waiting',
      desk_id: null,
      advisor_id: null,
      waiting_since: unit.now,
      first_called_at: null,
      last_called_at: null,
      serving_at: null,
      finished_at: null,
      estimate_minutes: estimate.minutes,
      near_notified_at: null,
      created_at: unit.now,
      updated_at: unit.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'shop.ticket-taken',
    actor: { type: 'customer', id: customerId },
    entity: { type: 'shop_ticket', id: row.id },
    scope: { shopId: shop.id, customerId, conversationId },
    after: {
      code: row.code,
      serviceId: service.id,
      day,
      number,
      estimateMinutes: estimate.minutes,
      ahead: estimate.ahead,
    },
  });
  return { kind: 'ticket', ticket: viewOf(row, service.name, estimate) };
}

/** How many calls and waiting numbers a board shows. */
const boardCalls = 8;
const boardWaiting = 12;

const callView = (c: {
  id: number;
  code: string;
  desk_name: string;
  called_at: number;
}): BoardCallView => ({
  id: c.id,
  code: c.code,
  deskName: c.desk_name,
  calledAt: new Date(c.called_at).toISOString(),
});

/** The next numbers waiting at a shop, in the order they began to wait (checked-in bookings first are not numbered). */
export async function waitingCodes(db: Db, shopId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('shop_tickets')
    .select('code')
    .where('shop_id', '=', shopId)
    .where('status', '=', 'waiting')
    .orderBy('waiting_since')
    .orderBy('id')
    .limit(boardWaiting)
    .execute();
  return rows.map((r) => r.code);
}

/** What a shop's display board shows: the latest calls (newest first) and the next numbers. */
export async function boardState(db: Db, shopId: number): Promise<BoardState> {
  const shop = await shopOf(db, shopId);
  const [calls, waiting] = await Promise.all([
    db
      .selectFrom('shop_board_calls')
      .select(['id', 'code', 'desk_name', 'called_at'])
      .where('shop_id', '=', shopId)
      .orderBy('called_at', 'desc')
      .orderBy('id', 'desc')
      .limit(boardCalls)
      .execute(),
    waitingCodes(db, shopId),
  ]);
  return {
    shop: { id: shop.id, name: shop.name, timeZone: shop.time_zone },
    calls: calls.map(callView),
    waiting,
  };
}

/** A board call as the `shop.ticket-called` event carries it (src/shops/board-calls.ts). */
export function callOfEvent(event: DomainEvent): BoardCallView | null {
  const after = event.after as {
    id?: unknown;
    code?: unknown;
    deskName?: unknown;
    calledAt?: unknown;
  } | null;
  if (
    typeof after?.id !== 'number' ||
    typeof after.code !== 'string' ||
    typeof after.deskName !== 'string' ||
    typeof after.calledAt !== 'number'
  )
    return null;
  return callView({
    id: after.id,
    code: after.code,
    desk_name: after.deskName,
    called_at: after.calledAt,
  });
}

/** The job that tells the tickets near the front of a shop that their turn nears. */
export const turnNearingJobType = 'shop.turn-nearing';

/**
 * Tells each waiting ticket of the shop that is now near the front (at most two ahead, or about five
 * minutes) and left a phone or email, once: `near_notified_at` is set by a guarded update in the
 * same unit as the message, so two jobs never send it twice. Answers the codes told.
 */
export async function notifyTurnNearing(
  unit: Unit,
  outbox: Outbox | undefined,
  shopId: number,
): Promise<string[]> {
  const queue = await readQueue(unit.db, shopId, unit.now);
  const told: string[] = [];
  for (const ticket of queue.waiting) {
    if (ticket.conversationId === null || ticket.nearNotifiedAt !== null) continue;
    const estimate = queue.estimate(ticket.serviceId, ticket.id);
    if (!isNearFront(estimate)) continue;
    const marked = await unit.db
      .updateTable('shop_tickets')
      .set({ near_notified_at: unit.now, updated_at: unit.now })
      .where('id', '=', ticket.id)
      .where('near_notified_at', 'is', null)
      .where('status', '=', 'waiting')
      .executeTakeFirst();
    if (Number(marked.numUpdatedRows) !== 1) continue;
    const service = queue.services.get(ticket.serviceId)?.name ?? 'your visit';
    const ahead =
      estimate.ahead === 0
        ? 'You are next.'
        : `${estimate.ahead} ${estimate.ahead === 1 ? 'person is' : 'people are'} ahead of you.`;
    const channels: NoticeChannel[] = [
      ...(ticket.phone ? (['sms'] as const) : []),
      ...(ticket.email ? (['email'] as const) : []),
    ];
    const result = await notifyCustomer(unit, outbox, {
      conversationId: ticket.conversationId,
      channels: channels.length > 0 ? channels : ['sms', 'email'],
      mode: 'first',
      notice: {
        subject: `Your turn nears at ${queue.shop.name}: ${ticket.code}`,
        text: `${queue.shop.name}: your turn nears for ${service}, ticket ${ticket.code}. ${ahead} About ${estimate.minutes} min: please come back to the waiting area and watch the board.`,
      },
      to: { sms: ticket.phone, email: ticket.email },
      actor: systemActor,
    });
    await unit.record({
      type: 'shop.ticket-turn-nearing',
      actor: systemActor,
      entity: { type: 'shop_ticket', id: ticket.id },
      scope: { shopId, conversationId: ticket.conversationId },
      after: {
        code: ticket.code,
        ahead: estimate.ahead,
        minutes: estimate.minutes,
        sent: result.sent.map((s) => s.channel),
        skipped: result.skipped,
      },
    });
    told.push(ticket.code);
  }
  return told;
}

/**
 * Listens for calls (`shop.ticket-called`) and queues one turn-nearing job per call: a call moves
 * the queue. Every node may listen; the job's key (the event's id) makes one job per call.
 */
export function startTurnNearing(ctx: Context): () => void {
  return ctx.bus.subscribe(async (event) => {
    if (event.type !== 'shop.ticket-called' || event.id === 0) return;
    const shopId = event.scope.shopId;
    if (typeof shopId !== 'number') return;
    await ctx.writer.run((unit) =>
      enqueueJob(unit, {
        type: turnNearingJobType,
        key: `${turnNearingJobType}:${event.id}`,
        payload: { shopId },
        maxAttempts: 3,
      }),
    );
  });
}

/** The turn-nearing job's handler, for `startJobWorkers`. */
export function turnNearingJobs(
  ctx: Pick<Context, 'writer'>,
  outbox: Outbox | undefined,
): Record<string, JobHandler> {
  return {
    [turnNearingJobType]: async (job) => {
      const shopId = (job.payload as { shopId?: unknown } | null)?.shopId;
      if (typeof shopId !== 'number')
        throw new JobFailure({ retry: 'never', reason: 'not a turn-nearing payload' });
      await ctx.writer.run((unit) => notifyTurnNearing(unit, outbox, shopId));
    },
  };
}
