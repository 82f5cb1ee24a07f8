/**
 * The demo's result table: every evaluation metric with the chance or baseline value its plugin
 * reported beside it. Plugins report baselines as companion metrics named `<metric>_chance`,
 * `<metric>_baseline`, `<metric>_centre_baseline` or `<metric>_whole_image`; CAL's weight on visual
 * tokens is compared with its weight on filler tokens.
 */

export interface BaselineRow {
  metric: string;
  value: number;
  baseline?: number;
  /** Which companion metric the baseline came from. */
  baselineName?: string;
  lowerIsBetter: boolean;
  /** Whether `value` beats `baseline` (undefined without a baseline). */
  beats?: boolean;
}

const COMPANION_SUFFIXES = ['_chance', '_baseline', '_centre_baseline', '_whole_image'];
const PAIRED: Record<string, string> = { 'cal/weight_visual': 'cal/weight_filler' };
/** Bookkeeping counts, not results. */
const COUNT = /\/(images|prompts|expressions|tokens|samples|zeroshot_images|adapter_modules|adapter_parameters|trainable_parameters|total_parameters|caption_words)$/;
const LOWER_IS_BETTER = /(l1|rank|_ce$|\/ce$|loss|perplexity|chair)/;

export function metricsWithBaselines(metrics: Record<string, number>): BaselineRow[] {
  const companions = new Set<string>();
  for (const name of Object.keys(metrics)) {
    for (const suffix of COMPANION_SUFFIXES) if (`${name}${suffix}` in metrics) companions.add(`${name}${suffix}`);
    if (PAIRED[name] && PAIRED[name] in metrics) companions.add(PAIRED[name]);
  }
  const rows: BaselineRow[] = [];
  for (const [metric, value] of Object.entries(metrics)) {
    if (companions.has(metric) || COUNT.test(metric)) continue;
    const lowerIsBetter = LOWER_IS_BETTER.test(metric);
    const baselineName = PAIRED[metric] && PAIRED[metric] in metrics ? PAIRED[metric] : COMPANION_SUFFIXES.map((s) => `${metric}${s}`).find((n) => n in metrics);
    const row: BaselineRow = { metric, value, lowerIsBetter };
    if (baselineName) {
      row.baseline = metrics[baselineName];
      row.baselineName = baselineName;
      row.beats = lowerIsBetter ? value < row.baseline : value > row.baseline;
    }
    rows.push(row);
  }
  return rows;
}

function fmt(v: number | undefined): string {
  if (v === undefined) return '';
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(+v.toPrecision(4));
}

/** Formats {@link metricsWithBaselines} rows as an aligned text table. */
export function formatBaselineTable(rows: BaselineRow[]): string {
  const cells = [['metric', 'value', 'chance / baseline', 'beats it'], ...rows.map((r) => [r.metric, fmt(r.value), r.baselineName ? `${fmt(r.baseline)} (${r.baselineName.slice(r.metric.length).replace(/^_/, '') || r.baselineName})` : '', r.beats === undefined ? '' : r.beats ? 'yes' : 'NO'])];
  const widths = cells[0].map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  return cells.map((c) => c.map((v, i) => (i === 1 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}
