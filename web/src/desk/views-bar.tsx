import { useState } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import { useSession } from '../app.tsx';
import { channelNames, statusNames } from '../format.ts';
import type { ViewFilters, ViewSummary } from '../../../src/api-types/views.ts';

/** The key of the desk's list of customers waiting for an answer, the first view. */
export const waitingView = 'waiting';

/** The views as tabs, each with its count and, in bold, how many I have not read. */
export function ViewsBar({
  views,
  waiting,
  selected,
  onSelect,
}: {
  views: ViewSummary[] | null;
  waiting: { count: number | null; unread: number | null };
  selected: string;
  onSelect: (key: string) => void;
}) {
  const tab = (key: string, name: string, count: number | null, unread: number | null) => (
    <button
      key={key}
      type="button"
      role="tab"
      aria-selected={selected === key}
      aria-pressed={selected === key}
      data-view={key}
      className={unread ? 'has-unread' : undefined}
      onClick={() => onSelect(key)}
    >
      {name}
      {count !== null && <span className="view-count">{count}</span>}
      {unread ? (
        <span className="view-unread" aria-label={`${unread} unread`}>
          {unread}
        </span>
      ) : null}
    </button>
  );
  return (
    <div className="views" role="tablist" aria-label="Views">
      {tab(waitingView, 'Waiting for an answer', waiting.count, waiting.unread)}
      {(views ?? []).map((v) => tab(v.key, v.name, v.count, v.unread))}
    </div>
  );
}

const channelOptions = ['email', 'chat', 'voice', 'sms', 'social', 'shop'];
const statusOptions = ['open', 'pending_us', 'pending_customer', 'resolved', 'closed'];
const priorityOptions = ['urgent', 'high', 'normal', 'low'];

interface Draft {
  name: string;
  status: string;
  channel: string;
  teamId: string;
  ownerId: string;
  tag: string;
  priority: string;
  share: boolean;
}
const emptyDraft: Draft = {
  name: '',
  status: 'active',
  channel: '',
  teamId: '',
  ownerId: '',
  tag: '',
  priority: '',
  share: false,
};

function filtersOf(draft: Draft): ViewFilters {
  const owner = draft.ownerId;
  return {
    ...(draft.status ? { status: draft.status as ViewFilters['status'] } : {}),
    ...(draft.channel ? { channel: draft.channel as ViewFilters['channel'] } : {}),
    ...(draft.teamId ? { teamId: Number(draft.teamId) } : {}),
    ...(owner ? { ownerId: owner === 'me' || owner === 'none' ? owner : Number(owner) } : {}),
    ...(draft.tag.trim() ? { tag: draft.tag.trim() } : {}),
    ...(draft.priority ? { priority: draft.priority as ViewFilters['priority'] } : {}),
  };
}

/** A form to save a view with its filters, for me or shared with my team. */
export function SaveView({ onSaved }: { onSaved: (key: string) => void }) {
  const { me, directory } = useSession();
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const myTeam = directory.teams.find((t) => t.id === me.teamId);

  const save = async () => {
    setError(null);
    setErrors({});
    try {
      const saved = await api<{ id: number }>('/api/views', {
        method: 'POST',
        body: {
          name: draft.name,
          filters: filtersOf(draft),
          ...(draft.share && me.teamId ? { sharedTeamId: me.teamId } : {}),
        },
        idempotencyKey: newKey(),
      });
      setDraft(emptyDraft);
      setOpen(false);
      onSaved(`saved:${saved.id}`);
    } catch (e) {
      const problem = (e as { problem?: { errors?: Array<{ field: string; reason: string }> } })
        .problem;
      const byField: Record<string, string> = {};
      for (const p of problem?.errors ?? []) byField[p.field.replace(/^filters\./, '')] = p.reason;
      if (Object.keys(byField).length > 0) setErrors(byField);
      else setError(messageOf(e));
    }
  };
  const fieldError = (field: string) =>
    errors[field] ? (
      <span className="field-error" role="alert">
        {errors[field]}
      </span>
    ) : null;

  return (
    <details className="save-view" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>New view</summary>
      <form
        aria-label="New view"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label>
          Name
          <input value={draft.name} onChange={(e) => set({ name: e.target.value })} />
          {fieldError('name')}
        </label>
        <label>
          Status
          <select value={draft.status} onChange={(e) => set({ status: e.target.value })}>
            <option value="active">Open or pending</option>
            <option value="done">Resolved or closed</option>
            {statusOptions.map((s) => (
              <option key={s} value={s}>
                {statusNames[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Channel
          <select value={draft.channel} onChange={(e) => set({ channel: e.target.value })}>
            <option value="">Any channel</option>
            {channelOptions.map((c) => (
              <option key={c} value={c}>
                {channelNames[c]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Team
          <select value={draft.teamId} onChange={(e) => set({ teamId: e.target.value })}>
            <option value="">Any team</option>
            {directory.teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
          {fieldError('teamId')}
        </label>
        <label>
          Owner
          <select value={draft.ownerId} onChange={(e) => set({ ownerId: e.target.value })}>
            <option value="">Anyone</option>
            <option value="me">Me</option>
            <option value="none">Nobody</option>
            {directory.advisors
              .filter((a) => a.active && a.id !== me.id)
              .map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
          </select>
          {fieldError('ownerId')}
        </label>
        <label>
          Tag
          <input
            value={draft.tag}
            onChange={(e) => set({ tag: e.target.value })}
            placeholder="any"
          />
        </label>
        <label>
          Priority
          <select value={draft.priority} onChange={(e) => set({ priority: e.target.value })}>
            <option value="">Any priority</option>
            {priorityOptions.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        {myTeam && (
          <label className="check">
            <input
              type="checkbox"
              checked={draft.share}
              onChange={(e) => set({ share: e.target.checked })}
            />
            Share with {myTeam.name}
          </label>
        )}
        {fieldError('sharedTeamId')}
        <button type="submit" className="primary">
          Save view
        </button>
        {error && <p role="alert">{error}</p>}
      </form>
    </details>
  );
}
