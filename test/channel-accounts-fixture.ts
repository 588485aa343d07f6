import type { Unit } from '../src/platform/db/writer.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { createChannelAccount } from '../src/channels/channel-accounts.ts';

/** One enabled account per channel without secrets, so replies in tests have somewhere to go out. */
export async function addTestAccounts(
  unit: Unit,
  teamId: number | null,
): Promise<Record<'email' | 'chat' | 'voice' | 'sms' | 'social' | 'shop', number>> {
  const box = createSecretBox(undefined);
  const add = async (
    channel: 'email' | 'chat' | 'voice' | 'sms' | 'social' | 'shop',
    provider: 'smtp' | 'widget' | 'twilio' | 'meta' | 'shop',
    displayName: string,
    address: string,
  ) =>
    (
      await createChannelAccount(
        unit,
        box,
        { channel, provider, displayName, address, teamId },
        systemActor,
      )
    ).id;
  return {
    email: await add('email', 'smtp', 'Care mailbox', 'care@test.rapport'),
    chat: await add('chat', 'widget', 'Website chat', 'test-widget'),
    voice: await add('voice', 'twilio', 'Care line', '+33140000000'),
    sms: await add('sms', 'twilio', 'Care texts', '+33140000000'),
    social: await add('social', 'meta', 'Facebook page', '100000000000009'),
    shop: await add('shop', 'shop', 'Shop desk', 'test-shop'),
  };
}
