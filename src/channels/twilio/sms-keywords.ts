/**
 * The keywords carriers require an SMS number to honour (CTIA; Twilio's own opt-out handling uses
 * the same lists): the whole message, trimmed, any case, with trailing punctuation ignored.
 */
export const optOutKeywords = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
export const optInKeywords = ['START', 'YES', 'UNSTOP'] as const;
export const helpKeywords = ['HELP', 'INFO'] as const;

export type SmsKeyword = 'opt-out' | 'opt-in' | 'help';

/** The keyword a text is, or undefined for an ordinary message ("stop sending me the wrong parcel" is one). */
export function smsKeywordOf(body: string): SmsKeyword | undefined {
  const word = body
    .trim()
    .replace(/[.!?]+$/, '')
    .toUpperCase();
  if ((optOutKeywords as readonly string[]).includes(word)) return 'opt-out';
  if ((optInKeywords as readonly string[]).includes(word)) return 'opt-in';
  if ((helpKeywords as readonly string[]).includes(word)) return 'help';
  return undefined;
}

/** What Rapport answers to each keyword when it, not Twilio, answers them (`optOutReplies: rapport`). */
export function keywordReply(keyword: SmsKeyword, displayName: string, helpText?: string): string {
  switch (keyword) {
    case 'opt-out':
      return `${displayName}: you will get no more texts from us. Reply START to text with us again.`;
    case 'opt-in':
      return `${displayName}: you can text with us again. Reply STOP to stop, HELP for help.`;
    case 'help':
      return (
        helpText ??
        `${displayName}: reply to this number to reach a person. Reply STOP to stop texts. Msg & data rates may apply.`
      );
  }
}
