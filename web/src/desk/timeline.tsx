import { clockTime, channelNames, deliveryNames, kindNames } from '../format.ts';
import type { Customer, Interaction } from '../types.ts';

type Attachment = Interaction['attachments'][number];

/** Types the server shows in a tab of their own when asked (`?open=true`): pictures and plain text. */
const openable = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain']);
import { useNameOf } from '../app.tsx';
import { followLink, href } from '../router.ts';
import { EmailMessage } from './email-message.tsx';
import { fileSize } from './email-fields.tsx';
import { CallEntry } from '../calls/call-entry.tsx';

/**
 * The customer's whole story across cases and channels, oldest first. Text, except an email's
 * HTML (sanitised on the server), shown in a sandboxed frame with what its headers revealed.
 */
export function Timeline({
  items,
  customer,
  currentConversationId,
  hasOlder,
  onOlder,
}: {
  items: Interaction[];
  customer: Customer;
  currentConversationId: number | null;
  hasOlder: boolean;
  onOlder: () => void;
}) {
  const nameOf = useNameOf();
  const ordered = [...items].sort(
    (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id - b.id,
  );
  return (
    <section className="timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline, every channel</h2>
      {hasOlder && (
        <button type="button" className="older" onClick={onOlder}>
          Show older
        </button>
      )}
      <ol>
        {ordered.map((item) => {
          const other =
            currentConversationId !== null && item.conversationId !== currentConversationId;
          const who =
            item.direction === 'inbound'
              ? customer.displayName
              : item.author.type === 'advisor'
                ? nameOf(item.author.id)
                : 'Rapport';
          return (
            <li
              key={item.id}
              className={`entry ${item.direction} ${other ? 'other-case' : ''}`}
              data-interaction={item.id}
            >
              <div className="meta">
                <span className={`channel ch-${item.channel}`}>
                  {channelNames[item.channel] ?? item.channel}
                </span>
                <span>{kindNames[item.kind] ?? item.kind}</span>
                <strong>{who}</strong>
                <time dateTime={item.createdAt}>{clockTime(item.createdAt)}</time>
                {item.direction === 'outbound' && (
                  <span
                    className={`delivery d-${item.deliveryState}`}
                    title={item.deliveryReason ?? undefined}
                  >
                    {deliveryNames[item.deliveryState] ?? item.deliveryState}
                    {item.deliveryState === 'failed' && item.deliveryReason
                      ? `: ${item.deliveryReason}`
                      : ''}
                  </span>
                )}
                {item.direction === 'internal' && (
                  <span className="delivery d-none">internal note</span>
                )}
                {other && (
                  <a
                    href={href(`/c/${item.conversationId}`)}
                    onClick={(e) => followLink(e, `/c/${item.conversationId}`)}
                  >
                    case #{item.conversationId}
                  </a>
                )}
              </div>
              {item.channel === 'email' ? (
                <EmailMessage item={item} />
              ) : item.call ? (
                <CallEntry item={{ ...item, call: item.call }} />
              ) : (
                <>
                  <p className="text">{item.text}</p>
                  <AttachmentLinks attachments={item.attachments} />
                </>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/**
 * The files of a message: stored ones download (the server checks the reader may see the case),
 * pictures and text also open in a tab; a file the provider keeps (no copy here) is named only.
 */
export function AttachmentLinks({
  attachments,
  label = 'Attachments',
}: {
  attachments: readonly Attachment[];
  label?: string;
}) {
  if (attachments.length === 0) return null;
  return (
    <ul className="attachments" aria-label={label}>
      {attachments.map((a, i) => (
        <li key={i}>
          {a.href ? (
            <a href={a.href} download={a.name}>
              {a.name}
            </a>
          ) : (
            a.name
          )}{' '}
          <small>({fileSize(a.size)})</small>
          {a.href && openable.has(a.contentType.toLowerCase()) && (
            <>
              {' '}
              <a
                href={`${a.href}?open=true`}
                target="_blank"
                rel="noopener noreferrer"
                aria-label={`Open ${a.name}`}
              >
                Open
              </a>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
