import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { testDatabases } from './databases.ts';
import { json, startHarness, type Harness } from './harness.ts';
import type { Role } from '../src/advisors/access.ts';
import { enqueueJob } from '../src/platform/jobs/jobs.ts';

const databases = await testDatabases();

type Caller = 'advisor' | 'shop_advisor' | 'supervisor' | 'admin' | 'integration';
const callers: readonly Caller[] = [
  'advisor',
  'shop_advisor',
  'supervisor',
  'admin',
  'integration',
];
const staff: readonly Role[] = ['advisor', 'shop_advisor', 'supervisor', 'admin'];
const leads: readonly Role[] = ['supervisor', 'admin'];
const admins: readonly Role[] = ['admin'];
const shopDesk: readonly Role[] = ['shop_advisor', 'supervisor', 'admin'];
const deskTab = { sessionKey: 'access-walk-tab-0123456789' };
const missingId = 987_654;

/** Records the walk points `:id` at, so a refusal can be compared for an existing and a missing one. */
interface Records {
  readonly advisorId: number;
  readonly tokenId: number;
  readonly customerId: number;
  readonly otherCustomerId: number;
  readonly conversationId: number;
  readonly interactionId: number;
  readonly macroId: number;
  readonly workItemId: number;
  readonly teamId: number;
  readonly shopId: number;
  readonly accountId: number;
  readonly jobId: number;
}

interface Rule {
  readonly allow: 'public' | readonly Role[];
  /** The kind of record `:id` names. */
  readonly record?: keyof Records;
  /** A valid body, so that what is checked is access and not validation. */
  readonly body?: (records: Records, n: number) => unknown;
  readonly query?: (records: Records) => string;
  /** For a public route with a pattern: the address to visit. */
  readonly visit?: string;
  readonly websocket?: true;
}

/**
 * Every route of the server and who may call it. The walk fails when the server registers a route
 * this table does not list, so a new route cannot ship without its access being decided and tested.
 */
const table: Record<string, Rule> = {
  'GET /healthz': { allow: 'public' },
  'GET /readyz': { allow: 'public' },
  'POST /api/auth/login': { allow: 'public' },
  'POST /api/auth/logout': { allow: 'public' },
  'POST /api/auth/password-link': { allow: 'public' },
  'POST /api/auth/set-password': { allow: 'public' },
  'GET /api/openapi.json': { allow: 'public' },
  'GET /api/docs': { allow: 'public' },
  'GET /api/docs/': { allow: 'public' },
  'GET /api/docs/static/index.html': { allow: 'public' },
  'GET /api/docs/static/swagger-initializer.js': { allow: 'public' },
  'GET /api/docs/*': { allow: 'public', visit: '/api/docs/static/swagger-ui.css' },
  'GET /api/docs/json': { allow: 'public' },
  'GET /api/docs/yaml': { allow: 'public' },
  'GET /api/live': { allow: 'public', websocket: true },
  // The website chat's widget: the visitor token is the credential (checked by each route; an
  // unknown chat is a 404, an anonymous socket is closed with 4401).
  'OPTIONS /api/widget/:key/:endpoint': {
    allow: 'public',
    visit: '/api/widget/no-such-chat/config',
  },
  'GET /api/widget/:key/config': { allow: 'public', visit: '/api/widget/no-such-chat/config' },
  'POST /api/widget/:key/visitors': { allow: 'public', visit: '/api/widget/no-such-chat/visitors' },
  'GET /api/widget/:key/messages': { allow: 'public', visit: '/api/widget/no-such-chat/messages' },
  'POST /api/widget/:key/messages': { allow: 'public', visit: '/api/widget/no-such-chat/messages' },
  'GET /api/widget/:key/socket': { allow: 'public', websocket: true },
  'POST /api/widget/:key/uploads': { allow: 'public', visit: '/api/widget/no-such-chat/uploads' },
  'POST /api/widget/:key/offline': { allow: 'public', visit: '/api/widget/no-such-chat/offline' },
  'POST /api/widget/:key/callback': { allow: 'public', visit: '/api/widget/no-such-chat/callback' },
  'POST /api/widget/:key/continue-by-email': {
    allow: 'public',
    visit: '/api/widget/no-such-chat/continue-by-email',
  },
  'POST /api/widget/:key/transcript': {
    allow: 'public',
    visit: '/api/widget/no-such-chat/transcript',
  },

  'GET /api/auth/me': { allow: [...staff, 'integration'] },
  'GET /api/advisors': { allow: leads },
  'POST /api/advisors': {
    allow: admins,
    body: (_r, n) => ({ name: `New ${n}`, email: `new-${n}@test.rapport`, role: 'advisor' }),
  },
  'GET /api/advisors/:id': { allow: leads, record: 'advisorId' },
  'PATCH /api/advisors/:id': {
    allow: admins,
    record: 'advisorId',
    body: () => ({ name: 'Renamed' }),
  },
  'GET /api/teams': { allow: staff },
  'POST /api/teams': {
    allow: admins,
    body: (_r, n) => ({ name: `Team ${n}`, kind: 'contact_centre' }),
  },
  'PATCH /api/teams/:id': {
    allow: admins,
    record: 'teamId',
    body: (_r, n) => ({ name: `Renamed team ${n}` }),
  },
  'DELETE /api/teams/:id': { allow: admins, record: 'teamId' },
  'POST /api/advisors/:id/invite': { allow: admins, record: 'advisorId' },
  'POST /api/advisors/:id/password-reset': { allow: admins, record: 'advisorId' },
  'GET /api/shops': { allow: staff },
  'POST /api/shops': {
    allow: admins,
    body: (_r, n) => ({
      name: `Shop ${n}`,
      city: 'Nantes',
      address: '2 quai de la Fosse',
      timeZone: 'Europe/Paris',
    }),
  },
  'PATCH /api/shops/:id': {
    allow: admins,
    record: 'shopId',
    body: () => ({ city: 'Lyon' }),
  },
  'PUT /api/shops/:id/hours': {
    allow: admins,
    record: 'shopId',
    body: () => ({ hours: [{ weekday: 1, opens: '09:00', closes: '18:00' }] }),
  },
  'GET /api/time-zones': { allow: staff },
  'GET /api/shops/:id': { allow: staff, record: 'shopId' },
  'PUT /api/shops/:id/services': {
    allow: admins,
    record: 'shopId',
    body: () => ({ serviceIds: [] }),
  },
  'POST /api/shops/:id/exceptions': {
    allow: admins,
    record: 'shopId',
    body: (_r, n) => ({
      date: `2030-01-${String((n % 28) + 1).padStart(2, '0')}`,
      reason: 'Inventory',
    }),
  },
  'DELETE /api/shop-exceptions/:id': { allow: admins },
  'POST /api/shops/:id/desks': {
    allow: admins,
    record: 'shopId',
    body: (_r, n) => ({ name: `Desk ${n}` }),
  },
  'PATCH /api/shop-desks/:id': { allow: admins, body: () => ({ active: true }) },
  'GET /api/shop-services': { allow: staff },
  'POST /api/shop-services': {
    allow: admins,
    body: (_r, n) => ({
      code: `service-${n}`,
      name: `Service ${n}`,
      ticketPrefix: 'X',
      durationMinutes: 15,
      bufferMinutes: 5,
      active: false,
    }),
  },
  'PATCH /api/shop-services/:id': { allow: admins, body: () => ({ durationMinutes: 20 }) },
  'GET /api/shops/:id/shifts': {
    allow: ['shop_advisor', 'supervisor', 'admin'],
    record: 'shopId',
  },
  'POST /api/shops/:id/shifts': {
    allow: admins,
    record: 'shopId',
    body: (r) => ({ advisorId: r.advisorId, weekday: 1, starts: '09:00', ends: '12:00' }),
  },
  'PATCH /api/shop-shifts/:id': { allow: admins, body: () => ({ starts: '10:00' }) },
  'DELETE /api/shop-shifts/:id': { allow: admins },
  'GET /api/channels': { allow: staff },
  'GET /api/channel-accounts': { allow: admins },
  'POST /api/channel-accounts': {
    allow: admins,
    body: (_r, n) => ({
      channel: 'email',
      provider: 'smtp',
      displayName: `Mailbox ${n}`,
      address: `box-${n}@test.rapport`,
    }),
  },
  'GET /api/channel-accounts/:id': { allow: admins, record: 'accountId' },
  'GET /api/channel-accounts/:id/mailbox': { allow: admins, record: 'accountId' },
  'PATCH /api/channel-accounts/:id': {
    allow: admins,
    record: 'accountId',
    body: () => ({ displayName: 'Renamed mailbox' }),
  },
  'GET /api/tokens': { allow: admins },
  'POST /api/tokens': {
    allow: admins,
    body: (r, n) => ({ name: `token ${n}`, advisorId: r.advisorId }),
  },
  'DELETE /api/tokens/:id': { allow: admins, record: 'tokenId' },
  'GET /api/search': { allow: staff, query: () => 'q=router' },

  'GET /api/customers': { allow: staff },
  'POST /api/customers': {
    allow: staff,
    body: (_r, n) => ({ displayName: `Walk ${n}`, contact: { email: `walk-${n}@example.com` } }),
  },
  'GET /api/customers/:id': { allow: staff, record: 'customerId' },
  'PATCH /api/customers/:id': {
    allow: staff,
    record: 'customerId',
    body: () => ({ displayName: 'Renamed' }),
  },
  'POST /api/customers/:id/identities': {
    allow: staff,
    record: 'customerId',
    body: (_r, n) => ({ email: `linked-${n}@example.com` }),
  },
  'PUT /api/customers/:id/consent': {
    allow: staff,
    record: 'customerId',
    body: () => ({ marketing: true }),
  },
  'POST /api/customers/:id/merge': {
    allow: staff,
    record: 'customerId',
    body: (r) => ({ sourceCustomerId: r.otherCustomerId }),
  },
  'GET /api/customers/:id/timeline': { allow: staff, record: 'customerId' },
  'GET /api/customers/:id/export': { allow: admins, record: 'customerId' },
  'POST /api/customers/:id/erase': { allow: admins, record: 'customerId' },
  'GET /api/customers/:id/merge-preview': {
    allow: staff,
    record: 'customerId',
    query: (r) => `sourceCustomerId=${r.otherCustomerId}`,
  },
  'GET /api/customers/:id/merges': { allow: staff, record: 'customerId' },
  'PUT /api/customers/:id/owner': {
    allow: staff,
    record: 'customerId',
    body: () => ({ ownerId: null }),
  },
  'POST /api/customer-merges/:id/undo': { allow: leads },
  'DELETE /api/customers/:id/identities': {
    allow: staff,
    record: 'customerId',
    query: () => 'kind=email&value=nobody%40example.com',
  },

  'GET /api/conversations': { allow: staff },
  'POST /api/conversations': {
    allow: staff,
    body: (r) => ({ customerId: r.customerId, subject: 'Opened in the walk', channel: 'email' }),
  },
  'GET /api/conversations/:id': { allow: staff, record: 'conversationId' },
  'PATCH /api/conversations/:id': {
    allow: staff,
    record: 'conversationId',
    body: () => ({ priority: 'high' }),
  },
  'PUT /api/conversations/:id/tags': {
    allow: staff,
    record: 'conversationId',
    body: () => ({ tags: ['walk'] }),
  },
  'GET /api/conversations/:id/interactions': { allow: staff, record: 'conversationId' },
  'POST /api/conversations/:id/interactions': {
    allow: staff,
    record: 'conversationId',
    body: () => ({ kind: 'note', text: 'a note from the walk' }),
  },
  'POST /api/interactions/:id/retry': { allow: staff, record: 'interactionId' },
  'GET /api/interactions/:id/delivery': { allow: staff, record: 'interactionId' },
  'GET /api/interactions/:id/raw': { allow: staff, record: 'interactionId' },
  'GET /api/interactions/:id/attachments/:n': { allow: staff, record: 'interactionId' },
  'POST /api/uploads': {
    allow: staff,
    body: () => ({ name: 'walk.txt', contentType: 'text/plain', data: 'aGVsbG8=' }),
  },
  'POST /api/customers/:id/emails': {
    allow: staff,
    record: 'customerId',
    body: () => ({ subject: 'From the walk', text: 'Hello from the walk' }),
  },
  // The channel gateway signs its requests: the signature is the credential, not a session.
  'POST /webhooks/gateway/:accountId': { allow: 'public', visit: '/webhooks/gateway/1' },
  // Twilio signs its requests (X-Twilio-Signature); a PBX signs its call events like the gateway.
  'POST /webhooks/twilio/sms': { allow: 'public' },
  'POST /webhooks/twilio/sms/status': { allow: 'public' },
  'POST /webhooks/twilio/voice': { allow: 'public' },
  'POST /webhooks/twilio/voice/status': { allow: 'public' },
  'POST /webhooks/twilio/voice/menu': { allow: 'public' },
  'POST /webhooks/twilio/voice/wait': { allow: 'public' },
  'POST /webhooks/twilio/voice/dialed': { allow: 'public' },
  'POST /webhooks/twilio/voice/recording': { allow: 'public' },
  'POST /webhooks/twilio/voice/transcription': { allow: 'public' },
  'POST /webhooks/calls': { allow: 'public' },
  'POST /webhooks/twilio/voice/connect': { allow: 'public' },
  'POST /api/callbacks/:id/call': { allow: staff, record: 'workItemId' },
  'POST /api/callbacks/:id/wrong-number': { allow: staff, record: 'workItemId', body: () => ({}) },
  // The shop desk: a shop's floor, a desk opened in a tab, and what the desk does to a ticket.
  'GET /api/shop-desk/shops/:id': { allow: shopDesk, record: 'shopId' },
  'POST /api/shop-desk/desks/:id/session': { allow: shopDesk, body: () => deskTab },
  'POST /api/shop-desk/desks/:id/next': { allow: shopDesk, body: () => deskTab },
  'POST /api/shop-desk/desks/:id/leave': { allow: shopDesk, body: () => deskTab },
  'POST /api/shop-desk/tickets/:id/recall': { allow: shopDesk, body: () => deskTab },
  'POST /api/shop-desk/tickets/:id/no-show': { allow: shopDesk, body: () => deskTab },
  'POST /api/shop-desk/tickets/:id/finish': { allow: shopDesk, body: () => deskTab },
  'POST /api/shop-desk/tickets/:id/transfer': {
    allow: shopDesk,
    body: () => ({ ...deskTab, deskId: 1 }),
  },
  'POST /api/shop-desk/tickets/:id/serve': { allow: shopDesk, body: () => deskTab },
  'POST /api/shop-desk/appointments/:id/check-in': { allow: shopDesk },
  'POST /api/shop-desk/appointments/:id/no-show': { allow: shopDesk },
  'GET /api/shop-desk/tickets/:id/customer': { allow: shopDesk },
  'POST /api/shop-desk/tickets/:id/settle': {
    allow: shopDesk,
    body: (r) => ({ conversationId: r.conversationId, resolve: true }),
  },
  'POST /api/conversations/:id/callbacks': {
    allow: staff,
    record: 'conversationId',
    body: () => ({ at: '2099-01-01T15:00:00Z', phone: '+33612000777' }),
  },
  'POST /api/calls/:id/wrap-up': {
    allow: staff,
    body: () => ({ outcome: 'resolved', notes: 'Sorted on the phone', hard: false }),
  },
  'GET /api/callbacks': { allow: staff },
  'GET /api/calls/:id': { allow: staff },
  'POST /api/calls/:id/callback': { allow: staff },
  'GET /api/calls/:id/recording': { allow: staff },
  // The help centre is for customers: its form is rate-limited per address and validated.
  'GET /help': { allow: 'public' },
  'GET /help/help.css': { allow: 'public' },
  'GET /help/help.js': { allow: 'public' },
  'POST /api/help/callbacks': { allow: 'public' },
  'PUT /api/advisors/:id/line': {
    allow: staff,
    record: 'advisorId',
    body: () => ({ address: '+33612000099' }),
  },
  'POST /api/interactions/inbound': {
    allow: ['integration', 'admin'],
    body: (_r, n) => ({
      kind: 'email',
      from: { email: `inbound-${n}@example.com` },
      text: 'Hello from the walk',
    }),
  },
  'GET /api/conversations/:id/chat': { allow: staff, record: 'conversationId' },
  'GET /api/conversations/:id/presence': { allow: staff, record: 'conversationId' },
  'PUT /api/conversations/:id/presence': {
    allow: staff,
    record: 'conversationId',
    body: () => ({ typing: false }),
  },
  'DELETE /api/conversations/:id/presence': { allow: staff, record: 'conversationId' },
  'GET /api/me/settings': { allow: staff },
  'PUT /api/me/settings': {
    allow: staff,
    body: () => ({
      alerts: {
        offers: { sound: true, desktop: false, title: true },
        messages: { sound: false, desktop: false, title: true },
      },
    }),
  },
  'POST /api/conversations/:id/typing': {
    allow: staff,
    record: 'conversationId',
    body: () => ({ typing: true }),
  },
  'POST /api/conversations/:id/read': {
    allow: staff,
    record: 'conversationId',
    body: () => ({ upTo: 1 }),
  },
  'POST /api/conversations/:id/transcript': {
    allow: staff,
    record: 'conversationId',
    body: () => ({}),
  },
  'GET /api/events': { allow: leads },
  'GET /api/events/types': { allow: leads },
  'POST /api/wall/cases/:id/reassign': {
    allow: leads,
    record: 'conversationId',
    body: (r) => ({ teamId: r.teamId }),
  },
  'PUT /api/wall/advisors/:id/presence': {
    allow: leads,
    record: 'advisorId',
    body: () => ({ presence: 'break' }),
  },
  'GET /api/admin/jobs': { allow: admins, query: () => 'state=dead' },
  'POST /api/admin/jobs/:id/retry': { allow: admins, record: 'jobId' },

  'GET /api/routing/me': { allow: staff },
  'GET /api/routing/advisors': { allow: leads },
  'GET /api/routing/advisors/:id': { allow: leads, record: 'advisorId' },
  'GET /api/routing/queues': { allow: [...staff, 'integration'] },
  'PUT /api/routing/presence': { allow: staff, body: () => ({ presence: 'offline' }) },
  'PUT /api/routing/advisors/:id/capacity': {
    allow: leads,
    record: 'advisorId',
    body: () => ({ chat: 2 }),
  },
  'POST /api/routing/work-items/:id/accept': { allow: staff, record: 'workItemId' },
  'POST /api/routing/work-items/:id/decline': { allow: staff, record: 'workItemId' },
  'POST /api/routing/work-items/:id/callback': {
    allow: [...staff, 'integration'],
    record: 'workItemId',
    body: () => ({ phone: '+33612345671' }),
  },

  'GET /desk': { allow: 'public' },
  'GET /desk*': { allow: 'public', visit: '/desk/' },
  'GET /widget.js': { allow: 'public' },
  'GET /widget.css': { allow: 'public' },
  'GET /shop-assets/assets/:file': { allow: 'public', visit: '/shop-assets/assets/none.js' },
  // A shop's kiosk and display board: public, rate limited, one shop each (walk-in queue).
  'GET /kiosk/:shop': { allow: 'public', visit: '/kiosk/1' },
  'GET /api/kiosk/:shop': { allow: 'public', visit: '/api/kiosk/987654' },
  'POST /api/kiosk/:shop/tickets': { allow: 'public', visit: '/api/kiosk/987654/tickets' },
  'POST /api/kiosk/:shop/check-in': { allow: 'public', visit: '/api/kiosk/987654/check-in' },
  'GET /board/:shop': { allow: 'public', visit: '/board/1' },
  'GET /api/board/:shop': { allow: 'public', visit: '/api/board/987654' },
  // The board's socket is public and read-only; a plain GET of it is a 404.
  'GET /api/board/:shop/socket': { allow: 'public', visit: '/api/board/987654/socket' },
  'GET /demo/website': { allow: 'public' },
  'GET /demo/website.css': { allow: 'public' },
  // The public booking page and its API (rate-limited; a signed link is the appointment's credential).
  'GET /book': { allow: 'public' },
  'GET /appointment/:token': { allow: 'public', visit: `/appointment/a1.${'x'.repeat(32)}` },
  'GET /api/book/shops': { allow: 'public' },
  'GET /api/book/shops/:id/slots': {
    allow: 'public',
    visit: '/api/book/shops/1/slots?serviceId=1',
  },
  'POST /api/book/appointments': { allow: 'public' },
  'GET /api/book/appointments/:token': {
    allow: 'public',
    visit: `/api/book/appointments/a1.${'x'.repeat(32)}`,
  },
  'POST /api/book/appointments/:token/reschedule': {
    allow: 'public',
    visit: `/api/book/appointments/a1.${'x'.repeat(32)}/reschedule`,
  },
  'POST /api/book/appointments/:token/cancel': {
    allow: 'public',
    visit: `/api/book/appointments/a1.${'x'.repeat(32)}/cancel`,
  },
  'GET /api/desk/work': { allow: staff, query: () => 'view=waiting' },
  'GET /api/desk/directory': { allow: staff },
  'GET /api/insights/wall': { allow: leads },
  'GET /api/insights/shop-figures': { allow: leads },
  'GET /api/insights/service-levels': { allow: staff },
  'PUT /api/insights/service-levels/:channel': {
    allow: admins,
    body: () => ({ thresholdSeconds: 60, targetPercent: 80 }),
  },
  'GET /api/teams/:id/calendar': { allow: leads, record: 'teamId' },
  'PUT /api/teams/:id/calendar': {
    allow: admins,
    record: 'teamId',
    body: () => ({ timeZone: 'Europe/Paris', hours: [], holidays: [] }),
  },
  'GET /api/admin/webhooks': { allow: admins },
  'POST /api/admin/webhooks': {
    allow: admins,
    body: (_r, n) => ({ name: `Hook ${n}`, url: 'https://93.184.215.14/hook', eventTypes: ['*'] }),
  },
  'PATCH /api/admin/webhooks/:id': { allow: admins, body: () => ({ active: false }) },
  'DELETE /api/admin/webhooks/:id': { allow: admins },
  'POST /api/admin/webhooks/:id/rotate-secret': { allow: admins },
  'POST /api/admin/webhooks/:id/ping': { allow: admins },
  'GET /api/admin/webhooks/:id/deliveries': { allow: admins },
  'POST /api/admin/webhook-deliveries/:id/redeliver': { allow: admins },
  'GET /api/admin/webhook-allow-list': { allow: admins },
  'PUT /api/admin/webhook-allow-list': { allow: admins, body: () => ({ entries: [] }) },
  'GET /api/repairs': { allow: ['shop_advisor', ...leads] },
  'POST /api/repairs': {
    allow: ['shop_advisor', ...leads],
    body: (r, n) => ({
      shopId: r.shopId,
      customer: { phone: `+3361200${String(n).padStart(4, '0')}` },
      device: 'Phone',
      serialNumber: 'S-1',
      fault: 'Screen',
      condition: 'Worn',
      accessories: [],
    }),
  },
  'GET /api/repairs/:id': { allow: ['shop_advisor', ...leads] },
  'PATCH /api/repairs/:id': {
    allow: ['shop_advisor', ...leads],
    body: () => ({ notifyChannel: 'email' }),
  },
  'POST /api/repairs/:id/photos': { allow: ['shop_advisor', ...leads] },
  'GET /api/repairs/:id/photos/:photo': { allow: ['shop_advisor', ...leads] },
  'POST /api/repairs/:id/steps': {
    allow: ['shop_advisor', ...leads],
    body: () => ({ status: 'received' }),
  },
  'PUT /api/repairs/:id/estimate': {
    allow: ['shop_advisor', ...leads],
    body: () => ({ amountCents: 1000, currency: 'EUR' }),
  },
  // The customer's status page: the signed link is the credential (a bad one is a 404).
  'GET /repairs/:token': { allow: 'public', visit: '/repairs/r1.not-a-signature' },
  'GET /api/repair-status/:token': { allow: 'public', visit: '/api/repair-status/r1.nope' },
  'POST /api/repair-status/:token/estimate': {
    allow: 'public',
    visit: '/api/repair-status/r1.nope/estimate',
    body: () => ({ decision: 'accept' }),
  },
  'GET /api/macros': { allow: staff },
  'POST /api/macros': {
    allow: leads,
    body: (_r, n) => ({ name: `Macro ${n}`, body: 'Hello {{customer.firstName}}' }),
  },
  'PATCH /api/macros/:id': { allow: leads, record: 'macroId', body: () => ({ name: 'Renamed' }) },
  'DELETE /api/macros/:id': { allow: leads, record: 'macroId' },
  'GET /api/macros/:id/render': {
    allow: staff,
    record: 'macroId',
    query: (r) => `conversationId=${r.conversationId}`,
  },
  // The desk's views, read state, starting a case and logging calls and visits.
  'GET /api/views': { allow: staff },
  'GET /api/views/cases': { allow: staff, query: () => 'view=all' },
  'POST /api/views': {
    allow: staff,
    body: (_r, n) => ({ name: `Walk view ${n}`, filters: { status: 'open' } }),
  },
  'DELETE /api/views/:id': { allow: staff },
  'PUT /api/conversations/:id/read-state': {
    allow: staff,
    record: 'conversationId',
    body: () => ({ unread: true }),
  },
  'GET /api/read-states': { allow: staff, query: (r) => `ids=${r.conversationId}` },
  'POST /api/cases': {
    allow: staff,
    body: (r, n) => ({ customerId: r.customerId, subject: `Walk case ${n}`, channel: 'email' }),
  },
  'POST /api/conversations/:id/logged-calls': {
    allow: staff,
    record: 'conversationId',
    body: () => ({
      direction: 'outbound',
      durationSeconds: 60,
      outcome: 'resolved',
      notes: 'walk',
    }),
  },
  'POST /api/conversations/:id/logged-visits': {
    allow: staff,
    record: 'conversationId',
    body: (r) => ({ shopId: r.shopId, notes: 'walk' }),
  },
};

/** Every "METHOD /path" the server answers, read from Fastify's route tree (HEAD folded into GET). */
function registeredRoutes(app: FastifyInstance): string[] {
  const found = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const at = line.indexOf('── ');
    if (at < 1) continue;
    const depth = (at - 1) / 4;
    const match = /^(.*?)(?: \(([^)]*)\))?$/.exec(line.slice(at + 3))!;
    stack.length = depth;
    stack.push(match[1]!);
    const path = stack.join('');
    for (const method of match[2]?.split(', ') ?? []) found.add(`${method} ${path}`);
  }
  for (const route of [...found]) {
    if (!route.startsWith('HEAD ')) continue;
    const get = route.replace(/^HEAD /, 'GET ');
    assert.ok(found.has(get), `${route} has no GET twin`);
    found.delete(route);
  }
  return [...found].sort();
}

/** The part of a problem document that must not depend on which record was asked for. */
function problemOf(response: LightMyRequestResponse) {
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = json<{
    type: string;
    title: string;
    status: number;
    detail: string;
    errors?: unknown;
  }>(response);
  assert.equal(body.status, response.statusCode);
  return {
    status: body.status,
    type: body.type,
    title: body.title,
    detail: body.detail,
    errors: body.errors,
  };
}

const describeBody = (response: LightMyRequestResponse) =>
  `${response.statusCode} ${response.body.slice(0, 300)}`;

for (const db of databases) {
  describe(`access on ${db.name}`, { skip: db.skip }, () => {
    let h: Harness;
    let records: Records;
    let counter = 0;
    const headers = {} as Record<Caller, Record<string, string>>;
    const cases = {} as Record<
      'care' | 'tech' | 'shop',
      { conversationId: number; customerId: number }
    >;

    async function inbound(payload: Record<string, unknown>) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload,
      });
      assert.equal(response.statusCode, 201, describeBody(response));
      return json<{ conversationId: number; customerId: number }>(response);
    }

    function workItemOf(conversationId: number) {
      return h.ctx.store.db
        .selectFrom('work_items')
        .select(['id', 'kind', 'status'])
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow();
    }

    function call(route: string, caller: Caller | 'anonymous', id?: number) {
      const rule = table[route]!;
      const [method, path] = route.split(' ') as [string, string];
      let url = path
        .replace(':id', String(id ?? missingId))
        .replace(':channel', 'email')
        .replace(':n', '0');
      if (rule.query) url += `?${rule.query(records)}`;
      return h.app.inject({
        method: method as 'GET',
        url,
        headers: caller === 'anonymous' ? {} : headers[caller],
        ...(rule.body ? { payload: rule.body(records, ++counter) as Record<string, unknown> } : {}),
      });
    }

    before(async () => {
      h = await startHarness(await db.open());
      const { people } = h.fixture;
      headers.advisor = { cookie: await h.signIn(people.advisor.email) };
      headers.shop_advisor = { cookie: await h.signIn(people.shopAdvisor.email) };
      headers.supervisor = { cookie: await h.signIn(people.supervisor.email) };
      headers.admin = { cookie: await h.signIn(people.admin.email) };
      headers.integration = { authorization: `Bearer ${h.fixture.gatewayToken}` };
      const { teams, shopId } = h.fixture;
      cases.care = await inbound({
        kind: 'email',
        from: { email: 'care@example.com' },
        text: 'Billing question',
        teamId: teams.care,
      });
      cases.tech = await inbound({
        kind: 'email',
        from: { email: 'tech@example.com' },
        text: 'Zyxwvut modem firmware',
        teamId: teams.tech,
      });
      cases.shop = await inbound({
        kind: 'shop_visit',
        from: { phone: '+33612345678', name: 'Walk-in' },
        text: 'Screen repair',
        shopId,
      });
      const token = await h.ctx.store.db
        .selectFrom('api_tokens')
        .select('id')
        .orderBy('id')
        .executeTakeFirstOrThrow();
      const macro = await h.app.inject({
        method: 'POST',
        url: '/api/macros',
        headers: headers.admin,
        payload: { name: 'Greeting', body: 'Hello {{customer.firstName}}' },
      });
      assert.equal(macro.statusCode, 201, describeBody(macro));
      // A reply of its own case: the cases above must keep only their one contact.
      const replied = await inbound({
        kind: 'email',
        from: { email: 'replied@example.com' },
        text: 'Where is my order?',
        teamId: teams.care,
      });
      const reply = await h.app.inject({
        method: 'POST',
        url: `/api/conversations/${replied.conversationId}/interactions`,
        headers: headers.supervisor,
        payload: { kind: 'email', text: 'We are on it' },
      });
      assert.equal(reply.statusCode, 201, describeBody(reply));
      const jobId = await h.ctx.writer.run((unit) =>
        enqueueJob(unit, { type: 'access-walk', payload: null }),
      );
      records = {
        interactionId: json<{ id: number }>(reply).id,
        jobId,
        macroId: json<{ id: number }>(macro).id,
        workItemId: (await workItemOf(cases.care.conversationId)).id,
        advisorId: people.techAdvisor.id,
        tokenId: token.id,
        customerId: cases.care.customerId,
        otherCustomerId: cases.tech.customerId,
        conversationId: cases.care.conversationId,
        teamId: teams.tech,
        shopId,
        accountId: h.fixture.accounts.email,
      };
    });
    after(() => h?.close());

    test('the table of routes covers exactly the routes the server registers', () => {
      const registered = registeredRoutes(h.app);
      const listed = Object.keys(table).sort();
      assert.deepEqual(
        registered.filter((r) => !listed.includes(r)),
        [],
        'routes registered but not in the access table: decide who may call them and add them',
      );
      assert.deepEqual(
        listed.filter((r) => !registered.includes(r)),
        [],
        'routes in the access table that the server no longer registers',
      );
    });

    for (const [route, rule] of Object.entries(table)) {
      if (rule.websocket) {
        test(`${route} closes an anonymous socket with code 4401`, async () => {
          if (!h.app.server.listening) await h.app.listen({ port: 0, host: '127.0.0.1' });
          const { port } = h.app.server.address() as AddressInfo;
          const socket = new WebSocket(`ws://127.0.0.1:${port}${route.split(' ')[1]}`);
          const [code] = (await once(socket, 'close')) as [number];
          assert.equal(code, 4401);
        });
        continue;
      }
      if (rule.allow === 'public') {
        test(`${route} is public: it answers without a session`, async () => {
          const [method, path] = route.split(' ') as [string, string];
          const response =
            route === 'POST /api/auth/login'
              ? await h.app.inject({
                  method: 'POST',
                  url: path,
                  payload: { email: 'nobody@test.rapport', password: 'wrong password' },
                })
              : await h.app.inject({ method: method as 'GET', url: rule.visit ?? path });
          if (route === 'POST /api/auth/login') {
            // A wrong password is the login's own answer, not a demand to sign in first.
            assert.equal(json(response).detail, 'email or password is wrong');
          } else {
            assert.ok(
              ![401, 403].includes(response.statusCode),
              `${route} answered ${describeBody(response)}`,
            );
          }
        });
        continue;
      }
      const allowed = rule.allow;
      test(`${route} refuses the wrong role without revealing whether the record exists`, async () => {
        const anonymous = await call(
          route,
          'anonymous',
          rule.record ? records[rule.record] : undefined,
        );
        assert.equal(anonymous.statusCode, 401, `anonymous: ${describeBody(anonymous)}`);
        assert.equal(problemOf(anonymous).type, 'https://rapport.dev/problems/unauthenticated');

        for (const caller of callers.filter((c) => !allowed.includes(c))) {
          const existing = await call(
            route,
            caller,
            rule.record ? records[rule.record] : undefined,
          );
          assert.equal(
            existing.statusCode,
            403,
            `${caller} on an existing record: ${describeBody(existing)}`,
          );
          if (rule.record) {
            const missing = await call(route, caller, missingId);
            assert.equal(
              missing.statusCode,
              403,
              `${caller} on a missing record: ${describeBody(missing)}`,
            );
            assert.deepEqual(
              problemOf(existing),
              problemOf(missing),
              `${caller}: refusal differs between existing and missing record`,
            );
          } else {
            problemOf(existing);
          }
        }

        // The roles the route is for get past the door (a missing record is then a plain 404).
        for (const caller of callers.filter((c) => allowed.includes(c))) {
          const response = await call(route, caller, missingId);
          assert.ok(
            ![401, 403].includes(response.statusCode),
            `${caller} should be let in: ${describeBody(response)}`,
          );
        }
      });
    }

    test('every state-changing route refuses a signed-in browser on another origin of the same site', async () => {
      // Our server at 127.0.0.1:3000; the page at another port of the same host (same site, SameSite=Lax
      // sends the cookie). Each route is called by a role it lets in, with a valid body.
      const changes = Object.keys(table).filter((route) => /^(POST|PUT|PATCH|DELETE) /.test(route));
      assert.ok(changes.length > 40, `only ${changes.length} state-changing routes found`);
      for (const route of changes) {
        const rule = table[route]!;
        const [method, path] = route.split(' ') as [string, string];
        const caller =
          rule.allow === 'public'
            ? 'admin'
            : (callers.find((c) => c !== 'integration' && rule.allow.includes(c)) ?? 'admin');
        const id = rule.record ? records[rule.record] : missingId;
        const url = (rule.visit ?? path)
          .replace(':id', String(id))
          .replace(':channel', 'email')
          .replace(':n', '0');
        const response = await h.app.inject({
          method: method as 'POST',
          url,
          headers: { ...headers[caller], host: '127.0.0.1:3000', origin: 'http://127.0.0.1:4000' },
          ...(rule.body
            ? { payload: rule.body(records, ++counter) as Record<string, unknown> }
            : {}),
        });
        assert.equal(response.statusCode, 403, `${route} as ${caller}: ${describeBody(response)}`);
        assert.equal(problemOf(response).type, 'https://rapport.dev/problems/cross-site-request');
      }
    });

    describe('a case outside the viewer’s team or shop is indistinguishable from a missing one', () => {
      const conversationRoutes = [
        'GET /api/conversations/:id',
        'PATCH /api/conversations/:id',
        'PUT /api/conversations/:id/tags',
        'GET /api/conversations/:id/interactions',
        'POST /api/conversations/:id/interactions',
      ];
      const pairs: Array<{
        who: string;
        caller: () => Record<string, string>;
        own: 'care' | 'shop';
        other: 'care' | 'tech' | 'shop';
      }> = [
        {
          who: 'an advisor of team Care, a case of team Tech',
          caller: () => headers.advisor,
          own: 'care',
          other: 'tech',
        },
        {
          who: 'an advisor of team Care, a shop case',
          caller: () => headers.advisor,
          own: 'care',
          other: 'shop',
        },
        {
          who: 'a shop advisor, a contact-centre case',
          caller: () => headers.shop_advisor,
          own: 'shop',
          other: 'care',
        },
      ];
      for (const pair of pairs) {
        test(pair.who, async () => {
          const own = await h.app.inject({
            method: 'GET',
            url: `/api/conversations/${cases[pair.own].conversationId}`,
            headers: pair.caller(),
          });
          assert.equal(own.statusCode, 200, `their own case: ${describeBody(own)}`);
          for (const route of conversationRoutes) {
            const rule = table[route]!;
            const [method, path] = route.split(' ') as [string, string];
            const ask = (id: number) =>
              h.app.inject({
                method: method as 'GET',
                url: path.replace(':id', String(id)),
                headers: pair.caller(),
                ...(rule.body
                  ? { payload: rule.body(records, ++counter) as Record<string, unknown> }
                  : {}),
              });
            const hidden = await ask(cases[pair.other].conversationId);
            const missing = await ask(missingId);
            assert.equal(
              hidden.statusCode,
              404,
              `${route} on the other case: ${describeBody(hidden)}`,
            );
            assert.deepEqual(
              problemOf(hidden),
              problemOf(missing),
              `${route}: the hidden case answers differently from a missing one`,
            );
          }
          // Nothing was changed through the refused requests.
          const seen = await h.app.inject({
            method: 'GET',
            url: `/api/conversations/${cases[pair.other].conversationId}`,
            headers: headers.supervisor,
          });
          assert.equal(json(seen).priority, 'normal');
          assert.deepEqual(json(seen).tags, []);
          const interactions = await h.app.inject({
            method: 'GET',
            url: `/api/conversations/${cases[pair.other].conversationId}/interactions`,
            headers: headers.supervisor,
          });
          assert.equal(json<{ items: unknown[] }>(interactions).items.length, 1);
        });
      }

      test('another team’s work item answers like a missing one: accept, decline, callback', async () => {
        const chat = await inbound({
          kind: 'chat_message',
          from: { email: 'tech-chat@example.com' },
          text: 'Are you there?',
          teamId: h.fixture.teams.tech,
        });
        const item = await workItemOf(chat.conversationId);
        for (const action of ['accept', 'decline', 'callback']) {
          const ask = (id: number) =>
            h.app.inject({
              method: 'POST',
              url: `/api/routing/work-items/${id}/${action}`,
              headers: headers.advisor,
              ...(action === 'callback' ? { payload: { phone: '+33612345672' } } : {}),
            });
          const hidden = await ask(item.id);
          assert.equal(hidden.statusCode, 404, `${action}: ${describeBody(hidden)}`);
          assert.deepEqual(problemOf(hidden), problemOf(await ask(missingId)), action);
        }
        assert.deepEqual(await workItemOf(chat.conversationId), item, 'the work item was changed');
      });

      test('filling a macro for another team’s case answers like a missing case', async () => {
        const ask = (conversationId: number) =>
          h.app.inject({
            method: 'GET',
            url: `/api/macros/${records.macroId}/render?conversationId=${conversationId}`,
            headers: headers.advisor,
          });
        const own = await ask(cases.care.conversationId);
        assert.equal(own.statusCode, 200, describeBody(own));
        const hidden = await ask(cases.tech.conversationId);
        assert.equal(hidden.statusCode, 404, describeBody(hidden));
        assert.deepEqual(problemOf(hidden), problemOf(await ask(missingId)));
      });

      test('lists, timelines and search leave out cases of another team', async () => {
        const techCustomer = cases.tech.customerId;
        const list = await h.app.inject({
          method: 'GET',
          url: `/api/conversations?customerId=${techCustomer}`,
          headers: headers.advisor,
        });
        assert.deepEqual(json<{ items: unknown[] }>(list).items, []);
        // A customer of both teams: the Care advisor sees them, and in the timeline only Care's case.
        const both = await inbound({
          kind: 'email',
          from: { email: 'both-teams@example.com' },
          text: 'Tech side only',
          teamId: h.fixture.teams.tech,
        });
        const careCase = await h.app.inject({
          method: 'POST',
          url: '/api/conversations',
          headers: headers.supervisor,
          payload: {
            customerId: both.customerId,
            subject: 'Care side',
            channel: 'email',
            teamId: h.fixture.teams.care,
          },
        });
        assert.equal(careCase.statusCode, 201, describeBody(careCase));
        const timeline = await h.app.inject({
          method: 'GET',
          url: `/api/customers/${both.customerId}/timeline`,
          headers: headers.advisor,
        });
        assert.equal(timeline.statusCode, 200, describeBody(timeline));
        assert.ok(
          json<{ items: Array<{ conversationId: number }> }>(timeline).items.every(
            (i) => i.conversationId !== both.conversationId,
          ),
          'the Tech case shows in the Care advisor’s timeline',
        );
        const supervisorTimeline = await h.app.inject({
          method: 'GET',
          url: `/api/customers/${both.customerId}/timeline`,
          headers: headers.supervisor,
        });
        assert.ok(
          json<{ items: Array<{ conversationId: number }> }>(supervisorTimeline).items.some(
            (i) => i.conversationId === both.conversationId,
          ),
        );
        const search = await h.app.inject({
          method: 'GET',
          url: '/api/search?q=Zyxwvut',
          headers: headers.advisor,
        });
        assert.deepEqual(json<{ interactions: unknown[] }>(search).interactions, []);
        const supervisorSearch = await h.app.inject({
          method: 'GET',
          url: '/api/search?q=Zyxwvut',
          headers: headers.supervisor,
        });
        assert.equal(json<{ interactions: unknown[] }>(supervisorSearch).interactions.length, 1);
      });
    });

    describe('a customer seen only through another team’s cases is indistinguishable from a missing one', () => {
      // Export and erase are for admins, who see every customer: the role walk above covers them.
      const customerRoutes: Array<{ route: string; body?: () => Record<string, unknown> }> = [
        { route: 'GET /api/customers/:id' },
        { route: 'PATCH /api/customers/:id', body: () => ({ displayName: 'Taken over' }) },
        {
          route: 'POST /api/customers/:id/identities',
          body: () => ({ email: `cross-${++counter}@example.com` }),
        },
        { route: 'PUT /api/customers/:id/consent', body: () => ({ marketing: true }) },
        {
          route: 'POST /api/customers/:id/merge',
          body: () => ({ sourceCustomerId: cases.care.customerId }),
        },
        { route: 'GET /api/customers/:id/timeline' },
        { route: 'GET /api/customers/:id/merges' },
      ];
      const pairs: Array<{
        who: string;
        caller: () => Record<string, string>;
        own: 'care' | 'shop';
        other: 'tech' | 'care';
      }> = [
        {
          who: 'an advisor of team Care, a customer of team Tech',
          caller: () => headers.advisor,
          own: 'care',
          other: 'tech',
        },
        {
          who: 'a shop advisor, a customer of team Care',
          caller: () => headers.shop_advisor,
          own: 'shop',
          other: 'care',
        },
      ];
      const supervisorView = async (id: number) => {
        const response = await h.app.inject({
          method: 'GET',
          url: `/api/customers/${id}`,
          headers: headers.supervisor,
        });
        assert.equal(response.statusCode, 200, describeBody(response));
        return json(response);
      };

      for (const pair of pairs) {
        test(`${pair.who}: every customer route answers 404`, async () => {
          const ownId = cases[pair.own].customerId;
          const otherId = cases[pair.other].customerId;
          const own = await h.app.inject({
            method: 'GET',
            url: `/api/customers/${ownId}`,
            headers: pair.caller(),
          });
          assert.equal(own.statusCode, 200, `their own customer: ${describeBody(own)}`);
          const untouched = await supervisorView(otherId);
          for (const { route, body } of customerRoutes) {
            const [method, path] = route.split(' ') as [string, string];
            const ask = (id: number) =>
              h.app.inject({
                method: method as 'GET',
                url: path.replace(':id', String(id)),
                headers: pair.caller(),
                ...(body ? { payload: body() } : {}),
              });
            const hidden = await ask(otherId);
            assert.equal(hidden.statusCode, 404, `${route}: ${describeBody(hidden)}`);
            assert.deepEqual(
              problemOf(hidden),
              problemOf(await ask(missingId)),
              `${route}: the hidden customer answers differently from a missing one`,
            );
          }
          assert.deepEqual(await supervisorView(otherId), untouched, 'the customer was changed');

          const list = await h.app.inject({
            method: 'GET',
            url: '/api/customers?limit=200',
            headers: pair.caller(),
          });
          const listed = json<{ items: Array<{ id: number }> }>(list).items.map((c) => c.id);
          assert.ok(listed.includes(ownId), 'their own customer is listed');
          assert.ok(!listed.includes(otherId), 'the other customer is listed');
          const name = String(untouched.displayName);
          const searched = await h.app.inject({
            method: 'GET',
            url: `/api/customers?q=${encodeURIComponent(name)}`,
            headers: pair.caller(),
          });
          assert.deepEqual(json<{ items: unknown[] }>(searched).items, []);
          const search = await h.app.inject({
            method: 'GET',
            url: `/api/search?q=${encodeURIComponent(name)}`,
            headers: pair.caller(),
          });
          assert.deepEqual(json<{ customers: unknown[] }>(search).customers, []);
        });
      }

      test('opening a case on another team’s customer answers like a missing customer', async () => {
        const open = (customerId: number) =>
          h.app.inject({
            method: 'POST',
            url: '/api/conversations',
            headers: headers.advisor,
            payload: { customerId, subject: 'A way in', channel: 'email' },
          });
        const hidden = await open(cases.tech.customerId);
        assert.equal(hidden.statusCode, 422, describeBody(hidden));
        assert.deepEqual(problemOf(hidden), problemOf(await open(missingId)));
      });

      test('merging another team’s customer into one’s own answers 404 and merges nothing', async () => {
        const merge = (sourceCustomerId: number) =>
          h.app.inject({
            method: 'POST',
            url: `/api/customers/${cases.care.customerId}/merge`,
            headers: headers.advisor,
            payload: { sourceCustomerId },
          });
        const before = await supervisorView(cases.tech.customerId);
        const attack = await merge(cases.tech.customerId);
        assert.equal(attack.statusCode, 404, describeBody(attack));
        assert.deepEqual(problemOf(attack), problemOf(await merge(missingId)));
        const after = await supervisorView(cases.tech.customerId);
        assert.equal(after.mergedIntoId, null);
        assert.deepEqual(after.identities, before.identities);
        const techCase = await h.app.inject({
          method: 'GET',
          url: `/api/conversations/${cases.tech.conversationId}`,
          headers: headers.supervisor,
        });
        assert.equal(json(techCase).customerId, cases.tech.customerId);
      });

      test('a customer with no case yet is seen by every advisor; a lead sees every customer', async () => {
        const created = await h.app.inject({
          method: 'POST',
          url: '/api/customers',
          headers: headers.shop_advisor,
          payload: { displayName: 'No case yet', contact: { email: 'no-case@example.com' } },
        });
        assert.equal(created.statusCode, 201, describeBody(created));
        const id = json<{ id: number }>(created).id;
        for (const caller of ['advisor', 'shop_advisor', 'supervisor', 'admin'] as const) {
          const seen = await h.app.inject({
            method: 'GET',
            url: `/api/customers/${id}`,
            headers: headers[caller],
          });
          assert.equal(seen.statusCode, 200, `${caller}: ${describeBody(seen)}`);
        }
        const tech = await h.app.inject({
          method: 'GET',
          url: `/api/customers/${cases.tech.customerId}/timeline`,
          headers: headers.supervisor,
        });
        assert.equal(tech.statusCode, 200, describeBody(tech));
      });
    });

    test('a revoked API token is refused like an unknown one', async () => {
      const issued = await h.app.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: headers.admin,
        payload: { name: 'to revoke', advisorId: h.fixture.people.gateway.id },
      });
      assert.equal(issued.statusCode, 201, describeBody(issued));
      const { id, token } = json<{ id: number; token: string }>(issued);
      const before = await h.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(before.statusCode, 200);
      const revoked = await h.app.inject({
        method: 'DELETE',
        url: `/api/tokens/${id}`,
        headers: headers.admin,
      });
      assert.equal(revoked.statusCode, 204);
      const after = await h.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(after.statusCode, 401);
      const unknown = await h.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { authorization: 'Bearer rpt_never-issued' },
      });
      assert.deepEqual(problemOf(after), problemOf(unknown));
      const inbound = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${token}` },
        payload: { kind: 'email', from: { email: 'late@example.com' }, text: 'too late' },
      });
      assert.equal(inbound.statusCode, 401);
    });

    test('an integration token cannot call staff-only routes', async () => {
      for (const url of [
        '/api/customers',
        `/api/customers/${cases.care.customerId}`,
        `/api/conversations/${cases.care.conversationId}`,
        '/api/search?q=billing',
        '/api/events',
        '/api/tokens',
      ]) {
        const response = await h.app.inject({ method: 'GET', url, headers: headers.integration });
        assert.equal(response.statusCode, 403, `${url}: ${describeBody(response)}`);
      }
    });

    test('a caller who may not use a route is refused before their input is examined', async () => {
      // Validation answers describe the route's input; they are for those allowed to call it.
      const anonymous = await h.app.inject({ method: 'POST', url: '/api/customers', payload: {} });
      assert.equal(anonymous.statusCode, 401, describeBody(anonymous));
      const advisor = await h.app.inject({
        method: 'POST',
        url: '/api/advisors',
        headers: headers.advisor,
        payload: { role: 'admin' },
      });
      assert.equal(advisor.statusCode, 403, describeBody(advisor));
    });
  });
}
