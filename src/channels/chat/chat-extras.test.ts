import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { createChannelAccount } from '../channel-accounts.ts';
import { createSecretBox } from '../../platform/secrets.ts';
import { systemActor } from '../../platform/events/event.ts';
import type { ChatUpload, ServerFrame, VisitorSession } from '../../api-types/chat.ts';
import { setPresence } from '../../routing/presence.ts';
import { dispatchWork } from '../../routing/dispatch-round.ts';
import { acceptOffer } from '../../routing/offers.ts';
import { userHashOf } from './visitors.ts';

const secretKey = 'a-secret-key-for-chat-extras-tests-0123';
const identitySecret = 'the-company-signs-its-user-ids-with-this';
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('a tiny picture'),
]);

/** Frames as they arrive on one widget socket, and a way to wait for the first that matches. */
class Tab {
  readonly frames: ServerFrame[] = [];
  private waiters: Array<{ match: (f: ServerFrame) => boolean; resolve: () => void }> = [];
  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame);
      this.waiters = this.waiters.filter((w) => {
        if (!this.frames.some(w.match)) return true;
        w.resolve();
        return false;
      });
    });
  }
  async next<T extends ServerFrame['type']>(
    type: T,
    match: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const test = (f: ServerFrame): boolean =>
      f.type === type && match(f as Extract<ServerFrame, { type: T }>);
    if (!this.frames.some(test))
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no such ${type} frame; got ${JSON.stringify(this.frames)}`)),
          20_000,
        );
        this.waiters.push({
          match: test,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    return this.frames.filter(test).at(-1) as Extract<ServerFrame, { type: T }>;
  }
  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }
}

for (const database of await testDatabases()) {
  describe(
    `waiting, offline, files and transcripts of the website chat on ${database.name}`,
    {
      skip: database.skip,
    },
    () => {
      let h: Harness;
      let port: number;
      const keys = { open: 'extras-site', strict: 'extras-strict' };
      const tabs: Tab[] = [];

      before(async () => {
        h = await startHarness(await database.open(), {
          config: { secretKey, publicRateLimitPerMinute: 0 },
        });
        const box = createSecretBox(secretKey);
        await h.ctx.writer.run(async (unit) => {
          for (const [address, settings] of [
            [keys.open, { longWaitMs: 120_000, maxAttachmentBytes: 1000 }],
            [keys.strict, { identityRequired: true }],
          ] as const)
            await createChannelAccount(
              unit,
              box,
              {
                channel: 'chat',
                provider: 'widget',
                displayName: `Chat ${address}`,
                address,
                teamId: h.fixture.teams.care,
                settings,
                secrets: { identitySecret },
              },
              systemActor,
            );
        });
        await h.app.listen({ port: 0, host: '127.0.0.1' });
        port = (h.app.server.address() as AddressInfo).port;
      });
      after(async () => {
        for (const tab of tabs) tab.socket.terminate();
        await h?.close();
      });

      const startVisitor = async (key = keys.open, body: Record<string, unknown> = {}) => {
        const response = await h.app.inject({
          method: 'POST',
          url: `/api/widget/${key}/visitors`,
          payload: body,
        });
        assert.equal(response.statusCode, 200, response.body);
        return json<VisitorSession>(response);
      };
      const connect = async (token: string) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/api/widget/${keys.open}/socket`);
        const tab = new Tab(socket);
        tabs.push(tab);
        await once(socket, 'open');
        tab.send({ type: 'hello', token, after: null });
        await tab.next('welcome');
        return tab;
      };
      const post = (path: string, token: string, payload: unknown, key = keys.open) =>
        h.app.inject({
          method: 'POST',
          url: `/api/widget/${key}/${path}`,
          headers: { authorization: `Visitor ${token}` },
          payload: payload as Record<string, unknown>,
        });
      /** A visitor who has written once: their chat waits in the queue. */
      const waitingVisitor = async () => {
        const session = await startVisitor();
        const tab = await connect(session.token);
        tab.send({ type: 'message', clientId: 'first', text: 'Hello, is anyone there?' });
        const ack = await tab.next('ack');
        return { session, tab, conversationId: ack.conversationId };
      };
      const itemOf = (conversationId: number) =>
        h.ctx.store.db
          .selectFrom('work_items')
          .selectAll()
          .where('conversation_id', '=', conversationId)
          .executeTakeFirstOrThrow();
      const problem = (response: Parameters<typeof json>[0]) =>
        json<{ type: string }>(response).type;

      test('a waiting visitor sees their place and the estimate, on hello and as the queue moves; a callback keeps the place', async () => {
        const { session, tab, conversationId } = await waitingVisitor();
        const first = await tab.next('waiting');
        assert.deepEqual(first, {
          type: 'waiting',
          position: 1,
          estimatedWaitMs: null,
          offerCallback: true,
          offerEmail: true,
        });
        // Another tab of the visitor hears the same on hello.
        const second = await connect(session.token);
        assert.deepEqual(await second.next('waiting'), first);

        const { advisor } = h.fixture.people;
        await h.ctx.writer.run((unit) =>
          setPresence(unit, advisor.id, 'available', { type: 'advisor', id: advisor.id }),
        );
        // Someone on shift with a free chat slot: next, no wait, nothing to offer instead.
        const moved = await tab.next('waiting', (f) => f.estimatedWaitMs === 0);
        assert.deepEqual(moved, {
          type: 'waiting',
          position: 1,
          estimatedWaitMs: 0,
          offerCallback: false,
          offerEmail: false,
        });
        await h.ctx.writer.run((unit) =>
          setPresence(unit, advisor.id, 'offline', { type: 'advisor', id: advisor.id }),
        );

        const before = await itemOf(conversationId);
        const callback = await post('callback', session.token, { phone: '06 12 34 56 78' });
        assert.equal(callback.statusCode, 202, callback.body);
        const after = await itemOf(conversationId);
        assert.deepEqual(
          [after.id, after.kind, after.callback_number, after.deadline_at],
          [before.id, 'callback', '+33612345678', before.deadline_at],
        );
        const again = await post('callback', session.token, { phone: '06 12 34 56 78' });
        assert.equal(again.statusCode, 409);
        assert.equal(problem(again), 'https://rapport.dev/problems/chat-not-waiting');
        const bad = await post('callback', session.token, { phone: 'call me' });
        assert.equal(bad.statusCode, 422, bad.body);
      });

      test('a chat whose advisor closed their desk goes back to the queue, and the visitor is told they wait again', async () => {
        // Earlier tests' work (a callback) would be offered first: only this chat is in play here.
        await h.ctx.store.db
          .updateTable('work_items')
          .set({ status: 'withdrawn' })
          .where('status', 'in', ['waiting', 'offered', 'assigned'])
          .execute();
        const { tab, conversationId } = await waitingVisitor();
        const { advisor } = h.fixture.people;
        await h.ctx.writer.run((unit) =>
          setPresence(unit, advisor.id, 'available', { type: 'advisor', id: advisor.id }),
        );
        const desk = new WebSocket(`ws://127.0.0.1:${port}/api/live`, {
          headers: { cookie: await h.signIn(advisor.email) },
        });
        await once(desk, 'message');
        await h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));
        const item = await itemOf(conversationId);
        assert.equal(item.status, 'offered');
        await h.ctx.writer.run((unit) => acceptOffer(unit, item.id, advisor.id));
        await tab.next('advisor');
        const seen = tab.frames.length;
        h.clock.advance(1_000);
        desk.close();
        await once(desk, 'close');
        // The close is marked from the server's side of the socket: wait until it is stored.
        for (let i = 0; i < 200; i++) {
          const state = await h.ctx.store.db
            .selectFrom('advisor_states')
            .select('desk_seen_at')
            .where('advisor_id', '=', advisor.id)
            .executeTakeFirstOrThrow();
          if (Number(state.desk_seen_at) === h.clock.now()) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        h.clock.advance(60_000);
        await h.ctx.writer.run((unit) => dispatchWork(unit, h.ctx.store.dialect));
        assert.equal((await itemOf(conversationId)).status, 'waiting');
        const again = await tab.next('waiting', () => tab.frames.length > seen);
        assert.equal(again.position, 1);
        await h.ctx.writer.run((unit) =>
          setPresence(unit, advisor.id, 'offline', { type: 'advisor', id: advisor.id }),
        );
      });

      test('continue by email: the address is kept unverified and the case tagged, the chat keeps its place', async () => {
        const { session, conversationId } = await waitingVisitor();
        const before = await itemOf(conversationId);
        const response = await post('continue-by-email', session.token, {
          email: 'Later@Example.test',
        });
        assert.equal(response.statusCode, 202, response.body);
        const conversation = json<{ tags: string[]; customerId: number }>(
          await h.app.inject({
            url: `/api/conversations/${conversationId}`,
            headers: { cookie: await h.signIn(h.fixture.people.advisor.email) },
          }),
        );
        assert.deepEqual(conversation.tags, ['answer-by-email']);
        const emails = await h.ctx.store.db
          .selectFrom('identities')
          .select(['network', 'value'])
          .where('customer_id', '=', conversation.customerId)
          .where('kind', '=', 'email')
          .execute();
        assert.deepEqual(emails, [{ network: 'unverified', value: 'later@example.test' }]);
        assert.deepEqual(await itemOf(conversationId), before);
        const nobody = await startVisitor();
        const early = await post('continue-by-email', nobody.token, { email: 'a@example.test' });
        assert.equal(early.statusCode, 422, 'nothing to continue before the first message');
      });

      test('the offline form becomes a case answered by email, by a time it names; a resend is the same case', async () => {
        const session = await startVisitor();
        const form = { name: 'Jan', email: 'jan@example.test', text: 'Do you ship to Belgium?' };
        const response = await post('offline', session.token, form);
        assert.equal(response.statusCode, 201, response.body);
        const receipt = json<{ conversationId: number; answerBy: string }>(response);
        // No hours set: from now, plus email's 4-hour promise.
        assert.equal(receipt.answerBy, new Date(h.clock.now() + 4 * 3_600_000).toISOString());
        const again = await post('offline', session.token, form);
        assert.equal(again.statusCode, 200);
        assert.deepEqual(json(again), receipt);
        const conversation = await h.ctx.store.db
          .selectFrom('conversations')
          .select(['origin_channel', 'team_id'])
          .where('id', '=', receipt.conversationId)
          .executeTakeFirstOrThrow();
        assert.deepEqual(conversation, { origin_channel: 'email', team_id: h.fixture.teams.care });
        const invalid = await post('offline', session.token, { ...form, email: 'not an address' });
        assert.equal(invalid.statusCode, 422);
      });

      test('a file of an allowed type and size is stored with an inert name and can go with a message; others are refused', async () => {
        const { session } = await waitingVisitor();
        const upload = (body: Buffer, type: string, name?: string, token = session.token) =>
          h.app.inject({
            method: 'POST',
            url: `/api/widget/${keys.open}/uploads`,
            headers: {
              authorization: `Visitor ${token}`,
              'content-type': type,
              ...(name ? { 'x-file-name': name } : {}),
            },
            payload: body,
          });
        const taken = await upload(png, 'image/png', encodeURIComponent('../été\u202Egnp.exe'));
        assert.equal(taken.statusCode, 201, taken.body);
        const file = json<ChatUpload>(taken);
        assert.deepEqual(
          { ...file, id: file.id.length },
          {
            id: 64,
            name: 'étégnp.exe',
            contentType: 'image/png',
            size: png.length,
          },
        );
        const svg = await upload(Buffer.from('<svg onload="alert(1)"/>'), 'image/svg+xml', 'x.svg');
        assert.equal(svg.statusCode, 422);
        assert.equal(problem(svg), 'https://rapport.dev/problems/attachment-refused');
        const disguised = await upload(Buffer.from('<html><script>'), 'image/png', 'x.png');
        assert.equal(problem(disguised), 'https://rapport.dev/problems/attachment-refused');
        const large = await upload(
          Buffer.concat([png, Buffer.alloc(1000)]),
          'image/png',
          'big.png',
        );
        assert.equal(problem(large), 'https://rapport.dev/problems/attachment-refused');
        const anonymous = await upload(png, 'image/png', 'x.png', 'not-a-token');
        assert.equal(anonymous.statusCode, 401);

        const sent = await post('messages', session.token, {
          clientId: 'with-file',
          text: 'Here is the photo',
          attachments: [file],
        });
        assert.ok([200, 201].includes(sent.statusCode), sent.body);
        const { id } = json<{ id: number }>(sent);
        const download = await h.app.inject({
          url: `/api/interactions/${id}/attachments/0`,
          headers: { cookie: await h.signIn(h.fixture.people.advisor.email) },
        });
        assert.equal(download.statusCode, 200);
        assert.deepEqual(download.rawPayload, png);
        assert.match(String(download.headers['content-disposition']), /^attachment; /);
      });

      test('the transcript goes to the address the visitor gives, or from the desk to the customer’s, once', async () => {
        const { session, conversationId } = await waitingVisitor();
        const cookie = await h.signIn(h.fixture.people.advisor.email);
        const reply = await h.app.inject({
          method: 'POST',
          url: `/api/conversations/${conversationId}/interactions`,
          headers: { cookie },
          payload: { kind: 'chat_message', text: 'Hello! How can I help?' },
        });
        assert.equal(reply.statusCode, 201, reply.body);
        const desk = (who = cookie) =>
          h.app.inject({
            method: 'POST',
            url: `/api/conversations/${conversationId}/transcript`,
            headers: { cookie: who },
            payload: {},
          });
        const none = await desk();
        assert.equal(none.statusCode, 422);
        assert.equal(problem(none), 'https://rapport.dev/problems/no-email-address');
        const widget = await post('transcript', session.token, { email: 'me@example.test' });
        assert.equal(widget.statusCode, 202, widget.body);
        const fromDesk = await desk();
        assert.equal(fromDesk.statusCode, 202, fromDesk.body);
        const sent = await h.ctx.store.db
          .selectFrom('interactions')
          .select(['to_address', 'automated', 'kind', 'text'])
          .where('conversation_id', '=', conversationId)
          .where('kind', '=', 'email')
          .execute();
        assert.equal(sent.length, 1, 'the desk’s ask, with nothing new said, is the same email');
        assert.equal(sent[0]!.to_address, 'me@example.test');
        assert.match(sent[0]!.text, /You:\nHello, is anyone there\?/);
        const events = await h.ctx.store.db
          .selectFrom('events')
          .select('type')
          .where('type', '=', 'chat.transcript-sent')
          .where('conversation_id', '=', conversationId)
          .execute();
        assert.equal(events.length, 1);
        const otherTeam = await desk(await h.signIn(h.fixture.people.techAdvisor.email));
        assert.equal(otherTeam.statusCode, 404, 'another team’s case is not there');
      });

      test('where the account requires identity, every one of these endpoints refuses a missing or wrong hash', async () => {
        const userId = 'user-42';
        const userHash = userHashOf(identitySecret, userId);
        const session = await startVisitor(keys.strict, { userId, userHash });
        const calls: Array<[string, unknown]> = [
          ['offline', { email: 'a@example.test', text: 'hi' }],
          ['callback', { phone: '+33612345678' }],
          ['continue-by-email', { email: 'a@example.test' }],
          ['transcript', {}],
        ];
        for (const [path, body] of calls) {
          for (const identity of [
            {},
            { 'x-rapport-user-id': userId, 'x-rapport-user-hash': '0'.repeat(64) },
          ]) {
            const response = await h.app.inject({
              method: 'POST',
              url: `/api/widget/${keys.strict}/${path}`,
              headers: { authorization: `Visitor ${session.token}`, ...identity },
              payload: body as Record<string, unknown>,
            });
            assert.equal(response.statusCode, 401, `${path}: ${response.body}`);
          }
        }
        const upload = await h.app.inject({
          method: 'POST',
          url: `/api/widget/${keys.strict}/uploads`,
          headers: { authorization: `Visitor ${session.token}`, 'content-type': 'image/png' },
          payload: png,
        });
        assert.equal(upload.statusCode, 401);
        const verified = await h.app.inject({
          method: 'POST',
          url: `/api/widget/${keys.strict}/offline`,
          headers: {
            authorization: `Visitor ${session.token}`,
            'x-rapport-user-id': userId,
            'x-rapport-user-hash': userHash,
          },
          payload: { email: 'a@example.test', text: 'hi' },
        });
        assert.equal(verified.statusCode, 201, verified.body);
      });
    },
  );
}
