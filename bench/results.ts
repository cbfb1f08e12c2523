// SPDX-License-Identifier: MIT
/** bench/RESULTS.md: the last full run's tables, with the machine and command that made them. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PATH = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

/** Rewrites RESULTS.md with the printed report; returns its path. */
export function writeResults(report: string, args: readonly string[]): string {
  const command = `npm run bench -- ${args.join(' ')}`;
  const text = [
    '# fastprop benchmark results',
    '',
    `Written by \`${command}\`; regenerate rather than edit. The machine is shared and noisy:`,
    'compare the ratios (every one is computed from figures measured in this same run), not the',
    'absolute figures across machines. How each figure is measured is said under its table and in',
    'the bench/*.ts sources.',
    '',
    report,
    '',
  ].join('\n');
  writeFileSync(PATH, text);
  return PATH;
}
