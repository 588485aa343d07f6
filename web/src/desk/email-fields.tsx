import { useState } from 'react';
import { api, messageOf } from '../api.ts';
import type { Customer, Interaction } from '../types.ts';

/** A file the server holds for a message being written (`POST /api/uploads`). */
export interface UploadedFile {
  readonly id: string;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
}

/** The files of a message being written: those the server holds, and those still uploading. */
export interface FileDraft {
  readonly files: readonly UploadedFile[];
  /** Names of the files still on their way to the server. */
  readonly uploading: readonly string[];
}

/** What an email carries beyond its text while an advisor writes it. */
export interface EmailDraft extends FileDraft {
  readonly to: string;
  /** Addresses separated by commas, as typed. */
  readonly cc: string;
  readonly subject: string;
}

/** The largest file the desk attaches, as the server counts it (10 MB); it refuses larger ones too. */
export const maxUploadBytes = 10_000_000;

/** "12 kB", "3.4 MB", in the server's decimal units: a size a person reads at a glance. */
export function fileSize(bytes: number): string {
  if (bytes < 1_000_000) return `${Math.max(1, Math.ceil(bytes / 1000))} kB`;
  return `${(bytes / 1_000_000).toFixed(1).replace(/\.0$/, '')} MB`;
}

/** The addresses of a typed list ("a@x, b@y; c@z"). */
export function addressList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((a) => a.trim())
    .filter(Boolean);
}

/** An address without its `+tag`, lower-cased: `care+k3j@acme.test` is our `care@acme.test`. */
function mailbox(address: string): string {
  const [local = '', domain = ''] = address.toLowerCase().split('@');
  return `${local.split('+')[0]}@${domain}`;
}

/**
 * A reply to the customer's last email: to the address it came from, copying its other recipients
 * (never our own mailboxes, nor the customer twice), under "Re: <its subject>".
 */
export function replyDraftFor(
  answered: Interaction | undefined,
  ourAddresses: readonly string[],
  fallbackTo: string,
  fallbackSubject: string,
): EmailDraft {
  const to = answered?.from ?? fallbackTo;
  const skip = new Set([...ourAddresses, to].map(mailbox));
  const others = answered ? [...(answered.to ? [answered.to] : []), ...answered.cc] : [];
  const cc = [...new Set(others.filter((a) => !skip.has(mailbox(a))))];
  const subject = answered?.subject || fallbackSubject;
  return {
    to,
    cc: cc.join(', '),
    subject: /^re:/i.test(subject) ? subject : `Re: ${subject}`,
    files: [],
    uploading: [],
  };
}

/** A new email to `to`, nothing written yet. */
export function newDraft(to: string): EmailDraft {
  return { to, cc: '', subject: '', files: [], uploading: [] };
}

/** The customer's first email address, where they gave one. */
export function emailOf(customer: Customer): string {
  return customer.identities.find((i) => i.kind === 'email')?.value ?? '';
}

/** The email part of a request body: the server takes the files by the ids it gave them. */
export function emailBody(draft: EmailDraft) {
  const cc = addressList(draft.cc);
  return {
    subject: draft.subject.trim(),
    to: draft.to.trim(),
    ...(cc.length > 0 ? { cc } : {}),
    ...attachmentsBody(draft),
  };
}

/** The attachments part of a request body (a reply's or a note's): the files by their ids. */
export function attachmentsBody(draft: FileDraft) {
  return draft.files.length > 0
    ? {
        attachments: draft.files.map(({ id, name, contentType, size }) => ({
          id,
          name,
          contentType,
          size,
        })),
      }
    : {};
}

/** The file's bytes in base64, as the upload route takes them. */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error(`${file.name} could not be read`));
    reader.readAsDataURL(file);
  });
}

/**
 * Picks files for a message and shows them: each uploads as soon as chosen (too large ones are
 * refused before), can be removed, and the server's refusal is shown in its words.
 */
export function AttachFiles<T extends FileDraft>({
  draft,
  onChange,
}: {
  draft: T;
  onChange: (change: (draft: T) => T) => void;
}) {
  const [problem, setProblem] = useState<string | null>(null);

  const attach = async (file: File) => {
    if (file.size > maxUploadBytes) {
      setProblem(
        `${file.name} is ${fileSize(file.size)}: files over ${fileSize(maxUploadBytes)} cannot be attached.`,
      );
      return;
    }
    onChange((d) => ({ ...d, uploading: [...d.uploading, file.name] }));
    try {
      const uploaded = await api<UploadedFile>('/api/uploads', {
        method: 'POST',
        body: {
          name: file.name,
          contentType: file.type || 'application/octet-stream',
          data: await readBase64(file),
        },
      });
      onChange((d) => ({ ...d, files: [...d.files, uploaded] }));
    } catch (e) {
      setProblem(`${file.name} could not be attached: ${messageOf(e)}`);
    } finally {
      onChange((d) => ({ ...d, uploading: d.uploading.filter((name) => name !== file.name) }));
    }
  };

  return (
    <>
      <label className="attach">
        Attach files
        <input
          type="file"
          multiple
          onChange={(e) => {
            setProblem(null);
            for (const file of Array.from(e.target.files ?? [])) void attach(file);
            e.target.value = '';
          }}
        />
      </label>
      {(draft.files.length > 0 || draft.uploading.length > 0) && (
        <ul className="attachments" aria-label="Files to send">
          {draft.files.map((f) => (
            <li key={f.id}>
              {f.name} <small>({fileSize(f.size)})</small>{' '}
              <button
                type="button"
                aria-label={`Remove ${f.name}`}
                onClick={() =>
                  onChange((d) => ({ ...d, files: d.files.filter((x) => x.id !== f.id) }))
                }
              >
                Remove
              </button>
            </li>
          ))}
          {draft.uploading.map((name) => (
            <li key={`uploading-${name}`}>
              {name} <small>(uploading…)</small>
            </li>
          ))}
        </ul>
      )}
      {problem && (
        <p className="warning" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}

/** To, Cc, Subject and attachments of an email being written; files upload as soon as chosen. */
export function EmailFields({
  draft,
  onChange,
}: {
  draft: EmailDraft;
  onChange: (change: (draft: EmailDraft) => EmailDraft) => void;
}) {
  return (
    <fieldset className="email-fields">
      <legend>Email</legend>
      <label>
        To
        <input
          type="email"
          value={draft.to}
          required
          onChange={(e) => onChange((d) => ({ ...d, to: e.target.value }))}
        />
      </label>
      <label>
        Cc
        <input
          value={draft.cc}
          placeholder="other recipients, separated by commas"
          onChange={(e) => onChange((d) => ({ ...d, cc: e.target.value }))}
        />
      </label>
      <label>
        Subject
        <input
          value={draft.subject}
          required
          maxLength={200}
          onChange={(e) => onChange((d) => ({ ...d, subject: e.target.value }))}
        />
      </label>
      <AttachFiles draft={draft} onChange={onChange} />
    </fieldset>
  );
}

/** True once the email names a recipient and a subject and no file is still uploading. */
export function draftReady(draft: EmailDraft): boolean {
  return draft.to.trim() !== '' && draft.subject.trim() !== '' && draft.uploading.length === 0;
}
