import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { api, messageOf, newKey, type RequestOptions } from '../api.ts';
import { channelNames, deliveryNames } from '../format.ts';
import { useSession } from '../app.tsx';
import type { Consent, Customer, Identity, Interaction, InteractionKind, Macro } from '../types.ts';
import {
  AttachFiles,
  EmailFields,
  attachmentsBody,
  draftReady,
  emailBody,
  emailOf,
  replyDraftFor,
  type EmailDraft,
  type FileDraft,
} from './email-fields.tsx';

/** Replies on these kinds carry files (the server sends an email's attachments); a note keeps them. */
const kindsCarryingFiles: readonly InteractionKind[] = ['email'];

/** The kinds an advisor can answer with; a callback is an outbound call the voice channel places. */
const replyKinds: ReadonlyArray<{
  kind: InteractionKind;
  label: string;
  consent: keyof Consent;
  channel: string;
}> = [
  { kind: 'email', label: 'Email', consent: 'email', channel: 'email' },
  { kind: 'chat_message', label: 'Chat', consent: 'chat', channel: 'chat' },
  { kind: 'sms', label: 'SMS', consent: 'sms', channel: 'sms' },
  { kind: 'social_dm', label: 'Social private message', consent: 'social', channel: 'social' },
  { kind: 'call', label: 'Callback (phone)', consent: 'phone', channel: 'voice' },
];

/** The identity a reply kind needs to reach the customer (a text needs a phone number); none for chat. */
const identityNeeded: Partial<
  Record<InteractionKind, { kind: Identity['kind']; missing: string }>
> = {
  email: { kind: 'email', missing: 'no email address' },
  sms: { kind: 'phone', missing: 'no phone number' },
  call: { kind: 'phone', missing: 'no phone number' },
  social_dm: { kind: 'social', missing: 'no social account' },
};

/** Why this customer cannot be reached with a reply kind, or null when they can. */
export function unreachableBy(customer: Customer, kind: InteractionKind): string | null {
  const needed = identityNeeded[kind];
  if (!needed) return null;
  return customer.identities.some((i) => i.kind === needed.kind) ? null : needed.missing;
}

/** A reply kind's name, with the administrator's name for its channel where one was chosen. */
function labelOf(k: (typeof replyKinds)[number]): string {
  const name = channelNames[k.channel];
  if (k.kind === 'social_dm') return `${name ?? 'Social'} private message`;
  if (k.kind === 'call') return `Callback (${name ?? 'phone'})`;
  return name ?? k.label;
}

/** The reply kind matching the customer's last contact on this case. */
export function replyKindFor(lastInbound: InteractionKind | undefined): InteractionKind {
  if (lastInbound === 'social_post') return 'social_dm';
  if (lastInbound && lastInbound !== 'shop_visit' && lastInbound !== 'note') return lastInbound;
  return 'email';
}

export interface ComposerHandle {
  focus(mode: 'reply' | 'note'): void;
  /** Switches the reply to this channel (a chat that went quiet, answered by email) and focuses it. */
  replyOn(kind: InteractionKind): void;
}

/**
 * Reply on any channel (keeping the case) or write an internal note; macros fill in the text. An
 * email reply also has To, Cc, Subject and files, prefilled from the customer's last email.
 */
export const Composer = forwardRef<
  ComposerHandle,
  {
    conversationId: number;
    customer: Customer;
    defaultKind: InteractionKind;
    /** The customer's last email on this case, the one an email reply answers. */
    answered: Interaction | undefined;
    caseSubject: string;
    onSent: () => void;
    /** Told of every change of a reply's text and its kind (the live chat sends "typing"). */
    onReplyText?: (text: string, kind: InteractionKind) => void;
    /** Posts the reply (the case's guard against sending on a case that moved on). */
    post?: (path: string, options: RequestOptions) => Promise<Interaction>;
  }
>(function Composer(
  { conversationId, customer, defaultKind, answered, caseSubject, onSent, onReplyText, post },
  ref,
) {
  const postReply = post ?? api<Interaction>;
  const { channels } = useSession();
  const ourAddresses = channels
    .filter((c) => c.channel === 'email')
    .flatMap((c) => c.accounts.map((a) => a.address));
  const freshDraft = () => replyDraftFor(answered, ourAddresses, emailOf(customer), caseSubject);
  const [draft, setDraft] = useState<EmailDraft>(freshDraft);
  const [noteFiles, setNoteFiles] = useState<FileDraft>({ files: [], uploading: [] });
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  // The case's own channel, unless the customer cannot be reached on it (a visit, then an email
  // answer needs an address): then the first kind that reaches them.
  const reachableKind = (wanted: InteractionKind): InteractionKind =>
    unreachableBy(customer, wanted) === null
      ? wanted
      : (replyKinds.find(
          (k) =>
            k.kind !== 'chat_message' &&
            unreachableBy(customer, k.kind) === null &&
            channels.find((c) => c.channel === k.channel)?.enabled !== false,
        )?.kind ?? wanted);
  const [kind, setKind] = useState<InteractionKind>(() => reachableKind(defaultKind));
  const [text, setText] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [macros, setMacros] = useState<Macro[] | null>(null);
  const key = useRef(newKey());
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => setKind(reachableKind(defaultKind)), [defaultKind]);
  // A newer email from the customer is the one to answer: its sender, recipients and subject.
  useEffect(() => setDraft(freshDraft()), [answered?.id]);
  useImperativeHandle(ref, () => ({
    focus(next) {
      setMode(next);
      window.setTimeout(() => area.current?.focus(), 0);
    },
    replyOn(next) {
      setMode('reply');
      setKind(next);
      window.setTimeout(() => area.current?.focus(), 0);
    },
  }));
  useEffect(() => {
    api<{ items: Macro[] }>('/api/macros').then(
      (r) => setMacros(r.items),
      () => setMacros([]),
    );
  }, []);

  const chosen = replyKinds.find((k) => k.kind === kind);
  const noConsent = mode === 'reply' && chosen && !customer.consent[chosen.consent];
  const settingOf = (channel: string | undefined) => channels.find((c) => c.channel === channel);
  const switchedOff = mode === 'reply' && settingOf(chosen?.channel)?.enabled === false;
  const signed = mode === 'reply' && settingOf(chosen?.channel)?.signature === true;
  const asEmail = mode === 'reply' && kind === 'email';
  const asNote = mode === 'note';

  const send = async () => {
    if (!text.trim() || busy || (asEmail && !draftReady(draft))) return;
    if (asNote && noteFiles.uploading.length > 0) return;
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const created = await postReply(`/api/conversations/${conversationId}/interactions`, {
        method: 'POST',
        body: {
          kind: mode === 'note' ? 'note' : kind,
          text,
          ...(asEmail ? emailBody(draft) : asNote ? attachmentsBody(noteFiles) : {}),
        },
        idempotencyKey: key.current,
      });
      key.current = newKey();
      setText('');
      if (mode === 'reply') onReplyText?.('', kind);
      if (asEmail) setDraft(freshDraft());
      if (asNote) setNoteFiles({ files: [], uploading: [] });
      setStatus(
        mode === 'note'
          ? 'Note added to the case.'
          : created.deliveryState === 'queued'
            ? `Reply saved on the case, ${deliveryNames.queued}: the ${chosen ? labelOf(chosen) : kind} channel has not taken it yet.`
            : `Reply ${deliveryNames[created.deliveryState] ?? created.deliveryState}.`,
      );
      onSent();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const insertMacro = async (id: string) => {
    if (!id) return;
    try {
      const rendered = await api<{ text: string }>(
        `/api/macros/${id}/render?conversationId=${conversationId}`,
      );
      setText((t) => (t.trim() ? `${t.trimEnd()}\n\n${rendered.text}` : rendered.text));
      area.current?.focus();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <form
      className={`composer ${mode}`}
      aria-label={mode === 'reply' ? 'Reply' : 'Internal note'}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <div className="modes" role="group" aria-label="Reply or note">
        <button type="button" aria-pressed={mode === 'reply'} onClick={() => setMode('reply')}>
          Reply <kbd>r</kbd>
        </button>
        <button type="button" aria-pressed={mode === 'note'} onClick={() => setMode('note')}>
          Internal note <kbd>n</kbd>
        </button>
      </div>
      <div className="row">
        {mode === 'reply' && (
          <label>
            Reply on
            <select value={kind} onChange={(e) => setKind(e.target.value as InteractionKind)}>
              {replyKinds.map((k) => {
                const off = settingOf(k.channel)?.enabled === false;
                const unreachable = unreachableBy(customer, k.kind);
                return (
                  <option
                    key={k.kind}
                    value={k.kind}
                    disabled={!settingOf(k.channel)?.enabled || unreachable !== null}
                  >
                    {labelOf(k)}
                    {off ? ' (switched off)' : unreachable ? ` (${unreachable})` : ''}
                  </option>
                );
              })}
            </select>
          </label>
        )}
        {macros && macros.length > 0 && (
          <label>
            Macro
            <select value="" onChange={(e) => void insertMacro(e.target.value)}>
              <option value="">Insert a macro…</option>
              {macros.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {switchedOff && (
        <p className="warning" role="note">
          Replies on {chosen ? labelOf(chosen) : kind} are switched off. Choose another channel.
        </p>
      )}
      {noConsent && (
        <p className="warning" role="note">
          {customer.displayName} has not agreed to be contacted by {chosen?.label}. Choose another
          channel.
        </p>
      )}
      {asEmail && <EmailFields draft={draft} onChange={setDraft} />}
      {asNote && (
        <div className="note-files">
          <AttachFiles draft={noteFiles} onChange={setNoteFiles} />
        </div>
      )}
      {mode === 'reply' && !kindsCarryingFiles.includes(kind) && (
        <p className="hint" role="note">
          {chosen ? labelOf(chosen) : kind} replies cannot carry files: to send one, reply by email;
          to keep one for colleagues, add it to an internal note.
        </p>
      )}
      <label className="text-label">
        {mode === 'reply'
          ? `Message to ${customer.displayName}`
          : 'Note for colleagues (never sent)'}
        <textarea
          ref={area}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            if (mode === 'reply') onReplyText?.(e.target.value, kind);
          }}
          rows={4}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void send();
            }
          }}
        />
      </label>
      <div className="row">
        <button
          type="submit"
          className="primary"
          disabled={
            busy ||
            !text.trim() ||
            !!noConsent ||
            switchedOff ||
            (asEmail && !draftReady(draft)) ||
            (asNote && noteFiles.uploading.length > 0)
          }
        >
          {mode === 'reply' ? 'Send reply' : 'Add note'}
        </button>
        <small>Ctrl + Enter{signed ? ' · signed with your name' : ''}</small>
      </div>
      {error && <p role="alert">{error}</p>}
      <p role="status" className="sent-status">
        {status}
      </p>
    </form>
  );
});
