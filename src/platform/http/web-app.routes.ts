import fs from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Strict } from './schemas.ts';
import { sendProblem } from './problem.ts';

const AssetParams = Strict({ '*': Type.String({ maxLength: 500 }) });
const NoQuery = Strict({});

// Same-origin only: scripts and styles from the build, API calls and the live socket to this server.
// Images may come from the web: an email's remote images, shown only once an advisor allows them.
const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

/**
 * The browser front end (desk, wall, admin) at /desk/, as Vite built it into web/dist: hashed assets
 * cached for ever, every other path the single-page app's index.
 */
export function registerWebAppRoutes(
  app: FastifyInstance,
  options: { readonly distDir?: string } = {},
): void {
  const distDir = path.resolve(
    options.distDir ?? path.join(import.meta.dirname, '../../../web/dist'),
  );

  // The plugin gives `reply.sendFile`; our own routes serve, so each can say who may call it.
  void app.register(fastifyStatic, { serve: false });

  const sendIndex = (reply: FastifyReply) =>
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy)
      .header('x-content-type-options', 'nosniff')
      .sendFile('index.html', distDir, { cacheControl: false });

  app.get(
    '/desk',
    { schema: { hide: true, querystring: NoQuery }, config: { allow: 'public' } },
    async (_request, reply) => reply.redirect('/desk/'),
  );

  app.get<{ Params: Static<typeof AssetParams> }>(
    '/desk/*',
    { schema: { hide: true, params: AssetParams }, config: { allow: 'public' } },
    async (request: FastifyRequest<{ Params: Static<typeof AssetParams> }>, reply) => {
      // No file name holds a NUL (the file system would throw): such a path names nothing.
      if (request.params['*'].includes('\0')) return reply.callNotFound();
      if (!fs.existsSync(path.join(distDir, 'index.html'))) {
        return sendProblem(
          reply,
          request,
          'not-built',
          'the desk is not built yet: run `npm run build`',
        );
      }
      const wanted = request.params['*'];
      const file = path.resolve(distDir, wanted);
      const inside = file.startsWith(distDir + path.sep);
      if (wanted && inside && fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
        // Vite puts a content hash in every asset name: they never change, so browsers keep them.
        const immutable = wanted.startsWith('assets/');
        return reply
          .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
          .header('x-content-type-options', 'nosniff')
          .sendFile(wanted, distDir, { cacheControl: false });
      }
      if (wanted.startsWith('assets/')) return reply.callNotFound();
      // Any other path is a screen of the single-page app.
      return sendIndex(reply);
    },
  );
}
