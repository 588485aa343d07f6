import { useState } from 'react';
import { api, messageOf } from '../api.ts';
import { useSession } from '../app.tsx';
import { channelNames } from '../format.ts';
import { presenceNames } from '../routing/routing-api.ts';
import type { AdvisorStateView } from '../types.ts';

const presences = ['available', 'busy', 'wrap_up', 'break', 'offline'] as const;
const channels = ['voice', 'chat', 'email', 'sms', 'social', 'shop'] as const;

/** A supervisor sets an advisor's presence and capacity from the wall; both are recorded. */
export function AdvisorActions({
  advisor,
  onChanged,
}: {
  advisor: AdvisorStateView;
  onChanged: () => void;
}) {
  const [message, setMessage] = useState<string | null>(null);
  const [capacity, setCapacity] = useState<Record<string, number>>({ ...advisor.capacity });
  const [shown, setShown] = useState<string>(advisor.presence);
  const setPresence = async (presence: string) => {
    setShown(presence);
    try {
      await api(`/api/wall/advisors/${advisor.id}/presence`, { method: 'PUT', body: { presence } });
      setMessage(`${advisor.name} is now ${presenceNames[presence] ?? presence}.`);
      onChanged();
    } catch (e) {
      setShown(advisor.presence);
      setMessage(messageOf(e));
    }
  };
  const saveCapacity = async () => {
    try {
      await api(`/api/routing/advisors/${advisor.id}/capacity`, { method: 'PUT', body: capacity });
      setMessage(`Capacity of ${advisor.name} saved.`);
      onChanged();
    } catch (e) {
      setMessage(messageOf(e));
    }
  };
  return (
    <div className="wall-actions" aria-label={`Actions for ${advisor.name}`} role="group">
      <label>
        Presence of {advisor.name}
        <select value={shown} onChange={(e) => void setPresence(e.target.value)}>
          {presences.map((p) => (
            <option key={p} value={p}>
              {presenceNames[p] ?? p}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>Capacity (items at once)</legend>
        {channels.map((c) => (
          <label key={c}>
            {channelNames[c] ?? c}
            <input
              type="number"
              min={0}
              max={20}
              value={capacity[c] ?? 0}
              onChange={(e) => setCapacity({ ...capacity, [c]: Number(e.target.value) })}
            />
          </label>
        ))}
        <button type="button" onClick={() => void saveCapacity()}>
          Save capacity
        </button>
      </fieldset>
      <p role="status">{message}</p>
    </div>
  );
}

/** Gives a case to another advisor or team, from the wall. */
export function ReassignCase({
  conversationId,
  label,
  onDone,
}: {
  conversationId: number;
  label: string;
  onDone: () => void;
}) {
  const { directory } = useSession();
  const [target, setTarget] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const people = directory.advisors.filter(
    (a) =>
      a.active && (a.role === 'advisor' || a.role === 'supervisor' || a.role === 'shop_advisor'),
  );
  const reassign = async () => {
    const [kind, id] = target.split(':');
    try {
      const moved = await api<{ staysWith: { name: string } | null }>(
        `/api/wall/cases/${conversationId}/reassign`,
        {
          method: 'POST',
          body: kind === 'team' ? { teamId: Number(id), ownerId: null } : { ownerId: Number(id) },
        },
      );
      const to =
        kind === 'team'
          ? directory.teams.find((t) => t.id === Number(id))?.name
          : people.find((a) => a.id === Number(id))?.name;
      setMessage(
        moved.staysWith
          ? `Given to ${to ?? 'them'}; the live conversation stays with ${moved.staysWith.name} until it ends.`
          : `Given to ${to ?? 'them'}.`,
      );
      setTarget('');
      onDone();
    } catch (e) {
      setMessage(messageOf(e));
    }
  };
  return (
    <span className="reassign">
      <select
        aria-label={`Reassign ${label} to`}
        value={target}
        onChange={(e) => setTarget(e.target.value)}
      >
        <option value="">Reassign to…</option>
        <optgroup label="Advisors">
          {people.map((a) => (
            <option key={a.id} value={`advisor:${a.id}`}>
              {a.name}
            </option>
          ))}
        </optgroup>
        <optgroup label="Teams (unassigned)">
          {directory.teams.map((t) => (
            <option key={t.id} value={`team:${t.id}`}>
              {t.name}
            </option>
          ))}
        </optgroup>
      </select>{' '}
      <button type="button" disabled={!target} onClick={() => void reassign()}>
        Reassign
      </button>{' '}
      <small role="status">{message}</small>
    </span>
  );
}
