// The desk's first screen with 10,000 open conversations: API time (p50/p95) and page ready in
// Chromium, plus the gzipped JavaScript the desk ships. Run: npx tsx bench/desk-first-screen.ts
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureDeskBuilt, startDeskHarness } from '../web/test-harness.ts';

const openConversations = Number(process.env.BENCH_CONVERSATIONS ?? 10_000);
const apiRounds = 60;
const pageRounds = 7;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

ensureDeskBuilt();
const assets = path.resolve(import.meta.dirname, '../web/dist/assets');
const js = fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
const jsGzip = js.reduce(
  (sum, f) => sum + gzipSync(fs.readFileSync(path.join(assets, f)), { level: 9 }).length,
  0,
);
const jsRaw = js.reduce((sum, f) => sum + fs.statSync(path.join(assets, f)).size, 0);

const h = await startDeskHarness('bench-desk');
const channels = [
  ['email', 'email'],
  ['chat', 'chat_message'],
  ['voice', 'call'],
  ['sms', 'sms'],
  ['social', 'social_dm'],
] as const;

const seedStart = performance.now();
const now = Date.now();
for (let offset = 0; offset < openConversations; offset += 500) {
  const n = Math.min(500, openConversations - offset);
  await h.ctx.writer.run(async (unit) => {
    const customers = await unit.db
      .insertInto('customers')
      .values(
        Array.from({ length: n }, (_, i) => ({
          display_name: `Customer ${offset + i}`,
          language: null,
          consent: '{}',
          owner_id: null,
          last_advisor_id: null,
          merged_into_id: null,
          erased_at: null,
          search_text: `Customer ${offset + i}`,
          created_at: now,
          updated_at: now,
        })),
      )
      .returning('id')
      .execute();
    const at = (i: number) => now - ((offset + i) % 480) * 60_000;
    const conversations = await unit.db
      .insertInto('conversations')
      .values(
        customers.map((c, i) => ({
          customer_id: c.id,
          subject: `Need ${offset + i}`,
          status: (offset + i) % 10 < 7 ? 'open' : 'pending_customer',
          // A tenth are the advisor's own, so "My cases" has work too.
          owner_id: (offset + i) % 10 === 0 ? h.people.advisor.id : null,
          team_id: h.teamId,
          shop_id: null,
          priority: 'normal',
          origin_channel: channels[(offset + i) % channels.length]![0],
          created_at: at(i),
          updated_at: at(i),
          last_interaction_at: at(i),
          resolved_at: null,
        })),
      )
      .returning(['id', 'customer_id', 'status', 'origin_channel', 'created_at'])
      .execute();
    const interactions = conversations.flatMap((c, i) => {
      const [channel, kind] = channels[(offset + i) % channels.length]!;
      const base = {
        conversation_id: c.id,
        customer_id: c.customer_id,
        channel,
        kind,
        html: null,
        attachments: '[]',
        provider: null,
        provider_id: null,
        is_private: 0,
      };
      const rows = [
        {
          ...base,
          direction: 'inbound',
          author_type: 'customer',
          author_id: c.customer_id,
          text: 'Hello, I need help',
          delivery_state: 'received',
          created_at: c.created_at - 60_000,
        },
      ];
      if (c.status === 'pending_customer')
        rows.push({
          ...base,
          direction: 'outbound',
          author_type: 'advisor',
          author_id: h.people.advisor.id,
          text: 'Here is the answer',
          delivery_state: 'sent',
          created_at: c.created_at,
        });
      return rows;
    });
    await unit.db.insertInto('interactions').values(interactions).execute();
  });
}
await h.ctx.writer.drain();
const seedMs = performance.now() - seedStart;

const login = await fetch(`${h.baseUrl}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: h.people.advisor.email, password: 'correct horse battery' }),
});
const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
const supervisorLogin = await fetch(`${h.baseUrl}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: h.people.supervisor.email, password: 'correct horse battery' }),
});
const supervisorCookie = supervisorLogin.headers.get('set-cookie')!.split(';')[0]!;

async function time(
  url: string,
  as = cookie,
): Promise<{ p50: number; p95: number; sample: unknown }> {
  const times: number[] = [];
  let sample: unknown;
  for (let i = 0; i < apiRounds; i++) {
    const start = performance.now();
    const response = await fetch(`${h.baseUrl}${url}`, { headers: { cookie: as } });
    sample = await response.json();
    if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(sample)}`);
    times.push(performance.now() - start);
  }
  return { p50: percentile(times.slice(5), 50), p95: percentile(times.slice(5), 95), sample };
}

// The first screen asks for these four; the work list is the heavy one.
const firstScreen = {
  'GET /api/desk/work?view=waiting': await time('/api/desk/work?view=waiting&limit=100'),
  'GET /api/desk/work?view=mine': await time('/api/desk/work?view=mine&limit=100'),
  'GET /api/auth/me': await time('/api/auth/me'),
  'GET /api/desk/directory': await time('/api/desk/directory'),
  'GET /api/insights/wall (supervisor)': await time(
    '/api/insights/wall?timeZone=UTC',
    supervisorCookie,
  ),
};

// Cold: a fresh browser context (empty cache) whose renderer is already up (about:blank first).
const coldTimes: number[] = [];
for (let i = 0; i < 3; i++) {
  const { context, page } = await h.openPage();
  await context.addCookies([
    { name: 'rapport_session', value: cookie.split('=')[1]!, url: h.baseUrl },
  ]);
  await page.goto('about:blank');
  const start = performance.now();
  await page.goto(`${h.baseUrl}/desk/`);
  await page.locator('.items li').first().waitFor();
  coldTimes.push(performance.now() - start);
  await context.close();
}
const { context, page } = await h.openPage();
await context.addCookies([
  { name: 'rapport_session', value: cookie.split('=')[1]!, url: h.baseUrl },
]);
await page.goto('about:blank');
const pageTimes: number[] = [];
for (let i = 0; i < pageRounds; i++) {
  const start = performance.now();
  await page.goto(`${h.baseUrl}/desk/`);
  await page.locator('.items li').first().waitFor();
  pageTimes.push(performance.now() - start);
}
const navigation = await page.evaluate(() => {
  const [nav] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
  return nav ? { domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd } : null;
});
const waitingTotal = (firstScreen['GET /api/desk/work?view=waiting'].sample as { total: number })
  .total;
await h.close();

console.log(
  `desk first screen — ${openConversations} open conversations (${waitingTotal} waiting), SQLite, seeded in ${(seedMs / 1000).toFixed(1)} s`,
);
console.log('\nAPI (sequential, after 5 warm-up requests):');
for (const [name, r] of Object.entries(firstScreen))
  console.log(`  ${name.padEnd(38)} p50 ${ms(r.p50).padStart(9)}   p95 ${ms(r.p95).padStart(9)}`);
console.log(`\npage ready in Chromium (navigation → first work item shown):`);
console.log(
  `  empty cache, ${coldTimes.length} fresh contexts: median ${ms(percentile(coldTimes, 50))}   worst ${ms(Math.max(...coldTimes))}`,
);
console.log(
  `  warm cache, ${pageRounds} reloads:        median ${ms(percentile(pageTimes, 50))}   worst ${ms(Math.max(...pageTimes))}`,
);
if (navigation)
  console.log(
    `  last load: DOMContentLoaded ${ms(navigation.domContentLoaded)}, load ${ms(navigation.load)}`,
  );
console.log(
  `\nJavaScript shipped to the desk: ${js.length} file(s), ${(jsRaw / 1024).toFixed(1)} KB raw, ${(jsGzip / 1024).toFixed(1)} KB gzipped (budget 350 KB)`,
);
const worstApi = Math.max(
  firstScreen['GET /api/desk/work?view=waiting'].p95,
  firstScreen['GET /api/desk/work?view=mine'].p95,
);
console.log(
  `\nbudgets: work-list API p95 ${worstApi < 150 ? 'within' : 'OVER'} 150 ms; page ready (empty cache, worst) ${Math.max(...coldTimes) < 1500 ? 'within' : 'OVER'} 1.5 s; JS ${jsGzip < 350 * 1024 ? 'within' : 'OVER'} 350 KB`,
);
