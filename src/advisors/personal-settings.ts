import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import type { AlertSettings, AlertWays, PersonalSettings } from '../api-types/collision.ts';

/**
 * Until an advisor chooses: the count in the tab's title only. A sound or a desktop notification
 * is something each person turns on (desktop ones need the browser's permission, asked then).
 */
export const defaultAlertSettings: AlertSettings = {
  offers: { sound: false, desktop: false, title: true },
  messages: { sound: false, desktop: false, title: true },
};

/** Reads stored alerts over the defaults, so a setting added later has its default for everyone. */
function alertsOf(stored: string | undefined): AlertSettings {
  if (stored === undefined) return defaultAlertSettings;
  const parsed = JSON.parse(stored) as Partial<Record<keyof AlertSettings, Partial<AlertWays>>>;
  return {
    offers: { ...defaultAlertSettings.offers, ...parsed.offers },
    messages: { ...defaultAlertSettings.messages, ...parsed.messages },
  };
}

/** The advisor's own settings, the defaults where they chose nothing. */
export async function readPersonalSettings(
  db: Kysely<Database>,
  advisorId: number,
): Promise<PersonalSettings> {
  const row = await db
    .selectFrom('advisor_settings')
    .select('alerts')
    .where('advisor_id', '=', advisorId)
    .executeTakeFirst();
  return { alerts: alertsOf(row?.alerts) };
}

/** Stores the advisor's alert settings (recorded, like every change); answers the settings now. */
export async function savePersonalSettings(
  unit: Unit,
  advisorId: number,
  settings: PersonalSettings,
  actor: Actor,
): Promise<PersonalSettings> {
  const before = await readPersonalSettings(unit.db, advisorId);
  const alerts = JSON.stringify(settings.alerts);
  await unit.db
    .insertInto('advisor_settings')
    .values({ advisor_id: advisorId, alerts, updated_at: unit.now })
    .onConflict((oc) => oc.column('advisor_id').doUpdateSet({ alerts, updated_at: unit.now }))
    .execute();
  const after = { alerts: alertsOf(alerts) };
  await unit.record({
    type: 'advisor.settings-changed',
    actor,
    entity: { type: 'advisor', id: advisorId },
    before,
    after,
  });
  return after;
}
