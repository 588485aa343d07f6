import { useState } from 'react';
import { followLink, href } from '../router.ts';
import { statusNames, channelNames } from '../format.ts';
import type { Conversation, Customer } from '../types.ts';
import { useNameOf, useSession } from '../app.tsx';
import { NewEmailDialog } from './new-email.tsx';
import {
  ConsentEditor,
  CustomerDataActions,
  CustomerEditForm,
  IdentityEditor,
} from './customer-edit.tsx';
import { MergeForm, MergeHistory } from './merge-dialog.tsx';

/**
 * Who the customer is: identities, consent and owner (each editable), every case (resolved too), a
 * new email to them, merging a twin record (previewed, undoable), and for admins export and erase.
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
  const { me } = useSession();
  const done = (c: Conversation) => c.status === 'resolved' || c.status === 'closed';
  const open = cases.filter((c) => !done(c));
  const ordered = [...open, ...cases.filter(done)];
  const [writing, setWriting] = useState(false);
  const [editing, setEditing] = useState(false);
  // An undone merge starts the merge form afresh (its note about the merge no longer holds).
  const [undone, setUndone] = useState(0);
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
      {customer.erased && <p className="notice">This customer was erased.</p>}
      {reachable && editing && (
        <CustomerEditForm
          customer={customer}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            onChanged();
          }}
        />
      )}
      <dl className="facts">
        {!reachable &&
          customer.identities.map((identity, i) => (
            <div key={i}>
              <dt>
                {identity.kind === 'social' || identity.kind === 'external'
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
          {!editing && (
            <button type="button" onClick={() => setEditing(true)}>
              Edit name and owner
            </button>
          )}{' '}
          <button type="button" className="new-email-button" onClick={() => setWriting(true)}>
            New email
          </button>
          {writing && <NewEmailDialog customer={customer} onClose={() => setWriting(false)} />}
          <h3>Identities</h3>
          <IdentityEditor customer={customer} onChanged={onChanged} />
          <h3>Consent</h3>
          <ConsentEditor customer={customer} onChanged={onChanged} />
        </>
      )}
      <h3>
        Cases ({cases.length}, {open.length} open)
      </h3>
      <ul className="cases">
        {ordered.map((c) => (
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
      {reachable && <MergeForm key={undone} customer={customer} onMerged={onChanged} />}
      <MergeHistory
        customer={customer}
        version={customer.updatedAt}
        onUndone={() => {
          setUndone((n) => n + 1);
          onChanged();
        }}
      />
      {reachable && me.role === 'admin' && (
        <CustomerDataActions customer={customer} onErased={onChanged} />
      )}
    </aside>
  );
}
