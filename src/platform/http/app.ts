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
import { boundIntegers, finiteOnly } from './schemas.ts';
import { guardRequestText } from './text-guard.ts';

/**
 * Builds the Fastify app shared by every area: schema validation that refuses unknown fields,
 * problem+json errors, request ids, body limit, cookies, rate limits, WebSocket and OpenAPI.
 * Routes are added by the caller; `listen` happens elsewhere.
 */
export async function buildHttpApp(ctx: Context): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: ctx.config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
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
  app.setValidatorCompiler(({ schema, httpPart }) =>
    finiteOnly(
      (httpPart === 'body' ? validators.body : validators.other).compile(boundIntegers(schema)),
    ),
  );
  guardRequestText(app);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  await app.register(cookie);
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
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { allow: 'public' } }, async () =>
    app.swagger(),
  );
  return app;
}
