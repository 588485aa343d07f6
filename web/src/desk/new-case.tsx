import { useEffect, useRef, useState } from 'react';
import { api, messageOf, newKey, query } from '../api.ts';
import { useSession } from '../app.tsx';
import { navigate } from '../router.ts';
import type { Customer } from '../types.ts';
import { reachOf, type FirstChannel } from './new-email.tsx';

/** "New case" above the views: opens the dialog that starts one. */
export function NewCaseButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="new-case-button" onClick={() => setOpen(true)}>
        New case
      </button>
      {open && <NewCaseDialog onClose={() => setOpen(false)} />}
    </>
  );
}

type Start = FirstChannel | 'voice' | 'shop';

/**
 * A new case, owned by me, for a customer found by search or created here, started with a first
 * message on a channel that reaches them, or with a call or a shop visit to log on it.
 */
function NewCaseDialog({ onClose }: { onClose: () => void }) {
  const { channels } = useSession();
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<Customer[] | null>(null);
  const [fresh, setFresh] = useState({ name: '', email: '', phone: '' });
  const [subject, setSubject] = useState('');
  const [start, setStart] = useState<Start>('voice');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  useEffect(() => {
    const q = search.trim();
    if (q.length < 2) {
      setFound(null);
      return;
    }
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      api<{ items: Customer[] }>(`/api/customers${query({ q, limit: 8 })}`, {
        signal: controller.signal,
      }).then(
        (r) => setFound(r.items),
        () => undefined,
      );
    }, 200);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [search]);

  const reach = customer ? reachOf(customer, channels) : [];
  const pick = (c: Customer) => {
    setCustomer(c);
    setStart(reachOf(c, channels).find((r) => r.why === null)?.channel ?? 'voice');
  };
  const createCustomer = async () => {
    setError(null);
    try {
      const made = await api<Customer>('/api/customers', {
        method: 'POST',
        body: {
          displayName: fresh.name.trim(),
          contact: {
            ...(fresh.email.trim() ? { email: fresh.email.trim() } : {}),
            ...(fresh.phone.trim() ? { phone: fresh.phone.trim() } : {}),
          },
        },
        idempotencyKey: newKey(),
      });
      pick(made);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const withMessage = start !== 'voice' && start !== 'shop';
  const create = async () => {
    if (!customer || busy) return;
    setBusy(true);
    setError(null);
    try {
      const made = await api<{ conversation: { id: number } }>('/api/cases', {
        method: 'POST',
        body: {
          customerId: customer.id,
          subject: subject.trim(),
          channel: start,
          ...(withMessage ? { message: { text } } : {}),
        },
        idempotencyKey: key.current,
      });
      onClose();
      navigate(`/c/${made.conversation.id}`);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={ref}
      className="dialog new-case"
      aria-labelledby="new-case-title"
      onClose={onClose}
    >
      <h2 id="new-case-title">New case</h2>
      {!customer ? (
        <div className="pick-customer">
          <label>
            Find the customer
            <input
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="name, email or phone"
            />
          </label>
          {found && found.length === 0 && <p className="empty">No customer found.</p>}
          {found && found.length > 0 && (
            <ul className="found" aria-label="Customers found">
              {found.map((c) => (
                <li key={c.id}>
                  <button type="button" onClick={() => pick(c)}>
                    {c.displayName}
                    <span className="muted"> {c.identities.map((i) => i.value).join(', ')}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <form
            className="new-customer"
            aria-label="A new customer"
            onSubmit={(e) => {
              e.preventDefault();
              void createCustomer();
            }}
          >
            <h3>Or a new customer</h3>
            <label>
              Name
              <input
                value={fresh.name}
                onChange={(e) => setFresh({ ...fresh, name: e.target.value })}
              />
            </label>
            <label>
              Email
              <input
                type="email"
                value={fresh.email}
                onChange={(e) => setFresh({ ...fresh, email: e.target.value })}
              />
            </label>
            <label>
              Phone
              <input
                type="tel"
                value={fresh.phone}
                onChange={(e) => setFresh({ ...fresh, phone: e.target.value })}
              />
            </label>
            <button
              type="submit"
              disabled={!fresh.name.trim() || (!fresh.email.trim() && !fresh.phone.trim())}
            >
              Create customer
            </button>
          </form>
        </div>
      ) : (
        <form
          className="composer"
          aria-label="The case"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <p>
            For <strong>{customer.displayName}</strong>{' '}
            <button type="button" className="link" onClick={() => setCustomer(null)}>
              another customer
            </button>
          </p>
          <label>
            Subject
            <input value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={200} />
          </label>
          <label>
            Start with
            <select value={start} onChange={(e) => setStart(e.target.value as Start)}>
              {reach.map((r) => (
                <option key={r.channel} value={r.channel} disabled={r.why !== null}>
                  {r.label}
                  {r.why ? ` (${r.why})` : ''}
                </option>
              ))}
              <option value="voice">A call (log it next)</option>
              <option value="shop">A shop visit (log it next)</option>
            </select>
          </label>
          {withMessage && (
            <label className="text-label">
              Message
              <textarea value={text} onChange={(e) => setText(e.target.value)} rows={5} />
            </label>
          )}
          <div className="row">
            <button
              type="submit"
              className="primary"
              disabled={busy || !subject.trim() || (withMessage && !text.trim())}
            >
              {withMessage ? 'Create case and send' : 'Create case'}
            </button>
          </div>
        </form>
      )}
      <div className="row">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
      {error && <p role="alert">{error}</p>}
    </dialog>
  );
}
