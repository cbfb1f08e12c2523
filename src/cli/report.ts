// SPDX-License-Identifier: MIT
/**
 * The HTML report `train` writes beside the model: one self-contained page (inline SVG and CSS,
 * nothing fetched) with the chart, the final metrics, the settings and the per-epoch table.
 * @internal
 */
import { escapeXml } from './chart-svg.ts';
import { formatDuration, formatValue, percent } from './common.ts';
import type { RunRecord } from './run-file.ts';

const METRICS = [
  ['loss', 'train loss'], ['accuracy', 'train accuracy'], ['mae', 'train MAE'],
  ['valLoss', 'validation loss'], ['valAccuracy', 'validation accuracy'], ['valMae', 'validation MAE'],
] as const;

function show(key: string, value: number): string {
  return key.toLowerCase().includes('accuracy') ? percent(value) : formatValue(value);
}

/** The report page for a run, embedding its chart. */
export function reportHtml(run: RunRecord, svg: string): string {
  const s = run.settings;
  const final = METRICS.filter(([key]) => run.final[key] !== undefined)
    .map(([key, label]) => `<tr><th>${label}</th><td>${show(key, run.final[key]!)}</td></tr>`);
  const data = run.data.source === 'mnist' ? 'MNIST digits (mnist package)' : `${run.data.source.toUpperCase()} ${run.data.files.join(', ')}`;
  const settings: [string, string][] = [
    ['data', `${data}: ${run.data.trainRows} rows to train, ${run.data.validationRows} to validate`],
    ['network', `${[s.inputSize, ...s.hidden, s.outputs].join('-')} (${s.activation})`],
    ['loss', s.loss],
    ['optimizer', `${s.optimizer}, learning rate ${s.learningRate}${s.momentum !== undefined ? `, momentum ${s.momentum}` : ''}${s.weightDecay !== undefined ? `, weight decay ${s.weightDecay}` : ''}`],
    ['batch size', String(s.batchSize)],
    ['epochs', `${run.history.loss.length} of ${s.epochs}${run.stopped ? ` (${run.stopped})` : ''}`],
    ['normalisation', s.normalize],
    ['seed', String(s.seed)],
    ['backend', `${s.backend} (kernel ${s.kernel}, ${s.threads} thread${s.threads === 1 ? '' : 's'})`],
    ['training time', formatDuration(run.seconds)],
    ['command', run.command],
    ['fastprop', run.fastprop],
  ];
  const keys = METRICS.map(([key]) => key).filter((key) => run.history[key] !== undefined);
  const epochRows = run.history.loss.map((_, i) =>
    `<tr><td>${i + 1}</td>${keys.map((key) => `<td>${show(key, run.history[key]![i]!)}</td>`).join('')}<td>${run.history.seconds[i]!.toFixed(2)}</td></tr>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fastprop training report: ${escapeXml(run.model)}</title>
<style>
  body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif; margin: 2rem auto; max-width: 1000px; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
  .sub { color: #666; margin-top: 0; }
  figure { margin: 1.5rem 0; overflow-x: auto; }
  figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
  table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
  th, td { text-align: left; padding: 0.25rem 0.9rem 0.25rem 0; border-bottom: 1px solid #eee; vertical-align: top; }
  td { font-variant-numeric: tabular-nums; }
  code { font-size: 0.9em; }
</style>
</head>
<body>
<h1>Training report: <code>${escapeXml(run.model)}</code></h1>
<p class="sub">${escapeXml(run.createdAt)} · fastprop ${escapeXml(run.fastprop)}</p>
<figure>
${svg.trim()}
</figure>
<h2>Final metrics</h2>
<table>${final.join('')}</table>
<h2>Settings</h2>
<table>${settings.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('')}</table>
<h2>Per epoch</h2>
<table>
<tr><th>epoch</th>${keys.map((key) => `<th>${METRICS.find(([k]) => k === key)![1]}</th>`).join('')}<th>seconds</th></tr>
${epochRows.join('\n')}
</table>
</body>
</html>
`;
}
