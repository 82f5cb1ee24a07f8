import { escapeHtml } from './escape-html.js';
import type { ChartSpec } from './chart-series.js';
import type { ReportEnvironment } from './environment.js';
import type { RecordedBackend } from './run-folder-data.js';

/** Everything the report page is assembled from (all markup already rendered). */
export interface ReportPage {
  title: string;
  runDir: string;
  summary: Record<string, string>;
  charts: { spec: ChartSpec; svg: string }[];
  /** Image grid markup, or undefined when there are no samples. */
  grid?: string;
  /** A note shown above the grid, or instead of it when there is none. */
  gridNote?: string;
  config: unknown;
  environment: ReportEnvironment;
}

// Inline styles only: the page must render the same offline, from a file:// URL, with no requests.
const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#111827;color:#f9fafb;padding:16px 24px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#d1d5db;font-size:12px;word-break:break-all}
main{padding:8px 24px 32px;max-width:1400px}
section{margin-top:20px}
h2{font-size:16px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.summary{display:flex;flex-wrap:wrap;gap:8px}
.summary div{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:6px 10px}
.summary b{display:block;font-size:11px;color:#6b7280;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure.chart{margin:0;background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:4px}
.grid{display:flex;flex-wrap:wrap;gap:12px}
figure.sample{margin:0;background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:6px;width:206px}
.frame{position:relative}
.frame img{display:block;image-rendering:pixelated}
.frame svg.word-points{position:absolute;left:0;top:0}
figcaption{font-size:12px;margin-top:4px}
.reference{color:#6b7280;margin-top:2px}
pre{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:10px;overflow:auto;font-size:12px}
table{border-collapse:collapse;background:#fff}
td,th{border:1px solid #e5e7eb;padding:3px 8px;text-align:left;font-size:12px}
.note{color:#6b7280}
`;

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

function chartsOf(charts: ReportPage['charts'], group: ChartSpec['group']): string {
  const own = charts.filter((c) => c.spec.group === group);
  if (!own.length) return '<p class="note">nothing logged</p>';
  return `<div class="charts">${own.map((c) => `<figure class="chart" id="chart-${escapeHtml(c.spec.id)}" data-title="${escapeHtml(c.spec.title)}">${c.svg}</figure>`).join('\n')}</div>`;
}

function nativeLine(n: RecordedBackend['native']): string {
  if (!n) return 'not recorded';
  return n.active ? `@vlalign/native active${n.gemm ? ` (GEMM: ${n.gemm})` : ''}` : `not active: ${n.reason ?? 'unknown reason'}`;
}

function environmentTable(env: ReportEnvironment): string {
  const b = env.backend;
  const rows: [string, string][] = [
    ['backend', b ? `${b.name ?? '?'} (tfjs-core ${b.version ?? '?'}), threads ${b.threads || 'auto'}, SIMD ${b.simd ? 'yes' : 'no'}` : 'not recorded'],
    ['native kernels', nativeLine(b?.native)],
    ['node', `${env.node} (${env.platform})`],
    ...Object.entries(env.versions),
    ['report written', env.generatedAt],
  ];
  return `<table><tbody>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
}

/** Assembles the self-contained report page (no scripts, no external resources). */
export function renderReportHtml(page: ReportPage): string {
  const summary = Object.entries(page.summary)
    .map(([k, v]) => `<div><b>${escapeHtml(k)}</b>${escapeHtml(v)}</div>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.runDir)}</p></header>
<main>
${section('summary', 'Summary', `<div class="summary">${summary}</div>`)}
${section('losses', 'Losses', chartsOf(page.charts, 'loss'))}
${section('optimizer', 'Optimiser', chartsOf(page.charts, 'optimizer'))}
${section('eval', 'Evaluation', chartsOf(page.charts, 'eval'))}
${section('samples', 'Test images', page.grid ? `${page.gridNote ? `<p class="note">${escapeHtml(page.gridNote)}</p>` : ''}${page.grid}` : `<p class="note">${escapeHtml(page.gridNote ?? 'no samples')}</p>`)}
${section('config', 'Config', `<pre>${escapeHtml(JSON.stringify(page.config, null, 2))}</pre>`)}
${section('environment', 'Environment', environmentTable(page.environment))}
</main>
</body>
</html>
`;
}
