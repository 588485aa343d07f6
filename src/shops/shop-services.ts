import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { unlessDuplicate } from '../platform/db/unique.ts';
import { Conflict, Invalid, NotFound } from '../platform/errors.ts';
import type { ShopService } from '../api-types/shop-floor.ts';

type ServiceRow = {
  id: number;
  code: string;
  name: string;
  ticket_prefix: string;
  duration_minutes: number;
  buffer_minutes: number;
  skills: string;
  bookable: number;
  walk_in: number;
  active: number;
};

const serviceOf = (r: ServiceRow): ShopService => ({
  id: Number(r.id),
  code: r.code,
  name: r.name,
  ticketPrefix: r.ticket_prefix,
  durationMinutes: Number(r.duration_minutes),
  bufferMinutes: Number(r.buffer_minutes),
  skills: JSON.parse(r.skills) as string[],
  bookable: Number(r.bookable) === 1,
  walkIn: Number(r.walk_in) === 1,
  active: Number(r.active) === 1,
});

/** The service catalogue, by name; `shopId` narrows it to what that shop offers. */
export async function listServices(db: Kysely<Database>, shopId?: number): Promise<ShopService[]> {
  let query = db.selectFrom('shop_services').selectAll('shop_services').orderBy('name');
  if (shopId !== undefined)
    query = query
      .innerJoin('shop_offered_services', 'shop_offered_services.service_id', 'shop_services.id')
      .where('shop_offered_services.shop_id', '=', shopId);
  return (await query.execute()).map(serviceOf);
}

async function serviceRow(db: Kysely<Database>, id: number): Promise<ServiceRow> {
  const row = await db
    .selectFrom('shop_services')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound('service');
  return row;
}

export interface ServiceFields {
  readonly code?: string | undefined;
  readonly name?: string | undefined;
  readonly ticketPrefix?: string | undefined;
  readonly durationMinutes?: number | undefined;
  readonly bufferMinutes?: number | undefined;
  readonly skills?: readonly string[] | undefined;
  readonly bookable?: boolean | undefined;
  readonly walkIn?: boolean | undefined;
  readonly active?: boolean | undefined;
}

export type NewService = ServiceFields & {
  readonly code: string;
  readonly name: string;
  readonly ticketPrefix: string;
  readonly durationMinutes: number;
  readonly bufferMinutes: number;
};

const slug = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Checks a service as it will be: a slug code, a single capital letter for its tickets that no
 * other active service uses, duration and buffer on five-minute steps (capacity cells), skills as
 * slugs, and a way to come (booked, walk-in, or both).
 */
async function checkService(
  db: Kysely<Database>,
  service: Omit<ShopService, 'id'>,
  except: number | null,
): Promise<void> {
  if (!slug.test(service.code))
    throw new Invalid('code', 'must be lower-case letters and digits joined by hyphens');
  if (!service.name.trim()) throw new Invalid('name', 'must not be blank');
  if (!/^[A-Z]$/.test(service.ticketPrefix))
    throw new Invalid('ticketPrefix', 'must be a single capital letter A to Z');
  const d = service.durationMinutes;
  if (!Number.isInteger(d) || d < 5 || d > 480 || d % 5 !== 0)
    throw new Invalid('durationMinutes', 'must be 5 to 480 minutes in steps of five');
  const b = service.bufferMinutes;
  if (!Number.isInteger(b) || b < 0 || b > 120 || b % 5 !== 0)
    throw new Invalid('bufferMinutes', 'must be 0 to 120 minutes in steps of five');
  service.skills.forEach((skill, i) => {
    if (!slug.test(skill))
      throw new Invalid(`skills[${i}]`, 'must be lower-case letters and digits joined by hyphens');
  });
  if (new Set(service.skills).size !== service.skills.length)
    throw new Invalid('skills', 'names a skill twice');
  if (!service.bookable && !service.walkIn)
    throw new Invalid('walkIn', 'a service is booked, taken on walk-in, or both');
  let codes = db.selectFrom('shop_services').select('id').where('code', '=', service.code);
  if (except !== null) codes = codes.where('id', '!=', except);
  if (await codes.executeTakeFirst())
    throw new Conflict(`a service with the code "${service.code}" already exists`);
  if (service.active) {
    let prefixes = db
      .selectFrom('shop_services')
      .select('name')
      .where('ticket_prefix', '=', service.ticketPrefix)
      .where('active', '=', 1);
    if (except !== null) prefixes = prefixes.where('id', '!=', except);
    const clash = await prefixes.executeTakeFirst();
    if (clash)
      throw new Invalid(
        'ticketPrefix',
        `is already the letter of "${clash.name}": each active service has its own`,
      );
  }
}

/** Adds a service to the catalogue (no shop offers it until told to). */
export async function createService(
  unit: Unit,
  input: NewService,
  actor: Actor,
): Promise<ShopService> {
  const service: Omit<ShopService, 'id'> = {
    code: input.code.trim(),
    name: input.name.trim(),
    ticketPrefix: input.ticketPrefix,
    durationMinutes: input.durationMinutes,
    bufferMinutes: input.bufferMinutes,
    skills: [...(input.skills ?? [])],
    bookable: input.bookable ?? true,
    walkIn: input.walkIn ?? true,
    active: input.active ?? true,
  };
  await checkService(unit.db, service, null);
  const row = await unlessDuplicate(
    unit.db
      .insertInto('shop_services')
      .values({
        code: service.code,
        name: service.name,
        ticket_prefix: service.ticketPrefix,
        duration_minutes: service.durationMinutes,
        buffer_minutes: service.bufferMinutes,
        skills: JSON.stringify(service.skills),
        bookable: service.bookable ? 1 : 0,
        walk_in: service.walkIn ? 1 : 0,
        active: service.active ? 1 : 0,
        created_at: unit.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
    // The look-ups above name the clash; under a race the constraints decide.
    `another service took the code "${service.code}" or the letter ${service.ticketPrefix} meanwhile`,
  );
  const created: ShopService = { id: Number(row.id), ...service };
  await unit.record({
    type: 'shop.service-created',
    actor,
    entity: { type: 'shop_service', id: created.id },
    after: created,
  });
  return created;
}

/** Changes a service of the catalogue; deactivating it frees its letter for another. */
export async function updateService(
  unit: Unit,
  id: number,
  changes: ServiceFields,
  actor: Actor,
): Promise<ShopService> {
  const before = serviceOf(await serviceRow(unit.db, id));
  const defined = Object.fromEntries(
    Object.entries(changes).filter(([, v]) => v !== undefined),
  ) as Partial<ShopService>;
  const next: ShopService = {
    ...before,
    ...defined,
    ...(changes.code !== undefined ? { code: changes.code.trim() } : {}),
    ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
    ...(changes.skills !== undefined ? { skills: [...changes.skills] } : {}),
    id,
  };
  await checkService(unit.db, next, id);
  await unlessDuplicate(
    unit.db
      .updateTable('shop_services')
      .set({
        code: next.code,
        name: next.name,
        ticket_prefix: next.ticketPrefix,
        duration_minutes: next.durationMinutes,
        buffer_minutes: next.bufferMinutes,
        skills: JSON.stringify(next.skills),
        bookable: next.bookable ? 1 : 0,
        walk_in: next.walkIn ? 1 : 0,
        active: next.active ? 1 : 0,
      })
      .where('id', '=', id)
      .execute(),
    `another service took the code "${next.code}" or the letter ${next.ticketPrefix} meanwhile`,
  );
  await unit.record({
    type: 'shop.service-updated',
    actor,
    entity: { type: 'shop_service', id },
    before,
    after: next,
  });
  return next;
}

/** Replaces which services a shop offers; each must be an active service of the catalogue. */
export async function setOfferedServices(
  unit: Unit,
  shopId: number,
  serviceIds: readonly number[],
  actor: Actor,
): Promise<number[]> {
  const shop = await unit.db
    .selectFrom('shops')
    .select(['id', 'team_id'])
    .where('id', '=', shopId)
    .executeTakeFirst();
  if (!shop) throw new NotFound('shop');
  const ids = [...new Set(serviceIds)].sort((a, b) => a - b);
  const known =
    ids.length === 0
      ? []
      : await unit.db
          .selectFrom('shop_services')
          .select(['id', 'active'])
          .where('id', 'in', ids)
          .execute();
  const before = (
    await unit.db
      .selectFrom('shop_offered_services')
      .select('service_id')
      .where('shop_id', '=', shopId)
      .execute()
  ).map((r) => Number(r.service_id));
  serviceIds.forEach((id, i) => {
    const found = known.find((k) => Number(k.id) === id);
    if (!found) throw new Invalid(`serviceIds[${i}]`, 'no such service');
    // A shop keeps offering a service switched off since; it cannot take up a new inactive one.
    if (Number(found.active) !== 1 && !before.includes(id))
      throw new Invalid(`serviceIds[${i}]`, 'the service is switched off');
  });
  await unit.db.deleteFrom('shop_offered_services').where('shop_id', '=', shopId).execute();
  if (ids.length > 0)
    await unit.db
      .insertInto('shop_offered_services')
      .values(ids.map((service_id) => ({ shop_id: shopId, service_id })))
      .execute();
  await unit.record({
    type: 'shop.services-offered',
    actor,
    entity: { type: 'shop', id: shopId },
    scope: { shopId, teamId: shop.team_id },
    before: { serviceIds: before.sort((a, b) => a - b) },
    after: { serviceIds: ids },
  });
  return ids;
}
