import { useState } from 'react';
import { api, messageOf } from '../api.ts';
import { useSession } from '../app.tsx';
import type { ChannelSetting } from '../types.ts';

/** Each channel: on or off for replies, the name the desk shows, and whether replies are signed. */
export function ChannelsAdmin() {
  const { channels, refreshChannels } = useSession();
  const [message, setMessage] = useState<string | null>(null);
  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title">Channels</h2>
      <p>
        A channel switched off takes no replies from the desk; customers who write on it still reach
        us. A signed reply ends with the advisor’s name.
      </p>
      <p role="status">{message}</p>
      <table className="admin-table">
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col">Display name</th>
            <th scope="col">Replies on</th>
            <th scope="col">Signature</th>
            <th scope="col">
              <span className="visually-hidden">Save</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {channels.map((c) => (
            <ChannelRow
              key={`${c.channel}-${c.displayName}-${c.enabled}-${c.signature}`}
              setting={c}
              onSaved={(m) => {
                setMessage(m);
                refreshChannels();
              }}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ChannelRow({
  setting,
  onSaved,
}: {
  setting: ChannelSetting;
  onSaved: (message: string) => void;
}) {
  const [displayName, setDisplayName] = useState(setting.displayName);
  const [enabled, setEnabled] = useState(setting.enabled);
  const [signature, setSignature] = useState(setting.signature);
  const save = async () => {
    try {
      await api(`/api/channels/${setting.channel}`, {
        method: 'PUT',
        body: { displayName, enabled, signature },
      });
      onSaved(`${displayName.trim()}: settings saved.`);
    } catch (e) {
      onSaved(`${setting.displayName}: ${messageOf(e)}`);
    }
  };
  return (
    <tr data-channel={setting.channel}>
      <th scope="row">
        <code>{setting.channel}</code> {!setting.customised && <small>(default)</small>}
      </th>
      <td>
        <input
          aria-label={`Display name of ${setting.channel}`}
          value={displayName}
          maxLength={40}
          onChange={(e) => setDisplayName(e.target.value)}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`Replies on ${setting.channel}`}
          checked={enabled}
          onChange={(e) => setEnabled(e.target.checked)}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`Sign replies on ${setting.channel}`}
          checked={signature}
          onChange={(e) => setSignature(e.target.checked)}
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
