import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, Invalid, type FieldProblem } from '../errors.ts';

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

const titles: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body too large',
  415: 'Unsupported media type',
  422: 'Invalid input',
  429: 'Too many requests',
  500: 'Internal error',
};

const codesByStatus: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'too-large',
  415: 'unsupported-media-type',
  422: 'invalid',
  429: 'rate-limited',
  500: 'internal',
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
      return { field: prefix + (base || context || 'body'), reason: issue.message ?? 'is invalid' };
  }
}

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  detail: string,
  errors?: FieldProblem[],
): FastifyReply {
  const problem: Problem = {
    type: `https://rapport.dev/problems/${codesByStatus[status] ?? 'error'}`,
    title: titles[status] ?? 'Error',
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
    return send(reply, request, error.status, error.message, errors);
  }
  if (error.validation) {
    const errors = (error.validation as AjvIssue[]).map((issue) =>
      fieldProblem(issue, error.validationContext),
    );
    const detail = errors.map((e) => `${e.field} ${e.reason}`).join('; ');
    return send(reply, request, 400, detail, errors);
  }
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    return send(
      reply,
      request,
      500,
      'something went wrong on our side; the request id helps us find it',
    );
  }
  if (
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
  ) {
    return send(reply, request, 400, 'the body is not valid JSON', [
      { field: 'body', reason: 'is not valid JSON' },
    ]);
  }
  return send(reply, request, status, error.message);
}

/** Answer for a route that does not exist. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return send(reply, request, 404, `no route ${request.method} ${request.url.split('?')[0] ?? ''}`);
}
