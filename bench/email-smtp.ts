/**
 * Inbound SMTP: 20 KB messages sent by nodemailer over a pool of loopback connections to Rapport's
 * SMTP server, in the same process. Prints messages accepted per second and the accept latency (p50,
 * p99): from sendMail to the server's 250, with PIPELINING one round trip for MAIL, RCPT and DATA,
 * then the body, then the wait for 250 — so it bounds the time from the end of DATA to 250 from
 * above. `take` does no work here; `runSmtpBench(take)` runs the same load against any other `take`
 * (the parse-and-store pipeline).
 * Run: npx tsx bench/email-smtp.ts   (or npm run bench -- email-smtp)
 */
import { pathToFileURL } from 'node:url';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { startSmtpInbound, type SmtpInboundOptions } from '../src/channels/email/smtp-inbound.ts';

const MESSAGE_BYTES = 20 * 1024;
const recipient = 'care@demo.rapport.test';

export interface SmtpBenchFigures {
  readonly connections: number;
  readonly messages: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface SmtpBenchOptions {
  readonly connections?: number;
  readonly messages?: number;
  /** Defaults to accepting every recipient. */
  readonly acceptsRecipient?: SmtpInboundOptions['acceptsRecipient'];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A plain-text customer mail of about 20 KB, with a Message-ID of its own (a store keeps one of each). */
export function benchMessage(n: number): Buffer {
  const headers = [
    `From: Customer ${n} <customer${n}@example.com>`,
    `To: Care <${recipient}>`,
    `Subject: Order ${n}: the watch stopped after two days`,
    `Message-ID: <bench-${n}-${process.pid}-${Date.now()}@example.com>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
  ].join('\r\n');
  const line = 'Hello, the watch I bought last week stopped working after two days of use.\r\n';
  const body = line.repeat(Math.ceil((MESSAGE_BYTES - headers.length) / line.length));
  return Buffer.from(`${headers}\r\n\r\n${body}`);
}

/** Sends `messages` 20 KB mails over `connections` pooled connections and times each one. */
export async function runSmtpBench(
  take: SmtpInboundOptions['take'],
  options: SmtpBenchOptions = {},
): Promise<SmtpBenchFigures> {
  const connections = options.connections ?? 8;
  const messages = options.messages ?? 5_000;
  const server = await startSmtpInbound({
    host: '127.0.0.1',
    port: 0,
    maxBytes: 26_214_400,
    maxClients: connections + 1,
    acceptsRecipient: options.acceptsRecipient ?? (async () => true),
    take,
    logger: pino({ level: 'warn' }),
  });
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: server.port,
    ignoreTLS: true,
    pool: true,
    maxConnections: connections,
    maxMessages: Infinity,
  });
  let next = 0;
  const send = async (n: number) => {
    const raw = benchMessage(n);
    const started = performance.now();
    await transport.sendMail({
      envelope: { from: `customer${n}@example.com`, to: [recipient] },
      raw,
    });
    return performance.now() - started;
  };
  // One sender per connection, so no message waits in the pool's queue: its time is the server's.
  const run = async (count: number) => {
    const times: number[] = [];
    const last = next + count;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < last) times.push(await send(next++));
      }),
    );
    return times;
  };

  await run(Math.min(500, messages)); // warm-up: connections opened, code compiled
  const started = performance.now();
  const times = await run(messages);
  const seconds = (performance.now() - started) / 1000;
  transport.close();
  await server.close();
  times.sort((a, b) => a - b);
  return {
    connections,
    messages,
    perSecond: messages / seconds,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
  };
}

/** One line of figures, as the other benches print them. */
export function describeFigures(label: string, figures: SmtpBenchFigures): string {
  return (
    `${label}: ${figures.perSecond.toFixed(0)} messages of 20 KB accepted per second ` +
    `over ${figures.connections} connections (${figures.messages} messages); accept latency ` +
    `p50 ${figures.p50Ms.toFixed(2)} ms, p99 ${figures.p99Ms.toFixed(2)} ms`
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const noWork = async () => {};
  for (const connections of [1, 8, 16])
    console.log(describeFigures('take does nothing', await runSmtpBench(noWork, { connections })));
}
