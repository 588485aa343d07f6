import { Invalid } from '../errors.ts';

/** Where a page of a newest-first list ended: the last row's time and id (ties broken by id). */
export interface PageCursor {
  readonly at: number;
  readonly id: number;
}

/** Encodes where a page ended, opaque to clients. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.at}.${cursor.id}`).toString('base64url');
}

/** Reads a cursor back; a malformed one is an Invalid naming the field. */
export function decodeCursor(raw: string, field = 'cursor'): PageCursor {
  const match = /^(\d+)\.(\d+)$/.exec(Buffer.from(raw, 'base64url').toString());
  if (!match) throw new Invalid(field, 'is not a cursor this server gave out');
  return { at: Number(match[1]), id: Number(match[2]) };
}
