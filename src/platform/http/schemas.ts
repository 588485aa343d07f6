import type { FastifySchemaValidationError } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';

/** `:id` path parameter. */
export const IdParams = Type.Object(
  { id: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export type IdParams = Static<typeof IdParams>;

/** A strict object: unknown fields are refused, never silently dropped. */
export const Strict = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

export const Limit = (fallback: number, max: number) =>
  Type.Integer({ minimum: 1, maximum: max, default: fallback });

/** A string from a fixed list; a wrong value is refused with one reason naming the allowed values. */
export const StringEnum = <T extends string>(values: readonly T[], options: { default?: T } = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

/**
 * The schema with every integer that has no maximum of its own capped at 2^53 − 1: a larger number
 * is not exact in JavaScript and outgrows PostgreSQL's bigint, so it is refused, never stored.
 */
export function boundIntegers<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((item: unknown) => boundIntegers(item)) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<PropertyKey, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = boundIntegers(value);
  // TypeBox marks its schemas with symbols; they travel along untouched.
  for (const symbol of Object.getOwnPropertySymbols(schema))
    out[symbol] = (schema as Record<PropertyKey, unknown>)[symbol];
  const isInteger =
    out.type === 'integer' || (Array.isArray(out.type) && out.type.includes('integer'));
  if (isInteger && out.maximum === undefined && out.exclusiveMaximum === undefined)
    out.maximum = Number.MAX_SAFE_INTEGER;
  return out as T;
}

/** The path of the first number in `value` that is not finite, as a JSON pointer; undefined when none is. */
function infiniteAt(value: unknown, pointer = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : pointer;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = infiniteAt(item, `${pointer}/${key}`);
    if (at !== undefined) return at;
  }
  return undefined;
}

export interface Validate {
  (data: unknown): boolean;
  errors?: FastifySchemaValidationError[] | null | undefined;
}

/** A validator compiled by `make` when first called (or when `compile` is), then reused. */
export function compiledOnFirstUse(make: () => Validate): {
  validate: Validate;
  compile: () => void;
} {
  let compiled: Validate | undefined;
  const compile = () => {
    compiled ??= make();
  };
  const validate: Validate = (data) => {
    compile();
    const ok = compiled!(data);
    validate.errors = compiled!.errors;
    return ok;
  };
  return { validate, compile };
}

/**
 * The validator, also refusing numbers that are not finite: Ajv coerces the text `1e400` to
 * Infinity and then skips its range checks, so an id of Infinity would reach the database.
 */
export function finiteOnly(validate: Validate): Validate {
  const checked: Validate = (data) => {
    const ok = validate(data);
    checked.errors = validate.errors;
    if (!ok) return false;
    const at = infiniteAt(data);
    if (at === undefined) return true;
    checked.errors = [
      {
        instancePath: at,
        schemaPath: '#/type',
        keyword: 'type',
        message: 'must be a finite number',
        params: {},
      },
    ];
    return false;
  };
  return checked;
}
