/**
 * The sending side of the SMTP benches, in a process of its own as a company's mail server would be:
 * sends `messages` 20 KB mails over `connections` pooled connections to 127.0.0.1:`port` (after a
 * warm-up) and prints one JSON line: the run's seconds and each message's sendMail-to-250 time.
 * Usage: node --import tsx bench/smtp-sender.ts <port> <connections> <messages> <recipient>
 */
import nodemailer from 'nodemailer';
import { benchMessage } from './email-smtp.ts';

const [port, connections, messages, recipient] = process.argv.slice(2);
const transport = nodemailer.createTransport({
  host: '127.0.0.1',
  port: Number(port),
  ignoreTLS: true,
  pool: true,
  maxConnections: Number(connections),
  maxMessages: Infinity,
});
let next = 0;
const send = async (n: number) => {
  const started = performance.now();
  await transport.sendMail({
    envelope: { from: `customer${n}@example.com`, to: [recipient!] },
    raw: benchMessage(n),
  });
  return performance.now() - started;
};
// One sender per connection, so no message waits in the pool's queue: its time is the server's.
const run = async (count: number) => {
  const times: number[] = [];
  const last = next + count;
  await Promise.all(
    Array.from({ length: Number(connections) }, async () => {
      while (next < last) times.push(await send(next++));
    }),
  );
  return times;
};
await run(Math.min(300, Number(messages))); // warm-up: connections opened, code compiled
const started = performance.now();
const times = await run(Number(messages));
const seconds = (performance.now() - started) / 1000;
transport.close();
process.stdout.write(`${JSON.stringify({ seconds, times })}\n`);
