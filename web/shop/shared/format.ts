/**
 * Dates and times shown in the shop's own time zone, whatever the visitor's browser is set to, with
 * the zone named: "Monday 7 December, 10:00 (Europe/Paris)".
 */

/** "Mon 7 Dec" for a shop-local date "yyyy-MM-dd". */
export function dayLabel(date: string, locale?: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  // Noon UTC of that date: its weekday and day are the same in every zone we show it in.
  return new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(y, m - 1, d, 12)));
}

/** "Monday 7 December 2026, 10:00" for an instant, in the shop's zone. */
export function whenLabel(iso: string, timeZone: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(new Date(iso));
}

/** "Paris time (Europe/Paris)": how the pages name the zone times are shown in. */
export function zoneLabel(timeZone: string): string {
  const city = timeZone.split('/').pop()?.replace(/_/g, ' ') ?? timeZone;
  return `${city} time (${timeZone})`;
}
