import { useState } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import type { Advisor } from '../types.ts';

/** What the server answers for a new set-password link. */
export interface PasswordLinkAnswer {
  readonly url: string | null;
  readonly expiresAt: string;
  readonly emailed: boolean;
  readonly email: string;
}

/** A link made for a person, to show once. */
export interface ShownLink extends PasswordLinkAnswer {
  readonly name: string;
  readonly purpose: 'invite' | 'reset';
}

/** Invite and Reset password buttons of one person; the link made is handed to `onLink`. */
export function PasswordLinkButtons({
  person,
  onLink,
  onError,
}: {
  person: Advisor;
  onLink: (link: ShownLink) => void;
  onError: (message: string) => void;
}) {
  const [confirmReset, setConfirmReset] = useState(false);
  if (person.role === 'integration' || !person.active) return null;
  const make = async (purpose: 'invite' | 'reset') => {
    setConfirmReset(false);
    try {
      const answer = await api<PasswordLinkAnswer>(
        `/api/advisors/${person.id}/${purpose === 'invite' ? 'invite' : 'password-reset'}`,
        { method: 'POST', idempotencyKey: newKey() },
      );
      onLink({ ...answer, name: person.name, purpose });
    } catch (e) {
      onError(`${person.name}: ${messageOf(e)}`);
    }
  };
  return (
    <span className="link-buttons">
      <button type="button" onClick={() => void make('invite')}>
        Invite
      </button>{' '}
      {confirmReset ? (
        <span role="alertdialog" aria-label={`Reset the password of ${person.name}?`}>
          Their sessions end and their password stops working.{' '}
          <button type="button" className="danger" onClick={() => void make('reset')}>
            Yes, reset
          </button>{' '}
          <button type="button" onClick={() => setConfirmReset(false)}>
            Keep it
          </button>
        </span>
      ) : (
        <button type="button" onClick={() => setConfirmReset(true)}>
          Reset password
        </button>
      )}
    </span>
  );
}

/** The one-time link, to copy: it is shown once, and works once until it expires. */
export function PasswordLinkBox({ link, onClose }: { link: ShownLink; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const until = new Date(link.expiresAt).toLocaleString();
  return (
    <div className="password-link" role="region" aria-label="Set-password link">
      <p>
        {link.purpose === 'invite' ? 'Invitation' : 'Password reset'} for {link.name}
        {link.emailed
          ? `: emailed to ${link.email}.`
          : ': no email account can send it, so pass it on yourself.'}{' '}
        The link works once, until {until}; it is shown only now.
      </p>
      {link.url && (
        <p>
          <input
            readOnly
            aria-label="One-time link"
            value={link.url}
            size={60}
            onFocus={(e) => e.currentTarget.select()}
          />{' '}
          <button
            type="button"
            onClick={() =>
              void navigator.clipboard?.writeText(link.url ?? '').then(() => setCopied(true))
            }
          >
            {copied ? 'Copied' : 'Copy link'}
          </button>{' '}
          <button type="button" onClick={onClose}>
            Done
          </button>
        </p>
      )}
    </div>
  );
}
