import { useEffect, useRef, useState } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import { navigate } from '../router.ts';
import { outcomeNames, wrapUpOutcomes, type WrapUpOutcome } from '../calls/calls-api.ts';
import type { Shop } from '../types.ts';
import { markCaseUnread } from './read-state.ts';

type Panel = 'call' | 'visit' | null;

/**
 * What I do to the open case beside answering it: mark it unread for later (kept away from
 * Resolve), log a call I had with the customer, or a visit they made to a shop.
 */
export function CaseActions({ conversationId }: { conversationId: number }) {
  const [panel, setPanel] = useState<Panel>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const unread = async () => {
    try {
      await markCaseUnread(conversationId);
      // Left open, the case would read as read again: back to the list, where it shows unread.
      navigate('/');
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const logged = (what: string) => {
    setPanel(null);
    setNote(what);
  };

  return (
    <div className="case-actions" role="toolbar" aria-label="This case">
      <button type="button" onClick={() => setPanel(panel === 'call' ? null : 'call')}>
        Log a call
      </button>
      <button type="button" onClick={() => setPanel(panel === 'visit' ? null : 'visit')}>
        Log a shop visit
      </button>
      <button type="button" className="mark-unread" onClick={() => void unread()}>
        Mark unread
      </button>
      {note && (
        <span className="done-note" role="status">
          {note}
        </span>
      )}
      {error && <p role="alert">{error}</p>}
      {panel === 'call' && (
        <LogCall conversationId={conversationId} onDone={() => logged('Call logged.')} />
      )}
      {panel === 'visit' && (
        <LogVisit conversationId={conversationId} onDone={() => logged('Visit logged.')} />
      )}
    </div>
  );
}

function LogCall({ conversationId, onDone }: { conversationId: number; onDone: () => void }) {
  const [direction, setDirection] = useState<'inbound' | 'outbound'>('inbound');
  const [minutes, setMinutes] = useState('5');
  const [outcome, setOutcome] = useState<WrapUpOutcome>('resolved');
  const [notes, setNotes] = useState('');
  const [error, setError] = useState<string | null>(null);
  const key = useRef(newKey());
  const parsed = Number(minutes.replace(',', '.'));
  const valid = minutes.trim() !== '' && Number.isFinite(parsed) && parsed >= 0 && parsed <= 1440;

  const save = async () => {
    if (!valid) return;
    setError(null);
    try {
      await api(`/api/conversations/${conversationId}/logged-calls`, {
        method: 'POST',
        body: { direction, durationSeconds: Math.round(parsed * 60), outcome, notes },
        idempotencyKey: key.current,
      });
      onDone();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <form
      className="log-form"
      aria-label="Log a call"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        Direction
        <select
          value={direction}
          onChange={(e) => setDirection(e.target.value as 'inbound' | 'outbound')}
        >
          <option value="inbound">The customer called</option>
          <option value="outbound">I called the customer</option>
        </select>
      </label>
      <label>
        Minutes
        <input
          inputMode="decimal"
          value={minutes}
          onChange={(e) => setMinutes(e.target.value)}
          aria-invalid={!valid}
        />
        {!valid && <span className="field-error">a number of minutes, up to a day (1440)</span>}
      </label>
      <label>
        Outcome
        <select value={outcome} onChange={(e) => setOutcome(e.target.value as WrapUpOutcome)}>
          {wrapUpOutcomes.map((o) => (
            <option key={o} value={o}>
              {outcomeNames[o]}
            </option>
          ))}
        </select>
      </label>
      <label className="text-label">
        Notes
        <textarea value={notes} onChange={(e) => setNotes(e.target.value)} rows={3} />
      </label>
      <button type="submit" className="primary" disabled={!valid}>
        Save call
      </button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function LogVisit({ conversationId, onDone }: { conversationId: number; onDone: () => void }) {
  const [shops, setShops] = useState<Shop[] | null>(null);
  const [shopId, setShopId] = useState('');
  const [notes, setNotes] = useState('');
  const [error, setError] = useState<string | null>(null);
  const key = useRef(newKey());
  useEffect(() => {
    api<{ items: Shop[] }>('/api/shops').then(
      (r) => {
        setShops(r.items);
        setShopId((current) => current || String(r.items[0]?.id ?? ''));
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);

  const save = async () => {
    if (!shopId) return;
    setError(null);
    try {
      await api(`/api/conversations/${conversationId}/logged-visits`, {
        method: 'POST',
        body: { shopId: Number(shopId), notes },
        idempotencyKey: key.current,
      });
      onDone();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <form
      className="log-form"
      aria-label="Log a shop visit"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        Shop
        <select value={shopId} onChange={(e) => setShopId(e.target.value)}>
          {(shops ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label className="text-label">
        Notes
        <textarea value={notes} onChange={(e) => setNotes(e.target.value)} rows={3} />
      </label>
      <button type="submit" className="primary" disabled={!shopId}>
        Save visit
      </button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
