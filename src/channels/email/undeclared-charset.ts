import { isUtf8 } from 'node:buffer';

/**
 * Raw 8-bit text with no declared charset, rewritten as UTF-8 before mailparser reads it.
 *
 * mailparser reads undeclared 8-bit bytes as UTF-8 and turns anything else into U+FFFD, so a
 * Latin-1 "Café" from an old mailer would lose its é. Every header line, and every body line of a
 * text part that names no charset and is sent as 7bit/8bit/binary, that is not valid UTF-8 is read
 * as Windows-1252 (a superset of Latin-1's printable range) and re-encoded. Parts that declare a
 * charset, and base64 or quoted-printable bodies, are left to mailparser.
 */
export function withUndeclaredCharsetsAsUtf8(raw: Buffer): Buffer {
  if (isUtf8(raw)) return raw;
  const windows1252 = new TextDecoder('windows-1252');
  const lines = splitLines(raw);
  const out: Buffer[] = [];
  const boundaries: string[] = [];
  let state: 'headers' | 'repair' | 'keep' = 'headers';
  let header: Buffer[] = [];
  let headerLines: string[] = [];

  const repaired = (line: Buffer): Buffer =>
    isUtf8(line) ? line : Buffer.from(windows1252.decode(line), 'utf8');

  for (const line of lines) {
    if (state === 'headers') {
      const bare = trimEnd(line);
      if (bare.length > 0) {
        header.push(repaired(line));
        headerLines.push(bare.toString('latin1'));
        continue;
      }
      out.push(...header, line);
      const part = describePart(headerLines);
      header = [];
      headerLines = [];
      if (part.boundary) boundaries.push(part.boundary);
      state = nextState(part);
      continue;
    }
    const boundary = boundaryOf(trimEnd(line).toString('latin1'), boundaries);
    if (boundary) {
      out.push(line);
      if (boundary.closing) {
        boundaries.length = boundaries.indexOf(boundary.name);
        state = 'keep';
      } else {
        boundaries.length = boundaries.indexOf(boundary.name) + 1;
        state = 'headers';
      }
      continue;
    }
    out.push(state === 'repair' ? repaired(line) : line);
  }
  out.push(...header);
  return Buffer.concat(out);
}

interface PartShape {
  readonly boundary: string | null;
  readonly embedsMessage: boolean;
  readonly repair: boolean;
}

function describePart(headerLines: readonly string[]): PartShape {
  const unfolded = headerLines
    .join('\n')
    .replace(/\n[ \t]+/g, ' ')
    .split('\n');
  const field = (name: string): string => {
    const line = unfolded.find((l) => l.toLowerCase().startsWith(`${name}:`));
    return line ? line.slice(name.length + 1).trim() : '';
  };
  const contentType = field('content-type');
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase() || 'text/plain';
  const encoding = field('content-transfer-encoding').toLowerCase();
  const boundary = /^multipart\//.test(type)
    ? (/boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)?.slice(1).find(Boolean) ?? null)
    : null;
  return {
    boundary,
    embedsMessage:
      (type === 'message/rfc822' || type === 'message/global') && !/base64|quoted/.test(encoding),
    repair:
      type.startsWith('text/') &&
      !/charset\s*=/i.test(contentType) &&
      !/base64|quoted/.test(encoding),
  };
}

/** After a part's headers: a multipart's preamble, an embedded message's own headers, or a body. */
function nextState(part: PartShape): 'headers' | 'repair' | 'keep' {
  if (part.boundary) return 'keep';
  if (part.embedsMessage) return 'headers';
  return part.repair ? 'repair' : 'keep';
}

function boundaryOf(
  line: string,
  boundaries: readonly string[],
): { name: string; closing: boolean } | null {
  if (!line.startsWith('--')) return null;
  for (let i = boundaries.length - 1; i >= 0; i--) {
    const name = boundaries[i] as string;
    if (line === `--${name}`) return { name, closing: false };
    if (line === `--${name}--`) return { name, closing: true };
  }
  return null;
}

/** Lines with their endings kept, so the message is rebuilt byte for byte where nothing changes. */
function splitLines(raw: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let at = raw.indexOf(10); at !== -1; at = raw.indexOf(10, start)) {
    lines.push(raw.subarray(start, at + 1));
    start = at + 1;
  }
  if (start < raw.length) lines.push(raw.subarray(start));
  return lines;
}

function trimEnd(line: Buffer): Buffer {
  let end = line.length;
  while (end > 0 && (line[end - 1] === 10 || line[end - 1] === 13)) end--;
  return line.subarray(0, end);
}
