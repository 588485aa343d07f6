/**
 * The demo company's outgoing mail server: a small SMTP "mail catcher" on loopback that keeps every
 * reply the demo sends as an .eml file under `<dataDir>/demo-outbox/` instead of mailing anyone.
 * The demo's email accounts point their SMTP settings at it, so a newcomer sees what a customer
 * would get, and no reply ever lands back in Rapport's own inbound port.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { SMTPServer } from 'smtp-server';

/** Larger messages are refused; the demo's replies are far smaller. */
const maxMessageBytes = 25 * 1024 * 1024;

export interface DemoOutbox {
  readonly port: number;
  /** Where the caught messages are written. */
  readonly dir: string;
  close(): Promise<void>;
}

/** Starts the demo's mail catcher on `host:port` (port 0 picks a free one), writing into `dir`. */
export async function startDemoOutbox(options: {
  readonly host?: string;
  readonly port: number;
  readonly dir: string;
  readonly logger: Logger;
}): Promise<DemoOutbox> {
  const { dir, logger } = options;
  await fs.mkdir(dir, { recursive: true });
  let caught = 0;
  const server = new SMTPServer({
    // Loopback only, for the demo: no login, no TLS to set up.
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxMessageBytes,
    banner: 'Rapport demo outbox: mail is kept here, never delivered',
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(
            Object.assign(new Error('552 message too big for the demo outbox'), {
              responseCode: 552,
            }),
          );
          return;
        }
        const to = session.envelope.rcptTo.map((r) => r.address);
        const file = path.join(dir, `${Date.now()}-${++caught}.eml`);
        fs.writeFile(file, Buffer.concat(chunks)).then(
          () => {
            logger.info({ file, to }, `demo outbox: a reply to ${to.join(', ')} kept in ${file}`);
            callback();
          },
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.warn({ err: error }, 'demo outbox: connection error'));
  return {
    port: (server.server.address() as AddressInfo).port,
    dir,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
