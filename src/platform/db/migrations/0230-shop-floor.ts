import { sql } from 'kysely';
import type { AreaMigration } from './area-migration.ts';

/**
 * Face to face (src/shops/, src/channels/shop/): where a shop is, several openings a day, dated
 * exceptions, desks, the service catalogue and which shop offers what, advisors' shifts, and the
 * shop floor's work: appointments, walk-in tickets and their numbering, the board's calls, desks
 * open in a browser, repairs with their photos and steps. Capacity is claimed in five-minute cells
 * (`shop_claims`, one row per desk or advisor and cell), so two bookings can never hold one desk or
 * one advisor at the same time: the primary key refuses the second, on both databases.
 */
export const shopFloorMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .alterTable('shops')
      .addColumn('postcode', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema.alterTable('shops').addColumn('latitude', 'real').execute();
    await db.schema.alterTable('shops').addColumn('longitude', 'real').execute();

    // Several openings a day: the key grows by the opening time (SQLite cannot change a key in place).
    await db.schema
      .createTable('shop_hours_periods')
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .addColumn('weekday', 'integer', (c) => c.notNull())
      .addColumn('opens', 'text', (c) => c.notNull())
      .addColumn('closes', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('shop_hours_periods_pk', ['shop_id', 'weekday', 'opens'])
      .addCheckConstraint('shop_hours_periods_weekday', sql`weekday between 1 and 7`)
      .execute();
    await sql`insert into shop_hours_periods (shop_id, weekday, opens, closes)
              select shop_id, weekday, opens, closes from shop_hours`.execute(db);
    await db.schema.dropTable('shop_hours').execute();
    await db.schema.alterTable('shop_hours_periods').renameTo('shop_hours').execute();

    // A dated exception in the shop's local calendar ("2026-12-24"): a row with no times closes the
    // whole day; rows with times replace that day's weekly hours.
    await db.schema
      .createTable('shop_exceptions')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('opens', 'text')
      .addColumn('closes', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('shop_exceptions_by_day')
      .on('shop_exceptions')
      .columns(['shop_id', 'date'])
      .execute();

    await db.schema
      .createTable('shop_desks')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', big, (c) => c.notNull())
      .addUniqueConstraint('shop_desks_name_unique', ['shop_id', 'name'])
      .execute();

    // The company's service catalogue; `ticket_prefix` is the letter of its walk-in numbers.
    await db.schema
      .createTable('shop_services')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('ticket_prefix', 'text', (c) => c.notNull())
      .addColumn('duration_minutes', 'integer', (c) => c.notNull())
      .addColumn('buffer_minutes', 'integer', (c) => c.notNull())
      // JSON array of skill names an advisor needs to serve it.
      .addColumn('skills', 'text', (c) => c.notNull())
      .addColumn('bookable', 'integer', (c) => c.notNull())
      .addColumn('walk_in', 'integer', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('shop_offered_services')
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .addColumn('service_id', big, (c) => c.notNull().references('shop_services.id'))
      .addPrimaryKeyConstraint('shop_offered_services_pk', ['shop_id', 'service_id'])
      .execute();

    // Who works where and when, in the shop's local time: every week on `weekday`, or on one `date`.
    await db.schema
      .createTable('shop_shifts')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .addColumn('advisor_id', big, (c) => c.notNull().references('advisors.id'))
      .addColumn('weekday', 'integer')
      .addColumn('date', 'text')
      .addColumn('starts', 'text', (c) => c.notNull())
      .addColumn('ends', 'text', (c) => c.notNull())
      .addColumn('desk_id', big, (c) => c.references('shop_desks.id'))
      .addCheckConstraint(
        'shop_shifts_when',
        sql`(weekday is null) <> (date is null) and (weekday is null or weekday between 1 and 7)`,
      )
      .execute();
    await db.schema
      .createIndex('shop_shifts_by_shop')
      .on('shop_shifts')
      .column('shop_id')
      .execute();

    await db.schema
      .createTable('shop_appointments')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .addColumn('service_id', big, (c) => c.notNull().references('shop_services.id'))
      .addColumn('customer_id', big, (c) => c.notNull().references('customers.id'))
      .addColumn('conversation_id', big, (c) => c.references('conversations.id'))
      .addColumn('desk_id', big, (c) => c.references('shop_desks.id'))
      .addColumn('advisor_id', big, (c) => c.references('advisors.id'))
      .addColumn('starts_at', big, (c) => c.notNull())
      .addColumn('ends_at', big, (c) => c.notNull())
      // booked, checked-in, serving, served, no-show, cancelled.
      .addColumn('status', 'text', (c) => c.notNull())
      // Grows on every reschedule: a link or reminder made for an earlier version is stale.
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('phone', 'text')
      .addColumn('notes', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('checked_in_at', big)
      .addColumn('cancelled_at', big)
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('shop_appointments_by_day')
      .on('shop_appointments')
      .columns(['shop_id', 'starts_at'])
      .execute();
    await db.schema
      .createIndex('shop_appointments_by_customer')
      .on('shop_appointments')
      .column('customer_id')
      .execute();

    // Time held on a desk or an advisor outside appointments: a walk-in being served, a repair's
    // bench time, a staff reservation.
    await db.schema
      .createTable('shop_reservations')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .addColumn('advisor_id', big, (c) => c.references('advisors.id'))
      .addColumn('desk_id', big, (c) => c.references('shop_desks.id'))
      .addColumn('starts_at', big, (c) => c.notNull())
      .addColumn('ends_at', big, (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      // What holds it: 'ticket', 'repair' or 'staff', and that record's id.
      .addColumn('source_type', 'text', (c) => c.notNull())
      .addColumn('source_id', big)
      .addColumn('created_at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('shop_reservations_by_day')
      .on('shop_reservations')
      .columns(['shop_id', 'starts_at'])
      .execute();

    // Five-minute cells of a resource ('desk:<id>' or 'advisor:<id>'), each held by at most one owner.
    await db.schema
      .createTable('shop_claims')
      .addColumn('resource', 'text', (c) => c.notNull())
      .addColumn('cell_at', big, (c) => c.notNull())
      // 'appointment' or 'reservation', and its id.
      .addColumn('owner_type', 'text', (c) => c.notNull())
      .addColumn('owner_id', big, (c) => c.notNull())
      .addPrimaryKeyConstraint('shop_claims_pk', ['resource', 'cell_at'])
      .execute();
    await db.schema
      .createIndex('shop_claims_by_owner')
      .on('shop_claims')
      .columns(['owner_type', 'owner_id'])
      .execute();

    // Walk-in tickets: numbered per shop, service and shop-local day; the id is unique.
    await db.schema
      .createTable('shop_tickets')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .addColumn('service_id', big, (c) => c.notNull().references('shop_services.id'))
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('customer_id', big, (c) => c.references('customers.id'))
      .addColumn('conversation_id', big, (c) => c.references('conversations.id'))
      .addColumn('appointment_id', big, (c) => c.references('shop_appointments.id'))
      .addColumn('phone', 'text')
      .addColumn('email', 'text')
      // waiting, called, serving, served, no-show, cancelled.
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('desk_id', big, (c) => c.references('shop_desks.id'))
      .addColumn('advisor_id', big, (c) => c.references('advisors.id'))
      // When the ticket began to wait (a transfer keeps it), the first call (the wait stops there),
      // the latest call (a recall), serving started and ended.
      .addColumn('waiting_since', big, (c) => c.notNull())
      .addColumn('first_called_at', big)
      .addColumn('last_called_at', big)
      .addColumn('recalls', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('serving_at', big)
      .addColumn('finished_at', big)
      .addColumn('estimate_minutes', 'integer')
      .addColumn('near_notified_at', big)
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .addUniqueConstraint('shop_tickets_number_unique', ['shop_id', 'service_id', 'day', 'number'])
      .execute();
    await db.schema
      .createIndex('shop_tickets_waiting')
      .on('shop_tickets')
      .columns(['shop_id', 'status', 'waiting_since'])
      .execute();
    await db.schema
      .createTable('shop_ticket_counters')
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .addColumn('service_id', big, (c) => c.notNull().references('shop_services.id'))
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('last_number', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('shop_ticket_counters_pk', ['shop_id', 'service_id', 'day'])
      .execute();

    // Every call the board shows and announces, recalls included, in the order they were made.
    await db.schema
      .createTable('shop_board_calls')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .addColumn('ticket_id', big, (c) => c.notNull().references('shop_tickets.id'))
      .addColumn('desk_id', big, (c) => c.references('shop_desks.id'))
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('desk_name', 'text', (c) => c.notNull())
      .addColumn('called_at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('shop_board_calls_by_shop')
      .on('shop_board_calls')
      .columns(['shop_id', 'called_at'])
      .execute();

    // A desk open in one browser: a second browser asks to take it over.
    await db.schema
      .createTable('shop_desk_sessions')
      .addColumn('desk_id', big, (c) => c.primaryKey().references('shop_desks.id'))
      .addColumn('advisor_id', big, (c) => c.notNull().references('advisors.id'))
      .addColumn('session_key', 'text', (c) => c.notNull())
      .addColumn('opened_at', big, (c) => c.notNull())
      .addColumn('seen_at', big, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('shop_repairs')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('shop_id', big, (c) => c.notNull().references('shops.id'))
      .addColumn('customer_id', big, (c) => c.notNull().references('customers.id'))
      .addColumn('conversation_id', big, (c) => c.references('conversations.id'))
      .addColumn('ticket_id', big, (c) => c.references('shop_tickets.id'))
      .addColumn('advisor_id', big, (c) => c.references('advisors.id'))
      .addColumn('device', 'text', (c) => c.notNull())
      .addColumn('serial_number', 'text', (c) => c.notNull())
      .addColumn('fault', 'text', (c) => c.notNull())
      .addColumn('condition', 'text', (c) => c.notNull())
      // JSON array of what the customer left with the device (charger, case…).
      .addColumn('accessories', 'text', (c) => c.notNull())
      // draft, received, diagnosing, waiting-for-parts, repaired, ready-for-pickup, collected.
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('estimate_cents', big)
      .addColumn('estimate_currency', 'text')
      .addColumn('estimate_note', 'text')
      // none, proposed, accepted, declined.
      .addColumn('estimate_state', 'text', (c) => c.notNull())
      .addColumn('estimate_decided_at', big)
      .addColumn('due_at', big)
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('shop_repairs_by_shop')
      .on('shop_repairs')
      .columns(['shop_id', 'status'])
      .execute();
    await db.schema
      .createTable('shop_repair_photos')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('repair_id', big, (c) => c.notNull().references('shop_repairs.id'))
      .addColumn('blob_sha256', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('created_at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('shop_repair_steps')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('repair_id', big, (c) => c.notNull().references('shop_repairs.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('advisor_id', big, (c) => c.references('advisors.id'))
      .addColumn('note', 'text', (c) => c.notNull())
      // The message that told the customer, when this step told them (null for a silent step).
      .addColumn('interaction_id', big, (c) => c.references('interactions.id'))
      .addColumn('at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('shop_repair_steps_by_repair')
      .on('shop_repair_steps')
      .column('repair_id')
      .execute();
  },
};
