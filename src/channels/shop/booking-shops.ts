import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { BookableShop } from '../../api-types/appointments.ts';

/**
 * The shops a customer can book at, nearest first: from the browser's location by great-circle
 * distance (shops without coordinates last), or from a postcode (the same postcode first, then
 * the longest shared beginning: 69003 is nearer 69007 than 75001), else by name.
 */

/** Where the customer is, as they told the page. */
export type Whereabouts =
  { readonly latitude: number; readonly longitude: number } | { readonly postcode: string } | null;

export interface ShopPlace {
  readonly id: number;
  readonly name: string;
  readonly postcode: string;
  readonly latitude: number | null;
  readonly longitude: number | null;
}

/** The great-circle distance between two points (haversine, mean Earth radius), in km. */
export function distanceKm(
  a: { readonly latitude: number; readonly longitude: number },
  b: { readonly latitude: number; readonly longitude: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

const plain = (postcode: string) => postcode.toUpperCase().replace(/[^0-9A-Z]/g, '');

function sharedPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** Ranks shops nearest first (pure); each with its distance when a location was given. */
export function rankShops<S extends ShopPlace>(
  shops: readonly S[],
  from: Whereabouts,
): Array<{ readonly shop: S; readonly distanceKm: number | null }> {
  const byName = (a: S, b: S) => a.name.localeCompare(b.name) || a.id - b.id;
  if (from && 'latitude' in from) {
    return shops
      .map((shop) => ({
        shop,
        distanceKm:
          shop.latitude !== null && shop.longitude !== null
            ? distanceKm(from, { latitude: shop.latitude, longitude: shop.longitude })
            : null,
      }))
      .sort(
        (a, b) => (a.distanceKm ?? Infinity) - (b.distanceKm ?? Infinity) || byName(a.shop, b.shop),
      );
  }
  if (from && plain(from.postcode)) {
    const wanted = plain(from.postcode);
    const score = (s: S) => {
      const code = plain(s.postcode);
      if (!code) return -1;
      return code === wanted ? Infinity : sharedPrefix(code, wanted);
    };
    return [...shops]
      .sort((a, b) => score(b) - score(a) || byName(a, b))
      .map((shop) => ({ shop, distanceKm: null }));
  }
  return [...shops].sort(byName).map((shop) => ({ shop, distanceKm: null }));
}

/** Every shop offering at least one bookable service, ranked from where the customer is. */
export async function listBookableShops(
  db: Kysely<Database>,
  from: Whereabouts,
): Promise<BookableShop[]> {
  const [shops, offered] = await Promise.all([
    db.selectFrom('shops').selectAll().execute(),
    db
      .selectFrom('shop_offered_services')
      .innerJoin('shop_services', 'shop_services.id', 'shop_offered_services.service_id')
      .select([
        'shop_offered_services.shop_id',
        'shop_services.id',
        'shop_services.code',
        'shop_services.name',
        'shop_services.duration_minutes',
      ])
      .where('shop_services.bookable', '=', 1)
      .where('shop_services.active', '=', 1)
      .orderBy('shop_services.id')
      .execute(),
  ]);
  const places = shops.map((s) => ({
    id: Number(s.id),
    name: s.name,
    city: s.city,
    address: s.address,
    postcode: s.postcode,
    timeZone: s.time_zone,
    latitude: s.latitude === null ? null : Number(s.latitude),
    longitude: s.longitude === null ? null : Number(s.longitude),
    services: offered
      .filter((o) => Number(o.shop_id) === Number(s.id))
      .map((o) => ({
        id: Number(o.id),
        code: o.code,
        name: o.name,
        durationMinutes: o.duration_minutes,
      })),
  }));
  return rankShops(
    places.filter((p) => p.services.length > 0),
    from,
  ).map(({ shop, distanceKm: km }) => ({
    id: shop.id,
    name: shop.name,
    city: shop.city,
    address: shop.address,
    postcode: shop.postcode,
    timeZone: shop.timeZone,
    distanceKm: km === null ? null : Math.round(km * 10) / 10,
    services: shop.services,
  }));
}
