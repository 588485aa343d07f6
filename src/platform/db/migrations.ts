import type { Migration, MigrationProvider } from 'kysely';
import type { MigrationDb, StorageDialect } from './dialects/storage-dialect.ts';
import type { AreaMigration } from './migrations/area-migration.ts';
import { platformMigration } from './migrations/0001-platform.ts';
import { advisorsMigration } from './migrations/0002-advisors.ts';
import { shopsMigration } from './migrations/0003-shops.ts';
import { customersMigration } from './migrations/0004-customers.ts';
import { conversationsMigration } from './migrations/0005-conversations.ts';
import { routingMigration } from './migrations/0006-routing.ts';
import { macrosMigration } from './migrations/0007-macros.ts';
import { jobsMigration } from './migrations/0100-jobs.ts';
import { integrationsMigration } from './migrations/0110-integrations.ts';
import { channelAccountsMigration } from './migrations/0120-channel-accounts.ts';
import { deliveryMigration } from './migrations/0130-delivery.ts';
import { loginAttemptsMigration } from './migrations/0140-login-attempts.ts';
import { emailMigration } from './migrations/0150-email.ts';
import { imapMigration } from './migrations/0160-imap.ts';
import { chatMigration } from './migrations/0170-chat.ts';
import { chatRoutingMigration } from './migrations/0180-chat-routing.ts';
import { callsMigration } from './migrations/0190-calls.ts';
import { callbackAttemptsMigration } from './migrations/0200-callback-attempts.ts';
import { callWrapUpMigration } from './migrations/0210-call-wrap-up.ts';
import { shopFloorMigration } from './migrations/0230-shop-floor.ts';
import { shopServiceLettersMigration } from './migrations/0240-shop-service-letters.ts';
import { callFollowupsMigration } from './migrations/0220-call-followups.ts';
import { repairsMigration } from './migrations/0280-repairs.ts';
import { viewsMigration } from './migrations/0310-views.ts';
import { teamCalendarsMigration } from './migrations/0350-team-calendars.ts';
import { offerDeclinesMigration } from './migrations/0290-offer-declines.ts';
import { collisionMigration } from './migrations/0330-collision.ts';
import { customerMergesMigration } from './migrations/0300-customer-merges.ts';
import { adminMigration } from './migrations/0340-admin.ts';
import { authorityMigration } from './migrations/0360-authority.ts';

/** Every migration in the order it runs, named as its file (`NNNN-<area>.ts`) is. */
const migrations: ReadonlyArray<readonly [name: string, migration: AreaMigration]> = [
  ['0001-platform', platformMigration],
  ['0002-advisors', advisorsMigration],
  ['0003-shops', shopsMigration],
  ['0004-customers', customersMigration],
  ['0005-conversations', conversationsMigration],
  ['0006-routing', routingMigration],
  ['0007-macros', macrosMigration],
  ['0100-jobs', jobsMigration],
  ['0110-integrations', integrationsMigration],
  ['0120-channel-accounts', channelAccountsMigration],
  ['0130-delivery', deliveryMigration],
  ['0140-login-attempts', loginAttemptsMigration],
  ['0150-email', emailMigration],
  ['0160-imap', imapMigration],
  ['0170-chat', chatMigration],
  ['0180-chat-routing', chatRoutingMigration],
  ['0190-calls', callsMigration],
  ['0200-callback-attempts', callbackAttemptsMigration],
  ['0210-call-wrap-up', callWrapUpMigration],
  ['0220-call-followups', callFollowupsMigration],
  ['0230-shop-floor', shopFloorMigration],
  ['0240-shop-service-letters', shopServiceLettersMigration],
  ['0280-repairs', repairsMigration],
  ['0290-offer-declines', offerDeclinesMigration],
  ['0300-customer-merges', customerMergesMigration],
  ['0310-views', viewsMigration],
  ['0330-collision', collisionMigration],
  ['0340-admin', adminMigration],
  ['0350-team-calendars', teamCalendarsMigration],
  ['0360-authority', authorityMigration],
];

/** One set of migrations for both databases; what differs between them comes from the dialect. */
export function migrationProvider(dialect: StorageDialect): MigrationProvider {
  const byName: Record<string, Migration> = {};
  for (const [name, migration] of migrations)
    byName[name] = { up: (db: MigrationDb) => migration.up(db, dialect) };
  return { getMigrations: () => Promise.resolve(byName) };
}
