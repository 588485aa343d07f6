import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { testDatabases } from './databases.ts';
import { startFakeProvider, type FakeProvider } from './fake-provider.ts';
import { rapportArgv } from './server-process.ts';

/*
 * The real send path, end to end, across a `kill -9`: a reply's send reaches the provider, the
 * server dies before the answer comes back, and the restarted server sends it again with the same
 * Idempotency-Key, so the provider (which dedups by key) takes one message and the reply is sent.
 */

const databases = await testDatabases();
const root = fileURLToPath(new URL('..', import.meta.url));
const adminUrl = process.env.RAPPORT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const leaseMs = 2_000;
const adminEmail = 'admin@send-kill.test';
const adminPassword = 'a-long-admin-password';
let counter = 0;

/** An empty place for Rapport's data: a directory for SQLite, a new database for PostgreSQL. */
interface Place {
  readonly env: Record<string, string>;
  dispose(): Promise<void>;
}

async function freshPlace(dialect: 'sqlite' | 'postgres'): Promise<Place> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-send-kill-'));
  if (dialect === 'sqlite')
    return {
      env: { RAPPORT_DATA_DIR: dir },
      dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  const name = `rapport_send_kill_${process.pid}_${Date.now()}_${counter++}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    // The data dir still points somewhere empty and private, so nothing lands in the repository.
    env: { DATABASE_URL: url.toString(), RAPPORT_DATA_DIR: dir },
    async dispose() {
      fs.rmSync(dir, { recursive: true, force: true });
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** This machine's environment minus Rapport settings that would leak in, plus the test's own. */
function environment(place: Place, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    RAPPORT_DEMO: 'false',
    // Any free port: servers of one test run never fight over 2525.
    RAPPORT_SMTP_PORT: '0',
    RAPPORT_SECRET_KEY: 'a-secret-key-for-the-send-kill-test-0123456789',
    RAPPORT_JOB_LEASE_MS: String(leaseMs),
    PORT: String(port),
    HOST: '127.0.0.1',
    ...place.env,
  };
  if (!place.env.DATABASE_URL) delete env.DATABASE_URL;
  delete env.NATS_URL;
  return env;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** `rapport <args>` as a child process (see `rapportArgv`). */
function rapport(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, rapportArgv(args), {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a command to its end; rejects with its output unless it exits 0. */
async function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = rapport(args, env);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`rapport ${args.join(' ')} exited ${code}\n${output}`);
  return output;
}

/** A running `rapport serve`, ready once its banner is out. */
interface Server {
  readonly child: ChildProcess;
  /** Everything it wrote, for failure messages. */
  output(): string;
}

async function serve(env: NodeJS.ProcessEnv): Promise<Server> {
  const child = rapport(['serve'], env);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/Press Ctrl\+C to stop\.\n/.test(output)) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`serve exited (${code ?? signal}) before it was ready\n${output}`)),
    );
  });
  return { child, output: () => output };
}

/** Ends a child for good (SIGKILL) and waits until it is gone; nothing when it already is. */
async function killHard(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Polls `check` until it returns a value, or fails after `ms` saying what it waited for. */
async function waitFor<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface DeliveryStep {
  state: string;
  reason: string | null;
}

describe('a reply whose send is killed mid-request', { concurrency: 2 }, () => {
  for (const db of databases) {
    describe(`on ${db.name}`, { skip: db.skip }, () => {
      let place: Place | undefined;
      let provider: FakeProvider | undefined;
      let server: Server | undefined;

      before(async () => {
        place = await freshPlace(db.name);
        provider = await startFakeProvider();
      });
      after(async () => {
        await killHard(server?.child);
        await provider?.close();
        await place?.dispose();
      });

      test(
        'is sent again after a kill -9 and a restart, with the same Idempotency-Key: the provider takes one message and the reply is sent',
        { timeout: 240_000 },
        async () => {
          const env = environment(place!, await freePort());
          const base = `http://127.0.0.1:${env.PORT}`;
          await runToEnd(
            [
              'user',
              'add',
              '--email',
              adminEmail,
              '--name',
              'Admin',
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
          const call = async (
            method: string,
            url: string,
            body?: unknown,
            auth: Record<string, string> = { cookie },
          ): Promise<{ status: number; body: unknown }> => {
            const answer = await fetch(`${base}${url}`, {
              method,
              headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
              body: body ? JSON.stringify(body) : undefined,
            });
            const text = await answer.text();
            return { status: answer.status, body: text ? (JSON.parse(text) as unknown) : null };
          };

          const gateway = await call('POST', '/api/advisors', {
            name: 'Mail gateway',
            email: 'gateway@send-kill.test',
            role: 'integration',
          });
          assert.equal(gateway.status, 201, JSON.stringify(gateway.body));
          const token = await call('POST', '/api/tokens', {
            name: 'mail gateway',
            advisorId: (gateway.body as { id: number }).id,
          });
          assert.equal(token.status, 201, JSON.stringify(token.body));
          const bearer = { authorization: `Bearer ${(token.body as { token: string }).token}` };

          const account = await call('POST', '/api/channel-accounts', {
            channel: 'email',
            provider: 'webhook',
            displayName: 'Care mailbox',
            address: 'care@send-kill.test',
            settings: { sendUrl: `${provider!.url}/messages` },
            secrets: { signingSecret: 'the-gateway-signing-secret' },
          });
          assert.equal(account.status, 201, JSON.stringify(account.body));
          const accountId = (account.body as { id: number }).id;

          const inbound = await call(
            'POST',
            '/api/interactions/inbound',
            {
              kind: 'email',
              from: { email: 'camille@example.com', name: 'Camille' },
              subject: 'My parcel',
              text: 'Where is my parcel?',
              provider: 'mail-gateway',
              providerId: 'gateway-message-1',
              accountId,
              to: 'care@send-kill.test',
            },
            bearer,
          );
          assert.equal(inbound.status, 201, JSON.stringify(inbound.body));
          const conversationId = (inbound.body as { conversationId: number }).conversationId;

          // The provider takes the first request and never answers it.
          provider!.answers.push({ hang: true });
          const reply = await call('POST', `/api/conversations/${conversationId}/interactions`, {
            kind: 'email',
            text: 'Your parcel leaves today.',
          });
          assert.equal(reply.status, 201, JSON.stringify(reply.body));
          const replyId = (reply.body as { id: number }).id;

          await waitFor('the send to reach the provider', 20_000, () =>
            provider!.requests.length > 0 ? true : undefined,
          );
          const delivery = async () => {
            const answer = await call('GET', `/api/interactions/${replyId}/delivery`);
            assert.equal(answer.status, 200, JSON.stringify(answer.body));
            return (answer.body as { items: DeliveryStep[] }).items;
          };
          const before = (await delivery()).map((s) => s.state);
          assert.ok(!before.includes('sent'), `not sent before the kill: ${before.join(' → ')}`);

          await killHard(server.child);
          assert.equal(server.child.signalCode, 'SIGKILL');
          assert.equal(provider!.requests.length, 1, 'no second request while the server was down');

          server = await serve(env);
          const steps = await waitFor(`reply ${replyId} to be sent`, 30_000, async () => {
            const items = await delivery();
            return items.some((s) => s.state === 'sent' || s.state === 'failed')
              ? items
              : undefined;
          });
          const states = steps.map((s) => s.state);
          assert.equal(states.at(-1), 'sent', `${JSON.stringify(steps)}\n${shown()}`);
          assert.equal(states.filter((s) => s === 'sent').length, 1, states.join(' → '));

          assert.ok(provider!.requests.length >= 2, 'the send was tried again after the restart');
          const keys = new Set(provider!.requests.map((r) => r.headers['idempotency-key']));
          assert.deepEqual([...keys], [`send:${replyId}`], 'every attempt carries the same key');
          assert.equal(provider!.messages.size, 1, 'the provider took one message');
          for (const request of provider!.requests) {
            const body = JSON.parse(request.body) as { interactionId: number; text: string };
            assert.equal(body.interactionId, replyId);
            assert.match(body.text, /Your parcel leaves today\./);
          }

          const listed = await call('GET', `/api/conversations/${conversationId}/interactions`);
          assert.equal(listed.status, 200, JSON.stringify(listed.body));
          const shownReply = (
            listed.body as { items: Array<{ id: number; deliveryState: string | null }> }
          ).items.find((i) => i.id === replyId);
          assert.equal(shownReply?.deliveryState, 'sent', 'the case shows the reply as sent');
        },
      );
    });
  }
});
