import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { Invalid } from '../platform/errors.ts';

/**
 * How addresses on a channel are written: an email address, a phone number in E.164. Customers'
 * identities, advisors' sign-in and the channels' adapters all read them the same way.
 */
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
