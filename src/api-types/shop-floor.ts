import type { Weekday } from './shops.ts';

/** A service of the company's catalogue (device repair, contract change…), offered by some shops. */
export interface ShopService {
  readonly id: number;
  /** A stable slug ("device-repair"). */
  readonly code: string;
  readonly name: string;
  /** The capital letter of its walk-in tickets; unique among active services. */
  readonly ticketPrefix: string;
  /** Multiples of five minutes: capacity is counted in five-minute cells. */
  readonly durationMinutes: number;
  readonly bufferMinutes: number;
  /** Skills an advisor needs to serve it. */
  readonly skills: string[];
  readonly bookable: boolean;
  readonly walkIn: boolean;
  readonly active: boolean;
}

/** Who works at a shop and when, in its local time: every week on `weekday`, or once on `date`. */
export interface ShopShift {
  readonly id: number;
  readonly shopId: number;
  readonly advisorId: number;
  readonly advisorName: string;
  readonly weekday: Weekday | null;
  /** "yyyy-MM-dd", shop-local. */
  readonly date: string | null;
  readonly starts: string;
  readonly ends: string;
  readonly deskId: number | null;
}

/** Waits, service times and outcomes of one slice of a shop's day. */
export interface ShopFigureCells {
  /** Walk-in tickets waiting now (not yet called). */
  readonly waiting: number;
  /** The longest wait of those waiting now, ms; null when nobody waits. */
  readonly longestWaitingMs: number | null;
  /** Tickets called at least once today: the waits measured. */
  readonly called: number;
  /** Waits from taking the ticket to its first call, ms; null when none was called. */
  readonly averageWaitMs: number | null;
  readonly p90WaitMs: number | null;
  /** From serving to finished, ms, over tickets finished today; null when none was. */
  readonly averageServiceMs: number | null;
  /** Tickets and appointments served. */
  readonly served: number;
  /** Tickets and appointments whose customer did not come (or did not answer the call). */
  readonly noShows: number;
}

export interface ShopServiceFigures extends ShopFigureCells {
  readonly serviceId: number;
  readonly name: string;
  readonly ticketPrefix: string;
}

/** One shop-local hour (0-23): the ticket's arrival hour, the appointment's start hour. */
export interface ShopHourFigures extends ShopFigureCells {
  readonly hour: number;
}

/** One shop's figures for its own today. */
export interface ShopFigures {
  readonly shopId: number;
  readonly name: string;
  readonly timeZone: string;
  /** "yyyy-MM-dd", shop-local. */
  readonly day: string;
  readonly dayStart: number;
  readonly total: ShopFigureCells;
  readonly services: ShopServiceFigures[];
  /** Hours that saw any ticket or appointment, in order. */
  readonly hours: ShopHourFigures[];
  /** Service × hour, for the drill-down. */
  readonly cells: Array<ShopFigureCells & { readonly serviceId: number; readonly hour: number }>;
}

export interface ShopFiguresWall {
  readonly at: string;
  readonly shops: ShopFigures[];
}
