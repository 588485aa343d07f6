import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appointmentIcs, fold, transitionsOf } from './ics.ts';

const event = {
  uid: 'appointment-7@rapport.test',
  sequence: 1,
  stamp: Date.parse('2026-11-25T09:00:00Z'),
  start: Date.parse('2026-03-30T07:00:00Z'),
  end: Date.parse('2026-03-30T07:30:00Z'),
  timeZone: 'Europe/Madrid',
  summary: 'Device repair at Madrid, Sol',
  location: 'Puerta del Sol 1; Madrid',
  description: 'Your appointment. To move or cancel it: https://rapport.test/appointment/a7.x',
};

/** Unfolds content lines (RFC 5545 §3.1) into their values by name. */
function unfold(ics: string): string[] {
  return ics
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .filter(Boolean);
}

describe('an appointment as an iCalendar file', () => {
  test('the event carries the shop zone and the wall time of the appointment', () => {
    const ics = appointmentIcs(event);
    const lines = unfold(ics);
    assert.equal(lines[0], 'BEGIN:VCALENDAR');
    assert.equal(lines.at(-1), 'END:VCALENDAR');
    assert.ok(lines.includes('VERSION:2.0'));
    // The Monday after the spring change: 09:00 in Madrid is 07:00 UTC.
    assert.ok(lines.includes('DTSTART;TZID=Europe/Madrid:20260330T090000'));
    assert.ok(lines.includes('DTEND;TZID=Europe/Madrid:20260330T093000'));
    assert.ok(lines.includes('DTSTAMP:20261125T090000Z'));
    assert.ok(lines.includes('UID:appointment-7@rapport.test'));
    assert.ok(lines.includes('SEQUENCE:1'));
    assert.ok(lines.includes('STATUS:CONFIRMED'));
    // TEXT values escape commas and semicolons.
    assert.ok(lines.includes('SUMMARY:Device repair at Madrid\\, Sol'));
    assert.ok(lines.includes('LOCATION:Puerta del Sol 1\\; Madrid'));
    assert.ok(ics.endsWith('\r\n'));
    assert.ok(!/[^\r]\n/.test(ics), 'every line ends with CRLF');
  });

  test('the VTIMEZONE lists the changes around the event with their offsets', () => {
    const lines = unfold(appointmentIcs(event));
    const zone = lines.slice(lines.indexOf('BEGIN:VTIMEZONE'), lines.indexOf('END:VTIMEZONE') + 1);
    assert.equal(zone[1], 'TZID:Europe/Madrid');
    // The spring change of 2026: at 02:00 local (+01:00) the clocks go to +02:00.
    const spring = zone.indexOf('DTSTART:20260329T020000');
    assert.ok(spring > 0, zone.join('\n'));
    assert.equal(zone[spring - 1], 'BEGIN:DAYLIGHT');
    assert.equal(zone[spring + 1], 'TZOFFSETFROM:+0100');
    assert.equal(zone[spring + 2], 'TZOFFSETTO:+0200');
    assert.equal(zone[spring + 3], 'TZNAME:CEST');
    // The autumn change: at 03:00 local (+02:00) back to +01:00.
    const autumn = zone.indexOf('DTSTART:20261025T030000');
    assert.equal(zone[autumn - 1], 'BEGIN:STANDARD');
    assert.equal(zone[autumn + 1], 'TZOFFSETFROM:+0200');
    assert.equal(zone[autumn + 2], 'TZOFFSETTO:+0100');
    assert.equal(
      transitionsOf('Europe/Madrid', Date.parse('2026-01-01'), Date.parse('2027-01-01')).length,
      2,
    );
  });

  test('New York: the changes at 02:00 local, offsets −05:00 and −04:00', () => {
    const lines = unfold(
      appointmentIcs({
        ...event,
        timeZone: 'America/New_York',
        start: Date.parse('2026-11-02T14:00:00Z'),
        end: Date.parse('2026-11-02T14:30:00Z'),
      }),
    );
    assert.ok(lines.includes('DTSTART;TZID=America/New_York:20261102T090000'));
    const autumn = lines.indexOf('DTSTART:20261101T020000');
    assert.equal(lines[autumn + 1], 'TZOFFSETFROM:-0400');
    assert.equal(lines[autumn + 2], 'TZOFFSETTO:-0500');
    assert.ok(lines.includes('DTSTART:20260308T020000'));
  });

  test('a zone without changes gets one STANDARD observance', () => {
    const lines = unfold(appointmentIcs({ ...event, timeZone: 'Asia/Tokyo' }));
    const zone = lines.slice(lines.indexOf('BEGIN:VTIMEZONE'), lines.indexOf('END:VTIMEZONE') + 1);
    assert.deepEqual(
      zone.filter((l) => !l.startsWith('TZNAME:')),
      [
        'BEGIN:VTIMEZONE',
        'TZID:Asia/Tokyo',
        'BEGIN:STANDARD',
        'DTSTART:19700101T000000',
        'TZOFFSETFROM:+0900',
        'TZOFFSETTO:+0900',
        'END:STANDARD',
        'END:VTIMEZONE',
      ],
    );
  });

  test('a cancellation says so; long lines fold at 75 octets, never inside a character', () => {
    const ics = appointmentIcs({ ...event, cancelled: true, description: 'é'.repeat(100) });
    assert.match(ics, /METHOD:CANCEL\r\n/);
    assert.match(ics, /STATUS:CANCELLED\r\n/);
    for (const line of ics.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, line);
    assert.equal(
      unfold(fold(`DESCRIPTION:${'é'.repeat(100)}`))[0],
      `DESCRIPTION:${'é'.repeat(100)}`,
    );
  });
});
