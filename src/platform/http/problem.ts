import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  DomainError,
  errorCatalogue,
  Invalid,
  problemTypeBase,
  type ErrorCode,
  type FieldProblem,
} from '../errors.ts';
import { foreignKeyField } from '../db/foreign-key.ts';

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: FieldProblem[];
}

/** The code for an error Fastify or a plugin raised with only a status (a 4xx it knows). */
const frameworkCodes: Partial<Record<number, ErrorCode>> = {
  400: 'bad-request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'body-too-large',
  415: 'unsupported-media-type',
  429: 'rate-limited',
};

interface AjvIssue {
  instancePath?: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns an Ajv issue into the field it concerns (dotted path) and a reason a person can read. */
function fieldProblem(issue: AjvIssue, context: string | undefined): FieldProblem {
  const base = (issue.instancePath ?? '').split('/').filter(Boolean).join('.');
  const join = (name: unknown) => (base ? `${base}.${String(name)}` : String(name));
  const prefix = context && context !== 'body' ? `${context}.` : '';
  switch (issue.keyword) {
    case 'required':
      return { field: prefix + join(issue.params.missingProperty), reason: 'is required' };
    case 'additionalProperties':
      return {
        field: prefix + join(issue.params.additionalProperty),
        reason: 'is not a known field',
      };
    default:
      return { field: prefix + (base || context || 'body'), reason: plainReason(issue) };
  }
}

const typeNames: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'empty (null)',
};

const formatNames: Record<string, string> = {
  'date-time': 'a date and time such as 2026-12-01T09:30:00Z',
  date: 'a date such as 2026-12-01',
  time: 'a time such as 09:30',
  email: 'an email address',
  uri: 'a web address',
  uuid: 'an identifier (UUID)',
};

const plural = (n: unknown, one: string) => `${String(n)} ${one}${n === 1 ? '' : 's'}`;

/**
 * What a schema rule says, in the words a person filling a form reads ("must be at most 120
 * characters", not "must NOT have more than 120 characters"); the field names the place.
 */
function plainReason(issue: AjvIssue): string {
  const p = issue.params;
  switch (issue.keyword) {
    case 'type': {
      const types = String(p.type).split(',');
      return `must be ${types.map((t) => typeNames[t] ?? t).join(' or ')}`;
    }
    case 'minLength':
      return p.limit === 1
        ? 'must not be empty'
        : `must be at least ${plural(p.limit, 'character')}`;
    case 'maxLength':
      return `must be at most ${plural(p.limit, 'character')}`;
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `must be more than ${String(p.limit)}`;
    case 'exclusiveMaximum':
      return `must be less than ${String(p.limit)}`;
    case 'minItems':
      return `must hold at least ${plural(p.limit, 'item')}`;
    case 'maxItems':
      return `must hold at most ${plural(p.limit, 'item')}`;
    case 'uniqueItems':
      return 'must not hold the same item twice';
    case 'format':
      return `must be ${formatNames[String(p.format)] ?? `in the ${String(p.format)} format`}`;
    case 'pattern':
      return /\[0-5\]\[0-9\]|\[0-5\]\\d/.test(String(p.pattern)) && String(p.pattern).includes(':')
        ? 'must be a time such as 09:30'
        : 'is not in the expected form';
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'anyOf':
    case 'oneOf':
      return 'is none of the accepted forms';
    default:
      return issue.message ?? 'is invalid';
  }
}

/** Sends the problem document for a catalogue code: its status, title and type come from the catalogue. */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  detail: string,
  errors?: FieldProblem[],
): FastifyReply {
  const { status, title } = errorCatalogue[code];
  const problem: Problem = {
    type: problemTypeBase + code,
    title,
    status,
    detail,
    instance: request.url.split('?')[0] ?? request.url,
    requestId: request.id,
    ...(errors ? { errors } : {}),
  };
  return reply.status(status).type('application/problem+json').send(problem);
}

/** The one error handler: domain errors, validation errors and framework errors become problem+json. */
export function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof DomainError) {
    const errors = error instanceof Invalid ? [...error.problems] : undefined;
    return sendProblem(reply, request, error.code, error.message, errors);
  }
  if (error.validation) {
    const errors = (error.validation as AjvIssue[]).map((issue) =>
      fieldProblem(issue, error.validationContext),
    );
    const detail = errors.map((e) => `${e.field} ${e.reason}`).join('; ');
    return sendProblem(reply, request, 'validation-failed', detail, errors);
  }
  const field = foreignKeyField(error);
  if (field !== undefined)
    return sendProblem(reply, request, 'invalid', `${field}: names no record`, [
      { field, reason: 'names no record' },
    ]);
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    return sendProblem(
      reply,
      request,
      'internal',
      'something went wrong on our side; the request id helps us find it',
    );
  }
  if (
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
  ) {
    return sendProblem(reply, request, 'malformed-json', 'the body is not valid JSON', [
      { field: 'body', reason: 'is not valid JSON' },
    ]);
  }
  // Any other client error Fastify raises is answered as the catalogue's code for its status; a
  // status the catalogue does not know is a plain bad request, so no uncatalogued code escapes.
  return sendProblem(reply, request, frameworkCodes[status] ?? 'bad-request', error.message);
}

/** Answer for a route that does not exist. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(
    reply,
    request,
    'not-found',
    `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
  );
}
