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

/** Finds who a request acts for: the session cookie, or a bearer API token. */
export async function identify(ctx: Context, request: FastifyRequest): Promise<Viewer | null> {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const row = await advisorForToken(ctx.store.read, header.slice(7).trim());
    if (!row) throw new Unauthenticated('the API token is not valid');
    return viewerOf(row);
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
