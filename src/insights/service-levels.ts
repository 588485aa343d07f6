import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Invalid } from '../platform/errors.ts';
import type { Channel } from '../conversations/conversations.ts';

export interface ServiceLevelPoliciesTable {
  channel: string;
  threshold_ms: number;
  target_fraction: number;
  updated_at: number;
}

declare module '../platform/db/schema.ts' {
  interface Database {
    service_level_policies: ServiceLevelPoliciesTable;
  }
}

/** Channels a customer can wait on; internal notes have no service level. */
export const servedChannels = [
  'voice',
  'chat',
  'email',
  'sms',
  'social',
  'shop',
] as const satisfies readonly Channel[];
export type ServedChannel = (typeof servedChannels)[number];

/** A channel's promise: answer `targetFraction` of contacts within `thresholdMs`. */
export interface ServiceLevelPolicy {
  readonly channel: ServedChannel;
  readonly thresholdMs: number;
  readonly targetFraction: number;
  /** False while the channel still uses the built-in default. */
  readonly customised: boolean;
}

export type ServiceLevelPolicies = Record<ServedChannel, ServiceLevelPolicy>;

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;

/** Built-in promises, the same as the routing engine's defaults: voice 80% in 20 s … email 90% in 4 h. */
export const defaultPolicies: Readonly<
  Record<ServedChannel, { thresholdMs: number; targetFraction: number }>
> = {
  voice: { thresholdMs: 20 * second, targetFraction: 0.8 },
  chat: { thresholdMs: 60 * second, targetFraction: 0.8 },
  email: { thresholdMs: 4 * hour, targetFraction: 0.9 },
  sms: { thresholdMs: hour, targetFraction: 0.9 },
  social: { thresholdMs: hour, targetFraction: 0.9 },
  shop: { thresholdMs: 10 * minute, targetFraction: 0.8 },
};

export function isServedChannel(channel: string): channel is ServedChannel {
  return (servedChannels as readonly string[]).includes(channel);
}

/** Every channel's policy: the stored one, or the default. */
export async function loadPolicies(db: Kysely<Database>): Promise<ServiceLevelPolicies> {
  const rows = await db.selectFrom('service_level_policies').selectAll().execute();
  const stored = new Map(rows.map((r) => [r.channel, r]));
  return Object.fromEntries(
    servedChannels.map((channel) => {
      const row = stored.get(channel);
      const policy: ServiceLevelPolicy = row
        ? {
            channel,
            thresholdMs: Number(row.threshold_ms),
            targetFraction: Number(row.target_fraction),
            customised: true,
          }
        : { channel, ...defaultPolicies[channel], customised: false };
      return [channel, policy];
    }),
  ) as ServiceLevelPolicies;
}

/** Changes one channel's promise; audited with before and after. */
export async function setPolicy(
  unit: Unit,
  channel: ServedChannel,
  change: { readonly thresholdMs: number; readonly targetFraction: number },
  actor: Actor,
): Promise<ServiceLevelPolicy> {
  if (change.thresholdMs < second || change.thresholdMs > 7 * 24 * hour)
    throw new Invalid('thresholdSeconds', 'must be between 1 second and 7 days');
  if (change.targetFraction <= 0 || change.targetFraction > 1)
    throw new Invalid('targetPercent', 'must be above 0 and at most 100');
  const before = (await loadPolicies(unit.db))[channel];
  await unit.db
    .insertInto('service_level_policies')
    .values({
      channel,
      threshold_ms: change.thresholdMs,
      target_fraction: change.targetFraction,
      updated_at: unit.now,
    })
    .onConflict((oc) =>
      oc.column('channel').doUpdateSet({
        threshold_ms: change.thresholdMs,
        target_fraction: change.targetFraction,
        updated_at: unit.now,
      }),
    )
    .execute();
  const after: ServiceLevelPolicy = { channel, ...change, customised: true };
  await unit.record({
    type: 'service-level.changed',
    actor,
    entity: { type: 'service_level_policy', id: servedChannels.indexOf(channel) + 1 },
    before,
    after,
  });
  return after;
}
