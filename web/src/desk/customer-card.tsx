import { useState } from 'react';
import { api, messageOf, query } from '../api.ts';
import { followLink, href } from '../router.ts';
import { statusNames, channelNames } from '../format.ts';
import type { Conversation, Customer } from '../types.ts';
import { useNameOf } from '../app.tsx';
import { NewEmailDialog } from './new-email.tsx';

const consentNames: Record<string, string> = {
  email: 'Email',
  sms: 'SMS',
  phone: 'Phone',
  chat: 'Chat',
  social: 'Social',
  marketing: 'Marketing',
};

/**
 * Who the customer is: identities, consent, owner, open cases, a new email to them, and merging a
 * twin record.
 */
export function CustomerCard({
  customer,
  cases,
  currentConversationId,
  onChanged,
}: {
  customer: Customer;
  cases: Conversation[];
  currentConversationId: number | null;
  onChanged: () => void;
}) {
  const nameOf = useNameOf();
  const open = cases.filter((c) => c.status !== 'resolved' && c.status !== 'closed');
  const [writing, setWriting] = useState(false);
  const reachable = !customer.erased && customer.mergedIntoId === null;
  return (
    <aside className="card" aria-labelledby="customer-name">
      <h2 id="customer-name">
        <a
          href={href(`/customers/${customer.id}`)}
          onClick={(e) => followLink(e, `/customers/${customer.id}`)}
        >
          {customer.displayName}
        </a>
      </h2>
      {customer.mergedIntoId !== null && (
        <p className="notice">This record was merged into customer #{customer.mergedIntoId}.</p>
      )}
      <dl className="facts">
        {customer.identities.map((identity, i) => (
          <div key={i}>
            <dt>
              {identity.kind === 'social'
                ? identity.network
                : identity.kind === 'external'
                  ? identity.network
                  : identity.kind}
            </dt>
            <dd>{identity.value}</dd>
          </div>
        ))}
        <div>
          <dt>Owner</dt>
          <dd>{nameOf(customer.ownerId)}</dd>
        </div>
        {customer.lastAdvisorId !== null && (
          <div>
            <dt>Last advisor</dt>
            <dd>{nameOf(customer.lastAdvisorId)}</dd>
          </div>
        )}
        {customer.language && (
          <div>
            <dt>Language</dt>
            <dd>{customer.language}</dd>
          </div>
        )}
      </dl>
      {reachable && (
        <>
          <button type="button" className="new-email-button" onClick={() => setWriting(true)}>
            New email
          </button>
          {writing && <NewEmailDialog customer={customer} onClose={() => setWriting(false)} />}
        </>
      )}
      <h3>Consent</h3>
      <ul className="consent">
        {Object.entries(customer.consent).map(([channel, yes]) => (
          <li key={channel} className={yes ? 'yes' : 'no'}>
            {consentNames[channel] ?? channel}: {yes ? 'yes' : 'no'}
          </li>
        ))}
      </ul>
      <h3>Open cases ({open.length})</h3>
      <ul className="cases">
        {open.map((c) => (
          <li key={c.id}>
            {c.id === currentConversationId ? (
              <strong>
                #{c.id} {c.subject} (this case)
              </strong>
            ) : (
              <a href={href(`/c/${c.id}`)} onClick={(e) => followLink(e, `/c/${c.id}`)}>
                #{c.id} {c.subject}
              </a>
            )}{' '}
            <small>
              {channelNames[c.originChannel]} · {statusNames[c.status]}
            </small>
          </li>
        ))}
      </ul>
      {reachable && <MergeForm customer={customer} onMerged={onChanged} />}
    </aside>
  );
}

function MergeForm({ customer, onMerged }: { customer: Customer; onMerged: () => void }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Customer[] | null>(null);
  const [chosen, setChosen] = useState<Customer | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const search = async () => {
    setMessage(null);
    try {
      const result = await api<{ items: Customer[] }>(`/api/customers${query({ q, limit: 10 })}`);
      setFound(result.items.filter((c) => c.id !== customer.id));
    } catch (e) {
      setMessage(messageOf(e));
    }
  };
  const merge = async () => {
    if (!chosen) return;
    try {
      await api(`/api/customers/${customer.id}/merge`, {
        method: 'POST',
        body: { sourceCustomerId: chosen.id },
      });
      setMessage(
        `${chosen.displayName} was merged into ${customer.displayName}; both histories are kept here.`,
      );
      setChosen(null);
      setFound(null);
      onMerged();
    } catch (e) {
      setMessage(messageOf(e));
    }
  };
  return (
    <details className="merge">
      <summary>Merge a duplicate record into this customer</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <label>
          Find the duplicate
          <input
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="name, email or phone"
            required
          />
        </label>
        <button type="submit">Find</button>
      </form>
      {found && found.length === 0 && <p>No other customer matches.</p>}
      {found && found.length > 0 && (
        <ul className="found">
          {found.map((c) => (
            <li key={c.id}>
              <label>
                <input
                  type="radio"
                  name="merge-source"
                  checked={chosen?.id === c.id}
                  onChange={() => setChosen(c)}
                />
                {c.displayName} <small>{c.identities.map((i) => i.value).join(', ')}</small>
              </label>
            </li>
          ))}
        </ul>
      )}
      {chosen && (
        <button type="button" className="danger" onClick={() => void merge()}>
          Merge {chosen.displayName} into {customer.displayName}
        </button>
      )}
      {message && <p role="status">{message}</p>}
    </details>
  );
}
