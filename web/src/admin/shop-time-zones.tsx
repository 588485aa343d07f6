import { useEffect, useState } from 'react';
import { api } from '../api.ts';

let cached: Promise<string[]> | null = null;

/** The server's IANA zone names (loaded once), for a select: a shop's zone is never free text. */
export function useTimeZones(): string[] {
  const [zones, setZones] = useState<string[]>([]);
  useEffect(() => {
    cached ??= api<{ items: string[] }>('/api/time-zones').then(
      (r) => r.items,
      (e: unknown) => {
        cached = null;
        throw e;
      },
    );
    let live = true;
    cached.then(
      (items) => live && setZones(items),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return zones;
}

/** A select of IANA zones, keeping `value` as an option while the list loads. */
export function TimeZoneSelect({
  label,
  name,
  value,
  defaultValue,
  onChange,
}: {
  label: string;
  name?: string;
  value?: string;
  defaultValue?: string;
  onChange?: (zone: string) => void;
}) {
  const zones = useTimeZones();
  const current = value ?? defaultValue ?? '';
  const options = zones.includes(current) || !current ? zones : [current, ...zones];
  return (
    <label>
      {label}
      <select
        aria-label={label}
        name={name}
        required
        {...(value !== undefined ? { value } : { defaultValue: current })}
        onChange={(e) => onChange?.(e.target.value)}
      >
        <option value="" disabled>
          Choose a time zone
        </option>
        {options.map((z) => (
          <option key={z} value={z}>
            {z}
          </option>
        ))}
      </select>
    </label>
  );
}
