import type { MetricsRecord } from '@vlalign/core';

/** One line of a chart: `[step, value]` points in step order. */
export interface ChartSeries {
  name: string;
  points: [number, number][];
}

/** What one report chart shows (rendered by {@link renderChartSvg}). */
export interface ChartSpec {
  /** Stable id, used as the element id in the HTML (`chart-<id>`). */
  id: string;
  title: string;
  /** Which section of the report it belongs to. */
  group: 'loss' | 'optimizer' | 'eval';
  yLabel: string;
  series: ChartSeries[];
  /** Draw the y axis on a log scale (used for the learning rate only when it spans decades). */
  logY?: boolean;
}

/** Options of {@link buildChartSpecs}. */
export interface ChartSpecOptions {
  /** Most points per series; longer series are thinned evenly (first and last kept). Default 1500. */
  maxPoints?: number;
}

const TRAIN_META = new Set(['step', 'time', 'split']);

function numericKeys(rows: readonly MetricsRecord[]): string[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (TRAIN_META.has(k) || seen.has(k) || typeof v !== 'number') continue;
      seen.add(k);
      keys.push(k);
    }
  }
  return keys;
}

// Non-finite values (a diverged loss) are left out of the line rather than breaking the axis scale.
function seriesOf(rows: readonly MetricsRecord[], key: string, maxPoints: number): ChartSeries {
  const points: [number, number][] = [];
  for (const r of rows) {
    const v = r[key];
    if (typeof v === 'number' && Number.isFinite(v)) points.push([r.step, v]);
  }
  return { name: key, points: thin(points, maxPoints) };
}

function thin(points: [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points;
  const out: [number, number][] = [];
  const stride = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * stride)]);
  return out;
}

function slug(s: string): string {
  return s.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'metric';
}

function namespaceOf(key: string): string | undefined {
  const i = key.indexOf('/');
  return i > 0 ? key.slice(0, i) : undefined;
}

/**
 * Turns a run's metrics log into the report's charts:
 *
 * - `Total loss` — the `loss` column of the training rows;
 * - one `<plugin> loss` chart per plugin namespace, with every training metric of that plugin whose
 *   name contains `loss` (e.g. `clip/loss`, `cal/weighted_loss`);
 * - `Learning rate` (`lr`) and `Gradient norm` (`grad_norm`) when logged;
 * - one `Eval: <plugin>` chart per namespace of the eval rows (`split: 'eval'`), one line per metric
 *   (un-namespaced eval metrics go to `Eval: metrics`).
 *
 * Charts without a single finite point are left out.
 */
export function buildChartSpecs(records: readonly MetricsRecord[], options: ChartSpecOptions = {}): ChartSpec[] {
  const maxPoints = options.maxPoints ?? 1500;
  const train = records.filter((r) => r.split !== 'eval');
  const evals = records.filter((r) => r.split === 'eval');
  const trainKeys = numericKeys(train);
  const specs: ChartSpec[] = [];

  if (trainKeys.includes('loss')) specs.push({ id: 'loss', title: 'Total loss', group: 'loss', yLabel: 'loss', series: [seriesOf(train, 'loss', maxPoints)] });
  const plugins = [...new Set(trainKeys.map(namespaceOf).filter((n): n is string => n !== undefined))];
  for (const p of plugins) {
    const keys = trainKeys.filter((k) => namespaceOf(k) === p && k.slice(p.length + 1).includes('loss'));
    if (keys.length) specs.push({ id: `loss-${slug(p)}`, title: `${p} loss`, group: 'loss', yLabel: 'loss', series: keys.map((k) => seriesOf(train, k, maxPoints)) });
  }
  if (trainKeys.includes('lr')) {
    const s = seriesOf(train, 'lr', maxPoints);
    const positive = s.points.map((p) => p[1]).filter((v) => v > 0);
    const logY = positive.length === s.points.length && positive.length > 1 && Math.max(...positive) / Math.min(...positive) > 100;
    specs.push({ id: 'lr', title: 'Learning rate', group: 'optimizer', yLabel: 'lr', series: [s], logY });
  }
  if (trainKeys.includes('grad_norm')) specs.push({ id: 'grad-norm', title: 'Gradient norm', group: 'optimizer', yLabel: 'global norm', series: [seriesOf(train, 'grad_norm', maxPoints)] });

  const evalKeys = numericKeys(evals);
  const evalGroups = new Map<string, string[]>();
  for (const k of evalKeys) {
    const g = namespaceOf(k) ?? 'metrics';
    evalGroups.set(g, [...(evalGroups.get(g) ?? []), k]);
  }
  for (const [g, keys] of evalGroups) {
    specs.push({ id: `eval-${slug(g)}`, title: `Eval: ${g}`, group: 'eval', yLabel: 'value', series: keys.map((k) => seriesOf(evals, k, maxPoints)) });
  }
  return specs.filter((s) => s.series.some((x) => x.points.length > 0));
}
