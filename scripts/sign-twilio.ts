/**
 * Signs a request as Twilio would, for trying the phone and SMS webhooks by hand (the demo's
 * accounts read their auth token from RAPPORT_DEMO_TWILIO_AUTH_TOKEN):
 *
 *   RAPPORT_DEMO_TWILIO_AUTH_TOKEN=… npx tsx scripts/sign-twilio.ts \
 *     http://localhost:3000/webhooks/twilio/sms From=+14155550123 To=+14155550100 Body=Hello MessageSid=SM1
 *
 * prints a curl command with the X-Twilio-Signature header (HMAC-SHA1 of the URL and the sorted
 * parameters under the token). The URL must be the one Rapport sees: RAPPORT_PUBLIC_URL when set.
 */
import { twilioSignature } from '../src/channels/twilio/twilio-signature.ts';

const [url, ...pairs] = process.argv.slice(2);
const token = process.env.TWILIO_AUTH_TOKEN ?? process.env.RAPPORT_DEMO_TWILIO_AUTH_TOKEN;
if (!url || !token) {
  console.error(
    'usage: RAPPORT_DEMO_TWILIO_AUTH_TOKEN=<token> npx tsx scripts/sign-twilio.ts <url> Name=value…',
  );
  process.exit(1);
}
const params: Record<string, string> = {};
for (const pair of pairs) {
  const at = pair.indexOf('=');
  if (at < 1) throw new Error(`${pair} is not Name=value`);
  params[pair.slice(0, at)] = pair.slice(at + 1);
}
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
console.log(
  [
    'curl -sS',
    `-H ${quote(`X-Twilio-Signature: ${twilioSignature(token, url, params)}`)}`,
    ...Object.entries(params).map(([k, v]) => `--data-urlencode ${quote(`${k}=${v}`)}`),
    quote(url),
  ].join(' \\\n  '),
);
