/**
 * Bytes kept by their SHA-256: a raw message or an attachment is stored once however often it
 * arrives (a re-delivery, the same logo in every mail), and its hash is how everything refers to it.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';

export interface Blob {
  readonly sha256: string;
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly size: number;
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Stores `bytes` (once) and answers their hash. */
export async function putBlob(
  db: Kysely<Database>,
  bytes: Buffer,
  contentType: string,
  now: number,
): Promise<string> {
  const sha256 = sha256Of(bytes);
  await db
    .insertInto('blobs')
    .values({ sha256, size: bytes.length, content_type: contentType, bytes, created_at: now })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  return sha256;
}

export async function getBlob(db: Kysely<Database>, sha256: string): Promise<Blob | undefined> {
  const row = await db
    .selectFrom('blobs')
    .select(['sha256', 'bytes', 'content_type', 'size'])
    .where('sha256', '=', sha256)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    sha256: row.sha256,
    bytes: Buffer.from(row.bytes),
    contentType: row.content_type,
    size: Number(row.size),
  };
}
