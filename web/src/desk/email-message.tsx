import { useCallback, useMemo, useRef, useState } from 'react';
import type { Interaction } from '../types.ts';
import { fileSize } from './email-fields.tsx';

/**
 * What an advisor needs to judge one email: its own subject, who replies really go to, whether
 * the sender is verified, anything left out or unreadable, and its body as the sender laid it out.
 */
export function EmailMessage({ item }: { item: Interaction }) {
  const email = item.email;
  return (
    <div className="email">
      {item.subject && <p className="email-subject">{item.subject}</p>}
      <p className="email-parties">
        {item.from && <span>From {item.from}</span>}
        {item.to && <span>To {item.to}</span>}
        {item.cc.length > 0 && <span>Cc {item.cc.join(', ')}</span>}
      </p>
      {email && (
        <ul className="email-flags" aria-label="About this email">
          {email.authentication === 'fail' && (
            <li className="badge unverified">Unverified sender (DMARC failed)</li>
          )}
          {email.replyToDiffers && email.replyTo && (
            <li className="warning">Replies go to {email.replyTo}, not the sender</li>
          )}
          {email.mentionsCase !== null && (
            <li className="warning">
              Quotes case #{email.mentionsCase} of another customer — not joined
            </li>
          )}
          {email.automatedReason && (
            <li className="automated">Automatic mail: {email.automatedReason}</li>
          )}
        </ul>
      )}
      {email?.unreadable && (
        <div className="unreadable" role="note">
          <p>
            <strong>This message could not be read</strong> ({email.unreadable}). Its raw source is
            kept.
          </p>
          <a href={email.rawUrl} download>
            Download raw message
          </a>
        </div>
      )}
      {item.html ? (
        <EmailBody html={item.html} remoteImages={email?.remoteImages === true} />
      ) : (
        <p className="text">{item.text}</p>
      )}
      <EmailFiles item={item} />
    </div>
  );
}

/** The files of an email (inline images show in its HTML body) and those left out for their size. */
function EmailFiles({ item }: { item: Interaction }) {
  const files = item.html ? item.attachments.filter((a) => !a.inline) : item.attachments;
  const refused = item.email?.refused ?? [];
  return (
    <>
      {(files.length > 0 || refused.length > 0) && (
        <ul className="attachments" aria-label="Attachments">
          {files.map((a, i) => (
            <li key={i}>
              {a.href ? (
                <a href={a.href} download={a.name}>
                  {a.name}
                </a>
              ) : (
                a.name
              )}{' '}
              <small>({fileSize(a.size)})</small>
            </li>
          ))}
          {refused.map((r, i) => (
            <li key={`refused-${i}`} className="left-out">
              {r.name} <small>({fileSize(r.size)})</small> — left out: too large
            </li>
          ))}
        </ul>
      )}
      {item.email && (
        <a className="raw-link" href={item.email.rawUrl} download>
          Raw message
        </a>
      )}
    </>
  );
}

/**
 * The server's sanitised HTML in a sandboxed frame: no scripts, forms or top navigation, links open
 * in a new tab. `allow-same-origin` (never with `allow-scripts`) lets the desk size the frame to its
 * content and lets inline images load with the session; nothing inside the frame can run.
 */
function EmailBody({ html, remoteImages }: { html: string; remoteImages: boolean }) {
  const [showImages, setShowImages] = useState(false);
  const [height, setHeight] = useState(120);
  const frame = useRef<HTMLIFrameElement>(null);
  const page = useMemo(
    () => frameDocument(showImages ? withRemoteImages(html) : html),
    [html, showImages],
  );
  const fit = useCallback(() => {
    const doc = frame.current?.contentDocument;
    if (!doc) return;
    // The page's own height, not the frame's: a long message scrolls inside past 2000 pixels.
    const measure = () => setHeight(Math.min(doc.documentElement.offsetHeight + 2, 2000));
    measure();
    // Images arriving later make the body taller; their load events do not bubble, so capture.
    doc.addEventListener('load', measure, true);
  }, []);
  return (
    <>
      {remoteImages && !showImages && (
        <p className="remote-images" role="note">
          Remote images are blocked.{' '}
          <button type="button" onClick={() => setShowImages(true)}>
            Show images
          </button>
        </p>
      )}
      <iframe
        ref={frame}
        className="email-html"
        title="Email as the sender formatted it"
        sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
        srcDoc={page}
        style={{ height }}
        onLoad={fit}
      />
    </>
  );
}

/** The message in a page of its own: links open in a new tab, text in the desk's font. */
function frameDocument(html: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><base target="_blank"><link rel="stylesheet" href="/desk/email-frame.css"></head><body>${html}</body></html>`;
}

/** The same HTML with each blocked remote image's address put back as its source. */
function withRemoteImages(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const img of Array.from(doc.querySelectorAll('img[data-remote-src]'))) {
    img.setAttribute('src', img.getAttribute('data-remote-src') ?? '');
    img.removeAttribute('data-remote-src');
  }
  return doc.body.innerHTML;
}
