import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/smtp-sink.ts';
import { createChannelAccount } from '../channel-accounts.ts';
import { createSecretBox } from '../../platform/secrets.ts';
import { systemActor } from '../../platform/events/event.ts';
import { startJobWorkers, type JobWorkers } from '../../platform/jobs/workers.ts';
import { sendJobs } from '../../contacts/sending.ts';
import { createOutbox } from '../../server.ts';
import type { Interaction } from '../../api-types/conversations.ts';

const secretKey = 'a-secret-key-for-the-attachment-tests-0123';
const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from([0x00, 0xff, 0x10, 0x80])]);
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

interface Problem {
  readonly type: string;
  readonly errors?: ReadonlyArray<{ field: string; reason: string }>;
}

async function waitFor<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

for (const database of await testDatabases()) {
  describe(`attachments from the desk on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let sink: SmtpSink;
    let workers: JobWorkers;
    let advisor: string;
    let techAdvisor: string;
    let accountId = 0;
    let conversationId = 0;

    before(async () => {
      h = await startHarness(await database.open(), {
        config: { secretKey, maxAttachmentBytes: 1_000 },
      });
      sink = await startSmtpSink();
      accountId = await h.ctx.writer.run(
        async (unit) =>
          (
            await createChannelAccount(
              unit,
              createSecretBox(secretKey),
              {
                channel: 'email',
                provider: 'smtp',
                displayName: 'Acme',
                address: 'care@acme.test',
                teamId: h.fixture.teams.care,
                settings: { smtpHost: '127.0.0.1', smtpPort: sink.port },
              },
              systemActor,
            )
          ).id,
      );
      const sends = sendJobs(h.ctx.writer, createOutbox(h.ctx));
      workers = startJobWorkers({
        dialect: h.ctx.store.dialect,
        writer: h.ctx.writer,
        logger: h.ctx.logger,
        handlers: sends.handlers,
        onDead: sends.onDead,
        pollMs: 5,
        random: () => 1,
        backoff: { baseMs: 1_000, capMs: 60_000 },
      });
      advisor = await h.signIn(h.fixture.people.advisor.email);
      techAdvisor = await h.signIn(h.fixture.people.techAdvisor.email);
      const received = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: 'camille@example.com', name: 'Camille' },
          subject: 'My invoice',
          text: 'Where is my invoice?',
          accountId,
          to: 'care@acme.test',
          teamId: h.fixture.teams.care,
        },
      });
      assert.equal(received.statusCode, 201, received.body);
      conversationId = json<{ conversationId: number }>(received).conversationId;
    });
    after(async () => {
      await workers.stop();
      await sink.close();
      await h.close();
    });

    const upload = (name: string, contentType: string, bytes: Buffer) =>
      h.app.inject({
        method: 'POST',
        url: '/api/uploads',
        headers: { cookie: advisor },
        payload: { name, contentType, data: bytes.toString('base64') },
      });
    const uploaded = async (name: string, contentType: string, bytes: Buffer) => {
      const response = await upload(name, contentType, bytes);
      assert.equal(response.statusCode, 201, response.body);
      return json<{ id: string; name: string; contentType: string; size: number }>(response);
    };
    const write = (payload: Record<string, unknown>, cookie = advisor) =>
      h.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/interactions`,
        headers: { cookie },
        payload,
      });

    test('an upload is refused in plain words naming the field: empty, too large, a program, not what its type says', async () => {
      const cases: Array<[string, string, Buffer, string, RegExp]> = [
        ['big.pdf', 'application/pdf', Buffer.concat([pdf, Buffer.alloc(1_000)]), 'data', /larger/],
        ['setup.exe', 'application/octet-stream', Buffer.from('MZ...'), 'name', /program/],
        ['tool.bin', 'application/x-msdownload', Buffer.from('MZ...'), 'contentType', /program/],
        ['fake.pdf', 'application/pdf', Buffer.from('<html>'), 'data', /not the application\/pdf/],
      ];
      for (const [name, type, bytes, field, reason] of cases) {
        const response = await upload(name, type, bytes);
        assert.equal(response.statusCode, 422, `${name}: ${response.body}`);
        const problem = json<Problem>(response);
        assert.equal(problem.type, 'https://rapport.dev/problems/attachment-refused', name);
        assert.equal(problem.errors?.[0]?.field, field, name);
        assert.match(problem.errors?.[0]?.reason ?? '', reason, name);
      }
      const empty = await upload('empty.pdf', 'application/pdf', Buffer.alloc(0));
      assert.equal(empty.statusCode, 400);
      assert.deepEqual(json<Problem>(empty).errors, [
        { field: 'data', reason: 'must not be empty' },
      ]);
      const named = await uploaded('../../invoice\u202Efdp.pdf', 'application/pdf', pdf);
      assert.equal(named.name, 'invoicefdp.pdf', 'no folders, no direction marks');
    });

    test('an email reply carries its uploaded file over SMTP, byte for byte, and the timeline offers it', async () => {
      const file = await uploaded('invoice.pdf', 'application/pdf', pdf);
      const reply = await write({
        kind: 'email',
        text: 'Here is your invoice.',
        attachments: [file],
      });
      assert.equal(reply.statusCode, 201, reply.body);
      const sent = json<Interaction>(reply);
      const mail = await waitFor('the reply at the sink', () =>
        sink.accepted().find((m) => m.to.includes('camille@example.com')),
      );
      const parsed = await simpleParser(mail.raw);
      assert.match(parsed.text ?? '', /Here is your invoice\./);
      assert.equal(parsed.attachments.length, 1);
      assert.equal(parsed.attachments[0]!.filename, 'invoice.pdf');
      assert.ok(parsed.attachments[0]!.content.equals(pdf), 'the file arrives byte for byte');

      const listed = await h.app.inject({
        url: `/api/conversations/${conversationId}/interactions`,
        headers: { cookie: advisor },
      });
      const shown = json<{ items: Interaction[] }>(listed).items.find((i) => i.id === sent.id)!;
      assert.equal(shown.attachments[0]?.href, `/api/interactions/${sent.id}/attachments/0`);
      const download = await h.app.inject({
        url: shown.attachments[0]!.href!,
        headers: { cookie: advisor },
      });
      assert.equal(download.statusCode, 200);
      assert.ok(download.rawPayload.equals(pdf));
      assert.match(String(download.headers['content-disposition']), /^attachment; filename=/);
    });

    test('a note keeps a file for colleagues; a chat reply refuses one, naming the field', async () => {
      const photo = await uploaded('meter.png', 'image/png', png);
      const chat = await write({
        kind: 'chat_message',
        text: 'See the photo',
        attachments: [photo],
      });
      assert.equal(chat.statusCode, 422, chat.body);
      const refusal = json<Problem>(chat).errors?.[0];
      assert.equal(refusal?.field, 'attachments');
      assert.match(refusal?.reason ?? '', /cannot carry files/);

      const note = await write({ kind: 'note', text: 'Photo of the meter', attachments: [photo] });
      assert.equal(note.statusCode, 201, note.body);
      const { id } = json<Interaction>(note);
      const opened = await h.app.inject({
        url: `/api/interactions/${id}/attachments/0?open=true`,
        headers: { cookie: advisor },
      });
      assert.equal(opened.statusCode, 200);
      assert.equal(opened.headers['content-type'], 'image/png');
      assert.match(String(opened.headers['content-disposition']), /^inline; filename=/);
      assert.match(String(opened.headers['content-security-policy']), /sandbox/);
    });

    test('only people who may see the case download its files: another team’s advisor gets a 404', async () => {
      const listed = await h.app.inject({
        url: `/api/conversations/${conversationId}/interactions`,
        headers: { cookie: advisor },
      });
      const withFiles = json<{ items: Interaction[] }>(listed).items.filter(
        (i) => i.attachments.length > 0,
      );
      assert.ok(withFiles.length >= 2);
      for (const item of withFiles) {
        for (const url of [item.attachments[0]!.href!, `${item.attachments[0]!.href!}?open=true`]) {
          const refused = await h.app.inject({ url, headers: { cookie: techAdvisor } });
          assert.equal(refused.statusCode, 404, `${url}: ${refused.body}`);
          assert.ok(!refused.rawPayload.includes(png) && !refused.rawPayload.includes(pdf));
        }
      }
      const anonymous = await h.app.inject({ url: withFiles[0]!.attachments[0]!.href! });
      assert.equal(anonymous.statusCode, 401);
    });
  });
}
