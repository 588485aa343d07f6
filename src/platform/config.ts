import path from 'node:path';
import { isIP } from 'node:net';
import { Invalid } from './errors.ts';

/** Rapport's settings, read once from the environment, validated and frozen. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL connection string; SQLite in `dataDir` when absent. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** Region used to read phone numbers written without a country code (ISO 3166 alpha-2). */
  readonly defaultPhoneRegion: string;
  /**
   * The contact centre's time zone (IANA name, `RAPPORT_TIME_ZONE`): where "today" starts on the
   * wall, whoever looks at it. Defaults to the machine's zone.
   */
  readonly timeZone: string;
  /** NATS server for the event bus between nodes; in-process bus when absent. */
  readonly natsUrl: string | undefined;
  readonly cookieSecure: boolean;
  readonly sessionTtlMs: number;
  readonly logLevel: string;
  /** Load the demo company when the database is empty. */
  readonly loadDemo: boolean;
  readonly demoPassword: string;
  /** Loopback port of the demo's mail catcher, where the demo's email accounts send their replies. */
  readonly demoOutboxPort: number;
  /** How many customers the demo company has (RAPPORT_DEMO_CUSTOMERS). */
  readonly demoCustomers: number;
  /** Demo contacts taken in a minute by `serve` (RAPPORT_DEMO_TRAFFIC); 0 is none. */
  readonly demoTrafficPerMinute: number;
  readonly bodyLimitBytes: number;
  /** The largest attachment kept (an email's part, an upload); larger ones are listed, not stored. */
  readonly maxAttachmentBytes: number;
  /** How often each IMAP mailbox is read (RAPPORT_IMAP_INTERVAL_MS). */
  readonly imapIntervalMs: number;
  /** Requests a minute one client address may make to the public webhook routes; 0 turns the limit off. */
  readonly publicRateLimitPerMinute: number;
  /** Proxies (addresses or CIDRs) whose `X-Forwarded-For` names the client; none trusted when empty. */
  readonly trustedProxies: readonly string[];
  /**
   * Origins besides the request's own (scheme://host[:port]) whose pages may make cookie-authenticated
   * changes and open the live socket: the address the desk is served under behind a proxy.
   */
  readonly allowedOrigins: readonly string[];
  /**
   * The address the world reaches this server at (RAPPORT_PUBLIC_URL, e.g. https://care.example.com):
   * what providers sign their webhooks over and where their status callbacks point. Unset: the
   * request's own scheme and host (X-Forwarded-Proto/Host only from `trustedProxies`).
   */
  readonly publicUrl: string | undefined;
  /** How long a job worker's claim holds before another worker may take the job (a dead node's work). */
  readonly jobLeaseMs: number;
  /** How long a supervisor may undo a customer merge (RAPPORT_MERGE_UNDO_DAYS, default 7). */
  readonly mergeUndoMs: number;
  /**
   * How long an advisor who declined an offer is not offered that item again
   * (RAPPORT_DECLINE_COOL_OFF_MINUTES, default 10): others are tried first meanwhile.
   */
  readonly declineCoolOffMs: number;
  /** Key that encrypts secrets at rest (channel credentials, webhook secrets); never logged. */
  readonly secretKey: string | undefined;
  /** Secrets the demo company's channel accounts are given, each only when set (sealed with `secretKey`). */
  readonly demoSecrets: {
    readonly twilioAuthToken: string | undefined;
    readonly metaAppSecret: string | undefined;
    readonly metaVerifyToken: string | undefined;
    readonly xConsumerSecret: string | undefined;
  };
  /** The built-in SMTP server the company's mail system forwards to; off when undefined. */
  readonly smtp: SmtpSettings | undefined;
}

export interface SmtpSettings {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly maxBytes: number;
  /** PEM files for STARTTLS; STARTTLS is not offered without them. */
  readonly tls: { readonly keyFile: string; readonly certFile: string } | undefined;
}

type Env = Record<string, string | undefined>;

function intSetting(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Invalid(name, 'must be a non-negative integer');
  return value;
}

/** A lease shorter than a second could run out between two heartbeats: a live job would run twice. */
function leaseSetting(env: Env): number {
  const value = intSetting(env, 'RAPPORT_JOB_LEASE_MS', 30_000);
  if (value < 1_000) throw new Invalid('RAPPORT_JOB_LEASE_MS', 'must be at least 1000 (ms)');
  return value;
}

function boolSetting(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new Invalid(name, 'must be true or false');
}

/** A comma-separated list of IP addresses and CIDR ranges (`10.0.0.0/8`, `::1`). */
function proxiesSetting(env: Env, name: string): string[] {
  const entries = (env[name] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const max = family === 4 ? 32 : 128;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (family === 0 || !okBits || extra !== undefined)
      throw new Invalid(name, `${entry} is not an IP address or CIDR range`);
  }
  return entries;
}

/** A comma-separated list of origins, each exactly `scheme://host[:port]` (no path, no trailing slash). */
function originsSetting(env: Env, name: string): readonly string[] {
  const raw = env[name] ?? '';
  const origins = raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin.toLowerCase())
      throw new Invalid(name, `"${origin}" is not an origin like https://desk.example.com`);
  }
  return Object.freeze(origins.map((origin) => origin.toLowerCase()));
}

/** An http(s) base URL without query or fragment; a trailing slash is dropped. */
function publicUrlSetting(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.search || parsed.hash)
    throw new Invalid(name, `"${raw}" is not a base URL like https://care.example.com`);
  return raw.replace(/\/+$/, '');
}

/**
 * `RAPPORT_SMTP_PORT=off` turns the SMTP server off. The TLS files come as a pair: one without the
 * other would silently serve mail unencrypted.
 */
function smtpSettings(env: Env): SmtpSettings | undefined {
  if (env.RAPPORT_SMTP_PORT?.toLowerCase() === 'off') return undefined;
  const port = intSetting(env, 'RAPPORT_SMTP_PORT', 2525);
  if (port > 65_535) throw new Invalid('RAPPORT_SMTP_PORT', 'must be a port (0 to 65535) or off');
  const maxBytes = intSetting(env, 'RAPPORT_SMTP_MAX_BYTES', 26_214_400);
  if (maxBytes === 0) throw new Invalid('RAPPORT_SMTP_MAX_BYTES', 'must be at least 1');
  const keyFile = env.RAPPORT_SMTP_TLS_KEY || undefined;
  const certFile = env.RAPPORT_SMTP_TLS_CERT || undefined;
  if ((keyFile === undefined) !== (certFile === undefined)) {
    const missing = keyFile === undefined ? 'RAPPORT_SMTP_TLS_KEY' : 'RAPPORT_SMTP_TLS_CERT';
    throw new Invalid(missing, 'must be set too: STARTTLS needs both the key and the certificate');
  }
  return {
    host: env.RAPPORT_SMTP_HOST || '127.0.0.1',
    port,
    maxBytes,
    tls: keyFile && certFile ? { keyFile, certFile } : undefined,
  };
}

/** An IANA time zone name; the machine's own zone when unset. */
function timeZoneSetting(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw new Invalid(name, 'is not an IANA time zone (such as Europe/Paris)');
  }
}

/** Reads the configuration from environment variables (see README for the list). */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const region = (env.RAPPORT_PHONE_REGION ?? 'US').toUpperCase();
  if (!/^[A-Z]{2}$/.test(region))
    throw new Invalid('RAPPORT_PHONE_REGION', 'must be a two-letter region code');
  const config: Config = {
    port: intSetting(env, 'PORT', 3000),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.RAPPORT_DATA_DIR ?? 'data'),
    defaultPhoneRegion: region,
    timeZone: timeZoneSetting(env, 'RAPPORT_TIME_ZONE'),
    natsUrl: env.NATS_URL || undefined,
    cookieSecure: boolSetting(env, 'RAPPORT_COOKIE_SECURE', false),
    sessionTtlMs: intSetting(env, 'RAPPORT_SESSION_HOURS', 12) * 3_600_000,
    logLevel: env.LOG_LEVEL ?? 'info',
    loadDemo: boolSetting(env, 'RAPPORT_DEMO', true),
    demoPassword: env.RAPPORT_DEMO_PASSWORD ?? 'rapport-demo',
    demoOutboxPort: intSetting(env, 'RAPPORT_DEMO_OUTBOX_PORT', 2526),
    demoTrafficPerMinute: intSetting(env, 'RAPPORT_DEMO_TRAFFIC', 0),
    demoCustomers: intSetting(env, 'RAPPORT_DEMO_CUSTOMERS', 300),
    bodyLimitBytes: intSetting(env, 'RAPPORT_BODY_LIMIT', 1_048_576),
    maxAttachmentBytes: intSetting(env, 'RAPPORT_ATTACHMENT_MAX_BYTES', 10_000_000),
    imapIntervalMs: intSetting(env, 'RAPPORT_IMAP_INTERVAL_MS', 30_000),
    publicRateLimitPerMinute: intSetting(env, 'RAPPORT_PUBLIC_RATE_LIMIT', 60),
    trustedProxies: proxiesSetting(env, 'RAPPORT_TRUSTED_PROXIES'),
    allowedOrigins: originsSetting(env, 'RAPPORT_ALLOWED_ORIGINS'),
    publicUrl: publicUrlSetting(env, 'RAPPORT_PUBLIC_URL'),
    jobLeaseMs: leaseSetting(env),
    secretKey: env.RAPPORT_SECRET_KEY || undefined,
    demoSecrets: {
      twilioAuthToken: env.RAPPORT_DEMO_TWILIO_AUTH_TOKEN || undefined,
      metaAppSecret: env.RAPPORT_DEMO_META_APP_SECRET || undefined,
      metaVerifyToken: env.RAPPORT_DEMO_META_VERIFY_TOKEN || undefined,
      xConsumerSecret: env.RAPPORT_DEMO_X_CONSUMER_SECRET || undefined,
    },
    smtp: smtpSettings(env),
    mergeUndoMs: intSetting(env, 'RAPPORT_MERGE_UNDO_DAYS', 7) * 86_400_000,
    declineCoolOffMs: intSetting(env, 'RAPPORT_DECLINE_COOL_OFF_MINUTES', 10) * 60_000,
    ...overrides,
  };
  return Object.freeze(config);
}
