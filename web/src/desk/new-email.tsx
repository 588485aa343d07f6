import { useEffect, useRef, useState } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import { useSession } from '../app.tsx';
import { navigate } from '../router.ts';
import type { ChannelSummary, Customer, Interaction } from '../types.ts';
import { EmailFields, draftReady, emailBody, emailOf, newDraft } from './email-fields.tsx';

/** A channel a first message can go out on. */
export type FirstChannel = 'email' | 'sms' | 'chat' | 'social';

const firstChannels: ReadonlyArray<{
  channel: FirstChannel;
  noun: string;
  /** Its name in the channel list (no "message": the text box is the Message). */
  label: string;
  needs: 'email' | 'phone' | 'social';
  missing: string;
}> = [
  { channel: 'email', noun: 'email', label: 'Email', needs: 'email', missing: 'no email address' },
  { channel: 'sms', noun: 'SMS', label: 'SMS', needs: 'phone', missing: 'no phone number' },
  // A chat message to a customer out of the chat reaches them by email.
  {
    channel: 'chat',
    noun: 'chat message',
    label: 'Chat',
    needs: 'email',
    missing: 'no chat or email address',
  },
  {
    channel: 'social',
    noun: 'social message',
    label: 'Social media',
    needs: 'social',
    missing: 'no social account',
  },
];

/** The word for a first message on this channel ("email", "SMS"…). */
export function nounOf(channel: FirstChannel): string {
  return firstChannels.find((c) => c.channel === channel)?.noun ?? channel;
}

/**
 * Each channel a first message could use, with why it cannot reach this customer (no address, no
 * consent, no account set up), or null when it can.
 */
export function reachOf(
  customer: Customer,
  channels: readonly ChannelSummary[],
): Array<{ channel: FirstChannel; noun: string; label: string; why: string | null }> {
  return firstChannels.map((c) => {
    const summary = channels.find((s) => s.channel === c.channel);
    const why = !customer.identities.some((i) => i.kind === c.needs)
      ? c.missing
      : !customer.consent[c.channel]
        ? 'no consent'
        : !summary?.enabled
          ? 'no account set up'
          : null;
    return { channel: c.channel, noun: c.noun, label: c.label, why };
  });
}

/**
 * The first message to a customer, in a modal dialog shown while mounted: on any channel that
 * reaches them (email, SMS, chat, social), it opens a new case owned by me, which the desk then shows.
 */
export function NewEmailDialog({ customer, onClose }: { customer: Customer; onClose: () => void }) {
  const { channels } = useSession();
  const reach = reachOf(customer, channels);
  const [channel, setChannel] = useState<FirstChannel>(
    () => reach.find((r) => r.why === null)?.channel ?? 'email',
  );
  const accounts = channels.find((c) => c.channel === channel)?.accounts ?? [];
  const [draft, setDraft] = useState(() => newDraft(emailOf(customer)));
  const [subject, setSubject] = useState('');
  const [text, setText] = useState('');
  const [accountId, setAccountId] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const isEmail = channel === 'email';
  const ready = text.trim() !== '' && (isEmail ? draftReady(draft) : subject.trim() !== '');
  const send = async () => {
    if (busy || !ready) return;
    setBusy(true);
    setError(null);
    try {
      const conversationId = isEmail
        ? (
            await api<{ conversationId: number; interaction: Interaction }>(
              `/api/customers/${customer.id}/emails`,
              {
                method: 'POST',
                body: { ...emailBody(draft), text, ...(accountId ? { accountId } : {}) },
                idempotencyKey: key.current,
              },
            )
          ).conversationId
        : (
            await api<{ conversation: { id: number } }>('/api/cases', {
              method: 'POST',
              body: {
                customerId: customer.id,
                subject: subject.trim(),
                channel,
                message: { text, ...(accountId ? { accountId } : {}) },
              },
              idempotencyKey: key.current,
            })
          ).conversation.id;
      onClose();
      navigate(`/c/${conversationId}`);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const why = reach.find((r) => r.channel === channel)?.why ?? null;
  const noun = nounOf(channel);
  return (
    <dialog
      ref={ref}
      className="dialog new-email"
      aria-labelledby="new-email-title"
      onClose={onClose}
    >
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <h2 id="new-email-title">
          New {noun} to {customer.displayName}
        </h2>
        <label>
          Send on
          <select
            value={channel}
            onChange={(e) => {
              setChannel(e.target.value as FirstChannel);
              setAccountId(null);
              key.current = newKey();
            }}
          >
            {reach.map((r) => (
              <option key={r.channel} value={r.channel} disabled={r.why !== null}>
                {r.label}
                {r.why ? ` (${r.why})` : ''}
              </option>
            ))}
          </select>
        </label>
        {why && (
          <p className="warning" role="note">
            {customer.displayName} cannot be reached by {noun}: {why}.
          </p>
        )}
        {accounts.length > 1 && (
          <label>
            From
            <select
              value={accountId ?? ''}
              onChange={(e) => setAccountId(e.target.value ? Number(e.target.value) : null)}
            >
              <option value="">The usual account</option>
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.displayName} ({a.address})
                </option>
              ))}
            </select>
          </label>
        )}
        {isEmail ? (
          <EmailFields draft={draft} onChange={setDraft} />
        ) : (
          <label>
            Subject of the case
            <input value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={200} />
          </label>
        )}
        <label className="text-label">
          Message
          <textarea value={text} onChange={(e) => setText(e.target.value)} rows={6} />
        </label>
        <div className="row">
          <button type="submit" className="primary" disabled={busy || why !== null || !ready}>
            Send {noun}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
        {error && <p role="alert">{error}</p>}
      </form>
    </dialog>
  );
}
