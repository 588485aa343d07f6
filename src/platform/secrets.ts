import crypto from 'node:crypto';
import { Invalid } from './errors.ts';

/**
 * Encrypts secrets at rest (channel credentials, webhook signing secrets) with AES-256-GCM under a
 * key from the environment (`RAPPORT_SECRET_KEY`). A sealed value names its format version, so
 * the key can be rotated later without guessing what a stored value is.
 */
export interface SecretBox {
  /** Whether a key is configured; without one, sealing and opening refuse with a clear error. */
  readonly ready: boolean;
  seal(plain: string): string;
  open(sealed: string): string;
}

const prefix = 'v1:';
const minimumKeyLength = 32;

function missingKey(): Invalid {
  return new Invalid(
    'RAPPORT_SECRET_KEY',
    'is not set: secrets (channel credentials, webhook secrets) are encrypted at rest with it; set it to a random string of at least 32 characters',
  );
}

/** The box for a key text (any string of 32 or more characters); undefined gives a box that refuses. */
export function createSecretBox(keyText: string | undefined): SecretBox {
  if (keyText === undefined || keyText === '') {
    return {
      ready: false,
      seal() {
        throw missingKey();
      },
      open() {
        throw missingKey();
      },
    };
  }
  if (keyText.length < minimumKeyLength)
    throw new Invalid('RAPPORT_SECRET_KEY', `must be at least ${minimumKeyLength} characters long`);
  // HKDF turns any long enough text into a 256-bit key bound to this use.
  const key = Buffer.from(crypto.hkdfSync('sha256', keyText, 'rapport', 'secrets at rest v1', 32));
  return {
    ready: true,
    seal(plain) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return prefix + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed) {
      if (!sealed.startsWith(prefix)) throw new Invalid('secret', 'is not a sealed secret');
      const raw = Buffer.from(sealed.slice(prefix.length), 'base64url');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      try {
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new Invalid('RAPPORT_SECRET_KEY', 'does not open this secret: was the key changed?');
      }
    },
  };
}
