import { escapeHtml } from './escape_html.js';
import { formatRate, formatScore, formatSeconds } from './format.js';
import type { ReportSection, RunReportInput, ScoreSummary } from './types.js';

/** The charts, as standalone SVG documents, that the HTML report inlines. */
export interface ReportCharts {
  learningCurves: string;
  /** Absent when the run has no evaluated split. */
  confusion?: { svg: string; split: 'test' | 'val' };
}

const STYLE = `
:root { color-scheme: light; --fg: #1d2430; --muted: #5b6473; --line: #e3e6eb; --accent: #2171b5; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; word-break: break-word; }
h2 { font-size: 18px; margin: 0 0 12px; }
.sub { color: var(--muted); margin: 0 0 20px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px; margin: 0 0 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(128px, 1fr)); gap: 12px; margin-bottom: 16px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 20px; font-variant-numeric: tabular-nums; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 13px; }
td.num, th.num { text-align: right; }
td.code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; word-break: break-all; }
.bar { position: relative; }
.bar span { position: absolute; left: 0; top: 4px; bottom: 4px; background: #deebf7; border-radius: 2px; z-index: 0; }
.bar b { position: relative; font-weight: normal; z-index: 1; }
figure { margin: 0; overflow-x: auto; }
figure svg { width: 100%; max-width: 860px; height: auto; display: block; margin: 0 auto; }
.empty { color: var(--muted); font-style: italic; }
`;

/**
 * Prefixes every `id` in an SVG document (and the `url(#…)` / `href="#…"` references to it) so
 * that several inlined charts cannot collide, and drops the namespace declarations, which HTML
 * does not need.
 */
function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/\s+xmlns(?::xlink)?="[^"]*"/g, '')
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

function card(key: string, value: string, metric?: string): string {
  const attr = metric === undefined ? '' : ` data-metric="${metric}"`;
  return `<div class="card"><div class="k">${escapeHtml(key)}</div><div class="v"${attr}>${escapeHtml(value)}</div></div>`;
}

function metricsRow(split: 'val' | 'test', section: ReportSection): string {
  const cell = (field: 'accuracy' | 'macro_f1' | 'balanced_accuracy'): string =>
    `<td class="num" data-metric="${split}.${field}">${formatScore(section[field])}</td>`;
  return (
    `<tr><td>${split}</td><td class="num" data-metric="${split}.count">${section.count}</td>` +
    `${cell('accuracy')}${cell('macro_f1')}${cell('balanced_accuracy')}</tr>`
  );
}

function summary(input: RunReportInput): string {
  const headline = input.test ?? input.val;
  const split = input.test !== undefined ? 'test' : 'val';
  const cards = [
    card('backend', input.backend, 'backend'),
    card('train time', formatSeconds(input.train_seconds), 'train_seconds'),
    card('names / s', formatRate(input.train_names_per_s), 'train_names_per_s'),
    card('epochs', String(input.epochs.length)),
    ...(headline === undefined
      ? []
      : [
          card(`${split} accuracy`, formatScore(headline.accuracy)),
          card(`${split} macro-F1`, formatScore(headline.macro_f1)),
          card(`${split} bal. accuracy`, formatScore(headline.balanced_accuracy)),
        ]),
  ];
  const rows = [
    ...(input.val === undefined ? [] : [metricsRow('val', input.val)]),
    ...(input.test === undefined ? [] : [metricsRow('test', input.test)]),
  ];
  const table =
    rows.length === 0
      ? '<p class="empty">No validation or test split was evaluated.</p>'
      : '<table><thead><tr><th>split</th><th class="num">names</th><th class="num">accuracy</th>' +
        '<th class="num">macro-F1</th><th class="num">balanced accuracy</th></tr></thead>' +
        `<tbody>${rows.join('')}</tbody></table>`;
  return `<section id="summary"><h2>Summary</h2><div class="cards">${cards.join('')}</div>${table}</section>`;
}

/** The recurrent network alone, the n-gram head alone and their mixture (the model), per split. */
function ngramSection(input: RunReportInput): string {
  const ngram = input.ngram;
  if (ngram === undefined || ngram === null) return '';
  const rows: string[] = [];
  for (const split of ['val', 'test'] as const) {
    const mixed = input[split];
    const models: [string, string, ScoreSummary | undefined][] = [
      ['recurrent network alone', 'recurrent', ngram.recurrent_only[split]],
      ['n-gram head alone', 'ngram', ngram.ngram_only[split]],
      ['mixture (the saved model)', 'mixture', mixed],
    ];
    for (const [name, key, scores] of models) {
      if (scores === undefined) continue;
      const cell = (field: keyof ScoreSummary): string =>
        `<td class="num" data-metric="ngram.${key}.${split}.${field}">${formatScore(scores[field])}</td>`;
      rows.push(
        `<tr><td>${split}</td><td>${name}</td>${cell('accuracy')}${cell('macro_f1')}${cell('balanced_accuracy')}</tr>`,
      );
    }
  }
  return (
    '<section id="ngram"><h2>N-gram head</h2>' +
    `<p>${ngram.grams.toLocaleString('en-US')} n-grams of 1–${ngram.max_n} characters, fitted in ${ngram.fit_seconds.toFixed(1)} s, ` +
    `mixed in with weight ${ngram.weight}: logits = ${Number((1 - ngram.weight).toFixed(6))}·recurrent + ${ngram.weight}·n-gram. ` +
    'The parts are scored before the logit adjustment, the mixture after it.</p>' +
    '<table><thead><tr><th>split</th><th>model</th><th class="num">accuracy</th><th class="num">macro-F1</th>' +
    `<th class="num">balanced accuracy</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
  );
}

function scoreCell(x: number): string {
  const width = Number.isFinite(x) ? Math.max(0, Math.min(1, x)) * 100 : 0;
  return `<td class="num bar"><span style="width:${width.toFixed(1)}%"></span><b>${formatScore(x)}</b></td>`;
}

function perClassTable(section: ReportSection, split: string): string {
  const rows = section.per_class.map(
    (c) =>
      `<tr><td>${escapeHtml(c.label)}</td>${scoreCell(c.precision)}${scoreCell(c.recall)}${scoreCell(c.f1)}` +
      `<td class="num">${c.support}</td></tr>`,
  );
  return (
    `<section id="per-class"><h2>Per-class metrics (${split})</h2>` +
    '<table><thead><tr><th>label</th><th class="num">precision</th><th class="num">recall</th>' +
    `<th class="num">F1</th><th class="num">support</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
  );
}

function configValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value) ?? String(value);
}

function configTable(config: Record<string, unknown>): string {
  const entries = Object.entries(config);
  const body =
    entries.length === 0
      ? '<p class="empty">No configuration recorded.</p>'
      : '<table><thead><tr><th>key</th><th>value</th></tr></thead><tbody>' +
        entries
          .map(
            ([k, v]) =>
              `<tr><td>${escapeHtml(k)}</td><td class="code">${escapeHtml(configValue(v))}</td></tr>`,
          )
          .join('') +
        '</tbody></table>';
  return `<section id="config"><h2>Configuration</h2>${body}</section>`;
}

/**
 * The self-contained HTML report: inline CSS and inline SVG charts, no scripts and no external
 * requests, every string from the input HTML-escaped.
 */
export function reportHtml(input: RunReportInput, charts: ReportCharts): string {
  const section = input.test ?? input.val;
  const split = input.test !== undefined ? 'test' : 'val';
  const title = escapeHtml(input.title);
  const parts = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title} · charrnn run report</title><style>${STYLE}</style></head><body><main>`,
    `<h1>${title}</h1><p class="sub">charrnn run report · ${input.labels.length} labels</p>`,
    summary(input),
    ngramSection(input),
    `<section id="learning-curves"><h2>Learning curves</h2><figure>${inlineSvg(charts.learningCurves, 'lc')}</figure></section>`,
    charts.confusion === undefined
      ? ''
      : `<section id="confusion"><h2>Confusion matrix (${charts.confusion.split})</h2>` +
        `<figure>${inlineSvg(charts.confusion.svg, 'cm')}</figure></section>`,
    section === undefined ? '' : perClassTable(section, split),
    configTable(input.config),
    '</main></body></html>',
    '',
  ];
  return parts.join('\n');
}
