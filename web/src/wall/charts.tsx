/** Hand-made SVG charts for the wall: each has a text alternative and a data table nearby. */

export interface Bar {
  readonly label: string;
  readonly value: number | null;
  /** A second value drawn inside the bar (e.g. those past the threshold). */
  readonly part?: number;
  /** A tick across the bar (e.g. the service-level target). */
  readonly target?: number;
  readonly text: string;
  /** Drawn in the warning colour (e.g. above the occupancy cap). */
  readonly alert?: boolean;
}

/** Horizontal bars scaled to `max`, one row per channel. */
export function BarChart({
  title,
  bars,
  max,
}: {
  title: string;
  bars: readonly Bar[];
  max: number;
}) {
  const row = 28;
  const labelWidth = 70;
  const width = 360;
  const plot = width - labelWidth - 60;
  const scale = (v: number) => (max > 0 ? (Math.min(v, max) / max) * plot : 0);
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${bars.length * row + 8}`}
      role="img"
      aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.text}`).join(', ')}`}
    >
      {bars.map((bar, i) => {
        const y = i * row + 4;
        return (
          <g key={`${i}-${bar.label}`}>
            <text x={labelWidth - 6} y={y + 15} textAnchor="end" className="chart-label">
              {bar.label}
            </text>
            <rect x={labelWidth} y={y + 3} width={plot} height={row - 10} className="chart-track" />
            {bar.value !== null && (
              <rect
                x={labelWidth}
                y={y + 3}
                width={scale(bar.value)}
                height={row - 10}
                className={bar.alert ? 'chart-bar chart-alert' : 'chart-bar'}
              />
            )}
            {bar.part !== undefined && bar.part > 0 && (
              <rect
                x={labelWidth}
                y={y + 3}
                width={scale(bar.part)}
                height={row - 10}
                className="chart-part"
              />
            )}
            {bar.target !== undefined && (
              <line
                x1={labelWidth + scale(bar.target)}
                x2={labelWidth + scale(bar.target)}
                y1={y}
                y2={y + row - 4}
                className="chart-target"
              />
            )}
            <text x={labelWidth + plot + 6} y={y + 15} className="chart-value">
              {bar.text}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** The parity index as a half-dial from 0 (one channel neglected) to 1 (all alike). */
export function ParityDial({ value }: { value: number | null }) {
  const r = 60;
  const angle = Math.PI * (1 - (value ?? 0));
  const x = 70 + r * Math.cos(angle);
  const y = 70 - r * Math.sin(angle);
  return (
    <svg
      className="dial"
      viewBox="0 0 140 80"
      role="img"
      aria-label={
        value === null ? 'Parity index not measured yet' : `Parity index ${value.toFixed(2)}`
      }
    >
      <path d="M10 70 A60 60 0 0 1 130 70" className="dial-track" />
      {value !== null && (
        <path
          d={`M10 70 A60 60 0 0 1 ${x.toFixed(1)} ${y.toFixed(1)}`}
          className={`dial-value ${value < 0.8 ? 'bad' : 'good'}`}
        />
      )}
      <text x="70" y="66" textAnchor="middle" className="dial-text">
        {value === null ? '—' : value.toFixed(2)}
      </text>
    </svg>
  );
}

/** Arrivals per hour as a tiny column chart. */
export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  const max = Math.max(1, ...values);
  const w = 120;
  const h = 28;
  const step = w / Math.max(1, values.length);
  return (
    <svg
      className="spark"
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label={`${label}: ${values.join(', ')} per hour`}
    >
      {values.map((v, i) => (
        <rect
          key={i}
          x={i * step + 0.5}
          width={Math.max(1, step - 1)}
          y={h - (v / max) * h}
          height={(v / max) * h}
          className="spark-bar"
        />
      ))}
    </svg>
  );
}
