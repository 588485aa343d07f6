import type { Context } from '../platform/context.ts';
import type { Viewer } from '../advisors/access.ts';
import type { RepairStatus } from '../api-types/repairs.ts';
import {
  decideEstimate,
  draftRepair,
  moveRepair,
  proposeEstimate,
} from '../channels/shop/repairs.ts';
import { signLink } from '../channels/shop/links.ts';

const hour = 3_600_000;

/** Devices left at the demo shops, each at another point of its repair. */
const demoRepairs: ReadonlyArray<{
  readonly customer: { readonly name: string; readonly email?: string };
  readonly device: string;
  readonly serialNumber: string;
  readonly fault: string;
  readonly condition: string;
  readonly accessories: readonly string[];
  readonly path: readonly RepairStatus[];
  readonly estimate?: { readonly amountCents: number; readonly answer?: 'accept' | 'decline' };
  /** Hours from now the device should be ready (none: no due time). */
  readonly dueInHours?: number;
}> = [
  {
    customer: { name: 'Margaux Lefebvre' },
    device: 'iPhone 13',
    serialNumber: 'F17GQ2XJ0D',
    fault: 'Battery drains in two hours; the phone turns off at 30 %',
    condition: 'Good, small scratch on the frame',
    accessories: ['case'],
    path: ['received', 'diagnosing'],
    estimate: { amountCents: 8900 },
    dueInHours: 26,
  },
  {
    customer: { name: 'Thomas Girard', email: 'thomas.girard@example.com' },
    device: 'Samsung Galaxy S22',
    serialNumber: 'R5CT20ABCDE',
    fault: 'Cracked screen, touch dead in the lower third',
    condition: 'Cracked glass front and back',
    accessories: ['charger', 'SIM card'],
    path: ['received', 'diagnosing', 'waiting-for-parts'],
    estimate: { amountCents: 21900, answer: 'accept' },
    dueInHours: 74,
  },
  {
    customer: { name: 'Claire Dubois' },
    device: 'Livebox 6 router',
    serialNumber: 'LB6-0098812',
    fault: 'Wi-Fi drops every evening around 9 pm',
    condition: 'As new',
    accessories: ['power supply', 'Ethernet cable'],
    path: ['received', 'diagnosing', 'repaired', 'ready-for-pickup'],
  },
  {
    customer: { name: 'Karim Haddad' },
    device: 'iPad Air 5',
    serialNumber: 'DMPXK2ZQ1',
    fault: 'Will not charge',
    condition: 'Dent on the top left corner',
    accessories: [],
    path: [],
  },
];

/**
 * Repairs for the demo: at each shop's first shop advisor, devices at every point of the flow (a
 * draft, one waiting for the customer's answer to an estimate, one waiting for a part, one ready).
 * Made through the same functions the desk uses, backdated over the last days; nothing is sent
 * (no outbox), so the messages they told are imported as already delivered like the demo's others.
 */
export async function loadDemoRepairs(ctx: Context): Promise<void> {
  const advisors = await ctx.store.db
    .selectFrom('advisors')
    .select(['id', 'name', 'team_id', 'shop_id'])
    .where('role', '=', 'shop_advisor')
    .where('shop_id', 'is not', null)
    .orderBy('id')
    .execute();
  const firstOfShop = [...new Map(advisors.map((a) => [a.shop_id, a])).values()];
  const now = ctx.clock.now();
  await signLink(ctx, { kind: 'repair', id: 1 });
  const base = ctx.config.publicUrl ?? `http://localhost:${ctx.config.port}`;
  for (const [s, advisor] of firstOfShop.entries()) {
    const viewer: Viewer = {
      id: advisor.id,
      role: 'shop_advisor',
      teamId: advisor.team_id,
      shopId: advisor.shop_id,
      name: advisor.name,
    };
    const actor = { type: 'advisor' as const, id: advisor.id };
    for (const [r, repair] of demoRepairs.entries()) {
      // Each shop's customers are its own: a phone number per shop and repair.
      const phone = `+336127000${s}${r}`;
      let at = now - (repair.path.length + 2) * 10 * hour;
      const row = await ctx.writer.run(
        (unit) =>
          draftRepair(
            unit,
            {
              customer: {
                name: repair.customer.name,
                phone,
                ...(repair.customer.email && s === 0 ? { email: repair.customer.email } : {}),
              },
              device: repair.device,
              serialNumber: repair.serialNumber,
              fault: repair.fault,
              condition: repair.condition,
              accessories: repair.accessories,
              ...(repair.dueInHours ? { dueAt: now + repair.dueInHours * hour } : {}),
            },
            viewer,
            { defaultRegion: ctx.config.defaultPhoneRegion, actor },
          ),
        { at },
      );
      const statusUrl = `${base}/repairs/${await signLink(ctx, { kind: 'repair', id: row.id })}`;
      const deps = { outbox: undefined, statusUrl, dialect: ctx.store.dialect, actor };
      for (const status of repair.path) {
        at += 10 * hour;
        await ctx.writer.run((unit) => moveRepair(unit, row.id, status, viewer, deps), { at });
        if (status === 'diagnosing' && repair.estimate) {
          const estimate = repair.estimate;
          await ctx.writer.run(
            (unit) =>
              proposeEstimate(
                unit,
                row.id,
                { amountCents: estimate.amountCents, currency: 'EUR', note: 'Parts and labour' },
                viewer,
                deps,
              ),
            { at: at + hour },
          );
          if (estimate.answer) {
            const answer = estimate.answer;
            await ctx.writer.run((unit) => decideEstimate(unit, row.id, answer), {
              at: at + 3 * hour,
            });
          }
        }
      }
    }
  }
}
