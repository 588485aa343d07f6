import { performance } from 'node:perf_hooks';
import type { Selectable } from 'kysely';
import {
  classifyProviderError,
  failureOfHttpAnswer,
  ProviderFailure,
} from '../channels/adapter.ts';
import type { Context } from '../platform/context.ts';
import type { EventsTable } from '../platform/db/schema.ts';
import type { DomainEvent } from '../platform/events/event.ts';
import { JobFailure, type DeadJobHook, type JobHandler } from '../platform/jobs/jobs.ts';
import { guardedRequest, RefusedDestination } from '../platform/net/outbound-http.ts';
import { createSecretBox } from '../platform/secrets.ts';
import { signatureHeader } from '../platform/net/signature.ts';
import {
  enqueueDelivery,
  matchesEventType,
  readAllowList,
  webhookJobType,
  type DeliveryJobPayload,
  type DeliveryOutcome,
} from './webhooks.ts';

/**
 * The body of every webhook request, stable and documented in the README ("Outbound webhooks").
 * `data` is the event's `after`: what the record looks like once the change was made.
 */
export interface WebhookPayload {
  readonly id: number;
  readonly type: string;
  /** When the change was committed, ISO 8601. */
  readonly at: string;
  readonly actor: { readonly type: string; readonly id: number | null };
  readonly entity: { readonly type: string; readonly id: number };
  readonly scope: {
    readonly customerId: number | null;
    readonly conversationId: number | null;
    readonly teamId: number | null;
    readonly shopId: number | null;
  };
  readonly data: unknown;
}

/** The payload of a stored event. */
export function payloadOfEvent(row: Selectable<EventsTable>): WebhookPayload {
  return {
    id: row.id,
    type: row.type,
    at: new Date(row.created_at).toISOString(),
    actor: { type: row.actor_type, id: row.actor_id },
    entity: { type: row.entity_type, id: row.entity_id },
    scope: {
      customerId: row.customer_id,
      conversationId: row.conversation_id,
      teamId: row.team_id,
      shopId: row.shop_id,
    },
    data: row.after === null ? null : (JSON.parse(row.after) as unknown),
  };
}

/**
 * Events that are never fanned out by type: a ping goes only to the subscription it tests, and
 * the queue's own news about webhook jobs would feed a failing receiver its own failures forever.
 */
function fannedOut(event: DomainEvent): boolean {
  // Ephemeral events (typing, presence on a case: id 0) are never stored: nothing to deliver.
  if (event.id === 0) return false;
  if (event.type === 'webhook.ping') return false;
  if (event.type.startsWith('job.')) {
    const jobType = (event.after as { type?: unknown } | null)?.type;
    if (jobType === webhookJobType) return false;
  }
  return true;
}

interface ActiveSubscription {
  readonly id: number;
  readonly eventTypes: readonly string[];
  readonly createdAt: number;
}

/**
 * Listens on the bus and, for each committed event an active subscription asked for, queues its
 * delivery. Every node may run it: the job key makes one delivery per subscription and event.
 * Returns the function that stops listening.
 */
export function startWebhookFanOut(ctx: Context): () => void {
  let cached: Promise<ActiveSubscription[]> | undefined;
  let cachedAt = 0;
  let generation = 0;
  const maxAgeMs = 30_000;

  function activeSubscriptions(): Promise<ActiveSubscription[]> {
    if (cached && ctx.clock.now() - cachedAt < maxAgeMs) return cached;
    const mine = ++generation;
    cachedAt = ctx.clock.now();
    const loading = ctx.store.read
      .selectFrom('webhook_subscriptions')
      .select(['id', 'event_types', 'created_at'])
      .where('active', '=', 1)
      .execute()
      .then((rows) =>
        rows.map((r) => ({
          id: r.id,
          eventTypes: JSON.parse(r.event_types) as string[],
          createdAt: r.created_at,
        })),
      );
    cached = loading;
    // A failed read is not kept: the next event asks again.
    loading.catch(() => {
      if (generation === mine) cached = undefined;
    });
    return loading;
  }

  return ctx.bus.subscribe(async (event) => {
    // A change to the subscriptions themselves: read them again for this and later events.
    if (event.type.startsWith('webhook.')) cached = undefined;
    if (!fannedOut(event)) return;
    const targets = (await activeSubscriptions()).filter(
      (s) => event.at >= s.createdAt && matchesEventType(s.eventTypes, event.type),
    );
    if (targets.length === 0) return;
    await ctx.writer.run(async (unit) => {
      for (const target of targets) await enqueueDelivery(unit, target.id, event.id);
    });
  });
}

const excerptLength = 500;

function isPayload(value: unknown): value is DeliveryJobPayload {
  const v = value as Partial<DeliveryJobPayload> | null;
  return (
    typeof v?.subscriptionId === 'number' &&
    typeof v.eventId === 'number' &&
    typeof v.deliveryId === 'string'
  );
}

/**
 * The handler of `webhook.deliver` jobs and its dead-job hook, for `startJobWorkers`. Each attempt
 * signs the event, POSTs it through the SSRF guard, writes one row of the delivery log and turns
 * the answer into done (2xx), retry later (429, 5xx, network; honouring Retry-After) or never
 * (other 4xx, a refused destination).
 */
export function webhookJobs(
  ctx: Context,
  options: { readonly timeoutMs?: number } = {},
): {
  readonly handlers: Record<string, JobHandler>;
  readonly onDead: Record<string, DeadJobHook>;
} {
  const box = createSecretBox(ctx.config.secretKey);
  const read = ctx.store.read;

  async function logAttempt(row: {
    subscriptionId: number;
    deliveryId: string;
    jobId: number;
    eventId: number;
    eventType: string;
    attempt: number;
    outcome: DeliveryOutcome;
    statusCode: number | null;
    error: string | null;
    responseExcerpt: string | null;
    durationMs: number;
  }): Promise<void> {
    await ctx.writer.run(async (unit) => {
      // The subscription may have been deleted while the request was out: nothing to log under.
      const still = await unit.db
        .selectFrom('webhook_subscriptions')
        .select('id')
        .where('id', '=', row.subscriptionId)
        .executeTakeFirst();
      if (!still) return;
      await unit.db
        .insertInto('webhook_deliveries')
        .values({
          subscription_id: row.subscriptionId,
          delivery_id: row.deliveryId,
          job_id: row.jobId,
          event_id: row.eventId,
          event_type: row.eventType,
          attempt: row.attempt,
          outcome: row.outcome,
          status_code: row.statusCode,
          error: row.error?.slice(0, excerptLength) ?? null,
          response_excerpt: row.responseExcerpt?.slice(0, excerptLength) ?? null,
          duration_ms: Math.round(row.durationMs),
          at: unit.now,
        })
        .execute();
    });
  }

  const deliver: JobHandler = async (job) => {
    if (!isPayload(job.payload))
      throw new JobFailure({ retry: 'never', reason: 'not a webhook delivery payload' });
    const { subscriptionId, eventId, deliveryId } = job.payload;
    const subscription = await read
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('id', '=', subscriptionId)
      .executeTakeFirst();
    // Deleted since: its deliveries end quietly with it.
    if (!subscription) return;
    const event = await read
      .selectFrom('events')
      .selectAll()
      .where('id', '=', eventId)
      .executeTakeFirst();
    const base = { subscriptionId, deliveryId, jobId: job.id, eventId, attempt: job.attempt };
    const refuse = async (reason: string, eventType: string): Promise<never> => {
      await logAttempt({
        ...base,
        eventType,
        outcome: 'failed',
        statusCode: null,
        error: reason,
        responseExcerpt: null,
        durationMs: 0,
      });
      throw new JobFailure({ retry: 'never', reason });
    };
    if (!event) return refuse(`event ${eventId} no longer exists`, 'unknown');
    if (subscription.active !== 1) return refuse('the subscription is paused', event.type);
    let secret: string;
    try {
      secret = box.open(subscription.secret_sealed);
    } catch (error) {
      return refuse(error instanceof Error ? error.message : String(error), event.type);
    }

    const body = JSON.stringify(payloadOfEvent(event));
    const t = Math.floor(ctx.clock.now() / 1000);
    const started = performance.now();
    let outcome: DeliveryOutcome;
    let statusCode: number | null = null;
    let excerpt: string | null = null;
    let failure: ProviderFailure | undefined;
    try {
      const answer = await guardedRequest(subscription.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Rapport-Webhooks/1',
          'rapport-event-id': String(event.id),
          'rapport-event-type': event.type,
          'rapport-delivery-id': deliveryId,
          'rapport-signature': signatureHeader(secret, t, body),
        },
        body,
        timeoutMs: options.timeoutMs ?? 10_000,
        allow: await readAllowList(read),
      });
      statusCode = answer.status;
      excerpt = answer.body.slice(0, excerptLength);
      if (answer.status >= 200 && answer.status < 300) outcome = 'delivered';
      else {
        const retryAfter = answer.headers['retry-after'];
        failure = failureOfHttpAnswer(
          answer.status,
          excerpt === '' ? 'no body' : excerpt,
          Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          ctx.clock.now(),
        );
        outcome = failure.retry ? 'retrying' : 'failed';
      }
    } catch (error) {
      if (error instanceof RefusedDestination) {
        // An allow-list entry was removed since the subscription was made: no retry will help.
        failure = new ProviderFailure('permanent', error.message);
        outcome = 'failed';
      } else {
        failure = classifyProviderError(error);
        outcome = failure.retry ? 'retrying' : 'failed';
      }
    }
    const durationMs = performance.now() - started;
    await logAttempt({
      ...base,
      eventType: event.type,
      outcome,
      statusCode,
      error: failure ? failure.message : null,
      responseExcerpt: excerpt,
      durationMs,
    });
    ctx.logger.info(
      { subscriptionId, deliveryId, eventId, attempt: job.attempt, statusCode, outcome },
      'webhook delivery attempt',
    );
    if (!failure) return;
    throw new JobFailure({
      retry: failure.retry ? 'later' : 'never',
      ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
      reason: failure.message,
    });
  };

  const onDead: DeadJobHook = async (unit, job) => {
    if (!isPayload(job.payload)) return;
    const { subscriptionId, deliveryId, eventId } = job.payload;
    const subscription = await unit.db
      .selectFrom('webhook_subscriptions')
      .select('id')
      .where('id', '=', subscriptionId)
      .executeTakeFirst();
    if (!subscription) return;
    const last = await unit.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'attempt'])
      .where('delivery_id', '=', deliveryId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (last && last.attempt === job.attempts) {
      await unit.db
        .updateTable('webhook_deliveries')
        .set({ outcome: 'failed', error: job.reason.slice(0, excerptLength) })
        .where('id', '=', last.id)
        .execute();
      return;
    }
    // The last attempt never wrote its row (the worker died mid-request): say so in the log.
    const event = await unit.db
      .selectFrom('events')
      .select('type')
      .where('id', '=', eventId)
      .executeTakeFirst();
    await unit.db
      .insertInto('webhook_deliveries')
      .values({
        subscription_id: subscriptionId,
        delivery_id: deliveryId,
        job_id: job.id,
        event_id: eventId,
        event_type: event?.type ?? 'unknown',
        attempt: job.attempts,
        outcome: 'failed',
        status_code: null,
        error: job.reason.slice(0, excerptLength),
        response_excerpt: null,
        duration_ms: 0,
        at: unit.now,
      })
      .execute();
  };

  return { handlers: { [webhookJobType]: deliver }, onDead: { [webhookJobType]: onDead } };
}
