import type { WaitReason } from '../../../src/api-types/routing.ts';

const clock = (iso: string | null) =>
  iso === null ? '' : new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** Why work waits, in the plain words the queue panel and the wall show. */
export function waitReasonWords(why: WaitReason): string {
  switch (why.code) {
    case 'held_for_advisor':
      return `Held for ${why.advisorName ?? 'the customer’s own advisor'}, the customer’s own advisor, until ${clock(why.until)}`;
    case 'nobody_on_shift':
      return why.teamName
        ? `Nobody from ${why.teamName} is on shift`
        : 'Nobody with the skill is on shift';
    case 'declined':
      return `Declined by ${why.advisorName ?? 'everyone free'}; offered to them again from ${clock(why.until)}`;
    case 'at_capacity':
      return 'Everyone who can take it is at capacity';
    case 'pausing':
      return `Everyone free is pausing (after a hard contact or a missed offer) until ${clock(why.until)}`;
    case 'being_offered':
      return 'Being offered now';
  }
}

export type { WaitReason };
