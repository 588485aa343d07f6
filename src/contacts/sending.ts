/**
 * The durable send of a reply: enqueued in the unit that stores it (so a stored reply is never
 * lost), run by the job workers through the adapter of its account's provider, with every outcome
 * recorded as a delivery state. A provider failure becomes a job failure: retried per
 * `failurePolicies` (honouring Retry-After), or given up, which marks the reply failed with the reason.
 */
import type { InteractionRow } from '../platform/db/schema.ts';
import type { Unit, Writer } from '../platform/db/writer.ts';
import { systemActor, type Actor } from '../platform/events/event.ts';
import { Conflict } from '../platform/errors.ts';
import {
  enqueueJob,
  JobFailure,
  type DeadJobHook,
  type RetryJobHook,
  type JobHandler,
} from '../platform/jobs/jobs.ts';
import type { Viewer } from '../advisors/access.ts';
import type { OutboundMessage } from '../channels/adapter.ts';
import { isChannel } from '../channels/channel.ts';
import {
  sendJobType,
  sendKeyOf,
  type Outbox,
  type SendJobPayload,
} from '../channels/send-queue.ts';
import { moveDelivery, requeueDelivery, visibleInteraction } from '../conversations/delivery.ts';
import type { Attachment, DeliveryState, InteractionKind } from '../conversations/interactions.ts';

/**
 * Enqueues the send of a stored reply in the caller's unit, when the account it leaves on is enabled
 * and this server has an adapter for its provider. Otherwise the reply stays `queued`: it waits for
 * its channel (the desk says so) until an advisor retries it. Returns whether it was enqueued.
 */
export async function queueSend(
  unit: Unit,
  outbox: Outbox | undefined,
  reply: InteractionRow,
  retry = 0,
): Promise<boolean> {
  if (!outbox || reply.account_id === null) return false;
  const account = await outbox.accounts.byId(unit.db, Number(reply.account_id));
  if (!account || !outbox.adapters.has(account.provider)) return false;
  const key = sendKeyOf(reply.id, retry);
  const payload: SendJobPayload = {
    interactionId: reply.id,
    accountId: account.id,
    idempotencyKey: key,
  };
  await enqueueJob(unit, { type: sendJobType, key, payload });
  return true;
}

/**
 * An advisor sends a failed (or still waiting) reply again: queued afresh in its history, audited,
 * and a new send enqueued on the channel's account as it is now.
 */
export async function retrySend(
  unit: Unit,
  outbox: Outbox | undefined,
  interactionId: number,
  viewer: Viewer,
  actor: Actor,
): Promise<InteractionRow> {
  await visibleInteraction(unit.db, interactionId, viewer);
  const live = await unit.db
    .selectFrom('jobs')
    .select('id')
    .where('type', '=', sendJobType)
    .where((eb) =>
      eb.or([
        eb('key', '=', sendKeyOf(interactionId)),
        eb('key', 'like', `${sendKeyOf(interactionId)}:retry-%`),
      ]),
    )
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirst();
  // A send still under way is not retried beside itself: that would be two messages.
  if (live) throw new Conflict('the reply is already on its way to the channel');
  const row = await requeueDelivery(unit, interactionId, viewer, actor);
  const retries = await unit.db
    .selectFrom('delivery_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('interaction_id', '=', interactionId)
    .where('state', '=', 'queued')
    .executeTakeFirstOrThrow();
  // The first "queued" step is the reply's own; each later one is a retry with a key of its own.
  await queueSend(unit, outbox, row, Number(retries.n) - 1);
  return row;
}

/**
 * The owner's part of an admin's retry of a dead send job (see `retryJob`): the failed reply goes
 * back in the queue, so the job runs again with something to send; refused while another send of
 * the same reply is on its way, or once the reply is no longer failed.
 */
export function sendRetryHooks(): Record<string, RetryJobHook> {
  return {
    [sendJobType]: async (unit, job, actor) => {
      if (!isPayload(job.payload)) throw new Conflict('the send job carries no reply');
      const { interactionId } = job.payload;
      const live = await unit.db
        .selectFrom('jobs')
        .select('id')
        .where('type', '=', sendJobType)
        .where('id', '!=', job.id)
        .where((eb) =>
          eb.or([
            eb('key', '=', sendKeyOf(interactionId)),
            eb('key', 'like', `${sendKeyOf(interactionId)}:retry-%`),
          ]),
        )
        .where('state', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (live) throw new Conflict('the reply is already on its way to the channel');
      // Only admins reach this (the route says so); they see every case.
      const admin: Viewer = {
        id: actor.id ?? 0,
        role: 'admin',
        teamId: null,
        shopId: null,
        name: '',
      };
      await requeueDelivery(unit, interactionId, admin, actor);
    },
  };
}

function isPayload(value: unknown): value is SendJobPayload {
  const p = value as Partial<SendJobPayload> | null;
  return (
    typeof p?.interactionId === 'number' &&
    typeof p.accountId === 'number' &&
    typeof p.idempotencyKey === 'string'
  );
}

const settled: readonly DeliveryState[] = ['sent', 'delivered', 'read', 'failed'];

/**
 * The send job's handler and dead-job hook, for the node's job workers. The handler marks the reply
 * sending, calls its adapter outside any transaction, and records the provider's id as sent; a run
 * after a crash finds it already settled and does nothing.
 */
export function sendJobs(
  writer: Writer,
  outbox: Outbox,
): {
  readonly handlers: Record<string, JobHandler>;
  readonly onDead: Record<string, DeadJobHook>;
} {
  const handler: JobHandler = async (job) => {
    if (!isPayload(job.payload))
      throw new JobFailure({ retry: 'never', reason: 'the send job carries no reply' });
    const { interactionId, accountId, idempotencyKey } = job.payload;
    const prepared = await writer.run(async (unit) => {
      const row = await unit.db
        .selectFrom('interactions')
        .innerJoin('conversations', 'conversations.id', 'interactions.conversation_id')
        .selectAll('interactions')
        .select('conversations.subject')
        .where('interactions.id', '=', interactionId)
        .executeTakeFirst();
      if (!row || settled.includes(row.delivery_state as DeliveryState)) return null;
      await moveDelivery(unit, interactionId, { to: 'sending' }, systemActor);
      // The account the reply was stored on (the payload's, for a reply stored before accounts).
      const account = await outbox.accounts.byId(unit.db, Number(row.account_id ?? accountId));
      if (!account || !isChannel(row.channel)) return { account: undefined, message: undefined };
      const message: OutboundMessage = {
        interactionId,
        conversationId: row.conversation_id,
        channel: row.channel,
        kind: row.kind as Exclude<InteractionKind, 'note'>,
        to: row.to_address,
        subject: row.subject,
        text: row.text,
        html: row.html,
        attachments: JSON.parse(row.attachments) as Attachment[],
        threadId: row.thread_id,
        idempotencyKey,
        automatic: row.author_type === 'system',
      };
      return { account, message };
    });
    if (prepared === null) return;
    const { account, message } = prepared;
    if (!account || !message)
      throw new JobFailure({
        retry: 'never',
        reason: 'the channel account is gone or switched off',
      });
    const adapter = outbox.adapters.get(account.provider);
    if (!adapter)
      throw new JobFailure({
        retry: 'never',
        reason: `this server has no adapter for ${account.provider}`,
      });
    let receipt;
    try {
      receipt = await adapter.send(message, account);
    } catch (error) {
      const failure = adapter.classify(error);
      throw new JobFailure({
        retry: failure.retry ? 'later' : 'never',
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        reason: `${failure.kind.replace('_', ' ')}: ${failure.message}`,
      });
    }
    await writer.run((unit) =>
      moveDelivery(
        unit,
        interactionId,
        {
          to: 'sent',
          provider: adapter.provider,
          providerId: receipt.providerId,
          ...(receipt.threadId !== undefined ? { threadId: receipt.threadId } : {}),
        },
        systemActor,
      ),
    );
  };
  const onDead: DeadJobHook = async (unit, job) => {
    if (!isPayload(job.payload)) return;
    await moveDelivery(
      unit,
      job.payload.interactionId,
      { to: 'failed', reason: job.reason },
      systemActor,
    );
  };
  return { handlers: { [sendJobType]: handler }, onDead: { [sendJobType]: onDead } };
}
