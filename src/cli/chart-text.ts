// SPDX-License-Identifier: MIT
/**
 * The compact terminal chart printed after training: each panel of the SVG chart (loss, then
 * accuracy or MAE) as a small asciichart line chart, train and validation overlaid (told apart
 * by colour in a terminal), resampled to a readable width when there are few epochs.
 * @internal
 */
import * as asciichart from 'asciichart';
import type { History } from '../train/callbacks.ts';
import { historyPanels } from './chart-svg.ts';

/** asciichart's symbols with the line drawn in dots (corners and axis as usual). */
const DOTTED: [string, string, string, string, string, string, string, string, string, string] = ['┼', '┤', '╶', '╴', '·', '·', '·', '·', '·', '·'];

/**
 * Overlays same-sized plots: each cell takes the first plot's character that is not blank
 * (earlier plots on top); the curve cells get the plot's colour when colours are given.
 */
function overlay(plots: readonly string[], colors: readonly (string | undefined)[]): string {
  const grids = plots.map((p) => p.split('\n').map((line) => [...line]));
  const first = grids[0]!;
  // The label column ends at the axis character of each line; curve cells start after it.
  return first.map((row, r) => {
    const axis = row.findIndex((c) => c === '┤' || c === '┼');
    return row.map((_, c) => {
      for (let g = 0; g < grids.length; g++) {
        const ch = grids[g]![r]?.[c] ?? ' ';
        if (ch === ' ') continue;
        const color = colors[g];
        return c > axis && color ? asciichart.colored(ch, color) : ch;
      }
      return ' ';
    }).join('').trimEnd();
  }).join('\n');
}

/** Linear resampling of a series to `width` points (a 3-epoch run still gets a readable chart). */
function resample(values: readonly number[], width: number): number[] {
  if (values.length === 0) return [];
  if (values.length === 1) return Array.from({ length: width }, () => values[0]!);
  return Array.from({ length: width }, (_, i) => {
    const at = (i / (width - 1)) * (values.length - 1);
    const lo = Math.floor(at);
    const hi = Math.min(values.length - 1, lo + 1);
    return values[lo]! + (values[hi]! - values[lo]!) * (at - lo);
  });
}

/**
 * The history as text: one small chart per panel.
 * @param color - ANSI colours (for a terminal; plain text otherwise).
 */
export function historyText(history: History, color: boolean, height = 6): string {
  const epochs = history.loss.length;
  if (epochs === 0) return '';
  const width = Math.min(60, Math.max(epochs, 40));
  const colors = [asciichart.blue, asciichart.red];
  const blocks: string[] = [];
  for (const panel of historyPanels(history)) {
    const series = panel.series.map((s) => resample(s.values.map((v) => (panel.percent ? v * 100 : v)), width));
    if (series.length === 0 || series.every((s) => s.length === 0)) continue;
    const all = series.flat();
    const span = Math.max(...all) - Math.min(...all);
    const decimals = span === 0 ? 2 : Math.max(0, Math.min(4, 2 - Math.floor(Math.log10(span))));
    // Each series is plotted alone on the same scale and the plots overlaid, the first on top,
    // so the second (validation) can be drawn in dots: told apart without colours too.
    const min = Math.min(...all);
    const max = Math.max(...all);
    const plots = series.map((values, i) => asciichart.plot(values, {
      height, min, max,
      ...(i > 0 ? { symbols: DOTTED } : {}),
      format: (x: number) => `${x.toFixed(decimals)}${panel.percent ? '%' : ''}`.padStart(9),
    }));
    const plot = overlay(plots, color ? colors : []);
    const legend = panel.series
      .map((s, i) => (color ? asciichart.colored(`${i === 0 ? '──' : '··'} ${s.name}`, colors[i]) : `${i === 0 ? '──' : '··'} ${s.name}`))
      .join('   ');
    const title = `${panel.title} per epoch (1 → ${epochs})`;
    blocks.push(`${title}   ${legend}\n${plot}`);
  }
  return blocks.join('\n\n') + '\n';
}
