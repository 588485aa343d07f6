import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import type { Customer, CustomerMerge, MergePreview } from '../api-types/customers.ts';
import { requireConsent } from '../contacts/rules.ts';
import { Invalid } from '../platform/errors.ts';

const day = 86_400_000;

for (const database of await testDatabases()) {
  describe(
    `merging, editing and consent of customers on ${database.name}`,
    { skip: database.skip },
    () => {
      let h: Harness;
      let supervisor: string;
      let advisor: string;

      before(async () => {
        h = await startHarness(await database.open());
        supervisor = await h.signIn(h.fixture.people.supervisor.email);
        advisor = await h.signIn(h.fixture.people.advisor.email);
      });
      after(() => h.close());
      /** Moves the clock on; sessions last hours, so everyone signs in again. */
      const later = async (ms: number) => {
        h.clock.advance(ms);
        supervisor = await h.signIn(h.fixture.people.supervisor.email);
        advisor = await h.signIn(h.fixture.people.advisor.email);
      };

      const inbound = async (payload: Record<string, unknown>) => {
        const response = await h.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
          payload,
        });
        assert.equal(response.statusCode, 201, response.body);
        return json<{ customerId: number; conversationId: number }>(response);
      };
      const call = (
        method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
        url: string,
        cookie: string,
        payload?: Record<string, unknown>,
      ) => h.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
      const customerIdOf = async (table: 'work_items' | 'conversations', conversationId: number) =>
        (
          await h.ctx.store.db
            .selectFrom(table)
            .select('customer_id')
            .where(table === 'work_items' ? 'conversation_id' : 'id', '=', conversationId)
            .execute()
        ).map((r) => r.customer_id);

      test('a customer who wrote by email has unknown SMS, phone and social consent; a reply by email is allowed, by SMS refused', async () => {
        const { customerId } = await inbound({
          kind: 'email',
          from: { email: 'lena.berg@example.com', name: 'Lena Berg' },
          text: 'My parcel did not arrive',
        });
        const customer = json<Customer>(
          await call('GET', `/api/customers/${customerId}`, supervisor),
        );
        assert.deepEqual(customer.consent, {
          email: true,
          sms: null,
          phone: null,
          chat: null,
          social: null,
          marketing: null,
        });
        await requireConsent(h.ctx.store.db, customerId, 'email');
        await assert.rejects(
          requireConsent(h.ctx.store.db, customerId, 'sms'),
          (e: unknown) => e instanceof Invalid && /not agreed to SMS yet/.test(e.message),
        );
        // Writing later by SMS agrees to SMS replies; an explicit no is never overwritten.
        const set = await call('PUT', `/api/customers/${customerId}/consent`, supervisor, {
          social: false,
          marketing: null,
        });
        assert.equal(set.statusCode, 200, set.body);
        await inbound({
          kind: 'sms',
          from: { email: 'lena.berg@example.com', phone: '+33655443322' },
          text: 'Any news?',
        });
        const now = json<Customer>(await call('GET', `/api/customers/${customerId}`, supervisor));
        assert.equal(now.consent.sms, true);
        assert.equal(now.consent.social, false);
        assert.equal(now.consent.phone, null);
      });

      test('merging the long-standing record into a new one keeps the older name, moves the work items, is recorded, and a supervisor can undo it', async () => {
        const old = await inbound({
          kind: 'email',
          from: { email: 'jonas.rossi@example.com', name: 'Jonas Rossi' },
          text: 'Question about my subscription',
        });
        await call('PUT', `/api/customers/${old.customerId}/owner`, supervisor, {
          ownerId: h.fixture.people.advisor.id,
        });
        await later(30 * day);
        const fresh = await inbound({
          kind: 'sms',
          from: { phone: '+33611998877', name: 'Jonas R.' },
          text: 'Hi it is Jonas again',
        });
        const target = fresh.customerId;

        const preview = await call(
          'GET',
          `/api/customers/${target}/merge-preview?sourceCustomerId=${old.customerId}`,
          advisor,
        );
        assert.equal(preview.statusCode, 200, preview.body);
        const shown = json<MergePreview>(preview);
        assert.equal(shown.defaults.nameOf, old.customerId, 'the older record’s name by default');
        assert.equal(shown.defaults.ownerOf, old.customerId);
        assert.deepEqual(shown.moves, { cases: 1, interactions: 1, workItems: 1, identities: 1 });
        assert.deepEqual(shown.identities.map((i) => i.value).sort(), [
          '+33611998877',
          'jonas.rossi@example.com',
        ]);
        assert.equal(shown.undoDays, 7);
        // Showing the preview changed nothing.
        assert.deepEqual(await customerIdOf('work_items', old.conversationId), [old.customerId]);

        const merged = await call('POST', `/api/customers/${target}/merge`, advisor, {
          sourceCustomerId: old.customerId,
        });
        assert.equal(merged.statusCode, 200, merged.body);
        const kept = json<Customer>(merged);
        assert.equal(kept.displayName, 'Jonas Rossi');
        assert.equal(kept.ownerId, h.fixture.people.advisor.id);
        assert.equal(kept.consent.email, true);
        assert.equal(kept.consent.sms, true);
        assert.deepEqual(await customerIdOf('work_items', old.conversationId), [target]);
        assert.deepEqual(await customerIdOf('conversations', old.conversationId), [target]);

        const merges = json<{ items: CustomerMerge[] }>(
          await call('GET', `/api/customers/${target}/merges`, advisor),
        ).items;
        assert.equal(merges.length, 1);
        const merge = merges[0]!;
        assert.equal(merge.mergedBy, h.fixture.people.advisor.id);
        assert.equal(merge.sourceName, 'Jonas Rossi');
        assert.deepEqual(merge.moved, { cases: 1, interactions: 1, workItems: 1, identities: 1 });
        assert.ok(merge.undoableUntil);
        const event = await h.ctx.store.db
          .selectFrom('events')
          .select(['actor_id', 'after'])
          .where('type', '=', 'customer.merged')
          .where('entity_id', '=', target)
          .executeTakeFirstOrThrow();
        assert.equal(event.actor_id, h.fixture.people.advisor.id);
        assert.equal(JSON.parse(event.after!).mergeId, merge.id);

        // A contact after the merge stays with the kept record when the merge is undone.
        const after = await inbound({
          kind: 'email',
          from: { email: 'jonas.rossi@example.com' },
          text: 'One more thing',
        });
        assert.equal(after.customerId, target);

        const refused = await call('POST', `/api/customer-merges/${merge.id}/undo`, advisor);
        assert.equal(refused.statusCode, 403, 'only a supervisor undoes a merge');
        const undone = await call('POST', `/api/customer-merges/${merge.id}/undo`, supervisor);
        assert.equal(undone.statusCode, 200, undone.body);
        assert.ok(json<CustomerMerge>(undone).undoneAt);
        const back = json<Customer>(
          await call('GET', `/api/customers/${old.customerId}`, supervisor),
        );
        assert.equal(back.mergedIntoId, null);
        assert.equal(back.displayName, 'Jonas Rossi');
        assert.deepEqual(
          back.identities.map((i) => i.value),
          ['jonas.rossi@example.com'],
        );
        const newer = json<Customer>(await call('GET', `/api/customers/${target}`, supervisor));
        assert.equal(newer.displayName, 'Jonas R.');
        assert.equal(newer.ownerId, null);
        assert.deepEqual(await customerIdOf('work_items', old.conversationId), [old.customerId]);
        assert.deepEqual(await customerIdOf('conversations', old.conversationId), [old.customerId]);
        assert.deepEqual(await customerIdOf('conversations', after.conversationId), [target]);
        const again = await call('POST', `/api/customer-merges/${merge.id}/undo`, supervisor);
        assert.equal(again.statusCode, 409, 'a merge is undone once');
      });

      test('the user may keep the newer name; after the undo window a merge stays', async () => {
        const a = await inbound({
          kind: 'email',
          from: { email: 'mia.old@example.com', name: 'Mia Old' },
          text: 'Hello',
        });
        await later(day);
        const b = await inbound({
          kind: 'email',
          from: { email: 'mia.new@example.com', name: 'Mia Newname' },
          text: 'Hello again',
        });
        const wrong = await call('POST', `/api/customers/${a.customerId}/merge`, supervisor, {
          sourceCustomerId: b.customerId,
          keepNameOf: 999_999,
        });
        assert.equal(wrong.statusCode, 422, wrong.body);
        assert.equal(
          json<{ errors: Array<{ field: string }> }>(wrong).errors[0]!.field,
          'keepNameOf',
        );
        const merged = await call('POST', `/api/customers/${a.customerId}/merge`, supervisor, {
          sourceCustomerId: b.customerId,
          keepNameOf: b.customerId,
        });
        assert.equal(json<Customer>(merged).displayName, 'Mia Newname');
        const [merge] = json<{ items: CustomerMerge[] }>(
          await call('GET', `/api/customers/${a.customerId}/merges`, supervisor),
        ).items;
        await later(8 * day);
        const late = await call('POST', `/api/customer-merges/${merge!.id}/undo`, supervisor);
        assert.equal(late.statusCode, 409, late.body);
        assert.match(late.body, /7 days/);
      });

      test('identities are added and removed with validation and uniqueness, naming the field', async () => {
        const { customerId } = await inbound({
          kind: 'email',
          from: { email: 'ida@example.com', name: 'Ida' },
          text: 'Hi',
        });
        const bad = await call('POST', `/api/customers/${customerId}/identities`, advisor, {
          email: 'not-an-address',
        });
        assert.equal(bad.statusCode, 422, bad.body);
        assert.match(bad.headers['content-type'] as string, /problem\+json/);
        assert.deepEqual(json<{ errors: unknown[] }>(bad).errors, [
          { field: 'email', reason: 'is not an email address' },
        ]);
        const badPhone = await call('POST', `/api/customers/${customerId}/identities`, advisor, {
          phone: '12',
        });
        assert.equal(
          json<{ errors: Array<{ field: string }> }>(badPhone).errors[0]!.field,
          'phone',
        );
        const taken = await call('POST', `/api/customers/${customerId}/identities`, advisor, {
          email: 'jonas.rossi@example.com',
        });
        assert.equal(taken.statusCode, 409, taken.body);
        assert.match(taken.body, /already belongs/);
        const added = await call('POST', `/api/customers/${customerId}/identities`, advisor, {
          phone: '06 12 34 56 78',
        });
        assert.equal(added.statusCode, 201, added.body);
        assert.equal(json<Customer>(added).consent.sms, null, 'a number noted is not a yes to SMS');
        const removed = await call(
          'DELETE',
          `/api/customers/${customerId}/identities?kind=phone&value=${encodeURIComponent('+33612345678')}`,
          advisor,
        );
        assert.equal(removed.statusCode, 200, removed.body);
        assert.deepEqual(
          json<Customer>(removed).identities.map((i) => i.value),
          ['ida@example.com'],
        );
        const blank = await call('PATCH', `/api/customers/${customerId}`, advisor, {
          displayName: '   ',
        });
        assert.equal(
          json<{ errors: Array<{ field: string }> }>(blank).errors[0]!.field,
          'displayName',
        );
        const noOwner = await call('PUT', `/api/customers/${customerId}/owner`, advisor, {
          ownerId: 999_999,
        });
        assert.equal(
          json<{ errors: Array<{ field: string }> }>(noOwner).errors[0]!.field,
          'ownerId',
        );
      });
    },
  );
}
