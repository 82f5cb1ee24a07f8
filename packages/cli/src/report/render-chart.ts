import * as echarts from 'echarts';
import type { ChartSpec } from './chart-series.js';

/** Size of a rendered chart in CSS pixels. */
export interface ChartSize {
  width: number;
  height: number;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#854d0e', '#475569'];

/**
 * Renders a chart to an SVG string with Apache ECharts' server-side SVG renderer (no DOM, no
 * canvas, no fonts or scripts to load: the result is static markup that can be inlined in HTML).
 *
 * The namespace declarations ECharts writes (`xmlns="http://www.w3.org/2000/svg"`, ...) are dropped:
 * inline `<svg>` in HTML gets its namespace from the parser, and this keeps the report free of any
 * URL, so "it works offline" can be checked by searching the file for `http`.
 */
export function renderChartSvg(spec: ChartSpec, size: ChartSize = { width: 520, height: 300 }): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    const many = spec.series.length > 1;
    chart.setOption({
      animation: false,
      color: PALETTE,
      title: { text: spec.title, left: 'center', top: 4, textStyle: { fontSize: 14, fontWeight: 'bold', color: '#111827' } },
      legend: many ? { type: 'plain', bottom: 0, textStyle: { fontSize: 11 }, itemWidth: 14, itemHeight: 8 } : undefined,
      grid: { left: 64, right: 20, top: 36, bottom: many ? 64 : 40 },
      xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 24, scale: true, minInterval: 1 },
      yAxis: { type: spec.logY ? 'log' : 'value', name: spec.yLabel, scale: true, axisLabel: { formatter: formatTick } },
      series: spec.series.map((s) => ({
        type: 'line',
        name: s.name,
        data: s.points,
        showSymbol: s.points.length <= 30,
        symbolSize: 4,
        lineStyle: { width: 1.5 },
      })),
    });
    return chart.renderToSVGString().replace(/\s+xmlns(:\w+)?="[^"]*"/g, '');
  } finally {
    chart.dispose();
  }
}

function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}
