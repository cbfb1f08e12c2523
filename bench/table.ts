// SPDX-License-Identifier: MIT
/**
 * Tables, printed as GitHub Markdown with padded columns, so the same text reads well in a
 * terminal and goes unchanged into bench/RESULTS.md.
 */

export interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Lines printed under the table: what was timed, what is missing and why. */
  readonly notes?: readonly string[];
}

export function renderTable(table: Table): string {
  const widths = table.headers.map((h, c) => Math.max(width(h), ...table.rows.map((r) => width(r[c] ?? ''))));
  const line = (cells: readonly string[]) => `| ${widths.map((w, c) => pad(cells[c] ?? '', w, c)).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [`### ${table.title}`, '', line(table.headers), rule, ...table.rows.map(line), ...(table.notes?.length ? ['', ...table.notes.map((n) => `- ${n}`)] : [])].join('\n');
}

// Code points, not UTF-16 units, so '×' and '≥' count as one column.
function width(text: string): number {
  return [...text].length;
}

// First column left-aligned (labels), the others right-aligned (numbers).
function pad(text: string, w: number, column: number): string {
  const fill = ' '.repeat(w - width(text));
  return column === 0 ? text + fill : fill + text;
}

/** A number with about three significant digits and thousands separators. */
export function num(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : `${num(value)}×`;
}

export function percent(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : `${Math.round(value * 100)}%`;
}

/**
 * A target next to its measured value: "≥ 1.2×: met", "not met", or "n/a" when the other
 * system's figure is missing.
 */
export function verdict(value: number | undefined, goal: string, met: (v: number) => boolean): string {
  if (value === undefined || !Number.isFinite(value)) return `${goal}: n/a`;
  return `${goal}: ${met(value) ? 'met' : 'not met'}`;
}

/** value ÷ other, or undefined when either is missing. */
export function divide(value: number | undefined, other: number | undefined): number | undefined {
  return value === undefined || other === undefined || !(other > 0) ? undefined : value / other;
}
