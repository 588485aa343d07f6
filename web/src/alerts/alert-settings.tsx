import { useState } from 'react';
import { messageOf } from '../api.ts';
import type { AlertSettings, AlertWays } from '../../../src/api-types/collision.ts';
import { saveAlertSettings, useAlertSettings } from './personal-settings.ts';
import { playAlertTone } from './alert-sound.ts';

const kinds: ReadonlyArray<{ key: keyof AlertSettings; name: string; tone: 'offer' | 'message' }> =
  [
    { key: 'offers', name: 'Offers of work', tone: 'offer' },
    { key: 'messages', name: 'New messages on my cases', tone: 'message' },
  ];
const ways: ReadonlyArray<{ key: keyof AlertWays; name: string }> = [
  { key: 'sound', name: 'Sound' },
  { key: 'desktop', name: 'Desktop notification' },
  { key: 'title', name: 'Count in the tab title' },
];

/** Asks the browser for notifications (only here, when the advisor turns them on); answers if allowed. */
async function mayNotify(): Promise<boolean | string> {
  if (typeof Notification === 'undefined') return 'This browser cannot show desktop notifications.';
  if (Notification.permission === 'granted') return true;
  const answer =
    Notification.permission === 'denied' ? 'denied' : await Notification.requestPermission();
  return answer === 'granted'
    ? true
    : 'The browser blocks notifications from Rapport: allow them in the site settings (the lock by the address), then turn them on here.';
}

/** My alerts: how offers and new messages on my cases reach me. Saved on the server, for me only. */
export function AlertSettingsScreen() {
  const settings = useAlertSettings();
  const [status, setStatus] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const change = async (kind: keyof AlertSettings, way: keyof AlertWays, on: boolean) => {
    setStatus(null);
    setProblem(null);
    if (on && way === 'desktop') {
      const allowed = await mayNotify();
      if (allowed !== true) {
        setProblem(allowed === false ? 'Desktop notifications are not allowed.' : allowed);
        return;
      }
    }
    setBusy(true);
    try {
      await saveAlertSettings({ ...settings, [kind]: { ...settings[kind], [way]: on } });
      setStatus('Saved: this applies to you on every computer you sign in on.');
      if (on && way === 'sound')
        playAlertTone(kinds.find((k) => k.key === kind)?.tone ?? 'message');
    } catch (e) {
      setProblem(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="alert-settings" aria-labelledby="alert-settings-title">
      <h1 id="alert-settings-title">My alerts</h1>
      <p>
        How Rapport tells you of new work and of customers writing on your cases. A desktop
        notification shows while Rapport is not the window in front; the browser asks you once.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Alert</th>
            {ways.map((w) => (
              <th key={w.key} scope="col">
                {w.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {kinds.map((k) => (
            <tr key={k.key}>
              <th scope="row">{k.name}</th>
              {ways.map((w) => (
                <td key={w.key}>
                  <input
                    type="checkbox"
                    aria-label={`${k.name}: ${w.name.toLowerCase()}`}
                    checked={settings[k.key][w.key]}
                    disabled={busy}
                    onChange={(e) => void change(k.key, w.key, e.target.checked)}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button type="button" onClick={() => playAlertTone('offer')}>
          Play the offer sound
        </button>{' '}
        <button type="button" onClick={() => playAlertTone('message')}>
          Play the message sound
        </button>
      </p>
      {problem && <p role="alert">{problem}</p>}
      <p role="status">{status}</p>
    </section>
  );
}
