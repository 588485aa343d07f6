/** @jsxImportSource preact */
/**
 * The widget's screens: the launcher (with its unread badge and greeting), and the panel with the
 * chat, the waiting card, the offline form and the composer. Visitor text is only ever a text node.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage, ChatUpload, WidgetConfig } from '../../src/api-types/chat.ts';
import { fileRefusal, formatBytes, shownMessages, waitMinutes } from './chat-state.ts';
import type { ChatController, ChatSnapshot } from './chat-controller.ts';
import { primeSound } from './sound.ts';
import type { Strings } from './strings.ts';

interface Props {
  readonly chat: ChatController;
  readonly strings: Strings;
  /** Resolves a server path (photo, attachment) against Rapport's address. */
  readonly href: (path: string) => string;
}

function useSnapshot(chat: ChatController): ChatSnapshot {
  const [snapshot, setSnapshot] = useState(chat.snapshot);
  useEffect(() => chat.subscribe(() => setSnapshot(chat.snapshot)), [chat]);
  return snapshot;
}

const ChatIcon = () => (
  <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
    <path
      fill="currentColor"
      d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"
    />
  </svg>
);

const CloseIcon = () => (
  <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
    <path
      fill="none"
      stroke="currentColor"
      stroke-width="2.2"
      stroke-linecap="round"
      d="M6 6l12 12M18 6L6 18"
    />
  </svg>
);

const MailIcon = () => (
  <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
    <path fill="none" stroke="currentColor" stroke-width="2" d="M3 6h18v12H3zM3 7l9 6 9-6" />
  </svg>
);

const ClipIcon = () => (
  <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
    <path
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      d="M16 7l-7.5 7.5a2 2 0 0 0 2.8 2.8L19 9.6a4 4 0 0 0-5.7-5.7L5.6 11.6a6 6 0 0 0 8.5 8.5L20 14"
    />
  </svg>
);

function formatWhen(iso: string | null, language: string): string | null {
  if (!iso) return null;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  const sameDay = at.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(language, {
    ...(sameDay ? {} : { weekday: 'long' }),
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
}

function formatTime(iso: string, language: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime())
    ? ''
    : new Intl.DateTimeFormat(language, { hour: '2-digit', minute: '2-digit' }).format(at);
}

export function App({ chat, strings, href }: Props) {
  const snapshot = useSnapshot(chat);
  const launcher = useRef<HTMLButtonElement>(null);
  // The greeting bubble says hello once: gone for good on this page when the visitor first opens.
  const [greeted, setGreeted] = useState(false);
  useEffect(() => {
    if (snapshot.open) setGreeted(true);
  }, [snapshot.open]);
  const { config, open } = snapshot;
  const close = () => {
    chat.close();
    launcher.current?.focus();
  };
  useEffect(() => {
    if (!open) return undefined;
    // Escape with the focus nowhere in particular (it was in a part of the widget that went away)
    // closes the open chat too; the page's own fields keep their Escape.
    const onKey = (event: KeyboardEvent) => {
      const at = document.activeElement;
      if (event.key === 'Escape' && (at === null || at === document.body)) close();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
  if (!config) return null;

  const label =
    snapshot.unread > 0 ? strings.openUnread(snapshot.unread) : open ? strings.close : strings.open;
  const greeting = !open && !greeted && snapshot.messages.length === 0 && config.greeting;

  return (
    <div
      class={`rc-frame rc-${config.position === 'bottom-left' ? 'left' : 'right'}${open ? ' rc-open' : ''}`}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          event.stopPropagation();
          close();
        }
      }}
    >
      {open && (
        <Panel chat={chat} snapshot={snapshot} strings={strings} href={href} onClose={close} />
      )}
      {greeting && (
        <button
          type="button"
          class="rc-greeting"
          tabIndex={-1}
          aria-hidden="true"
          onClick={() => {
            primeSound();
            chat.open();
          }}
        >
          {config.advisorPhotos.length > 0 && (
            <span class="rc-faces">
              {config.advisorPhotos.slice(0, 3).map((photo) => (
                <img key={photo} class="rc-face" src={href(photo)} alt="" />
              ))}
            </span>
          )}
          <span class="rc-greeting-text">{config.greeting}</span>
        </button>
      )}
      <button
        ref={launcher}
        type="button"
        class="rc-launcher"
        aria-label={label}
        aria-expanded={open}
        aria-controls="rc-panel"
        onClick={() => {
          primeSound();
          if (open) close();
          else chat.open();
        }}
      >
        {open ? <CloseIcon /> : <ChatIcon />}
        {snapshot.unread > 0 && (
          <span class="rc-badge" aria-hidden="true">
            {snapshot.unread > 9 ? '9+' : snapshot.unread}
          </span>
        )}
      </button>
    </div>
  );
}

function Panel({
  chat,
  snapshot,
  strings,
  href,
  onClose,
}: Props & { snapshot: ChatSnapshot; onClose: () => void }) {
  const config = snapshot.config!;
  const panel = useRef<HTMLElement>(null);
  const [offlineDone, setOfflineDone] = useState<{ answerBy: string | null } | null>(null);
  const [transcript, setTranscript] = useState(false);
  const hasChat = snapshot.messages.length > 0 || snapshot.pending.length > 0;
  const offline = !config.online && !hasChat;

  useLayoutEffect(() => {
    // Focus moves into the widget only now, when the visitor opened it.
    const first = panel.current?.querySelector<HTMLElement>('.rc-input, .rc-offline input');
    first?.focus({ preventScroll: true });
  }, [offline]);

  useEffect(() => fitToVisualViewport(panel.current), []);

  const who = snapshot.advisor;
  return (
    <section
      ref={panel}
      id="rc-panel"
      class="rc-panel"
      role="dialog"
      aria-label={strings.chatWith(config.displayName)}
    >
      <header class="rc-header">
        {who?.photoUrl ? (
          <img class="rc-avatar" src={href(who.photoUrl)} alt="" />
        ) : (
          <span class="rc-avatar rc-avatar-initial" aria-hidden="true">
            {(who?.name ?? config.displayName).slice(0, 1).toUpperCase()}
          </span>
        )}
        <div class="rc-title">
          <h2>{who?.name ?? config.displayName}</h2>
          <p>
            {who
              ? config.displayName
              : snapshot.waiting
                ? strings.waiting
                : config.online
                  ? strings.onlineNow
                  : strings.offlineTitle}
          </p>
        </div>
        {hasChat && (
          <button
            type="button"
            class="rc-icon"
            aria-label={strings.transcript}
            title={strings.transcript}
            aria-pressed={transcript}
            onClick={() => setTranscript(!transcript)}
          >
            <MailIcon />
          </button>
        )}
        <button type="button" class="rc-icon" aria-label={strings.close} onClick={onClose}>
          <CloseIcon />
        </button>
      </header>
      {transcript && (
        <EmailForm
          strings={strings}
          label={strings.transcript}
          done={strings.transcriptSent}
          initial={chat.identity.email}
          submit={(email) => chat.withSession((api) => api.transcript(email))}
          onCancel={() => setTranscript(false)}
        />
      )}
      {offline ? (
        <OfflineForm chat={chat} strings={strings} done={offlineDone} onDone={setOfflineDone} />
      ) : (
        <Conversation chat={chat} snapshot={snapshot} strings={strings} href={href} />
      )}
    </section>
  );
}

/** On a phone the open chat is full screen and sized to the visual viewport (above the keyboard). */
function fitToVisualViewport(panel: HTMLElement | null): (() => void) | undefined {
  const viewport = window.visualViewport;
  if (!panel || !viewport) return undefined;
  // What the visitor sees: the keyboard shrinks it, and a page wider than the phone (or a pinch
  // zoom) shifts it within the layout viewport that fixed positions go by.
  const fit = () => {
    panel.style.setProperty('--rc-vv-top', `${Math.round(viewport.offsetTop)}px`);
    panel.style.setProperty('--rc-vv-left', `${Math.round(viewport.offsetLeft)}px`);
    panel.style.setProperty('--rc-vv-width', `${Math.round(viewport.width)}px`);
    panel.style.setProperty('--rc-vv-height', `${Math.round(viewport.height)}px`);
  };
  fit();
  viewport.addEventListener('resize', fit);
  viewport.addEventListener('scroll', fit);
  return () => {
    viewport.removeEventListener('resize', fit);
    viewport.removeEventListener('scroll', fit);
  };
}

function Conversation({ chat, snapshot, strings, href }: Props & { snapshot: ChatSnapshot }) {
  const config = snapshot.config!;
  const log = useRef<HTMLDivElement>(null);
  const shown = shownMessages(snapshot.messages, snapshot.pending);
  const lastVisitorId = [...snapshot.messages].reverse().find((m) => m.author === 'visitor')?.id;

  useEffect(() => {
    const element = log.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [shown.length, snapshot.advisorTyping, snapshot.waiting]);

  return (
    <>
      <div ref={log} class="rc-log" role="log" aria-label={strings.messages} aria-live="polite">
        {config.greeting && (
          <div class="rc-msg rc-them">
            <p class="rc-bubble">{config.greeting}</p>
          </div>
        )}
        {shown.map((line) =>
          line.kind === 'stored' ? (
            <Message
              key={`m${line.message.id}`}
              message={line.message}
              language={config.language}
              href={href}
              seen={
                line.message.id === lastVisitorId && snapshot.advisorReadUpTo >= line.message.id
                  ? strings.seen
                  : null
              }
            />
          ) : (
            <div key={`p${line.pending.clientId}`} class="rc-msg rc-me rc-pending">
              <p class="rc-bubble">
                {line.pending.text}
                {line.pending.attachments.map((a) => (
                  <span key={a.id} class="rc-file">
                    {a.name}
                  </span>
                ))}
              </p>
              <span class="rc-meta">{strings.sending}</span>
            </div>
          ),
        )}
        {snapshot.status === 'resolved' && <p class="rc-note">{strings.resolved}</p>}
        {!config.online && <p class="rc-note">{strings.offlineNote}</p>}
      </div>
      {snapshot.waiting && snapshot.status !== 'resolved' && (
        <Waiting chat={chat} snapshot={snapshot} strings={strings} />
      )}
      <div class="rc-status" aria-live="polite">
        {snapshot.advisorTyping
          ? strings.typing(snapshot.advisorTyping.name)
          : snapshot.session === 'refused'
            ? strings.signIn
            : snapshot.reconnecting && !snapshot.connected
              ? strings.reconnecting
              : snapshot.error && <span class="rc-error">{snapshot.error}</span>}
      </div>
      <Composer chat={chat} config={config} strings={strings} />
    </>
  );
}

function Message({
  message,
  language,
  href,
  seen,
}: {
  message: ChatMessage;
  language: string;
  href: (path: string) => string;
  seen: string | null;
}) {
  const mine = message.author === 'visitor';
  return (
    <div class={`rc-msg ${mine ? 'rc-me' : message.author === 'system' ? 'rc-system' : 'rc-them'}`}>
      {!mine && message.name && <span class="rc-name">{message.name}</span>}
      <p class="rc-bubble">
        {message.text}
        {message.attachments.map((a, i) => {
          const link = a.href ?? a.url;
          return link ? (
            <a
              key={i}
              class="rc-file"
              href={href(link)}
              target="_blank"
              rel="noopener noreferrer"
              download={a.name}
            >
              {a.name}
            </a>
          ) : (
            <span key={i} class="rc-file">
              {a.name}
            </span>
          );
        })}
      </p>
      <span class="rc-meta">
        {formatTime(message.at, language)}
        {seen ? ` · ${seen}` : ''}
      </span>
    </div>
  );
}

function Waiting({ chat, snapshot, strings }: Omit<Props, 'href'> & { snapshot: ChatSnapshot }) {
  const waiting = snapshot.waiting!;
  const [offer, setOffer] = useState<'email' | 'callback' | null>(null);
  const minutes = waitMinutes(waiting);
  return (
    <div class="rc-waiting" role="status">
      <p class="rc-waiting-line">
        <strong>{strings.position(waiting.position)}</strong>{' '}
        {minutes === null ? strings.noEstimate : strings.estimate(minutes)}
      </p>
      {(waiting.offerEmail || waiting.offerCallback) && offer === null && (
        <div class="rc-offers">
          <span>{strings.longWait}</span>
          {waiting.offerEmail && (
            <button type="button" class="rc-secondary" onClick={() => setOffer('email')}>
              {strings.byEmail}
            </button>
          )}
          {waiting.offerCallback && (
            <button type="button" class="rc-secondary" onClick={() => setOffer('callback')}>
              {strings.callMe}
            </button>
          )}
        </div>
      )}
      {offer === 'email' && (
        <EmailForm
          strings={strings}
          label={strings.byEmail}
          done={strings.emailSent}
          submit={(email) => chat.withSession((api) => api.continueByEmail(email))}
          onCancel={() => setOffer(null)}
        />
      )}
      {offer === 'callback' && (
        <SmallForm
          strings={strings}
          label={strings.callMe}
          field={{ name: 'phone', type: 'tel', label: strings.phone, autocomplete: 'tel' }}
          done={strings.callbackSet}
          submit={(phone) => chat.withSession((api) => api.callback(phone))}
          onCancel={() => setOffer(null)}
        />
      )}
    </div>
  );
}

function EmailForm(props: {
  strings: Strings;
  label: string;
  done: string;
  initial?: string | undefined;
  submit: (email: string) => Promise<void>;
  onCancel: () => void;
}) {
  return (
    <SmallForm
      {...props}
      field={{ name: 'email', type: 'email', label: props.strings.email, autocomplete: 'email' }}
    />
  );
}

/** A one-field form (email, phone) that says when it is done or why it failed. */
function SmallForm({
  strings,
  label,
  field,
  done,
  initial,
  submit,
  onCancel,
}: {
  strings: Strings;
  label: string;
  field: { name: string; type: 'email' | 'tel'; label: string; autocomplete: string };
  done: string;
  initial?: string | undefined;
  submit: (value: string) => Promise<void>;
  onCancel: () => void;
}) {
  const [value, setValue] = useState(initial ?? '');
  const [state, setState] = useState<'idle' | 'busy' | 'done'>('idle');
  const [error, setError] = useState<string | null>(null);
  const said = useRef<HTMLParagraphElement>(null);
  useLayoutEffect(() => {
    // The form is gone with the focus in it: give the focus back to the composer.
    if (state !== 'done') return;
    const root = said.current?.getRootNode() as ShadowRoot | undefined;
    root?.querySelector<HTMLElement>('.rc-input')?.focus({ preventScroll: true });
  }, [state]);
  if (state === 'done')
    return (
      <p ref={said} class="rc-done" role="status">
        {done}
      </p>
    );
  return (
    <form
      class="rc-small-form"
      aria-label={label}
      onSubmit={(event) => {
        event.preventDefault();
        setState('busy');
        setError(null);
        submit(value.trim()).then(
          () => setState('done'),
          (failure: unknown) => {
            setState('idle');
            setError(failure instanceof Error ? failure.message : strings.failed);
          },
        );
      }}
    >
      <label class="rc-field">
        <span>{field.label}</span>
        {field.type === 'email' ? (
          <input
            name={field.name}
            type="email"
            autoComplete={field.autocomplete}
            required
            value={value}
            onInput={(event) => setValue((event.target as HTMLInputElement).value)}
          />
        ) : (
          <input
            name={field.name}
            type="tel"
            autoComplete={field.autocomplete}
            required
            value={value}
            onInput={(event) => setValue((event.target as HTMLInputElement).value)}
          />
        )}
      </label>
      {error && (
        <p class="rc-error" role="alert">
          {error}
        </p>
      )}
      <div class="rc-actions">
        <button type="button" class="rc-secondary" onClick={onCancel}>
          {strings.cancel}
        </button>
        <button type="submit" class="rc-primary" disabled={state === 'busy'}>
          {strings.submit}
        </button>
      </div>
    </form>
  );
}

function OfflineForm({
  chat,
  strings,
  done,
  onDone,
}: {
  chat: ChatController;
  strings: Strings;
  done: { answerBy: string | null } | null;
  onDone: (done: { answerBy: string | null }) => void;
}) {
  const config = chat.snapshot.config!;
  const identity = chat.identity;
  const [name, setName] = useState(identity.name ?? '');
  const [email, setEmail] = useState(identity.email ?? '');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (done)
    return (
      <div class="rc-offline">
        <p class="rc-done" role="status">
          {strings.offlineThanks(formatWhen(done.answerBy, config.language))}
        </p>
      </div>
    );
  return (
    <form
      class="rc-offline"
      aria-label={strings.offlineTitle}
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        setError(null);
        chat
          .withSession((api) =>
            api.offline({
              ...(name.trim() ? { name: name.trim() } : {}),
              email: email.trim(),
              text,
            }),
          )
          .then(
            (answer) => onDone({ answerBy: answer.answerBy }),
            (failure: unknown) => {
              setBusy(false);
              setError(failure instanceof Error ? failure.message : strings.failed);
            },
          );
      }}
    >
      <p class="rc-offline-when">
        {strings.offlineWhen(formatWhen(config.nextOpenAt, config.language))}
      </p>
      <label class="rc-field">
        <span>{strings.name}</span>
        <input
          name="name"
          autoComplete="name"
          value={name}
          onInput={(event) => setName((event.target as HTMLInputElement).value)}
        />
      </label>
      <label class="rc-field">
        <span>{strings.email}</span>
        <input
          name="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onInput={(event) => setEmail((event.target as HTMLInputElement).value)}
        />
      </label>
      <label class="rc-field">
        <span>{strings.message}</span>
        <textarea
          name="message"
          rows={4}
          required
          maxLength={10000}
          value={text}
          onInput={(event) => setText((event.target as HTMLTextAreaElement).value)}
        />
      </label>
      {error && (
        <p class="rc-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="rc-primary" disabled={busy}>
        {strings.submit}
      </button>
    </form>
  );
}

function Composer({
  chat,
  config,
  strings,
}: {
  chat: ChatController;
  config: WidgetConfig;
  strings: Strings;
}) {
  const [text, setText] = useState('');
  const [files, setFiles] = useState<readonly ChatUpload[]>([]);
  const [uploading, setUploading] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const typeNames = config.attachmentTypes
    .map((t) => (t.split('/')[1] ?? t).toUpperCase())
    .join(', ');

  const send = () => {
    if (uploading || (text.trim() === '' && files.length === 0)) return;
    chat.send(text, files);
    setText('');
    setFiles([]);
    setProblem(null);
    input.current?.focus();
  };

  const pick = (file: File) => {
    const refusal = fileRefusal(file, config);
    if (refusal) {
      setProblem(
        refusal === 'type'
          ? strings.fileType(typeNames)
          : refusal === 'size'
            ? strings.fileSize(formatBytes(config.maxAttachmentBytes))
            : strings.fileEmpty,
      );
      return;
    }
    setProblem(null);
    setUploading(true);
    chat
      .withSession((api) => api.upload(file))
      .then(
        (upload) => setFiles((list) => [...list, upload]),
        (failure: unknown) =>
          setProblem(failure instanceof Error ? failure.message : strings.failed),
      )
      .finally(() => setUploading(false));
  };

  return (
    <form
      class="rc-composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      {problem && (
        <p class="rc-error" role="alert">
          {problem}
        </p>
      )}
      {(files.length > 0 || uploading) && (
        <ul class="rc-files">
          {files.map((file) => (
            <li key={file.id}>
              <span>{file.name}</span>
              <button
                type="button"
                class="rc-icon rc-small"
                aria-label={strings.removeFile(file.name)}
                onClick={() => setFiles((list) => list.filter((f) => f.id !== file.id))}
              >
                <CloseIcon />
              </button>
            </li>
          ))}
          {uploading && <li>{strings.uploading}</li>}
        </ul>
      )}
      <div class="rc-compose-row">
        {config.attachmentTypes.length > 0 && (
          <>
            <button
              type="button"
              class="rc-icon"
              aria-label={strings.attach}
              title={strings.attach}
              onClick={() => picker.current?.click()}
            >
              <ClipIcon />
            </button>
            <input
              ref={picker}
              class="rc-picker"
              type="file"
              tabIndex={-1}
              aria-hidden="true"
              accept={config.attachmentTypes.join(',')}
              onChange={(event) => {
                const element = event.target as HTMLInputElement;
                const file = element.files?.[0];
                element.value = '';
                if (file) pick(file);
              }}
            />
          </>
        )}
        <textarea
          ref={input}
          class="rc-input"
          rows={1}
          aria-label={strings.placeholder}
          placeholder={strings.placeholder}
          maxLength={10000}
          value={text}
          onInput={(event) => {
            setText((event.target as HTMLTextAreaElement).value);
            chat.typing();
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              send();
            }
          }}
        />
        <button type="submit" class="rc-send" aria-label={strings.send} disabled={uploading}>
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path fill="currentColor" d="M3 20l18-8L3 4v6l12 2-12 2z" />
          </svg>
        </button>
      </div>
    </form>
  );
}
