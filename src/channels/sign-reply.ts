/** A reply as it leaves: with the advisor's name below it when its account signs replies (pure). */
export function signReply(
  reply: { readonly text: string; readonly html?: string | undefined },
  advisorName: string,
  account: { readonly signature: boolean },
): { text: string; html?: string } {
  if (!account.signature) return { text: reply.text, ...(reply.html ? { html: reply.html } : {}) };
  const escaped = advisorName.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    text: `${reply.text}\n\n— ${advisorName}`,
    ...(reply.html ? { html: `${reply.html}<p>— ${escaped}</p>` } : {}),
  };
}
