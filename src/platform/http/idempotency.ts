import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/schema.ts';
import type { Unit, Writer } from '../db/writer.ts';
import { Conflict, Invalid, RetryableConflict } from '../errors.ts';

/** How long a key is remembered: a retry comes within minutes, a day covers any client's backoff. */
export const idempotencyKeyLifetimeMs = 24 * 60 * 60 * 1000;

/** Deletes the idempotency keys older than their lifetime; answers how many went. */
export async function purgeIdempotencyKeys(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', now - idempotencyKeyLifetimeMs)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Purges expired idempotency keys every `intervalMs` until stopped. */
export function startIdempotencyPurge(options: {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs: number;
}): { stop(): void } {
  const timer = setInterval(() => {
    purgeIdempotencyKeys(options.db, options.clock.now()).catch((error: unknown) =>
      options.logger.warn({ err: error }, 'idempotency key purge failed'),
    );
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

export interface Created {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Runs a create in one unit of work and, when the request carries an `Idempotency-Key`, stores
 * the answer in the same transaction: a retry with that key gets the same answer and changes
 * nothing; the same key with a different body is refused. A key is remembered for a day: an older
 * one is forgotten (and purged), so its answer is not kept for ever.
 */
export async function createOnce(
  writer: Writer,
  request: FastifyRequest,
  reply: FastifyReply,
  actorKey: string,
  work: (unit: Unit) => Promise<Created>,
  options: {
    /**
     * What is kept for a replay, when it must differ from the first answer: a secret shown once
     * is left out, so it is neither stored in clear nor answered twice.
     */
    readonly remembered?: (body: unknown) => unknown;
  } = {},
): Promise<FastifyReply> {
  const raw = request.headers['idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key !== undefined && (key.length === 0 || key.length > 200))
    throw new Invalid('Idempotency-Key', 'must be 1 to 200 characters');
  const requestHash = createHash('sha256')
    .update(
      `${request.method} ${request.routeOptions.url ?? request.url} ${JSON.stringify(request.params)} ${JSON.stringify(request.body ?? null)}`,
    )
    .digest('hex');
  const result = await writer.run(async (unit) => {
    if (key !== undefined) {
      const stored = await unit.db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('actor', '=', actorKey)
        .where('key', '=', key)
        .executeTakeFirst();
      if (stored && stored.created_at < unit.now - idempotencyKeyLifetimeMs) {
        // Expired: forgotten, and the key starts afresh.
        await unit.db
          .deleteFrom('idempotency_keys')
          .where('actor', '=', actorKey)
          .where('key', '=', key)
          .execute();
      } else if (stored) {
        if (stored.request_hash !== requestHash)
          throw new Conflict(
            'this Idempotency-Key was used for a different request',
            'idempotency-key-reused',
          );
        return {
          status: stored.status_code,
          body: JSON.parse(stored.response_body) as unknown,
          replayed: true,
        };
      }
    }
    const created = await work(unit);
    if (key !== undefined) {
      await unit.db
        .insertInto('idempotency_keys')
        .values({
          actor: actorKey,
          key,
          request_hash: requestHash,
          status_code: created.status,
          response_body: JSON.stringify(
            options.remembered ? options.remembered(created.body) : created.body,
          ),
          created_at: unit.now,
        })
        .onConflict((oc) => oc.columns(['actor', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst()
        .then((row) => {
          // A concurrent request with the same key committed first: start again and replay its answer.
          if (!row) throw new RetryableConflict('idempotency key taken concurrently');
        });
    }
    return { ...created, replayed: false };
  });
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return reply.status(result.status).send(result.body);
}
