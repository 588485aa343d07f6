import { useCallback, useEffect, useState } from 'react';
import { api, messageOf } from '../api.ts';
import { channelNames } from '../format.ts';
import type { ServiceLevelSetting } from '../types.ts';

/** Each channel's promise: answer this share of contacts within this time. */
export function ServiceLevelsAdmin() {
  const [items, setItems] = useState<ServiceLevelSetting[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const load = useCallback(() => {
    api<{ items: ServiceLevelSetting[] }>('/api/insights/service-levels').then(
      (r) => setItems(r.items),
      (e: unknown) => setMessage(messageOf(e)),
    );
  }, []);
  useEffect(load, [load]);
  return (
    <section aria-labelledby="sl-title">
      <h2 id="sl-title">Service levels</h2>
      <p>
        The wall measures every channel against its own promise; the parity index compares them.
      </p>
      <p role="status">{message}</p>
      {items && (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Answer within (seconds)</th>
              <th scope="col">Target (%)</th>
              <th scope="col">
                <span className="visually-hidden">Save</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <PolicyRow
                key={p.channel}
                policy={p}
                onSaved={(m) => {
                  setMessage(m);
                  load();
                }}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PolicyRow({
  policy,
  onSaved,
}: {
  policy: ServiceLevelSetting;
  onSaved: (message: string) => void;
}) {
  const name = channelNames[policy.channel] ?? policy.channel;
  const [seconds, setSeconds] = useState(String(Math.round(policy.thresholdMs / 1000)));
  const [target, setTarget] = useState(String(Math.round(policy.targetFraction * 1000) / 10));
  const save = async () => {
    try {
      await api(`/api/insights/service-levels/${policy.channel}`, {
        method: 'PUT',
        body: { thresholdSeconds: Number(seconds), targetPercent: Number(target) },
      });
      onSaved(`${name}: promise saved.`);
    } catch (e) {
      onSaved(`${name}: ${messageOf(e)}`);
    }
  };
  return (
    <tr>
      <th scope="row">
        {name} {!policy.customised && <small>(default)</small>}
      </th>
      <td>
        <input
          aria-label={`${name}: answer within, in seconds`}
          type="number"
          min={1}
          value={seconds}
          onChange={(e) => setSeconds(e.target.value)}
        />
      </td>
      <td>
        <input
          aria-label={`${name}: target percent`}
          type="number"
          min={1}
          max={100}
          step="0.1"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
        />
      </td>
      <td>
        <button type="button" onClick={() => void save()}>
          Save
        </button>
      </td>
    </tr>
  );
}
