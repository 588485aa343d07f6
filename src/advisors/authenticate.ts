import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Context } from '../platform/context.ts';
import { Forbidden, Unauthenticated } from '../platform/errors.ts';
import { advisorForSession, advisorForToken, viewerOf } from './advisors.ts';
import type { Role, Viewer } from './access.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: 'public', or the roles allowed. A route without it answers 403. */
    allow?: 'public' | readonly Role[];
  }
  interface FastifyRequest {
    viewer: Viewer | null;
  }
}

export const sessionCookie = 'rapport_session';

interface TokenCache {
  readonly entries: Map<string, { viewer: Viewer; until: number }>;
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
    cache = { entries };
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
    if (hit && hit.until > now) return hit.viewer;
    const row = await advisorForToken(ctx.store.read, token);
    if (!row) throw new Unauthenticated('the API token is not valid');
    const viewer = viewerOf(row);
    if (cache.entries.size > 1000) cache.entries.clear();
    cache.entries.set(token, { viewer, until: now + tokenCacheMs });
    return viewer;
  }
  const token = request.cookies[sessionCookie];
  if (!token) return null;
  const row = await advisorForSession(ctx.store.read, token, ctx.clock.now());
  return row ? viewerOf(row) : null;
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
    if (allow === 'public') return;
    if (!request.routeOptions.url) return; // not-found handler
    const viewer = await identify(ctx, request);
    if (!viewer) throw new Unauthenticated();
    if (!allow || !allow.includes(viewer.role)) throw new Forbidden();
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
