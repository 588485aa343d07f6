import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { Invalid } from '../platform/errors.ts';

export type IdentityKind = 'email' | 'phone' | 'social' | 'external';
export const socialNetworks = ['facebook', 'instagram', 'whatsapp', 'x'] as const;
export type SocialNetwork = (typeof socialNetworks)[number];

/** One way to recognise a customer; `network` is '' except for social handles and external systems. */
export interface Identity {
  readonly kind: IdentityKind;
  readonly network: string;
  readonly value: string;
}

/** What an inbound contact tells us about who sent it, before normalising. */
export interface ContactPoints {
  readonly email?: string | undefined;
  readonly phone?: string | undefined;
  readonly social?: { readonly network: string; readonly handle: string } | undefined;
  readonly external?: { readonly system: string; readonly id: string } | undefined;
}

const emailPattern = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** Lower-cases and trims an email address; refuses anything that is not one. */
export function normaliseEmail(raw: string, field = 'email'): string {
  const value = raw.trim().toLowerCase();
  if (value.length > 254 || !emailPattern.test(value))
    throw new Invalid(field, 'is not an email address');
  return value;
}

/** Turns a phone number into E.164, reading local numbers in the default region. */
export function normalisePhone(raw: string, defaultRegion: string, field = 'phone'): string {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion as CountryCode);
  if (!parsed || !parsed.isValid()) throw new Invalid(field, 'is not a valid phone number');
  return parsed.number;
}

/** A social handle without a leading @, lower-cased (handles are case-insensitive on every network we speak). */
export function normaliseHandle(network: string, raw: string, field = 'social'): Identity {
  if (!(socialNetworks as readonly string[]).includes(network)) {
    throw new Invalid(`${field}.network`, `must be one of ${socialNetworks.join(', ')}`);
  }
  const value = raw.trim().replace(/^@/, '').toLowerCase();
  if (value.length === 0 || value.length > 200)
    throw new Invalid(`${field}.handle`, 'must not be empty');
  return { kind: 'social', network, value };
}

/** Normalises every contact point given, strongest first (phone, email, social, external). */
export function identitiesOf(
  points: ContactPoints,
  defaultRegion: string,
  field = 'from',
): Identity[] {
  const result: Identity[] = [];
  if (points.phone)
    result.push({
      kind: 'phone',
      network: '',
      value: normalisePhone(points.phone, defaultRegion, `${field}.phone`),
    });
  if (points.email)
    result.push({
      kind: 'email',
      network: '',
      value: normaliseEmail(points.email, `${field}.email`),
    });
  if (points.social)
    result.push(normaliseHandle(points.social.network, points.social.handle, `${field}.social`));
  if (points.external) {
    const system = points.external.system.trim().toLowerCase();
    const id = points.external.id.trim();
    if (!system || !id) throw new Invalid(`${field}.external`, 'needs a system and an id');
    result.push({ kind: 'external', network: system, value: id });
  }
  return result;
}

/** The words a customer can be found by: their name and every identity. */
export function searchTextOf(displayName: string, identities: readonly Identity[]): string {
  const words = identities.map((i) => {
    if (i.kind === 'email') return `${i.value} ${i.value.replace(/[@.]/g, ' ')}`;
    // Digits alone too: full-text parsers read '+33…' as a signed number, and people type numbers without '+'.
    if (i.kind === 'phone') return `${i.value} ${i.value.replace(/\D/g, '')}`;
    return i.value;
  });
  return [displayName, ...words].join(' ');
}
