import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/**
 * How the sink answers one mail transaction: take it; refuse every recipient (or one) at RCPT;
 * refuse the message after its data; or take the data and never answer (as a server whose client
 * died before the answer came: the message is not taken).
 */
export type SinkAnswer =
  | { readonly accept: true }
  | {
      readonly at: 'rcpt' | 'data';
      readonly code: number;
      readonly message: string;
      /** At RCPT: refuse only this recipient. */
      readonly address?: string;
    }
  | { readonly hang: true };

/** One message the sink received (its data), taken or not. */
export interface CaughtMail {
  readonly raw: Buffer;
  readonly from: string;
  readonly to: readonly string[];
  readonly messageId: string | null;
  readonly accepted: boolean;
}

/**
 * A mail server on 127.0.0.1 for tests: real SMTP, no TLS. Each transaction takes the next of
 * `answers` (accepting when none is left) and its data is recorded in `received`.
 */
export interface SmtpSink {
  readonly port: number;
  readonly answers: SinkAnswer[];
  readonly received: CaughtMail[];
  /** Only those the sink said 250 to. */
  accepted(): CaughtMail[];
  close(): Promise<void>;
}

export async function startSmtpSink(
  options: { readonly login?: { readonly user: string; readonly pass: string } } = {},
): Promise<SmtpSink> {
  const answers: SinkAnswer[] = [];
  const received: CaughtMail[] = [];
  const current = new Map<string, SinkAnswer>();
  const answerOf = (session: SMTPServerSession) =>
    current.get(session.id) ?? ({ accept: true } as const);
  const refusal = (code: number, message: string) =>
    Object.assign(new Error(message), { responseCode: code });
  const server = new SMTPServer({
    disabledCommands: options.login ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.login,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const login = options.login;
      if (login && auth.username === login.user && auth.password === login.pass)
        return callback(null, { user: auth.username });
      callback(refusal(535, '5.7.8 Authentication credentials invalid'));
    },
    onMailFrom(_address, session, callback) {
      current.set(session.id, answers.shift() ?? { accept: true });
      callback();
    },
    onRcptTo(address, session, callback) {
      const answer = answerOf(session);
      if ('at' in answer && answer.at === 'rcpt')
        if (!answer.address || answer.address === address.address)
          return callback(refusal(answer.code, answer.message));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const answer = answerOf(session);
        const refused = 'at' in answer && answer.at === 'data';
        const raw = Buffer.concat(chunks);
        const header = /^message-id:\s*<([^>]+)>/im.exec(raw.toString('latin1'));
        received.push({
          raw,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          messageId: header?.[1] ?? null,
          accepted: !refused && !('hang' in answer),
        });
        if ('hang' in answer) return;
        if (refused) return callback(refusal(answer.code, answer.message));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    answers,
    received,
    accepted: () => received.filter((m) => m.accepted),
    close: () =>
      new Promise<void>((resolve) => {
        // Connections held open by a hanging answer end with the sink.
        for (const connection of (server as unknown as { connections: Set<{ close(): void }> })
          .connections)
          connection.close();
        server.close(() => resolve());
      }),
  };
}
