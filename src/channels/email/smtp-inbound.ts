import fs from 'node:fs';
import tls from 'node:tls';
import type { Logger } from 'pino';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';
import { Invalid } from '../../platform/errors.ts';

/** Who a message came from and was meant for, as the sending server said in the SMTP dialogue. */
export interface SmtpEnvelope {
  /** MAIL FROM; null for the null sender `<>` (bounces and other automatic replies). */
  from: string | null;
  /** Every RCPT TO the server accepted, as written (plus-addresses kept whole). */
  to: string[];
  remoteAddress: string;
}

export interface SmtpCertificate {
  readonly key: Buffer;
  readonly cert: Buffer;
}

export interface SmtpInboundOptions {
  readonly host: string;
  /** 0 listens on any free port (see `SmtpInbound.port`). */
  readonly port: number;
  /** Largest message taken, advertised as SIZE; a bigger one is refused with 552. */
  readonly maxBytes: number;
  /** Offers STARTTLS with this certificate; without it STARTTLS is not offered. */
  readonly tls?: SmtpCertificate | undefined;
  /**
   * Whether an RCPT TO address is one of ours; a refused one gets 550. It is given the address
   * whole, so a per-case reply address `care+token@domain` arrives with its `+token`: the caller
   * must strip it before looking the mailbox up.
   */
  acceptsRecipient(address: string): Promise<boolean>;
  /** Takes one whole message; resolving answers 250, throwing answers 451 so the sender retries. */
  take(raw: Buffer, envelope: SmtpEnvelope): Promise<void>;
  readonly logger: Logger;
  /** Connections held at once; more are answered 421. */
  readonly maxClients?: number | undefined;
  /** Bytes of messages being received, over all connections, held in memory at once; beyond, 452. */
  readonly maxBufferedBytes?: number | undefined;
  /** A client silent this long is disconnected. */
  readonly socketTimeoutMs?: number | undefined;
}

export interface SmtpInbound {
  /** The port listened on (the one chosen when `port` was 0). */
  readonly port: number;
  /** Stops accepting connections and waits for the open ones (at most a few seconds). */
  close(): Promise<void>;
}

const MAX_CLIENTS = 50;
const MAX_RECIPIENTS = 100;
const SOCKET_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 5_000;
/** Four full-size messages being received at once is plenty for a company's forwarder. */
const BUFFERED_MESSAGES = 4;

/** An error whose code smtp-server sends as the reply. */
function reply(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** Starts the built-in SMTP server the company's mail system forwards to; resolves once listening. */
export async function startSmtpInbound(options: SmtpInboundOptions): Promise<SmtpInbound> {
  const log = options.logger;
  const maxBufferedBytes = options.maxBufferedBytes ?? BUFFERED_MESSAGES * options.maxBytes;
  let buffered = 0;

  const server = new SMTPServer({
    name: 'Rapport',
    banner: 'Rapport',
    size: options.maxBytes,
    rejectOversized: true,
    authOptional: true,
    // Forwarded mail needs no login; STARTTLS only with a certificate of our own (never the package's).
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    maxClients: options.maxClients ?? MAX_CLIENTS,
    maxRecipients: MAX_RECIPIENTS,
    socketTimeout: options.socketTimeoutMs ?? SOCKET_TIMEOUT_MS,
    closeTimeout: CLOSE_TIMEOUT_MS,
    disableReverseLookup: true,
    logger: false,

    onRcptTo(address: SMTPServerAddress, _session, callback) {
      options.acceptsRecipient(address.address).then(
        (ours) => callback(ours ? null : reply(550, `No mailbox here for ${address.address}`)),
        (error: unknown) => {
          log.error(
            { err: error, recipient: address.address },
            'smtp: checking a recipient failed',
          );
          callback(reply(451, 'Cannot check this recipient now, try again later'));
        },
      );
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      let held = 0;
      let outOfRoom = false;
      let ended = false;
      const release = () => {
        buffered -= held;
        held = 0;
        chunks.length = 0;
      };

      stream.on('data', (chunk: Buffer) => {
        if (stream.sizeExceeded || outOfRoom) return release();
        if (buffered + chunk.length > maxBufferedBytes) {
          outOfRoom = true;
          return release();
        }
        chunks.push(chunk);
        held += chunk.length;
        buffered += chunk.length;
      });
      // A connection lost mid-message closes the stream without an end: nothing to take.
      stream.on('close', () => {
        if (!ended) release();
      });
      stream.on('error', () => release());
      stream.on('end', () => {
        ended = true;
        if (stream.sizeExceeded) {
          release();
          return callback(reply(552, `Message larger than ${options.maxBytes} bytes`));
        }
        if (outOfRoom) {
          log.warn(
            { remoteAddress: session.remoteAddress },
            'smtp: too much mail in memory at once',
          );
          return callback(reply(452, 'Too much mail being received now, try again later'));
        }
        const raw = Buffer.concat(chunks, held);
        chunks.length = 0;
        options.take(raw, envelopeOf(session)).then(
          () => {
            release();
            callback(null, 'Message taken');
          },
          (error: unknown) => {
            release();
            log.error(
              { err: error, remoteAddress: session.remoteAddress, bytes: raw.length },
              'smtp: taking a message failed; the sender will retry',
            );
            callback(reply(451, 'Cannot take this message now, try again later'));
          },
        );
      });
    },
  });

  // A client's dropped connection or bad TLS surfaces here; it must never stop the process.
  const logError = (error: Error) => log.warn({ err: error }, 'smtp: connection error');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      server.on('error', logError);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  log.info({ host: options.host, port, starttls: Boolean(options.tls) }, 'smtp: listening');

  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function envelopeOf(session: SMTPServerSession): SmtpEnvelope {
  const mailFrom = session.envelope.mailFrom;
  return {
    from: mailFrom && mailFrom.address !== '' ? mailFrom.address : null,
    to: session.envelope.rcptTo.map((recipient) => recipient.address),
    remoteAddress: session.remoteAddress,
  };
}

/**
 * Reads the STARTTLS key and certificate files named by the settings, and checks they make a pair,
 * so a wrong path or a mismatched file stops the start with the setting's name.
 */
export function readSmtpCertificate(files: { keyFile: string; certFile: string }): SmtpCertificate {
  const read = (setting: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw new Invalid(setting, `cannot read ${file}: ${(error as Error).message}`);
    }
  };
  const certificate = {
    key: read('RAPPORT_SMTP_TLS_KEY', files.keyFile),
    cert: read('RAPPORT_SMTP_TLS_CERT', files.certFile),
  };
  try {
    tls.createSecureContext(certificate);
  } catch (error) {
    throw new Invalid(
      'RAPPORT_SMTP_TLS_KEY',
      `${files.keyFile} and ${files.certFile} are not a PEM key and its certificate: ${(error as Error).message}`,
    );
  }
  return certificate;
}
