/**
 * An advisor's line: the phone number or SIP address calls are put through to (`<Dial>`). Until the
 * advisors area has a phone field, it lives here, beside the calls that use it. Admins set anyone's;
 * everyone else only their own (another's answers 404, like one that does not exist).
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Context } from '../../platform/context.ts';
import { Invalid, NotFound } from '../../platform/errors.ts';
import { IdParams, Strict } from '../../platform/http/schemas.ts';
import { staff, viewer } from '../../advisors/authenticate.ts';
import { normalisePhone } from '../addresses.ts';

const LineBody = Strict({
  /** E.164 (or a number the company's region reads), or `sip:user@host`; null removes the line. */
  address: Type.Union([Type.String({ minLength: 3, maxLength: 200 }), Type.Null()]),
});

const sipPattern = /^sips?:[^\s@<>"]+@[A-Za-z0-9.-]+(:\d{1,5})?(;[^\s<>"]*)?$/;

/** A line as `<Dial>` takes it: a `sip:` address as written, a number in E.164. */
export function normaliseLine(raw: string, region: string): string {
  const value = raw.trim();
  if (/^sips?:/i.test(value)) {
    if (!sipPattern.test(value))
      throw new Invalid('address', 'is not a SIP address like sip:anna@pbx.example.com');
    return value;
  }
  return normalisePhone(value, region, 'address');
}

export function registerAdvisorLineRoutes(app: FastifyInstance, ctx: Context): void {
  app.put<{ Params: IdParams; Body: Static<typeof LineBody> }>(
    '/api/advisors/:id/line',
    {
      schema: {
        tags: ['advisors'],
        summary: 'Set the phone number or SIP address an advisor’s calls are put through to',
        params: IdParams,
        body: LineBody,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      const { id } = request.params;
      if (me.role !== 'admin' && me.id !== id) throw new NotFound('advisor');
      const address =
        request.body.address === null
          ? null
          : normaliseLine(request.body.address, ctx.config.defaultPhoneRegion);
      return ctx.writer.run(async (unit) => {
        const advisor = await unit.db
          .selectFrom('advisors')
          .select(['id', 'team_id', 'shop_id'])
          .where('id', '=', id)
          .executeTakeFirst();
        if (!advisor) throw new NotFound('advisor');
        const before = await unit.db
          .selectFrom('advisor_lines')
          .select('address')
          .where('advisor_id', '=', id)
          .executeTakeFirst();
        if (address === null)
          await unit.db.deleteFrom('advisor_lines').where('advisor_id', '=', id).execute();
        else
          await unit.db
            .insertInto('advisor_lines')
            .values({ advisor_id: id, address, updated_at: unit.now })
            .onConflict((oc) =>
              oc.column('advisor_id').doUpdateSet({ address, updated_at: unit.now }),
            )
            .execute();
        await unit.record({
          type: 'advisor.line-changed',
          actor: { type: 'advisor', id: me.id },
          entity: { type: 'advisor', id },
          scope: { teamId: advisor.team_id, shopId: advisor.shop_id },
          before: { address: before?.address ?? null },
          after: { address },
        });
        return { advisorId: id, address };
      });
    },
  );
}
