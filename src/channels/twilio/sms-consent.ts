/** SMS consent by phone number: what STOP / START and Twilio's 21610 change on the customer. */
import type { Unit } from '../../platform/db/writer.ts';
import type { Actor } from '../../platform/events/event.ts';
import { setConsent } from '../../customers/customers.ts';
import { normalisePhone } from '../addresses.ts';

/** Sets SMS consent on every live customer holding this number; answers how many changed. */
export async function setSmsConsentByPhone(
  unit: Unit,
  phone: string,
  sms: boolean,
  region: string,
  actor: Actor,
): Promise<number> {
  let number: string;
  try {
    number = normalisePhone(phone, region);
  } catch {
    return 0;
  }
  const rows = await unit.db
    .selectFrom('identities')
    .innerJoin('customers', 'customers.id', 'identities.customer_id')
    .select(['customers.id', 'customers.merged_into_id', 'customers.consent'])
    .where('identities.kind', '=', 'phone')
    .where('identities.value', '=', number)
    .where('customers.erased_at', 'is', null)
    .execute();
  let changed = 0;
  for (const row of rows) {
    const id = row.merged_into_id ?? row.id;
    const consent = JSON.parse(row.consent) as { sms?: boolean };
    if (row.merged_into_id === null && consent.sms === sms) continue;
    await setConsent(unit, id, { sms }, actor);
    changed++;
  }
  return changed;
}
