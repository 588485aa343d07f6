/** The display board's entry: /board/<shop> (`?hold=<ms>`: how long each call holds the headline). */
import { createRoot } from 'react-dom/client';
import { BoardApp, boardShopOfPath } from './board-app.tsx';
import './board.css';

const shop = boardShopOfPath(window.location.pathname);
const hold = Number(new URLSearchParams(window.location.search).get('hold'));
const root = createRoot(document.getElementById('root')!);
root.render(
  shop === null ? (
    <main className="board">
      <p className="now-label">This board is not set up</p>
    </main>
  ) : (
    <BoardApp shop={shop} {...(hold >= 300 && hold <= 20_000 ? { holdMs: hold } : {})} />
  ),
);
