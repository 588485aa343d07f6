/**
 * What the company's page told the widget: the account key and where Rapport is (from the script
 * tag itself), and who is signed in (the tag's data-user-* attributes or `window.RapportChat`).
 */

/** The signed-in user of the company's site, when it verifies identity. */
export interface Identity {
  readonly userId?: string | undefined;
  readonly userHash?: string | undefined;
  readonly name?: string | undefined;
  readonly email?: string | undefined;
}

export interface Embed {
  /** The chat account's key (`data-account`). */
  readonly key: string;
  /** Rapport's base address: the folder the script was loaded from (`https://rapport.example/`). */
  readonly base: URL;
  readonly identity: Identity;
}

declare global {
  interface Window {
    RapportChat?: {
      readonly userId?: string;
      readonly userHash?: string;
      readonly name?: string;
      readonly email?: string;
    };
  }
}

const text = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined;

/**
 * Reads the embed from the script element running now. `document.currentScript` is set while a
 * classic script runs, whether in <head> or <body>, with defer or async; when it is not (a loader
 * that injects the tag), the first script naming widget.js with a data-account stands in.
 */
export function readEmbed(script: HTMLScriptElement | null, win: Window): Embed | null {
  const element =
    script ??
    win.document.querySelector<HTMLScriptElement>('script[data-account][src*="widget.js"]');
  if (!element?.src) return null;
  const key = text(element.dataset.account, 200);
  if (!key) return null;
  const base = new URL('.', element.src);
  const fromPage = win.RapportChat ?? {};
  const identity: Identity = {
    userId: text(element.dataset.userId, 200) ?? text(fromPage.userId, 200),
    userHash: text(element.dataset.userHash, 200) ?? text(fromPage.userHash, 200),
    name: text(element.dataset.userName, 200) ?? text(fromPage.name, 200),
    email: text(element.dataset.userEmail, 320) ?? text(fromPage.email, 320),
  };
  return { key, base, identity };
}
