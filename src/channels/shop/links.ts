import crypto from 'node:crypto';
import type { Context } from '../../platform/context.ts';

/** What a customer's signed link opens, without a login: a booking, a repair, a ticket. */
export type LinkKind = 'appointment' | 'repair' | 'ticket';

/** What a signed link says: which record it opens. */
export interface LinkClaims {
  readonly kind: LinkKind;
  readonly id: number;
}

const keys = new WeakMap<Context, Promise<Buffer>>();

/**
 * The key customer links are signed with: derived from RAPPORT_SECRET_KEY when set, otherwise 32
 * random bytes created once and kept in `chat_keys` under 'shop-links' (every node reads one row).
 */
function linkKey(ctx: Context): Promise<Buffer> {
  let key = keys.get(ctx);
  if (!key) {
    key = (async () => {
      if (ctx.config.secretKey)
        return Buffer.from(
          crypto.hkdfSync('sha256', ctx.config.secretKey, 'rapport', 'shop links v1', 32),
        );
      await ctx.writer.run((unit) =>
        unit.db
          .insertInto('chat_keys')
          .values({
            name: 'shop-links',
            key: crypto.randomBytes(32).toString('base64url'),
            created_at: unit.now,
          })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute(),
      );
      const row = await ctx.store.db
        .selectFrom('chat_keys')
        .select('key')
        .where('name', '=', 'shop-links')
        .executeTakeFirstOrThrow();
      return Buffer.from(row.key, 'base64url');
    })();
    key.catch(() => keys.delete(ctx));
    keys.set(ctx, key);
  }
  return key;
}

const kinds: Record<LinkKind, string> = { appointment: 'a', repair: 'r', ticket: 't' };
const kindOf = new Map(Object.entries(kinds).map(([k, v]) => [v, k as LinkKind]));

const mac = (key: Buffer, body: string) =>
  crypto.createHmac('sha256', key).update(`link.v1.${body}`).digest('base64url').slice(0, 32);

/**
 * A token for a customer's link, `<kind><id>.<mac>` (short enough for an SMS). It names the record,
 * not a version of it: an old link opens the record's current state.
 */
export async function signLink(ctx: Context, claims: LinkClaims): Promise<string> {
  const body = `${kinds[claims.kind]}${claims.id}`;
  return `${body}.${mac(await linkKey(ctx), body)}`;
}

/** The claims of a link token whose signature holds, or null (never throws on garbage). */
export async function readLink(ctx: Context, token: string): Promise<LinkClaims | null> {
  const match = /^([art])([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!match) return null;
  const [, kind, id, signature] = match as unknown as [string, string, string, string];
  const expected = Buffer.from(mac(await linkKey(ctx), `${kind}${id}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  return { kind: kindOf.get(kind)!, id: Number(id) };
}
