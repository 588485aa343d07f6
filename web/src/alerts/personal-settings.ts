import { useEffect, useSyncExternalStore } from 'react';
import { api } from '../api.ts';
import type { AlertSettings, PersonalSettings } from '../../../src/api-types/collision.ts';

/** Until the server answers: the tab title only, as the server's own default. */
const fallback: AlertSettings = {
  offers: { sound: false, desktop: false, title: true },
  messages: { sound: false, desktop: false, title: true },
};

// One copy per tab: the alerts and the settings screen share it.
let current: AlertSettings = fallback;
let loaded = false;
const listeners = new Set<() => void>();
const changed = () => listeners.forEach((l) => l());

function load(): void {
  if (loaded) return;
  loaded = true;
  api<PersonalSettings>('/api/me/settings').then(
    (settings) => {
      current = settings.alerts;
      changed();
    },
    () => {
      loaded = false;
    },
  );
}

/** My alert settings as stored on the server (loaded once per tab). */
export function useAlertSettings(): AlertSettings {
  useEffect(load, []);
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}

/** Stores my alert settings on the server; every part of the tab follows at once. */
export async function saveAlertSettings(alerts: AlertSettings): Promise<AlertSettings> {
  const saved = await api<PersonalSettings>('/api/me/settings', {
    method: 'PUT',
    body: { alerts },
  });
  current = saved.alerts;
  changed();
  return current;
}

/** Forgets the loaded settings (another person signs in on this tab). */
export function forgetAlertSettings(): void {
  current = fallback;
  loaded = false;
  changed();
}
