/** The waits-over-the-day chart as a standalone SVG: mean wait per channel on a log scale, with thresholds. */
import type { WaitSeries } from './simulator.ts';
import type { Channel } from './types.ts';
import { CHANNELS } from './types.ts';

/** One panel of the chart: a title and the series to draw. */
export interface WaitChartPanel {
  title: string;
  series: WaitSeries;
}

const COLORS: Record<Channel, string> = {
  voice: '#1f77b4',
  chat: '#ff7f0e',
  email: '#2ca02c',
  sms: '#9467bd',
  social: '#d62728',
  shop: '#8c564b',
};

const TICKS: ReadonlyArray<[number, string]> = [
  [1, '1 s'],
  [10, '10 s'],
  [60, '1 min'],
  [600, '10 min'],
  [3600, '1 h'],
  [4 * 3600, '4 h'],
  [24 * 3600, '24 h'],
];

const WIDTH = 900;
const PANEL_HEIGHT = 320;
const LEFT = 70;
const RIGHT = 130;
const TOP = 40;
const BOTTOM = 40;

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function hourLabel(hour: number): string {
  const whole = Math.floor(hour) % 24;
  const minutes = Math.round((hour - Math.floor(hour)) * 60);
  return `${String(whole).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

function renderPanel(panel: WaitChartPanel, offsetY: number): string {
  const { series } = panel;
  const channels = CHANNELS.filter((channel) => series.channels[channel] !== undefined);
  const buckets = Math.max(1, ...channels.map((channel) => series.channels[channel]?.length ?? 0));
  let maxWait = 60;
  for (const channel of channels) {
    for (const value of series.channels[channel] ?? [])
      if (value !== null && value > maxWait) maxWait = value;
    maxWait = Math.max(maxWait, series.thresholdsSeconds[channel] ?? 0);
  }
  const ticks = TICKS.filter(([seconds]) => seconds <= maxWait * 1.0001);
  const next = TICKS.find(([seconds]) => seconds > maxWait);
  if (next) ticks.push(next);
  const top = ticks[ticks.length - 1]?.[0] ?? maxWait;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = PANEL_HEIGHT - TOP - BOTTOM;
  const x = (bucket: number): number => LEFT + (bucket / buckets) * plotWidth;
  const y = (seconds: number): number => {
    const clamped = Math.min(Math.max(seconds, 1), top);
    return offsetY + TOP + plotHeight - (Math.log10(clamped) / Math.log10(top)) * plotHeight;
  };
  const parts: string[] = [];
  parts.push(
    `<text x="${LEFT}" y="${offsetY + 24}" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`,
  );
  for (const [seconds, label] of ticks) {
    const ty = y(seconds).toFixed(1);
    parts.push(`<line x1="${LEFT}" y1="${ty}" x2="${LEFT + plotWidth}" y2="${ty}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${LEFT - 6}" y="${ty}" font-size="11" text-anchor="end" dominant-baseline="middle">${label}</text>`,
    );
  }
  const hours = (buckets * series.bucketMinutes) / 60;
  const step = hours > 12 ? 2 : 1;
  for (let hour = 0; hour <= hours + 1e-9; hour += step) {
    const tx = x((hour * 60) / series.bucketMinutes).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${y(top)}" x2="${tx}" y2="${y(1)}" stroke="#f0f0f0"/>`);
    parts.push(
      `<text x="${tx}" y="${(y(1) + 16).toFixed(1)}" font-size="11" text-anchor="middle">${hourLabel(series.startHour + hour)}</text>`,
    );
  }
  parts.push(
    `<rect x="${LEFT}" y="${y(top)}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
  );
  channels.forEach((channel, index) => {
    const color = COLORS[channel];
    const values = series.channels[channel] ?? [];
    let path = '';
    let pen = false;
    values.forEach((value, bucket) => {
      if (value === null) {
        pen = false;
        return;
      }
      path += `${pen ? 'L' : 'M'}${x(bucket + 0.5).toFixed(1)},${y(value).toFixed(1)}`;
      pen = true;
    });
    if (path) parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const threshold = series.thresholdsSeconds[channel];
    if (threshold !== undefined) {
      const ty = y(threshold).toFixed(1);
      parts.push(
        `<line x1="${LEFT}" y1="${ty}" x2="${LEFT + plotWidth}" y2="${ty}" stroke="${color}" stroke-dasharray="5,4" opacity="0.6"/>`,
      );
    }
    const ly = offsetY + TOP + 14 + index * 18;
    parts.push(
      `<line x1="${WIDTH - RIGHT + 12}" y1="${ly}" x2="${WIDTH - RIGHT + 36}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
    );
    parts.push(
      `<text x="${WIDTH - RIGHT + 42}" y="${ly}" font-size="12" dominant-baseline="middle">${channel}</text>`,
    );
  });
  parts.push(
    `<text x="${WIDTH - RIGHT + 12}" y="${offsetY + TOP + 14 + channels.length * 18 + 8}" font-size="10" fill="#666">dashed: threshold</text>`,
  );
  return parts.join('\n');
}

/** Renders one or more panels (e.g. Rapport and FCFS) stacked, as a complete SVG document. */
export function renderWaitChart(panels: readonly WaitChartPanel[]): string {
  const height = PANEL_HEIGHT * Math.max(1, panels.length);
  const body = panels.map((panel, index) => renderPanel(panel, index * PANEL_HEIGHT)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    body,
    `<text x="${LEFT}" y="${height - 8}" font-size="11" fill="#666">Mean wait of answered contacts by arrival time (log scale)</text>`,
    `</svg>`,
    '',
  ].join('\n');
}
