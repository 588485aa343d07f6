/**
 * The demo company's website: one page of a shop's site with the chat widget's tag on it, served
 * under a strict Content-Security-Policy (no inline script or style), so a newcomer can chat as a
 * customer at once and answer as an advisor in the desk. Served only while the demo's chat account
 * (`demo-website`) exists.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../platform/context.ts';
import { NotFound } from '../platform/errors.ts';
import { Strict } from '../platform/http/schemas.ts';

/** The demo's chat account: its address is the widget's `data-account`. */
export const demoWidgetKey = 'demo-website';

const NoQuery = Strict({});
// The page's own links carry a search (`?q=`), as a shop's help pages do: the widget reports it.
const PageQuery = Strict({ q: Type.Optional(Type.String({ maxLength: 200 })) });

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Demo Mobile: help with your plan</title>
    <link rel="stylesheet" href="/demo/website.css">
    <script src="/widget.js" data-account="${demoWidgetKey}" defer></script>
  </head>
  <body>
    <header><strong>Demo Mobile</strong> <nav><a href="/demo/website">Plans</a> <a href="/demo/website?q=roaming">Help</a></nav></header>
    <main>
      <h1>Help with your plan</h1>
      <p>This is a page of the demo company's website. The chat button in the corner is Rapport's
        website chat, added with one tag:</p>
      <pre>&lt;script src="/widget.js" data-account="${demoWidgetKey}" defer&gt;&lt;/script&gt;</pre>
      <p>Sign in to the <a href="/desk/">desk</a> as lea@demo.rapport.test and set your presence to
        Available: the chat is then open, and a message written there as a customer reaches you. With
        nobody available, it offers to leave a message instead.</p>
      <h2>Popular questions</h2>
      <ul>
        <li>Does the 50 GB plan include roaming?</li>
        <li>How do I move my number to a new SIM?</li>
        <li>Where is my order?</li>
      </ul>
    </main>
  </body>
</html>
`;

const styles = `body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1f2328; }
header { display: flex; gap: 2rem; align-items: center; padding: 1rem 2rem; background: #0b57d0; color: #fff; }
header a { color: #fff; margin-right: 1rem; }
main { max-width: 42rem; padding: 1rem 2rem 6rem; }
pre { background: #f3f4f6; padding: 0.75rem; overflow-x: auto; }
`;

/** The page's policy: scripts, styles and sockets of this origin only, as a company's strict site would. */
function policyOf(request: FastifyRequest): string {
  const socket = `${request.protocol === 'https' ? 'wss' : 'ws'}://${request.host}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${socket}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Whether the demo company's chat account is there (the banner then names the page). */
export async function hasDemoWebsite(ctx: Pick<Context, 'store'>): Promise<boolean> {
  const account = await ctx.store.read
    .selectFrom('channel_accounts')
    .select('id')
    .where('channel', '=', 'chat')
    .where('address', '=', demoWidgetKey)
    .executeTakeFirst();
  return account !== undefined;
}

export function registerDemoSiteRoutes(app: FastifyInstance, ctx: Context): void {
  const requireDemoChat = async () => {
    if (!(await hasDemoWebsite(ctx))) throw new NotFound('demo website');
  };
  const send = (reply: FastifyReply, type: string, body: string, policy?: string) => {
    reply.header('content-type', type).header('cache-control', 'no-cache');
    reply.header('x-content-type-options', 'nosniff');
    if (policy) reply.header('content-security-policy', policy);
    return reply.send(body);
  };
  app.get(
    '/demo/website',
    {
      schema: { hide: true, querystring: PageQuery },
      config: { allow: 'public' },
    },
    async (request, reply) => {
      await requireDemoChat();
      return send(reply, 'text/html; charset=utf-8', page, policyOf(request));
    },
  );
  app.get(
    '/demo/website.css',
    { schema: { hide: true, querystring: NoQuery }, config: { allow: 'public' } },
    async (_request, reply) => {
      await requireDemoChat();
      return send(reply, 'text/css; charset=utf-8', styles);
    },
  );
}
