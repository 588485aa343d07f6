import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { dispatchWork } from '../src/routing/dispatch-round.ts';
import { requestCallback } from '../src/routing/callbacks.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { createChannelAccount } from '../src/channels/channel-accounts.ts';
import { linkCall, moveCall, openCall } from '../src/channels/twilio/calls.ts';

/**
 * Calls on the desk in Chromium: the incoming-call card with the caller's whole story before
 * answering, the wrap-up after the call (a hard call gives recovery time), the call on the timeline,
 * and the callbacks due with their real wait and a one-click "Call back". One server and browser.
 */
describe('calls on the desk in Chromium', { timeout: 60_000 }, () => {
  let h: DeskHarness;
  let advisor: Page;
  let sequence = 0;

  before(async () => {
    fs.rmSync(path.resolve(import.meta.dirname, '../test-artifacts/calls-desk'), {
      recursive: true,
      force: true,
    });
    h = await startDeskHarness('calls-desk');
    await h.ctx.writer.run(async (unit) => {
      await createChannelAccount(
        unit,
        createSecretBox(h.ctx.config.secretKey),
        {
          channel: 'voice',
          provider: 'twilio',
          displayName: 'Care line',
          address: '+33100000001',
          teamId: h.teamId,
          settings: {
            baseUrl: 'http://127.0.0.1:9',
            accountSid: 'AC00000000000000000000000000000001',
          },
          secrets: { authToken: 'a test auth token' },
        },
        systemActor,
      );
      await unit.db
        .insertInto('advisor_lines')
        .values({ advisor_id: h.people.advisor.id, address: '+33100000099', updated_at: unit.now })
        .execute();
    });
    // Camille wrote last week: her story is what the advisor sees before picking up.
    const earlier = await h.inbound({
      kind: 'email',
      from: { email: 'camille.martin@example.com', phone: '+33612000201', name: 'Camille Martin' },
      subject: 'Router keeps dropping',
      text: 'My router drops the connection every evening.',
      occurredAt: new Date(Date.now() - 5 * 86_400_000).toISOString(),
    });
    // That case was dealt with then: nothing of it waits now.
    await h.ctx.store.db
      .updateTable('work_items')
      .set({ status: 'done', completed_at: Date.now() })
      .where('conversation_id', '=', earlier.conversationId)
      .execute();
    ({ page: advisor } = await h.openPage({ viewport: { width: 1280, height: 900 } }));
    await h.signIn(advisor, 'advisor');
    await advisor.waitForFunction(
      () =>
        (document.querySelector('.presence select') as HTMLSelectElement | null)?.disabled ===
        false,
    );
    await advisor.getByLabel('Presence').selectOption('available');
    await advisor.waitForFunction(
      () => (document.querySelector('.presence select') as HTMLSelectElement).value === 'available',
    );
  });
  after(() => h?.close());

  /** A customer calls; the call is stored and linked to its case as the voice webhook does. */
  async function call(phone: string, name: string) {
    const contact = await h.inbound({ kind: 'call', from: { phone, name }, text: 'Incoming call' });
    await h.ctx.writer.drain();
    const item = await h.ctx.store.db
      .selectFrom('work_items')
      .selectAll()
      .where('conversation_id', '=', contact.conversationId)
      .where('status', 'in', ['waiting', 'offered', 'assigned'])
      .executeTakeFirstOrThrow();
    const callId = await h.ctx.writer.run(async (unit) => {
      const opened = await openCall(unit, {
        provider: 'pbx',
        providerCallId: `browser-${++sequence}`,
        accountId: null,
        direction: 'inbound',
        from: phone,
        to: '+33100000001',
        state: 'ringing',
        at: unit.now,
      });
      await linkCall(unit, opened.id, {
        customer_id: contact.customerId,
        conversation_id: contact.conversationId,
        interaction_id: contact.interactionId,
        work_item_id: item.id,
      });
      return opened.id;
    });
    return { ...contact, itemId: item.id, callId };
  }

  const callRow = (unit: { db: DeskHarness['ctx']['store']['db'] }, id: number) =>
    unit.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  test('an offered call shows the caller and their whole timeline; after it, the wrap-up is kept and shown on the timeline', async () => {
    const camille = await call('+33612000201', 'Camille Martin');
    await h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));
    const card = advisor.getByRole('alertdialog', { name: /Incoming call/ });
    await card.waitFor();
    await card.getByText('Camille Martin').first().waitFor();
    // Her email of last week, before answering.
    await card.getByText('My router drops the connection every evening.').waitFor();
    await h.shot(advisor, 'incoming-call-card');

    await card.getByRole('button', { name: 'Accept' }).click();
    await advisor.locator(`.timeline [data-call="${camille.callId}"]`).first().waitFor();
    const advisorId = h.people.advisor.id;
    await h.ctx.writer.run(async (unit) => {
      await moveCall(
        unit,
        await callRow(unit, camille.callId),
        { state: 'in-progress', advisorId },
        systemActor,
      );
    });
    await h.ctx.writer.run(async (unit) => {
      await moveCall(
        unit,
        await callRow(unit, camille.callId),
        { state: 'completed', durationSeconds: 185 },
        systemActor,
      );
    });
    await advisor.reload();
    const entry = advisor.locator(`[data-call="${camille.callId}"]`);
    await entry.getByText('3 min 05 s').waitFor();
    await entry.getByText(/with /).waitFor();
    const form = entry.getByRole('form', { name: 'Wrap up the call' });
    await form.getByLabel('Outcome').selectOption('follow-up');
    await form
      .getByLabel('Notes')
      .fill('Router replaced on Friday; she will call if it drops again.');
    await form.getByLabel(/This was a hard call/).check();
    await h.shot(advisor, 'wrap-up');
    await form.getByRole('button', { name: 'Save wrap-up' }).click();
    await entry.getByText('Follow-up needed').waitFor();
    await entry.getByText('· hard call').waitFor();
    await entry.getByText('Router replaced on Friday; she will call if it drops again.').waitFor();

    const stored = await h.ctx.store.db
      .selectFrom('call_wrap_ups')
      .selectAll()
      .where('call_id', '=', camille.callId)
      .executeTakeFirstOrThrow();
    assert.equal(stored.outcome, 'follow-up');
    assert.equal(Number(stored.hard), 1);
    const state = await h.ctx.store.db
      .selectFrom('advisor_states')
      .select('recovery_until')
      .where('advisor_id', '=', advisorId)
      .executeTakeFirstOrThrow();
    assert.ok(Number(state.recovery_until) > Date.now(), 'a hard call gives recovery time');
    // Still there after a reload: it is the timeline's, not the form's.
    await advisor.reload();
    await entry.getByText('Follow-up needed').waitFor();
    await h.shot(advisor, 'call-on-the-timeline');
  });

  test('the callbacks due show their real wait; "Call back" queues the call to the customer', async () => {
    const hugo = await call('+33612000202', 'Hugo Petit');
    await h.ctx.writer.run((unit) =>
      requestCallback(unit, hugo.itemId, '+33612000202', systemActor),
    );
    // The caller first called 12 minutes ago: the callback keeps that place and that wait.
    await h.ctx.store.db
      .updateTable('work_items')
      .set({ created_at: Date.now() - 12 * 60_000 })
      .where('id', '=', hugo.itemId)
      .execute();
    await advisor.goto(`${h.baseUrl}/desk/`);
    const due = advisor.getByRole('region', { name: /Callbacks due/ });
    const line = due.locator(`[data-callback="${hugo.itemId}"]`);
    await line.getByText('Hugo Petit').waitFor();
    await line.getByText('waiting 12 min').waitFor();
    await h.shot(advisor, 'callbacks-due');
    await line.getByRole('button', { name: 'Call back' }).click();
    await line
      .getByRole('status')
      .getByText(/Calling Hugo Petit/)
      .waitFor();
    const job = await h.ctx.store.db
      .selectFrom('jobs')
      .select(['type', 'payload'])
      .where('type', '=', 'twilio.call')
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(job.payload), {
      itemId: hugo.itemId,
      accountId: (JSON.parse(job.payload) as { accountId: number }).accountId,
      advisorId: h.people.advisor.id,
    });
    const item = await h.ctx.store.db
      .selectFrom('work_items')
      .select(['status', 'advisor_id'])
      .where('id', '=', hugo.itemId)
      .executeTakeFirstOrThrow();
    assert.equal(item.status, 'assigned');
    assert.equal(Number(item.advisor_id), h.people.advisor.id);
  });

  test('the wall shows the callbacks waiting and their real wait', async () => {
    const ines = await call('+33612000203', 'Inès Dubois');
    await h.ctx.writer.run((unit) =>
      requestCallback(unit, ines.itemId, '+33612000203', systemActor),
    );
    await h.ctx.store.db
      .updateTable('work_items')
      .set({ created_at: Date.now() - 7 * 60_000 })
      .where('id', '=', ines.itemId)
      .execute();
    const { page: supervisor } = await h.openPage({ viewport: { width: 1280, height: 900 } });
    await h.signIn(supervisor, 'supervisor');
    await supervisor.goto(`${h.baseUrl}/desk/wall`);
    const panel = supervisor.getByRole('region', { name: 'Callbacks waiting' });
    await panel.getByTestId('callbacks-waiting').getByText('longest real wait 7 min').waitFor();
    assert.match((await panel.getByTestId('callbacks-waiting').textContent()) ?? '', /^1 waiting/);
    await panel.getByText('Inès Dubois').waitFor();
    await h.shot(supervisor, 'wall-callbacks');
  });
});
