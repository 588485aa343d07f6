/** @jsxImportSource preact */
/**
 * The website chat widget's entry: `<script src="https://<rapport>/widget.js" data-account="<key>"
 * defer>`. Finds its own tag, waits for the body, and renders into a shadow root of its own, styled
 * only by widget.css (a <link>, so a strict CSP needs no 'unsafe-inline').
 */
import { render } from 'preact';
import { accentColours } from './chat-state.ts';
import { ChatController } from './chat-controller.ts';
import { readEmbed } from './embed.ts';
import { App } from './app.tsx';
import { stringsFor } from './strings.ts';
import './widget.css';

declare const __WIDGET_BUILD__: string;

// Read now: document.currentScript is only set while this script runs.
const script = document.currentScript as HTMLScriptElement | null;

function mount(): void {
  const embed = readEmbed(script, window);
  if (!embed) {
    console.warn('Rapport chat: the widget script needs a data-account attribute');
    return;
  }
  const marker = `rapport-chat:${embed.key}`;
  if ((window as unknown as Record<string, unknown>)[marker]) return; // The tag is on the page twice.
  (window as unknown as Record<string, unknown>)[marker] = true;

  // A custom element, placed under <html> rather than <body>: a transform or filter the page puts
  // on <body> would otherwise become the containing block of our fixed position and move us.
  const host = document.createElement('rapport-chat');
  const shadow = host.attachShadow({ mode: 'open' });
  const sheet = document.createElement('link');
  sheet.rel = 'stylesheet';
  sheet.href = new URL(`widget.css?v=${__WIDGET_BUILD__}`, embed.base).href;
  shadow.append(sheet);
  const root = document.createElement('div');
  root.className = 'rc-root';
  shadow.append(root);
  document.documentElement.append(host);

  const chat = new ChatController(embed);
  const href = (path: string) => new URL(path, embed.base).href;
  let language = '';
  chat.subscribe(() => {
    const config = chat.snapshot.config;
    if (!config || config.language === language) return;
    language = config.language;
    // Colours go in through the CSSOM (custom properties), never a style attribute in markup.
    const colours = accentColours(config.colour);
    if (colours) {
      root.style.setProperty('--rc-accent', colours.accent);
      root.style.setProperty('--rc-on-accent', colours.onAccent);
    }
    root.lang = config.language;
    render(<App chat={chat} strings={stringsFor(config.language)} href={href} />, root);
  });
  // Nothing shows until the stylesheet is in, so the page never sees the widget unstyled.
  const started = () => void chat.start();
  if (sheet.sheet) started();
  else {
    sheet.addEventListener('load', started, { once: true });
    sheet.addEventListener('error', started, { once: true });
  }
}

if (document.body) mount();
else document.addEventListener('DOMContentLoaded', mount, { once: true });
