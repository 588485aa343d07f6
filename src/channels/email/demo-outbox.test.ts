import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { startDemoOutbox } from './demo-outbox.ts';

test('the demo outbox keeps each message it is sent as an .eml file, byte for byte, and says so in one line', async () => {
  const dir = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-demo-outbox-')),
    'demo-outbox',
  );
  const lines: string[] = [];
  const logger = pino(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const outbox = await startDemoOutbox({ port: 0, dir, logger });
  try {
    const raw = Buffer.from(
      'From: "Léa at Customer care" <care@demo.rapport.test>\r\nTo: camille@example.com\r\n' +
        'Subject: Re: My parcel\r\nMessage-ID: <demo-1@demo.rapport.test>\r\n\r\nIt leaves today.\r\n',
    );
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: outbox.port });
    await transport.sendMail({
      envelope: { from: 'care@demo.rapport.test', to: ['camille@example.com'] },
      raw,
    });
    transport.close();
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.eml'));
    assert.equal(files.length, 1);
    assert.ok(fs.readFileSync(path.join(dir, files[0]!)).equals(raw));
    const said = lines.filter((l) => l.includes('demo outbox'));
    assert.equal(said.length, 1);
    assert.match(said[0]!, /camille@example\.com/);
  } finally {
    await outbox.close();
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});
