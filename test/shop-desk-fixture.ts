import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import type { Database } from '../src/platform/db/schema.ts';
import type { Unit } from '../src/platform/db/writer.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { resolveCustomer } from '../src/customers/customers.ts';

/**
 * A shop floor for the shop desk's tests, written as rows (the kiosk that takes real tickets is
 * another part's): two services (R repairs, G general questions), desks, and helpers that put a
 * walk-in ticket or an appointment in the shop as the kiosk and the booking page would.
 */
export interface Floor {
  readonly shopId: number;
  readonly services: { readonly repair: number; readonly question: number };
  readonly desks: readonly number[];
}

export async function setUpFloor(
  db: Kysely<Database>,
  shopId: number,
  now: number,
  deskCount = 3,
): Promise<Floor> {
  const service = async (code: string, name: string, prefix: string, skills: string[]) =>
    (
      await db
        .insertInto('shop_services')
        .values({
          code,
          name,
          ticket_prefix: prefix,
          duration_minutes: code === 'repair' ? 30 : 10,
          buffer_minutes: 0,
          skills: JSON.stringify(skills),
          bookable: 1,
          walk_in: 1,
          created_at: now,
        })
        .onConflict((oc) => oc.column('code').doUpdateSet({ name }))
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const repair = await service('repair', 'Device repair', 'R', ['repairs']);
  const question = await service('question', 'General question', 'G', []);
  await db
    .insertInto('shop_offered_services')
    .values([
      { shop_id: shopId, service_id: repair },
      { shop_id: shopId, service_id: question },
    ])
    .onConflict((oc) => oc.doNothing())
    .execute();
  const desks: number[] = [];
  for (let i = 1; i <= deskCount; i++)
    desks.push(
      (
        await db
          .insertInto('shop_desks')
          .values({ shop_id: shopId, name: `Desk ${i}`, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
  return { shopId, services: { repair, question }, desks };
}

let numbers = 0;

/** A walk-in ticket waiting since `waitingSince`, numbered like the kiosk would (G-001…). */
export async function insertTicket(
  db: Kysely<Database>,
  floor: Floor,
  input: {
    readonly serviceId: number;
    readonly waitingSince: number;
    readonly customerId?: number;
    readonly phone?: string;
    readonly email?: string;
    readonly prefix?: string;
  },
): Promise<{ id: number; code: string }> {
  const number = ++numbers;
  const code = `${input.prefix ?? (input.serviceId === floor.services.repair ? 'R' : 'G')}-${String(number).padStart(3, '0')}`;
  const row = await db
    .insertInto('shop_tickets')
    .values({
      shop_id: floor.shopId,
      service_id: input.serviceId,
      day: DateTime.fromMillis(input.waitingSince, { zone: 'Europe/Paris' }).toISODate()!,
      number,
      code,
      customer_id: input.customerId ?? null,
      phone: input.phone ?? null,
      email: input.email ?? null,
      status: 'waiting',
      waiting_since: input.waitingSince,
      created_at: input.waitingSince,
      updated_at: input.waitingSince,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, code };
}

/** An appointment booked for `startsAt` (checked in when `checkedIn`), its customer found by email. */
export async function insertAppointment(
  unit: Unit,
  floor: Floor,
  input: {
    readonly serviceId: number;
    readonly startsAt: number;
    readonly name: string;
    readonly email: string;
    readonly checkedIn: boolean;
    readonly deskId?: number;
  },
): Promise<{ id: number; customerId: number }> {
  const { customerId } = await resolveCustomer(
    unit,
    { email: input.email },
    { displayName: input.name, defaultRegion: 'FR', actor: systemActor },
  );
  const row = await unit.db
    .insertInto('shop_appointments')
    .values({
      shop_id: floor.shopId,
      service_id: input.serviceId,
      customer_id: customerId,
      desk_id: input.deskId ?? null,
      starts_at: input.startsAt,
      ends_at: input.startsAt + 30 * 60_000,
      status: input.checkedIn ? 'checked-in' : 'booked',
      name: input.name,
      email: input.email,
      checked_in_at: input.checkedIn ? input.startsAt - 10 * 60_000 : null,
      created_at: input.startsAt - 86_400_000,
      updated_at: input.startsAt - 86_400_000,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, customerId };
}
