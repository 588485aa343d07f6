/** What the receiving server's DMARC check said about a message. */
export type DmarcResult = 'pass' | 'fail' | 'none';

/**
 * The DMARC result from Authentication-Results headers (RFC 8601), topmost first as they arrived.
 * The topmost header is the one our receiving server added; senders can forge any header below it.
 * With `trustedAuthservIds`, only the first header written by one of those servers counts.
 */
export function dmarcOf(
  authenticationResults: readonly string[],
  trustedAuthservIds: readonly string[] = [],
): DmarcResult {
  const trusted = new Set(trustedAuthservIds.map((id) => id.toLowerCase()));
  const chosen = authenticationResults
    .map(withoutComments)
    .find((value) => trusted.size === 0 || trusted.has(authservIdOf(value)));
  if (chosen === undefined) return 'none';
  const result = /(?:^|;)\s*dmarc\s*=\s*([a-z]+)/i.exec(chosen)?.[1]?.toLowerCase();
  if (result === 'pass') return 'pass';
  if (result === 'fail') return 'fail';
  return 'none';
}

/** The server that wrote the header: the first token, before any version number or `;`. */
function authservIdOf(value: string): string {
  return (value.split(';')[0] ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
}

/** RFC 5322 comments (nested parentheses, outside quoted strings) removed. */
function withoutComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\') {
      if (depth === 0) out += value.slice(i, i + 2);
      i++;
    } else if (quoted) {
      out += ch;
      if (ch === '"') quoted = false;
    } else if (ch === '(') depth++;
    else if (ch === ')' && depth > 0) depth--;
    else if (depth === 0) {
      if (ch === '"') quoted = true;
      out += ch;
    }
  }
  return out;
}
