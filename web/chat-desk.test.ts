import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import type { Page } from 'playwright-core';
import { startDeskHarness, type DeskHarness } from './test-harness.ts';
import { dispatchWork } from '../src/routing/dispatch-round.ts';
import type { ServerFrame, VisitorSession } from '../src/api-types/chat.ts';

/** A website visitor on a real widget socket: what the server sent, and a way to wait for it. */
class Visitor {
  readonly frames: ServerFrame[] = [];
  private waiters: Array<() => void> = [];
  socket!: WebSocket;
  session!: VisitorSession;

  async start(baseUrl: string): Promise<this> {
    const response = await fetch(`${baseUrl}/api/widget/test-widget/visitors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(response.status, 200);
    this.session = (await response.json()) as VisitorSession;
    this.socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/widget/test-widget/socket`);
    this.socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    await once(this.socket, 'open');
    this.send({ type: 'hello', token: this.session.token, after: null });
    await this.next('welcome');
    return this;
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  async next<T extends ServerFrame['type']>(
    type: T,
    match: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = this.frames.find(
        (f) => f.type === type && match(f as Extract<ServerFrame, { type: T }>),
      );
      if (found) return found as Extract<ServerFrame, { type: T }>;
      if (Date.now() > deadline)
        throw new Error(`no ${type} frame came; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 500);
      });
    }
  }

  async say(clientId: string, text: string): Promise<{ id: number; conversationId: number }> {
    this.send({ type: 'message', clientId, text });
    return this.next('ack', (f) => f.clientId === clientId);
  }
}

describe('the live chat in the desk, in Chromium', () => {
  let h: DeskHarness;
  let advisor: Page;
  const visitors: Visitor[] = [];

  before(async () => {
    h = await startDeskHarness('chat-desk');
  });
  after(async () => {
    for (const v of visitors) v.socket.terminate();
    await h?.close();
  });

  /** Routes the visitor's chat to Léa, who accepts it from the offer in her desk. */
  async function accepted(conversationId: number): Promise<void> {
    await h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));
    const offer = advisor.getByRole('alertdialog', { name: 'New work for you' });
    await offer.waitFor();
    await offer.getByRole('button', { name: 'Accept' }).click();
    await advisor.waitForURL(`**/desk/c/${conversationId}`);
    await advisor.getByTestId('chat-panel').waitFor();
  }

  test('an advisor chats live: typing both ways, the page trail and searches, read marks, two chats, email when the visitor leaves', async () => {
    ({ page: advisor } = await h.openPage());
    const crashes: string[] = [];
    advisor.on('pageerror', (e) => crashes.push(e.message));
    await h.signIn(advisor, 'advisor');
    await advisor.waitForFunction(
      () =>
        (document.querySelector('.presence select') as HTMLSelectElement | null)?.disabled ===
        false,
    );
    await advisor.getByLabel('Presence').selectOption('available');

    const ines = await new Visitor().start(h.baseUrl);
    visitors.push(ines);
    ines.send({
      type: 'page',
      url: 'https://shop.example/search?q=roaming+prices',
      title: 'Search results',
    });
    ines.send({
      type: 'page',
      url: 'https://shop.example/plans/50gb',
      title: 'The 50 GB plan',
      referrer: 'https://shop.example/search?q=roaming+prices',
    });
    const first = await ines.say('m-1', 'Hello! Does the 50 GB plan include roaming?');
    await accepted(first.conversationId);

    const panel = advisor.getByTestId('chat-panel');
    await panel.getByText('Hello! Does the 50 GB plan include roaming?').waitFor();
    await panel.getByTestId('visitor-presence').getByText('Visitor online').waitFor();
    await panel.getByTestId('current-page').getByText('The 50 GB plan').waitFor();
    assert.equal((await panel.getByTestId('searches').innerText()).trim(), '“roaming prices”');
    assert.equal(await panel.getByTestId('page-trail').locator('li').count(), 2);
    // Léa has the case on screen: Inès hears her message was read.
    const read = await ines.next('read', (f) => f.upTo >= first.id);
    assert.equal(read.upTo, first.id);

    ines.send({ type: 'typing', typing: true });
    await panel.getByText('The visitor is typing…').waitFor();
    await h.shot(advisor, 'visitor-typing-and-page-trail');

    const composer = advisor.locator('.composer textarea');
    await composer.fill('Yes, roaming in the EU is included.');
    await ines.next('typing', (f) => f.typing && f.name === 'Léa Martin');
    await advisor.getByRole('button', { name: 'Send reply' }).click();
    const reply = await ines.next(
      'message',
      (f) => f.message.text === 'Yes, roaming in the EU is included.',
    );
    assert.equal(reply.message.author, 'advisor');
    await ines.next('typing', (f) => !f.typing);
    const readState = panel.getByTestId('read-state');
    await readState.waitFor();
    assert.notEqual((await readState.innerText()).trim(), 'seen');
    ines.send({ type: 'read', upTo: reply.message.id });
    await panel.getByTestId('read-state').getByText('seen').waitFor();
    await h.shot(advisor, 'reply-seen');

    // A second chat: both in the strip; a word from the first while on the second marks it unread.
    const hugo = await new Visitor().start(h.baseUrl);
    visitors.push(hugo);
    const second = await hugo.say('h-1', 'Hi, my SIM card does not work.');
    await accepted(second.conversationId);
    const strip = advisor.getByTestId('chat-strip');
    await strip.getByText('Chats 2 of 3').waitFor();
    await ines.say('m-2', 'And what about Switzerland?');
    const inesTab = strip.locator('a.chat-tab', { hasText: /Website visitor/ }).first();
    await strip.locator('.unread-mark').waitFor();
    await h.shot(advisor, 'two-chats-one-unread');
    await strip.locator('a.chat-tab.unread').click();
    await advisor.waitForURL(`**/desk/c/${first.conversationId}`);
    await panel.getByText('And what about Switzerland?').waitFor();
    assert.equal(await strip.locator('.unread-mark').count(), 0);
    assert.ok(await inesTab.isVisible());

    // Inès leaves an address and goes: the transcript goes there, and Léa answers by email.
    const left = await fetch(`${h.baseUrl}/api/widget/test-widget/continue-by-email`, {
      method: 'POST',
      headers: {
        authorization: `Visitor ${ines.session.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ email: 'ines@example.test' }),
    });
    assert.equal(left.status, 202);
    // The address reaches the desk live (the case's tag and the customer's email): the button wakes.
    const transcript = panel.locator('button:enabled', { hasText: 'Email transcript' });
    await transcript.waitFor();
    await transcript.click();
    await panel.getByText('The transcript is on its way to the customer by email.').waitFor();
    ines.socket.close();
    await panel.getByTestId('visitor-presence').getByText('Visitor offline').waitFor();
    await panel.getByRole('button', { name: 'Answer by email' }).click();
    assert.equal(await advisor.getByLabel('Reply on').inputValue(), 'email');
    await h.shot(advisor, 'visitor-gone-answer-by-email');
    const sent = await h.ctx.store.db
      .selectFrom('interactions')
      .select(['to_address', 'automated'])
      .where('conversation_id', '=', first.conversationId)
      .where('kind', '=', 'email')
      .execute();
    assert.deepEqual(sent, [{ to_address: 'ines@example.test', automated: 1 }]);
    assert.deepEqual(crashes, [], 'the desk never crashed');
  });
});
