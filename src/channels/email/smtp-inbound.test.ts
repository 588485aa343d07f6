import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { loadConfig } from '../../platform/config.ts';
import {
  readSmtpCertificate,
  startSmtpInbound,
  type SmtpEnvelope,
  type SmtpInbound,
  type SmtpInboundOptions,
} from './smtp-inbound.ts';

const ours = 'care@demo.rapport.test';

interface Running {
  readonly server: SmtpInbound;
  readonly taken: { raw: Buffer; envelope: SmtpEnvelope }[];
  readonly asked: string[];
  readonly logged: string[];
}

/** A server on a free loopback port that hosts `care@demo.rapport.test` (with any `+token`). */
async function start(options: Partial<SmtpInboundOptions> = {}): Promise<Running> {
  const taken: Running['taken'] = [];
  const asked: string[] = [];
  const logged: string[] = [];
  const server = await startSmtpInbound({
    host: '127.0.0.1',
    port: 0,
    maxBytes: 100_000,
    acceptsRecipient: async (address) => {
      asked.push(address);
      return address.replace(/\+[^@]*@/, '@') === ours;
    },
    take: async (raw, envelope) => {
      taken.push({ raw, envelope });
    },
    logger: pino({ level: 'warn' }, { write: (line: string) => logged.push(line) }),
    ...options,
  });
  return { server, taken, asked, logged };
}

function sender(port: number, options: { tlsCa?: Buffer } = {}) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ...(options.tlsCa
      ? { requireTLS: true, tls: { ca: options.tlsCa, servername: 'localhost' } }
      : { ignoreTLS: true }),
  });
}

/** The SMTP failure nodemailer reports; fails the test when the send went through. */
async function refusal(send: Promise<unknown>): Promise<{ responseCode?: number; code?: string }> {
  try {
    await send;
  } catch (error) {
    return error as { responseCode?: number; code?: string };
  }
  assert.fail('the message was accepted');
}

function message(body: string): Buffer {
  return Buffer.from(
    [
      'From: Customer <customer@example.com>',
      `To: ${ours}`,
      'Subject: My order',
      'Message-ID: <m1@example.com>',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

/** Sends each command after the server's reply to the previous one; returns every reply. */
async function converse(port: number, commands: string[]): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  const replies: string[] = [];
  let pending = '';
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (data) => {
      pending += data.toString();
      // A reply ends with a line whose code is followed by a space ("250 OK", not "250-SIZE").
      const end = /^\d{3} .*\r\n/m.exec(pending);
      if (!end) return;
      replies.push(pending.slice(0, end.index + end[0].length));
      pending = '';
      const next = commands[replies.length - 1];
      if (next === undefined) return resolve();
      socket.write(`${next}\r\n`);
    });
  });
  socket.end('QUIT\r\n');
  return replies;
}

/** The extensions a server lists in its EHLO reply. */
async function capabilities(port: number): Promise<string[]> {
  const [, ehlo] = await converse(port, ['EHLO test.example']);
  return ehlo!
    .split('\r\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => line.slice(4));
}

test('a message is taken whole, byte for byte, with its envelope; the recipient is asked about whole', async () => {
  const { server, taken, asked } = await start();
  const raw = message('Hello,\r\n.a line starting with a dot\r\n..two dots\r\nThanks');
  const transport = sender(server.port);
  const info = await transport.sendMail({
    envelope: { from: 'bounces@example.com', to: [ours, 'care+k7q2@demo.rapport.test'] },
    raw,
  });
  transport.close();
  await server.close();

  assert.match(info.response, /^250/);
  assert.equal(taken.length, 1);
  assert.deepEqual(taken[0]!.raw, raw);
  assert.deepEqual(taken[0]!.envelope, {
    from: 'bounces@example.com',
    to: [ours, 'care+k7q2@demo.rapport.test'],
    remoteAddress: '127.0.0.1',
  });
  assert.deepEqual(asked, [ours, 'care+k7q2@demo.rapport.test']);
});

test('a bounce from the null sender is taken with no envelope sender', async () => {
  const { server, taken } = await start();
  const transport = sender(server.port);
  await transport.sendMail({ envelope: { from: '', to: [ours] }, raw: message('Undeliverable') });
  transport.close();
  await server.close();

  assert.equal(taken.length, 1);
  assert.equal(taken[0]!.envelope.from, null);
});

test('a recipient we do not host is refused with 550 at RCPT and nothing is taken', async () => {
  const { server, taken } = await start();
  const transport = sender(server.port);
  const error = await refusal(
    transport.sendMail({
      envelope: { from: 'customer@example.com', to: ['nobody@elsewhere.example'] },
      raw: message('Hello'),
    }),
  );
  const mixed = await transport.sendMail({
    envelope: { from: 'customer@example.com', to: ['nobody@demo.rapport.test', ours] },
    raw: message('Hello'),
  });
  transport.close();
  await server.close();

  assert.equal(error.responseCode, 550);
  assert.deepEqual(mixed.rejected, ['nobody@demo.rapport.test']);
  assert.equal(taken.length, 1, 'only the mail with one of our recipients is taken');
  assert.deepEqual(taken[0]!.envelope.to, [ours]);
});

test('a message over the size limit is refused with 552 and nothing is taken', async () => {
  const { server, taken } = await start({ maxBytes: 10_000 });
  const transport = sender(server.port);
  const big = message('x'.repeat(70).concat('\r\n').repeat(200));
  const undeclared = await refusal(
    transport.sendMail({ envelope: { from: 'customer@example.com', to: [ours] }, raw: big }),
  );
  const declared = await converse(server.port, [
    'EHLO test.example',
    `MAIL FROM:<customer@example.com> SIZE=${big.length}`,
  ]);
  const small = await transport.sendMail({
    envelope: { from: 'customer@example.com', to: [ours] },
    raw: message('Small enough'),
  });
  transport.close();
  await server.close();

  assert.equal(undeclared.responseCode, 552);
  assert.match(declared[2]!, /^552/, 'a declared SIZE over the limit is refused at MAIL FROM');
  assert.match(small.response, /^250/, 'the connection still takes the next message');
  assert.equal(taken.length, 1);
  assert.match(taken[0]!.raw.toString(), /Small enough/);
});

test('while too many bytes are being received at once a message gets 452, a temporary error', async () => {
  const { server, taken } = await start({ maxBufferedBytes: 1_000 });
  const transport = sender(server.port);
  const error = await refusal(
    transport.sendMail({
      envelope: { from: 'customer@example.com', to: [ours] },
      raw: message('x'.repeat(5_000)),
    }),
  );
  transport.close();
  await server.close();

  assert.equal(error.responseCode, 452);
  assert.equal(taken.length, 0);
});

test('a client that drops the connection mid-message holds no memory afterwards', async () => {
  const { server, taken } = await start({ maxBufferedBytes: 1_000 });
  const dropped = net.connect(server.port, '127.0.0.1');
  await new Promise<void>((resolve) => {
    let replies = 0;
    const commands = [
      'EHLO test.example',
      'MAIL FROM:<a@example.com>',
      `RCPT TO:<${ours}>`,
      'DATA',
    ];
    dropped.on('data', (data) => {
      for (const line of data.toString().split('\r\n'))
        if (/^\d{3} /.test(line)) {
          const next = commands[replies++];
          if (next !== undefined) dropped.write(`${next}\r\n`);
          else {
            dropped.write('x'.repeat(800));
            dropped.destroy();
            resolve();
          }
        }
    });
  });
  const transport = sender(server.port);
  const info = await transport.sendMail({
    envelope: { from: 'customer@example.com', to: [ours] },
    raw: message('y'.repeat(600)),
  });
  transport.close();
  await server.close();

  assert.match(info.response, /^250/);
  assert.equal(taken.length, 1);
});

test('a port already in use stops the start', async () => {
  const { server } = await start();
  await assert.rejects(start({ port: server.port }), /EADDRINUSE/);
  await server.close();
});

test('when taking fails the sender gets 451, a temporary error it retries, and it is logged', async () => {
  const { server, logged } = await start({
    take: async () => {
      throw new Error('database is away');
    },
  });
  const transport = sender(server.port);
  const error = await refusal(
    transport.sendMail({
      envelope: { from: 'customer@example.com', to: [ours] },
      raw: message('Hello'),
    }),
  );
  transport.close();
  await server.close();

  assert.equal(error.responseCode, 451);
  assert.ok(logged.some((line) => line.includes('database is away')));
});

test('when checking a recipient fails the sender gets 451 at RCPT', async () => {
  const { server, taken } = await start({
    acceptsRecipient: async () => {
      throw new Error('database is away');
    },
  });
  const transport = sender(server.port);
  const error = await refusal(
    transport.sendMail({
      envelope: { from: 'customer@example.com', to: [ours] },
      raw: message('Hello'),
    }),
  );
  transport.close();
  await server.close();

  assert.equal(error.responseCode, 451);
  assert.equal(taken.length, 0);
});

test('8-bit bodies and internationalised addresses (8BITMIME, SMTPUTF8) are taken', async () => {
  const { server, taken } = await start({
    acceptsRecipient: async (address) => address === 'josé@demo.rapport.test',
  });
  const features = await capabilities(server.port);
  const dialogue = await converse(server.port, [
    'EHLO test.example',
    'MAIL FROM:<josé@exemple.fr> BODY=8BITMIME SMTPUTF8',
    'RCPT TO:<josé@demo.rapport.test>',
  ]);
  const raw = Buffer.from(
    'From: José <josé@exemple.fr>\r\nTo: josé@demo.rapport.test\r\nSubject: Réparation 🔧\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
      'Ma montre ne marche plus, ça fait deux jours. 🙁\r\n',
  );
  const transport = sender(server.port);
  await transport.sendMail({
    envelope: { from: 'josé@exemple.fr', to: ['josé@demo.rapport.test'], use8BitMime: true },
    raw,
  });
  transport.close();
  await server.close();

  assert.ok(features.includes('8BITMIME'));
  assert.ok(features.includes('SMTPUTF8'));
  assert.match(dialogue[2]!, /^250/, 'MAIL FROM with BODY=8BITMIME SMTPUTF8 is accepted');
  assert.match(dialogue[3]!, /^250/, 'an internationalised recipient is accepted');
  assert.equal(taken.length, 1);
  assert.deepEqual(taken[0]!.raw, raw);
  assert.deepEqual(taken[0]!.envelope.to, ['josé@demo.rapport.test']);
  assert.equal(taken[0]!.envelope.from, 'josé@exemple.fr');
});

test('without a certificate STARTTLS and AUTH are not offered, SIZE is', async () => {
  const { server } = await start({ maxBytes: 12_345 });
  const features = await capabilities(server.port);
  const [greeting] = await converse(server.port, []);
  await server.close();

  assert.match(greeting!, /^220 Rapport ESMTP/);
  assert.ok(!features.some((line) => line.startsWith('STARTTLS')));
  assert.ok(!features.some((line) => line.startsWith('AUTH')));
  assert.ok(features.includes('SIZE 12345'));
});

test('connections beyond the limit are turned away with 421', async () => {
  const { server } = await start({ maxClients: 1 });
  const greeting = (socket: net.Socket) =>
    new Promise<string>((resolve) => socket.once('data', (data) => resolve(data.toString())));
  const first = net.connect(server.port, '127.0.0.1');
  assert.match(await greeting(first), /^220 Rapport/);
  const second = net.connect(server.port, '127.0.0.1');
  const refused = await greeting(second);
  first.destroy();
  second.destroy();
  await server.close();

  assert.match(refused, /^421/);
});

describe('with a certificate', () => {
  let dir: string;
  let certificate: { key: Buffer; cert: Buffer };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-smtp-tls-'));
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-days', '1',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      ], // prettier-ignore
      { stdio: 'ignore' },
    );
    certificate = readSmtpCertificate({
      keyFile: path.join(dir, 'key.pem'),
      certFile: path.join(dir, 'cert.pem'),
    });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('STARTTLS is offered and a sender that requires TLS delivers over it', async () => {
    const { server, taken } = await start({ tls: certificate });
    const features = await capabilities(server.port);
    const transport = sender(server.port, { tlsCa: certificate.cert });
    const raw = message('Sent encrypted');
    await transport.sendMail({ envelope: { from: 'customer@example.com', to: [ours] }, raw });
    transport.close();
    await server.close();

    assert.ok(features.includes('STARTTLS'));
    assert.equal(taken.length, 1);
    assert.deepEqual(taken[0]!.raw, raw);
  });

  test('a sender that requires TLS refuses to send to a server without a certificate', async () => {
    const { server, taken } = await start();
    const transport = sender(server.port, { tlsCa: certificate.cert });
    await refusal(
      transport.sendMail({
        envelope: { from: 'customer@example.com', to: [ours] },
        raw: message('Hello'),
      }),
    );
    transport.close();
    await server.close();
    assert.equal(taken.length, 0);
  });

  test('a key and certificate that are not a pair stop the start with the setting name', () => {
    fs.writeFileSync(path.join(dir, 'other.pem'), 'not a key');
    assert.throws(
      () =>
        readSmtpCertificate({
          keyFile: path.join(dir, 'other.pem'),
          certFile: path.join(dir, 'cert.pem'),
        }),
      /RAPPORT_SMTP_TLS_KEY/,
    );
  });
});

test('SMTP settings: defaults, off, any free port, and the TLS files as a pair', () => {
  assert.deepEqual(loadConfig({}).smtp, {
    host: '127.0.0.1',
    port: 2525,
    maxBytes: 26_214_400,
    tls: undefined,
  });
  assert.equal(loadConfig({ RAPPORT_SMTP_PORT: 'off' }).smtp, undefined);
  assert.equal(loadConfig({ RAPPORT_SMTP_PORT: '0' }).smtp?.port, 0);
  assert.deepEqual(
    loadConfig({
      RAPPORT_SMTP_HOST: '0.0.0.0',
      RAPPORT_SMTP_MAX_BYTES: '1000',
      RAPPORT_SMTP_TLS_KEY: '/etc/rapport/key.pem',
      RAPPORT_SMTP_TLS_CERT: '/etc/rapport/cert.pem',
    }).smtp,
    {
      host: '0.0.0.0',
      port: 2525,
      maxBytes: 1000,
      tls: { keyFile: '/etc/rapport/key.pem', certFile: '/etc/rapport/cert.pem' },
    },
  );
  assert.throws(
    () => loadConfig({ RAPPORT_SMTP_TLS_KEY: '/etc/rapport/key.pem' }),
    /RAPPORT_SMTP_TLS_CERT/,
  );
  assert.throws(() => loadConfig({ RAPPORT_SMTP_PORT: '70000' }), /RAPPORT_SMTP_PORT/);
  assert.throws(() => loadConfig({ RAPPORT_SMTP_PORT: 'smtp' }), /RAPPORT_SMTP_PORT/);
  assert.throws(
    () => readSmtpCertificate({ keyFile: '/nonexistent/key.pem', certFile: '/nonexistent/c.pem' }),
    /RAPPORT_SMTP_TLS_KEY: cannot read \/nonexistent\/key.pem/,
  );
});
