import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { ShopFigureCells, ShopFigures, ShopFiguresWall } from '../api-types/shop-floor.ts';

/** What one ticket or appointment tells the figures. */
export interface Visit {
  readonly serviceId: number;
  /** Shop-local hour the visit belongs to: a ticket's arrival, an appointment's start. */
  readonly hour: number;
  readonly status: string;
  /** Since when a ticket still waiting has waited, ms; null when it is not waiting. */
  readonly waitingForMs: number | null;
  /** Taking the ticket to its first call, ms; null when never called. */
  readonly waitMs: number | null;
  /** Serving to finished, ms; null when not finished. */
  readonly serviceMs: number | null;
}

const average = (values: readonly number[]): number | null =>
  values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length);

/** The nearest-rank 90th percentile: nine in ten waited no longer. */
export function percentile90(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.9 * sorted.length) - 1]!;
}

/** Folds visits into one slice's figures (pure). */
export function summarise(visits: readonly Visit[]): ShopFigureCells {
  const waiting = visits.filter((v) => v.waitingForMs !== null).map((v) => v.waitingForMs!);
  const waits = visits.filter((v) => v.waitMs !== null).map((v) => v.waitMs!);
  const services = visits.filter((v) => v.serviceMs !== null).map((v) => v.serviceMs!);
  return {
    waiting: waiting.length,
    longestWaitingMs: waiting.length ? Math.max(...waiting) : null,
    called: waits.length,
    averageWaitMs: average(waits),
    p90WaitMs: percentile90(waits),
    averageServiceMs: average(services),
    served: visits.filter((v) => v.status === 'served').length,
    noShows: visits.filter((v) => v.status === 'no-show').length,
  };
}

/** Folds one shop's visits by service, by hour and by both (pure). */
export function figuresOf(
  shop: { id: number; name: string; timeZone: string; day: string; dayStart: number },
  services: ReadonlyArray<{ id: number; name: string; ticketPrefix: string }>,
  visits: readonly Visit[],
): ShopFigures {
  const serviceIds = [...new Set(visits.map((v) => v.serviceId))];
  const hours = [...new Set(visits.map((v) => v.hour))].sort((a, b) => a - b);
  const known = services.filter((s) => serviceIds.includes(s.id));
  return {
    shopId: shop.id,
    name: shop.name,
    timeZone: shop.timeZone,
    day: shop.day,
    dayStart: shop.dayStart,
    total: summarise(visits),
    services: known.map((s) => ({
      serviceId: s.id,
      name: s.name,
      ticketPrefix: s.ticketPrefix,
      ...summarise(visits.filter((v) => v.serviceId === s.id)),
    })),
    hours: hours.map((hour) => ({ hour, ...summarise(visits.filter((v) => v.hour === hour)) })),
    cells: known.flatMap((s) =>
      hours.flatMap((hour) => {
        const here = visits.filter((v) => v.serviceId === s.id && v.hour === hour);
        return here.length ? [{ serviceId: s.id, hour, ...summarise(here) }] : [];
      }),
    ),
  };
}

/**
 * Each shop's figures for its own today (shop-local midnight to midnight): walk-in tickets by the
 * time they began to wait (waiting now, waits to the first call, service times, served, no-shows)
 * and appointments by their start (served, no-shows; one that became a ticket counts once, as the
 * ticket). `shopIds` narrows to those shops.
 */
export async function computeShopFigures(
  db: Kysely<Database>,
  now: number,
  shopIds?: readonly number[],
): Promise<ShopFiguresWall> {
  let shopQuery = db.selectFrom('shops').select(['id', 'name', 'time_zone']).orderBy('name');
  if (shopIds) {
    if (shopIds.length === 0) return { at: new Date(now).toISOString(), shops: [] };
    shopQuery = shopQuery.where('id', 'in', shopIds);
  }
  const shops = (await shopQuery.execute()).map((s) => {
    const start = DateTime.fromMillis(now, { zone: s.time_zone }).startOf('day');
    return {
      id: Number(s.id),
      name: s.name,
      timeZone: s.time_zone,
      day: start.toISODate()!,
      dayStart: start.toMillis(),
      dayEnd: start.plus({ days: 1 }).toMillis(),
    };
  });
  if (shops.length === 0) return { at: new Date(now).toISOString(), shops: [] };
  const ids = shops.map((s) => s.id);
  const from = Math.min(...shops.map((s) => s.dayStart));
  const until = Math.max(...shops.map((s) => s.dayEnd));
  const [services, tickets, appointments] = await Promise.all([
    db
      .selectFrom('shop_services')
      .select(['id', 'name', 'ticket_prefix'])
      .orderBy('name')
      .execute(),
    db
      .selectFrom('shop_tickets')
      .select([
        'shop_id',
        'service_id',
        'appointment_id',
        'status',
        'waiting_since',
        'first_called_at',
        'serving_at',
        'finished_at',
      ])
      .where('shop_id', 'in', ids)
      .where('waiting_since', '>=', from)
      .where('waiting_since', '<', until)
      .execute(),
    db
      .selectFrom('shop_appointments')
      .select(['id', 'shop_id', 'service_id', 'status', 'starts_at'])
      .where('shop_id', 'in', ids)
      .where('starts_at', '>=', from)
      .where('starts_at', '<', until)
      .where('status', 'in', ['served', 'no-show'])
      .execute(),
  ]);
  const catalogue = services.map((s) => ({
    id: Number(s.id),
    name: s.name,
    ticketPrefix: s.ticket_prefix,
  }));
  const hourIn = (at: number, zone: string) => DateTime.fromMillis(at, { zone }).hour;
  return {
    at: new Date(now).toISOString(),
    shops: shops.map((shop) => {
      const inDay = (at: number) => at >= shop.dayStart && at < shop.dayEnd;
      const own = tickets.filter(
        (t) => Number(t.shop_id) === shop.id && inDay(Number(t.waiting_since)),
      );
      const ticketed = new Set(
        own
          .map((t) => t.appointment_id)
          .filter((a) => a !== null)
          .map(Number),
      );
      const visits: Visit[] = [
        ...own.map((t): Visit => {
          const since = Number(t.waiting_since);
          const called = t.first_called_at === null ? null : Number(t.first_called_at);
          return {
            serviceId: Number(t.service_id),
            hour: hourIn(since, shop.timeZone),
            status: t.status,
            waitingForMs: t.status === 'waiting' ? Math.max(0, now - since) : null,
            waitMs: called === null ? null : Math.max(0, called - since),
            serviceMs:
              t.serving_at !== null && t.finished_at !== null
                ? Math.max(0, Number(t.finished_at) - Number(t.serving_at))
                : null,
          };
        }),
        ...appointments
          .filter(
            (a) =>
              Number(a.shop_id) === shop.id &&
              inDay(Number(a.starts_at)) &&
              !ticketed.has(Number(a.id)),
          )
          .map((a): Visit => ({
            serviceId: Number(a.service_id),
            hour: hourIn(Number(a.starts_at), shop.timeZone),
            status: a.status,
            waitingForMs: null,
            waitMs: null,
            serviceMs: null,
          })),
      ];
      return figuresOf(shop, catalogue, visits);
    }),
  };
}
