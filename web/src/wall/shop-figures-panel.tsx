import { useCallback, useEffect, useState } from 'react';
import { api, messageOf } from '../api.ts';
import { useLiveRefresh } from '../live.ts';
import { duration } from '../format.ts';
import type {
  ShopFigureCells,
  ShopFigures,
  ShopFiguresWall,
} from '../../../src/api-types/shop-floor.ts';
import { BarChart } from './charts.tsx';

const ms = (value: number | null) => (value === null ? '—' : duration(value));

/** The cells of a figures row, in the order of the table heads below. */
function Cells({ f }: { f: ShopFigureCells }) {
  return (
    <>
      <td>
        {f.waiting}
        {f.longestWaitingMs !== null && <small> (longest {duration(f.longestWaitingMs)})</small>}
      </td>
      <td>{ms(f.averageWaitMs)}</td>
      <td>{ms(f.p90WaitMs)}</td>
      <td>{ms(f.averageServiceMs)}</td>
      <td>{f.served}</td>
      <td>{f.noShows}</td>
    </>
  );
}

const heads = [
  'Waiting now',
  'Average wait',
  '90% waited less than',
  'Average service',
  'Served',
  'No-shows',
];

/**
 * The shops on the wall: for each shop's own today, who waits now, how long waits and services
 * took (average and 90th percentile), served and no-shows; per service and hour on a shop's drill.
 */
export function ShopFiguresPanel() {
  const [figures, setFigures] = useState<ShopFiguresWall | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [drill, setDrill] = useState<number | null>(null);
  const load = useCallback(() => {
    api<ShopFiguresWall>('/api/insights/shop-figures').then(
      (f) => {
        setFigures(f);
        setError(null);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);
  useEffect(() => {
    load();
    // Waits grow even when nothing happens.
    const timer = window.setInterval(load, 15_000);
    return () => window.clearInterval(timer);
  }, [load]);
  useLiveRefresh(
    (event) => event.type.startsWith('shop.ticket') || event.type.startsWith('shop.appointment'),
    load,
    400,
  );

  if (error && !figures) return <p role="alert">{error}</p>;
  if (!figures) return <p>Loading the shops…</p>;
  const open = figures.shops.find((s) => s.shopId === drill);
  return (
    <section className="wall-shops" aria-labelledby="wall-shops-title">
      <h2 id="wall-shops-title">Shops today</h2>
      {figures.shops.length === 0 ? (
        <p>No shop yet.</p>
      ) : (
        <table className="figures shop-figures">
          <caption>
            Each shop’s own day, in its time zone — choose one for services and hours
          </caption>
          <thead>
            <tr>
              <th scope="col">Shop</th>
              {heads.map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {figures.shops.map((s) => (
              <tr key={s.shopId} data-shop={s.shopId}>
                <th scope="row">
                  <button
                    type="button"
                    aria-expanded={drill === s.shopId}
                    onClick={() => setDrill(drill === s.shopId ? null : s.shopId)}
                  >
                    {s.name}
                  </button>
                  <br />
                  <small>
                    {s.day} ({s.timeZone})
                  </small>
                </th>
                <Cells f={s.total} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <ShopDrill shop={open} />}
    </section>
  );
}

function ShopDrill({ shop }: { shop: ShopFigures }) {
  const maxHour = Math.max(1, ...shop.hours.map((h) => h.served + h.noShows + h.waiting));
  return (
    <div className="shop-drill" data-testid={`shop-drill-${shop.shopId}`}>
      <table className="figures">
        <caption>{shop.name} by service</caption>
        <thead>
          <tr>
            <th scope="col">Service</th>
            {heads.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shop.services.map((s) => (
            <tr key={s.serviceId} data-service={s.serviceId}>
              <th scope="row">
                {s.ticketPrefix} · {s.name}
              </th>
              <Cells f={s} />
            </tr>
          ))}
        </tbody>
      </table>
      {shop.hours.length > 0 && (
        <figure>
          <figcaption>
            {shop.name} by hour ({shop.timeZone}): served · no-shows (red) · waiting
          </figcaption>
          <BarChart
            title={`${shop.name} by hour`}
            max={maxHour}
            bars={shop.hours.map((h) => ({
              label: `${String(h.hour).padStart(2, '0')}:00`,
              value: h.served + h.noShows + h.waiting,
              part: h.noShows,
              text: `${h.served} · ${h.noShows} · ${h.waiting}`,
            }))}
          />
        </figure>
      )}
      <table className="figures">
        <caption>{shop.name} by hour</caption>
        <thead>
          <tr>
            <th scope="col">Hour</th>
            {heads.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shop.hours.map((h) => (
            <tr key={h.hour} data-hour={h.hour}>
              <th scope="row">
                {String(h.hour).padStart(2, '0')}:00–{String(h.hour + 1).padStart(2, '0')}:00
              </th>
              <Cells f={h} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
