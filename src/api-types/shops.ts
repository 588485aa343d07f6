/** ISO weekdays: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** One day's opening in the shop's local time, "HH:MM" on a 24-hour clock; closes may be "24:00". */
export interface DayHours {
  readonly weekday: Weekday;
  readonly opens: string;
  readonly closes: string;
}

/** A shop as the API shows it, with its week and whether it is open now in its own time zone. */
export interface Shop {
  readonly id: number;
  readonly name: string;
  readonly city: string;
  readonly address: string;
  readonly timeZone: string;
  readonly teamId: number | null;
  readonly hours: DayHours[];
  readonly openNow: boolean;
  /** The shop's wall clock now, e.g. "2025-03-30 09:30 CEST". */
  readonly localTime: string;
}
