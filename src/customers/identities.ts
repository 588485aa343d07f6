import { Type } from '@sinclair/typebox';
import { Invalid } from '../platform/errors.ts';
import { Strict, StringEnum } from '../platform/http/schemas.ts';
import { normaliseEmail, normalisePhone } from '../channels/addresses.ts';
import type { IdentityKind, Identity } from '../api-types/customers.ts';
import type { ContactPoints } from '../channels/adapter.ts';

/** What an inbound contact tells us about who sent it (defined by the channels, where contacts come from). */
export type { ContactPoints };

export const socialNetworks = ['facebook', 'instagram', 'whatsapp', 'x'] as const;
export type SocialNetwork = (typeof socialNetworks)[number];

/** The contact points an API caller may give (a new customer, an added identity, an inbound sender). */
export const ContactPointsSchema = Strict({
  email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
  phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40 })),
  social: Type.Optional(
    Strict({
      network: StringEnum(socialNetworks),
      handle: Type.String({ minLength: 1, maxLength: 200 }),
    }),
  ),
  external: Type.Optional(
    Strict({
      system: Type.String({ minLength: 1, maxLength: 60 }),
      id: Type.String({ minLength: 1, maxLength: 200 }),
    }),
  ),
});

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
  // An empty prefix names the fields as the caller wrote them (`email`, not `.email`).
  const at = (name: string) => (field ? `${field}.${name}` : name);
  if (points.phone)
    result.push({
      kind: 'phone',
      network: '',
      value: normalisePhone(points.phone, defaultRegion, at('phone')),
    });
  if (points.email)
    result.push({
      kind: 'email',
      network: '',
      value: normaliseEmail(points.email, at('email')),
    });
  if (points.social)
    result.push(normaliseHandle(points.social.network, points.social.handle, at('social')));
  if (points.external) {
    const system = points.external.system.trim().toLowerCase();
    const id = points.external.id.trim();
    if (!system || !id) throw new Invalid(at('external'), 'needs a system and an id');
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

export type { IdentityKind, Identity };
