import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../test/databases.ts';
import { startHarness, type Harness } from '../../test/harness.ts';
import { systemActor } from '../platform/events/event.ts';
import { Invalid } from '../platform/errors.ts';
import {
  eraseCustomer,
  exportCustomer,
  getCustomer,
  resolveCustomer,
  searchCustomers,
  setConsent,
} from './customers.ts';
import { ingestInbound } from '../conversations/interactions.ts';
import { mergeCustomers } from './merges.ts';

/** Search as a supervisor, who sees every customer. */
const lead = { id: 1, role: 'supervisor', teamId: null, shopId: null, name: 'Lead' } as const;
const databases = await testDatabases();
const channel = { type: 'channel' as const, id: null };

for (const database of databases) {
  describe(`customers on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(await database.open());
    });
    after(async () => h.close());

    const resolve = (points: Parameters<typeof resolveCustomer>[1], displayName?: string) =>
      h.ctx.writer.run((unit) =>
        resolveCustomer(unit, points, { displayName, defaultRegion: 'FR', actor: channel }),
      );

    test('a new contact creates a customer; the same contact again finds them', async () => {
      const first = await resolve({ email: 'Nina.Rossi@example.com' }, 'Nina Rossi');
      const again = await resolve({ email: 'nina.rossi@EXAMPLE.com' });
      assert.equal(first.created, true);
      assert.equal(again.created, false);
      assert.equal(again.customerId, first.customerId);
      assert.equal((await getCustomer(h.ctx.store.db, first.customerId)).displayName, 'Nina Rossi');
    });

    test('a known phone arriving with a new email links the email to the same customer', async () => {
      const byPhone = await resolve({ phone: '06 11 22 33 44' }, 'Hugo Petit');
      const withEmail = await resolve({ phone: '+33611223344', email: 'hugo@example.com' });
      assert.equal(withEmail.customerId, byPhone.customerId);
      assert.equal(withEmail.created, false);
      const customer = await getCustomer(h.ctx.store.db, byPhone.customerId);
      assert.deepEqual(customer.identities.map((i) => i.value).sort(), [
        '+33611223344',
        'hugo@example.com',
      ]);
      const byEmailLater = await resolve({ email: 'hugo@example.com' });
      assert.equal(byEmailLater.customerId, byPhone.customerId);
    });

    test('fifty concurrent first contacts from one address create exactly one customer', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => resolve({ email: 'rush@example.com' })),
      );
      assert.equal(new Set(results.map((r) => r.customerId)).size, 1);
      assert.equal(results.filter((r) => r.created).length, 1);
      const rows = await h.ctx.store.db
        .selectFrom('identities')
        .selectAll()
        .where('value', '=', 'rush@example.com')
        .execute();
      assert.equal(rows.length, 1);
    });

    test('the database itself refuses a second customer with the same identity', async () => {
      const { customerId } = await resolve({ email: 'unique@example.com' });
      await assert.rejects(
        h.ctx.store.db
          .insertInto('identities')
          .values({
            customer_id: customerId,
            kind: 'email',
            network: '',
            value: 'unique@example.com',
            created_at: 0,
          })
          .execute(),
      );
    });

    test('merging moves identities, cases and history, and records one event', async () => {
      const a = await h.ctx.writer.run((unit) =>
        ingestInbound(
          unit,
          {
            kind: 'email',
            from: { email: 'ben@home.example', name: 'Ben Olsen' },
            text: 'My invoice is wrong',
          },
          { defaultRegion: 'FR', actor: channel, dialect: h.ctx.store.dialect },
        ),
      );
      const b = await h.ctx.writer.run((unit) =>
        ingestInbound(
          unit,
          {
            kind: 'call',
            from: { phone: '0622334455', name: 'Benjamin Olsen' },
            text: 'Called about the invoice',
          },
          { defaultRegion: 'FR', actor: channel, dialect: h.ctx.store.dialect },
        ),
      );
      assert.notEqual(a.customerId, b.customerId);
      await h.ctx.writer.run((unit) =>
        mergeCustomers(unit, a.customerId, b.customerId, systemActor),
      );
      const merged = await getCustomer(h.ctx.store.db, a.customerId);
      assert.deepEqual(merged.identities.map((i) => i.value).sort(), [
        '+33622334455',
        'ben@home.example',
      ]);
      const source = await getCustomer(h.ctx.store.db, b.customerId);
      assert.equal(source.mergedIntoId, a.customerId);
      const interactions = await h.ctx.store.db
        .selectFrom('interactions')
        .select('customer_id')
        .where('id', 'in', [a.interactionId, b.interactionId])
        .execute();
      assert.deepEqual(
        interactions.map((i) => i.customer_id),
        [a.customerId, a.customerId],
      );
      const conversations = await h.ctx.store.db
        .selectFrom('conversations')
        .select('id')
        .where('customer_id', '=', a.customerId)
        .execute();
      assert.equal(conversations.length, 2);
      const events = await h.ctx.store.db
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'customer.merged')
        .where('entity_id', '=', a.customerId)
        .execute();
      assert.equal(events.length, 1);
      // A later contact on the source's phone reaches the merged customer.
      assert.equal((await resolve({ phone: '0622334455' })).customerId, a.customerId);
    });

    test('merging a customer into itself is refused and changes nothing', async () => {
      const { customerId } = await resolve({ email: 'self@example.com' });
      const eventsBefore = await h.ctx.store.db.selectFrom('events').select('id').execute();
      await assert.rejects(
        h.ctx.writer.run((unit) => mergeCustomers(unit, customerId, customerId, systemActor)),
        (error: unknown) =>
          error instanceof Invalid && error.problems[0]!.field === 'sourceCustomerId',
      );
      const eventsAfter = await h.ctx.store.db.selectFrom('events').select('id').execute();
      assert.equal(eventsAfter.length, eventsBefore.length);
    });

    test('consent is recorded per channel with before and after in the audit trail', async () => {
      const { customerId } = await resolve({ email: 'consent@example.com' });
      const consent = await h.ctx.writer.run((unit) =>
        setConsent(unit, customerId, { marketing: true, sms: false }, systemActor),
      );
      assert.equal(consent.marketing, true);
      assert.equal(consent.sms, false);
      assert.equal(consent.email, true);
      const event = await h.ctx.store.db
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'customer.consent-changed')
        .where('entity_id', '=', customerId)
        .executeTakeFirstOrThrow();
      // Marketing was never asked: unknown before, an explicit yes after.
      assert.equal(JSON.parse(event.before!).marketing, null);
      assert.equal(JSON.parse(event.after!).marketing, true);
    });

    test('export holds the whole record; erase leaves no personal data behind', async () => {
      const r = await h.ctx.writer.run((unit) =>
        ingestInbound(
          unit,
          {
            kind: 'chat_message',
            from: { email: 'zoe@private.example', name: 'Zoé Laurent' },
            text: 'My address is 3 rue Secrète',
          },
          { defaultRegion: 'FR', actor: channel, dialect: h.ctx.store.dialect },
        ),
      );
      const exported = await exportCustomer(h.ctx.store.db, r.customerId, h.ctx.clock.now());
      assert.match(JSON.stringify(exported), /3 rue Secrète/);
      assert.match(JSON.stringify(exported), /zoe@private\.example/);
      await h.ctx.writer.run((unit) =>
        eraseCustomer(unit, r.customerId, systemActor, h.ctx.store.dialect),
      );
      const after = JSON.stringify(
        await exportCustomer(h.ctx.store.db, r.customerId, h.ctx.clock.now()),
      );
      assert.doesNotMatch(after, /rue Secrète|zoe@private|Zoé/);
      assert.equal((await getCustomer(h.ctx.store.db, r.customerId)).erased, true);
      assert.equal(
        (await searchCustomers(h.ctx.store.db, h.ctx.store.dialect, 'zoe', 10, lead)).length,
        0,
      );
      // The address is free again: a new contact from it is a new customer.
      const again = await resolve({ email: 'zoe@private.example' });
      assert.notEqual(again.customerId, r.customerId);
    });

    test('customers are found by name, email or phone', async () => {
      await resolve({ email: 'grace.okafor@example.com', phone: '0699887766' }, 'Grace Okafor');
      const byName = await searchCustomers(h.ctx.store.db, h.ctx.store.dialect, 'okaf', 10, lead);
      assert.ok(byName.some((c) => c.displayName === 'Grace Okafor'));
      const byPhone = await searchCustomers(
        h.ctx.store.db,
        h.ctx.store.dialect,
        '+33699887766',
        10,
        lead,
      );
      assert.ok(byPhone.some((c) => c.displayName === 'Grace Okafor'));
    });
  });
}
