/**
 * The walk-in queue's wire shapes: what a shop's kiosk shows and sends, and what its display board
 * receives over its socket. Nothing here names a customer: the board shows ticket numbers and
 * desks only, the kiosk a ticket and its estimate.
 */

/** How long a walk-in should expect to wait, and what the figure rests on. */
export interface WaitEstimate {
  /** Minutes until an advisor is expected to call them; null when nobody on shift can serve it. */
  readonly minutes: number | null;
  /** People ahead who wait for the same advisors (checked-in appointments and earlier tickets). */
  readonly ahead: number;
  /** Advisors on shift now who have the service's skills. */
  readonly advisors: number;
  /** 'history': recent service times in this shop; 'catalogue': the service's listed duration. */
  readonly basis: 'history' | 'catalogue';
}

/** A service a visitor can take a ticket for at this shop now. */
export interface KioskService {
  readonly id: number;
  readonly code: string;
  readonly name: string;
  readonly prefix: string;
  readonly estimate: WaitEstimate;
}

/** What a kiosk shows before anyone touches it. */
export interface KioskInfo {
  readonly shop: {
    readonly id: number;
    readonly name: string;
    readonly timeZone: string;
    readonly open: boolean;
    /** "HH:mm" shop-local, now. */
    readonly localTime: string;
    /** When the current opening ends (ISO 8601), null when closed. */
    readonly closesAt: string | null;
    /** When closed: when it next opens (ISO 8601), and that time as the shop reads it ("on Monday at 10:00"). */
    readonly opensAt: string | null;
    readonly opensText: string | null;
  };
  readonly services: readonly KioskService[];
}

/** What a visitor gives the kiosk: a service and, if they like, how to tell them their turn nears. */
export interface TakeTicketRequest {
  readonly serviceId: number;
  readonly phone?: string;
  readonly email?: string;
}

/** A walk-in ticket as its holder sees it. */
export interface TicketView {
  readonly id: number;
  /** "A-042": the service's prefix and the day's number in this shop. */
  readonly code: string;
  readonly serviceId: number;
  readonly serviceName: string;
  /** The shop-local day the number belongs to, "yyyy-MM-dd". */
  readonly day: string;
  readonly status: 'waiting' | 'called' | 'serving' | 'served' | 'no-show' | 'cancelled';
  readonly takenAt: string;
  readonly estimate: WaitEstimate;
  /** Whether a message will tell them when their turn nears (they left a phone or an email). */
  readonly notify: boolean;
}

/** An appointment holder's arrival, as the kiosk confirms it. */
export interface CheckedInView {
  readonly appointmentId: number;
  readonly serviceName: string;
  readonly name: string;
  readonly startsAt: string;
  /** "HH:mm" shop-local, with the zone named next to it. */
  readonly localStart: string;
  readonly timeZone: string;
  /** Minutes before the booked time they arrived (negative when late). */
  readonly minutesEarly: number;
  /** True when they were checked in already (a second tap, or the desk did it). */
  readonly already: boolean;
}

/** What the kiosk's "take a ticket" answers: a ticket, or the visitor's own booking checked in. */
export type TakeTicketResult =
  | { readonly kind: 'ticket'; readonly ticket: TicketView }
  | { readonly kind: 'checked-in'; readonly appointment: CheckedInView };

/** An appointment holder checks in: by their booking link's code, or by phone or email (today). */
export interface CheckInRequest {
  readonly code?: string;
  readonly phone?: string;
  readonly email?: string;
}

/** A call on the board: "A-042, Desk 3". */
export interface BoardCallView {
  readonly id: number;
  readonly code: string;
  readonly deskName: string;
  readonly calledAt: string;
}

/** Everything a display board shows. */
export interface BoardState {
  readonly shop: { readonly id: number; readonly name: string; readonly timeZone: string };
  /** The latest calls, newest first (recalls included). */
  readonly calls: readonly BoardCallView[];
  /** The next ticket numbers waiting, in queue order. */
  readonly waiting: readonly string[];
}

/** Frames the board's socket sends (it receives none). */
export type BoardFrame =
  | { readonly type: 'board'; readonly state: BoardState }
  | { readonly type: 'call'; readonly call: BoardCallView }
  | { readonly type: 'waiting'; readonly waiting: readonly string[] };
