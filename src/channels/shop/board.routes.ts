/**
 * A shop's display board: the page at `/board/:shop`, its state over HTTP and its live socket. The
 * socket is public and read-only (it sends frames, takes none) and belongs to one shop. One bus
 * subscription per server feeds every board socket on it: a call recorded on any node
 * (`shop.ticket-called`, from `recordBoardCall`) reaches the boards connected to every node, the way
 * the chat hub reaches widgets; a ticket taken, called, served or moved refreshes the waiting
 * numbers. Frames leave in the order the events were committed, so two calls within a second
 * arrive, and are announced, one after the other.
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Context } from '../../platform/context.ts';
import type { DomainEvent } from '../../platform/events/event.ts';
import { sendShopPage } from '../../platform/http/shop-pages.ts';
import type { BoardFrame, BoardState } from '../../api-types/tickets.ts';
import { boardState, callOfEvent, waitingCodes } from './tickets.ts';
import { publicRate, ShopParams } from './kiosk.routes.ts';

interface BoardSocket {
  readonly socket: WebSocket;
  readonly shopId: number;
  /** Frames held until the first state is sent; null once live. */
  pending: BoardFrame[] | null;
  alive: boolean;
}

/** The boards open on this server, by shop, and the one subscription that feeds them. */
export interface BoardHub {
  attach(socket: WebSocket, shopId: number): BoardSocket;
  goLive(board: BoardSocket, state: BoardState): void;
  detach(board: BoardSocket): void;
  /** How many boards of a shop are connected to this server. */
  count(shopId: number): number;
  close(): void;
}

const heartbeatMs = 30_000;
/** Ticket changes arriving together refresh the waiting numbers once. */
const waitingDebounceMs = 150;
/** Boards of one shop on one server (a shop has a few screens; more is someone's loop). */
const maxBoardsPerShop = 50;

const refreshesWaiting = (type: string) =>
  type.startsWith('shop.ticket-') || type.startsWith('shop.appointment-');

/** Creates the server's board hub and its bus subscription. */
export function createBoardHub(ctx: Context): BoardHub {
  const byShop = new Map<number, Set<BoardSocket>>();
  const refreshing = new Map<number, NodeJS.Timeout>();
  let chain: Promise<unknown> = Promise.resolve();
  const inOrder = (work: () => Promise<unknown>) => {
    chain = chain
      .then(work)
      .catch((error: unknown) => ctx.logger.error({ err: error }, 'board hub'));
  };

  const send = (board: BoardSocket, frame: BoardFrame) => {
    if (board.pending) return void board.pending.push(frame);
    if (board.socket.readyState === board.socket.OPEN) board.socket.send(JSON.stringify(frame));
  };
  const push = (shopId: number, frame: BoardFrame) => {
    for (const board of byShop.get(shopId) ?? []) send(board, frame);
  };

  const refreshWaiting = (shopId: number) => {
    if (refreshing.has(shopId)) return;
    const timer = setTimeout(() => {
      refreshing.delete(shopId);
      inOrder(async () => {
        if (!byShop.has(shopId)) return;
        push(shopId, { type: 'waiting', waiting: await waitingCodes(ctx.store.read, shopId) });
      });
    }, waitingDebounceMs);
    timer.unref();
    refreshing.set(shopId, timer);
  };

  const listener = (event: DomainEvent) => {
    const shopId = event.scope.shopId;
    if (typeof shopId !== 'number' || !byShop.has(shopId)) return;
    if (event.type === 'shop.ticket-called') {
      const call = callOfEvent(event);
      if (call) inOrder(async () => push(shopId, { type: 'call', call }));
    }
    if (refreshesWaiting(event.type)) refreshWaiting(shopId);
  };
  const unsubscribe = ctx.bus.subscribe(listener);

  const heartbeat = setInterval(() => {
    for (const boards of byShop.values())
      for (const board of boards) {
        if (!board.alive) {
          board.socket.terminate();
          continue;
        }
        board.alive = false;
        board.socket.ping();
      }
  }, heartbeatMs);
  heartbeat.unref();

  return {
    attach(socket, shopId) {
      const board: BoardSocket = { socket, shopId, pending: [], alive: true };
      let boards = byShop.get(shopId);
      if (!boards) byShop.set(shopId, (boards = new Set()));
      boards.add(board);
      socket.on('pong', () => (board.alive = true));
      return board;
    },
    goLive(board, state) {
      const held = board.pending ?? [];
      board.pending = null;
      send(board, { type: 'board', state });
      const shown = new Set(state.calls.map((c) => c.id));
      for (const frame of held)
        if (frame.type !== 'call' || !shown.has(frame.call.id)) send(board, frame);
    },
    detach(board) {
      const boards = byShop.get(board.shopId);
      if (!boards?.delete(board)) return;
      if (boards.size === 0) byShop.delete(board.shopId);
    },
    count: (shopId) => byShop.get(shopId)?.size ?? 0,
    close() {
      unsubscribe();
      clearInterval(heartbeat);
      for (const timer of refreshing.values()) clearTimeout(timer);
      for (const boards of byShop.values())
        for (const board of boards) board.socket.close(1001, 'the server is going away');
    },
  };
}

/** The board's page, state and socket. */
export function registerBoardRoutes(app: FastifyInstance, ctx: Context): BoardHub {
  const hub = createBoardHub(ctx);

  app.get<{ Params: ShopParams }>(
    '/board/:shop',
    {
      schema: { hide: true, params: ShopParams },
      config: { allow: 'public', ...publicRate(ctx) },
    },
    (request, reply) => sendShopPage(reply, request, 'board'),
  );

  app.get<{ Params: ShopParams }>(
    '/api/board/:shop',
    {
      schema: {
        tags: ['shop floor'],
        summary: "A shop's display board: the latest calls and the next numbers (public)",
        params: ShopParams,
      },
      config: { allow: 'public', ...publicRate(ctx, 2) },
    },
    async (request): Promise<BoardState> => boardState(ctx.store.read, request.params.shop),
  );

  app.get<{ Params: ShopParams }>(
    '/api/board/:shop/socket',
    {
      websocket: true,
      schema: {
        tags: ['shop floor'],
        summary:
          "WebSocket of a shop's display board: its state, then each call and the waiting numbers as they change (public, read-only)",
        params: ShopParams,
      },
      config: { allow: 'public', ...publicRate(ctx) },
    },
    (socket, request) => {
      const shopId = request.params.shop;
      if (hub.count(shopId) >= maxBoardsPerShop) {
        socket.close(4429, 'too many boards for this shop');
        return;
      }
      const board = hub.attach(socket, shopId);
      socket.on('close', () => hub.detach(board));
      // Read-only: whatever a client sends is ignored.
      socket.on('message', () => undefined);
      boardState(ctx.store.read, shopId).then(
        (state) => hub.goLive(board, state),
        () => {
          hub.detach(board);
          socket.close(4404, 'no such shop');
        },
      );
    },
  );

  app.addHook('onClose', async () => hub.close());
  return hub;
}
