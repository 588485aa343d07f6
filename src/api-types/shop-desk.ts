import type { Conversation, Interaction } from './conversations.ts';
import type { Customer } from './customers.ts';

/** Why a visit stands where it does in a desk's queue (see src/shops/call-next.ts). */
export type QueueReason = 'aged-walk-in' | 'due-appointment' | 'walk-in' | 'early-appointment';

/** Ticket statuses: waiting, called, serving, served, no-show, cancelled. */
export type TicketStatus = 'waiting' | 'called' | 'serving' | 'served' | 'no-show' | 'cancelled';

/** A walk-in ticket (or an appointment being called, which gets a ticket of its own) at a desk. */
export interface DeskTicket {
  readonly id: number;
  readonly code: string;
  readonly serviceId: number;
  readonly serviceName: string;
  readonly status: TicketStatus;
  readonly appointmentId: number | null;
  readonly customerId: number | null;
  readonly customerName: string | null;
  readonly conversationId: number | null;
  readonly deskId: number | null;
  readonly advisorId: number | null;
  readonly waitingSince: string;
  /** The wait stops at the first call: a recall does not move it. */
  readonly firstCalledAt: string | null;
  readonly lastCalledAt: string | null;
  readonly recalls: number;
  readonly servingAt: string | null;
  readonly finishedAt: string | null;
  /** Minutes waited: until the first call, or until now while still waiting. */
  readonly waitedMinutes: number;
}

/** One visit in the order this desk would call them now. */
export interface QueueEntry {
  readonly kind: 'ticket' | 'appointment';
  readonly id: number;
  /** The ticket's code, or the appointment's time ("10:30") and name. */
  readonly label: string;
  readonly serviceName: string;
  readonly reason: QueueReason;
  readonly waitedMinutes: number;
  /** Sent to one desk (a transfer): only that desk calls it. */
  readonly deskId: number | null;
}

export interface DeskAppointment {
  readonly id: number;
  readonly serviceId: number;
  readonly serviceName: string;
  readonly customerId: number;
  readonly name: string;
  readonly startsAt: string;
  readonly endsAt: string;
  /** Shop-local "HH:mm". */
  readonly localTime: string;
  readonly status: 'booked' | 'checked-in' | 'serving' | 'served' | 'no-show' | 'cancelled';
  readonly deskId: number | null;
  readonly advisorId: number | null;
  readonly checkedInAt: string | null;
}

/** Who holds a desk now, as the asking browser tab sees it. */
export interface DeskSessionState {
  readonly deskId: number;
  /** True when the asking tab holds it. */
  readonly mine: boolean;
  readonly advisorId: number | null;
  readonly advisorName: string | null;
  readonly openedAt: string | null;
}

/** The shop desk screen's whole state for one shop and (optionally) one desk. */
export interface ShopFloorView {
  readonly shop: { readonly id: number; readonly name: string; readonly timeZone: string };
  /** The shop's local date shown ("2026-12-01"). */
  readonly day: string;
  readonly desks: ReadonlyArray<{ readonly id: number; readonly name: string }>;
  readonly services: ReadonlyArray<{
    readonly id: number;
    readonly name: string;
    readonly prefix: string;
    /** Whether the signed-in person has the skills it needs. */
    readonly mine: boolean;
  }>;
  readonly appointments: DeskAppointment[];
  /** Every waiting walk-in of the shop, longest wait first. */
  readonly waiting: DeskTicket[];
  /** The order this desk would call them (empty without a desk). */
  readonly queue: QueueEntry[];
  /** Tickets called or being served at any desk of the shop. */
  readonly atDesks: DeskTicket[];
  /** The one ticket at the chosen desk (called or serving), if any. */
  readonly current: DeskTicket | null;
  readonly session: DeskSessionState | null;
}

/** The customer at the counter: their whole story and the cases still open, from any channel. */
export interface CounterCustomer {
  readonly customerId: number;
  readonly name: string;
  readonly customer: Customer;
  readonly openCases: Conversation[];
  readonly timeline: Interaction[];
}
