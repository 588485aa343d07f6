import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { Invalid } from '../platform/errors.ts';
import { boundIntegers } from '../platform/http/schemas.ts';

// Like the HTTP layer's body validator: no coercion, every issue reported, formats known.
const ajv = new Ajv({
  removeAdditional: false,
  coerceTypes: false,
  allErrors: true,
  strict: false,
  strictNumbers: true,
});
addFormats.default(ajv);

/**
 * A checker for a provider's body, for adapters that read the raw bytes themselves (a signature
 * covers them, so the framework cannot parse first): returns the body typed, or throws `Invalid`
 * (422) naming the first field that is wrong.
 */
export function bodyChecker<T extends TSchema>(schema: T): (value: unknown) => Static<T> {
  const validate = ajv.compile(boundIntegers(schema));
  return (value) => {
    if (validate(value)) return value as Static<T>;
    const first = validate.errors?.[0];
    const field = first?.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body';
    throw new Invalid(field, first?.message ?? 'does not match the expected format');
  };
}
