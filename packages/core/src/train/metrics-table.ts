/** A metric cell: numbers are formatted, strings printed as they are, missing values as `-`. */
export type MetricCell = number | string | boolean | null | undefined;

/** Options of {@link formatMetricsTable}. */
export interface MetricsTableOptions {
  /** Significant digits for numbers. Default 4. */
  precision?: number;
  /** `'text'` (aligned columns, default) or `'markdown'` (a GitHub table). */
  format?: 'text' | 'markdown';
  /** Columns to show, in order (default: every metric, in first-seen order). */
  columns?: string[];
  /** Header of the first column. Default `'run'` for several rows, `'metric'` for one. */
  rowHeader?: string;
}

/** Formats one number compactly: integers as is, others with `precision` significant digits. */
export function formatMetricValue(v: MetricCell, precision = 4): string {
  if (v === null || v === undefined) return '-';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(Math.max(0, precision - 1));
  return Number(v.toPrecision(precision)).toString();
}

/**
 * Renders final metrics as a table for terminals or reports.
 *
 * - `{ loss: 0.5, 'clip/r@1': 0.8 }` -> two columns, `metric | value`;
 * - `{ baseline: {...}, cal: {...} }` -> one row per run, one column per metric (numbers
 *   right-aligned, missing cells `-`).
 *
 * @example
 * console.log(formatMetricsTable({ sft: { cider: 0.41, chair: 0.12 }, cal: { cider: 0.47, chair: 0.09 } }));
 * // run  cider  chair
 * // sft   0.41   0.12
 * // cal   0.47   0.09
 */
export function formatMetricsTable(data: Record<string, MetricCell> | Record<string, Record<string, MetricCell>>, options: MetricsTableOptions = {}): string {
  const precision = options.precision ?? 4;
  const entries = Object.entries(data);
  const nested = entries.length > 0 && entries.every(([, v]) => v !== null && typeof v === 'object');
  let header: string[];
  let rows: string[][];
  if (nested) {
    const runs = entries as [string, Record<string, MetricCell>][];
    const cols = options.columns ?? [...new Set(runs.flatMap(([, m]) => Object.keys(m)))];
    header = [options.rowHeader ?? 'run', ...cols];
    rows = runs.map(([name, m]) => [name, ...cols.map((c) => formatMetricValue(m[c], precision))]);
  } else {
    const flat = entries as [string, MetricCell][];
    const keys = options.columns ?? flat.map(([k]) => k);
    const map = new Map(flat);
    header = [options.rowHeader ?? 'metric', 'value'];
    rows = keys.map((k) => [k, formatMetricValue(map.get(k), precision)]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const cell = (s: string, i: number) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]));
  if (options.format === 'markdown') {
    const line = (r: string[]) => `| ${r.map(cell).join(' | ')} |`;
    const sep = `|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`;
    return [line(header), sep, ...rows.map(line)].join('\n');
  }
  return [header, ...rows].map((r) => r.map(cell).join('  ').trimEnd()).join('\n');
}
