/**
 * Call next with 500 tickets waiting in a shop (issue 13: under 5 ms). Two figures:
 * - the choice alone (`chooseNext`, pure): 500 walk-ins over four services plus 20 of today's
 *   appointments, timed 20,000 times;
 * - the whole "Call next" on SQLite (`callNext` in one writer unit: the desk session check, the
 *   queue read, the choice, the guarded take, the board call and its event, committed with
 *   `synchronous=FULL`), 500 times, each called ticket put back to waiting between runs so 500 wait.
 * Run: npx tsx bench/shop-call-next.ts
 */
import fs from 'node:fs';
import { DateTime } from 'luxon';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  chooseNext,
  type CallableAppointment,
  type WaitingTicket,
} from '../src/shops/call-next.ts';
import { loadConfig } from '../src/platform/config.ts';
import { openStore } from '../src/platform/db/connect.ts';
import { closeContext, createContext } from '../src/server.ts';
import { createAdvisor } from '../src/advisors/advisors.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { callNext, openDesk } from '../src/channels/shop/shop-desk.ts';
import type { Viewer } from '../src/advisors/access.ts';

const WAITING = 500;
const minute = 60_000;
let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);
function report(label: string, samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(
    `${label}: p50 ${fmt(percentile(sorted, 50))}, p99 ${fmt(percentile(sorted, 99))}, max ${fmt(sorted.at(-1)!)} (${samples.length} runs)`,
  );
}

// --- The choice alone -------------------------------------------------------------------------
{
  const now = 10 * 60 * minute;
  const serviceSkills = new Map<number, readonly string[]>([
    [1, ['repairs']],
    [2, ['sales']],
    [3, ['sales']],
    [4, []],
  ]);
  const tickets: WaitingTicket[] = Array.from({ length: WAITING }, (_, i) => ({
    id: i + 1,
    serviceId: 1 + Math.floor(random() * 4),
    waitingSince: now - Math.floor(random() * 40 * minute),
    deskId: random() < 0.05 ? 1 + Math.floor(random() * 6) : null,
  }));
  const appointments: CallableAppointment[] = Array.from({ length: 20 }, (_, i) => ({
    id: i + 1,
    serviceId: 1 + Math.floor(random() * 4),
    startsAt: now + Math.floor((random() - 0.3) * 60 * minute),
    deskId: null,
    advisorId: random() < 0.3 ? 7 : null,
  }));
  const desk = { deskId: 2, advisorId: 7, skills: ['repairs', 'sales'] };
  const samples: number[] = [];
  let sink = 0;
  for (let i = 0; i < 20_000; i++) {
    const t0 = performance.now();
    const next = chooseNext({ tickets, appointments }, desk, serviceSkills, now + i);
    samples.push(performance.now() - t0);
    sink += next ? 1 : 0;
  }
  if (sink === 0) throw new Error('nobody chosen');
  report(`chooseNext, ${WAITING} walk-ins + 20 appointments`, samples);
}

// --- The whole call next on SQLite ------------------------------------------------------------
{
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-call-next-'));
  const store = openStore({ file: path.join(dir, 'rapport.sqlite') });
  const ctx = await createContext(
    loadConfig({ RAPPORT_PHONE_REGION: 'FR', LOG_LEVEL: 'warn' }, { dataDir: dir }),
    { store, quiet: true },
  );
  try {
    const sessionKey = 'bench-tab-0123456789abcdef';
    const setup = await ctx.writer.run(async (unit) => {
      const shop = await unit.db
        .insertInto('shops')
        .values({
          name: 'Bench',
          city: 'Lyon',
          time_zone: 'Europe/Paris',
          address: '1 rue',
          team_id: null,
          created_at: unit.now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const services: number[] = [];
      for (const [code, skills] of [
        ['repair', ['repairs']],
        ['contract', ['sales']],
        ['line', ['sales']],
        ['question', []],
      ] as const) {
        const row = await unit.db
          .insertInto('shop_services')
          .values({
            code,
            name: code,
            ticket_prefix: code[0]!.toUpperCase(),
            duration_minutes: 15,
            buffer_minutes: 0,
            skills: JSON.stringify(skills),
            bookable: 1,
            walk_in: 1,
            created_at: unit.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        services.push(row.id);
        await unit.db
          .insertInto('shop_offered_services')
          .values({ shop_id: shop.id, service_id: row.id })
          .execute();
      }
      const desk = await unit.db
        .insertInto('shop_desks')
        .values({ shop_id: shop.id, name: 'Desk 1', created_at: unit.now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const advisor = await createAdvisor(
        unit,
        {
          name: 'Bench Advisor',
          email: 'bench.shop@example.com',
          role: 'shop_advisor',
          teamId: null,
          shopId: shop.id,
          passwordHash: null,
        },
        systemActor,
      );
      await unit.db
        .updateTable('advisors')
        .set({ skills: JSON.stringify(['repairs', 'sales']) })
        .where('id', '=', advisor.id)
        .execute();
      for (let i = 0; i < WAITING; i++) {
        const serviceId = services[i % 4]!;
        await unit.db
          .insertInto('shop_tickets')
          .values({
            shop_id: shop.id,
            service_id: serviceId,
            day: DateTime.fromMillis(unit.now, { zone: 'Europe/Paris' }).toISODate()!,
            number: i + 1,
            code: `X-${i + 1}`,
            status: 'waiting',
            waiting_since: unit.now - Math.floor(random() * 15 * minute),
            created_at: unit.now,
            updated_at: unit.now,
          })
          .execute();
      }
      return { shopId: shop.id, deskId: desk.id, advisorId: advisor.id };
    });
    const me: Viewer = {
      id: setup.advisorId,
      role: 'shop_advisor',
      teamId: null,
      shopId: setup.shopId,
      name: 'Bench Advisor',
    };
    await ctx.writer.run((unit) =>
      openDesk(unit, setup.deskId, me, { sessionKey, takeOver: true }),
    );
    const samples: number[] = [];
    const inside: number[] = [];
    for (let i = 0; i < 550; i++) {
      const t0 = performance.now();
      let work = 0;
      const called = await ctx.writer.run(async (unit) => {
        const w0 = performance.now();
        const result = await callNext(unit, setup.deskId, me, sessionKey);
        work = performance.now() - w0;
        return result;
      });
      const took = performance.now() - t0;
      if (!called) throw new Error('nobody waiting');
      // The first runs warm the statement cache.
      if (i >= 50) {
        samples.push(took);
        inside.push(work);
      }
      // Back to waiting (untimed), so 500 still wait for the next run.
      await ctx.store.db
        .updateTable('shop_tickets')
        .set({ status: 'waiting', desk_id: null, advisor_id: null })
        .where('id', '=', called.id)
        .execute();
    }
    report(`callNext's work inside the transaction (reads, choice, take, board call)`, inside);
    report(`callNext on SQLite, ${WAITING} tickets waiting, committed (synchronous=FULL)`, samples);
  } finally {
    await closeContext(ctx);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
