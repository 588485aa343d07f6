import { useEffect, useState } from 'react';
import { api, messageOf, newKey, query } from '../api.ts';
import { useNameOf, useSession } from '../app.tsx';
import type { Customer } from '../types.ts';
import type { CustomerMerge, MergePreview } from '../../../src/api-types/customers.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Finding a duplicate record, then a preview of what moves and what is kept, then confirming. */
export function MergeForm({ customer, onMerged }: { customer: Customer; onMerged: () => void }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Customer[] | null>(null);
  const [preview, setPreview] = useState<MergePreview | null>(null);
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
  const choose = async (source: Customer) => {
    setMessage(null);
    try {
      setPreview(
        await api<MergePreview>(
          `/api/customers/${customer.id}/merge-preview${query({ sourceCustomerId: source.id })}`,
        ),
      );
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
              {c.displayName} <small>{c.identities.map((i) => i.value).join(', ')}</small>{' '}
              <button type="button" onClick={() => void choose(c)}>
                Review merge
              </button>
            </li>
          ))}
        </ul>
      )}
      {message && <p role="status">{message}</p>}
      {preview && (
        <MergePreviewDialog
          preview={preview}
          onClose={() => setPreview(null)}
          onMerged={(kept) => {
            setMessage(
              `${preview.source.displayName} was merged into this record, now ${kept.displayName}; both histories are kept here.`,
            );
            setFound(null);
            onMerged();
          }}
        />
      )}
    </details>
  );
}

function MergePreviewDialog({
  preview,
  onClose,
  onMerged,
}: {
  preview: MergePreview;
  onClose: () => void;
  onMerged: (kept: Customer) => void;
}) {
  const nameOf = useNameOf();
  const { target, source, moves } = preview;
  const [nameFrom, setNameFrom] = useState(preview.defaults.nameOf);
  const [ownerFrom, setOwnerFrom] = useState(preview.defaults.ownerOf);
  const [key] = useState(newKey);
  const both = [target, source].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const since = (c: Customer) => new Date(c.createdAt).toLocaleDateString();
  return (
    <ConfirmDialog
      title={`Merge ${source.displayName} into ${target.displayName}?`}
      confirmLabel="Confirm merge"
      danger
      onClose={onClose}
      onConfirm={async () => {
        const kept = await api<Customer>(`/api/customers/${target.id}/merge`, {
          method: 'POST',
          body: { sourceCustomerId: source.id, keepNameOf: nameFrom, keepOwnerOf: ownerFrom },
          idempotencyKey: key,
        });
        onMerged(kept);
      }}
    >
      <p>
        Moves from {source.displayName} (#{source.id}): {plural(moves.cases, 'case', 'cases')},{' '}
        {plural(moves.interactions, 'message', 'messages')},{' '}
        {plural(moves.identities, 'identity', 'identities')},{' '}
        {plural(moves.workItems, 'work item', 'work items')}.
      </p>
      <fieldset>
        <legend>Name kept</legend>
        {both.map((c) => (
          <label key={c.id} className="choice">
            <input
              type="radio"
              name="keep-name"
              checked={nameFrom === c.id}
              onChange={() => setNameFrom(c.id)}
            />
            {c.displayName} <small>(since {since(c)})</small>
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Owner kept</legend>
        {both.map((c) => (
          <label key={c.id} className="choice">
            <input
              type="radio"
              name="keep-owner"
              checked={ownerFrom === c.id}
              onChange={() => setOwnerFrom(c.id)}
            />
            {nameOf(c.ownerId)} <small>({c.displayName}’s)</small>
          </label>
        ))}
      </fieldset>
      <p>Identities kept: {preview.identities.map((i) => i.value).join(', ')}.</p>
      <p>A supervisor can undo this merge for {preview.undoDays} days.</p>
    </ConfirmDialog>
  );
}

/** The merges into this customer; a supervisor may undo one within the window. */
export function MergeHistory({
  customer,
  version,
  onUndone,
}: {
  customer: Customer;
  /** Changes when the customer does, so a merge made here shows at once. */
  version: string;
  onUndone: () => void;
}) {
  const { me } = useSession();
  const nameOf = useNameOf();
  const [merges, setMerges] = useState<CustomerMerge[]>([]);
  const [undoing, setUndoing] = useState<CustomerMerge | null>(null);
  useEffect(() => {
    api<{ items: CustomerMerge[] }>(`/api/customers/${customer.id}/merges`).then(
      (r) => setMerges(r.items),
      () => setMerges([]),
    );
  }, [customer.id, version]);
  const lead = me.role === 'supervisor' || me.role === 'admin';
  if (merges.length === 0) return null;
  return (
    <>
      <h3>Merges</h3>
      <ul className="merges">
        {merges.map((m) => (
          <li key={m.id}>
            {m.sourceName} (#{m.sourceId}) merged by {nameOf(m.mergedBy)} on{' '}
            {new Date(m.mergedAt).toLocaleString()}
            {m.undoneAt && <> · undone {new Date(m.undoneAt).toLocaleString()}</>}
            {lead && m.undoableUntil && (
              <>
                {' '}
                <button type="button" onClick={() => setUndoing(m)}>
                  Undo merge
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      {undoing && (
        <ConfirmDialog
          title={`Undo the merge of ${undoing.sourceName}?`}
          confirmLabel="Undo merge"
          onClose={() => setUndoing(null)}
          onConfirm={async () => {
            await api(`/api/customer-merges/${undoing.id}/undo`, {
              method: 'POST',
              idempotencyKey: newKey(),
            });
            onUndone();
          }}
        >
          <p>
            What moved goes back to {undoing.sourceName} (#{undoing.sourceId}):{' '}
            {plural(undoing.moved.cases, 'case', 'cases')},{' '}
            {plural(undoing.moved.interactions, 'message', 'messages')},{' '}
            {plural(undoing.moved.identities, 'identity', 'identities')},{' '}
            {plural(undoing.moved.workItems, 'work item', 'work items')}. This record gets back its
            name and owner; what arrived since the merge stays here.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
