import { DateTime, IANAZone } from 'luxon';
import { zoneAbbreviation } from '../../shops/calendar.ts';

/**
 * An appointment as an iCalendar file (RFC 5545): one VEVENT whose DTSTART/DTEND carry the shop's
 * TZID, and a VTIMEZONE for that zone listing its observances from a year before the event to a
 * year after (each change as its own STANDARD/DAYLIGHT with DTSTART in local time, no RRULE, so
 * any calendar reads the same offsets luxon does). A zone without changes gets one STANDARD.
 */
export interface CalendarEvent {
  readonly uid: string;
  readonly sequence: number;
  readonly stamp: number;
  readonly start: number;
  readonly end: number;
  readonly timeZone: string;
  readonly summary: string;
  readonly location: string;
  readonly description: string;
  readonly url?: string;
  readonly cancelled?: boolean;
}

const crlf = '\r\n';

/** Escapes a TEXT value (backslash, semicolon, comma, newline). */
function text(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 §3.1). */
export function fold(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char);
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join(`${crlf} `);
}

const local = (ms: number, zone: string) =>
  DateTime.fromMillis(ms, { zone }).toFormat("yyyyMMdd'T'HHmmss");
const utc = (ms: number) =>
  DateTime.fromMillis(ms, { zone: 'utc' }).toFormat("yyyyMMdd'T'HHmmss'Z'");

function offset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** The instants a zone's offset changes between `from` and `to` (found by day, then to the minute). */
export function transitionsOf(timeZone: string, from: number, to: number): number[] {
  const zone = IANAZone.create(timeZone);
  const found: number[] = [];
  const step = 86_400_000;
  for (let at = from; at < to; at += step) {
    const next = Math.min(at + step, to);
    if (zone.offset(at) === zone.offset(next)) continue;
    let low = at;
    let high = next;
    while (high - low > 60_000) {
      const mid = low + Math.floor((high - low) / 120_000) * 60_000;
      if (zone.offset(mid) === zone.offset(low)) low = mid;
      else high = mid;
    }
    found.push(high);
  }
  return found;
}

/** The VTIMEZONE lines of a zone around an instant. */
export function timeZoneLines(timeZone: string, around: number): string[] {
  const zone = IANAZone.create(timeZone);
  const year = 366 * 86_400_000;
  const changes = transitionsOf(timeZone, around - year, around + year);
  const lines = ['BEGIN:VTIMEZONE', `TZID:${timeZone}`];
  const name = (at: number) => zoneAbbreviation(at, timeZone);
  if (changes.length === 0) {
    const o = zone.offset(around);
    lines.push(
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      `TZOFFSETFROM:${offset(o)}`,
      `TZOFFSETTO:${offset(o)}`,
      `TZNAME:${name(around)}`,
      'END:STANDARD',
    );
  }
  for (const at of changes) {
    const before = zone.offset(at - 60_000);
    const after = zone.offset(at);
    const kind = after > before ? 'DAYLIGHT' : 'STANDARD';
    // DTSTART is the wall time the change happens at, read on the clock before it (TZOFFSETFROM).
    const wallBefore = DateTime.fromMillis(at + before * 60_000, { zone: 'utc' }).toFormat(
      "yyyyMMdd'T'HHmmss",
    );
    lines.push(
      `BEGIN:${kind}`,
      `DTSTART:${wallBefore}`,
      `TZOFFSETFROM:${offset(before)}`,
      `TZOFFSETTO:${offset(after)}`,
      `TZNAME:${name(at)}`,
      `END:${kind}`,
    );
  }
  lines.push('END:VTIMEZONE');
  return lines;
}

/** The whole .ics file, CRLF line ends, folded. */
export function appointmentIcs(event: CalendarEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Rapport//Shop appointments//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${event.cancelled ? 'CANCEL' : 'PUBLISH'}`,
    ...timeZoneLines(event.timeZone, event.start),
    'BEGIN:VEVENT',
    `UID:${event.uid}`,
    `SEQUENCE:${event.sequence}`,
    `DTSTAMP:${utc(event.stamp)}`,
    `DTSTART;TZID=${event.timeZone}:${local(event.start, event.timeZone)}`,
    `DTEND;TZID=${event.timeZone}:${local(event.end, event.timeZone)}`,
    `SUMMARY:${text(event.summary)}`,
    `LOCATION:${text(event.location)}`,
    `DESCRIPTION:${text(event.description)}`,
    ...(event.url ? [`URL:${event.url}`] : []),
    `STATUS:${event.cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join(crlf) + crlf;
}
