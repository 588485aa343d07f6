import { useEffect, useState, type FormEvent } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import {
  FieldError,
  fieldErrorsOf,
  invalidProps,
  placeByName,
  type FieldErrors,
} from './field-errors.tsx';
import { useSession } from '../app.tsx';
import { channelNames } from '../format.ts';
import type { ChannelAccount, ChannelProvider, MailboxStatus, SettingValue } from '../types.ts';

const channelOrder = ['email', 'chat', 'voice', 'sms', 'social', 'shop'] as const;
const providersOf: Record<(typeof channelOrder)[number], ChannelProvider[]> = {
  email: ['smtp', 'webhook'],
  chat: ['widget', 'webhook'],
  voice: ['twilio', 'webhook'],
  sms: ['twilio', 'webhook'],
  social: ['meta', 'x', 'webhook'],
  shop: ['shop', 'webhook'],
};
/** The secrets each provider's adapter reads; set here, never shown again. */
const secretNamesOf: Record<ChannelProvider, string[]> = {
  // Sent over SMTP; read over IMAP too when the account's settings name an imapHost.
  smtp: ['smtpPassword', 'imapPassword'],
  twilio: ['authToken'],
  meta: ['appSecret', 'verifyToken'],
  x: ['consumerSecret'],
  webhook: ['signingSecret'],
  widget: ['identitySecret'],
  shop: [],
};

/**
 * Channel accounts: the mailboxes, numbers, pages, widgets and shops replies go out on, several per
 * channel. Secrets are typed into password fields and only ever shown as “set” or “not set”.
 */
export function ChannelsAdmin() {
  const { refreshChannels } = useSession();
  const [accounts, setAccounts] = useState<ChannelAccount[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const load = () =>
    api<{ items: ChannelAccount[] }>('/api/channel-accounts').then(
      (r) => setAccounts(r.items),
      (e: unknown) => setMessage(messageOf(e)),
    );
  useEffect(() => {
    void load();
  }, []);
  const saved = (m: string) => {
    setMessage(m);
    void load();
    refreshChannels();
  };
  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title">Channel accounts</h2>
      <p>
        Replies go out on an account: the mailbox, number or page the customer wrote to, else the
        case team’s, else the channel’s first. An account switched off takes no replies; customers
        who write to it still reach us. A signed reply ends with the advisor’s name.
      </p>
      <p role="status">{message}</p>
      {accounts === null ? (
        <p>Loading…</p>
      ) : (
        channelOrder.map((channel) => (
          <ChannelTable
            key={channel}
            channel={channel}
            accounts={accounts.filter((a) => a.channel === channel)}
            onSaved={saved}
          />
        ))
      )}
      <NewAccountForm onSaved={saved} />
    </section>
  );
}

function ChannelTable({
  channel,
  accounts,
  onSaved,
}: {
  channel: string;
  accounts: ChannelAccount[];
  onSaved: (message: string) => void;
}) {
  const title = `channel-${channel}-title`;
  return (
    <section aria-labelledby={title} data-channel={channel}>
      <h3 id={title}>{channelNames[channel] ?? channel}</h3>
      {accounts.length === 0 ? (
        <p>No account yet: replies on this channel cannot go out.</p>
      ) : (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">Display name</th>
              <th scope="col">Address</th>
              <th scope="col">Team</th>
              <th scope="col">Base URL</th>
              <th scope="col">Replies on</th>
              <th scope="col">Signature</th>
              <th scope="col">Secrets</th>
              <th scope="col">
                <span className="visually-hidden">Save</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <AccountRow key={`${a.id}-${a.updatedAt}`} account={a} onSaved={onSaved} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** An email account's IMAP mailbox state, for accounts that read one; null otherwise or until known. */
function useMailboxStatus(account: ChannelAccount): MailboxStatus | null {
  const [status, setStatus] = useState<MailboxStatus | null>(null);
  const readsMailbox = account.channel === 'email' && Boolean(account.settings.imapHost);
  useEffect(() => {
    if (!readsMailbox) return;
    api<MailboxStatus>(`/api/channel-accounts/${account.id}/mailbox`).then(setStatus, () =>
      setStatus(null),
    );
  }, [account.id, readsMailbox]);
  return status;
}

function AccountRow({
  account,
  onSaved,
}: {
  account: ChannelAccount;
  onSaved: (message: string) => void;
}) {
  const { directory } = useSession();
  const [displayName, setDisplayName] = useState(account.displayName);
  const [address, setAddress] = useState(account.address);
  const [teamId, setTeamId] = useState(account.teamId === null ? '' : String(account.teamId));
  const [baseUrl, setBaseUrl] = useState(String(account.settings.baseUrl ?? ''));
  const [enabled, setEnabled] = useState(account.enabled);
  const [signature, setSignature] = useState(account.signature);
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<FieldErrors>({});
  const rowForm = `account-${account.id}`;
  const names = [...new Set([...secretNamesOf[account.provider], ...account.secretsSet])];
  const label = account.displayName;
  const mailbox = useMailboxStatus(account);
  const isMailbox = account.channel === 'email' && account.provider === 'smtp';
  const [mail, setMail] = useState<Record<string, SettingValue>>(() =>
    Object.fromEntries(
      mailSettings.flatMap((f) =>
        account.settings[f.key] !== undefined ? [[f.key, account.settings[f.key]!]] : [],
      ),
    ),
  );
  const save = async () => {
    const { baseUrl: _old, ...kept } = account.settings;
    // The mailbox fields are exactly what the form shows: a cleared one is removed.
    const otherSettings = isMailbox
      ? {
          ...Object.fromEntries(
            Object.entries(kept).filter(([k]) => !mailSettings.some((f) => f.key === k)),
          ),
          ...Object.fromEntries(Object.entries(mail).filter(([, v]) => v !== '' && v !== false)),
        }
      : kept;
    const typed = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== ''));
    try {
      await api(`/api/channel-accounts/${account.id}`, {
        method: 'PATCH',
        body: {
          displayName,
          address,
          teamId: teamId === '' ? null : Number(teamId),
          enabled,
          signature,
          settings: baseUrl.trim() ? { ...otherSettings, baseUrl: baseUrl.trim() } : otherSettings,
          ...(Object.keys(typed).length > 0 ? { secrets: typed } : {}),
        },
      });
      setErrors({});
      onSaved(`${displayName.trim()}: account saved.`);
    } catch (e) {
      // Each refusal is said next to its field, the mail servers' ones inside their opened panel.
      const { fields, other } = fieldErrorsOf(e, placeByName(accountRowLabels(label)));
      setErrors(fields);
      // The sentences name the row already; other refusals are prefixed with it.
      onSaved(Object.keys(fields).length > 0 ? other : `${label}: ${other}`);
    }
  };
  return (
    <>
      <tr data-account={account.id}>
        <td>
          <input
            aria-label={`Display name of ${label}`}
            {...invalidProps(errors, rowForm, 'displayName')}
            value={displayName}
            maxLength={80}
            onChange={(e) => setDisplayName(e.target.value)}
          />
          <FieldError errors={errors} form={rowForm} field="displayName" />
          <small> {account.provider}</small>
          {mailbox?.state === 'disconnected' && (
            <small className="badge" data-testid="mailbox-disconnected" role="status">
              {' '}
              disconnected: {mailbox.lastError ?? 'no reason given'}
            </small>
          )}
        </td>
        <td>
          <input
            aria-label={`Address of ${label}`}
            {...invalidProps(errors, rowForm, 'address')}
            value={address}
            maxLength={300}
            onChange={(e) => setAddress(e.target.value)}
          />
          <FieldError errors={errors} form={rowForm} field="address" />
        </td>
        <td>
          <select
            aria-label={`Team of ${label}`}
            {...invalidProps(errors, rowForm, 'teamId')}
            value={teamId}
            onChange={(e) => setTeamId(e.target.value)}
          >
            <option value="">No team</option>
            {directory.teams.map((t) => (
              <option key={t.id} value={String(t.id)}>
                {t.name}
              </option>
            ))}
          </select>
          <FieldError errors={errors} form={rowForm} field="teamId" />
        </td>
        <td>
          <input
            aria-label={`Base URL of ${label}`}
            {...invalidProps(errors, rowForm, 'baseUrl')}
            type="url"
            value={baseUrl}
            placeholder="provider default"
            onChange={(e) => setBaseUrl(e.target.value)}
          />
          <FieldError errors={errors} form={rowForm} field="baseUrl" />
        </td>
        <td>
          <input
            type="checkbox"
            aria-label={`Replies on ${label}`}
            checked={enabled}
            onChange={(e) => setEnabled(e.target.checked)}
          />
        </td>
        <td>
          <input
            type="checkbox"
            aria-label={`Sign replies on ${label}`}
            checked={signature}
            onChange={(e) => setSignature(e.target.checked)}
          />
        </td>
        <td>
          {names.length === 0
            ? '—'
            : names.map((name) => (
                <label key={name} className="secret-field">
                  {name}{' '}
                  <small data-secret-state={name}>
                    {account.secretsSet.includes(name) ? 'set' : 'not set'}
                  </small>
                  <input
                    type="password"
                    autoComplete="new-password"
                    aria-label={`${name} of ${label}`}
                    placeholder={account.secretsSet.includes(name) ? 'replace…' : 'set…'}
                    value={secrets[name] ?? ''}
                    onChange={(e) => setSecrets((s) => ({ ...s, [name]: e.target.value }))}
                  />
                </label>
              ))}
        </td>
        <td>
          <button type="button" onClick={() => void save()}>
            Save
          </button>
        </td>
      </tr>
      {isMailbox && (
        <tr data-mail-settings={account.id}>
          <td colSpan={8}>
            <details open={mailSettings.some((f) => errors[f.key] !== undefined) || undefined}>
              <summary>Mail servers of {label}</summary>
              <div className="mail-settings">
                {mailSettings.map((f) => (
                  <label key={f.key}>
                    {f.label}{' '}
                    {f.type === 'boolean' ? (
                      <input
                        type="checkbox"
                        aria-label={`${f.label} of ${label}`}
                        {...invalidProps(errors, rowForm, f.key)}
                        checked={mail[f.key] === true}
                        onChange={(e) => setMail((m) => ({ ...m, [f.key]: e.target.checked }))}
                      />
                    ) : (
                      <input
                        type={f.type === 'number' ? 'number' : 'text'}
                        aria-label={`${f.label} of ${label}`}
                        {...invalidProps(errors, rowForm, f.key)}
                        value={String(mail[f.key] ?? '')}
                        placeholder={f.placeholder}
                        onChange={(e) =>
                          setMail((m) => ({
                            ...m,
                            [f.key]:
                              f.type === 'number' && e.target.value !== ''
                                ? Number(e.target.value)
                                : e.target.value,
                          }))
                        }
                      />
                    )}
                    <FieldError errors={errors} form={rowForm} field={f.key} />
                  </label>
                ))}
              </div>
            </details>
          </td>
        </tr>
      )}
    </>
  );
}

/** The settings an email account's adapter, poller and intake read (see docs/architecture.md, Email). */
const mailSettings: readonly {
  key: string;
  label: string;
  type: 'text' | 'number' | 'boolean';
  placeholder?: string;
}[] = [
  { key: 'smtpHost', label: 'SMTP server', type: 'text', placeholder: 'smtp.example.com' },
  { key: 'smtpPort', label: 'SMTP port', type: 'number', placeholder: '587' },
  { key: 'smtpSecure', label: 'SMTP over TLS', type: 'boolean' },
  { key: 'smtpUser', label: 'SMTP user', type: 'text' },
  { key: 'imapHost', label: 'IMAP server (read this mailbox)', type: 'text', placeholder: 'none' },
  { key: 'imapPort', label: 'IMAP port', type: 'number', placeholder: '993' },
  { key: 'imapSecure', label: 'IMAP over TLS', type: 'boolean' },
  { key: 'imapUser', label: 'IMAP user', type: 'text', placeholder: 'the address' },
  { key: 'imapMailbox', label: 'IMAP folder', type: 'text', placeholder: 'INBOX' },
  { key: 'acknowledge', label: 'Acknowledge new emails', type: 'boolean' },
  { key: 'acknowledgement', label: 'Acknowledgement text ({case} = case number)', type: 'text' },
];

/** An existing account's row, its refusals naming the account. */
const accountRowLabels = (label: string): Record<string, string> => ({
  displayName: `The display name of ${label}`,
  address: `The address of ${label}`,
  teamId: `The team of ${label}`,
  baseUrl: `The base URL of ${label}`,
  ...Object.fromEntries(mailSettings.map((f) => [f.key, `The ${f.label} of ${label}`])),
});

/** The New account form's fields, as its refusals name them. */
const newAccountLabels = {
  channel: 'The channel',
  provider: 'The provider',
  displayName: 'The display name',
  address: 'The address',
  teamId: 'The team',
};
const newAccountForm = 'new-account';

function NewAccountForm({ onSaved }: { onSaved: (message: string) => void }) {
  const { directory } = useSession();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [channel, setChannel] = useState<(typeof channelOrder)[number]>('email');
  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const teamId = String(form.get('teamId') ?? '');
    try {
      const account = await api<ChannelAccount>('/api/channel-accounts', {
        method: 'POST',
        idempotencyKey: newKey(),
        body: {
          channel,
          provider: String(form.get('provider')),
          displayName: String(form.get('displayName')),
          address: String(form.get('address')),
          teamId: teamId === '' ? null : Number(teamId),
        },
      });
      setErrors({});
      formElement.reset();
      onSaved(`${account.displayName}: account added.`);
    } catch (e) {
      setErrors(fieldErrorsOf(e, placeByName(newAccountLabels)).fields);
      onSaved(messageOf(e));
    }
  };
  return (
    <form className="admin-form" onSubmit={(e) => void add(e)} aria-labelledby="add-account-title">
      <h3 id="add-account-title">New account</h3>
      <label>
        Channel
        <select
          {...invalidProps(errors, newAccountForm, 'channel')}
          name="channel"
          value={channel}
          onChange={(e) => setChannel(e.target.value as (typeof channelOrder)[number])}
        >
          {channelOrder.map((c) => (
            <option key={c} value={c}>
              {channelNames[c] ?? c}
            </option>
          ))}
        </select>
        <FieldError errors={errors} form={newAccountForm} field="channel" />
      </label>
      <label>
        Provider
        <select
          {...invalidProps(errors, newAccountForm, 'provider')}
          name="provider"
          key={channel}
          defaultValue={providersOf[channel][0]}
        >
          {providersOf[channel].map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <FieldError errors={errors} form={newAccountForm} field="provider" />
      </label>
      <label>
        Display name
        <input
          name="displayName"
          required
          maxLength={80}
          {...invalidProps(errors, newAccountForm, 'displayName')}
        />
        <FieldError errors={errors} form={newAccountForm} field="displayName" />
      </label>
      <label>
        Address
        <input
          name="address"
          required
          maxLength={300}
          placeholder="billing@… or +1415…"
          {...invalidProps(errors, newAccountForm, 'address')}
        />
        <FieldError errors={errors} form={newAccountForm} field="address" />
      </label>
      <label>
        Team
        <select name="teamId" defaultValue="" {...invalidProps(errors, newAccountForm, 'teamId')}>
          <option value="">No team</option>
          {directory.teams.map((t) => (
            <option key={t.id} value={String(t.id)}>
              {t.name}
            </option>
          ))}
        </select>
        <FieldError errors={errors} form={newAccountForm} field="teamId" />
      </label>
      <button type="submit" className="primary">
        Add account
      </button>
    </form>
  );
}
