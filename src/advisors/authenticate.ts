import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Context } from '../platform/context.ts';
import { Forbidden, Unauthenticated } from '../platform/errors.ts';
import {
  advisorForSession,
  advisorForToken,
  recordTokenUse,
  tokenUseResolutionMs,
  viewerOf,
  type TokenScope,
} from './advisors.ts';
import type { Role, Viewer } from './access.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: 'public', or the roles allowed. A route without it answers 403. */
    allow?: 'public' | readonly Role[];
    /**
     * `widget`: a public route the company's own site calls (the chat widget). Its socket is not
     * refused as cross-site here; the route checks the page's origin against its chat account.
     */
    crossOrigin?: 'widget';
    /**
     * The API token scope a call needs; without it a GET needs `read` and any other method `admin`.
     * Sessions (people signed in) are not scoped: their role decides.
     */
    scope?: TokenScope;
  }
  interface FastifyRequest {
    viewer: Viewer | null;
  }
}

export const sessionCookie = 'rapport_session';

interface TokenCache {
  readonly entries: Map<string, { viewer: Viewer; until: number }>;
  /** When each token's last use was last written, so it is written at most once a minute. */
  readonly usedAt: Map<number, number>;
}
const tokenCaches = new WeakMap<Context, TokenCache>();
const tokenCacheMs = 5_000;

/**
 * Integrations call many times a second with the same token: keep its account for a few seconds.
 * Any revocation or account change heard on the bus empties the cache at once (on every node with
 * NATS; without a shared bus another node notices within `tokenCacheMs`).
 */
function tokenCacheOf(ctx: Context): TokenCache {
  let cache = tokenCaches.get(ctx);
  if (!cache) {
    const entries = new Map<string, { viewer: Viewer; until: number }>();
    cache = { entries, usedAt: new Map() };
    ctx.bus.subscribe((event) => {
      if (
        event.type === 'token.revoked' ||
        event.type.startsWith('advisor.updated') ||
        event.type === 'advisor.password-reset'
      )
        entries.clear();
    });
    tokenCaches.set(ctx, cache);
  }
  return cache;
}

/** Finds who a request acts for: the session cookie, or a bearer API token. */
export async function identify(ctx: Context, request: FastifyRequest): Promise<Viewer | null> {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const token = header.slice(7).trim();
    const cache = tokenCacheOf(ctx);
    const now = ctx.clock.now();
    const hit = cache.entries.get(token);
    let viewer: Viewer;
    if (hit && hit.until > now) viewer = hit.viewer;
    else {
      const holder = await advisorForToken(ctx.store.read, token);
      if (!holder) throw new Unauthenticated('the API token is not valid');
      viewer = { ...viewerOf(holder.row), tokenId: holder.tokenId, scopes: holder.scopes };
      if (holder.lastUsedAt !== null && !cache.usedAt.has(holder.tokenId))
        cache.usedAt.set(holder.tokenId, holder.lastUsedAt);
      if (cache.entries.size > 1000) cache.entries.clear();
      cache.entries.set(token, { viewer, until: now + tokenCacheMs });
    }
    await noteTokenUse(ctx, cache, viewer.tokenId, now);
    return viewer;
  }
  const token = request.cookies[sessionCookie];
  if (!token) return null;
  const row = await advisorForSession(ctx.store.read, token, ctx.clock.now());
  return row ? viewerOf(row) : null;
}

/** Writes a token's last use when the one written is a minute old or more (the update checks too). */
async function noteTokenUse(
  ctx: Context,
  cache: TokenCache,
  tokenId: number | undefined,
  now: number,
): Promise<void> {
  if (tokenId === undefined) return;
  const written = cache.usedAt.get(tokenId);
  if (written !== undefined && now - written < tokenUseResolutionMs) return;
  cache.usedAt.set(tokenId, now);
  if (cache.usedAt.size > 10_000) cache.usedAt.clear();
  await ctx.writer.run((unit) => recordTokenUse(unit, tokenId));
}

/** The scope a route needs from an API token: its own, else `read` for a GET and `admin` for a change. */
export function scopeNeeded(method: string, declared: TokenScope | undefined): TokenScope {
  if (declared) return declared;
  return method === 'GET' || method === 'HEAD' ? 'read' : 'admin';
}

const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether the request was made by a page of our own origin (the request's own scheme and host, or
 * one of `RAPPORT_ALLOWED_ORIGINS`), or by no page at all (a script or CLI sends neither header).
 * Browsers send `Origin` on every POST and WebSocket; `Sec-Fetch-Site` is the fallback without it.
 */
export function fromOwnOrigin(ctx: Context, request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) {
    const site = request.headers['sec-fetch-site'];
    return site === undefined || site === 'same-origin' || site === 'none';
  }
  const wanted = originOf(origin);
  if (wanted === null) return false; // "null" (a sandboxed frame, a file) or garbage
  return (
    wanted === originOf(`${request.protocol}://${request.host}`) ||
    ctx.config.allowedOrigins.includes(wanted)
  );
}

/** `scheme://host[:port]` as a browser writes it (lower case, no default port), or null. */
function originOf(text: string): string | null {
  try {
    const origin = new URL(text).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * A browser sends the session cookie with requests another page of the same site makes (SameSite=Lax
 * covers other ports and sibling subdomains): such a request may change nothing and open no socket.
 * Bearer-token requests carry no ambient credential, so they are not asked where they come from.
 */
function refuseCrossSite(ctx: Context, request: FastifyRequest): void {
  const byCookie = () =>
    !(request.headers.authorization?.startsWith('Bearer ') ?? false) &&
    request.cookies[sessionCookie] !== undefined;
  // `ws` is set on every request by the WebSocket plugin: true for an upgrade.
  const widgetSocket = request.ws && request.routeOptions.config.crossOrigin === 'widget';
  const guarded =
    (request.ws && !widgetSocket) || (stateChanging.has(request.method) && byCookie());
  if (guarded && !fromOwnOrigin(ctx, request))
    throw new Forbidden(
      'this request comes from a page of another origin: Rapport refuses it',
      'cross-site-request',
    );
}

/**
 * Enforces every route's `allow` list before its handler runs. Secure by default: a route that
 * forgot to say who may call it is refused.
 */
export function enforceAccess(app: FastifyInstance, ctx: Context): void {
  app.decorateRequest('viewer', null);
  // onRequest: a caller who may not use a route is refused before its body is parsed or validated.
  app.addHook('onRequest', async (request) => {
    const allow = request.routeOptions.config.allow;
    if (!request.routeOptions.url) return; // not-found handler
    refuseCrossSite(ctx, request);
    if (allow === 'public') return;
    const viewer = await identify(ctx, request);
    if (!viewer) throw new Unauthenticated();
    if (!allow || !allow.includes(viewer.role)) throw new Forbidden();
    if (viewer.scopes) {
      const needed = scopeNeeded(request.method, request.routeOptions.config.scope);
      if (!viewer.scopes.includes(needed))
        throw new Forbidden(
          `this API token may not do this: it needs the "${needed}" scope`,
          'token-scope-missing',
        );
    }
    request.viewer = viewer;
  });
}

/** The viewer of a request that passed `enforceAccess`. */
export function viewer(request: FastifyRequest): Viewer {
  if (!request.viewer) throw new Unauthenticated();
  return request.viewer;
}

export const staff: readonly Role[] = ['advisor', 'shop_advisor', 'supervisor', 'admin'];
export const leads: readonly Role[] = ['supervisor', 'admin'];
export const admins: readonly Role[] = ['admin'];
