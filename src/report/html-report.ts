/**
 * The self-contained HTML report: one file, every chart inlined as SVG, its
 * style inlined, no script and no reference to anything outside the file, so
 * it opens offline and can be mailed. Each chart's figure carries its numbers
 * as JSON (`data-figures`) so a reader, or a test, can check them against the
 * engine's --json.
 */
import { renderChart, type Chart } from './chart.js';

/** One part of the report: a heading, a few key figures, a sentence, charts. */
export interface ReportSection {
  title: string;
  /** Label and value pairs, shown as a small table. */
  rows?: Array<[string, string]>;
  /** Tables with a header row (the fleet's GPU-hours by state, its figures by job size). */
  tables?: Array<{ head: string[]; rows: string[][] }>;
  text?: string;
  charts: Chart[];
}

/** Everything a report shows, already computed and formatted by its caller. */
export interface ReportDocument {
  title: string;
  subtitle: string;
  /** The stated accuracy of the headline prediction, one sentence. */
  accuracy: string;
  /** The scenario as the YAML `--config` reads, so the report can be rerun. */
  scenarioYaml: string;
  /** The sentence before the scenario saying how to rerun it (default: simulate --config scenario.yaml); the serving report shows its command line instead. */
  rerun?: string;
  headline: Array<[string, string]>;
  sections: ReportSection[];
  notModelled: readonly string[];
  /** Which clustertwin wrote it and when (ISO date), for the footer. */
  generatedBy: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text safe inside HTML elements and double- or single-quoted attributes. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1b1f24;margin:0;background:#f6f7f9}
main{max-width:980px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #d0d4da;padding-bottom:4px}
.sub{color:#555;margin:0 0 16px}.acc{background:#eef4ff;border-left:3px solid #3b6fd8;padding:8px 12px;margin:12px 0}
table.kv{border-collapse:collapse;margin:8px 0}table.kv td{padding:2px 16px 2px 0;vertical-align:top}table.kv td:first-child{color:#555}
figure{background:#fff;border:1px solid #e1e4e8;border-radius:6px;margin:12px 0;padding:12px}
figure h3{font-size:15px;margin:0 0 6px}figcaption{color:#555;font-size:13px;margin-top:6px}
figure svg{max-width:100%;height:auto}
pre{background:#fff;border:1px solid #e1e4e8;padding:10px;overflow:auto;font-size:12px}
table.grid{border-collapse:collapse;margin:8px 0;background:#fff}table.grid th,table.grid td{border:1px solid #e1e4e8;padding:3px 10px;text-align:right}table.grid th:first-child,table.grid td:first-child{text-align:left}
footer{color:#777;font-size:12px;margin-top:32px}ul.nm{font-size:12px;color:#555}
`;

const gridTable = (t: { head: string[]; rows: string[][] }): string =>
  `<table class="grid"><thead><tr>${t.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

const kvTable = (rows: Array<[string, string]>): string =>
  `<table class="kv">${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;

function figureHtml(chart: Chart, document: Document): string {
  const svg = renderChart(chart, document).outerHTML;
  return `<figure id="chart-${escapeHtml(chart.id)}" data-chart="${escapeHtml(chart.id)}" data-figures="${escapeHtml(JSON.stringify(chart.figures))}"><h3>${escapeHtml(chart.title)}</h3>${svg}<figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`;
}

/** The report as one HTML file's text. `document` is only used to draw the charts. */
export function reportHtml(doc: ReportDocument, document: Document): string {
  const sections = doc.sections
    .map((s) => `<section><h2>${escapeHtml(s.title)}</h2>${s.rows ? kvTable(s.rows) : ''}${(s.tables ?? []).map(gridTable).join('')}${s.text ? `<p>${escapeHtml(s.text)}</p>` : ''}${s.charts.map((c) => figureHtml(c, document)).join('')}</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(doc.title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(doc.title)}</h1><p class="sub">${escapeHtml(doc.subtitle)}</p>
${kvTable(doc.headline)}
<p class="acc">${escapeHtml(doc.accuracy)}</p>
${sections}
<h2>Scenario</h2><p>${doc.rerun !== undefined ? escapeHtml(doc.rerun) : 'Rerun it with <code>clustertwin simulate --config scenario.yaml</code>:'}</p><pre>${escapeHtml(doc.scenarioYaml)}</pre>
<h2>Not modelled</h2><ul class="nm">${doc.notModelled.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>
<footer>${escapeHtml(doc.generatedBy)}</footer>
</main></body></html>
`;
}
