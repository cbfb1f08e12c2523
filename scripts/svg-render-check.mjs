#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Renders the training chart SVG (and the HTML report that embeds it) in headless Chromium
// (Debian's /usr/bin/chromium) to PNG, decodes the PNG with pngjs and checks that every curve
// is drawn: pixels of each series' colour in each panel's plot area, spread along the whole
// epoch axis. A copy of the chart with its curves removed must show none (the check can fail).
//
//   node scripts/svg-render-check.mjs        (after npm run build; run by .ci/run)
//
// The charts come from the built code: one from a synthetic history, one written by a real
// `fastprop train` run on a small CSV.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { CHART_HEIGHT, historySvg, PANEL_WIDTH, plotArea, TRAIN_COLOR, VALIDATION_COLOR } from '../dist/cli/chart-svg.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'fastprop-svg-check-'));
let failures = 0;

function fail(message) {
  console.log(`FAIL ${message}`);
  failures++;
}

/** Screenshots a file in headless Chromium; returns the decoded PNG. */
function render(file, width, height) {
  const png = join(work, `${file.split('/').pop()}.png`);
  const profile = mkdtempSync(join(work, 'profile-'));
  const result = spawnSync(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--force-device-scale-factor=1',
    `--user-data-dir=${profile}`, `--screenshot=${png}`, `--window-size=${width},${height}`, `file://${file}`,
  ], { encoding: 'utf8', timeout: 90_000 });
  if (!existsSync(png)) throw new Error(`chromium wrote no screenshot (status ${result.status}): ${result.stderr}`);
  return PNG.sync.read(readFileSync(png));
}

const hex = (color) => [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));

/** Pixels within `tolerance` of `color` per channel, in the rectangle, and the x columns they fall in. */
function find(image, color, { x0, y0, x1, y1 }, tolerance = 40) {
  const [r, g, b] = hex(color);
  const columns = new Set();
  let count = 0;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(image.height, Math.ceil(y1)); y++) {
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(image.width, Math.ceil(x1)); x++) {
      const i = (y * image.width + x) * 4;
      if (Math.abs(image.data[i] - r) <= tolerance && Math.abs(image.data[i + 1] - g) <= tolerance && Math.abs(image.data[i + 2] - b) <= tolerance) {
        count++;
        columns.add(x);
      }
    }
  }
  return { count, columns };
}

/**
 * Checks a rendered chart: in each panel, each series colour must cover every one of 8 bins of
 * the epoch axis. The legend (a 126-pixel strip at the right of the plot) is left out.
 */
function checkChart(name, image, panels, series, expectCurves = true) {
  for (let p = 0; p < panels; p++) {
    const area = plotArea(p);
    const plot = { x0: area.x0 + 2, y0: area.y0, x1: area.x1 - 130, y1: area.y1 - 1 };
    for (const [label, color] of series) {
      const { count, columns } = find(image, color, plot);
      const bins = 8;
      const width = (plot.x1 - plot.x0) / bins;
      const covered = Array.from({ length: bins }, (_, b) => [...columns].some((x) => x >= plot.x0 + b * width && x < plot.x0 + (b + 1) * width)).filter(Boolean).length;
      console.log(`${name}: panel ${p + 1}, ${label} (${color}): ${count} pixels, ${covered}/${bins} bins of the epoch axis`);
      if (expectCurves && (count < 100 || covered < bins)) fail(`${name}: the ${label} curve of panel ${p + 1} is not drawn across the plot`);
      if (!expectCurves && count > 0) fail(`${name}: ${count} pixels of ${label} colour with no curves drawn (the check cannot tell)`);
    }
  }
}

const SERIES = [['train', TRAIN_COLOR], ['validation', VALIDATION_COLOR]];
try {
  // 1. A synthetic history: loss falling, accuracy rising, validation a little worse.
  const epochs = 25;
  const loss = Array.from({ length: epochs }, (_, e) => 2 * Math.exp(-e / 6) + 0.05);
  const history = {
    loss, valLoss: loss.map((v, e) => v * 1.15 + 0.02 * Math.sin(e)),
    accuracy: loss.map((v) => 1 - v / 2.2), valAccuracy: loss.map((v) => 0.98 - v / 2.1),
    learningRate: loss.map(() => 0.001), seconds: loss.map(() => 1),
  };
  const svg = historySvg(history, 'synthetic');
  writeFileSync(join(work, 'synthetic.svg'), svg);
  const started = performance.now();
  checkChart('synthetic.svg', render(join(work, 'synthetic.svg'), 2 * PANEL_WIDTH, CHART_HEIGHT), 2, SERIES);
  console.log(`(one Chromium screenshot: ${((performance.now() - started) / 1000).toFixed(1)} s)`);

  // 2. The negative control: the same chart without its curves and markers.
  const bare = svg.replace(/<polyline class="curve"[^>]*\/>\n?/g, '').replace(/<circle [^>]*\/>\n?/g, '');
  writeFileSync(join(work, 'bare.svg'), bare);
  checkChart('bare.svg (no curves)', render(join(work, 'bare.svg'), 2 * PANEL_WIDTH, CHART_HEIGHT), 2, SERIES, false);

  // 3. A real run: `fastprop train` on a small CSV writes the SVG and the HTML report.
  const rows = ['x1,x2,label'];
  let seed = 5;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 300; i++) {
    const a = rnd() * 2 - 1;
    const b = rnd() * 2 - 1;
    rows.push(`${a.toFixed(3)},${b.toFixed(3)},${a * b > 0 ? 'same' : 'opposite'}`);
  }
  writeFileSync(join(work, 'quadrants.csv'), `${rows.join('\n')}\n`);
  const train = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'train', '--csv', 'quadrants.csv', '--label', 'label', '--categorical',
    '--layers', '16,16', '--activation', 'tanh', '--epochs', '40', '--lr', '0.01', '--quiet', '--out', 'run.fprop'], { cwd: work, encoding: 'utf8' });
  if (train.status !== 0) throw new Error(`fastprop train failed: ${train.stderr}`);
  checkChart('run.svg (fastprop train)', render(join(work, 'run.svg'), 2 * PANEL_WIDTH, CHART_HEIGHT), 2, SERIES);

  // 4. The HTML report embeds the chart: the curves must show in the page too.
  const page = render(join(work, 'run.html'), 1100, 1000);
  for (const [label, color] of SERIES) {
    const { count, columns } = find(page, color, { x0: 0, y0: 0, x1: page.width, y1: page.height });
    console.log(`run.html: ${label} (${color}): ${count} pixels over ${columns.size} columns`);
    if (count < 200 || columns.size < 300) fail(`run.html: the ${label} curves are not drawn in the report`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures) {
  console.log(`svg render check: ${failures} failure(s)`);
  process.exit(1);
}
console.log('svg render check: every curve is drawn');
