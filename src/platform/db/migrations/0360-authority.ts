import type { AreaMigration } from './area-migration.ts';

/**
 * Authority to settle (src/authority/): how much of each action a role or a person may grant alone,
 * each team's monthly budget per currency, and every action asked for — granted at once, or waiting
 * for a supervisor's approval, then approved, refused or expired, and what billing made of it.
 * Money is an integer count of the currency's minor units, never a float.
 */
export const authorityMigration: AreaMigration = {
  async up(db, { idType: id, bigType: big }) {
    await db.schema
      .createTable('authority_limits')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      // 'role:<role>' or 'advisor:<id>': a person's own limit wins over their role's.
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('max_minor', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .addUniqueConstraint('authority_limits_one', ['kind', 'subject', 'currency'])
      .execute();
    await db.schema
      .createTable('team_budgets')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('team_id', big, (c) => c.notNull().references('teams.id'))
      // 'YYYY-MM' in the centre's time zone.
      .addColumn('month', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('amount_minor', big, (c) => c.notNull())
      .addColumn('used_minor', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .addUniqueConstraint('team_budgets_one', ['team_id', 'month', 'currency'])
      .execute();
    await db.schema
      .createTable('authority_actions')
      .addColumn('id', id, (c) => c.primaryKey())
      .addColumn('conversation_id', big, (c) => c.notNull().references('conversations.id'))
      .addColumn('customer_id', big, (c) => c.notNull().references('customers.id'))
      .addColumn('advisor_id', big, (c) => c.notNull().references('advisors.id'))
      .addColumn('team_id', big, (c) => c.references('teams.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('amount_minor', big, (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('terms', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      // granted | pending | approved | refused | expired
      .addColumn('state', 'text', (c) => c.notNull())
      // Why it waits for approval: over_limit | over_budget.
      .addColumn('waits_for', 'text')
      .addColumn('month', 'text', (c) => c.notNull())
      .addColumn('expires_at', big)
      .addColumn('decided_by', big, (c) => c.references('advisors.id'))
      .addColumn('decided_at', big)
      .addColumn('decision_note', 'text')
      // What the company's billing made of it: applied | refused (null until it answers).
      .addColumn('billing_state', 'text')
      .addColumn('billing_detail', 'text')
      .addColumn('created_at', big, (c) => c.notNull())
      .addColumn('updated_at', big, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('authority_actions_by_case')
      .on('authority_actions')
      .column('conversation_id')
      .execute();
    await db.schema
      .createIndex('authority_actions_by_state')
      .on('authority_actions')
      .columns(['state', 'expires_at'])
      .execute();
  },
};
