/** ISO weekdays: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/**
 * One opening of a weekday in the shop's local time, "HH:MM" on a 24-hour clock; closes may be
 * "24:00". A day may have several (a lunch break is the gap between two).
 */
export interface DayHours {
  readonly weekday: Weekday;
  readonly opens: string;
  readonly closes: string;
}

/**
 * A dated exception in the shop's local calendar: without times the shop is closed all that day
 * (a holiday, a closure); with times, that date's rows replace its weekly hours (a special day).
 */
export interface ShopException {
  readonly id: number;
  /** "yyyy-MM-dd", shop-local. */
  readonly date: string;
  readonly opens: string | null;
  readonly closes: string | null;
  readonly reason: string;
}

/** A counter of the shop where advisors serve; the board names it ("desk 3"). */
export interface ShopDesk {
  readonly id: number;
  readonly name: string;
  readonly active: boolean;
}

/** A shop as the API shows it: where it is, its week, exceptions, desks and services, open now or not. */
export interface Shop {
  readonly id: number;
  readonly name: string;
  readonly city: string;
  readonly address: string;
  readonly postcode: string;
  /** WGS 84 degrees; both null when the shop's place is not set. */
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly timeZone: string;
  readonly teamId: number | null;
  /** Sorted by weekday then opening time. */
  readonly hours: DayHours[];
  /** Exceptions from today (shop-local) on, by date. */
  readonly exceptions: ShopException[];
  readonly desks: ShopDesk[];
  /** The catalogue services this shop offers (ids of `ShopService`). */
  readonly serviceIds: number[];
  readonly openNow: boolean;
  /** The shop's wall clock now, e.g. "2025-03-30 09:30 CEST". */
  readonly localTime: string;
}
