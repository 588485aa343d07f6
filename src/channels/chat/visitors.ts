/**
 * Who is chatting: the chat account a widget names by its key, the account's settings, signed
 * visitor tokens, identity verification of a company's signed-in user (HMAC-SHA256 of their id with
 * the account's `identitySecret`), and `authenticateVisitor`, which every widget endpoint calls.
 * A visitor is a customer: anonymous (`widget-visitor` / visitor id) or verified
 * (`widget:<accountId>` / user id). An email or name the widget gives is never trusted: kept as an
 * unverified contact point, it never merges into an existing customer.
 */
import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Context } from '../../platform/context.ts';
import type { Unit } from '../../platform/db/writer.ts';
import { Forbidden, NotFound, Unauthenticated } from '../../platform/errors.ts';
import { createSecretBox, type SecretBox } from '../../platform/secrets.ts';
import type { AdapterAccount } from '../adapter.ts';
import { storedAccounts } from '../send-queue.ts';
import { normaliseEmail } from '../addresses.ts';
import { resolveCustomer, unverifiedNetwork } from '../../customers/customers.ts';

/** The provider name of the website chat. */
export const widgetProvider = 'widget';
/** The account secret a company's server signs its user ids with. */
export const identitySecretName = 'identitySecret';
/** The external identity system of anonymous visitors (id: the visitor id). */
export const anonymousSystem = 'widget-visitor';
/** The external identity system of a chat account's verified users (id: the company's user id). */
export const verifiedSystemOf = (accountId: number): string => `widget:${accountId}`;

/** A chat account's settings, read with their defaults (see CHAT.md). */
export interface ChatSettings {
  readonly colour: string;
  readonly greeting: string;
  readonly position: 'bottom-right' | 'bottom-left';
  readonly language: string;
  /** Origins that may embed the widget; empty = any. */
  readonly origins: readonly string[];
  readonly identityRequired: boolean;
  readonly afterResolved: 'reopen' | 'new';
  readonly maxAttachmentBytes: number;
  readonly attachmentTypes: readonly string[];
}

export const defaultAttachmentTypes = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'application/pdf',
  'text/plain',
];

const text = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;

/** The settings of a chat account, each with its default; `maxBytes` caps the attachment size. */
export function chatSettingsOf(account: AdapterAccount, maxBytes: number): ChatSettings {
  const s = account.settings;
  const colour = text(s.colour, '#0b57d0');
  const size = typeof s.maxAttachmentBytes === 'number' ? s.maxAttachmentBytes : 5_000_000;
  return {
    colour: /^#[0-9a-fA-F]{6}$/.test(colour) ? colour.toLowerCase() : '#0b57d0',
    greeting: text(s.greeting, 'Hello! How can we help?'),
    position: s.position === 'bottom-left' ? 'bottom-left' : 'bottom-right',
    language: text(s.language, 'en'),
    origins: text(s.origins, '')
      .split(',')
      .map((o) => originOf(o.trim()))
      .filter((o): o is string => o !== null),
    identityRequired: s.identityRequired === true || s.identityRequired === 'true',
    afterResolved: s.afterResolved === 'new' ? 'new' : 'reopen',
    maxAttachmentBytes: Math.max(0, Math.min(size, maxBytes)),
    attachmentTypes: text(s.attachmentTypes, defaultAttachmentTypes.join(','))
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  };
}

/** `scheme://host[:port]` as a browser writes it, or null. */
export function originOf(value: string): string | null {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * Whether a page of `origin` may use the account's widget: any page when the account names no
 * origins, else only those. A request without an Origin (a script, a test) is not a page of another
 * site; it still needs a visitor token for anything but the config.
 */
export function originAllowed(settings: ChatSettings, origin: string | undefined): boolean {
  if (origin === undefined || settings.origins.length === 0) return true;
  const wanted = originOf(origin);
  return wanted !== null && settings.origins.includes(wanted);
}

interface Shared {
  readonly box: SecretBox;
  key?: Promise<Buffer>;
}
const shared = new WeakMap<Context, Shared>();

function sharedOf(ctx: Context): Shared {
  let found = shared.get(ctx);
  if (!found) {
    found = { box: createSecretBox(ctx.config.secretKey) };
    shared.set(ctx, found);
  }
  return found;
}

/**
 * The key visitor tokens are signed with: derived from RAPPORT_SECRET_KEY when set, otherwise 32
 * random bytes created once and kept in `chat_keys` (every node reads the same row).
 */
function tokenKey(ctx: Context): Promise<Buffer> {
  const s = sharedOf(ctx);
  s.key ??= (async () => {
    if (ctx.config.secretKey)
      return Buffer.from(
        crypto.hkdfSync('sha256', ctx.config.secretKey, 'rapport', 'chat visitor tokens v1', 32),
      );
    const fresh = crypto.randomBytes(32).toString('base64url');
    await ctx.writer.run((unit) =>
      unit.db
        .insertInto('chat_keys')
        .values({ name: 'visitor-tokens', key: fresh, created_at: unit.now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute(),
    );
    const row = await ctx.store.db
      .selectFrom('chat_keys')
      .select('key')
      .where('name', '=', 'visitor-tokens')
      .executeTakeFirstOrThrow();
    return Buffer.from(row.key, 'base64url');
  })();
  s.key.catch(() => (s.key = undefined));
  return s.key;
}

/** What a visitor token says: the account and the visitor. */
export interface TokenClaims {
  readonly accountId: number;
  readonly visitorId: number;
}

const mac = (key: Buffer, body: string) =>
  crypto.createHmac('sha256', key).update(`v1.${body}`).digest();

/** Signs a token for a visitor: `v1.<base64url(JSON)>.<base64url(HMAC-SHA256)>`. */
export async function signVisitorToken(ctx: Context, claims: TokenClaims): Promise<string> {
  const body = Buffer.from(
    JSON.stringify({
      a: claims.accountId,
      v: claims.visitorId,
      n: crypto.randomBytes(9).toString('base64url'),
    }),
  ).toString('base64url');
  return `v1.${body}.${mac(await tokenKey(ctx), body).toString('base64url')}`;
}

/** The claims of a token whose signature holds, or null (never throws on garbage). */
export async function readVisitorToken(ctx: Context, token: string): Promise<TokenClaims | null> {
  const claims = claimsOf(token);
  if (!claims) return null;
  const [, body, signature] = token.split('.') as [string, string, string];
  // Compared as text: base64url has several spellings of the same bytes, and only ours is valid.
  const expected = Buffer.from(mac(await tokenKey(ctx), body).toString('base64url'));
  const given = Buffer.from(signature);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected)
    ? claims
    : null;
}

/** What a token claims, without checking its signature (for a request `verify` already passed). */
export function claimsOf(token: string): TokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1' || token.length > 500) return null;
  try {
    const raw = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as {
      a?: unknown;
      v?: unknown;
    };
    if (!Number.isSafeInteger(raw.a) || !Number.isSafeInteger(raw.v)) return null;
    return { accountId: raw.a as number, visitorId: raw.v as number };
  } catch {
    return null;
  }
}

/** The token of a widget request: `Authorization: Visitor <token>`. */
export function tokenOfHeaders(headers: FastifyRequest['headers']): string | undefined {
  const header = headers.authorization;
  return header?.startsWith('Visitor ') ? header.slice(8).trim() : undefined;
}

/** Whether `userHash` is hex(HMAC-SHA256(secret, userId)), compared in constant time. */
export function userHashHolds(secret: string, userId: string, userHash: string): boolean {
  const expected = crypto.createHmac('sha256', secret).update(userId).digest();
  const given = /^[0-9a-fA-F]{64}$/.test(userHash) ? Buffer.from(userHash, 'hex') : Buffer.alloc(0);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/** The hash a company's server computes for its user (tests and the demo page use it). */
export function userHashOf(secret: string, userId: string): string {
  return crypto.createHmac('sha256', secret).update(userId).digest('hex');
}

/**
 * The enabled chat account a widget names by its key (the account's address), with its secrets
 * opened; NotFound otherwise.
 */
export async function chatAccountByKey(ctx: Context, key: string): Promise<AdapterAccount> {
  const row = await ctx.store.read
    .selectFrom('channel_accounts')
    .select('id')
    .where('channel', '=', 'chat')
    .where('provider', '=', widgetProvider)
    .where('address', '=', key)
    .where('enabled', '=', 1)
    .executeTakeFirst();
  const account = row
    ? await storedAccounts(sharedOf(ctx).box).byId(ctx.store.read, row.id)
    : undefined;
  if (!account) throw new NotFound('chat account');
  return account;
}

/** The visitor an authenticated widget request acts for. */
export interface ChatVisitor {
  readonly id: number;
  readonly customerId: number;
  readonly conversationId: number | null;
  /** The verified user id, or null for an anonymous visitor. */
  readonly userId: string | null;
}

export interface VisitorContext {
  readonly account: AdapterAccount;
  readonly visitor: ChatVisitor;
}

/** A claimed user, as a request or a socket's hello carries it. */
export interface ClaimedUser {
  readonly userId?: string | undefined;
  readonly userHash?: string | undefined;
}

/**
 * The verified user id of a claim, or undefined when none is claimed; Unauthenticated when one is
 * claimed but its hash does not hold (or the account has no identity secret).
 */
export function verifiedUser(account: AdapterAccount, claim: ClaimedUser): string | undefined {
  if (claim.userId === undefined && claim.userHash === undefined) return undefined;
  if (!claim.userId || !claim.userHash)
    throw new Unauthenticated('the user id and its hash come together', 'identity-not-verified');
  const secret = account.secrets[identitySecretName];
  if (!secret)
    throw new Unauthenticated('this chat account verifies no user ids', 'identity-not-verified');
  if (!userHashHolds(secret, claim.userId, claim.userHash))
    throw new Unauthenticated('the user hash does not match the user id', 'identity-not-verified');
  return claim.userId;
}

/**
 * Checks a token (and, when the account requires identity, the user's id and hash) and loads the
 * visitor. Refused (Unauthenticated, with the reason) for a bad token, a token of another account,
 * of an unknown or erased visitor, or an identity that is missing, wrong, or another user's.
 */
export async function visitorOfToken(
  ctx: Context,
  account: AdapterAccount,
  token: string | undefined,
  claim: ClaimedUser,
): Promise<VisitorContext> {
  if (!token)
    throw new Unauthenticated(
      'a visitor token is needed (Authorization: Visitor …)',
      'visitor-token-invalid',
    );
  const claims = await readVisitorToken(ctx, token);
  if (!claims) throw new Unauthenticated('the visitor token is not valid', 'visitor-token-invalid');
  if (claims.accountId !== account.id)
    throw new Unauthenticated('the visitor token is for another chat', 'visitor-token-invalid');
  const row = await ctx.store.read
    .selectFrom('chat_visitors')
    .innerJoin('customers', 'customers.id', 'chat_visitors.customer_id')
    .select([
      'chat_visitors.id',
      'chat_visitors.customer_id',
      'chat_visitors.conversation_id',
      'chat_visitors.user_id',
      'customers.erased_at',
      'customers.merged_into_id',
    ])
    .where('chat_visitors.id', '=', claims.visitorId)
    .where('chat_visitors.account_id', '=', account.id)
    .executeTakeFirst();
  if (!row || row.erased_at !== null)
    throw new Unauthenticated('the visitor token names no visitor', 'visitor-token-invalid');
  const settings = chatSettingsOf(account, ctx.config.maxAttachmentBytes);
  const user = verifiedUser(account, claim);
  if (settings.identityRequired && user === undefined)
    throw new Unauthenticated(
      'this chat needs the signed-in user’s id and hash',
      'identity-not-verified',
    );
  // A verified visitor's token is theirs only: it is never used without their identity when the
  // account checks identities, and never with another user's.
  if (user !== undefined && user !== row.user_id)
    throw new Unauthenticated('the visitor token is another user’s', 'visitor-token-invalid');
  if (settings.identityRequired && row.user_id === null)
    throw new Unauthenticated(
      'this chat needs the signed-in user’s id and hash',
      'identity-not-verified',
    );
  return {
    account,
    visitor: {
      id: row.id,
      customerId: Number(row.merged_into_id ?? row.customer_id),
      conversationId: row.conversation_id === null ? null : Number(row.conversation_id),
      userId: row.user_id,
    },
  };
}

const headerText = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * Authenticates a widget HTTP request: the chat account by key, the page's origin (refused with
 * 403 when the account names its origins and this is not one), the visitor token, and, when the
 * account requires it, `X-Rapport-User-Id` / `X-Rapport-User-Hash` matching the token's user.
 */
export async function authenticateVisitor(
  ctx: Context,
  request: FastifyRequest,
  key: string,
): Promise<VisitorContext> {
  const account = await chatAccountByKey(ctx, key);
  refuseForeignPage(ctx, account, request.headers.origin);
  return visitorOfToken(ctx, account, tokenOfHeaders(request.headers), {
    userId: headerText(request.headers['x-rapport-user-id']),
    userHash: headerText(request.headers['x-rapport-user-hash']),
  });
}

/** Refuses (403 cross-site-request) a page whose origin the account does not list. */
export function refuseForeignPage(
  ctx: Context,
  account: AdapterAccount,
  origin: string | undefined,
): void {
  if (!originAllowed(chatSettingsOf(account, ctx.config.maxAttachmentBytes), origin))
    throw new Forbidden('this site may not use this chat', 'origin-not-allowed');
}

/** What a widget says about its visitor when it starts (`POST /api/widget/:key/visitors`). */
export interface VisitorClaim extends ClaimedUser {
  readonly token?: string | undefined;
  readonly name?: string | undefined;
  readonly email?: string | undefined;
}

/** The answer of `POST /visitors`, before it is shaped for the wire. */
export interface StartedVisitor {
  readonly token: string;
  readonly visitorId: number;
  readonly verified: boolean;
  readonly conversationId: number | null;
}

/**
 * Starts (or resumes) a visitor: a verified user gets the account's one visitor for them (created
 * with their customer, `widget:<accountId>` / user id); a valid token of an anonymous visitor
 * resumes it; anyone else becomes a new anonymous visitor and customer. Refused when the account
 * requires identity and none is verified.
 */
export async function startVisitor(
  ctx: Context,
  account: AdapterAccount,
  claim: VisitorClaim,
): Promise<StartedVisitor> {
  const settings = chatSettingsOf(account, ctx.config.maxAttachmentBytes);
  const user = verifiedUser(account, claim);
  if (settings.identityRequired && user === undefined)
    throw new Unauthenticated(
      'this chat needs the signed-in user’s id and hash',
      'identity-not-verified',
    );
  if (user === undefined && claim.token) {
    const resumed = await visitorOfToken(ctx, account, claim.token, {}).catch(() => undefined);
    if (resumed && resumed.visitor.userId === null)
      return {
        token: claim.token,
        visitorId: resumed.visitor.id,
        verified: false,
        conversationId: resumed.visitor.conversationId,
      };
  }
  const actor = { type: 'channel' as const, id: account.id };
  type Started = { id: number; conversationId: number | null };
  const visitor = await ctx.writer.run(async (unit): Promise<Started | null> => {
    if (user !== undefined) {
      const known = await unit.db
        .selectFrom('chat_visitors')
        .select(['id', 'conversation_id'])
        .where('account_id', '=', account.id)
        .where('user_id', '=', user)
        .executeTakeFirst();
      if (known) return { id: known.id, conversationId: known.conversation_id };
    }
    const inserted = await unit.db
      .insertInto('chat_visitors')
      .values({
        account_id: account.id,
        customer_id: null,
        user_id: user ?? null,
        conversation_id: null,
        created_at: unit.now,
        last_seen_at: unit.now,
      })
      .onConflict((oc) => oc.columns(['account_id', 'user_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return null; // the same user started on another request: read theirs below
    // Every visitor carries its own identity; a verified one also the company's user id, which
    // finds the customer they already are (on another device, or by an advisor's link).
    const { customerId } = await resolveCustomer(
      unit,
      user !== undefined
        ? { external: { system: verifiedSystemOf(account.id), id: user } }
        : { external: { system: anonymousSystem, id: String(inserted.id) } },
      {
        displayName:
          user !== undefined && claim.name?.trim()
            ? claim.name.trim()
            : `Website visitor ${inserted.id}`,
        defaultRegion: ctx.config.defaultPhoneRegion,
        actor,
      },
    );
    await linkOwnIdentity(unit, customerId, inserted.id);
    await unit.db
      .updateTable('chat_visitors')
      .set({ customer_id: customerId })
      .where('id', '=', inserted.id)
      .execute();
    if (claim.email) await keepUnverifiedEmail(unit, customerId, claim.email);
    return { id: inserted.id, conversationId: null };
  });
  const found: Started =
    visitor ??
    (await ctx.store.db
      .selectFrom('chat_visitors')
      .select(['id', 'conversation_id'])
      .where('account_id', '=', account.id)
      .where('user_id', '=', user!)
      .executeTakeFirstOrThrow()
      .then((r) => ({ id: r.id, conversationId: r.conversation_id })));
  return {
    token: await signVisitorToken(ctx, { accountId: account.id, visitorId: found.id }),
    visitorId: found.id,
    verified: user !== undefined,
    conversationId: found.conversationId === null ? null : Number(found.conversationId),
  };
}

/** The visitor's own identity on the customer (a verified user's customer gets it beside theirs). */
async function linkOwnIdentity(unit: Unit, customerId: number, visitorId: number): Promise<void> {
  await unit.db
    .insertInto('identities')
    .values({
      customer_id: customerId,
      kind: 'external',
      network: anonymousSystem,
      value: String(visitorId),
      created_at: unit.now,
    })
    .onConflict((oc) => oc.columns(['kind', 'network', 'value']).doNothing())
    .execute();
}

/**
 * An email the widget was told: kept on the visitor's customer under the network `unverified`, so
 * an advisor sees it, but it never finds or merges into the customer who owns that address.
 */
async function keepUnverifiedEmail(unit: Unit, customerId: number, raw: string): Promise<void> {
  let email: string;
  try {
    email = normaliseEmail(raw, 'email');
  } catch {
    return; // an address that is not one is not kept; the chat goes on
  }
  await unit.db
    .insertInto('identities')
    .values({
      customer_id: customerId,
      kind: 'email',
      network: unverifiedNetwork,
      value: email,
      created_at: unit.now,
    })
    .onConflict((oc) => oc.columns(['kind', 'network', 'value']).doNothing())
    .execute();
}

/** The contact points a visitor's message is sent from: their own identity, which every visitor has. */
export function visitorContactPoints(visitorId: number) {
  return { external: { system: anonymousSystem, id: String(visitorId) } };
}
