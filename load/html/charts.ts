import { escapeHtml } from './escape';

/**
 * Inline SVG charts for the report page: no script and no library, so a report opens offline, in a mail client's
 * preview or on a phone. Each chart scales to its container's width through its viewBox.
 */

export interface LineSeries {
  name: string;
  points: [number, number][];
}

const WIDTH = 640;
const HEIGHT = 300;
const MARGIN = { left: 64, right: 16, top: 12, bottom: 48 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Colour-blind-safe (Okabe–Ito), its black made grey so that a seventh line still shows on a dark background. */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
];

/** A tick label short enough for a narrow axis: 12000 → 12k, 0.25 → 0.25. */
export function tickLabel(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3)}k`;
  return trim(value);
}

const trim = (value: number): string => String(Number(value.toPrecision(3)));

/** Round steps (1, 2, 5 × 10ⁿ) from lo to hi, about `count` of them, covering both ends. */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push(Number(t.toFixed(10)));
  if ((ticks[ticks.length - 1] ?? lo) < hi) ticks.push((ticks[ticks.length - 1] ?? lo) + step);
  return ticks;
}

/** Powers of ten covering lo..hi (both > 0), with 2 and 5 between them when the range spans few decades. */
export function logTicks(lo: number, hi: number): number[] {
  const from = Math.floor(Math.log10(lo));
  const to = Math.ceil(Math.log10(hi));
  const steps = to - from <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = from; e <= to; e++) for (const m of steps) ticks.push(Number((m * 10 ** e).toPrecision(3)));
  return ticks.filter((t) => t >= 10 ** from && t <= 10 ** to);
}

function frame(title: string, xLabel: string, yLabel: string, body: string): string {
  return [
    `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeHtml(title)}</title>`,
    `<line class="axis" x1="${MARGIN.left}" y1="${MARGIN.top + PLOT_H}" x2="${MARGIN.left + PLOT_W}" y2="${MARGIN.top + PLOT_H}"/>`,
    `<line class="axis" x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + PLOT_H}"/>`,
    body,
    `<text class="axis-label" x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
    `<text class="axis-label" transform="translate(14 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`,
    '</svg>',
  ].join('\n');
}

const empty = (title: string, xLabel: string, yLabel: string): string =>
  frame(
    title,
    xLabel,
    yLabel,
    `<text class="empty" x="${MARGIN.left + PLOT_W / 2}" y="${MARGIN.top + PLOT_H / 2}" text-anchor="middle">no data</text>`,
  );

const px = (n: number): string => n.toFixed(1);

/** Lines over a shared x axis; on a log y axis, points at or below zero cannot be drawn and are left out. */
export function lineChart(input: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  logY?: boolean;
}): string {
  const { title, xLabel, yLabel, logY } = input;
  const series = input.series.map((s) => ({
    name: s.name,
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0)),
  }));
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return empty(title, xLabel, yLabel);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  // Whole-number x (turns, steps): no tick at 1.5.
  const wholeX = xs.every(Number.isInteger);
  const xTicks = linearTicks(Math.min(...xs), Math.max(...xs)).filter(
    (t, i, all) => !wholeX || Number.isInteger(t) || i === 0 || i === all.length - 1,
  );
  const yTicks = logY
    ? logTicks(Math.min(...ys), Math.max(...ys))
    : linearTicks(Math.min(0, ...ys), Math.max(...ys));
  const [x0 = 0, x1 = 1] = [xTicks[0], xTicks[xTicks.length - 1]];
  const [y0 = 0, y1 = 1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const scaleX = (x: number): number =>
    MARGIN.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * PLOT_W : PLOT_W / 2);
  const toY = (y: number): number => (logY ? Math.log10(y) : y);
  const [ly0, ly1] = [toY(y0), toY(y1)];
  const scaleY = (y: number): number =>
    MARGIN.top + PLOT_H - (ly1 > ly0 ? ((toY(y) - ly0) / (ly1 - ly0)) * PLOT_H : PLOT_H / 2);

  const parts: string[] = [];
  for (const t of yTicks)
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" y1="${px(scaleY(t))}" x2="${MARGIN.left + PLOT_W}" y2="${px(scaleY(t))}"/>`,
      `<text class="tick" x="${MARGIN.left - 6}" y="${px(scaleY(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`,
    );
  for (const t of xTicks)
    parts.push(
      `<text class="tick" x="${px(scaleX(t))}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle">${tickLabel(t)}</text>`,
    );
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length] ?? '#000';
    const coords = s.points.map(([x, y]) => `${px(scaleX(x))},${px(scaleY(y))}`);
    if (coords.length > 1)
      parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${coords.join(' ')}"/>`);
    // Dots where there are few points, so a one-point series (a sweep of one step) still shows.
    if (coords.length <= 40)
      for (const c of coords) {
        const [cx, cy] = c.split(',');
        parts.push(
          `<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}"><title>${escapeHtml(s.name)}</title></circle>`,
        );
      }
  });
  return frame(title, xLabel, yLabel, parts.join('\n')) + legend(series.map((s) => s.name));
}

function legend(names: string[]): string {
  const items = names.map(
    (name, i) =>
      `<li><span class="swatch" style="background:${PALETTE[i % PALETTE.length] ?? '#000'}"></span>${escapeHtml(name)}</li>`,
  );
  return `<ul class="legend">${items.join('')}</ul>`;
}

/** Vertical bars from zero; labels thin out when there are too many to read. */
export function barChart(input: {
  title: string;
  xLabel: string;
  yLabel: string;
  bars: { label: string; value: number }[];
}): string {
  const { title, xLabel, yLabel } = input;
  const bars = input.bars.filter((b) => Number.isFinite(b.value));
  if (bars.length === 0) return empty(title, xLabel, yLabel);
  const yTicks = linearTicks(
    Math.min(0, ...bars.map((b) => b.value)),
    Math.max(0, ...bars.map((b) => b.value)),
  );
  const [y0 = 0, y1 = 1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const scaleY = (y: number): number => MARGIN.top + PLOT_H - (y1 > y0 ? ((y - y0) / (y1 - y0)) * PLOT_H : 0);
  const slot = PLOT_W / bars.length;
  const every = Math.ceil(bars.length / 10);
  const parts: string[] = [];
  for (const t of yTicks)
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" y1="${px(scaleY(t))}" x2="${MARGIN.left + PLOT_W}" y2="${px(scaleY(t))}"/>`,
      `<text class="tick" x="${MARGIN.left - 6}" y="${px(scaleY(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`,
    );
  bars.forEach((bar, i) => {
    const x = MARGIN.left + i * slot + slot * 0.1;
    const top = Math.min(scaleY(bar.value), scaleY(0));
    const height = Math.abs(scaleY(bar.value) - scaleY(0));
    parts.push(
      `<rect x="${px(x)}" y="${px(top)}" width="${px(slot * 0.8)}" height="${px(height)}" fill="${PALETTE[0]}">` +
        `<title>${escapeHtml(bar.label)}: ${tickLabel(bar.value)}</title></rect>`,
    );
    if (i % every === 0)
      parts.push(
        `<text class="tick" x="${px(x + slot * 0.4)}" y="${MARGIN.top + PLOT_H + 16}" text-anchor="middle">${escapeHtml(bar.label)}</text>`,
      );
  });
  return frame(title, xLabel, yLabel, parts.join('\n'));
}
