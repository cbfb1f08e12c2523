// SPDX-License-Identifier: MIT
/**
 * The training chart as a standalone SVG: two panels side by side, the loss and the metric
 * (accuracy or mean absolute error) per epoch, each with the training and the validation curve,
 * axes with "nice" ticks (1, 2 or 5 × 10ⁿ), grid lines and a legend.
 *
 * Written by hand on purpose: the SVG-chart packages on npm are either browser libraries that
 * need a DOM (d3, chart.js, vega) or small ones that are unmaintained; what we need is about
 * 150 lines of string building, with no dependency to keep up to date. The file uses only
 * generic font families (no web fonts, nothing fetched), so it renders the same offline.
 * @internal
 */
import type { History } from '../train/callbacks.ts';

/** Curve colours (the tests look for these pixels in a rendering of the chart). */
export const TRAIN_COLOR = '#1f77b4';
export const VALIDATION_COLOR = '#e6550d';

export interface ChartSeries {
  readonly name: string;
  readonly values: readonly number[];
  readonly color: string;
  readonly dashed?: boolean;
}

export interface ChartPanel {
  readonly title: string;
  readonly series: readonly ChartSeries[];
  /** Values are fractions shown as percentages on the axis. */
  readonly percent?: boolean;
}

/** Geometry, in SVG user units (pixels at 100% zoom). */
export const PANEL_WIDTH = 480;
export const CHART_HEIGHT = 340;
const MARGIN = { left: 64, right: 18, top: 46, bottom: 48 } as const;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";

/** The plot area of panel `index` (where the curves are), for tests that inspect a rendering. */
export function plotArea(index: number): { x0: number; y0: number; x1: number; y1: number } {
  const left = index * PANEL_WIDTH;
  return { x0: left + MARGIN.left, y0: MARGIN.top, x1: left + PANEL_WIDTH - MARGIN.right, y1: CHART_HEIGHT - MARGIN.bottom };
}

/** The panels for a fit's history: loss, then accuracy or MAE (each with its validation twin, if any). */
export function historyPanels(history: History): ChartPanel[] {
  const panel = (title: string, train: readonly number[] | undefined, validation: readonly number[] | undefined, percent = false): ChartPanel => ({
    title,
    percent,
    series: [
      ...(train ? [{ name: 'train', values: train, color: TRAIN_COLOR }] : []),
      ...(validation ? [{ name: 'validation', values: validation, color: VALIDATION_COLOR, dashed: true }] : []),
    ],
  });
  const panels = [panel('Loss', history.loss, history.valLoss)];
  if (history.accuracy) panels.push(panel('Accuracy', history.accuracy, history.valAccuracy, true));
  else if (history.mae) panels.push(panel('Mean absolute error', history.mae, history.valMae));
  return panels;
}

/** The chart of a fit's history as an SVG document. */
export function historySvg(history: History, title?: string): string {
  return chartSvg(historyPanels(history), title);
}

/** Panels side by side as an SVG document. */
export function chartSvg(panels: readonly ChartPanel[], title?: string): string {
  const width = PANEL_WIDTH * panels.length;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${CHART_HEIGHT}" viewBox="0 0 ${width} ${CHART_HEIGHT}" font-family="${escapeXml(FONT)}" font-size="12">`,
    ...(title ? [`<title>${escapeXml(title)}</title>`] : []),
    `<rect width="${width}" height="${CHART_HEIGHT}" fill="#ffffff"/>`,
    ...panels.map((panel, i) => panelSvg(panel, i)),
    '</svg>',
  ];
  return parts.join('\n') + '\n';
}

function panelSvg(panel: ChartPanel, index: number): string {
  const { x0, y0, x1, y1 } = plotArea(index);
  const epochs = Math.max(1, ...panel.series.map((s) => s.values.length));
  const values = panel.series.flatMap((s) => s.values).filter(Number.isFinite);
  let low = values.length ? Math.min(...values) : 0;
  let high = values.length ? Math.max(...values) : 1;
  if (panel.percent) high = Math.min(1, high);
  if (high - low < 1e-12) {
    const pad = Math.abs(high) * 0.05 || 0.5;
    low -= pad;
    high += pad;
  }
  const yTicks = niceTicks(low, high, 5);
  const yMin = Math.min(low, yTicks[0]!);
  const yMax = Math.max(high, yTicks.at(-1)!);
  const xMin = epochs === 1 ? 0.5 : 1;
  const xMax = epochs === 1 ? 1.5 : epochs;
  const xTicks = niceTicks(1, epochs, Math.min(8, epochs)).filter((t) => Number.isInteger(t) && t >= 1 && t <= epochs);
  const sx = (epoch: number) => x0 + ((epoch - xMin) / (xMax - xMin)) * (x1 - x0);
  const sy = (v: number) => y1 - ((v - yMin) / (yMax - yMin)) * (y1 - y0);
  const f = (n: number) => n.toFixed(1);
  const yLabel = (v: number) => (panel.percent ? `${formatTick(v * 100, yTicks[1]! * 100 - yTicks[0]! * 100)}%` : formatTick(v, yTicks[1]! - yTicks[0]!));

  const out: string[] = [`<g class="panel" id="panel-${index}">`];
  out.push(`<text x="${f((x0 + x1) / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="600" fill="#222">${escapeXml(panel.title)}</text>`);
  // Grid and y ticks.
  for (const t of yTicks) {
    const y = sy(t);
    out.push(`<line x1="${f(x0)}" y1="${f(y)}" x2="${f(x1)}" y2="${f(y)}" stroke="#e6e6e6" stroke-width="1"/>`);
    out.push(`<text x="${f(x0 - 8)}" y="${f(y + 4)}" text-anchor="end" fill="#444">${yLabel(t)}</text>`);
  }
  // X ticks.
  for (const t of xTicks) {
    const x = sx(t);
    out.push(`<line x1="${f(x)}" y1="${f(y1)}" x2="${f(x)}" y2="${f(y1 + 5)}" stroke="#444" stroke-width="1"/>`);
    out.push(`<text x="${f(x)}" y="${f(y1 + 19)}" text-anchor="middle" fill="#444">${t}</text>`);
  }
  out.push(`<text x="${f((x0 + x1) / 2)}" y="${f(y1 + 38)}" text-anchor="middle" fill="#444">epoch</text>`);
  // Axes.
  out.push(`<polyline points="${f(x0)},${f(y0)} ${f(x0)},${f(y1)} ${f(x1)},${f(y1)}" fill="none" stroke="#444" stroke-width="1"/>`);
  // Curves, then markers where there are few enough points to tell apart.
  for (const s of panel.series) {
    const points = s.values.map((v, i) => [sx(i + 1), sy(v)] as const).filter(([, y]) => Number.isFinite(y));
    if (points.length > 1) {
      out.push(
        `<polyline class="curve" data-series="${escapeXml(s.name)}" points="${points.map(([x, y]) => `${f(x)},${f(y)}`).join(' ')}" ` +
          `fill="none" stroke="${s.color}" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"${s.dashed ? ' stroke-dasharray="7 4"' : ''}/>`,
      );
    }
    if (points.length <= 30) {
      for (const [x, y] of points) out.push(`<circle cx="${f(x)}" cy="${f(y)}" r="3.5" fill="${s.color}"/>`);
    }
  }
  // Legend, at the right, in the top or bottom corner, whichever the curves' ends stay away from
  // (loss falls to the bottom right, accuracy climbs to the top right), on a white box.
  const tail = panel.series.flatMap((s) => s.values.slice(Math.floor(s.values.length * 0.6))).filter(Number.isFinite);
  const tailHigh = tail.length > 0 && tail.reduce((a, v) => a + (v - yMin) / (yMax - yMin), 0) / tail.length > 0.5;
  const legendTop = tailHigh ? y1 - 12 - panel.series.length * 18 : y0 + 4;
  out.push(`<rect x="${f(x1 - 126)}" y="${f(legendTop)}" width="120" height="${panel.series.length * 18 + 6}" fill="#ffffff" fill-opacity="0.85"/>`);
  panel.series.forEach((s, i) => {
    const lx = x1 - 118;
    const ly = legendTop + 16 + i * 18;
    out.push(`<line x1="${f(lx)}" y1="${f(ly - 4)}" x2="${f(lx + 26)}" y2="${f(ly - 4)}" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="7 4"' : ''}/>`);
    out.push(`<text x="${f(lx + 32)}" y="${f(ly)}" fill="#222">${escapeXml(s.name)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

/** About `count` evenly spaced round numbers (1, 2 or 5 × 10ⁿ apart) covering [low, high]. */
export function niceTicks(low: number, high: number, count: number): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.floor(low / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t <= high + step * 0.999; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** A tick label with just enough decimals for the tick spacing. */
function formatTick(value: number, step: number): string {
  if (value !== 0 && (Math.abs(value) >= 1e5 || Math.abs(value) < 1e-4)) return value.toExponential(1);
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(Math.abs(step) || 1) + 1e-9)));
  return value.toFixed(decimals);
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
