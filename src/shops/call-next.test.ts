import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  chooseNext,
  defaultCallNextRules,
  queueOrder,
  type CallableAppointment,
  type CallingDesk,
  type WaitingTicket,
} from './call-next.ts';

const minute = 60_000;
const now = 1_000 * minute;
// Service 1 needs repairs, 2 sales, 3 nothing.
const skills = new Map<number, readonly string[]>([
  [1, ['repairs']],
  [2, ['sales']],
  [3, []],
]);
const desk: CallingDesk = { deskId: 10, advisorId: 7, skills: ['repairs', 'sales'] };
const ticket = (id: number, serviceId: number, waited: number, deskId: number | null = null) =>
  ({ id, serviceId, waitingSince: now - waited * minute, deskId }) satisfies WaitingTicket;
const appointment = (
  id: number,
  serviceId: number,
  startsIn: number,
  booked: { deskId?: number; advisorId?: number } = {},
) =>
  ({
    id,
    serviceId,
    startsAt: now + startsIn * minute,
    deskId: booked.deskId ?? null,
    advisorId: booked.advisorId ?? null,
  }) satisfies CallableAppointment;

const idOf = (v: ReturnType<typeof chooseNext>) =>
  v === null ? null : v.kind === 'ticket' ? `t${v.ticket.id}` : `a${v.appointment.id}`;

describe('call next', () => {
  test('a due appointment goes before walk-ins, an early one after them', () => {
    const queue = {
      tickets: [ticket(1, 1, 10), ticket(2, 2, 3)],
      appointments: [appointment(5, 2, 3), appointment(6, 1, 30)],
    };
    assert.deepEqual(queueOrder(queue, desk, skills, now).map(idOf), ['a5', 't1', 't2', 'a6']);
    assert.equal(idOf(chooseNext(queue, desk, skills, now)), 'a5');
  });

  test('walk-ins by wait across the services the advisor serves, none of another skill', () => {
    const queue = {
      tickets: [ticket(1, 2, 4), ticket(2, 1, 9), ticket(3, 3, 6), ticket(4, 1, 1)],
      appointments: [],
    };
    assert.deepEqual(queueOrder(queue, desk, skills, now).map(idOf), ['t2', 't3', 't1', 't4']);
    const salesOnly = { ...desk, skills: ['sales'] };
    assert.deepEqual(queueOrder(queue, salesOnly, skills, now).map(idOf), ['t3', 't1']);
  });

  test('a walk-in who waited past the ageing bound goes before a due appointment', () => {
    const queue = {
      tickets: [ticket(1, 1, 25), ticket(2, 1, 5)],
      appointments: [appointment(5, 2, -2)],
    };
    assert.deepEqual(queueOrder(queue, desk, skills, now).map(idOf), ['t1', 'a5', 't2']);
    assert.equal(queueOrder(queue, desk, skills, now)[0]!.reason, 'aged-walk-in');
  });

  test('a ticket sent to a desk and an appointment booked with an advisor stay theirs', () => {
    const queue = {
      tickets: [ticket(1, 1, 8, 11), ticket(2, 1, 2, 10)],
      appointments: [appointment(5, 1, 0, { advisorId: 8 }), appointment(6, 1, 0, { deskId: 10 })],
    };
    assert.deepEqual(queueOrder(queue, desk, skills, now).map(idOf), ['a6', 't2']);
    assert.equal(chooseNext({ tickets: [], appointments: [] }, desk, skills, now), null);
  });

  const arbitraryQueue = fc.record({
    tickets: fc.uniqueArray(
      fc.record({
        id: fc.integer({ min: 1, max: 400 }),
        serviceId: fc.integer({ min: 1, max: 4 }),
        waitingSince: fc.integer({ min: now - 60 * minute, max: now }),
        deskId: fc.option(fc.constantFrom(10, 11), { freq: 4 }),
      }),
      { selector: (t) => t.id, maxLength: 40 },
    ),
    appointments: fc.uniqueArray(
      fc.record({
        id: fc.integer({ min: 1, max: 400 }),
        serviceId: fc.integer({ min: 1, max: 4 }),
        startsAt: fc.integer({ min: now - 30 * minute, max: now + 60 * minute }),
        deskId: fc.option(fc.constantFrom(10, 11), { freq: 4 }),
        advisorId: fc.option(fc.constantFrom(7, 8), { freq: 4 }),
      }),
      { selector: (a) => a.id, maxLength: 15 },
    ),
  });
  const arbitraryDesk = fc.record({
    deskId: fc.constantFrom(10, 11),
    advisorId: fc.constantFrom(7, 8),
    skills: fc.subarray(['repairs', 'sales']),
  });

  test('property: call next is the head of the queue order, and the order only holds what the desk may serve', () => {
    fc.assert(
      fc.property(arbitraryQueue, arbitraryDesk, (queue, d) => {
        const order = queueOrder(queue, d, skills, now);
        assert.equal(idOf(chooseNext(queue, d, skills, now)), idOf(order[0] ?? null));
        for (const v of order) {
          if (v.kind === 'ticket') {
            if (v.ticket.deskId !== null) assert.equal(v.ticket.deskId, d.deskId);
            // Service 4 is in no catalogue: nobody calls it unless it was sent to the desk.
            else
              assert.ok(
                (skills.get(v.ticket.serviceId) ?? ['?']).every((s) => d.skills.includes(s)),
              );
          } else {
            if (v.appointment.deskId !== null) assert.equal(v.appointment.deskId, d.deskId);
            if (v.appointment.advisorId !== null)
              assert.equal(v.appointment.advisorId, d.advisorId);
          }
        }
        // No visit twice.
        assert.equal(new Set(order.map(idOf)).size, order.length);
      }),
    );
  });

  test('property: an aged walk-in is never overtaken, and walk-ins otherwise go by wait whatever their service', () => {
    fc.assert(
      fc.property(arbitraryQueue, arbitraryDesk, (queue, d) => {
        const order = queueOrder(queue, d, skills, now);
        const ranks = order.map((v) =>
          ['aged-walk-in', 'due-appointment', 'walk-in', 'early-appointment'].indexOf(v.reason),
        );
        assert.deepEqual(
          ranks,
          [...ranks].sort((a, b) => a - b),
        );
        for (let i = 1; i < order.length; i++) {
          const [a, b] = [order[i - 1]!, order[i]!];
          if (a.kind === 'ticket' && b.kind === 'ticket' && a.reason === b.reason)
            assert.ok(a.ticket.waitingSince <= b.ticket.waitingSince);
          if (a.kind === 'ticket' && a.reason === 'aged-walk-in')
            assert.ok(now - a.ticket.waitingSince >= defaultCallNextRules.ageingMs);
        }
      }),
    );
  });

  test('property: with appointments falling due back to back, every walk-in is still called within the ageing bound plus the visits ahead of it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 5, max: 20 }),
        (arrivals, serviceMinutes) => {
          // One desk; an appointment starts every `serviceMinutes` from the opening, all checked in,
          // so without ageing the desk would serve appointments all day and walk-ins never.
          const start = 0;
          const service = serviceMinutes * minute;
          const appointments: CallableAppointment[] = Array.from({ length: 200 }, (_, i) => ({
            id: i + 1,
            serviceId: 3,
            startsAt: start + i * service,
            deskId: null,
            advisorId: null,
          }));
          const tickets: WaitingTicket[] = arrivals.map((m, i) => ({
            id: i + 1,
            serviceId: 3,
            waitingSince: start + m * minute,
            deskId: null,
          }));
          const calledAt = new Map<number, number>();
          let clock = start;
          let waitingTickets = [...tickets];
          let waitingAppointments = [...appointments];
          while (waitingTickets.length > 0 && clock < start + 24 * 60 * minute) {
            const present = {
              tickets: waitingTickets.filter((t) => t.waitingSince <= clock),
              appointments: waitingAppointments,
            };
            const next = chooseNext(present, desk, skills, clock);
            if (next?.kind === 'ticket') {
              calledAt.set(next.ticket.id, clock);
              waitingTickets = waitingTickets.filter((t) => t !== next.ticket);
            } else if (next?.kind === 'appointment') {
              if (next.reason === 'early-appointment' && present.tickets.length === 0) {
                // Nobody else here: the desk waits for the next arrival or the next due time.
                clock += minute;
                continue;
              }
              waitingAppointments = waitingAppointments.filter((a) => a !== next.appointment);
            } else {
              clock += minute;
              continue;
            }
            clock += service;
          }
          for (const t of tickets) {
            const at = calledAt.get(t.id);
            assert.ok(at !== undefined, `ticket ${t.id} never called`);
            // Ahead of it at most: the visit in progress when it aged, and every walk-in older than it.
            const older = tickets.filter((o) => o.waitingSince <= t.waitingSince).length;
            const bound = defaultCallNextRules.ageingMs + (older + 1) * service;
            assert.ok(
              at - t.waitingSince <= bound,
              `ticket ${t.id} waited ${(at - t.waitingSince) / minute} min (bound ${bound / minute})`,
            );
          }
        },
      ),
    );
  });
});
