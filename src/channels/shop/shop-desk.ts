/**
 * The shop desk: a shop advisor at a counter calls the next visitor (`callNext`, the order of
 * src/shops/call-next.ts), recalls them, marks a no-show, transfers them to another service or desk,
 * serves them (their case opened or continued on the shop channel with the visit on their timeline,
 * the desk's time held in `shop_reservations`) and finishes. An appointment is called like a ticket:
 * the call gives it a ticket of its own (numbered `-<appointment id>`, coded `<prefix>-<HHmm>`), so the
 * board shows and announces it like any other.
 *
 * A desk is open in one browser tab at a time (`shop_desk_sessions`, keyed by a random key per tab):
 * another tab asks to take it over, and every desk action names the tab's key, so a tab that lost
 * the desk cannot call anyone from it.
 */
import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { Database, ShopTicketsTable } from '../../platform/db/schema.ts';
import type { Selectable } from 'kysely';
import type { Unit } from '../../platform/db/writer.ts';
import type { Actor } from '../../platform/events/event.ts';
import { Conflict, Invalid, NotFound, RetryableConflict } from '../../platform/errors.ts';
import type { Viewer } from '../../advisors/access.ts';
import type { Outbox } from '../send-queue.ts';
import type { ContactPoints } from '../adapter.ts';
import {
  chooseNext,
  defaultCallNextRules,
  queueOrder,
  servesService,
  type CallableAppointment,
  type CallNextRules,
  type WaitingTicket,
} from '../../shops/call-next.ts';
import { recordBoardCall } from '../../shops/board-calls.ts';
import { ingestInbound, customerTimeline } from '../../conversations/interactions.ts';
import { activeStatuses, listConversations } from '../../conversations/conversations.ts';
import { changeCase, sendReply } from '../../contacts/contacts.ts';
import { getCustomer } from '../../customers/customers.ts';
import type { StorageDialect } from '../../platform/db/dialects/storage-dialect.ts';
import type {
  CounterCustomer,
  DeskAppointment,
  DeskTicket,
  QueueEntry,
  ShopFloorView,
  TicketStatus,
} from '../../api-types/shop-desk.ts';
import type { InteractionKind } from '../../api-types/conversations.ts';

type TicketRow = Selectable<ShopTicketsTable>;
type Db = Kysely<Database>;

/** A desk session not seen for this long (the tab was closed) is taken without asking. */
export const deskSessionStaleMs = 2 * 60_000;

const advisorActor = (viewer: Viewer): Actor => ({ type: 'advisor', id: viewer.id });
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The shop a viewer may work in: a shop advisor their own, supervisors and admins any. */
async function shopFor(db: Db, shopId: number, viewer: Viewer) {
  const shop = await db
    .selectFrom('shops')
    .select(['id', 'name', 'time_zone'])
    .where('id', '=', shopId)
    .executeTakeFirst();
  // Another shop's floor does not exist for a shop advisor, exactly like a missing one.
  if (!shop || (viewer.role === 'shop_advisor' && viewer.shopId !== shopId))
    throw new NotFound('shop');
  return shop;
}

async function deskFor(db: Db, deskId: number, viewer: Viewer) {
  const desk = await db
    .selectFrom('shop_desks')
    .select(['id', 'shop_id', 'name', 'active'])
    .where('id', '=', deskId)
    .executeTakeFirst();
  if (!desk) throw new NotFound('desk');
  const shop = await shopFor(db, desk.shop_id, viewer).catch(() => {
    throw new NotFound('desk');
  });
  return { ...desk, shop };
}

async function ticketFor(db: Db, ticketId: number, viewer: Viewer): Promise<TicketRow> {
  const ticket = await db
    .selectFrom('shop_tickets')
    .selectAll()
    .where('id', '=', ticketId)
    .executeTakeFirst();
  if (!ticket || (viewer.role === 'shop_advisor' && viewer.shopId !== ticket.shop_id))
    throw new NotFound('ticket');
  return ticket;
}

// ---------------------------------------------------------------------------------------------
// Desk sessions

/**
 * Opens a desk in this browser tab. Held by another tab (seen in the last two minutes), it is
 * refused with `desk-in-use` naming who holds it, unless `takeOver`: then this tab holds it, and
 * `shop.desk-taken-over` tells the other tab, live, that it lost the desk.
 */
export async function openDesk(
  unit: Unit,
  deskId: number,
  viewer: Viewer,
  input: { readonly sessionKey: string; readonly takeOver: boolean },
): Promise<{ deskId: number; openedAt: number; tookOver: boolean }> {
  const desk = await deskFor(unit.db, deskId, viewer);
  if (!desk.active) throw new Invalid('deskId', 'this desk is closed');
  const held = await unit.db
    .selectFrom('shop_desk_sessions')
    .innerJoin('advisors', 'advisors.id', 'shop_desk_sessions.advisor_id')
    .select([
      'shop_desk_sessions.session_key',
      'shop_desk_sessions.advisor_id',
      'shop_desk_sessions.seen_at',
      'shop_desk_sessions.opened_at',
      'advisors.name',
    ])
    .where('desk_id', '=', deskId)
    .executeTakeFirst();
  if (held && held.session_key === input.sessionKey && held.advisor_id === viewer.id) {
    await touch(unit, deskId);
    return { deskId, openedAt: held.opened_at, tookOver: false };
  }
  const otherTab = held !== undefined && unit.now - held.seen_at < deskSessionStaleMs;
  if (otherTab && !input.takeOver)
    throw new Conflict(
      `desk ${desk.name} is open in another browser (${held.name}); take it over to use it here`,
      'desk-in-use',
    );
  await unit.db
    .insertInto('shop_desk_sessions')
    .values({
      desk_id: deskId,
      advisor_id: viewer.id,
      session_key: input.sessionKey,
      opened_at: unit.now,
      seen_at: unit.now,
    })
    .onConflict((oc) =>
      oc.column('desk_id').doUpdateSet({
        advisor_id: viewer.id,
        session_key: input.sessionKey,
        opened_at: unit.now,
        seen_at: unit.now,
      }),
    )
    .execute();
  await unit.record({
    type: otherTab ? 'shop.desk-taken-over' : 'shop.desk-opened',
    actor: advisorActor(viewer),
    entity: { type: 'shop_desk', id: deskId },
    scope: { shopId: desk.shop_id },
    before: held ? { advisorId: held.advisor_id } : null,
    after: { deskId, advisorId: viewer.id, advisorName: viewer.name },
  });
  return { deskId, openedAt: unit.now, tookOver: otherTab };
}

/** This tab leaves the desk (another desk chosen, the tab closed): free for anyone at once. */
export async function leaveDesk(
  unit: Unit,
  deskId: number,
  viewer: Viewer,
  sessionKey: string,
): Promise<{ left: boolean }> {
  const desk = await deskFor(unit.db, deskId, viewer);
  const result = await unit.db
    .deleteFrom('shop_desk_sessions')
    .where('desk_id', '=', deskId)
    .where('session_key', '=', sessionKey)
    .where('advisor_id', '=', viewer.id)
    .executeTakeFirst();
  const left = Number(result.numDeletedRows) === 1;
  if (left)
    await unit.record({
      type: 'shop.desk-left',
      actor: advisorActor(viewer),
      entity: { type: 'shop_desk', id: deskId },
      scope: { shopId: desk.shop_id },
      after: { deskId, advisorId: viewer.id },
    });
  return { left };
}

async function touch(unit: Unit, deskId: number) {
  await unit.db
    .updateTable('shop_desk_sessions')
    .set({ seen_at: unit.now })
    .where('desk_id', '=', deskId)
    .execute();
}

/** The desk, when this tab holds it; `desk-not-held` otherwise (another tab took it over). */
async function heldDesk(unit: Unit, deskId: number, viewer: Viewer, sessionKey: string) {
  const desk = await deskFor(unit.db, deskId, viewer);
  const session = await unit.db
    .selectFrom('shop_desk_sessions')
    .select(['session_key', 'advisor_id'])
    .where('desk_id', '=', deskId)
    .executeTakeFirst();
  if (!session || session.session_key !== sessionKey || session.advisor_id !== viewer.id)
    throw new Conflict(`this browser no longer holds desk ${desk.name}`, 'desk-not-held');
  await touch(unit, deskId);
  return desk;
}

// ---------------------------------------------------------------------------------------------
// Calling

async function serviceCatalogue(db: Db) {
  const rows = await db
    .selectFrom('shop_services')
    .select(['id', 'name', 'ticket_prefix', 'skills', 'duration_minutes'])
    .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      {
        name: r.name,
        prefix: r.ticket_prefix,
        skills: JSON.parse(r.skills) as string[],
        minutes: r.duration_minutes,
      },
    ]),
  );
}

async function skillsOf(db: Db, advisorId: number): Promise<string[]> {
  const row = await db
    .selectFrom('advisors')
    .select('skills')
    .where('id', '=', advisorId)
    .executeTakeFirst();
  return row ? (JSON.parse(row.skills) as string[]) : [];
}

function localDay(zone: string, now: number) {
  const local = DateTime.fromMillis(now, { zone });
  return {
    day: local.toISODate()!,
    from: local.startOf('day').toMillis(),
    to: local.endOf('day').toMillis() + 1,
  };
}

/** The shop's waiting walk-ins and today's checked-in appointments not called yet. */
async function callableQueue(db: Db, shopId: number, zone: string, now: number) {
  const today = localDay(zone, now);
  const tickets = await db
    .selectFrom('shop_tickets')
    .select(['id', 'service_id', 'waiting_since', 'desk_id'])
    .where('shop_id', '=', shopId)
    .where('status', '=', 'waiting')
    // Today's tickets: one left waiting last night is not called this morning.
    .where('day', '=', today.day)
    .execute();
  const appointments = await db
    .selectFrom('shop_appointments')
    .select(['id', 'service_id', 'starts_at', 'desk_id', 'advisor_id'])
    .where('shop_id', '=', shopId)
    .where('status', '=', 'checked-in')
    .where('starts_at', '>=', today.from)
    .where('starts_at', '<', today.to)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('shop_tickets')
            .select('shop_tickets.id')
            .whereRef('shop_tickets.appointment_id', '=', 'shop_appointments.id'),
        ),
      ),
    )
    .execute();
  return {
    tickets: tickets.map((t): WaitingTicket => ({
      id: t.id,
      serviceId: t.service_id,
      waitingSince: t.waiting_since,
      deskId: t.desk_id,
    })),
    appointments: appointments.map((a): CallableAppointment => ({
      id: a.id,
      serviceId: a.service_id,
      startsAt: a.starts_at,
      deskId: a.desk_id,
      advisorId: a.advisor_id,
    })),
  };
}

/**
 * Calls the next visitor to this desk, in one transaction: chooses by `chooseNext`, then takes the
 * ticket with a conditional update (`status = 'waiting'`), so two desks pressing "next" at once never
 * get the same one: the one that loses chooses again among those left. Answers the called ticket,
 * or null when nobody this desk serves waits. A desk with a visitor still called or served is
 * refused: finish or mark the no-show first.
 */
export async function callNext(
  unit: Unit,
  deskId: number,
  viewer: Viewer,
  sessionKey: string,
  rules: CallNextRules = defaultCallNextRules,
): Promise<DeskTicket | null> {
  const desk = await heldDesk(unit, deskId, viewer, sessionKey);
  const busy = await unit.db
    .selectFrom('shop_tickets')
    .select('code')
    .where('desk_id', '=', deskId)
    .where('status', 'in', ['called', 'serving'])
    .where('day', '=', localDay(desk.shop.time_zone, unit.now).day)
    .executeTakeFirst();
  if (busy)
    throw new Conflict(`${busy.code} is still at this desk: finish or mark a no-show first`);
  const services = await serviceCatalogue(unit.db);
  const serviceSkills = new Map([...services].map(([id, s]) => [id, s.skills]));
  const calling = { deskId, advisorId: viewer.id, skills: await skillsOf(unit.db, viewer.id) };
  const lost = new Set<string>();
  for (let attempt = 0; attempt < 8; attempt++) {
    const queue = await callableQueue(unit.db, desk.shop_id, desk.shop.time_zone, unit.now);
    const next = chooseNext(
      {
        tickets: queue.tickets.filter((t) => !lost.has(`t${t.id}`)),
        appointments: queue.appointments.filter((a) => !lost.has(`a${a.id}`)),
      },
      calling,
      serviceSkills,
      unit.now,
      rules,
    );
    if (!next) return null;
    let ticketId: number | undefined;
    if (next.kind === 'ticket') {
      const taken = await unit.db
        .updateTable('shop_tickets')
        .set({
          status: 'called',
          desk_id: deskId,
          advisor_id: viewer.id,
          first_called_at: unit.now,
          last_called_at: unit.now,
          updated_at: unit.now,
        })
        .where('id', '=', next.ticket.id)
        .where('status', '=', 'waiting')
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) ticketId = next.ticket.id;
      else lost.add(`t${next.ticket.id}`);
    } else {
      ticketId = await ticketForAppointment(unit, next.appointment.id, deskId, viewer, services);
      if (ticketId === undefined) lost.add(`a${next.appointment.id}`);
    }
    if (ticketId === undefined) continue;
    const ticket = await unit.db
      .selectFrom('shop_tickets')
      .selectAll()
      .where('id', '=', ticketId)
      .executeTakeFirstOrThrow();
    await recordBoardCall(
      unit,
      {
        shopId: desk.shop_id,
        ticketId,
        code: ticket.code,
        deskId,
        deskName: desk.name,
      },
      advisorActor(viewer),
    );
    return (await deskTickets(unit.db, [ticket], unit.now))[0]!;
  }
  // Others kept taking what this desk chose: run the whole unit again on a fresh view.
  throw new RetryableConflict('the queue moved while calling next');
}

/**
 * The ticket an appointment is called with, created `called` at this desk. Its number is the
 * appointment's id negated, so the shop's ticket numbering (positive) is untouched and the unique
 * (shop, service, day, number) lets one desk only create it: undefined for the desk that lost.
 */
async function ticketForAppointment(
  unit: Unit,
  appointmentId: number,
  deskId: number,
  viewer: Viewer,
  services: Awaited<ReturnType<typeof serviceCatalogue>>,
): Promise<number | undefined> {
  const appointment = await unit.db
    .selectFrom('shop_appointments')
    .innerJoin('shops', 'shops.id', 'shop_appointments.shop_id')
    .selectAll('shop_appointments')
    .select('shops.time_zone')
    .where('shop_appointments.id', '=', appointmentId)
    .executeTakeFirstOrThrow();
  const service = services.get(appointment.service_id);
  const local = DateTime.fromMillis(appointment.starts_at, { zone: appointment.time_zone });
  const row = await unit.db
    .insertInto('shop_tickets')
    .values({
      shop_id: appointment.shop_id,
      service_id: appointment.service_id,
      day: localDay(appointment.time_zone, unit.now).day,
      number: -appointment.id,
      code: `${service?.prefix ?? 'A'}-${local.toFormat('HHmm')}`,
      customer_id: appointment.customer_id,
      conversation_id: appointment.conversation_id,
      appointment_id: appointment.id,
      phone: appointment.phone,
      email: appointment.email,
      status: 'called',
      desk_id: deskId,
      advisor_id: viewer.id,
      // The wait of someone with an appointment starts at its time, not at their early arrival.
      waiting_since: Math.min(
        unit.now,
        Math.max(appointment.starts_at, appointment.checked_in_at ?? 0),
      ),
      first_called_at: unit.now,
      last_called_at: unit.now,
      created_at: unit.now,
      updated_at: unit.now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/** A ticket at a desk this tab holds, in one of `statuses`; a 409 names what it is now. */
async function ticketAtMyDesk(
  unit: Unit,
  ticketId: number,
  viewer: Viewer,
  sessionKey: string,
  statuses: readonly TicketStatus[],
) {
  const ticket = await ticketFor(unit.db, ticketId, viewer);
  if (ticket.desk_id === null || !statuses.includes(ticket.status as TicketStatus))
    throw new Conflict(`${ticket.code} is ${ticket.status}, not at your desk`);
  const desk = await heldDesk(unit, ticket.desk_id, viewer, sessionKey);
  return { ticket, desk };
}

/** Moves a ticket from one status to another, guarded by the status it was read in. */
async function moveTicket(
  unit: Unit,
  ticket: TicketRow,
  changes: Partial<Omit<TicketRow, 'id'>>,
): Promise<TicketRow> {
  const result = await unit.db
    .updateTable('shop_tickets')
    .set({ ...changes, updated_at: unit.now })
    .where('id', '=', ticket.id)
    .where('status', '=', ticket.status)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new RetryableConflict('ticket moved meanwhile');
  return unit.db
    .selectFrom('shop_tickets')
    .selectAll()
    .where('id', '=', ticket.id)
    .executeTakeFirstOrThrow();
}

async function recordTicket(
  unit: Unit,
  type: string,
  ticket: TicketRow,
  viewer: Viewer,
  before: TicketRow,
) {
  await unit.record({
    type,
    actor: advisorActor(viewer),
    entity: { type: 'shop_ticket', id: ticket.id },
    scope: {
      shopId: ticket.shop_id,
      customerId: ticket.customer_id,
      conversationId: ticket.conversation_id,
    },
    before: { status: before.status, serviceId: before.service_id, deskId: before.desk_id },
    after: {
      status: ticket.status,
      serviceId: ticket.service_id,
      deskId: ticket.desk_id,
      code: ticket.code,
    },
  });
}

/** Mirrors a ticket's end on the appointment it was called for. */
async function moveAppointment(unit: Unit, ticket: TicketRow, status: string, viewer: Viewer) {
  if (ticket.appointment_id === null) return;
  await unit.db
    .updateTable('shop_appointments')
    .set({ status, updated_at: unit.now })
    .where('id', '=', ticket.appointment_id)
    .execute();
  await unit.record({
    type: `shop.appointment-${status}`,
    actor: advisorActor(viewer),
    entity: { type: 'shop_appointment', id: ticket.appointment_id },
    scope: {
      shopId: ticket.shop_id,
      customerId: ticket.customer_id,
      conversationId: ticket.conversation_id,
    },
    after: { status, ticketId: ticket.id },
  });
}

/** Calls the visitor again (the board announces it again); their wait still ends at the first call. */
export async function recall(
  unit: Unit,
  ticketId: number,
  viewer: Viewer,
  sessionKey: string,
): Promise<DeskTicket> {
  const { ticket, desk } = await ticketAtMyDesk(unit, ticketId, viewer, sessionKey, ['called']);
  const after = await moveTicket(unit, ticket, {
    last_called_at: unit.now,
    recalls: ticket.recalls + 1,
  });
  await recordBoardCall(
    unit,
    { shopId: ticket.shop_id, ticketId, code: ticket.code, deskId: desk.id, deskName: desk.name },
    advisorActor(viewer),
  );
  return (await deskTickets(unit.db, [after], unit.now))[0]!;
}

/** The visitor called did not come: the ticket (and its appointment) ends as a no-show. */
export async function markNoShow(
  unit: Unit,
  ticketId: number,
  viewer: Viewer,
  sessionKey: string,
): Promise<DeskTicket> {
  const { ticket } = await ticketAtMyDesk(unit, ticketId, viewer, sessionKey, ['called']);
  const after = await moveTicket(unit, ticket, { status: 'no-show', finished_at: unit.now });
  await recordTicket(unit, 'shop.ticket-no-show', after, viewer, ticket);
  await moveAppointment(unit, after, 'no-show', viewer);
  return (await deskTickets(unit.db, [after], unit.now))[0]!;
}

/**
 * Sends a visitor to another service (its queue, for whoever serves it) or to another desk (only
 * that desk calls them): waiting again, with the wait they began when they took the ticket. A ticket
 * at a desk is moved by the tab holding that desk; a waiting one by anyone working in the shop.
 */
export async function transferTicket(
  unit: Unit,
  ticketId: number,
  viewer: Viewer,
  input: {
    readonly sessionKey: string;
    readonly serviceId?: number | undefined;
    readonly deskId?: number | undefined;
  },
): Promise<DeskTicket> {
  if (input.serviceId === undefined && input.deskId === undefined)
    throw new Invalid('serviceId', 'give a service or a desk to transfer to');
  let ticket = await ticketFor(unit.db, ticketId, viewer);
  if (ticket.status === 'called' || ticket.status === 'serving')
    ({ ticket } = await ticketAtMyDesk(unit, ticketId, viewer, input.sessionKey, [
      'called',
      'serving',
    ]));
  else if (ticket.status !== 'waiting')
    throw new Conflict(`${ticket.code} is ${ticket.status}: it cannot be transferred`);
  if (input.serviceId !== undefined) {
    const offered = await unit.db
      .selectFrom('shop_offered_services')
      .select('service_id')
      .where('shop_id', '=', ticket.shop_id)
      .where('service_id', '=', input.serviceId)
      .executeTakeFirst();
    if (!offered) throw new Invalid('serviceId', 'this shop does not offer that service');
  }
  if (input.deskId !== undefined) {
    const desk = await unit.db
      .selectFrom('shop_desks')
      .select(['shop_id', 'active'])
      .where('id', '=', input.deskId)
      .executeTakeFirst();
    if (!desk || desk.shop_id !== ticket.shop_id || !desk.active)
      throw new Invalid('deskId', 'no such open desk in this shop');
  }
  const after = await moveTicket(unit, ticket, {
    status: 'waiting',
    service_id: input.serviceId ?? ticket.service_id,
    desk_id: input.deskId ?? null,
    advisor_id: null,
    serving_at: null,
  });
  await endReservation(unit, ticket.id);
  await recordTicket(unit, 'shop.ticket-transferred', after, viewer, ticket);
  return (await deskTickets(unit.db, [after], unit.now))[0]!;
}

/**
 * The advisor serves the visitor called to their desk. In the same transaction: the ticket is
 * `serving`; a walk-in's time is held on the desk and advisor (`shop_reservations`, for the service's
 * duration until finished, so free slots see it); the customer is found (the ticket's, the one the
 * advisor names, the contact points given, or a record of its own for an anonymous walk-in) and the
 * visit goes on their active case (or opens one) on the shop channel, where it sits on the same
 * timeline as their emails, calls and chats. Nothing is queued for routing: the customer is already
 * with an advisor.
 */
export async function serveTicket(
  unit: Unit,
  ticketId: number,
  viewer: Viewer,
  input: {
    readonly sessionKey: string;
    readonly customerId?: number | undefined;
    readonly customer?:
      | { readonly name?: string | undefined; readonly email?: string; readonly phone?: string }
      | undefined;
  },
  options: { readonly defaultRegion: string; readonly dialect: StorageDialect },
): Promise<DeskTicket> {
  const { ticket, desk } = await ticketAtMyDesk(unit, ticketId, viewer, input.sessionKey, [
    'called',
  ]);
  const services = await serviceCatalogue(unit.db);
  const service = services.get(ticket.service_id);
  const from = await visitorOf(unit.db, ticket, input);
  const visit = await ingestInbound(
    unit,
    {
      kind: 'shop_visit',
      from,
      text: `Visit at ${desk.shop.name}, ${desk.name}: ${service?.name ?? 'service'} (${ticket.code})`,
      subject: `${service?.name ?? 'Visit'} at ${desk.shop.name}`,
      shopId: ticket.shop_id,
      provider: 'shop-desk',
      providerId: `ticket-${ticket.id}`,
      // The case the kiosk or the booking opened, unless the advisor says it is someone else.
      ...(ticket.conversation_id !== null &&
      (input.customerId === undefined || input.customerId === ticket.customer_id)
        ? { conversationId: ticket.conversation_id }
        : {}),
    },
    { defaultRegion: options.defaultRegion, actor: advisorActor(viewer), dialect: options.dialect },
  );
  // The advisor at the counter takes a case nobody owns yet: continuity for what follows.
  await unit.db
    .updateTable('conversations')
    .set({ owner_id: viewer.id, updated_at: unit.now })
    .where('id', '=', visit.conversationId)
    .where('owner_id', 'is', null)
    .execute();
  const after = await moveTicket(unit, ticket, {
    status: 'serving',
    serving_at: unit.now,
    advisor_id: viewer.id,
    customer_id: visit.customerId,
    conversation_id: visit.conversationId,
  });
  if (ticket.appointment_id === null)
    await unit.db
      .insertInto('shop_reservations')
      .values({
        shop_id: ticket.shop_id,
        advisor_id: viewer.id,
        desk_id: desk.id,
        starts_at: unit.now,
        ends_at: unit.now + (service?.minutes ?? 15) * 60_000,
        reason: `Serving ${ticket.code}`,
        source_type: 'ticket',
        source_id: ticket.id,
        created_at: unit.now,
      })
      .execute();
  else
    await unit.db
      .updateTable('shop_appointments')
      .set({ conversation_id: visit.conversationId })
      .where('id', '=', ticket.appointment_id)
      .where('conversation_id', 'is', null)
      .execute();
  await recordTicket(unit, 'shop.ticket-serving', after, viewer, ticket);
  await moveAppointment(unit, after, 'serving', viewer);
  return (await deskTickets(unit.db, [after], unit.now))[0]!;
}

/** Who the visitor is, as contact points the customer resolution understands. */
async function visitorOf(
  db: Db,
  ticket: TicketRow,
  input: Parameters<typeof serveTicket>[3],
): Promise<ContactPoints & { name?: string }> {
  const named = input.customerId ?? ticket.customer_id;
  if (named !== undefined && named !== null) {
    const customer = await db
      .selectFrom('customers')
      .select(['id', 'merged_into_id', 'display_name'])
      .where('id', '=', named)
      .executeTakeFirst();
    if (!customer) throw new Invalid('customerId', 'no such customer');
    const identity = await db
      .selectFrom('identities')
      .select(['kind', 'network', 'value'])
      .where('customer_id', '=', customer.merged_into_id ?? customer.id)
      .orderBy('id')
      .executeTakeFirst();
    if (identity) return { ...pointOf(identity), name: customer.display_name };
    throw new Invalid('customerId', 'this customer has no contact point to file the visit under');
  }
  const given = input.customer ?? {};
  const email = given.email ?? ticket.email ?? undefined;
  const phone = given.phone ?? ticket.phone ?? undefined;
  if (email || phone)
    return {
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
      ...(given.name ? { name: given.name } : {}),
    };
  // Nobody we can reach: the visit is still a customer's story, filed under the ticket itself.
  return {
    external: { system: 'shop-ticket', id: String(ticket.id) },
    name: given.name ?? `Walk-in ${ticket.code}`,
  };
}

function pointOf(identity: { kind: string; network: string; value: string }): ContactPoints {
  if (identity.kind === 'email') return { email: identity.value };
  if (identity.kind === 'phone') return { phone: identity.value };
  if (identity.kind === 'social')
    return { social: { network: identity.network, handle: identity.value } };
  return { external: { system: identity.network, id: identity.value } };
}

async function endReservation(unit: Unit, ticketId: number) {
  await unit.db
    .updateTable('shop_reservations')
    .set({ ends_at: unit.now })
    .where('source_type', '=', 'ticket')
    .where('source_id', '=', ticketId)
    .where('ends_at', '>', unit.now)
    .execute();
}

/** The visit is over: the ticket (and its appointment) is served, the desk's held time ends now. */
export async function finishTicket(
  unit: Unit,
  ticketId: number,
  viewer: Viewer,
  sessionKey: string,
): Promise<DeskTicket> {
  const { ticket } = await ticketAtMyDesk(unit, ticketId, viewer, sessionKey, ['serving']);
  const after = await moveTicket(unit, ticket, { status: 'served', finished_at: unit.now });
  await endReservation(unit, ticket.id);
  await recordTicket(unit, 'shop.ticket-served', after, viewer, ticket);
  await moveAppointment(unit, after, 'served', viewer);
  return (await deskTickets(unit.db, [after], unit.now))[0]!;
}

/** An appointment holder checks in at the desk: present, so call next may call them once due. */
export async function checkInAtDesk(
  unit: Unit,
  appointmentId: number,
  viewer: Viewer,
): Promise<DeskAppointment> {
  const appointment = await unit.db
    .selectFrom('shop_appointments')
    .selectAll()
    .where('id', '=', appointmentId)
    .executeTakeFirst();
  if (!appointment) throw new NotFound('appointment');
  const shop = await shopFor(unit.db, appointment.shop_id, viewer).catch(() => {
    throw new NotFound('appointment');
  });
  if (appointment.status !== 'booked')
    throw new Conflict(`the appointment is ${appointment.status}, not booked`);
  const result = await unit.db
    .updateTable('shop_appointments')
    .set({ status: 'checked-in', checked_in_at: unit.now, updated_at: unit.now })
    .where('id', '=', appointmentId)
    .where('status', '=', 'booked')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new RetryableConflict('appointment moved');
  await unit.record({
    type: 'shop.appointment-checked-in',
    actor: advisorActor(viewer),
    entity: { type: 'shop_appointment', id: appointmentId },
    scope: {
      shopId: appointment.shop_id,
      customerId: appointment.customer_id,
      conversationId: appointment.conversation_id,
    },
    after: { status: 'checked-in', at: 'desk' },
  });
  const services = await serviceCatalogue(unit.db);
  return toDeskAppointment(
    { ...appointment, status: 'checked-in', checked_in_at: unit.now },
    services,
    shop.time_zone,
  );
}

/**
 * An appointment whose customer never came (booked or checked in, not called, its time begun) is
 * a no-show. One called to a desk is marked through its ticket instead.
 */
export async function markAppointmentNoShow(
  unit: Unit,
  appointmentId: number,
  viewer: Viewer,
): Promise<DeskAppointment> {
  const appointment = await unit.db
    .selectFrom('shop_appointments')
    .selectAll()
    .where('id', '=', appointmentId)
    .executeTakeFirst();
  if (!appointment) throw new NotFound('appointment');
  const shop = await shopFor(unit.db, appointment.shop_id, viewer).catch(() => {
    throw new NotFound('appointment');
  });
  if (appointment.status !== 'booked' && appointment.status !== 'checked-in')
    throw new Conflict(`the appointment is ${appointment.status}`);
  if (appointment.starts_at > unit.now)
    throw new Invalid('appointmentId', 'the appointment has not begun yet');
  const called = await unit.db
    .selectFrom('shop_tickets')
    .select('code')
    .where('appointment_id', '=', appointmentId)
    .executeTakeFirst();
  if (called) throw new Conflict(`the appointment was called as ${called.code}: mark that ticket`);
  const result = await unit.db
    .updateTable('shop_appointments')
    .set({ status: 'no-show', updated_at: unit.now })
    .where('id', '=', appointmentId)
    .where('status', '=', appointment.status)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new RetryableConflict('appointment moved');
  await unit.record({
    type: 'shop.appointment-no-show',
    actor: advisorActor(viewer),
    entity: { type: 'shop_appointment', id: appointmentId },
    scope: {
      shopId: appointment.shop_id,
      customerId: appointment.customer_id,
      conversationId: appointment.conversation_id,
    },
    before: { status: appointment.status },
    after: { status: 'no-show' },
  });
  return toDeskAppointment(
    { ...appointment, status: 'no-show' },
    await serviceCatalogue(unit.db),
    shop.time_zone,
  );
}

// ---------------------------------------------------------------------------------------------
// Reading the floor

function toDeskAppointment(
  a: {
    id: number;
    service_id: number;
    customer_id: number;
    name: string;
    starts_at: number;
    ends_at: number;
    status: string;
    desk_id: number | null;
    advisor_id: number | null;
    checked_in_at: number | null;
  },
  services: Awaited<ReturnType<typeof serviceCatalogue>>,
  zone: string,
): DeskAppointment {
  return {
    id: a.id,
    serviceId: a.service_id,
    serviceName: services.get(a.service_id)?.name ?? 'service',
    customerId: a.customer_id,
    name: a.name,
    startsAt: new Date(a.starts_at).toISOString(),
    endsAt: new Date(a.ends_at).toISOString(),
    localTime: DateTime.fromMillis(a.starts_at, { zone }).toFormat('HH:mm'),
    status: a.status as DeskAppointment['status'],
    deskId: a.desk_id,
    advisorId: a.advisor_id,
    checkedInAt: iso(a.checked_in_at),
  };
}

/** Tickets as the desk shows them, with their service and customer names and their wait. */
async function deskTickets(db: Db, rows: readonly TicketRow[], now: number): Promise<DeskTicket[]> {
  if (rows.length === 0) return [];
  const services = await serviceCatalogue(db);
  const customerIds = [...new Set(rows.flatMap((r) => (r.customer_id ? [r.customer_id] : [])))];
  const names = new Map(
    customerIds.length === 0
      ? []
      : (
          await db
            .selectFrom('customers')
            .select(['id', 'display_name'])
            .where('id', 'in', customerIds)
            .execute()
        ).map((c) => [c.id, c.display_name]),
  );
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    serviceId: r.service_id,
    serviceName: services.get(r.service_id)?.name ?? 'service',
    status: r.status as TicketStatus,
    appointmentId: r.appointment_id,
    customerId: r.customer_id,
    customerName: r.customer_id ? (names.get(r.customer_id) ?? null) : null,
    conversationId: r.conversation_id,
    deskId: r.desk_id,
    advisorId: r.advisor_id,
    waitingSince: new Date(r.waiting_since).toISOString(),
    firstCalledAt: iso(r.first_called_at),
    lastCalledAt: iso(r.last_called_at),
    recalls: r.recalls,
    servingAt: iso(r.serving_at),
    finishedAt: iso(r.finished_at),
    waitedMinutes: Math.max(0, Math.floor(((r.first_called_at ?? now) - r.waiting_since) / 60_000)),
  }));
}

/**
 * The shop desk screen's state: today's appointments, the walk-ins waiting, who is at which desk,
 * and, for the chosen desk, the order it would call them and whether this tab holds it.
 */
export async function shopFloor(
  db: Db,
  shopId: number,
  viewer: Viewer,
  options: { readonly deskId?: number | undefined; readonly sessionKey?: string | undefined },
  now: number,
  rules: CallNextRules = defaultCallNextRules,
): Promise<ShopFloorView> {
  const shop = await shopFor(db, shopId, viewer);
  const today = localDay(shop.time_zone, now);
  const services = await serviceCatalogue(db);
  const offered = await db
    .selectFrom('shop_offered_services')
    .select('service_id')
    .where('shop_id', '=', shopId)
    .execute();
  const desks = await db
    .selectFrom('shop_desks')
    .select(['id', 'name'])
    .where('shop_id', '=', shopId)
    .where('active', '=', 1)
    .orderBy('name')
    .execute();
  const skills = await skillsOf(db, viewer.id);
  const appointments = await db
    .selectFrom('shop_appointments')
    .select([
      'id',
      'service_id',
      'customer_id',
      'name',
      'starts_at',
      'ends_at',
      'status',
      'desk_id',
      'advisor_id',
      'checked_in_at',
    ])
    .where('shop_id', '=', shopId)
    .where('starts_at', '>=', today.from)
    .where('starts_at', '<', today.to)
    .where('status', '!=', 'cancelled')
    .orderBy('starts_at')
    .orderBy('id')
    .execute();
  const live = await db
    .selectFrom('shop_tickets')
    .selectAll()
    .where('shop_id', '=', shopId)
    .where('status', 'in', ['waiting', 'called', 'serving'])
    .where('day', '=', today.day)
    .orderBy('waiting_since')
    .orderBy('id')
    .execute();
  const tickets = await deskTickets(db, live, now);
  const deskId = options.deskId;
  if (deskId !== undefined && !desks.some((d) => d.id === deskId)) throw new NotFound('desk');
  let queue: QueueEntry[] = [];
  if (deskId !== undefined) {
    const callable = await callableQueue(db, shopId, shop.time_zone, now);
    const byId = new Map(tickets.map((t) => [t.id, t]));
    const apptById = new Map(appointments.map((a) => [a.id, a]));
    queue = queueOrder(
      callable,
      { deskId, advisorId: viewer.id, skills },
      new Map([...services].map(([id, s]) => [id, s.skills])),
      now,
      rules,
    ).map((v): QueueEntry => {
      if (v.kind === 'ticket') {
        const t = byId.get(v.ticket.id)!;
        return {
          kind: 'ticket',
          id: t.id,
          label: t.code,
          serviceName: t.serviceName,
          reason: v.reason,
          waitedMinutes: t.waitedMinutes,
          deskId: t.deskId,
        };
      }
      const a = apptById.get(v.appointment.id)!;
      return {
        kind: 'appointment',
        id: a.id,
        label: `${DateTime.fromMillis(a.starts_at, { zone: shop.time_zone }).toFormat('HH:mm')} ${a.name}`,
        serviceName: services.get(a.service_id)?.name ?? 'service',
        reason: v.reason,
        waitedMinutes: Math.max(0, Math.floor((now - a.starts_at) / 60_000)),
        deskId: a.desk_id,
      };
    });
  }
  let session: ShopFloorView['session'] = null;
  if (deskId !== undefined) {
    const held = await db
      .selectFrom('shop_desk_sessions')
      .innerJoin('advisors', 'advisors.id', 'shop_desk_sessions.advisor_id')
      .select([
        'shop_desk_sessions.session_key',
        'shop_desk_sessions.advisor_id',
        'shop_desk_sessions.opened_at',
        'advisors.name',
      ])
      .where('desk_id', '=', deskId)
      .executeTakeFirst();
    session = {
      deskId,
      mine:
        held !== undefined &&
        held.session_key === options.sessionKey &&
        held.advisor_id === viewer.id,
      advisorId: held?.advisor_id ?? null,
      advisorName: held?.name ?? null,
      openedAt: held ? iso(held.opened_at) : null,
    };
  }
  return {
    shop: { id: shop.id, name: shop.name, timeZone: shop.time_zone },
    day: today.day,
    desks,
    services: offered.flatMap(({ service_id }) => {
      const s = services.get(service_id);
      return s
        ? [
            {
              id: service_id,
              name: s.name,
              prefix: s.prefix,
              mine: servesService(skills, s.skills),
            },
          ]
        : [];
    }),
    appointments: appointments.map((a) => toDeskAppointment(a, services, shop.time_zone)),
    waiting: tickets.filter((t) => t.status === 'waiting'),
    queue,
    atDesks: tickets.filter((t) => t.status !== 'waiting'),
    current:
      deskId === undefined
        ? null
        : (tickets.find((t) => t.deskId === deskId && t.status !== 'waiting') ?? null),
    session,
  };
}

// ---------------------------------------------------------------------------------------------
// The customer at the counter

/**
 * How the advisor sees the customer they are serving: every case of that customer, whatever its
 * team or channel, as a supervisor would. Given only while the ticket is being served by this
 * advisor, and only through the counter's routes, which check that first.
 */
async function counterViewer(db: Db, ticketId: number, viewer: Viewer) {
  const ticket = await ticketFor(db, ticketId, viewer);
  if (ticket.status !== 'serving' || ticket.customer_id === null)
    throw new Conflict(`${ticket.code} is ${ticket.status}: serve the customer first`);
  if (ticket.advisor_id !== viewer.id && viewer.role === 'shop_advisor')
    throw new Conflict(`${ticket.code} is served by someone else`);
  const customer = await db
    .selectFrom('customers')
    .select(['id', 'display_name', 'merged_into_id'])
    .where('id', '=', ticket.customer_id)
    .executeTakeFirstOrThrow();
  const counter: Viewer = { ...viewer, role: 'supervisor' };
  return { ticket, customer, counter, customerId: customer.merged_into_id ?? customer.id };
}

/** The customer being served: their whole timeline and their open cases from any channel. */
export async function counterCustomer(
  db: Db,
  ticketId: number,
  viewer: Viewer,
  now: number,
): Promise<CounterCustomer> {
  const { customer, counter, customerId } = await counterViewer(db, ticketId, viewer);
  const cases = await listConversations(
    db,
    counter,
    { customerId, sort: 'last_interaction_desc', limit: 100, offset: 0 },
    now,
  );
  const timeline = await customerTimeline(db, customerId, counter, { limit: 100 });
  return {
    customerId,
    name: customer.display_name,
    customer: await getCustomer(db, customerId),
    openCases: cases.filter((c) => activeStatuses.includes(c.status)),
    timeline: timeline.items,
  };
}

/**
 * The advisor settles one of the served customer's cases from the counter: a reply (on the case's
 * channel, or a note) and/or resolving it, exactly as the desk would do it, as that advisor.
 */
export async function settleAtCounter(
  unit: Unit,
  ticketId: number,
  viewer: Viewer,
  input: {
    readonly conversationId: number;
    readonly reply?: { readonly kind: InteractionKind; readonly text: string } | undefined;
    readonly resolve: boolean;
  },
  outbox: Outbox | undefined,
): Promise<{ conversationId: number; replied: boolean; resolved: boolean }> {
  const { counter, customerId } = await counterViewer(unit.db, ticketId, viewer);
  const conversation = await unit.db
    .selectFrom('conversations')
    .select(['id', 'customer_id'])
    .where('id', '=', input.conversationId)
    .executeTakeFirst();
  if (!conversation || conversation.customer_id !== customerId)
    throw new Invalid('conversationId', 'not a case of the customer being served');
  if (!input.reply && !input.resolve)
    throw new Invalid('reply', 'give a reply, or resolve the case, or both');
  if (input.reply)
    await sendReply(unit, conversation.id, input.reply, counter, advisorActor(viewer), { outbox });
  if (input.resolve)
    await changeCase(unit, conversation.id, { status: 'resolved' }, counter, advisorActor(viewer));
  return { conversationId: conversation.id, replied: !!input.reply, resolved: input.resolve };
}
