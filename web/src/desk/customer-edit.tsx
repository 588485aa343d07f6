import { useState } from 'react';
import { ApiError, api, messageOf, newKey } from '../api.ts';
import { useSession } from '../app.tsx';
import type { Consent, Customer, Identity } from '../types.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';

const consentNames: Record<keyof Consent, string> = {
  email: 'Email',
  sms: 'SMS',
  phone: 'Phone',
  chat: 'Chat',
  social: 'Social',
  marketing: 'Marketing',
};

const networks = ['facebook', 'instagram', 'whatsapp', 'x'] as const;

/** The plain-words reason the server gave for one field, and any other message apart. */
function problemsOf(error: unknown): { fields: Record<string, string>; message: string | null } {
  const fields: Record<string, string> = {};
  if (error instanceof ApiError && error.problem?.errors?.length) {
    for (const e of error.problem.errors) fields[e.field.split('.').pop()!] = e.reason;
    return { fields, message: null };
  }
  return { fields, message: messageOf(error) };
}

function labelOf(identity: Identity): string {
  return identity.kind === 'social' || identity.kind === 'external'
    ? identity.network
    : identity.kind;
}

/** Name and owner, changed from the card. */
export function CustomerEditForm({
  customer,
  onSaved,
  onCancel,
}: {
  customer: Customer;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const { directory } = useSession();
  const [name, setName] = useState(customer.displayName);
  const [ownerId, setOwnerId] = useState<string>(customer.ownerId?.toString() ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const save = async () => {
    setErrors({});
    setMessage(null);
    try {
      await api(`/api/customers/${customer.id}`, { method: 'PATCH', body: { displayName: name } });
      const owner = ownerId === '' ? null : Number(ownerId);
      if (owner !== customer.ownerId)
        await api(`/api/customers/${customer.id}/owner`, {
          method: 'PUT',
          body: { ownerId: owner },
        });
      onSaved();
    } catch (e) {
      const p = problemsOf(e);
      setErrors(p.fields);
      setMessage(p.message);
    }
  };
  return (
    <form
      className="customer-edit"
      aria-label="Edit customer"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        Name
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-invalid={errors.displayName ? true : undefined}
          aria-describedby="customer-name-error"
        />
      </label>
      {errors.displayName && (
        <p className="field-error" id="customer-name-error">
          Name {errors.displayName}
        </p>
      )}
      <label>
        Owner
        <select value={ownerId} onChange={(e) => setOwnerId(e.target.value)}>
          <option value="">Nobody</option>
          {directory.advisors
            .filter((a) => a.active || a.id === customer.ownerId)
            .map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
        </select>
      </label>
      {errors.ownerId && <p className="field-error">Owner {errors.ownerId}</p>}
      {message && <p role="alert">{message}</p>}
      <div className="actions">
        <button type="submit">Save</button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The customer's identities, each removable (after a question), and a form to add one. */
export function IdentityEditor({
  customer,
  onChanged,
}: {
  customer: Customer;
  onChanged: () => void;
}) {
  const [kind, setKind] = useState<'email' | 'phone' | 'social'>('email');
  const [network, setNetwork] = useState<(typeof networks)[number]>('instagram');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Identity | null>(null);
  const add = async () => {
    setError(null);
    try {
      await api(`/api/customers/${customer.id}/identities`, {
        method: 'POST',
        body: kind === 'social' ? { social: { network, handle: value } } : { [kind]: value },
        idempotencyKey: newKey(),
      });
      setValue('');
      onChanged();
    } catch (e) {
      const p = problemsOf(e);
      const reason = p.fields[kind] ?? p.fields.handle ?? p.fields.network;
      setError(reason ? `The ${kind === 'phone' ? 'phone number' : kind} ${reason}` : p.message);
    }
  };
  return (
    <div className="identity-editor">
      <ul className="identities">
        {customer.identities.map((identity) => (
          <li key={`${identity.kind}:${identity.network}:${identity.value}`}>
            <span>
              {labelOf(identity)}: {identity.value}
            </span>{' '}
            <button
              type="button"
              className="link"
              aria-label={`Remove ${identity.value}`}
              onClick={() => setRemoving(identity)}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form
        aria-label="Add an identity"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="email">Email</option>
            <option value="phone">Phone</option>
            <option value="social">Social handle</option>
          </select>
        </label>
        {kind === 'social' && (
          <label>
            Network
            <select value={network} onChange={(e) => setNetwork(e.target.value as typeof network)}>
              {networks.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          {kind === 'email' ? 'Email address' : kind === 'phone' ? 'Phone number' : 'Handle'}
          <input
            value={value}
            onChange={(e) => setValue(e.target.value)}
            required
            aria-invalid={error ? true : undefined}
          />
        </label>
        <button type="submit">Add</button>
      </form>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.value}?`}
          confirmLabel="Remove"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            const q = new URLSearchParams({
              kind: removing.kind,
              network: removing.network,
              value: removing.value,
            });
            await api(`/api/customers/${customer.id}/identities?${q.toString()}`, {
              method: 'DELETE',
            });
            onChanged();
          }}
        >
          <p>
            Contacts from {removing.value} will no longer be recognised as {customer.displayName}.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** Consent per channel: yes, no or unknown (not asked), changed on the spot. */
export function ConsentEditor({
  customer,
  onChanged,
}: {
  customer: Customer;
  onChanged: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const set = async (channel: keyof Consent, value: string) => {
    setError(null);
    try {
      await api(`/api/customers/${customer.id}/consent`, {
        method: 'PUT',
        body: { [channel]: value === 'yes' ? true : value === 'no' ? false : null },
      });
      onChanged();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <>
      <ul className="consent">
        {(Object.keys(consentNames) as Array<keyof Consent>).map((channel) => {
          const v = customer.consent[channel];
          const word = v === true ? 'yes' : v === false ? 'no' : 'unknown';
          return (
            <li key={channel} className={word}>
              <label>
                {consentNames[channel]}
                <select
                  aria-label={`${consentNames[channel]} consent`}
                  value={word}
                  onChange={(e) => void set(channel, e.target.value)}
                >
                  <option value="yes">yes</option>
                  <option value="no">no</option>
                  <option value="unknown">unknown</option>
                </select>
              </label>
            </li>
          );
        })}
      </ul>
      {error && <p role="alert">{error}</p>}
    </>
  );
}

/** Export (download the JSON) and erase, each after a question; for admins. */
export function CustomerDataActions({
  customer,
  onErased,
}: {
  customer: Customer;
  onErased: () => void;
}) {
  const [asking, setAsking] = useState<'export' | 'erase' | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const download = async () => {
    const response = await fetch(`/api/customers/${customer.id}/export`, {
      credentials: 'same-origin',
    });
    if (!response.ok) throw new Error(`the export failed (${response.status})`);
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = `customer-${customer.id}.json`;
    document.body.append(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(url);
    setDone(`The export of ${customer.displayName} was downloaded.`);
  };
  return (
    <div className="data-actions">
      <button type="button" onClick={() => setAsking('export')}>
        Export data
      </button>
      <button type="button" className="danger" onClick={() => setAsking('erase')}>
        Erase customer
      </button>
      {done && <p role="status">{done}</p>}
      {asking === 'export' && (
        <ConfirmDialog
          title={`Export everything held about ${customer.displayName}?`}
          confirmLabel="Download export"
          onClose={() => setAsking(null)}
          onConfirm={download}
        >
          <p>
            The file holds their identities, cases, messages and history: personal data. Keep it
            only for their request.
          </p>
        </ConfirmDialog>
      )}
      {asking === 'erase' && (
        <ConfirmDialog
          title={`Erase ${customer.displayName}?`}
          confirmLabel="Erase for good"
          danger
          onClose={() => setAsking(null)}
          onConfirm={async () => {
            await api(`/api/customers/${customer.id}/erase`, { method: 'POST' });
            onErased();
          }}
        >
          <p>
            Their name, identities, messages and files are removed for good; the cases stay,
            anonymised. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
