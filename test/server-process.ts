import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/*
 * `rapport serve` as a child process, for tests that kill it and start it again: a fresh place for
 * its data, a free port, the command itself, and a hard kill.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const adminUrl = process.env.RAPPORT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
let counter = 0;

/** An empty place for Rapport's data: a directory for SQLite, a new database for PostgreSQL. */
export interface Place {
  readonly env: Record<string, string>;
  dispose(): Promise<void>;
}

export async function freshPlace(dialect: 'sqlite' | 'postgres', what: string): Promise<Place> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rapport-${what}-`));
  if (dialect === 'sqlite')
    return {
      env: { RAPPORT_DATA_DIR: dir },
      dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  const name = `rapport_${what.replace(/\W/g, '_')}_${process.pid}_${Date.now()}_${counter++}`;
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
export function environment(place: Place, settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    RAPPORT_DEMO: 'false',
    // Any free port: servers of one test run never fight over 2525.
    RAPPORT_SMTP_PORT: '0',
    HOST: '127.0.0.1',
    ...settings,
    ...place.env,
  };
  if (!place.env.DATABASE_URL) delete env.DATABASE_URL;
  delete env.NATS_URL;
  return env;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  probe.close();
  await once(probe, 'close');
  return port;
}

/**
 * The arguments that start `rapport <args>`: the bundle of src/main.ts the test runner built
 * (RAPPORT_TEST_MAIN; it starts in half the time), else the sources through tsx as `npm start`
 * runs them.
 */
export function rapportArgv(args: readonly string[]): string[] {
  const bundle = process.env.RAPPORT_TEST_MAIN;
  return bundle
    ? ['--enable-source-maps', bundle, ...args]
    : ['--import', 'tsx', path.join(root, 'src/main.ts'), ...args];
}

/** `rapport <args>` as a child process. */
function rapport(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, rapportArgv(args), {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a command to its end; rejects with its output unless it exits 0. */
export async function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = rapport(args, env);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`rapport ${args.join(' ')} exited ${code}\n${output}`);
  return output;
}

/** A running `rapport serve`, ready once its banner is out. */
export interface Server {
  readonly child: ChildProcess;
  /** Everything it wrote, for failure messages. */
  output(): string;
}

export async function serve(env: NodeJS.ProcessEnv): Promise<Server> {
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
export async function killHard(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Polls `check` until it returns a value, or fails after `ms` saying what it waited for. */
export async function waitFor<T>(
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
