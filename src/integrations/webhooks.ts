import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { Kysely, Selectable } from 'kysely';
import type {
  Database,
  WebhookDeliveriesTable,
  WebhookSubscriptionsTable,
} from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../platform/errors.ts';
import { enqueueJob } from '../platform/jobs/jobs.ts';
import { assertPublicUrl, type AllowList } from '../platform/net/outbound-http.ts';
import type { SecretBox } from '../platform/secrets.ts';
import { newSigningSecret } from '../platform/net/signature.ts';

/**
 * Outbound webhooks for the company's own systems (billing, CRM): subscriptions to event types,
 * each with a signing secret Rapport generates; deliveries go through the job queue and every
 * attempt is written to the delivery log.
 */

/** The job type that delivers one event to one subscription. */
export const webhookJobType = 'webhook.deliver';

/** What a delivery job carries; the event and the subscription are read when it runs. */
export interface DeliveryJobPayload {
  readonly subscriptionId: number;
  readonly eventId: number;
  /** Stays the same across the retries of one delivery (the `rapport-delivery-id` header). */
  readonly deliveryId: string;
}

export interface SubscriptionView {
  readonly id: number;
  readonly name: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly active: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What create and rotate answer: the subscription and, this once only, its secret. */
export interface SubscriptionWithSecret {
  readonly subscription: SubscriptionView;
  readonly secret: string;
}

export const deliveryOutcomes = ['delivered', 'retrying', 'failed'] as const;
export type DeliveryOutcome = (typeof deliveryOutcomes)[number];

/** One attempt in the delivery log. */
export interface DeliveryAttemptView {
  readonly id: number;
  readonly subscriptionId: number;
  readonly deliveryId: string;
  readonly eventId: number;
  readonly eventType: string;
  readonly attempt: number;
  readonly outcome: DeliveryOutcome;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly responseExcerpt: string | null;
  readonly durationMs: number;
  readonly at: string;
}

/** A URL that went through `checkSubscriptionUrl`: only such a URL is stored. */
export type CheckedUrl = string & { readonly __checked: 'public or allow-listed' };

const eventTypePattern = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/;

/** Whether an event type is one a subscription asked for (`*`, a `prefix.*`, or the exact type). */
export function matchesEventType(patterns: readonly string[], type: string): boolean {
  for (const pattern of patterns) {
    if (pattern === '*' || pattern === type) return true;
    if (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))) return true;
  }
  return false;
}

function viewOf(row: Selectable<WebhookSubscriptionsTable>): SubscriptionView {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    eventTypes: JSON.parse(row.event_types) as string[],
    active: row.active === 1,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function attemptOf(row: Selectable<WebhookDeliveriesTable>): DeliveryAttemptView {
  return {
    id: row.id,
    subscriptionId: row.subscription_id,
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    eventType: row.event_type,
    attempt: row.attempt,
    outcome: row.outcome as DeliveryOutcome,
    statusCode: row.status_code,
    error: row.error,
    responseExcerpt: row.response_excerpt,
    durationMs: row.duration_ms,
    at: new Date(row.at).toISOString(),
  };
}

function cleanEventTypes(types: readonly string[]): string[] {
  const unique = [...new Set(types.map((t) => t.trim()))];
  if (unique.length === 0) throw new Invalid('eventTypes', 'name at least one event type');
  for (const type of unique)
    if (!eventTypePattern.test(type))
      throw new Invalid(
        'eventTypes',
        `${type} is not an event type (interaction.received) or a prefix (conversation.*)`,
      );
  return unique;
}

/** The host of a URL, for audit events: the path and query may carry the receiver's own token. */
function hostOf(url: string): string {
  return new URL(url).host;
}

/** The admin's allow-list of internal destinations, as stored. */
export async function readAllowList(db: Kysely<Database>): Promise<AllowList> {
  const rows = await db.selectFrom('webhook_allow_list').select('entry').orderBy('entry').execute();
  return { entries: rows.map((r) => r.entry) };
}

/**
 * Checks a subscription URL before it is stored: http(s), and resolving only to public addresses
 * unless allow-listed (422 naming `url` and why). Runs outside the unit of work: a slow DNS answer
 * must not hold the writer's transaction open.
 */
export async function checkSubscriptionUrl(db: Kysely<Database>, raw: string): Promise<CheckedUrl> {
  return (await assertPublicUrl(raw, await readAllowList(db), 'url')) as CheckedUrl;
}

/**
 * A new signing secret and its sealed form. Sealing first means a Rapport without
 * RAPPORT_SECRET_KEY refuses a subscription (422 naming it) before anything else is looked at.
 */
export function newSealedSecret(box: SecretBox): {
  readonly secret: string;
  readonly sealed: string;
} {
  const secret = newSigningSecret();
  return { secret, sealed: box.seal(secret) };
}

/** All subscriptions, by name. Secrets are never part of the answer. */
export async function listSubscriptions(db: Kysely<Database>): Promise<SubscriptionView[]> {
  const rows = await db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map(viewOf);
}

async function subscriptionRow(db: Kysely<Database>, id: number) {
  const row = await db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound('webhook subscription');
  return row;
}

/** Stores a subscription with its sealed secret; the clear secret is answered this once. */
export async function createSubscription(
  unit: Unit,
  input: {
    readonly name: string;
    readonly url: CheckedUrl;
    readonly eventTypes: readonly string[];
    readonly active?: boolean;
  },
  secret: { readonly secret: string; readonly sealed: string },
  actor: Actor,
): Promise<SubscriptionWithSecret> {
  const name = input.name.trim();
  if (name === '') throw new Invalid('name', 'must not be empty');
  const eventTypes = cleanEventTypes(input.eventTypes);
  const row = await unit.db
    .insertInto('webhook_subscriptions')
    .values({
      name,
      url: input.url,
      event_types: JSON.stringify(eventTypes),
      active: input.active === false ? 0 : 1,
      secret_sealed: secret.sealed,
      created_at: unit.now,
      updated_at: unit.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'webhook.created',
    actor,
    entity: { type: 'webhook_subscription', id: row.id },
    after: { name, host: hostOf(row.url), eventTypes, active: row.active === 1 },
  });
  return { subscription: viewOf(row), secret: secret.secret };
}

/** Renames, re-points, re-subscribes, pauses or resumes a subscription. */
export async function updateSubscription(
  unit: Unit,
  id: number,
  changes: {
    readonly name?: string;
    readonly url?: CheckedUrl;
    readonly eventTypes?: readonly string[];
    readonly active?: boolean;
  },
  actor: Actor,
): Promise<SubscriptionView> {
  const before = await subscriptionRow(unit.db, id);
  const name = changes.name?.trim();
  if (name === '') throw new Invalid('name', 'must not be empty');
  const eventTypes = changes.eventTypes ? cleanEventTypes(changes.eventTypes) : undefined;
  const row = await unit.db
    .updateTable('webhook_subscriptions')
    .set({
      ...(name !== undefined ? { name } : {}),
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(eventTypes ? { event_types: JSON.stringify(eventTypes) } : {}),
      ...(changes.active !== undefined ? { active: changes.active ? 1 : 0 } : {}),
      updated_at: unit.now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const old = viewOf(before);
  const now = viewOf(row);
  await unit.record({
    type: 'webhook.updated',
    actor,
    entity: { type: 'webhook_subscription', id },
    before: {
      name: old.name,
      host: hostOf(old.url),
      eventTypes: old.eventTypes,
      active: old.active,
    },
    after: {
      name: now.name,
      host: hostOf(now.url),
      eventTypes: now.eventTypes,
      active: now.active,
    },
  });
  return now;
}

/** Deletes a subscription and its delivery log; deliveries still queued find it gone and stop. */
export async function deleteSubscription(unit: Unit, id: number, actor: Actor): Promise<void> {
  const row = await subscriptionRow(unit.db, id);
  await unit.db.deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
  await unit.db.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
  await unit.record({
    type: 'webhook.deleted',
    actor,
    entity: { type: 'webhook_subscription', id },
    before: { name: row.name, host: hostOf(row.url) },
  });
}

/** Replaces the signing secret at once; deliveries from now on are signed with the new one. */
export async function rotateSecret(
  unit: Unit,
  id: number,
  secret: { readonly secret: string; readonly sealed: string },
  actor: Actor,
): Promise<SubscriptionWithSecret> {
  await subscriptionRow(unit.db, id);
  const row = await unit.db
    .updateTable('webhook_subscriptions')
    .set({ secret_sealed: secret.sealed, updated_at: unit.now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'webhook.secret_rotated',
    actor,
    entity: { type: 'webhook_subscription', id },
  });
  return { subscription: viewOf(row), secret: secret.secret };
}

/**
 * Queues the delivery of one event to one subscription. The key makes it once per pair: several
 * nodes hearing the same event, or the sweeper publishing it again, queue a single job.
 */
export async function enqueueDelivery(
  unit: Unit,
  subscriptionId: number,
  eventId: number,
  options: { readonly redelivery?: boolean } = {},
): Promise<{ readonly jobId: number; readonly deliveryId: string }> {
  const deliveryId = randomUUID();
  const payload: DeliveryJobPayload = { subscriptionId, eventId, deliveryId };
  const key = options.redelivery
    ? `webhook:${subscriptionId}:${eventId}:redelivery:${deliveryId}`
    : `webhook:${subscriptionId}:${eventId}`;
  const jobId = await enqueueJob(unit, { type: webhookJobType, payload, key });
  const job = await unit.db
    .selectFrom('jobs')
    .select('payload')
    .where('id', '=', jobId)
    .executeTakeFirstOrThrow();
  return { jobId, deliveryId: (JSON.parse(job.payload) as DeliveryJobPayload).deliveryId };
}

/** Sends a `webhook.ping` event to this subscription only, whatever types it listens to. */
export async function pingSubscription(
  unit: Unit,
  id: number,
  actor: Actor,
): Promise<{ readonly eventId: number; readonly deliveryId: string }> {
  const row = await subscriptionRow(unit.db, id);
  const event = await unit.record({
    type: 'webhook.ping',
    actor,
    entity: { type: 'webhook_subscription', id },
    after: { subscriptionId: id, name: row.name, message: 'ping from Rapport' },
  });
  const { deliveryId } = await enqueueDelivery(unit, id, event.id);
  return { eventId: event.id, deliveryId };
}

/** The delivery log of one subscription, newest attempt first. */
export async function listDeliveries(
  db: Kysely<Database>,
  subscriptionId: number,
  query: { readonly limit: number; readonly beforeId?: number },
): Promise<DeliveryAttemptView[]> {
  await subscriptionRow(db as Kysely<Database>, subscriptionId);
  let select = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('subscription_id', '=', subscriptionId);
  if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
  const rows = await select.orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map(attemptOf);
}

/**
 * Sends the event of a logged delivery again, as a new delivery (new delivery id, same event id),
 * unless that delivery is still queued or running: it is already on its way.
 */
export async function redeliver(
  unit: Unit,
  attemptId: number,
  actor: Actor,
): Promise<{ readonly eventId: number; readonly deliveryId: string }> {
  const row = await unit.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('id', '=', attemptId)
    .executeTakeFirst();
  if (!row) throw new NotFound('webhook delivery');
  const pending = await unit.db
    .selectFrom('jobs')
    .select('state')
    .where('id', '=', row.job_id)
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirst();
  if (pending)
    throw new Conflict(`delivery ${row.delivery_id} is still ${pending.state}; it is on its way`);
  const { deliveryId } = await enqueueDelivery(unit, row.subscription_id, row.event_id, {
    redelivery: true,
  });
  await unit.record({
    type: 'webhook.redelivered',
    actor,
    entity: { type: 'webhook_subscription', id: row.subscription_id },
    after: { eventId: row.event_id, previousDeliveryId: row.delivery_id, deliveryId },
  });
  return { eventId: row.event_id, deliveryId };
}

const hostName =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** One allow-list entry, normalised: a host name, an IP address, or a CIDR range. */
function cleanAllowEntry(raw: string): string {
  const entry = raw.trim().toLowerCase();
  const [network, bits, extra] = entry.split('/');
  if (extra === undefined && network && net.isIP(network)) {
    if (bits === undefined) return entry;
    const max = net.isIPv4(network) ? 32 : 128;
    if (/^\d+$/.test(bits) && Number(bits) <= max) return entry;
    throw new Invalid('entries', `${raw} has a prefix length outside 0–${max}`);
  }
  if (bits === undefined && hostName.test(entry)) return entry;
  throw new Invalid('entries', `${raw} is not a host name, an IP address or a CIDR range`);
}

/** Replaces the allow-list of internal destinations webhooks may reach. */
export async function replaceAllowList(
  unit: Unit,
  entries: readonly string[],
  actor: Actor,
): Promise<AllowList> {
  const cleaned = [...new Set(entries.map(cleanAllowEntry))].sort();
  const before = await readAllowList(unit.db);
  await unit.db.deleteFrom('webhook_allow_list').execute();
  if (cleaned.length > 0)
    await unit.db
      .insertInto('webhook_allow_list')
      .values(cleaned.map((entry) => ({ entry, created_at: unit.now })))
      .execute();
  await unit.record({
    type: 'webhook.allow_list_changed',
    actor,
    entity: { type: 'webhook_allow_list', id: 1 },
    before: { entries: before.entries },
    after: { entries: cleaned },
  });
  return { entries: cleaned };
}
