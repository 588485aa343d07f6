import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { testDatabases, testNats } from './databases.ts';
import { startHarness, type Harness } from './harness.ts';
import { natsBus } from '../src/platform/events/bus.ts';
import { loadConfig } from '../src/platform/config.ts';
import type { Context } from '../src/platform/context.ts';
import { buildServer, closeContext, createContext } from '../src/server.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { recordBoardCall } from '../src/shops/board-calls.ts';
import type { BoardFrame } from '../src/api-types/tickets.ts';

const databases = await testDatabases();
const nats = await testNats();

/** The frames one board socket received, and a way to wait for the next of a type. */
class Board {
  readonly frames: BoardFrame[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as BoardFrame);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }
  async until(test: (frames: readonly BoardFrame[]) => boolean, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test(this.frames)) {
      if (Date.now() > deadline)
        throw new Error(`board frames: ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}

/**
 * Two servers on one PostgreSQL with NATS between them: a board connected to either node sees the
 * calls made on the other, in the order they were made.
 */
for (const db of databases.filter((d) => d.name === 'postgres')) {
  describe('the display board across two nodes', { skip: db.skip || nats.skip }, () => {
    const prefix = `rapport-board-test-${process.pid}-${Date.now()}`;
    let a: Harness;
    let ctxB: Context;
    let appB: FastifyInstance;
    const ports = { a: 0, b: 0 };
    const sockets: WebSocket[] = [];

    before(async () => {
      const store = await db.open();
      a = await startHarness(store, {
        bus: await natsBus(nats.url, prefix),
        config: { publicRateLimitPerMinute: 0 },
      });
      ctxB = await createContext(
        loadConfig(
          { RAPPORT_PHONE_REGION: 'FR', LOG_LEVEL: 'warn' },
          { dataDir: '/nonexistent', publicRateLimitPerMinute: 0 },
        ),
        {
          store: db.reopen(store)!,
          bus: await natsBus(nats.url, prefix),
          clock: a.clock,
          quiet: true,
        },
      );
      appB = await buildServer(ctxB);
      await a.app.listen({ port: 0, host: '127.0.0.1' });
      await appB.listen({ port: 0, host: '127.0.0.1' });
      ports.a = (a.app.server.address() as AddressInfo).port;
      ports.b = (appB.server.address() as AddressInfo).port;
    });
    after(async () => {
      for (const socket of sockets) socket.terminate();
      await appB?.close();
      if (ctxB) await closeContext(ctxB);
      await a?.close();
    });

    const open = async (node: 'a' | 'b', shop: number) => {
      const socket = new WebSocket(`ws://127.0.0.1:${ports[node]}/api/board/${shop}/socket`);
      sockets.push(socket);
      const board = new Board(socket);
      await once(socket, 'open');
      await board.until((f) => f.some((x) => x.type === 'board'));
      return board;
    };

    test('calls made on node A reach boards on both nodes, both of them, in order', async () => {
      const shopId = a.fixture.shopId;
      const tickets = await a.ctx.writer.run(async (unit) => {
        const service = await unit.db
          .insertInto('shop_services')
          .values({
            code: 'general-question',
            name: 'General question',
            ticket_prefix: 'G',
            duration_minutes: 10,
            buffer_minutes: 0,
            skills: '[]',
            bookable: 0,
            walk_in: 1,
            created_at: unit.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const ids = [];
        for (const number of [1, 2, 3])
          ids.push(
            await unit.db
              .insertInto('shop_tickets')
              .values({
                shop_id: shopId,
                service_id: service.id,
                day: '2026-11-25',
                number,
                code: `G-00${number}`,
                status: 'waiting',
                waiting_since: unit.now + number,
                created_at: unit.now,
                updated_at: unit.now,
              })
              .returning(['id', 'code'])
              .executeTakeFirstOrThrow(),
          );
        return ids;
      });
      const onB = await open('b', shopId);
      const onA = await open('a', shopId);
      const first = onB.frames.find((f) => f.type === 'board');
      assert.deepEqual(first?.type === 'board' && first.state.waiting, ['G-001', 'G-002', 'G-003']);
      // Another shop's board hears nothing of this shop.
      const other = await open('b', 987_654).catch(() => null);
      for (const ticket of tickets.slice(0, 2))
        await a.ctx.writer.run(async (unit) => {
          await unit.db
            .updateTable('shop_tickets')
            .set({ status: 'called', first_called_at: unit.now, last_called_at: unit.now })
            .where('id', '=', ticket.id)
            .execute();
          await recordBoardCall(
            unit,
            { shopId, ticketId: ticket.id, code: ticket.code, deskId: null, deskName: 'Desk 2' },
            systemActor,
          );
        });
      for (const board of [onB, onA]) {
        await board.until((f) => f.filter((x) => x.type === 'call').length === 2);
        assert.deepEqual(
          board.frames.flatMap((f) =>
            f.type === 'call' ? [`${f.call.code} ${f.call.deskName}`] : [],
          ),
          ['G-001 Desk 2', 'G-002 Desk 2'],
        );
        await board.until((f) => {
          const last = f.filter((x) => x.type === 'waiting').at(-1);
          return last?.type === 'waiting' && last.waiting.join() === 'G-003';
        });
      }
      assert.equal(other, null, 'an unknown shop’s board is closed');
    });
  });
}
