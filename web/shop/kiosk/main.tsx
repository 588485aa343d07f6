/** The kiosk page's entry: /kiosk/<shop>. */
import { createRoot } from 'react-dom/client';
import { KioskApp } from './kiosk-app.tsx';
import { shopOfPath } from './kiosk-api.ts';
import './kiosk.css';

const shop = shopOfPath(window.location.pathname);
const root = createRoot(document.getElementById('root')!);
root.render(
  shop === null ? (
    <main className="kiosk">
      <h1>This kiosk is not set up</h1>
    </main>
  ) : (
    <KioskApp shop={shop} />
  ),
);
