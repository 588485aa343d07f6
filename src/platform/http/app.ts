import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { Context } from '../context.ts';
import { handleError, handleNotFound } from './problem.ts';
import { boundIntegers, compiledOnFirstUse, finiteOnly } from './schemas.ts';
import { guardRequestText } from './text-guard.ts';

/** A request id a client may choose (a proxy's trace id): short, and safe in logs and headers. */
const safeRequestId = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Every answer that is not a page of its own gets a policy that lets it run nothing and be framed
 * nowhere (a problem document, JSON, an asset opened on its own).
 */
const defaultSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The API browser: Swagger UI's own scripts and styles (it sets inline style attributes), the
 * OpenAPI document fetched from here, never framed.
 */
const docsSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

/** The request id: the client's `x-request-id` when it is a safe token, a fresh one otherwise. */
function requestIdOf(headers: Record<string, string | string[] | undefined>): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && safeRequestId.test(given) ? given : randomUUID();
}

/**
 * Builds the Fastify app shared by every area: schema validation that refuses unknown fields,
 * problem+json errors, request ids, body limit, cookies, rate limits, WebSocket and OpenAPI.
 * Routes are added by the caller; `listen` happens elsewhere.
 */
const lazySchemas = new WeakMap<FastifyInstance, Array<() => void>>();

/**
 * Compiles every route's validator now (each is otherwise compiled at its route's first request),
 * so a schema Ajv cannot compile stops `serve` at start instead of failing a customer's request.
 * Call after `ready()`; answers how many validators were compiled.
 */
export function compileRouteSchemas(app: FastifyInstance): number {
  const pending = lazySchemas.get(app) ?? [];
  for (const compile of pending) compile();
  return pending.length;
}

export async function buildHttpApp(ctx: Context): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: ctx.config.bodyLimitBytes,
    // Fastify would take any header value as given; `requestIdOf` checks it first.
    requestIdHeader: false,
    genReqId: (raw) => requestIdOf(raw.headers),
    logController: new LogController({
      disableRequestLogging: ctx.config.logLevel !== 'debug' && ctx.config.logLevel !== 'trace',
    }),
    trustProxy: ctx.config.trustedProxies.length > 0 ? [...ctx.config.trustedProxies] : false,
  });
  // Query strings and path parameters arrive as text and are coerced to their schema types; JSON
  // bodies are not: a number where the schema wants a string is refused, not silently converted.
  const validators = {
    body: new Ajv({
      removeAdditional: false,
      useDefaults: true,
      coerceTypes: false,
      allErrors: true,
      strict: false,
      strictNumbers: true,
    }),
    other: new Ajv({
      removeAdditional: false,
      useDefaults: true,
      coerceTypes: 'array',
      allErrors: true,
      strict: false,
      strictNumbers: true,
    }),
  };
  addFormats.default(validators.body);
  addFormats.default(validators.other);
  // Each route's validator is compiled at its first request (or by `compileRouteSchemas`, which
  // `serve` calls before listening): a test process no longer spends 0.7 s of CPU compiling ~300
  // schemas of routes it never calls.
  const pending: Array<() => void> = [];
  lazySchemas.set(app, pending);
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const lazy = compiledOnFirstUse(() =>
      (httpPart === 'body' ? validators.body : validators.other).compile(boundIntegers(schema)),
    );
    pending.push(lazy.compile);
    return finiteOnly(lazy.validate);
  });
  guardRequestText(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  // The only body Rapport reads is JSON: Fastify's default text/plain reader would let a plain HTML
  // form post to routes without a body schema. Webhook routes that must take a provider's format add
  // their own reader in their scope.
  app.removeContentTypeParser('text/plain');
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const path = request.url.split('?')[0] ?? request.url;
    // API answers hold personal data: no browser or proxy cache keeps them.
    if (path === '/api' || path.startsWith('/api/')) reply.header('cache-control', 'no-store');
    if (path === '/api/docs' || path.startsWith('/api/docs/'))
      reply.header('content-security-policy', docsSecurityPolicy);
    else if (!reply.hasHeader('content-security-policy'))
      reply.header('content-security-policy', defaultSecurityPolicy);
  });
  await app.register(cookie);
  // Public webhook and chat widget routes answer anyone who can reach them: each client address
  // gets RAPPORT_PUBLIC_RATE_LIMIT requests a minute. Set before the plugin reads the routes' config.
  const publicLimit = ctx.config.publicRateLimitPerMinute;
  const publicPrefixes = ['/webhooks/', '/api/widget/'];
  app.addHook('onRoute', (route) => {
    const isPublic = publicPrefixes.some((prefix) => route.url.startsWith(prefix));
    if (publicLimit > 0 && isPublic && !route.config?.rateLimit)
      route.config = {
        ...(route.config ?? {}),
        rateLimit: { max: publicLimit, timeWindow: '1 minute' },
      };
  });
  await app.register(rateLimit, { global: false });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rapport API',
        version: '0.1.0',
        description: 'Human-first customer care on every channel.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'rapport_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
  });
  // The API browser is public, like the document it shows.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs'))
      route.config = { ...(route.config ?? {}), allow: 'public' };
  });
  // Swagger UI redirects its static index.html to the UI, but keeps a query string in a way that
  // points the redirect at itself: go to the UI and drop the query. (After the text guard's own
  // preValidation hook, so a hostile query is refused like on every other route.)
  app.addHook('preValidation', async (request, reply) => {
    if (request.routeOptions.url === '/api/docs/static/index.html')
      return reply.redirect('/api/docs/');
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { allow: 'public' } }, async () =>
    app.swagger(),
  );
  return app;
}
