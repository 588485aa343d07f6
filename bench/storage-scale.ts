// Storage at scale: a SQLite database with 1,000,000 interactions (one customer holding 5,000 of them),
// then, over HTTP against a real server process on it: the first timeline page, full-text search, and
// the server's RSS. Usage: npx tsx bench/storage-scale.ts [--interactions 1000000] [--keep DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { migrate, openStore } from '../src/platform/db/connect.ts';
import { hashPassword } from '../src/advisors/advisors.ts';
import { createRandom } from '../src/routing/random.ts';

const { values } = parseArgs({
  options: { interactions: { type: 'string', default: '1000000' }, keep: { type: 'string' } },
});
const total = Number(values.interactions);
const dir = values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-scale-'));
const file = path.join(dir, 'rapport.sqlite');
const random = createRandom(42);

// A Zipf-like vocabulary: a few words are everywhere, most are rare, as in real messages.
const syllables = [
  'ra',
  'po',
  'ti',
  'ke',
  'lu',
  'ma',
  'sen',
  'dor',
  'vi',
  'qua',
  'bel',
  'tro',
  'ni',
  'gal',
  'fu',
  'zer',
];
const vocabulary = Array.from({ length: 20_000 }, (_, i) => {
  let word = '';
  let n = i + 7;
  while (n > 0) {
    word += syllables[n % syllables.length];
    n = Math.floor(n / syllables.length);
  }
  return word;
});
const common = [
  'order',
  'invoice',
  'router',
  'delivery',
  'refund',
  'screen',
  'battery',
  'contract',
  'password',
  'repair',
];
function sentence(): string {
  const words: string[] = [];
  const length = 8 + Math.floor(random() * 20);
  for (let i = 0; i < length; i++) {
    const r = random();
    words.push(
      r < 0.08
        ? common[Math.floor(random() * common.length)]!
        : vocabulary[Math.floor(vocabulary.length * Math.pow(random(), 3))]!,
    );
  }
  return words.join(' ');
}

async function build(): Promise<void> {
  if (fs.existsSync(file)) return;
  const store = openStore({ file });
  await migrate(store);
  await store.close();
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // bulk load only; the server reopens with FULL
  const now = Date.now();
  const passwordHash = await hashPassword('bench-password');
  db.prepare(`insert into teams (name, kind, created_at) values ('Care', 'contact_centre', ?)`).run(
    now,
  );
  db.prepare(
    `insert into advisors (name, email, role, team_id, shop_id, password_hash, languages, skills, active, created_at, updated_at) values ('Sup', 'sup@bench.test', 'supervisor', 1, null, ?, '["en"]', '[]', 1, ?, ?)`,
  ).run(passwordHash, now, now);
  const customers = Math.max(1, Math.floor(total / 10));
  const insertCustomer = db.prepare(
    `insert into customers (display_name, language, consent, owner_id, last_advisor_id, merged_into_id, erased_at, search_text, created_at, updated_at) values (?, null, '{}', null, null, null, null, ?, ?, ?)`,
  );
  const insertIdentity = db.prepare(
    `insert into identities (customer_id, kind, network, value, created_at) values (?, 'email', '', ?, ?)`,
  );
  const insertConversation = db.prepare(
    `insert into conversations (customer_id, subject, status, owner_id, team_id, shop_id, priority, origin_channel, created_at, updated_at, last_interaction_at, resolved_at) values (?, ?, 'resolved', null, 1, null, 'normal', 'email', ?, ?, ?, ?)`,
  );
  const insertInteraction = db.prepare(
    `insert into interactions (conversation_id, customer_id, channel, kind, direction, author_type, author_id, text, html, attachments, provider, provider_id, is_private, delivery_state, created_at) values (?, ?, ?, ?, 'inbound', 'customer', ?, ?, null, '[]', null, null, 0, 'received', ?)`,
  );
  const channels = [
    ['email', 'email'],
    ['chat', 'chat_message'],
    ['voice', 'call'],
    ['sms', 'sms'],
    ['social', 'social_dm'],
    ['shop', 'shop_visit'],
  ] as const;
  const heavy = 5_000;
  let made = 0;
  const load = db.transaction((from: number, to: number) => {
    for (let c = from; c < to; c++) {
      const at = now - 400 * 86_400_000 + Math.floor(random() * 390 * 86_400_000);
      const id = Number(
        insertCustomer.run(`Customer ${c}`, `Customer ${c} customer${c}@bench.example`, at, at)
          .lastInsertRowid,
      );
      insertIdentity.run(id, `customer${c}@bench.example`, at);
      const count = c === 0 ? heavy : Math.max(1, Math.round((total - heavy) / (customers - 1)));
      let conversation = Number(insertConversation.run(id, 'Need', at, at, at, at).lastInsertRowid);
      for (let i = 0; i < count && made < total; i++) {
        if (i > 0 && i % 8 === 0)
          conversation = Number(insertConversation.run(id, 'Need', at, at, at, at).lastInsertRowid);
        const [channel, kind] = channels[Math.floor(random() * channels.length)]!;
        insertInteraction.run(conversation, id, channel, kind, id, sentence(), at + i * 60_000);
        made++;
      }
    }
  });
  const started = performance.now();
  for (let c = 0; c < customers && made < total; c += 1000) load(c, Math.min(customers, c + 1000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  console.log(
    `built ${made} interactions for ${customers} customers in ${((performance.now() - started) / 1000).toFixed(0)} s (${(fs.statSync(file).size / 1e9).toFixed(2)} GB)`,
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(): Promise<void> {
  const child = fork(new URL('./storage-server.ts', import.meta.url).pathname, [dir], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /PORT (\d+)/.exec(buffered);
      if (match) resolve(Number(match[1]));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'sup@bench.test', password: 'bench-password' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const time = async (url: string): Promise<number> => {
    const t = performance.now();
    const response = await fetch(url, { headers: { cookie } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return performance.now() - t;
  };
  for (let i = 0; i < 20; i++) await time(`${base}/api/customers/1/timeline?limit=50`);
  const timeline: number[] = [];
  for (let i = 0; i < 500; i++)
    timeline.push(await time(`${base}/api/customers/1/timeline?limit=50`));
  const queries = [
    ...common,
    ...vocabulary.slice(0, 20),
    ...vocabulary.slice(500, 520),
    ...vocabulary.slice(5000, 5020),
    'router delivery',
    'refund inv',
    'scr',
  ];
  const search: number[] = [];
  for (let round = 0; round < 5; round++)
    for (const q of queries)
      search.push(await time(`${base}/api/search?q=${encodeURIComponent(q)}&limit=20`));
  timeline.sort((a, b) => a - b);
  search.sort((a, b) => a - b);
  child.send('rss');
  const rss = await new Promise<number>((resolve) =>
    child.once('message', (m) => resolve(Number(m))),
  );
  child.kill();
  console.log(
    `timeline, first page of 50 for a customer with 5,000 interactions (500 requests): p50 ${percentile(timeline, 50).toFixed(1)} ms, p95 ${percentile(timeline, 95).toFixed(1)} ms`,
  );
  console.log(
    `search over ${total.toLocaleString('en')} interactions (${search.length} queries, frequent to rare words): p50 ${percentile(search, 50).toFixed(1)} ms, p95 ${percentile(search, 95).toFixed(1)} ms`,
  );
  console.log(`server RSS after the run: ${(rss / 1e6).toFixed(0)} MB`);
}

await build();
await measure();
if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
