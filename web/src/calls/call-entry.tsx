import { useState } from 'react';
import { api, messageOf } from '../api.ts';
import { useNameOf } from '../app.tsx';
import type { Interaction } from '../types.ts';
import { callOutcomes } from '../../../src/api-types/conversations.ts';
import {
  callLength,
  callStateNames,
  callsApi,
  outcomeNames,
  type CallDetails,
  type CallOutcome,
} from './calls-api.ts';
import './calls.css';

/**
 * A call on the timeline: its state, length, advisor and recording, then the wrap-up (notes,
 * outcome, a hard call) or, once the call has ended and nobody wrapped it up, the form for it.
 */
export function CallEntry({ item }: { item: Interaction & { call: CallDetails } }) {
  const nameOf = useNameOf();
  const [call, setCall] = useState<CallDetails>(item.call);
  const [editing, setEditing] = useState(false);
  const ended = call.endedAt !== null;
  return (
    <div className="call-entry" data-call={call.callId}>
      <p className="call-facts">
        <span className="call-state">{callStateNames[call.state] ?? call.state}</span>
        {call.durationSeconds !== null && (
          <span className="call-length">{callLength(call.durationSeconds)}</span>
        )}
        {call.advisorId !== null && <span>with {nameOf(call.advisorId)}</span>}
        {call.recordingUrl && (
          <a href={call.recordingUrl} target="_blank" rel="noreferrer noopener">
            Recording
          </a>
        )}
      </p>
      {item.text && <p className="text">{item.text}</p>}
      {call.wrapUp && !editing ? (
        <div className="wrap-up-done">
          <p>
            <strong>{outcomeNames[call.wrapUp.outcome]}</strong>
            {call.wrapUp.hard && <span className="hard-call"> · hard call</span>} ·{' '}
            {nameOf(call.wrapUp.advisorId)}{' '}
            <button type="button" className="link" onClick={() => setEditing(true)}>
              Edit
            </button>
          </p>
          {call.wrapUp.notes && <p className="wrap-up-notes">{call.wrapUp.notes}</p>}
        </div>
      ) : (
        (ended || editing) && (
          <WrapUpForm
            call={call}
            onDone={(next) => {
              setCall(next);
              setEditing(false);
            }}
          />
        )
      )}
    </div>
  );
}

function WrapUpForm({ call, onDone }: { call: CallDetails; onDone: (call: CallDetails) => void }) {
  const [outcome, setOutcome] = useState<CallOutcome>(call.wrapUp?.outcome ?? 'resolved');
  const [notes, setNotes] = useState(call.wrapUp?.notes ?? '');
  const [hard, setHard] = useState(call.wrapUp?.hard ?? false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = `wrap-${call.callId}`;
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      onDone(
        await api<CallDetails>(callsApi.wrapUp(call.callId), {
          method: 'POST',
          body: { outcome, notes, hard },
        }),
      );
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="wrap-up"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3 id={`${id}-title`}>Wrap up the call</h3>
      <label htmlFor={`${id}-outcome`}>Outcome</label>
      <select
        id={`${id}-outcome`}
        value={outcome}
        onChange={(e) => setOutcome(e.target.value as CallOutcome)}
      >
        {callOutcomes.map((o) => (
          <option key={o} value={o}>
            {outcomeNames[o]}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-notes`}>Notes</label>
      <textarea
        id={`${id}-notes`}
        rows={3}
        maxLength={10_000}
        value={notes}
        onChange={(e) => setNotes(e.target.value)}
      />
      <label className="check">
        <input type="checkbox" checked={hard} onChange={(e) => setHard(e.target.checked)} /> This
        was a hard call (take a few minutes before the next)
      </label>
      {error && <p role="alert">{error}</p>}
      <button type="submit" className="primary" disabled={busy}>
        Save wrap-up
      </button>
    </form>
  );
}
