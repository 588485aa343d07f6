/**
 * The help centre's contact page (`GET /help`, its style and script) and the JSON API behind its
 * form (`POST /api/help/callbacks`): public, rate-limited per address, validated (problem+json
 * naming each field), idempotent with an `Idempotency-Key` (and, without one, a second request for
 * the same number finds the callback already waiting).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Context } from '../../platform/context.ts';
import { Strict } from '../../platform/http/schemas.ts';
import { createOnce } from '../../platform/http/idempotency.ts';
import { askForCallback, helpContacts } from './help-centre.ts';
import { helpPage, helpScript, helpStyles } from './help-page.ts';

const NoQuery = Strict({});

const CallbackBody = Strict({
  name: Type.String({ minLength: 1, maxLength: 120 }),
  /** The number to call, as the customer writes it: read as E.164 in the company's region. */
  phone: Type.String({ minLength: 3, maxLength: 40 }),
  /** When they would like the call (ISO 8601 with its offset), within opening hours. */
  preferredTime: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
  /** They agree to be called about their request. */
  consent: Type.Boolean(),
});

/** Scripts, styles and sockets of this origin only (the chat widget's included). */
function policyOf(request: FastifyRequest): string {
  const socket = `${request.protocol === 'https' ? 'wss' : 'ws'}://${request.host}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${socket}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function registerHelpRoutes(app: FastifyInstance, ctx: Context): void {
  const limit = ctx.config.publicRateLimitPerMinute;
  const pageLimit = limit > 0 ? { rateLimit: { max: limit, timeWindow: '1 minute' } } : {};
  // A person asks for a call once or twice; a script asking for many is refused early.
  const askLimit =
    limit > 0
      ? { rateLimit: { max: Math.max(3, Math.ceil(limit / 6)), timeWindow: '1 minute' } }
      : {};
  const send = (reply: FastifyReply, type: string, body: string, policy?: string) => {
    reply.header('content-type', type).header('cache-control', 'no-cache');
    reply.header('x-content-type-options', 'nosniff');
    if (policy) reply.header('content-security-policy', policy);
    return reply.send(body);
  };
  app.get(
    '/help',
    {
      schema: { hide: true, querystring: NoQuery },
      config: { allow: 'public', ...pageLimit },
    },
    async (request, reply) =>
      send(
        reply,
        'text/html; charset=utf-8',
        helpPage(await helpContacts(ctx.store.read)),
        policyOf(request),
      ),
  );
  app.get(
    '/help/help.css',
    { schema: { hide: true, querystring: NoQuery }, config: { allow: 'public', ...pageLimit } },
    async (_request, reply) => send(reply, 'text/css; charset=utf-8', helpStyles),
  );
  app.get(
    '/help/help.js',
    { schema: { hide: true, querystring: NoQuery }, config: { allow: 'public', ...pageLimit } },
    async (_request, reply) => send(reply, 'text/javascript; charset=utf-8', helpScript),
  );
  app.post<{ Body: Static<typeof CallbackBody> }>(
    '/api/help/callbacks',
    {
      schema: {
        tags: ['help'],
        summary:
          'Ask to be called back (the help centre’s form): a callback on the customer’s case, answered with an honest estimate',
        body: CallbackBody,
      },
      config: { allow: 'public', ...askLimit },
    },
    async (request, reply) => {
      const { name, phone, preferredTime, consent } = request.body;
      return createOnce(ctx.writer, request, reply, 'help-centre', async (unit) => ({
        status: 201,
        body: await askForCallback(
          unit,
          {
            name,
            phone,
            consent,
            preferredAt: preferredTime === undefined ? undefined : Date.parse(preferredTime),
          },
          { defaultRegion: ctx.config.defaultPhoneRegion, dialect: ctx.store.dialect },
        ),
      }));
    },
  );
}
