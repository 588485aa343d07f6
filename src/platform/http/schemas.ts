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
