// Ingest benchmark: inbound interactions over HTTP (match or create the customer, open or append the
// case, store durably, publish) against a bare Fastify route returning the same JSON, in one run.
// Usage: npx tsx bench/ingest.ts [--seconds 10] [--connections 50]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { contactOf } from './ingest-contacts.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
  },
});
const duration = Number(values.seconds);
const connections = Number(values.connections);

const child = fork(new URL('./ingest-server.ts', import.meta.url).pathname, [], {
  execArgv: [
    '--import',
    'tsx',
    ...(process.env.BENCH_PROFILE
      ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE]
      : []),
  ],
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});
const { rapport, bare, token } = await new Promise<{
  rapport: number;
  bare: number;
  token: string;
}>((resolve) => {
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (const line of buffered.split('\n'))
      if (line.includes('"rapport"'))
        resolve(JSON.parse(line) as { rapport: number; bare: number; token: string });
  });
});

const kinds = ['email', 'chat_message', 'sms', 'social_dm', 'call'] as const;
const known = Number(process.env.BENCH_KNOWN ?? 10_000);
// A realistic mix: four contacts in five come from people already known (the server loads
// BENCH_KNOWN of them first), one in five from someone new; over email, chat, SMS, social and calls.
let counter = 0;
let people = known;
function body(): string {
  const n = counter++;
  const person = n % 5 === 0 ? people++ : Math.floor(Math.random() * known);
  const kind = kinds[n % kinds.length]!;
  const from = contactOf(person);
  return JSON.stringify({
    kind,
    from,
    text: `Hello, this is message ${n} about my order ${person}.`,
    provider: 'bench',
    providerId: `m-${n}`,
  });
}

async function run(port: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}/api/interactions/inbound`,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
  });
}

// Warm both up briefly, then measure each.
await autocannon({
  url: `http://127.0.0.1:${bare}/api/interactions/inbound`,
  method: 'POST',
  connections: 10,
  duration: 2,
  body: '{}',
  headers: { 'content-type': 'application/json' },
});
const bareResult = await run(bare);
const rapportResult = await run(rapport);

child.send('stats');
const [stats] = (await once(child, 'message')) as [
  {
    interactions: number;
    published: number;
    writer: { transactions: number; units: number };
    rss: number;
  },
];
child.send('stop');

const row = (name: string, r: autocannon.Result) =>
  `${name.padEnd(28)} ${String(Math.round(r.requests.average)).padStart(8)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   errors ${r.errors + r.non2xx}`;
console.log(
  `ingest benchmark, ${connections} connections, ${duration} s each, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite WAL synchronous=FULL'}, ${known} known customers, 1 new in 5 contacts`,
);
console.log(row('bare Fastify route', bareResult));
console.log(row('Rapport inbound ingest', rapportResult));
console.log(
  `Rapport / bare: ${((rapportResult.requests.average / bareResult.requests.average) * 100).toFixed(1)}%`,
);
console.log(
  `stored ${stats.interactions} interactions, published ${stats.published} events, ${stats.writer.units} units in ${stats.writer.transactions} transactions (${(stats.writer.units / Math.max(1, stats.writer.transactions)).toFixed(1)} per commit), server RSS ${(stats.rss / 1e6).toFixed(0)} MB`,
);
