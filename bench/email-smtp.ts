/**
 * Inbound SMTP: 20 KB messages sent by nodemailer (in a process of its own, bench/smtp-sender.ts)
 * over a pool of loopback connections to Rapport's SMTP server. Prints messages accepted per second and the accept latency (p50,
 * p99): from sendMail to the server's 250, with PIPELINING one round trip for MAIL, RCPT and DATA,
 * then the body, then the wait for 250 — so it bounds the time from the end of DATA to 250 from
 * above. `take` does no work here; `runSmtpBench(take)` runs the same load against any other `take`
 * (the parse-and-store pipeline).
 * Run: npx tsx bench/email-smtp.ts   (or npm run bench -- email-smtp)
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
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
  // The sender runs in a process of its own, as the company's mail server would: the figures are
  // the server's, not shared with the client's work on the same event loop.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./smtp-sender.ts', import.meta.url)),
      String(server.port),
      String(connections),
      String(messages),
      recipient,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  await server.close();
  if (code !== 0) throw new Error(`the sender exited with ${code}`);
  const { seconds, times } = JSON.parse(out) as { seconds: number; times: number[] };
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
