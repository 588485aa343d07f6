import { useCallback, useState } from 'react';
import { api, messageOf } from '../api.ts';
import { useNameOf } from '../app.tsx';
import { useLiveRefresh } from '../live.ts';
import type { Interaction } from '../types.ts';
import {
  callLength,
  callStateNames,
  callsApi,
  outcomeNames,
  wrapUpOutcomes,
  type CallDetails,
  type WrapUpOutcome,
} from './calls-api.ts';
import './calls.css';

/** Events that change a call's entry: its state, its wrap-up, its recording, a callback made of it. */
const callEvents = new Set([
  'call.state-changed',
  'call.wrapped-up',
  'call.recording-stored',
  'call.recording-failed',
  'call.called-back',
]);

/**
 * A call on the timeline: its state, length, advisor and recording (played here), then the wrap-up
 * (notes, outcome, a hard call) or, once the call has ended and nobody wrapped it up, the form for
 * it; a missed call offers "Call back". Kept current live: another tab's wrap-up or the call's next
 * state shows here without a reload.
 */
export function CallEntry({ item }: { item: Interaction & { call: CallDetails } }) {
  const nameOf = useNameOf();
  const [call, setCall] = useState<CallDetails>(item.call);
  const [editing, setEditing] = useState(false);
  const callId = call.callId;
  const reload = useCallback(() => {
    api<CallDetails>(callsApi.call(callId)).then(setCall, () => undefined);
  }, [callId]);
  useLiveRefresh(
    (event) =>
      callEvents.has(event.type) && event.entity.type === 'call' && event.entity.id === callId,
    reload,
  );
  const ended = call.endedAt !== null;
  return (
    <div className="call-entry" data-call={call.callId}>
      <p className="call-facts">
        <span className="call-state">{callStateNames[call.state] ?? call.state}</span>
        {call.durationSeconds !== null && (
          <span className="call-length">{callLength(call.durationSeconds)}</span>
        )}
        {call.advisorId !== null && <span>with {nameOf(call.advisorId)}</span>}
        {call.missed && <span className="call-missed">missed: hung up while waiting</span>}
      </p>
      {call.recordingUrl ? (
        <audio
          className="call-recording"
          controls
          preload="metadata"
          src={call.recordingUrl}
          aria-label="Recording of the call"
        />
      ) : call.recordingState === 'pending' ? (
        <p className="call-recording-note">The recording is being fetched…</p>
      ) : call.recordingState === 'failed' ? (
        <p className="call-recording-note failed">The recording could not be fetched.</p>
      ) : null}
      {item.text && <p className="text">{item.text}</p>}
      {call.missed && <MissedCallBack call={call} onMade={reload} />}
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

/**
 * "Call back" on a missed call: a callback that keeps the caller's place, then (with a line) the
 * call itself, in one click; pressed twice, still one callback.
 */
function MissedCallBack({ call, onMade }: { call: CallDetails; onMade: () => void }) {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ text: string; failed: boolean } | null>(null);
  const press = async () => {
    setBusy(true);
    setNote(null);
    try {
      const made = await api<{ itemId: number; phone: string }>(
        callsApi.callBackMissed(call.callId),
        { method: 'POST' },
      );
      try {
        await api(callsApi.callBack(made.itemId), { method: 'POST' });
        setNote({
          text: `Calling ${made.phone}: your line rings when they pick up.`,
          failed: false,
        });
      } catch (e) {
        // The callback is made and keeps their place; the call itself waits (no line, or on its way).
        setNote({
          text: `Callback to ${made.phone} is in the callbacks due, in the caller's place. ${messageOf(e)}`,
          failed: false,
        });
      }
      onMade();
    } catch (e) {
      setNote({ text: messageOf(e), failed: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="missed-call">
      {call.callbackItemId === null ? (
        <button type="button" className="primary" disabled={busy} onClick={() => void press()}>
          Call back
        </button>
      ) : (
        !note && <p className="callback-made">A callback was made of this missed call.</p>
      )}
      {note && (
        <p role={note.failed ? 'alert' : 'status'} className={note.failed ? 'failed' : ''}>
          {note.text}
        </p>
      )}
    </div>
  );
}

function WrapUpForm({ call, onDone }: { call: CallDetails; onDone: (call: CallDetails) => void }) {
  const [outcome, setOutcome] = useState<WrapUpOutcome>(call.wrapUp?.outcome ?? 'resolved');
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
        onChange={(e) => setOutcome(e.target.value as WrapUpOutcome)}
      >
        {wrapUpOutcomes.map((o) => (
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
