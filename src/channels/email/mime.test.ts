import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parseEmail, type ParsedEmail } from './mime.ts';
import { dmarcOf } from './authentication.ts';
import { automationOf } from './loops.ts';

const corpus = new URL('./corpus/', import.meta.url);
const limit = { maxAttachmentBytes: 1024 * 1024 };

async function read(name: string): Promise<Extract<ParsedEmail, { ok: true }>> {
  const parsed = await parseEmail(readFileSync(new URL(name, corpus)), limit);
  assert.ok(parsed.ok, `${name} should parse: ${parsed.ok ? '' : parsed.reason}`);
  return parsed;
}

describe('every message of the corpus', () => {
  for (const name of readdirSync(corpus).filter((file) => file.endsWith('.eml'))) {
    test(`${name} is read without a crash, and its HTML carries nothing active`, async () => {
      const parsed = await parseEmail(readFileSync(new URL(name, corpus)), limit);
      if (!parsed.ok) return assert.ok(parsed.reason.length > 0);
      assert.doesNotMatch(
        parsed.html ?? '',
        /<script|<style|<iframe|<form|\son[a-z]+=|javascript:/i,
      );
    });
  }
});

describe('hostile HTML', () => {
  test('keeps the table, list and link, loses scripts, handlers, forms and frames', async () => {
    const mail = await read('hostile-html.eml');
    const html = mail.html ?? '';
    assert.match(html, /<th colspan="2">Order 1042<\/th>/);
    assert.match(html, /<td rowspan="2">Kettle<\/td>/);
    assert.match(html, /<li>Pay within 14 days<\/li>/);
    assert.match(html, /<a href="https:\/\/shady\.example\/track\?u=1" rel="noopener noreferrer/);
    assert.doesNotMatch(html, /document\.cookie|steal|password|evil\.example|Invoice title/);
    assert.doesNotMatch(html, /<a[^>]*href="javascript/);
  });

  test('remote images and the tracking pixel are held back, data: images dropped', async () => {
    const mail = await read('hostile-html.eml');
    const html = mail.html ?? '';
    assert.equal(mail.remoteImages, true);
    assert.match(html, /data-remote-src="https:\/\/tracker\.example\/open\.gif\?id=1042"/);
    assert.match(html, /data-remote-src="https:\/\/images\.shady\.example\/banner\.jpg"/);
    assert.match(html, /data-remote-src="https:\/\/pixel\.example\/p\.gif"/);
    assert.doesNotMatch(html, /<img[^>]*\ssrc=/);
    assert.doesNotMatch(html, /data:image|smuggled/);
  });

  test('a plain http image in a newsletter is held back too', async () => {
    const mail = await read('newsletter-bulk.eml');
    assert.equal(mail.remoteImages, true);
    assert.match(
      mail.html ?? '',
      /<img alt="Sale" data-remote-src="http:\/\/cdn\.shop\.example\/sale\.png"/,
    );
  });
});

describe('encodings', () => {
  test('a Latin-1 body and RFC 2047 Latin-1 headers read as the sender wrote them', async () => {
    const mail = await read('latin1.eml');
    assert.equal(mail.subject, 'Problème de livraison');
    assert.deepEqual(mail.from, { address: 'renee.dupre@example.fr', name: 'Renée Dupré' });
    assert.match(mail.text, /n'est pas arrivée\. Je suis très déçue\./);
  });

  test('Windows-1252 quoted-printable keeps the euro sign and curly quotes', async () => {
    const mail = await read('windows-1252.eml');
    assert.equal(mail.subject, '“Quote” and € price');
    assert.equal(
      mail.text.trim(),
      'The invoice says €49,95 but the shop said “free shipping” – please check.',
    );
  });

  test('8-bit text with no declared charset is read as Latin-1 when it is not UTF-8', async () => {
    const mail = await read('undeclared-8bit.eml');
    assert.equal(mail.subject, 'Café order for Müller');
    assert.equal(mail.from?.name, 'René Müller');
    assert.equal(mail.text.trim(), 'Grüße, the café machine is broken.');
  });

  test('8-bit text with no declared charset that is valid UTF-8 stays UTF-8', async () => {
    const mail = await read('undeclared-utf8.eml');
    assert.equal(mail.subject, 'Naïve question about the crème');
    assert.equal(mail.text.trim(), 'Déjà vu: the crème brûlée maker — again.');
  });

  test('quoted-printable soft line breaks are joined', async () => {
    const mail = await read('quoted-printable.eml');
    assert.equal(mail.subject, 'Café order');
    assert.match(
      mail.text,
      /the naïve café order #1042 arrived — but the crème is missing\. This line is long enough that it has to be wrapped/,
    );
  });

  test('base64 text and HTML alternatives are both decoded', async () => {
    const mail = await read('base64.eml');
    assert.equal(mail.subject, 'Grüße aus München');
    assert.deepEqual(mail.from, { address: 'juergen@example.de', name: 'Jürgen' });
    assert.equal(mail.text.trim(), 'Grüße aus München! Order 77 is late.');
    assert.equal(mail.html, '<p>Grüße aus <b>München</b>! Order 77 is late.</p>');
  });

  test('an emoji split across encoded words in the subject and the From name', async () => {
    const mail = await read('emoji-split.eml');
    assert.equal(mail.subject, '😂 Thanks 🎉 for the fix');
    assert.deepEqual(mail.from, {
      address: 'ana.smorrebrod@example.com',
      name: '🌻Ana Smørrebrød',
    });
    assert.equal(mail.headers.subject, '😂 Thanks 🎉 for the fix');
  });
});

describe('attachments', () => {
  test('inline cid images, with and without Content-Disposition, are inline with a bare Content-ID', async () => {
    const mail = await read('inline-cid.eml');
    const [kettle, logo, receipt] = mail.attachments;
    assert.deepEqual(
      mail.attachments.map((part) => [part.name, part.contentType, part.contentId, part.inline]),
      [
        ['kettle.png', 'image/png', 'kettle@example.com', true],
        ['attachment-2.png', 'image/png', 'signature.logo', true],
        ['receipt.pdf', 'application/pdf', null, false],
      ],
    );
    assert.ok(kettle && logo && receipt);
    assert.deepEqual([...kettle.content.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.equal(receipt.content.subarray(0, 5).toString(), '%PDF-');
    assert.match(mail.html ?? '', /<img alt="kettle" src="cid:kettle@example\.com" \/>/);
    assert.match(mail.html ?? '', /<img src="cid:signature\.logo" \/>/);
    assert.match(mail.text, /See the crack:/);
  });

  test('an attachment over the limit is refused by name and size, the rest is kept', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'A')
      .toString('base64')
      .replace(/.{76}/g, '$&\r\n');
    const raw = Buffer.from(
      [
        'From: Ana <ana@example.com>',
        'To: care@demo.rapport.test',
        'Subject: The video of the noise',
        'Message-ID: <big-1@example.com>',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Listen to this.',
        '--b',
        'Content-Type: video/mp4; name="noise.mp4"',
        'Content-Disposition: attachment; filename="noise.mp4"',
        'Content-Transfer-Encoding: base64',
        '',
        big,
        '--b',
        'Content-Type: text/plain; name="notes.txt"',
        'Content-Disposition: attachment; filename="notes.txt"',
        '',
        'small notes',
        '--b--',
        '',
      ].join('\r\n'),
    );
    const mail = await parseEmail(raw, limit);
    assert.ok(mail.ok);
    assert.equal(mail.text.trim(), 'Listen to this.');
    assert.deepEqual(
      mail.refused.map(({ name, size }) => ({ name, size })),
      [{ name: 'noise.mp4', size: 3 * 1024 * 1024 }],
    );
    assert.match(mail.refused[0]?.reason ?? '', /limit/);
    assert.deepEqual(
      mail.attachments.map((part) => [part.name, part.content.toString()]),
      [['notes.txt', 'small notes']],
    );
  });
});

describe('broken messages', () => {
  test('a missing closing boundary still gives what arrived', async () => {
    const mail = await read('missing-end-boundary.eml');
    assert.equal(mail.text.trim(), 'The first part arrived whole.');
    assert.match(mail.html ?? '', /The second part was cut <b>off/);
  });

  test('a boundary that never appears is unreadable, with the headers still read', async () => {
    const mail = await parseEmail(readFileSync(new URL('wrong-boundary.eml', corpus)), limit);
    assert.equal(mail.ok, false);
    assert.equal(mail.subject, 'The boundary is not the one declared');
    assert.equal(mail.messageId, 'wrong-boundary-1@example.com');
    assert.deepEqual(mail.from, { address: 'ana@example.com', name: 'Ana' });
  });

  test('binary garbage is unreadable, not a crash', async () => {
    const mail = await parseEmail(readFileSync(new URL('garbage.eml', corpus)), limit);
    assert.deepEqual(mail, {
      ok: false,
      reason: 'no message headers found',
      messageId: null,
      from: null,
      subject: '',
    });
  });

  test('a message of more parts than the parser takes is unreadable, its sender still known', async () => {
    const parts = Array.from(
      { length: 1100 },
      (_, i) => `--p\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`,
    );
    const raw = Buffer.from(
      'From: Flood <Flood@Example.com>\r\nSubject: many parts\r\nMessage-ID: <flood@example.com>\r\n' +
        'Content-Type: multipart/mixed; boundary="p"\r\n\r\n' +
        parts.join('') +
        '--p--\r\n',
    );
    const mail = await parseEmail(raw, limit);
    assert.equal(mail.ok, false);
    assert.match(mail.ok ? '' : mail.reason, /MIME/);
    assert.equal(mail.messageId, 'flood@example.com');
    assert.equal(mail.from?.address, 'flood@example.com');
  });

  test('an empty message is unreadable', async () => {
    const mail = await parseEmail(Buffer.alloc(0), limit);
    assert.equal(mail.ok, false);
  });
});

describe('Message-IDs and threading headers', () => {
  test('a padded Message-ID loses its brackets and spaces; a missing one is null', async () => {
    assert.equal((await read('padded-message-id.eml')).messageId, 'padded.id@example.com');
    assert.equal((await read('missing-message-id.eml')).messageId, null);
  });

  test('a Re: reply gives In-Reply-To, folded References in order, and every recipient', async () => {
    const mail = await read('reply-re.eml');
    assert.equal(mail.subject, 'Re: Re: Your case 1042');
    assert.equal(mail.messageId, 'reply-from-ana@example.com');
    assert.equal(mail.inReplyTo, 'reply-1042.7@demo.rapport.test');
    assert.deepEqual(mail.references, ['first-1042@example.com', 'reply-1042.7@demo.rapport.test']);
    assert.deepEqual(
      mail.to.map((a) => a.address),
      ['care+tk7f3q@demo.rapport.test', 'bob@example.com'],
    );
    assert.deepEqual(
      mail.cc.map((a) => a.address),
      ['carol@example.com', 'dave@example.com', 'erin@example.com'],
    );
    assert.deepEqual(mail.deliveredTo, ['care+tk7f3q@demo.rapport.test']);
    assert.deepEqual(mail.originalTo, ['care+tk7f3q@demo.rapport.test']);
    assert.equal(mail.date, Date.UTC(2025, 6, 4, 16, 45, 10));
    assert.equal(mail.authentication, 'pass');
    assert.equal(mail.automated, null);
  });

  test('AW: WG: with bare References, and Fwd: with a padded In-Reply-To', async () => {
    const aw = await read('reply-aw-wg.eml');
    assert.equal(aw.subject, 'AW: WG: Ihre Reparatur – Fall 77');
    assert.deepEqual(aw.references, ['first-77@example.de', 'reply-77.1@demo.rapport.test']);
    const fwd = await read('forward-fwd.eml');
    assert.equal(fwd.subject, 'Fwd: Your case 1042');
    assert.equal(fwd.inReplyTo, 'reply-1042.7@demo.rapport.test');
  });

  test('headers are keyed lower-case with their first, decoded value', async () => {
    const mail = await read('dmarc-fail.eml');
    assert.equal(mail.headers['message-id'], '<phish-1@bank.example>');
    assert.match(mail.headers['authentication-results'] ?? '', /^mx\.demo\.rapport\.test /);
    assert.equal(mail.headers['from'], '"Your Bank" <security@bank.example>');
    assert.equal(mail.headers['subject'], 'Please confirm your account');
  });
});

describe('automatic mail', () => {
  const cases: [string, RegExp][] = [
    ['auto-reply.eml', /Auto-Submitted: auto-replied/],
    ['out-of-office.eml', /X-Auto-Response-Suppress/],
    ['mailing-list.eml', /mailing list \(List-Id\)/],
    ['newsletter-bulk.eml', /Precedence: bulk/],
    ['helpdesk-autoresponder.eml', /Auto-Submitted: auto-replied/],
    ['helpdesk-xautoreply.eml', /X-Autoreply/],
    ['bounce-dsn.eml', /Auto-Submitted/],
    ['bounce-headers-only.eml', /postmaster@mx\.example\.org/],
    ['bounce-plain-text.eml', /mailer-daemon@old-mail\.example\.com/],
  ];
  for (const [name, reason] of cases)
    test(`${name} is automatic`, async () => {
      assert.match((await read(name)).automated?.reason ?? 'not automated', reason);
    });

  test('a message a person wrote is not automatic', async () => {
    for (const name of ['latin1.eml', 'reply-re.eml', 'inline-cid.eml', 'dmarc-fail.eml'])
      assert.equal((await read(name)).automated, null, name);
  });

  test('each loop signal on its own marks a message automatic; Auto-Submitted: no does not', () => {
    const person = { address: 'ana@example.com', name: 'Ana' };
    const reasonFor = (headers: Record<string, string>, contentType = 'text/plain') =>
      automationOf(headers, person, contentType)?.reason ?? null;
    assert.equal(reasonFor({ 'auto-submitted': 'no' }), null);
    assert.equal(
      reasonFor({ 'auto-submitted': 'auto-generated' }),
      'Auto-Submitted: auto-generated',
    );
    assert.equal(reasonFor({ precedence: 'junk' }), 'Precedence: junk');
    assert.equal(reasonFor({ 'x-loop': 'care@demo.rapport.test' }), 'X-Loop header');
    assert.equal(reasonFor({ 'x-autorespond': 'yes' }), 'X-Autorespond header');
    assert.equal(
      reasonFor({ 'list-unsubscribe': '<mailto:x@y>' }),
      'mailing list (List-Unsubscribe)',
    );
    assert.equal(reasonFor({ 'return-path': '<>' }), 'empty Return-Path');
    assert.equal(reasonFor({ 'return-path': '<ana@example.com>' }), null);
    assert.equal(reasonFor({}, 'multipart/report; report-type=delivery-status'), 'delivery report');
    assert.equal(
      automationOf({}, { address: 'mailer-daemon@mx.example', name: '' }, 'text/plain')?.reason,
      'sent by mailer-daemon@mx.example',
    );
  });
});

describe('bounces', () => {
  test('a DSN names the returned message, the recipient and the server reply', async () => {
    const mail = await read('bounce-dsn.eml');
    assert.deepEqual(mail.bounce, {
      originalMessageId: 'reply-1042.7@demo.rapport.test',
      recipient: 'nobody@example.net',
      reason: '550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown',
    });
  });

  test('a DSN with only the returned headers, and no diagnostic, gives the status', async () => {
    const mail = await read('bounce-headers-only.eml');
    assert.deepEqual(mail.bounce, {
      originalMessageId: 'reply-77.1@demo.rapport.test',
      recipient: 'full@example.org',
      reason: 'status 5.2.2',
    });
  });

  test("a mailer-daemon's plain-text notice quoting the Message-ID is a bounce", async () => {
    const mail = await read('bounce-plain-text.eml');
    assert.deepEqual(mail.bounce, {
      originalMessageId: 'reply-55.2@demo.rapport.test',
      recipient: 'gone@old-mail.example.com',
      reason: '550 5.1.1 user unknown',
    });
  });

  test('an auto-reply is not a bounce', async () => {
    assert.equal((await read('auto-reply.eml')).bounce, null);
  });
});

describe('DMARC', () => {
  test("the receiving server's failing verdict counts, not a forged pass below it", async () => {
    const mail = await read('dmarc-fail.eml');
    assert.equal(mail.authentication, 'fail');
    assert.deepEqual(mail.replyTo, { address: 'collect@elsewhere.example', name: '' });
  });

  test('no Authentication-Results is none', async () => {
    assert.equal((await read('latin1.eml')).authentication, 'none');
  });

  test('comments are ignored, case does not matter, and trusted servers can be named', () => {
    assert.equal(dmarcOf(['mx.example; (dmarc=fail is only a comment) dmarc=PASS']), 'pass');
    assert.equal(dmarcOf(['mx.example; spf=pass; dmarc=temperror']), 'none');
    assert.equal(dmarcOf(['mx.example; none']), 'none');
    const forgedFirst = ['forged.example; dmarc=pass', 'mx.ours.example 1; dmarc=fail'];
    assert.equal(dmarcOf(forgedFirst), 'pass');
    assert.equal(dmarcOf(forgedFirst, ['MX.ours.example']), 'fail');
    assert.equal(dmarcOf(forgedFirst, ['elsewhere.example']), 'none');
  });
});
