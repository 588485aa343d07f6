import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { ImapFlow } from 'imapflow';

const dovecotBinary = '/usr/sbin/dovecot';

/**
 * A real Dovecot IMAP server for one test suite, on 127.0.0.1 with plaintext login, one user and a
 * maildir under a temporary directory. CI installs Debian's `dovecot-imapd` (see `.ci/run`).
 */
export interface TestDovecot {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Appends a raw message to `mailbox` (INBOX by default), `\Seen` when told, and returns its UID. */
  append(raw: string | Buffer, options?: { seen?: boolean; mailbox?: string }): Promise<number>;
  /**
   * Delivers a raw message into INBOX's maildir as the mail system's delivery agent does, also while
   * the IMAP server is down.
   */
  deliver(raw: string | Buffer, options?: { seen?: boolean }): void;
  /** The UIDs of INBOX flagged `\Seen` now. */
  seenUids(): Promise<number[]>;
  /** The UIDVALIDITY of `mailbox` as the server reports it now. */
  uidValidity(mailbox?: string): Promise<number>;
  /** Ends the server (clients see the connection go); the mail stays for `start()`. */
  halt(): Promise<void>;
  /** Starts the server again on the same port with the same mail. */
  start(): Promise<void>;
  /**
   * Makes the server number INBOX anew, as a mailbox rebuilt or restored from a backup: the same
   * messages under a new UIDVALIDITY and new UIDs. Stops and restarts the server to do it.
   */
  renumberInbox(): Promise<void>;
  /** Ends the server and removes everything it wrote. */
  stop(): Promise<void>;
}

/** Why Dovecot cannot run here, or false when it can. */
export function dovecotMissing(): string | false {
  return fs.existsSync(dovecotBinary) ? false : `${dovecotBinary} is not installed (dovecot-imapd)`;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The user mail is stored as: ourselves when unprivileged; as root, `nobody`, because Dovecot never
 * gives mail access to UID 0.
 */
function mailOwner(): { uid: number; gid: number; name: string } {
  const me = os.userInfo();
  if (me.uid !== 0) return { uid: me.uid, gid: me.gid, name: me.username };
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return { uid: Number(uid ?? 65534), gid: Number(gid ?? 65534), name: 'nobody' };
}

/** Dovecot 2.4 renamed the switch that allows passwords over an unencrypted connection. */
function cleartextSetting(): string {
  const version = /^(\d+)\.(\d+)/.exec(
    execFileSync(dovecotBinary, ['--version'], { encoding: 'utf8' }),
  );
  const [major, minor] = [Number(version?.[1] ?? 2), Number(version?.[2] ?? 3)];
  return major > 2 || (major === 2 && minor >= 4)
    ? 'auth_allow_cleartext = yes'
    : 'disable_plaintext_auth = no';
}

function configFor(dir: string, port: number, owner: { uid: number; gid: number; name: string }) {
  const privileged = os.userInfo().uid === 0;
  // Unprivileged, Dovecot cannot switch users: every process runs as us, without a chroot.
  const ownUsers = privileged
    ? ''
    : `default_internal_user = ${owner.name}\ndefault_login_user = ${owner.name}\n`;
  return `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
${cleartextSetting()}
auth_mechanisms = plain login
# A refused login answers at once: the tests try wrong passwords on purpose, so neither the
# failure delay nor the penalty for repeated failures from one address applies.
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
first_valid_uid = 1
mail_location = maildir:${dir}/mail/%u
${ownUsers}passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${dir}/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`;
}

async function answers(port: number): Promise<boolean> {
  const socket = net.createConnection({ host: '127.0.0.1', port });
  try {
    return await new Promise<boolean>((resolve) => {
      socket.once('data', (data) => resolve(String(data).startsWith('* OK')));
      socket.once('error', () => resolve(false));
    });
  } finally {
    socket.destroy();
  }
}

/** Starts Dovecot in the foreground (`-F`) on a free port and waits until it greets. */
export async function startDovecot(): Promise<TestDovecot> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-dovecot-'));
  // The mail processes run as another user when we are root: they must reach the maildir.
  fs.chmodSync(dir, 0o711);
  const owner = mailOwner();
  const mailDir = path.join(dir, 'mail');
  for (const sub of ['run', 'state', 'mail']) fs.mkdirSync(path.join(dir, sub));
  fs.chownSync(mailDir, owner.uid, owner.gid);
  const user = 'care';
  const password = 'imap-test-password';
  // Readable by the auth process, which runs as the `dovecot` user when we are root.
  fs.writeFileSync(path.join(dir, 'users'), `${user}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
  const port = await freePort();
  const configFile = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(configFile, configFor(dir, port, owner));

  let child: ChildProcess | undefined;
  let output = '';

  async function start(): Promise<void> {
    output = '';
    const started = spawn(dovecotBinary, ['-F', '-c', configFile], { stdio: 'pipe' });
    child = started;
    started.stdout.on('data', (d: Buffer) => (output += String(d)));
    started.stderr.on('data', (d: Buffer) => (output += String(d)));
    for (let attempt = 0; attempt < 200; attempt++) {
      if (started.exitCode !== null)
        throw new Error(`dovecot exited with ${started.exitCode}: ${output}${logTail()}`);
      if (await answers(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`dovecot did not answer on port ${port}: ${output}${logTail()}`);
  }

  function logTail(): string {
    const log = path.join(dir, 'dovecot.log');
    return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-10).join('\n') : '';
  }

  async function halt(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGTERM');
    await exited;
    // The master leaves once its children are gone; a new one refuses to start while the pid file stays.
    for (let wait = 0; wait < 200 && fs.existsSync(path.join(dir, 'run', 'master.pid')); wait++)
      await new Promise((resolve) => setTimeout(resolve, 25));
  }

  async function withClient<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user, pass: password },
      logger: false,
    });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.logout();
    }
  }

  let delivered = 0;
  await start();
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    append: (raw, options = {}) =>
      withClient(async (client) => {
        const mailbox = options.mailbox ?? 'INBOX';
        if (mailbox !== 'INBOX') await client.mailboxCreate(mailbox).catch(() => undefined);
        const appended = await client.append(mailbox, raw, options.seen ? ['\\Seen'] : []);
        if (!appended || appended.uid === undefined) throw new Error('the server took no message');
        return appended.uid;
      }),
    deliver(raw, options = {}) {
      const inbox = path.join(mailDir, user);
      const name = `${Math.floor(Date.now() / 1000)}.P${process.pid}Q${++delivered}.rapport-test`;
      for (const sub of ['new', 'cur', 'tmp']) {
        fs.mkdirSync(path.join(inbox, sub), { recursive: true });
        fs.chownSync(path.join(inbox, sub), owner.uid, owner.gid);
      }
      fs.chownSync(inbox, owner.uid, owner.gid);
      // Written under tmp/ and moved, so the server never reads half a message.
      const draft = path.join(inbox, 'tmp', name);
      fs.writeFileSync(draft, raw);
      fs.chownSync(draft, owner.uid, owner.gid);
      fs.renameSync(
        draft,
        options.seen ? path.join(inbox, 'cur', `${name}:2,S`) : path.join(inbox, 'new', name),
      );
    },
    seenUids: () =>
      withClient(async (client) => {
        const lock = await client.getMailboxLock('INBOX', { readOnly: true });
        try {
          const found = await client.search({ seen: true }, { uid: true });
          return found || [];
        } finally {
          lock.release();
        }
      }),
    uidValidity: (mailbox = 'INBOX') =>
      withClient(async (client) => {
        const status = await client.status(mailbox, { uidValidity: true });
        if (!status) throw new Error(`no status for ${mailbox}`);
        return Number(status.uidValidity);
      }),
    halt,
    start,
    async renumberInbox() {
      await halt();
      // Without its UID list and indexes Dovecot numbers the maildir anew, under the next UIDVALIDITY.
      const inbox = path.join(mailDir, user);
      for (const file of fs.readdirSync(inbox))
        if (file === 'dovecot-uidlist' || file.startsWith('dovecot.index'))
          fs.rmSync(path.join(inbox, file));
      await start();
    },
    async stop() {
      await halt();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
