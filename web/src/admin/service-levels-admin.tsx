import { useCallback, useEffect, useState } from 'react';
import { api, messageOf } from '../api.ts';
import { FieldError, fieldErrorsOf, invalidProps, type FieldErrors } from './field-errors.tsx';
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
              <th scope="col">Answer within</th>
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

/** The units a threshold is entered in; it is stored as seconds. */
const units = [
  { name: 'seconds', seconds: 1 },
  { name: 'minutes', seconds: 60 },
  { name: 'hours', seconds: 3600 },
] as const;
type Unit = (typeof units)[number]['name'];
const secondsPer = (unit: Unit) => units.find((u) => u.name === unit)!.seconds;

/** A threshold in the largest unit that shows it whole: 14400 s → 4 hours, 90 s → 90 seconds. */
export function thresholdInUnits(ms: number): { amount: string; unit: Unit } {
  const seconds = Math.round(ms / 1000);
  if (seconds >= 3600 && seconds % 3600 === 0)
    return { amount: String(seconds / 3600), unit: 'hours' };
  if (seconds >= 60 && seconds % 60 === 0) return { amount: String(seconds / 60), unit: 'minutes' };
  return { amount: String(seconds), unit: 'seconds' };
}

/** "4 hours", "1 minute", "20 seconds": a threshold in words. */
function inWords(ms: number): string {
  const { amount, unit } = thresholdInUnits(ms);
  return `${amount} ${amount === '1' ? unit.slice(0, -1) : unit}`;
}

function PolicyRow({
  policy,
  onSaved,
}: {
  policy: ServiceLevelSetting;
  onSaved: (message: string) => void;
}) {
  const name = channelNames[policy.channel] ?? policy.channel;
  const shown = thresholdInUnits(policy.thresholdMs);
  const [amount, setAmount] = useState(shown.amount);
  const [unit, setUnit] = useState<Unit>(shown.unit);
  const [target, setTarget] = useState(String(Math.round(policy.targetFraction * 1000) / 10));
  const [errors, setErrors] = useState<FieldErrors>({});
  const form = `sl-${policy.channel}`;
  const save = async () => {
    const seconds = Math.round(Number(amount) * secondsPer(unit));
    const percent = Number(target);
    const local: Record<string, string> = {};
    if (amount.trim() === '' || !Number.isFinite(seconds) || seconds < 1 || seconds > 7 * 24 * 3600)
      local['threshold'] = 'Answer within must be between 1 second and 7 days';
    if (target.trim() === '' || !(percent > 0 && percent <= 100))
      local['target'] = 'The target must be above 0 and at most 100 %';
    setErrors(local);
    if (Object.keys(local).length > 0) {
      onSaved(`${name}: not saved, see the marked fields.`);
      return;
    }
    try {
      await api(`/api/insights/service-levels/${policy.channel}`, {
        method: 'PUT',
        body: { thresholdSeconds: seconds, targetPercent: percent },
      });
      onSaved(`${name}: promise saved. ${percent} % within ${inWords(seconds * 1000)}.`);
    } catch (e) {
      const { fields, other } = fieldErrorsOf(e, (path) =>
        path[0] === 'thresholdSeconds'
          ? { key: 'threshold', label: 'Answer within (in seconds)' }
          : path[0] === 'targetPercent'
            ? { key: 'target', label: 'The target' }
            : undefined,
      );
      setErrors(fields);
      onSaved(`${name}: ${other}`);
    }
  };
  return (
    <tr data-channel={policy.channel}>
      <th scope="row">
        {name} {!policy.customised && <small>(default)</small>}
      </th>
      <td>
        <input
          aria-label={`${name}: answer within`}
          type="number"
          min={0}
          step="any"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          {...invalidProps(errors, form, 'threshold')}
        />
        <select
          aria-label={`${name}: unit`}
          value={unit}
          onChange={(e) => setUnit(e.target.value as Unit)}
        >
          {units.map((u) => (
            <option key={u.name} value={u.name}>
              {u.name}
            </option>
          ))}
        </select>
        <FieldError errors={errors} form={form} field="threshold" />
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
          {...invalidProps(errors, form, 'target')}
        />
        <FieldError errors={errors} form={form} field="target" />
      </td>
      <td>
        <button type="button" onClick={() => void save()}>
          Save
        </button>
      </td>
    </tr>
  );
}
