import { sanitiseHtml } from '../../conversations/sanitise.ts';
import { Invalid } from '../../platform/errors.ts';

/** An email's HTML as the desk may show it. */
export interface EmailHtml {
  /** Sanitised HTML, or null when the HTML was too large to sanitise (the text part stands in). */
  readonly html: string | null;
  /** The message had remote images; they are held back in `data-remote-src` until allowed. */
  readonly remoteImages: boolean;
}

/**
 * An email's HTML made safe but readable: paragraphs, lists, tables and links stay, `cid:` images
 * stay, remote images are held back, scripts, styles, event handlers, forms and frames go.
 */
export function prepareEmailHtml(html: string): EmailHtml {
  try {
    const safe = sanitiseHtml(html, { emailImages: true });
    // The sanitiser writes every tag itself, so this finds only an image it held back.
    return { html: safe, remoteImages: /<img\b[^>]*\sdata-remote-src="/i.test(safe) };
  } catch (error) {
    if (error instanceof Invalid) return { html: null, remoteImages: false };
    throw error;
  }
}
