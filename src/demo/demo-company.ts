import { loadDemoShopFloor } from './demo-shop-floor.ts';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { loadDemoRepairs } from './demo-repairs.ts';
import { createMacro } from '../macros/macros.ts';
import { answerAsAdvisor, loadDemoNow, loadDemoToday } from './demo-today.ts';
import type { Context } from '../platform/context.ts';
import type { Unit } from '../platform/db/writer.ts';
import { systemActor } from '../platform/events/event.ts';
import { createAdvisor, hashPassword, issueToken } from '../advisors/advisors.ts';
import type { Role } from '../advisors/access.ts';
import {
  ingestInbound,
  kindOfChannel,
  type InboundContact,
} from '../conversations/interactions.ts';
import type { InteractionChannel } from '../conversations/conversations.ts';
import { queueWork } from '../routing/work-items.ts';
import { createSecretBox } from '../platform/secrets.ts';
import { createChannelAccount, type NewChannelAccount } from '../channels/channel-accounts.ts';

/** A small deterministic random source, so every demo company looks the same. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const shops = [
  {
    name: 'Lyon Part-Dieu',
    city: 'Lyon',
    timeZone: 'Europe/Paris',
    address: '17 rue du Docteur Bouchut, 69003 Lyon',
    region: 'FR',
  },
  {
    name: 'New York Flatiron',
    city: 'New York',
    timeZone: 'America/New_York',
    address: '200 5th Ave, New York, NY 10010',
    region: 'US',
  },
  {
    name: 'Tokyo Shibuya',
    city: 'Tokyo',
    timeZone: 'Asia/Tokyo',
    address: '2-24-1 Shibuya, Tokyo 150-0002',
    region: 'JP',
  },
] as const;

const people: ReadonlyArray<{
  name: string;
  email: string;
  role: Role;
  team?: string;
  shop?: number;
  languages: string[];
  skills: string[];
}> = [
  {
    name: 'Ada Lindqvist',
    email: 'admin@demo.rapport.test',
    role: 'admin',
    languages: ['en', 'sv'],
    skills: [],
  },
  {
    name: 'Samira Haddad',
    email: 'supervisor@demo.rapport.test',
    role: 'supervisor',
    team: 'Contact centre',
    languages: ['en', 'fr', 'ar'],
    skills: ['billing', 'technical'],
  },
  {
    name: 'Léa Martin',
    email: 'lea@demo.rapport.test',
    role: 'advisor',
    team: 'Contact centre',
    languages: ['fr', 'en'],
    skills: ['billing', 'sales'],
  },
  {
    name: 'Tom Becker',
    email: 'tom@demo.rapport.test',
    role: 'advisor',
    team: 'Contact centre',
    languages: ['en', 'de'],
    skills: ['billing'],
  },
  {
    name: 'Priya Nair',
    email: 'priya@demo.rapport.test',
    role: 'advisor',
    team: 'Contact centre',
    languages: ['en'],
    skills: ['sales', 'complaints'],
  },
  {
    name: 'Diego Alvarez',
    email: 'diego@demo.rapport.test',
    role: 'advisor',
    team: 'Contact centre',
    languages: ['es', 'en'],
    skills: ['billing', 'complaints'],
  },
  {
    name: 'Yuki Sato',
    email: 'yuki@demo.rapport.test',
    role: 'advisor',
    team: 'Technical support',
    languages: ['ja', 'en'],
    skills: ['technical', 'repairs'],
  },
  {
    name: 'Omar Diallo',
    email: 'omar@demo.rapport.test',
    role: 'advisor',
    team: 'Technical support',
    languages: ['fr', 'en'],
    skills: ['technical'],
  },
  {
    name: 'Chloé Bernard',
    email: 'chloe@demo.rapport.test',
    role: 'shop_advisor',
    shop: 0,
    languages: ['fr', 'en'],
    skills: ['repairs', 'sales'],
  },
  {
    name: 'Marcus Reed',
    email: 'marcus@demo.rapport.test',
    role: 'shop_advisor',
    shop: 1,
    languages: ['en'],
    skills: ['repairs', 'sales'],
  },
  {
    name: 'Hana Kobayashi',
    email: 'hana@demo.rapport.test',
    role: 'shop_advisor',
    shop: 2,
    languages: ['ja', 'en'],
    skills: ['repairs'],
  },
  {
    name: 'Noah Fischer',
    email: 'noah@demo.rapport.test',
    role: 'shop_advisor',
    shop: 1,
    languages: ['en', 'de'],
    skills: ['sales'],
  },
];

const firstNames = [
  'Alice',
  'Bruno',
  'Camille',
  'David',
  'Emma',
  'Farid',
  'Grace',
  'Hugo',
  'Inès',
  'Jonas',
  'Kenji',
  'Laura',
  'Mateo',
  'Nina',
  'Oscar',
  'Paula',
  'Quentin',
  'Rosa',
  'Sven',
  'Tara',
  'Umar',
  'Vera',
  'Will',
  'Xin',
  'Yara',
  'Zoé',
  'Aiko',
  'Ben',
  'Clara',
  'Dmitri',
];
const lastNames = [
  'Dubois',
  'Smith',
  'Tanaka',
  'Rossi',
  'Müller',
  'García',
  'Nguyen',
  'Okafor',
  'Kowalski',
  'Silva',
  'Jensen',
  'Moreau',
  'Brown',
  'Ito',
  'Haddad',
  'Novak',
  'Laurent',
  'Khan',
  'Petit',
  'Olsen',
];
const needs = [
  {
    subject: 'Router keeps dropping Wi-Fi',
    ask: 'My router keeps dropping the Wi-Fi every evening, I already restarted it twice as your help page says.',
    answer:
      'I pushed a firmware update to your router and moved it to a less busy channel; it should hold now. I will check the line again tomorrow.',
  },
  {
    subject: 'Charged twice for October',
    ask: 'I was charged twice for my October invoice. Can you refund the second payment?',
    answer:
      'You are right, the payment went through twice. I refunded the second one today; it reaches your account within three working days.',
  },
  {
    subject: 'Phone screen cracked',
    ask: 'I dropped my phone and the screen is cracked. Can it be repaired under my insurance?',
    answer:
      'Your insurance covers the screen. Bring the phone to any of our shops; the repair takes about two hours.',
  },
  {
    subject: 'Upgrade my plan',
    ask: 'I would like a plan with more data, I always run out in the last week.',
    answer:
      'I moved you to the 50 GB plan from your next bill, at the same price as your current one for the first six months.',
  },
  {
    subject: 'Delivery late',
    ask: 'My order was supposed to arrive Monday and it is still not here. Where is it?',
    answer:
      'The carrier lost a day at the depot; your parcel is out for delivery this morning. I added a goodwill credit for the wait.',
  },
  {
    subject: 'Cancel my contract',
    ask: 'I am moving abroad next month and need to cancel my contract.',
    answer:
      'I scheduled the cancellation for the end of the month with no fee, since you are moving abroad. Safe travels!',
  },
  {
    subject: 'Cannot log in to the app',
    ask: 'The app says my password is wrong but I reset it yesterday.',
    answer:
      'Your account was locked after the reset; I unlocked it. Please try again and tell me if it still refuses you.',
  },
  {
    subject: 'Battery drains fast',
    ask: 'Since the last update my battery lasts only half a day.',
    answer:
      'A background sync from the update is stuck. I sent you the steps to clear it; if it persists, our shop can run a battery test.',
  },
] as const;
/** The replies the demo's advisors keep at hand, with the variables a macro may use. */
const demoMacros = [
  {
    name: 'Greeting',
    body: 'Hello {{customer.firstName}},\n\nThank you for getting in touch. ',
  },
  {
    name: 'Refund on its way',
    body: 'Hello {{customer.firstName}},\n\nI have refunded the amount to your card; it shows within 3 working days.\n\n{{advisor.firstName}}',
  },
  {
    name: 'Parcel delayed',
    body: 'Hello {{customer.firstName}},\n\nYour parcel was held at our depot. It is on its way again and I will follow it until it reaches you.\n\n{{advisor.firstName}}',
  },
  {
    name: 'Book a shop visit',
    body: 'Hello {{customer.firstName}},\n\nOur shops can look at it for you; book a time that suits you and bring the device along.\n\n{{advisor.firstName}}',
  },
  {
    name: 'Closing the case',
    body: 'Hello {{customer.firstName}},\n\nI am glad this is settled. If anything else comes up about "{{conversation.subject}}", just answer this message and it comes back to me.\n\n{{advisor.name}}',
  },
] as const;
const socialNetworks = ['facebook', 'instagram', 'x', 'whatsapp'] as const;
const kinds = [
  'email',
  'chat_message',
  'call',
  'shop_visit',
  'social_dm',
  'social_post',
  'sms',
] as const;

function phoneFor(random: () => number, region: 'FR' | 'US' | 'JP'): string | undefined {
  for (let attempt = 0; attempt < 20; attempt++) {
    const digits = Array.from({ length: 8 }, () => Math.floor(random() * 10)).join('');
    const raw =
      region === 'FR'
        ? `+336${digits}`
        : region === 'US'
          ? `+1212${digits.slice(0, 7)}`
          : `+8190${digits}`;
    const parsed = parsePhoneNumberFromString(raw);
    if (parsed?.isValid()) return parsed.number;
  }
  return undefined;
}

/** The demo's Twilio AccountSid (not a real account: sends to api.twilio.com are refused with 401). */
export const demoTwilioAccountSid = 'AC00000000000000000000000000000000';

/** The demo company's channel accounts, each with the secrets the environment gives it (only when set). */
function demoAccounts(
  ctx: Context,
  teams: { readonly centre: number; readonly technical: number },
): Record<string, NewChannelAccount> {
  const secrets = ctx.config.demoSecrets;
  const only = (pairs: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(pairs).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
  const twilio = only({ authToken: secrets.twilioAuthToken });
  const meta = only({ appSecret: secrets.metaAppSecret, verifyToken: secrets.metaVerifyToken });
  const graph = 'https://graph.facebook.com';
  return {
    // The demo's replies go to its mail catcher (demo-outbox.ts), never to a real mailbox.
    care: {
      channel: 'email',
      provider: 'smtp',
      displayName: 'Customer care',
      address: 'care@demo.rapport.test',
      signature: true,
      teamId: teams.centre,
      // A new email is acknowledged at once, with its case number (capped per address and hour).
      settings: {
        smtpHost: '127.0.0.1',
        smtpPort: ctx.config.demoOutboxPort,
        acknowledge: true,
      },
    },
    billing: {
      channel: 'email',
      provider: 'smtp',
      displayName: 'Billing',
      address: 'billing@demo.rapport.test',
      signature: true,
      teamId: teams.centre,
      settings: { smtpHost: '127.0.0.1', smtpPort: ctx.config.demoOutboxPort },
    },
    voice: {
      channel: 'voice',
      provider: 'twilio',
      displayName: 'Care line',
      address: '+14155550100',
      teamId: teams.centre,
      // `demo`: without RAPPORT_DEMO_TWILIO_AUTH_TOKEN it refuses webhooks instead of stopping serve.
      settings: { baseUrl: 'https://api.twilio.com', accountSid: demoTwilioAccountSid, demo: true },
      secrets: twilio,
    },
    sms: {
      channel: 'sms',
      provider: 'twilio',
      displayName: 'Care texts',
      address: '+14155550100',
      teamId: teams.centre,
      // `demo`: without RAPPORT_DEMO_TWILIO_AUTH_TOKEN it refuses webhooks instead of stopping serve.
      settings: { baseUrl: 'https://api.twilio.com', accountSid: demoTwilioAccountSid, demo: true },
      secrets: twilio,
    },
    chat: {
      channel: 'chat',
      provider: 'widget',
      displayName: 'Website chat',
      address: 'demo-website',
      teamId: teams.centre,
      // The widget's look and rules (see docs/architecture.md, Chat); any site may embed the demo.
      settings: {
        siteUrl: 'https://www.demo.rapport.test',
        colour: '#0b57d0',
        greeting: 'Hello! Ask us anything: a person answers.',
        position: 'bottom-right',
        language: 'en',
        origins: '',
        identityRequired: false,
        afterResolved: 'reopen',
      },
    },
    facebook: {
      channel: 'social',
      provider: 'meta',
      displayName: 'Facebook page',
      address: '100000000000001',
      teamId: teams.centre,
      settings: { network: 'facebook', baseUrl: graph },
      secrets: meta,
    },
    instagram: {
      channel: 'social',
      provider: 'meta',
      displayName: 'Instagram account',
      address: '17841400000000001',
      teamId: teams.centre,
      settings: { network: 'instagram', baseUrl: graph },
      secrets: meta,
    },
    whatsapp: {
      channel: 'social',
      provider: 'meta',
      displayName: 'WhatsApp',
      address: '+14155550101',
      teamId: teams.centre,
      settings: { network: 'whatsapp', baseUrl: graph },
      secrets: meta,
    },
    x: {
      channel: 'social',
      provider: 'x',
      displayName: 'X account',
      address: 'rapportdemo',
      teamId: teams.technical,
      settings: { network: 'x', baseUrl: 'https://api.x.com' },
      secrets: only({ consumerSecret: secrets.xConsumerSecret }),
    },
  };
}

export interface DemoSummary {
  readonly customers: number;
  readonly interactions: number;
  readonly integrationToken: string;
}

/** Whether the database holds nothing yet (no advisor at all). */
export async function isEmpty(ctx: Context): Promise<boolean> {
  const row = await ctx.store.db.selectFrom('advisors').select('id').limit(1).executeTakeFirst();
  return !row;
}

/**
 * Loads the demo company: three shops in three time zones, a contact centre, a dozen advisors and
 * a few hundred customers whose histories span email, chat, phone, shop visits and social media.
 */
export async function loadDemoCompany(
  ctx: Context,
  options: { readonly customers?: number; readonly seed?: number } = {},
): Promise<DemoSummary> {
  const random = seeded(options.seed ?? 7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const now = ctx.clock.now();
  const day = 86_400_000;
  const start = now - 60 * day;
  // One hash per person, each with its own salt (hashed in parallel: a dozen cost little).
  const passwordHashes = await Promise.all(people.map(() => hashPassword(ctx.config.demoPassword)));

  const box = createSecretBox(ctx.config.secretKey);
  const { teamIds, shopIds, advisorIds, token, accountIds, shopAccountIds } = await ctx.writer.run(
    async (unit: Unit) => {
      const teamIds = new Map<string, number>();
      for (const [name, kind] of [
        ['Contact centre', 'contact_centre'],
        ['Technical support', 'contact_centre'],
        ...shops.map((s) => [`${s.city} shop`, 'shop'] as const),
      ] as const) {
        const row = await unit.db
          .insertInto('teams')
          .values({ name, kind, created_at: unit.now })
          .returning('id')
          .executeTakeFirstOrThrow();
        teamIds.set(name, row.id);
      }
      const shopIds: number[] = [];
      for (const shop of shops) {
        const row = await unit.db
          .insertInto('shops')
          .values({
            name: shop.name,
            city: shop.city,
            time_zone: shop.timeZone,
            address: shop.address,
            team_id: teamIds.get(`${shop.city} shop`)!,
            created_at: unit.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        shopIds.push(row.id);
      }
      const advisorIds: number[] = [];
      for (const [index, person] of people.entries()) {
        const shopIndex = person.shop;
        const advisor = await createAdvisor(
          unit,
          {
            ...person,
            teamId:
              shopIndex !== undefined
                ? teamIds.get(`${shops[shopIndex]!.city} shop`)!
                : person.team
                  ? teamIds.get(person.team)!
                  : null,
            shopId: shopIndex !== undefined ? shopIds[shopIndex]! : null,
            passwordHash: passwordHashes[index]!,
          },
          systemActor,
        );
        advisorIds.push(advisor.id);
      }
      await loadDemoShopFloor(
        unit,
        shopIds,
        people.flatMap((p, i) =>
          p.shop !== undefined ? [{ advisorId: advisorIds[i]!, shopIndex: p.shop }] : [],
        ),
        now,
      );
      for (const macro of demoMacros) await createMacro(unit, macro, systemActor);
      const integration = await createAdvisor(
        unit,
        {
          name: 'Channel gateway',
          email: 'gateway@demo.rapport.test',
          role: 'integration',
          passwordHash: null,
        },
        systemActor,
      );
      const token = await issueToken(unit, integration.id, 'demo channel gateway', systemActor);
      const accountIds = new Map<string, number>();
      for (const [key, account] of Object.entries(
        demoAccounts(ctx, {
          centre: teamIds.get('Contact centre')!,
          technical: teamIds.get('Technical support')!,
        }),
      ))
        accountIds.set(key, (await createChannelAccount(unit, box, account, systemActor)).id);
      const shopAccountIds: number[] = [];
      for (const [i, shop] of shops.entries()) {
        const account = await createChannelAccount(
          unit,
          box,
          {
            channel: 'shop',
            provider: 'shop',
            displayName: `${shop.name} desk`,
            address: `shop-${shopIds[i]!}`,
            teamId: teamIds.get(`${shop.city} shop`)!,
            settings: { shopId: shopIds[i]! },
          },
          systemActor,
        );
        shopAccountIds.push(account.id);
      }
      return { teamIds, shopIds, advisorIds, token: token.token, accountIds, shopAccountIds };
    },
    { at: start - day },
  );

  const centreAdvisors = people.flatMap((p, i) =>
    p.role === 'advisor' ? [{ id: advisorIds[i]!, team: p.team! }] : [],
  );
  const shopAdvisors = people.flatMap((p, i) =>
    p.role === 'shop_advisor' ? [{ id: advisorIds[i]!, shop: p.shop! }] : [],
  );
  const viewerFor = (id: number) => {
    const index = advisorIds.indexOf(id);
    const person = people[index]!;
    return {
      id,
      role: person.role,
      name: person.name,
      teamId:
        person.shop !== undefined
          ? teamIds.get(`${shops[person.shop]!.city} shop`)!
          : person.team
            ? teamIds.get(person.team)!
            : null,
      shopId: person.shop !== undefined ? shopIds[person.shop]! : null,
    };
  };

  const total = Math.max(1, options.customers ?? ctx.config.demoCustomers);
  let interactions = 0;
  const tasks: Array<() => Promise<void>> = [];
  for (let c = 0; c < total; c++) {
    const first = pick(firstNames);
    const last = pick(lastNames);
    const shopIndex = Math.floor(random() * shops.length);
    const region = shops[shopIndex]!.region;
    const email = `${first}.${last}.${c}@example.com`
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^\x20-\x7e]/g, '');
    const phone = phoneFor(random, region);
    const handle = `${first}${last}${c}`
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z0-9]/g, '');
    const network = pick(socialNetworks);
    const caseCount = 1 + Math.floor(random() * 3);
    const plan: Array<
      { at: number; contact: InboundContact; answer: string; advisor: number; resolve: boolean }[]
    > = [];
    let cursor = start + random() * 40 * day;
    for (let k = 0; k < caseCount; k++) {
      const need = pick(needs);
      const steps: Array<{
        at: number;
        contact: InboundContact;
        answer: string;
        advisor: number;
        resolve: boolean;
      }> = [];
      const exchanges = 1 + Math.floor(random() * 3);
      const isLast = k === caseCount - 1;
      for (let e = 0; e < exchanges; e++) {
        const kind = pick(kinds);
        const from =
          kind === 'email'
            ? { email, name: `${first} ${last}` }
            : kind === 'call' || kind === 'sms'
              ? phone
                ? { phone, name: `${first} ${last}` }
                : { email, name: `${first} ${last}` }
              : kind === 'social_dm' || kind === 'social_post'
                ? { social: { network, handle }, name: `${first} ${last}` }
                : { email, name: `${first} ${last}` };
        const text =
          e === 0
            ? kind === 'call'
              ? `Phone call (${3 + Math.floor(random() * 9)} min): ${need.ask}`
              : kind === 'shop_visit'
                ? `Visit at the ${shops[shopIndex]!.city} care desk: ${need.ask}`
                : need.ask
            : pick([
                'Thanks, any news on this?',
                'It happened again this morning.',
                'Here is the photo you asked for.',
                'Perfect, that works for me.',
              ]);
        const advisor =
          kind === 'shop_visit'
            ? (shopAdvisors.find((s) => s.shop === shopIndex) ?? shopAdvisors[0]!).id
            : pick(centreAdvisors).id;
        cursor += random() * 2 * day;
        steps.push({
          at: Math.round(Math.min(cursor, now - 3_600_000)),
          contact: {
            kind,
            from,
            text,
            subject: need.subject,
            provider: 'demo',
            providerId: `demo-${c}-${k}-${e}`,
            accountId:
              kind === 'email'
                ? accountIds.get(c % 4 === 0 ? 'billing' : 'care')!
                : kind === 'chat_message'
                  ? accountIds.get('chat')!
                  : kind === 'shop_visit'
                    ? shopAccountIds[shopIndex]!
                    : kind === 'social_dm' || kind === 'social_post'
                      ? accountIds.get(network)!
                      : 'phone' in from
                        ? accountIds.get(kind === 'call' ? 'voice' : 'sms')!
                        : undefined,
            ...(kind === 'shop_visit' ? { shopId: shopIds[shopIndex]! } : {}),
          },
          answer: need.answer,
          advisor,
          resolve: e === exchanges - 1 && (!isLast || random() < 0.6),
        });
      }
      plan.push(steps);
      cursor += random() * 5 * day;
    }
    // Identities are linked from the first contact onwards; start every customer with all three known.
    const firstContact = plan[0]![0]!.contact;
    plan[0]![0]!.contact = {
      ...firstContact,
      from: {
        ...firstContact.from,
        email,
        ...(phone ? { phone } : {}),
        social: { network, handle },
      },
    };
    tasks.push(async () => {
      for (const steps of plan) {
        let conversationId = 0;
        for (const step of steps) {
          const result = await ctx.writer.run(
            (unit) =>
              ingestInbound(
                unit,
                { ...step.contact, occurredAt: step.at },
                {
                  defaultRegion: ctx.config.defaultPhoneRegion,
                  dialect: ctx.store.dialect,
                  actor: { type: 'channel', id: null },
                },
              ),
            { at: step.at },
          );
          conversationId = result.conversationId;
          interactions++;
          const answerAt = Math.round(step.at + 5 * 60_000 + random() * 3 * 3_600_000);
          if (answerAt > now) continue;
          await answerAsAdvisor(
            ctx,
            {
              conversationId,
              customerId: result.customerId,
              kind: step.contact.kind,
              text: step.answer,
              at: answerAt,
              resolve: step.resolve,
            },
            viewerFor(step.advisor),
          );
          interactions++;
        }
      }
    });
  }
  // Customers load side by side so the writer can group their units into shared transactions.
  const parallel = 64;
  for (let i = 0; i < tasks.length; i += parallel)
    await Promise.all(tasks.slice(i, i + parallel).map((task) => task()));
  // Today so far, and work waiting right now on every channel, so the desk and the wall are alive.
  const cast = { accountIds, shopIds, centreAdvisors: centreAdvisors.map((a) => a.id), viewerFor };
  interactions += await loadDemoToday(ctx, cast, random);
  interactions += await loadDemoNow(ctx, cast, random);
  // Cases still waiting on us enter the routing queue, as if their last message had just arrived.
  const waiting = await ctx.store.db
    .selectFrom('conversations')
    .select(['id', 'origin_channel'])
    .where('status', 'in', ['open', 'pending_us'])
    .execute();
  await Promise.all(
    waiting.map((c) =>
      ctx.writer.run((unit) =>
        queueWork(unit, c.id, kindOfChannel[c.origin_channel as InteractionChannel] ?? 'email'),
      ),
    ),
  );
  await loadDemoRepairs(ctx);
  // Demo history is imported as already delivered: those replies were "sent" before Rapport existed.
  await ctx.writer.run(async (unit) => {
    await unit.db
      .updateTable('interactions')
      .set((eb) => ({ delivery_state: 'sent', sent_at: eb.ref('created_at') }))
      .where('direction', '=', 'outbound')
      .where('delivery_state', '=', 'queued')
      .execute();
  });
  await ctx.writer.drain();
  return { customers: total, interactions, integrationToken: token };
}
