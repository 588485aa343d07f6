import sanitizeHtml from 'sanitize-html';
import { Invalid } from '../platform/errors.ts';

/**
 * The most tags a message's HTML may hold. The sanitiser's cost grows faster than the tag count
 * (99,000 nested tags held the server for seconds); 10,000 keep it to tens of milliseconds, and a
 * long newsletter has a few thousand.
 */
export const maxHtmlTags = 10_000;

/** Counts opening tags without parsing, stopping once past `limit`. */
function tagsBeyond(html: string, limit: number): boolean {
  let count = 0;
  for (let at = html.indexOf('<'); at !== -1; at = html.indexOf('<', at + 1)) {
    const next = html.charCodeAt(at + 1);
    // A letter starts an opening tag: `</`, `<!--` and a lone `<` open no element.
    if ((next >= 65 && next <= 90) || (next >= 97 && next <= 122)) if (++count > limit) return true;
  }
  return false;
}

const options: sanitizeHtml.IOptions = {
  allowedTags: sanitizeHtml.defaults.allowedTags.filter((t) => t !== 'iframe'),
  allowedAttributes: {
    a: ['href', 'title'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    td: ['colspan', 'rowspan'],
    th: ['colspan', 'rowspan'],
  },
  // Links lead to web pages, mail or a phone number; `javascript:`, `data:`, `file:` lose the href.
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['https', 'cid', 'data'] },
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }),
  },
  disallowedTagsMode: 'discard',
};

export interface SanitiseOptions {
  /**
   * Keep images, as email needs them: `cid:` images stay, a remote image keeps its address only in
   * `data-remote-src` (no `src`, so opening the message tells no tracker), any other image goes.
   */
  readonly emailImages?: boolean;
}

const emailImageOptions: sanitizeHtml.IOptions = {
  allowedTags: [...(options.allowedTags || []), 'img'],
  allowedAttributes: {
    ...options.allowedAttributes,
    img: ['src', 'data-remote-src', 'alt', 'title', 'width', 'height'],
  },
  allowedSchemesByTag: { img: ['cid'] },
  transformTags: {
    ...options.transformTags,
    img: (tagName, attribs) => {
      const { src, ...rest } = attribs;
      const address = src?.trim() ?? '';
      // A protocol-relative address loads from the web just the same.
      const remote = address.startsWith('//') ? `https:${address}` : address;
      if (/^https?:\/\//i.test(remote))
        return { tagName, attribs: { ...rest, 'data-remote-src': remote } };
      return { tagName, attribs: { ...rest, ...(src ? { src } : {}) } };
    },
  },
  // An image left with neither a cid: source nor a held-back remote one shows nothing.
  exclusiveFilter: (frame) =>
    frame.tag === 'img' &&
    !/^cid:/i.test(frame.attribs.src ?? '') &&
    !('data-remote-src' in frame.attribs),
  // A document's <title> is not part of the message people read.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title'],
};

/**
 * Customer-supplied HTML made safe to show: no scripts, styles, event handlers or javascript: links.
 * HTML of more than `maxHtmlTags` tags is refused (422 naming `html`) before it is parsed.
 */
export function sanitiseHtml(html: string, sanitising: SanitiseOptions = {}): string {
  if (tagsBeyond(html, maxHtmlTags))
    throw new Invalid('html', `has more than ${maxHtmlTags} tags; send it as text or attach it`);
  const chosen = sanitising.emailImages ? { ...options, ...emailImageOptions } : options;
  return sanitizeHtml(html, {
    ...chosen,
    allowedAttributes: { ...chosen.allowedAttributes, a: ['href', 'title', 'rel', 'target'] },
  });
}

/** Plain text of an HTML body, for search and for channels that carry only text. */
export function textOfHtml(html: string): string {
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();
}
