import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Strict } from './schemas.ts';
import { sendProblem } from './problem.ts';

// A build stamp the widget puts on its style sheet's address, or one a company adds to the tag.
const AssetQuery = Strict({ v: Type.Optional(Type.String({ maxLength: 100 })) });

const assets = {
  '/widget.js': { file: 'widget.js', type: 'text/javascript; charset=utf-8' },
  '/widget.css': { file: 'widget.css', type: 'text/css; charset=utf-8' },
} as const;

interface Loaded {
  readonly mtimeMs: number;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
}

/**
 * The website chat widget's script and style sheet, as `npm run build` wrote them into
 * web/dist/widget/: loaded by any company's pages, so any origin may read them; cached for a few
 * minutes only (the tag's address never changes, so a new release must reach pages soon), with an
 * ETag for cheap revalidation, gzipped for browsers that take it.
 */
export function registerWidgetAssetRoutes(
  app: FastifyInstance,
  options: { readonly distDir?: string } = {},
): void {
  const dir = path.resolve(
    options.distDir ?? path.join(import.meta.dirname, '../../../web/dist/widget'),
  );
  const cache = new Map<string, Loaded>();
  const load = (file: string): Loaded | null => {
    const full = path.join(dir, file);
    const stat = fs.statSync(full, { throwIfNoEntry: false });
    if (!stat?.isFile()) return null;
    const cached = cache.get(file);
    if (cached?.mtimeMs === stat.mtimeMs) return cached;
    const body = fs.readFileSync(full);
    const loaded = {
      mtimeMs: stat.mtimeMs,
      body,
      gzip: gzipSync(body, { level: 9 }),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    };
    cache.set(file, loaded);
    return loaded;
  };

  for (const [url, asset] of Object.entries(assets)) {
    app.get(
      url,
      { schema: { hide: true, querystring: AssetQuery }, config: { allow: 'public' } },
      async (request, reply) => {
        const loaded = load(asset.file);
        if (!loaded) {
          return sendProblem(
            reply,
            request,
            'not-built',
            'the chat widget is not built yet: run `npm run build`',
          );
        }
        reply
          .header('content-type', asset.type)
          .header('cache-control', 'public, max-age=300')
          .header('etag', loaded.etag)
          .header('vary', 'accept-encoding')
          .header('access-control-allow-origin', '*')
          .header('cross-origin-resource-policy', 'cross-origin')
          .header('x-content-type-options', 'nosniff');
        if (request.headers['if-none-match'] === loaded.etag) return reply.code(304).send();
        if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
          return reply.header('content-encoding', 'gzip').send(loaded.gzip);
        }
        return reply.send(loaded.body);
      },
    );
  }
}
