/**
 * Live chat at scale: 5,000 widget sockets open on one `rapport serve` (SQLite), each visitor having
 * written once (so each has a case); the server's RSS with all of them connected; then advisor
 * replies at 200 messages per second over HTTP to random visitors, timed from the moment the reply
 * is posted to the moment the visitor's socket has it (what the visitor waits for).
 * The visitors run in this process, the server in its own; both share the machine's two cores.
 * Run: npx tsx bench/chat-sockets.ts   (VISITORS=… RATE=… SECONDS=… to change the load)
 */
import fs from 'node:fs';
import WebSocket from 'ws';
import type { ServerFrame, VisitorSession } from '../src/api-types/chat.ts';
import {
  environment,
  freePort,
  freshPlace,
  killHard,
  runToEnd,
  serve,
} from '../test/server-process.ts';

const VISITORS = Number(process.env.VISITORS ?? 5_000);
const RATE = Number(process.env.RATE ?? 200);
const SECONDS = Number(process.env.SECONDS ?? 20);
const key = 'bench-site';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Runs `task` over `items`, `width` at a time. */
async function inParallel<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

const place = await freshPlace('sqlite', 'bench-chat');
const port = await freePort();
const env = environment(place, {
  PORT: String(port),
  RAPPORT_PUBLIC_RATE_LIMIT: '0',
  RAPPORT_SECRET_KEY: 'a-secret-key-for-the-chat-benchmark-0123456789',
});
const base = `http://127.0.0.1:${port}`;
await runToEnd(
  [
    'user',
    'add',
    '--email',
    'admin@bench.test',
    '--name',
    'Ana',
    '--role',
    'admin',
    '--password',
    'a-long-password',
  ],
  env,
);
const server = await serve(env);
const pid = server.child.pid!;
try {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@bench.test', password: 'a-long-password' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const created = await fetch(`${base}/api/channel-accounts`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({
      channel: 'chat',
      provider: 'widget',
      displayName: 'Bench site',
      address: key,
      settings: {},
    }),
  });
  if (created.status !== 201) throw new Error(`account: ${created.status} ${await created.text()}`);
  const rssIdle = rssOf(pid);

  interface Visitor {
    socket: WebSocket;
    conversationId: number;
  }
  const visitors: Visitor[] = [];
  /** Reply marker → when it was posted. */
  const posted = new Map<string, number>();
  const latencies: number[] = [];
  let lost = 0;

  const startedConnecting = Date.now();
  await inParallel(
    Array.from({ length: VISITORS }, (_, i) => i),
    64,
    async (i) => {
      const session = (await (
        await fetch(`${base}/api/widget/${key}/visitors`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'https://shop.bench.test' },
          body: '{}',
        })
      ).json()) as VisitorSession;
      const socket = new WebSocket(`ws://127.0.0.1:${port}/api/widget/${key}/socket`, {
        headers: { origin: 'https://shop.bench.test' },
        perMessageDeflate: false,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      const visitor: Visitor = { socket, conversationId: 0 };
      const acked = new Promise<void>((resolve) => {
        socket.on('message', (data) => {
          const frame = JSON.parse(String(data)) as ServerFrame;
          if (frame.type === 'ack') {
            visitor.conversationId = frame.conversationId;
            resolve();
          } else if (frame.type === 'message' && frame.message.author === 'advisor') {
            const marker = /#(\d+-\d+)/.exec(frame.message.text)?.[1];
            const at = marker === undefined ? undefined : posted.get(marker);
            if (at !== undefined) {
              latencies.push(performance.now() - at);
              posted.delete(marker!);
            }
          }
        });
      });
      socket.send(JSON.stringify({ type: 'hello', token: session.token, after: null }));
      socket.send(
        JSON.stringify({
          type: 'message',
          clientId: `first-${i}`,
          text: `Hello from visitor ${i}`,
        }),
      );
      await acked;
      visitors.push(visitor);
    },
  );
  const connectSeconds = (Date.now() - startedConnecting) / 1000;
  const rssConnected = rssOf(pid);

  // Advisor replies at RATE per second, each to a random visitor, for SECONDS.
  const total = RATE * SECONDS;
  const startedSending = performance.now();
  let failed = 0;
  const sends: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = startedSending + (n * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const visitor = visitors[Math.floor(Math.random() * visitors.length)]!;
    const marker = `${visitor.conversationId}-${n}`;
    posted.set(marker, performance.now());
    sends.push(
      fetch(`${base}/api/conversations/${visitor.conversationId}/interactions`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'chat_message', text: `Thanks, on it #${marker}` }),
      }).then(async (answer) => {
        if (answer.status !== 201) failed++;
        await answer.arrayBuffer();
      }),
    );
  }
  await Promise.all(sends);
  const sendSeconds = (performance.now() - startedSending) / 1000;
  // Whatever has not arrived two seconds after the last post counts as lost.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  lost = posted.size;
  const rssLoaded = rssOf(pid);
  latencies.sort((a, b) => a - b);
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  console.log(
    `chat sockets: ${visitors.length} visitors connected in ${connectSeconds.toFixed(1)} s (each wrote once)`,
  );
  console.log(
    `server RSS: idle ${mb(rssIdle)}, ${visitors.length} sockets open ${mb(rssConnected)}, after the replies ${mb(rssLoaded)} (target < 500 MB)`,
  );
  console.log(
    `advisor → visitor, ${total} replies at ${RATE}/s over ${sendSeconds.toFixed(1)} s: median ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms (targets < 50 ms, < 200 ms); ${failed} refused, ${lost} not delivered`,
  );
  for (const visitor of visitors) visitor.socket.terminate();
} finally {
  await killHard(server.child);
  await place.dispose();
}
