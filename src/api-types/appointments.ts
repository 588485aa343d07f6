/** The public booking API's shapes (`/api/book/*`), shared by the server and the booking pages. */

/** A bookable service of a shop. */
export interface BookableService {
  readonly id: number;
  readonly code: string;
  readonly name: string;
  readonly durationMinutes: number;
}

/** A shop as the booking page lists it, nearest first. */
export interface BookableShop {
  readonly id: number;
  readonly name: string;
  readonly city: string;
  readonly address: string;
  readonly postcode: string;
  readonly timeZone: string;
  /** Great-circle distance from the browser's location, when it was given. */
  readonly distanceKm: number | null;
  readonly services: BookableService[];
}

/** A free slot, with its shop-local date and time for showing. */
export interface SlotView {
  /** ISO 8601 UTC. */
  readonly startsAt: string;
  readonly endsAt: string;
  /** Shop-local "yyyy-MM-dd" and "HH:mm". */
  readonly date: string;
  readonly time: string;
}

export interface SlotList {
  readonly shopId: number;
  readonly serviceId: number;
  readonly timeZone: string;
  readonly items: SlotView[];
}

export type AppointmentStatus =
  'booked' | 'checked-in' | 'serving' | 'served' | 'no-show' | 'cancelled';

/** An appointment as its customer sees it behind the signed link. */
export interface AppointmentView {
  readonly id: number;
  readonly status: AppointmentStatus;
  readonly version: number;
  readonly shop: {
    readonly id: number;
    readonly name: string;
    readonly address: string;
    readonly timeZone: string;
  };
  readonly service: { readonly id: number; readonly name: string };
  readonly startsAt: string;
  readonly endsAt: string;
  /** "Mon 7 Dec 2026, 10:00 (Europe/Paris, CET)". */
  readonly when: string;
  readonly name: string;
  /** Whether it can still be moved or cancelled (booked and not started). */
  readonly changeable: boolean;
  /** The token of its signed link (the appointment page's address). */
  readonly token: string;
  /** When this one is cancelled and the customer holds a later live booking: that booking. */
  readonly live: { readonly token: string; readonly when: string } | null;
}

/** What booking answers: the appointment, and which confirmations went out. */
export interface BookingResult {
  readonly appointment: AppointmentView;
  readonly confirmations: { readonly sent: string[]; readonly skipped: string[] };
}
