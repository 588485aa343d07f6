import { useState } from 'react';
import { api, messageOf } from '../api.ts';
import { chosenPresences, presenceNames, routingApi } from './routing-api.ts';
import { useRoutingMe } from './use-routing-me.ts';

/** Available / on a break / offline, always in the header once the routing engine is there. */
export function PresenceSwitch() {
  const { me, reload } = useRoutingMe();
  const [error, setError] = useState<string | null>(null);
  const change = async (presence: string) => {
    setError(null);
    try {
      await api(routingApi.presence, { method: 'PUT', body: { presence } });
      reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const current = me?.presence ?? '';
  return (
    <label className="presence">
      Presence
      <select
        value={current}
        onChange={(e) => void change(e.target.value)}
        disabled={me === null}
        title={error ?? undefined}
        aria-invalid={error ? true : undefined}
      >
        {me === null && <option value="">…</option>}
        {!(chosenPresences as readonly string[]).includes(current) && current && (
          <option value={current}>{presenceNames[current] ?? current}</option>
        )}
        {chosenPresences.map((p) => (
          <option key={p} value={p}>
            {presenceNames[p]}
          </option>
        ))}
      </select>
      {error && <span role="alert">{error}</span>}
    </label>
  );
}
