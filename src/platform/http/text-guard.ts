import type { FastifyInstance, FastifyRequest } from 'fastify';

// A NUL, or half of a surrogate pair: neither is text a person wrote. PostgreSQL refuses NUL in
// `text`, and a lone surrogate cannot be written as UTF-8, so other tools could not read it back.
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isBad = (text: string) => text.includes('\0') || loneSurrogate.test(text);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The first string in `value` that holds a NUL or a lone surrogate, as a JSON pointer; undefined when none does. */
export function badTextAt(value: unknown, pointer = ''): string | undefined {
  if (typeof value === 'string') return isBad(value) ? pointer || '/' : undefined;
  if (ArrayBuffer.isView(value)) return undefined; // raw bytes, checked by whoever parses them
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = badTextAt(value[i], `${pointer}/${i}`);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      // A field's name is text too.
      if (isBad(key)) return `${pointer}/${key}`;
      const at = badTextAt(item, `${pointer}/${key}`);
      if (at !== undefined) return at;
    }
  }
  return undefined;
}

/** Decodes bytes as UTF-8, or returns undefined when they are not valid UTF-8. */
export function strictUtf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * An error the one error handler answers as `validation-failed`, naming the field like a schema
 * error does (`instancePath` is a JSON pointer into the request part `context`).
 */
export function textError(
  context: 'body' | 'querystring' | 'params',
  instancePath: string,
  reason: string,
): Error {
  return Object.assign(new Error(reason), {
    statusCode: 400,
    validation: [
      {
        instancePath: instancePath === '/' ? '' : instancePath,
        keyword: 'text',
        message: reason,
        params: {},
      },
    ],
    validationContext: context,
  });
}

const bytesReason = 'is not valid UTF-8';
const characterReason = 'holds a NUL character or a lone surrogate';

/** Throws `textError` when a parsed request part holds bad text. */
export function refuseBadText(context: 'body' | 'querystring' | 'params', value: unknown): void {
  const at = badTextAt(value);
  if (at !== undefined) throw textError(context, at, characterReason);
}

/**
 * Refuses, with 400, JSON bodies that are not valid UTF-8 and any body, query or path parameter
 * holding a NUL or a lone surrogate, before any route sees them. The path wildcard `*` is a file
 * path, not text: its route answers a path that names no file itself.
 */
export function guardRequestText(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const text = strictUtf8Text(body as Buffer);
    if (text === undefined) return done(textError('body', '', bytesReason), undefined);
    parseJson(request, text, done);
  });
  app.addHook('preValidation', async (request: FastifyRequest) => {
    refuseBadText('body', request.body);
    refuseBadText('querystring', request.query);
    const { '*': _path, ...params } = (request.params ?? {}) as Record<string, unknown>;
    refuseBadText('params', params);
  });
}

/** The reason `textError` gives for bytes that are not UTF-8 (for callers that parse raw bodies). */
export const notUtf8 = bytesReason;
