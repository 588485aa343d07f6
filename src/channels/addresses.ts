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

/**
 * Turns a phone number into E.164, reading local numbers in the default region: "+49 30/1234-5",
 * "0049 30 12345" and, in Germany, "030 12345" are one number. The international prefix "00" is read
 * whatever the region (most of the world dials it; the US dials 011, where "0049…" would not parse).
 */
export function normalisePhone(raw: string, defaultRegion: string, field = 'phone'): string {
  const value = raw.trim();
  let parsed = parsePhoneNumberFromString(value, defaultRegion as CountryCode);
  if ((!parsed || !parsed.isValid()) && /^00[1-9]/.test(value.replace(/[\s()./-]/g, '')))
    parsed = parsePhoneNumberFromString(`+${value.replace(/[\s()./-]/g, '').slice(2)}`);
  if (!parsed || !parsed.isValid()) throw new Invalid(field, 'is not a valid phone number');
  return parsed.number;
}
