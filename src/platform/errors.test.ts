import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import {
  Conflict,
  DomainError,
  errorCatalogue,
  Forbidden,
  Invalid,
  NotFound,
  problemTypeBase,
  Unauthenticated,
  type ErrorCode,
} from './errors.ts';
import { buildHttpApp } from './http/app.ts';
import { sendProblem } from './http/problem.ts';
import { loadConfig } from './config.ts';
import type { Context } from './context.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const codes = Object.keys(errorCatalogue) as ErrorCode[];
const isCode = (code: string): code is ErrorCode => Object.hasOwn(errorCatalogue, code);

/** The rows of the table in docs/errors.md: code → status. */
function documentedCodes(): Map<string, number> {
  const doc = readFileSync(path.join(root, 'docs/errors.md'), 'utf8');
  const rows = new Map<string, number>();
  for (const match of doc.matchAll(/^\|\s*`([^`]+)`\s*\|\s*(\d{3})\s*\|/gm))
    rows.set(match[1]!, Number(match[2]));
  return rows;
}

/** Where each error class takes its optional code: the argument index. */
const codeArgument: Record<string, number> = {
  Invalid: 3,
  NotFound: 1,
  Conflict: 1,
  Forbidden: 1,
  Unauthenticated: 1,
};

interface Use {
  readonly code: string;
  readonly where: string;
}

/**
 * Every problem code a source file uses: codes passed to the error classes or to `sendProblem`,
 * codes a subclass of DomainError passes to `super`, and problem types written out by hand.
 * A code that is not a literal cannot be checked, so it is reported as `<not a literal>`.
 */
function codesUsedIn(source: string, fileName: string): Use[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const uses: Use[] = [];
  const where = (node: ts.Node) =>
    `${fileName}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const literal = (node: ts.Expression | undefined): string | undefined => {
    if (node === undefined) return undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    return '<not a literal>';
  };
  const take = (node: ts.Expression | undefined, at: ts.Node) => {
    const code = literal(node);
    if (code !== undefined) uses.push({ code, where: where(at) });
  };
  const extendsDomainError = (node: ts.Node): boolean => {
    for (let up: ts.Node | undefined = node; up; up = up.parent) {
      if (ts.isClassLike(up))
        return (up.heritageClauses ?? []).some((clause) =>
          clause.types.some((t) => t.expression.getText(file) === 'DomainError'),
        );
    }
    return false;
  };
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
      const index = codeArgument[node.expression.text];
      if (index !== undefined) take(node.arguments?.[index], node);
    }
    if (ts.isCallExpression(node)) {
      if (ts.isIdentifier(node.expression) && node.expression.text === 'sendProblem')
        take(node.arguments[2], node);
      if (node.expression.kind === ts.SyntaxKind.SuperKeyword && extendsDomainError(node))
        take(node.arguments[1], node);
    }
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node)) {
      for (const match of node.text.matchAll(/rapport\.dev\/problems\/([^\s'"`/?#]+)/g))
        uses.push({ code: match[1]!, where: where(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return uses;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry) && !/\.test\.tsx?$/.test(entry) ? [full] : [];
  });
}

describe('the error catalogue is closed', () => {
  test('every code in the catalogue is documented in docs/errors.md, with its status', () => {
    const documented = documentedCodes();
    for (const code of codes)
      assert.equal(
        documented.get(code),
        errorCatalogue[code].status,
        `docs/errors.md has no row for ${code} with status ${errorCatalogue[code].status}`,
      );
    const unknown = [...documented.keys()].filter((code) => !isCode(code));
    assert.deepEqual(unknown, [], 'docs/errors.md documents codes the catalogue does not have');
  });

  test('the source scan finds every way a code is used, so an uncatalogued one cannot slip by', () => {
    const sample = `
      class Gone extends DomainError { constructor() { super('gone', 'gone-away'); } }
      throw new Conflict('email taken', 'email-taken');
      throw new Invalid('phone', 'is not one', [], 'bad-phone');
      throw new NotFound('customer');
      throw new Forbidden(undefined, someCode);
      sendProblem(reply, request, 'teapot', 'short and stout');
      reply.send({ type: 'https://rapport.dev/problems/hand-made' });
      reply.send({ type: \`https://rapport.dev/problems/templated\${suffix}\` });
    `;
    assert.deepEqual(
      codesUsedIn(sample, 'sample.ts').map((use) => use.code),
      [
        'gone-away',
        'email-taken',
        'bad-phone',
        '<not a literal>',
        'teapot',
        'hand-made',
        'templated',
      ],
    );
  });

  test('every code used anywhere in src/ is in the catalogue', () => {
    const uses = sourceFiles(path.join(root, 'src')).flatMap((file) =>
      codesUsedIn(readFileSync(file, 'utf8'), path.relative(root, file)),
    );
    // The scan must see the codes we know are there, or it proves nothing.
    const seen = new Set(uses.map((use) => use.code));
    for (const known of ['idempotency-key-reused', 'not-ready', 'not-built'])
      assert.ok(seen.has(known), `the scan did not find ${known}`);
    // The catalogue's own plumbing passes codes on in variables whose type is the catalogue's keys;
    // everywhere else a code must be written out, so this scan can read it.
    const plumbing = ['src/platform/errors.ts', 'src/platform/http/problem.ts'];
    const uncatalogued = uses.filter(
      (use) =>
        !isCode(use.code) &&
        !(use.code === '<not a literal>' && plumbing.includes(use.where.split(':')[0]!)),
    );
    assert.deepEqual(
      uncatalogued,
      [],
      'add these codes to errorCatalogue and docs/errors.md, or use a catalogued one',
    );
  });
});

describe('problem+json answers each error with its catalogue code and status', () => {
  let app: FastifyInstance;
  const bodyLimitBytes = 256;

  before(async () => {
    const ctx = {
      logger: pino({ level: 'silent' }),
      config: loadConfig({}, { bodyLimitBytes, logLevel: 'silent' }),
    } as unknown as Context;
    app = await buildHttpApp(ctx);
    const thrown: Record<string, () => DomainError> = {};
    for (const code of codes) {
      const status: number = errorCatalogue[code].status;
      const make: Partial<Record<number, () => DomainError>> = {
        401: () => new Unauthenticated('who are you?', code as 'unauthenticated'),
        403: () => new Forbidden('not you', code as 'forbidden'),
        404: () => new NotFound('the thing', code as 'not-found'),
        409: () => new Conflict('clash', code as 'conflict'),
        422: () => new Invalid('field', 'is wrong', [], code as 'invalid'),
      };
      const build = make[status];
      if (build) thrown[code] = build;
    }
    app.get<{ Params: { code: string } }>('/throw/:code', async (request) => {
      throw thrown[request.params.code]!();
    });
    app.get<{ Params: { code: ErrorCode } }>('/send/:code', async (request, reply) =>
      sendProblem(reply, request, request.params.code, 'as catalogued'),
    );
    app.get('/default/:which', async (request) => {
      const which = (request.params as { which: string }).which;
      const defaults: Record<string, DomainError> = {
        invalid: new Invalid('field', 'is wrong'),
        'not-found': new NotFound('the thing'),
        conflict: new Conflict('clash'),
        forbidden: new Forbidden(),
        unauthenticated: new Unauthenticated(),
      };
      throw defaults[which]!;
    });
    app.post(
      '/schema',
      {
        schema: {
          body: {
            type: 'object',
            properties: { name: { type: 'string' } },
            required: ['name'],
            additionalProperties: false,
          },
        },
      },
      async () => ({ ok: true }),
    );
    app.get(
      '/limited',
      { config: { rateLimit: { max: 1, timeWindow: '1 minute' } } },
      async () => ({ ok: true }),
    );
    app.get('/boom', async () => {
      throw new Error('a bug');
    });
    await app.ready();
  });
  after(() => app?.close());

  const expectProblem = (
    response: { statusCode: number; headers: Record<string, unknown>; body: string },
    code: ErrorCode,
  ) => {
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    assert.equal(response.statusCode, errorCatalogue[code].status, response.body);
    assert.equal(body.type, problemTypeBase + code);
    assert.equal(body.title, errorCatalogue[code].title);
    assert.equal(body.status, errorCatalogue[code].status);
    assert.equal(typeof body.detail, 'string');
    assert.equal(typeof body.requestId, 'string');
    return body;
  };

  test('each error class answers its own code by default', async () => {
    for (const code of [
      'invalid',
      'not-found',
      'conflict',
      'forbidden',
      'unauthenticated',
    ] as const) {
      const body = expectProblem(await app.inject({ url: `/default/${code}` }), code);
      if (code === 'invalid')
        assert.deepEqual(body.errors, [{ field: 'field', reason: 'is wrong' }]);
    }
  });

  test('a class given a more specific code answers that code, with its catalogue status', async () => {
    const byClass = codes.filter((code) =>
      [401, 403, 404, 409, 422].includes(errorCatalogue[code].status),
    );
    assert.ok(byClass.includes('idempotency-key-reused'));
    for (const code of byClass) expectProblem(await app.inject({ url: `/throw/${code}` }), code);
  });

  test('every catalogue code sent as a problem carries its catalogue status and title', async () => {
    for (const code of codes) expectProblem(await app.inject({ url: `/send/${code}` }), code);
  });

  test('framework errors are answered with catalogue codes too', async () => {
    const schema = expectProblem(
      await app.inject({ method: 'POST', url: '/schema', payload: { nom: 'x' } }),
      'validation-failed',
    );
    assert.ok((schema.errors as Array<{ field: string }>).some((e) => e.field === 'name'));
    expectProblem(
      await app.inject({
        method: 'POST',
        url: '/schema',
        headers: { 'content-type': 'application/json' },
        payload: '{"name": "Half',
      }),
      'malformed-json',
    );
    expectProblem(
      await app.inject({
        method: 'POST',
        url: '/schema',
        payload: { name: 'x'.repeat(bodyLimitBytes) },
      }),
      'body-too-large',
    );
    expectProblem(
      await app.inject({
        method: 'POST',
        url: '/schema',
        headers: { 'content-type': 'text/csv' },
        payload: 'name\nx',
      }),
      'unsupported-media-type',
    );
    assert.equal((await app.inject({ url: '/limited' })).statusCode, 200);
    expectProblem(await app.inject({ url: '/limited' }), 'rate-limited');
    expectProblem(await app.inject({ url: '/nowhere' }), 'not-found');
    const internal = expectProblem(await app.inject({ url: '/boom' }), 'internal');
    assert.doesNotMatch(String(internal.detail), /a bug/);
  });
});
