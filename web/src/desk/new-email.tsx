import { useEffect, useRef, useState } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import { useSession } from '../app.tsx';
import { navigate } from '../router.ts';
import type { Customer, Interaction } from '../types.ts';
import { EmailFields, draftReady, emailBody, emailOf, newDraft } from './email-fields.tsx';

/**
 * A first email to a customer, written from their card in a modal dialog shown while mounted: it
 * opens a new case, which the desk then shows.
 */
export function NewEmailDialog({ customer, onClose }: { customer: Customer; onClose: () => void }) {
  const { channels } = useSession();
  const accounts = channels.find((c) => c.channel === 'email')?.accounts ?? [];
  const [draft, setDraft] = useState(() => newDraft(emailOf(customer)));
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

  const send = async () => {
    if (busy || !text.trim() || !draftReady(draft)) return;
    setBusy(true);
    setError(null);
    try {
      const created = await api<{ conversationId: number; interaction: Interaction }>(
        `/api/customers/${customer.id}/emails`,
        {
          method: 'POST',
          body: { ...emailBody(draft), text, ...(accountId ? { accountId } : {}) },
          idempotencyKey: key.current,
        },
      );
      onClose();
      navigate(`/c/${created.conversationId}`);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const noConsent = !customer.consent.email;
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
        <h2 id="new-email-title">New email to {customer.displayName}</h2>
        {noConsent && (
          <p className="warning" role="note">
            {customer.displayName} has not agreed to be contacted by email.
          </p>
        )}
        {accounts.length > 1 && (
          <label>
            From
            <select
              value={accountId ?? ''}
              onChange={(e) => setAccountId(e.target.value ? Number(e.target.value) : null)}
            >
              <option value="">The usual mailbox</option>
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.displayName} ({a.address})
                </option>
              ))}
            </select>
          </label>
        )}
        <EmailFields draft={draft} onChange={setDraft} />
        <label className="text-label">
          Message
          <textarea value={text} onChange={(e) => setText(e.target.value)} rows={6} />
        </label>
        <div className="row">
          <button
            type="submit"
            className="primary"
            disabled={busy || noConsent || !text.trim() || !draftReady(draft)}
          >
            Send email
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
