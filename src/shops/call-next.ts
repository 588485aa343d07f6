/**
 * Who a shop desk calls next: a pure rule over plain data, so the desk's "Call next", the queue it
 * shows and the bench all use the same order.
 *
 * The order, first to last:
 * 1. **Aged walk-ins**: a walk-in who has waited `ageingMs` (20 minutes by default) or longer goes
 *    before everything, oldest first. This is what bounds a walk-in's wait when appointments keep
 *    falling due: once aged, no appointment overtakes them.
 * 2. **Due appointments**: checked in (the customer is here) and starting within `dueWindowMs`
 *    (5 minutes) or already started, earliest start first.
 * 3. **Walk-ins by wait**, across every service the advisor serves (an advisor serves a service when
 *    they have all its skills): the longest wait first, whichever the service, so no service is
 *    favoured over another and a transferred ticket keeps its place (its wait began when it was taken).
 * 4. **Early appointments**: checked in but not due yet; served early only when nobody else waits.
 *
 * A ticket transferred to a desk, or an appointment booked with a desk or an advisor, is called only
 * by that desk or advisor. Ties are broken by id, so the order is total and stable.
 */

/** A walk-in ticket waiting to be called. */
export interface WaitingTicket {
  readonly id: number;
  readonly serviceId: number;
  /** When the wait began (taking the ticket; a transfer keeps it). */
  readonly waitingSince: number;
  /** Set when the ticket was transferred to one desk: only that desk calls it. */
  readonly deskId: number | null;
}

/** An appointment of today whose customer may be called (checked in, not yet called). */
export interface CallableAppointment {
  readonly id: number;
  readonly serviceId: number;
  readonly startsAt: number;
  /** The desk and advisor it was booked on, when it was: only they call it. */
  readonly deskId: number | null;
  readonly advisorId: number | null;
}

/** The desk pressing "Call next" and who sits at it. */
export interface CallingDesk {
  readonly deskId: number;
  readonly advisorId: number;
  readonly skills: readonly string[];
}

export interface CallNextRules {
  /** An appointment is due this long before it starts. */
  readonly dueWindowMs: number;
  /** A walk-in waiting this long goes before due appointments. */
  readonly ageingMs: number;
}

export const defaultCallNextRules: CallNextRules = {
  dueWindowMs: 5 * 60_000,
  ageingMs: 20 * 60_000,
};

/** Why a visit is where it is in the order (shown on the desk beside it). */
export type QueueReason = 'aged-walk-in' | 'due-appointment' | 'walk-in' | 'early-appointment';

export type QueuedVisit =
  | { readonly kind: 'ticket'; readonly ticket: WaitingTicket; readonly reason: QueueReason }
  | {
      readonly kind: 'appointment';
      readonly appointment: CallableAppointment;
      readonly reason: QueueReason;
    };

const rankOf: Record<QueueReason, number> = {
  'aged-walk-in': 0,
  'due-appointment': 1,
  'walk-in': 2,
  'early-appointment': 3,
};

/** Whether an advisor with `skills` serves a service needing `needed`. */
export function servesService(skills: readonly string[], needed: readonly string[]): boolean {
  return needed.every((s) => skills.includes(s));
}

interface Keyed {
  readonly visit: QueuedVisit;
  readonly rank: number;
  readonly at: number;
  readonly id: number;
}

function before(a: Keyed, b: Keyed): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.at !== b.at) return a.at < b.at;
  return a.id < b.id;
}

/** The visits this desk may call, each with its place key; skipped ones are others' to call. */
function* keyed(
  tickets: readonly WaitingTicket[],
  appointments: readonly CallableAppointment[],
  desk: CallingDesk,
  serviceSkills: ReadonlyMap<number, readonly string[]>,
  now: number,
  rules: CallNextRules,
): Generator<Keyed> {
  const serves = new Map<number, boolean>();
  const served = (serviceId: number) => {
    let yes = serves.get(serviceId);
    if (yes === undefined) {
      const needed = serviceSkills.get(serviceId);
      yes = needed !== undefined && servesService(desk.skills, needed);
      serves.set(serviceId, yes);
    }
    return yes;
  };
  for (const ticket of tickets) {
    if (ticket.deskId !== null && ticket.deskId !== desk.deskId) continue;
    // A ticket sent to this very desk is its to serve, whatever the skills say.
    if (ticket.deskId === null && !served(ticket.serviceId)) continue;
    const reason: QueueReason =
      now - ticket.waitingSince >= rules.ageingMs ? 'aged-walk-in' : 'walk-in';
    yield {
      visit: { kind: 'ticket', ticket, reason },
      rank: rankOf[reason],
      at: ticket.waitingSince,
      id: ticket.id,
    };
  }
  for (const appointment of appointments) {
    if (appointment.advisorId !== null && appointment.advisorId !== desk.advisorId) continue;
    if (appointment.deskId !== null && appointment.deskId !== desk.deskId) continue;
    if (appointment.advisorId === null && !served(appointment.serviceId)) continue;
    const reason: QueueReason =
      appointment.startsAt - rules.dueWindowMs <= now ? 'due-appointment' : 'early-appointment';
    yield {
      visit: { kind: 'appointment', appointment, reason },
      rank: rankOf[reason],
      at: appointment.startsAt,
      id: appointment.id,
    };
  }
}

/**
 * The one visit this desk calls next, or null when nobody it may serve waits. One pass over the
 * queue (no sort): the first of `queueOrder`.
 */
export function chooseNext(
  queue: {
    readonly tickets: readonly WaitingTicket[];
    readonly appointments: readonly CallableAppointment[];
  },
  desk: CallingDesk,
  serviceSkills: ReadonlyMap<number, readonly string[]>,
  now: number,
  rules: CallNextRules = defaultCallNextRules,
): QueuedVisit | null {
  let best: Keyed | null = null;
  for (const k of keyed(queue.tickets, queue.appointments, desk, serviceSkills, now, rules))
    if (best === null || before(k, best)) best = k;
  return best?.visit ?? null;
}

/** Every visit this desk may call, in the order it would call them now. */
export function queueOrder(
  queue: {
    readonly tickets: readonly WaitingTicket[];
    readonly appointments: readonly CallableAppointment[];
  },
  desk: CallingDesk,
  serviceSkills: ReadonlyMap<number, readonly string[]>,
  now: number,
  rules: CallNextRules = defaultCallNextRules,
): QueuedVisit[] {
  const all = [...keyed(queue.tickets, queue.appointments, desk, serviceSkills, now, rules)];
  all.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  return all.map((k) => k.visit);
}
