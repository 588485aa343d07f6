import fs from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Strict } from './schemas.ts';
import { sendProblem } from './problem.ts';

const AssetParams = Strict({ file: Type.String({ maxLength: 200, pattern: '^[A-Za-z0-9._-]+$' }) });

const defaultDir = path.join(import.meta.dirname, '../../../web/dist/shop');

// The customers' shop pages talk only to this server; the board's chime is a file of ours.
const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'";

/**
 * Answers one of the customers' shop pages (booking, kiosk, board, status pages), as `npm run build`
 * wrote it into web/dist/shop/<name>.html; the page reads what it shows from the API. A page a
 * kiosk shows full screen may be framed by nothing (`frame-ancestors 'none'`).
 */
export async function sendShopPage(
  reply: FastifyReply,
  request: FastifyRequest,
  name: string,
  options: { readonly distDir?: string } = {},
): Promise<FastifyReply> {
  const dir = path.resolve(options.distDir ?? defaultDir);
  if (!fs.existsSync(path.join(dir, `${name}.html`)))
    return sendProblem(
      reply,
      request,
      'not-built',
      'the shop pages are not built yet: run `npm run build`',
    );
  return reply
    .header('cache-control', 'no-cache')
    .header('content-security-policy', `${contentSecurityPolicy}; frame-ancestors 'none'`)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .sendFile(`${name}.html`, dir, { cacheControl: false });
}

/**
 * The shop pages' hashed scripts and styles at /shop-assets/assets/…, cached for ever. Uses
 * `reply.sendFile`, which `registerWebAppRoutes` provides: register this after it.
 */
export function registerShopAssetRoutes(
  app: FastifyInstance,
  options: { readonly distDir?: string } = {},
): void {
  const dir = path.resolve(options.distDir ?? defaultDir);
  app.get<{ Params: Static<typeof AssetParams> }>(
    '/shop-assets/assets/:file',
    { schema: { hide: true, params: AssetParams }, config: { allow: 'public' } },
    async (request, reply) => {
      const wanted = `assets/${request.params.file}`;
      const file = path.resolve(dir, wanted);
      if (
        !file.startsWith(dir + path.sep) ||
        !fs.statSync(file, { throwIfNoEntry: false })?.isFile()
      )
        return reply.callNotFound();
      return reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .sendFile(wanted, dir, { cacheControl: false });
    },
  );
}
