/**
 * Recordings and voicemail: Twilio keeps them behind the account's credentials, so a webhook's
 * `RecordingUrl` cannot be played by an advisor's browser. A `twilio.recording` job fetches the file
 * from the account's REST base URL (`<baseUrl>/2010-04-01/Accounts/<AccountSid>/Recordings/<sid>.mp3`,
 * the `baseUrl` setting, with basic auth) through the outbound HTTP guard (internal addresses only
 * when an admin allow-listed them), stores it as a blob and points the call (and the voicemail's
 * timeline entry) at it; `GET /api/calls/:id/recording` plays it to advisors who may see the case.
 * An erasure drops the blob with the customer's calls (`customers/eraseCustomer`), and a fetch that
 * runs after the erasure finds nothing to fetch.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Unit, Writer } from '../../platform/db/writer.ts';
import {
  enqueueJob,
  JobFailure,
  type DeadJobHook,
  type JobHandler,
} from '../../platform/jobs/jobs.ts';
import { guardedDownload, RefusedDestination } from '../../platform/net/outbound-http.ts';
import { readAllowList } from '../../integrations/webhooks.ts';
import type { Attachment } from '../../api-types/conversations.ts';
import { classifyProviderError, ProviderFailure } from '../adapter.ts';
import { putBlob } from '../blobs.ts';
import type { AccountLookup } from '../send-queue.ts';
import { authTokenName, failureOfTwilioAnswer, twilioProvider } from './twilio-adapter.ts';
import { scopeOfCall } from './calls.ts';

export const recordingJobType = 'twilio.recording';
/** A voicemail is at most a few minutes; anything far larger is not a recording of ours. */
export const maxRecordingBytes = 25 * 1024 * 1024;

interface RecordingJobPayload {
  readonly callId: number;
  readonly recordingSid: string;
}

function isPayload(value: unknown): value is RecordingJobPayload {
  const p = value as Partial<RecordingJobPayload> | null;
  return typeof p?.callId === 'number' && typeof p.recordingSid === 'string';
}

/**
 * A recording Twilio announced for this call: kept as its URL (pending) and fetched by a job, once
 * per recording however often Twilio announces it.
 */
export async function queueRecordingFetch(
  unit: Unit,
  callId: number,
  recording: { readonly sid: string; readonly url: string },
): Promise<void> {
  await unit.db
    .updateTable('calls')
    .set({
      recording_url: recording.url,
      recording_sid: recording.sid,
      recording_state: 'pending',
      updated_at: unit.now,
    })
    .where('id', '=', callId)
    .where((eb) =>
      eb.or([eb('recording_sid', 'is', null), eb('recording_sid', '!=', recording.sid)]),
    )
    .execute();
  const payload: RecordingJobPayload = { callId, recordingSid: recording.sid };
  await enqueueJob(unit, {
    type: recordingJobType,
    key: `twilio-recording:${recording.sid}`,
    payload,
    maxAttempts: 8,
  });
}

/** Twilio's recordings are served in these; anything else is kept as audio/mpeg's bytes it is. */
function audioType(header: string | string[] | undefined): string {
  const value = (Array.isArray(header) ? header[0] : header)?.split(';')[0]?.trim().toLowerCase();
  return value === 'audio/wav' || value === 'audio/x-wav' || value === 'audio/mpeg'
    ? value
    : 'audio/mpeg';
}

async function markFailed(writer: Writer, callId: number, sid: string, reason: string) {
  await writer.run(async (unit) => {
    const result = await unit.db
      .updateTable('calls')
      .set({ recording_state: 'failed', updated_at: unit.now })
      .where('id', '=', callId)
      .where('recording_sid', '=', sid)
      .where('recording_state', '=', 'pending')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return;
    const call = await unit.db
      .selectFrom('calls')
      .select(['customer_id', 'conversation_id'])
      .where('id', '=', callId)
      .executeTakeFirstOrThrow();
    await unit.record({
      type: 'call.recording-failed',
      actor: { type: 'system', id: null },
      entity: { type: 'call', id: callId },
      scope: await scopeOfCall(unit.db, call),
      after: { recordingSid: sid, reason: reason.slice(0, 300) },
    });
  });
}

/** The job's handler (and the hook that marks a recording failed once its job is given up). */
export function recordingJobs(options: {
  readonly db: Kysely<Database>;
  readonly writer: Writer;
  readonly accounts: AccountLookup;
  readonly now: () => number;
}): { handlers: Record<string, JobHandler>; onDead: Record<string, DeadJobHook> } {
  const handler: JobHandler = async (job) => {
    if (!isPayload(job.payload))
      throw new JobFailure({ retry: 'never', reason: 'no recording in the job' });
    const { callId, recordingSid } = job.payload;
    const call = await options.db
      .selectFrom('calls')
      .select(['id', 'account_id', 'recording_sid', 'recording_state', 'recording_url'])
      .where('id', '=', callId)
      .executeTakeFirst();
    // Stored already, or erased since (the erasure clears the recording): nothing to fetch.
    if (
      !call ||
      call.recording_sid !== recordingSid ||
      call.recording_state !== 'pending' ||
      call.recording_url === null
    )
      return;
    const fail = async (reason: string): Promise<never> => {
      await markFailed(options.writer, callId, recordingSid, reason);
      throw new JobFailure({ retry: 'never', reason });
    };
    const account =
      call.account_id === null
        ? undefined
        : await options.accounts.byId(options.db, call.account_id);
    const base = account?.settings.baseUrl;
    const sid = account?.settings.accountSid;
    const token = account?.secrets[authTokenName];
    if (!account || typeof base !== 'string' || typeof sid !== 'string' || !token)
      return fail(
        'the call’s Twilio account is gone or lacks baseUrl, accountSid or its auth token',
      );
    const url = `${base.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Recordings/${encodeURIComponent(recordingSid)}.mp3`;
    let failure: ProviderFailure | undefined;
    let stored: { bytes: Buffer; contentType: string } | undefined;
    try {
      const answer = await guardedDownload(url, {
        headers: {
          authorization: `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`,
          accept: 'audio/mpeg',
        },
        allow: await readAllowList(options.db),
        maxBytes: maxRecordingBytes,
        timeoutMs: 30_000,
      });
      if (answer.status === 404)
        // Twilio answers 404 while it is still processing a fresh recording: ask again later.
        failure = new ProviderFailure('temporary', 'Twilio has no such recording (yet)');
      else if (answer.status < 200 || answer.status >= 300) {
        const retryAfter = answer.headers['retry-after'];
        failure = failureOfTwilioAnswer(
          answer.status,
          answer.bytes.toString('utf8', 0, 2000),
          (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null,
          options.now(),
        );
      } else if (answer.bytes.length === 0)
        failure = new ProviderFailure('temporary', 'Twilio answered an empty recording');
      else stored = { bytes: answer.bytes, contentType: audioType(answer.headers['content-type']) };
    } catch (error) {
      if (error instanceof RefusedDestination) return fail(error.message);
      failure = classifyProviderError(error);
    }
    if (failure) {
      if (!failure.retry) return fail(failure.message);
      throw new JobFailure({
        retry: 'later',
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        reason: failure.message,
      });
    }
    await options.writer.run(async (unit) => {
      const current = await unit.db
        .selectFrom('calls')
        .select(['recording_sid', 'recording_state', 'customer_id', 'conversation_id'])
        .where('id', '=', callId)
        .executeTakeFirst();
      // Erased (or replaced) while the file was on its way: it is not kept.
      if (current?.recording_sid !== recordingSid || current.recording_state !== 'pending') return;
      const sha256 = await putBlob(unit.db, stored!.bytes, stored!.contentType, unit.now);
      await unit.db
        .updateTable('calls')
        .set({ recording_sha256: sha256, recording_state: 'stored', updated_at: unit.now })
        .where('id', '=', callId)
        .execute();
      // The voicemail's own timeline entry points at the stored file, no longer at Twilio.
      const voicemail = await unit.db
        .selectFrom('interactions')
        .select(['id', 'attachments'])
        .where('provider', '=', twilioProvider)
        .where('provider_id', '=', recordingSid)
        .executeTakeFirst();
      if (voicemail) {
        const attachments = (JSON.parse(voicemail.attachments) as Attachment[]).map((a) => ({
          name: a.name,
          contentType: stored!.contentType,
          size: stored!.bytes.length,
          id: sha256,
        }));
        await unit.db
          .updateTable('interactions')
          .set({ attachments: JSON.stringify(attachments) })
          .where('id', '=', voicemail.id)
          .execute();
      }
      await unit.record({
        type: 'call.recording-stored',
        actor: { type: 'system', id: null },
        entity: { type: 'call', id: callId },
        scope: await scopeOfCall(unit.db, current),
        after: { recordingSid, size: stored!.bytes.length, contentType: stored!.contentType },
      });
    });
  };
  const onDead: DeadJobHook = async (unit, job) => {
    if (!isPayload(job.payload)) return;
    await unit.db
      .updateTable('calls')
      .set({ recording_state: 'failed', updated_at: unit.now })
      .where('id', '=', job.payload.callId)
      .where('recording_sid', '=', job.payload.recordingSid)
      .where('recording_state', '=', 'pending')
      .execute();
  };
  return { handlers: { [recordingJobType]: handler }, onDead: { [recordingJobType]: onDead } };
}

/** The stored recording of a call, when there is one. */
export async function storedRecording(
  db: Kysely<Database>,
  callId: number,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('calls')
    .select(['recording_sha256', 'recording_state'])
    .where('id', '=', callId)
    .executeTakeFirst();
  return row?.recording_state === 'stored' && row.recording_sha256
    ? row.recording_sha256
    : undefined;
}
