import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../../test/databases.ts';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { Conflict, Invalid } from '../platform/errors.ts';
import {
  budgetLeft,
  decide,
  decideAuthority,
  expireAuthority,
  monthOf,
  recordBilling,
  requestAuthority,
  setBudget,
  setLimit,
  type AuthorityRequest,
  type Requester,
} from './authority.ts';

const HOUR = 3_600_000;

test('the verdict: within the limit and the budget is granted; above either waits, saying which', () => {
  assert.deepEqual(decide(2_000, 5_000, undefined), { grant: true });
  assert.deepEqual(decide(5_000, 5_000, 5_000), { grant: true });
  assert.deepEqual(decide(5_001, 5_000, undefined), { grant: false, waitsFor: 'over_limit' });
  assert.deepEqual(decide(2_000, 5_000, 1_999), { grant: false, waitsFor: 'over_budget' });
  assert.equal(monthOf(Date.UTC(2026, 10, 30, 23, 30), 'Europe/Madrid'), '2026-12');
});

for (const database of await testDatabases()) {
  describe(`authority to settle on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let advisor: Requester;
    const zone = 'Europe/Madrid';
    let conversationId = 0;

    before(async () => {
      h = await startHarness(await database.open());
      advisor = { id: h.fixture.people.advisor.id, role: 'advisor', teamId: h.fixture.teams.care };
      const opened = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: `authority-${database.name}@example.com` },
          text: 'charged twice',
        },
      });
      assert.equal(opened.statusCode, 201, opened.body);
      conversationId = json<{ conversationId: number }>(opened).conversationId;
      const admin = { type: 'advisor' as const, id: h.fixture.people.admin.id };
      await h.ctx.writer.run(async (unit) => {
        await setLimit(unit, { role: 'advisor' }, 'goodwill_credit', 'EUR', 5_000, admin);
        await setLimit(unit, { advisorId: advisor.id }, 'refund', 'EUR', 20_000, admin);
        await setBudget(
          unit,
          h.fixture.teams.care,
          monthOf(h.clock.now(), zone),
          'EUR',
          12_000,
          admin,
        );
      });
    });
    after(async () => h?.close());

    const ask = (request: Partial<AuthorityRequest>, who: Requester = advisor) =>
      h.ctx.writer.run((unit) =>
        requestAuthority(
          unit,
          {
            conversationId,
            kind: 'goodwill_credit',
            amountMinor: 1_000,
            currency: 'EUR',
            reason: 'charged twice',
            ...request,
          },
          who,
          { timeZone: zone, approvalTtlMs: 2 * HOUR },
        ),
      );
    const left = () =>
      budgetLeft(h.ctx.store.db, h.fixture.teams.care, monthOf(h.clock.now(), zone), 'EUR');
    const eventsOf = (id: number) =>
      h.ctx.store.db
        .selectFrom('events')
        .select(['type', 'after'])
        .where('entity_type', '=', 'authority_action')
        .where('entity_id', '=', id)
        .orderBy('id')
        .execute();

    test('within the role’s limit and the budget: granted at once, the budget drawn, billing told', async () => {
      const before = (await left())!;
      const granted = await ask({ amountMinor: 2_500 });
      assert.equal(granted.state, 'granted');
      assert.equal(await left(), before - 2_500);
      const [event] = await eventsOf(granted.id);
      assert.equal(event!.type, 'authority.granted');
      const audit = JSON.parse(event!.after!) as Record<string, unknown>;
      assert.equal(audit.amountMinor, 2_500);
      assert.equal(audit.currency, 'EUR');
      assert.equal(audit.conversationId, conversationId);
      assert.equal(audit.advisorId, advisor.id);
      assert.equal(audit.budgetLeftMinor, before - 2_500);
    });

    test('a person’s own limit wins over the role’s; above it the action waits, the budget untouched', async () => {
      const before = await left();
      assert.equal((await ask({ kind: 'refund', amountMinor: 4_000 })).state, 'granted');
      const waiting = await ask({ kind: 'goodwill_credit', amountMinor: 6_000 });
      assert.equal(waiting.state, 'pending');
      assert.equal(waiting.waits_for, 'over_limit');
      assert.equal(Number(waiting.expires_at), h.clock.now() + 2 * HOUR);
      assert.equal(await left(), before! - 4_000);
      assert.equal((await eventsOf(waiting.id))[0]!.type, 'authority.requested');
    });

    test('no limit set for a kind: everything of it waits for approval', async () => {
      const waiting = await ask({ kind: 'replacement', amountMinor: 100 });
      assert.equal(waiting.state, 'pending');
      assert.equal(waiting.waits_for, 'over_limit');
    });

    test('approved by a supervisor: drawn on the budget and sent to billing; refused needs a note', async () => {
      const waiting = await ask({ amountMinor: 5_500 });
      const supervisor = h.fixture.people.supervisor.id;
      await assert.rejects(
        h.ctx.writer.run((unit) =>
          decideAuthority(unit, waiting.id, { approve: false, note: ' ' }, supervisor),
        ),
        (e: unknown) => e instanceof Invalid,
      );
      const before = (await left())!;
      const approved = await h.ctx.writer.run((unit) =>
        decideAuthority(
          unit,
          waiting.id,
          { approve: true, note: 'long-standing customer' },
          supervisor,
        ),
      );
      assert.equal(approved.state, 'approved');
      assert.equal(Number(approved.decided_by), supervisor);
      assert.equal(await left(), before - 5_500);
      assert.deepEqual(
        (await eventsOf(waiting.id)).map((e) => e.type),
        ['authority.requested', 'authority.granted'],
      );
      await assert.rejects(
        h.ctx.writer.run((unit) =>
          decideAuthority(unit, waiting.id, { approve: true, note: '' }, supervisor),
        ),
        (e: unknown) => e instanceof Conflict,
        'decided once',
      );

      const other = await ask({ amountMinor: 7_000 });
      const refused = await h.ctx.writer.run((unit) =>
        decideAuthority(
          unit,
          other.id,
          { approve: false, note: 'offer a voucher instead' },
          supervisor,
        ),
      );
      assert.equal(refused.state, 'refused');
      assert.equal(refused.decision_note, 'offer a voucher instead');
    });

    test('an exhausted budget: a grant within the limit waits, and an approval it cannot cover is refused', async () => {
      const rest = (await left())!;
      assert.ok(rest < 5_000, `left ${rest}`);
      const waiting = await ask({ amountMinor: rest + 1 });
      assert.equal(waiting.state, 'pending');
      assert.equal(waiting.waits_for, 'over_budget');
      await assert.rejects(
        h.ctx.writer.run((unit) =>
          decideAuthority(
            unit,
            waiting.id,
            { approve: true, note: '' },
            h.fixture.people.supervisor.id,
          ),
        ),
        (e: unknown) => e instanceof Conflict && /budget/.test(e.message),
      );
      assert.equal(await left(), rest, 'nothing drawn');
    });

    test('an approval not given in time expires, once', async () => {
      const waiting = await ask({ amountMinor: 9_000 });
      h.clock.advance(2 * HOUR);
      assert.ok((await h.ctx.writer.run((unit) => expireAuthority(unit))) >= 1);
      const [row] = await h.ctx.store.db
        .selectFrom('authority_actions')
        .select('state')
        .where('id', '=', waiting.id)
        .execute();
      assert.equal(row!.state, 'expired');
      assert.equal(await h.ctx.writer.run((unit) => expireAuthority(unit)), 0);
      await assert.rejects(
        h.ctx.writer.run((unit) =>
          decideAuthority(
            unit,
            waiting.id,
            { approve: true, note: '' },
            h.fixture.people.supervisor.id,
          ),
        ),
        (e: unknown) => e instanceof Conflict,
      );
    });

    test('billing answers once: the same answer again changes nothing, another is refused', async () => {
      // The budget raised: what is used stays used, the rest is there again.
      await h.ctx.writer.run((unit) =>
        setBudget(unit, h.fixture.teams.care, monthOf(h.clock.now(), zone), 'EUR', 100_000, {
          type: 'advisor',
          id: h.fixture.people.admin.id,
        }),
      );
      const granted = await ask({ amountMinor: 100 });
      assert.equal(granted.state, 'granted');
      const gateway = { type: 'advisor' as const, id: h.fixture.people.gateway.id };
      const applied = await h.ctx.writer.run((unit) =>
        recordBilling(unit, granted.id, { applied: true, detail: 'credit note 88' }, gateway),
      );
      assert.equal(applied.billing_state, 'applied');
      await h.ctx.writer.run((unit) => recordBilling(unit, granted.id, { applied: true }, gateway));
      assert.deepEqual(
        (await eventsOf(granted.id)).map((e) => e.type),
        ['authority.granted', 'authority.billed'],
      );
      await assert.rejects(
        h.ctx.writer.run((unit) => recordBilling(unit, granted.id, { applied: false }, gateway)),
        (e: unknown) => e instanceof Conflict,
      );
    });

    test('bad money and terms are refused, naming the field', async () => {
      for (const [request, field] of [
        [{ amountMinor: 10.5 }, 'amountMinor'],
        [{ amountMinor: 0 }, 'amountMinor'],
        [{ currency: 'euro' }, 'currency'],
        [{ reason: '   ' }, 'reason'],
        [{ kind: 'contract_offer' as const }, 'terms'],
        [
          {
            kind: 'contract_offer' as const,
            terms: { months: 12, cancelWindowDays: 14, discountPercent: 140 },
          },
          'terms.discountPercent',
        ],
      ] as const) {
        await assert.rejects(
          ask(request),
          (e: unknown) => e instanceof Invalid && e.message.startsWith(`${field}:`),
          field,
        );
      }
      const contract = await ask({
        kind: 'contract_offer',
        amountMinor: 100,
        terms: { months: 12, cancelWindowDays: 14, discountPercent: 10 },
      });
      assert.deepEqual(JSON.parse(contract.terms), {
        months: 12,
        cancelWindowDays: 14,
        discountPercent: 10,
      });
    });
  });
}
