import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from './databases.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import {
  environment,
  freePort,
  freshPlace,
  killHard,
  runToEnd,
  serve,
  waitFor,
  type Place,
  type Server,
} from './server-process.ts';

/*
 * An email reply whose send is being retried when the server dies: the mail server said "try later"
 * (451) to the first attempt, the second attempt's data is in but its answer never comes, the server
 * is killed (-9) and started again; the new server's run of the job sends it. The mail server takes
 * exactly one message, and every attempt carried the same Message-ID, the one the reply shows.
 */

const databases = await testDatabases();
const adminEmail = 'admin@email-kill.test';
const adminPassword = 'a-long-admin-password';

interface DeliveryStep {
  state: string;
  reason: string | null;
}

describe('an email reply killed in the middle of its retry', { concurrency: 2 }, () => {
  for (const db of databases) {
    describe(`on ${db.name}`, { skip: db.skip }, () => {
      let place: Place | undefined;
      let sink: SmtpSink | undefined;
      let server: Server | undefined;

      before(async () => {
        place = await freshPlace(db.name, 'email-kill');
        sink = await startSmtpSink();
      });
      after(async () => {
        await killHard(server?.child);
        await sink?.close();
        await place?.dispose();
      });

      test(
        'is sent once by the restarted server, with the Message-ID every attempt carried',
        { timeout: 240_000 },
        async () => {
          const env = environment(place!, {
            PORT: String(await freePort()),
            RAPPORT_SECRET_KEY: 'a-secret-key-for-the-email-kill-test-0123456789',
            RAPPORT_JOB_LEASE_MS: '2000',
          });
          const base = `http://127.0.0.1:${env.PORT}`;
          await runToEnd(
            [
              'user',
              'add',
              '--email',
              adminEmail,
              '--name',
              'Ana Admin',
              '--role',
              'admin',
              '--password',
              adminPassword,
            ],
            env,
          );
          server = await serve(env);
          const shown = () => server?.output().slice(-3000) ?? '';
          const login = await fetch(`${base}/api/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: adminEmail, password: adminPassword }),
          });
          assert.equal(login.status, 200, shown());
          const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
          const call = async (method: string, url: string, body?: unknown) => {
            const answer = await fetch(`${base}${url}`, {
              method,
              headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
              body: body ? JSON.stringify(body) : undefined,
            });
            const text = await answer.text();
            return { status: answer.status, body: text ? (JSON.parse(text) as unknown) : null };
          };

          const account = await call('POST', '/api/channel-accounts', {
            channel: 'email',
            provider: 'smtp',
            displayName: 'Acme',
            address: 'care@email-kill.test',
            settings: { smtpHost: '127.0.0.1', smtpPort: sink!.port },
          });
          assert.equal(account.status, 201, JSON.stringify(account.body));
          const inbound = await call('POST', '/api/interactions/inbound', {
            kind: 'email',
            from: { email: 'camille@example.com', name: 'Camille' },
            subject: 'My parcel',
            text: 'Where is my parcel?',
            provider: 'smtp',
            providerId: 'first-message@mail.example.com',
            accountId: (account.body as { id: number }).id,
            to: 'care@email-kill.test',
          });
          assert.equal(inbound.status, 201, JSON.stringify(inbound.body));
          const conversationId = (inbound.body as { conversationId: number }).conversationId;

          sink!.answers.push({ at: 'data', code: 451, message: '4.7.1 try again later' });
          sink!.answers.push({ hang: true });
          const reply = await call('POST', `/api/conversations/${conversationId}/interactions`, {
            kind: 'email',
            text: 'Your parcel leaves today.',
          });
          assert.equal(reply.status, 201, JSON.stringify(reply.body));
          const replyId = (reply.body as { id: number }).id;

          await waitFor('the retry to reach the mail server', 20_000, () =>
            sink!.received.length >= 2 ? true : undefined,
          );
          const delivery = async () => {
            const answer = await call('GET', `/api/interactions/${replyId}/delivery`);
            assert.equal(answer.status, 200, JSON.stringify(answer.body));
            return (answer.body as { items: DeliveryStep[] }).items;
          };
          assert.ok(
            !(await delivery()).some((s) => s.state === 'sent'),
            'not sent before the kill',
          );

          await killHard(server.child);
          assert.equal(sink!.accepted().length, 0, 'nothing taken before the kill');

          server = await serve(env);
          const steps = await waitFor(`reply ${replyId} to be sent`, 40_000, async () => {
            const items = await delivery();
            return items.some((s) => s.state === 'sent' || s.state === 'failed')
              ? items
              : undefined;
          });
          assert.equal(steps.at(-1)?.state, 'sent', `${JSON.stringify(steps)}\n${shown()}`);

          const listed = await call('GET', `/api/conversations/${conversationId}/interactions`);
          const sent = (
            listed.body as { items: Array<{ id: number; providerId: string | null }> }
          ).items.find((i) => i.id === replyId)!;
          assert.equal(sink!.accepted().length, 1, 'the mail server took one message');
          assert.equal(sink!.accepted()[0]!.messageId, sent.providerId);
          assert.ok(sink!.received.length >= 3, 'tried again after the restart');
          assert.deepEqual(
            [...new Set(sink!.received.map((m) => m.messageId))],
            [sent.providerId],
            'every attempt carried the same Message-ID',
          );
          assert.match(sink!.accepted()[0]!.raw.toString(), /Your parcel leaves today\./);
        },
      );
    });
  }
});
