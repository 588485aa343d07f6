import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Invalid } from '../platform/errors.ts';
import { channels, type Channel } from '../channels/channel.ts';
import { DEFAULT_SERVICE_LEVELS, type ServiceLevelPolicies } from './types.ts';
import type { ServiceLevelSetting } from '../api-types/routing.ts';

export type ServiceLevelSettings = Record<Channel, ServiceLevelSetting>;

const second = 1000;
const hour = 3_600_000;

/** Every channel's promise: the stored one, or the engine's default. */
export async function loadPolicies(db: Kysely<Database>): Promise<ServiceLevelSettings> {
  const rows = await db.selectFrom('service_level_policies').selectAll().execute();
  const stored = new Map(rows.map((r) => [r.channel, r]));
  return Object.fromEntries(
    channels.map((channel) => {
      const row = stored.get(channel);
      const policy: ServiceLevelSetting = row
        ? {
            channel,
            thresholdMs: Number(row.threshold_ms),
            targetFraction: Number(row.target_fraction),
            customised: true,
          }
        : {
            channel,
            thresholdMs: DEFAULT_SERVICE_LEVELS[channel].thresholdMs,
            targetFraction: DEFAULT_SERVICE_LEVELS[channel].targetFraction,
            customised: false,
          };
      return [channel, policy];
    }),
  ) as ServiceLevelSettings;
}

/**
 * The engine's policies with the promises the admin set: each channel's stored threshold and
 * target over the defaults, its routing windows (affinity, offer timeout) unchanged.
 */
export async function loadRoutingLevels(db: Kysely<Database>): Promise<ServiceLevelPolicies> {
  const settings = await loadPolicies(db);
  return Object.fromEntries(
    channels.map((channel) => [
      channel,
      {
        ...DEFAULT_SERVICE_LEVELS[channel],
        thresholdMs: settings[channel].thresholdMs,
        targetFraction: settings[channel].targetFraction,
      },
    ]),
  ) as ServiceLevelPolicies;
}

/** Changes one channel's promise; audited with before and after. */
export async function setPolicy(
  unit: Unit,
  channel: Channel,
  change: { readonly thresholdMs: number; readonly targetFraction: number },
  actor: Actor,
): Promise<ServiceLevelSetting> {
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
  const after: ServiceLevelSetting = { channel, ...change, customised: true };
  await unit.record({
    type: 'service-level.changed',
    actor,
    entity: { type: 'service_level_policy', id: channels.indexOf(channel) + 1 },
    before,
    after,
  });
  return after;
}

export type { ServiceLevelSetting };
