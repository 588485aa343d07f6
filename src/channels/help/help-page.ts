/**
 * The help centre's contact page, written on the server from the company's channel accounts: every
 * way to reach us (chat, email, phone and its hours) and the "Ask us to call you back" form, which a
 * small script of this origin sends to `POST /api/help/callbacks` (no inline script or style: the
 * page runs under a strict Content-Security-Policy).
 */
import type { HelpContacts } from './help-centre.ts';
import { furthestAheadDays } from './help-centre.ts';

const escape = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function hoursTable(hours: NonNullable<HelpContacts['hours']>): string {
  const rows = weekdays.map((day, index) => {
    const open = hours.week.filter((h) => h.weekday === index + 1);
    const when =
      open.length === 0 ? 'closed' : open.map((h) => `${h.opens}–${h.closes}`).join(', ');
    return `<tr><th scope="row">${day}</th><td>${escape(when)}</td></tr>`;
  });
  return `<table class="hours"><caption>Phone hours (${escape(hours.zone)} time)</caption><tbody>${rows.join('')}</tbody></table>`;
}

/** The page, for these contacts. */
export function helpPage(contacts: HelpContacts): string {
  const ways: string[] = [];
  if (contacts.chatKey)
    ways.push(
      `<li><h3>Chat</h3><p>Chat with an advisor: the chat button at the bottom of this page opens it.</p></li>`,
    );
  if (contacts.emails.length > 0)
    ways.push(
      `<li><h3>Email</h3><ul>${contacts.emails
        .map(
          (e) =>
            `<li>${escape(e.name)}: <a href="mailto:${escape(e.address)}">${escape(e.address)}</a></li>`,
        )
        .join('')}</ul></li>`,
    );
  if (contacts.phones.length > 0)
    ways.push(
      `<li><h3>Phone</h3><ul>${contacts.phones
        .map(
          (p) =>
            `<li>${escape(p.name)}: <a href="tel:${escape(p.number)}">${escape(p.shown)}</a></li>`,
        )
        .join('')}</ul>${contacts.hours ? hoursTable(contacts.hours) : ''}</li>`,
    );
  const form = contacts.callbacks
    ? `<section aria-labelledby="callback-title" class="callback">
        <h2 id="callback-title">Ask us to call you back</h2>
        <p>Leave your number and we call you: no waiting on hold. You keep your place in line.</p>
        <form id="callback-form" novalidate>
          <div class="field">
            <label for="cb-name">Your name</label>
            <input id="cb-name" name="name" autocomplete="name" required maxlength="120" aria-describedby="cb-name-error">
            <p class="error" id="cb-name-error" hidden></p>
          </div>
          <div class="field">
            <label for="cb-phone">Phone number</label>
            <input id="cb-phone" name="phone" type="tel" autocomplete="tel" required maxlength="40" aria-describedby="cb-phone-hint cb-phone-error">
            <p class="hint" id="cb-phone-hint">With your country code if you are abroad, for example +33 6 12 34 56 78.</p>
            <p class="error" id="cb-phone-error" hidden></p>
          </div>
          <div class="field">
            <label for="cb-time">Preferred time <span class="optional">(optional)</span></label>
            <input id="cb-time" name="preferredTime" type="datetime-local" aria-describedby="cb-time-hint cb-time-error">
            <p class="hint" id="cb-time-hint">${contacts.hours ? 'Within our phone hours, in' : 'In'} the next ${furthestAheadDays} days. Leave it empty to be called as soon as an advisor is free.</p>
            <p class="error" id="cb-time-error" hidden></p>
          </div>
          <div class="field check">
            <input id="cb-consent" name="consent" type="checkbox" required aria-describedby="cb-consent-error">
            <label for="cb-consent">I agree to be called on this number about my request, and that my name and number are kept for it.</label>
            <p class="error" id="cb-consent-error" hidden></p>
          </div>
          <button type="submit">Call me back</button>
        </form>
        <div id="callback-result" role="status" aria-live="polite"></div>
        <noscript><p>This form needs JavaScript. You can call us instead${contacts.phones[0] ? ` on ${escape(contacts.phones[0].shown)}` : ''}.</p></noscript>
      </section>`
    : '';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Help centre: contact us</title>
    <link rel="stylesheet" href="/help/help.css">
    <script src="/help/help.js" defer></script>
    ${contacts.chatKey ? `<script src="/widget.js" data-account="${escape(contacts.chatKey)}" defer></script>` : ''}
  </head>
  <body>
    <header><p class="brand">Help centre</p></header>
    <main>
      <h1>Contact us</h1>
      <p>One conversation, whichever way you choose: the advisor who answers sees what you told us before.</p>
      <section aria-labelledby="ways-title">
        <h2 id="ways-title">Ways to reach us</h2>
        ${ways.length > 0 ? `<ul class="ways">${ways.join('')}</ul>` : '<p>No way to reach us is set up yet.</p>'}
      </section>
      ${form}
    </main>
  </body>
</html>
`;
}

export const helpStyles = `:root { color-scheme: light; --accent: #0b57d0; --ink: #1f2328; --muted: #57606a; --danger: #b3261e; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: var(--ink); background: #f6f8fa; }
header { background: var(--accent); color: #fff; padding: 0.75rem 2rem; }
header .brand { margin: 0; font-weight: 700; font-size: 1.1rem; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem 2rem 6rem; }
h1 { margin-top: 1rem; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 10px; padding: 1rem 1.5rem; margin: 1rem 0; }
.ways { list-style: none; padding: 0; display: grid; gap: 0.5rem 2rem; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); }
.ways h3 { margin: 0.25rem 0; font-size: 1rem; }
.ways ul { padding-left: 1.1rem; margin: 0; }
a { color: var(--accent); }
.hours { border-collapse: collapse; margin-top: 0.5rem; font-size: 0.9rem; }
.hours caption { text-align: left; color: var(--muted); }
.hours th { text-align: left; font-weight: normal; padding-right: 1rem; }
.field { margin: 0.9rem 0; }
.field label { display: block; font-weight: 600; }
.field.check { display: grid; grid-template-columns: auto 1fr; gap: 0.5rem; align-items: start; }
.field.check label { font-weight: normal; }
.field.check .error { grid-column: 1 / -1; }
.optional, .hint { color: var(--muted); font-weight: normal; }
.hint { margin: 0.2rem 0 0; font-size: 0.9rem; }
input[type="text"], input:not([type]), input[type="tel"], input[type="datetime-local"] { font: inherit; padding: 0.45rem 0.6rem; width: min(24rem, 100%); border: 1px solid #8c959f; border-radius: 6px; }
input:focus-visible, button:focus-visible { outline: 3px solid #79a6f6; outline-offset: 2px; }
input[aria-invalid="true"] { border-color: var(--danger); }
input[type="checkbox"] { width: 1.2rem; height: 1.2rem; margin-top: 0.2rem; }
.error { color: var(--danger); margin: 0.2rem 0 0; }
button { font: inherit; font-weight: 600; background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: 0.6rem 1.2rem; cursor: pointer; }
button[disabled] { opacity: 0.6; cursor: progress; }
#callback-result:not(:empty) { margin-top: 1rem; padding: 0.75rem 1rem; border-radius: 6px; background: #dafbe1; border: 1px solid #4ac26b; }
#callback-result.failed { background: #ffebe9; border-color: var(--danger); }
`;

/** The form's script: sends the request as JSON, shows the answer or each field's problem. */
export const helpScript = `(() => {
  const form = document.getElementById('callback-form');
  if (!form) return;
  const result = document.getElementById('callback-result');
  const fields = { name: 'cb-name', phone: 'cb-phone', preferredTime: 'cb-time', consent: 'cb-consent' };
  let key = crypto.randomUUID();
  const clear = () => {
    for (const id of Object.values(fields)) {
      const input = document.getElementById(id);
      input.removeAttribute('aria-invalid');
      const error = document.getElementById(id + '-error');
      error.hidden = true;
      error.textContent = '';
    }
    result.textContent = '';
    result.classList.remove('failed');
  };
  const mark = (field, reason) => {
    const id = fields[field.replace(/^\\//, '')];
    if (!id) return false;
    const input = document.getElementById(id);
    input.setAttribute('aria-invalid', 'true');
    const error = document.getElementById(id + '-error');
    error.textContent = reason.charAt(0).toUpperCase() + reason.slice(1) + '.';
    error.hidden = false;
    return input;
  };
  form.addEventListener('input', () => { key = crypto.randomUUID(); });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear();
    const data = new FormData(form);
    const body = {
      name: String(data.get('name') || '').trim(),
      phone: String(data.get('phone') || '').trim(),
      consent: document.getElementById('cb-consent').checked,
    };
    const time = String(data.get('preferredTime') || '');
    if (time) body.preferredTime = new Date(time).toISOString();
    const missing = [];
    if (!body.name) missing.push(mark('name', 'please give your name'));
    if (!body.phone) missing.push(mark('phone', 'please give the number to call'));
    if (!body.consent) missing.push(mark('consent', 'we call you only if you agree to it'));
    if (missing.length > 0) { missing[0].focus(); return; }
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const answer = await fetch('/api/help/callbacks', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      const reply = await answer.json().catch(() => ({}));
      if (answer.ok) {
        result.textContent = reply.message;
        key = crypto.randomUUID();
        return;
      }
      const first = (reply.errors || []).map((e) => mark(e.field, e.reason)).find(Boolean);
      if (first) first.focus();
      else {
        result.classList.add('failed');
        result.textContent = answer.status === 429
          ? 'Too many requests from here: please try again in a minute.'
          : (reply.detail || 'Something went wrong: please try again, or call us.');
      }
    } catch {
      result.classList.add('failed');
      result.textContent = 'We could not be reached: please check your connection and try again.';
    } finally {
      button.disabled = false;
    }
  });
})();
`;
