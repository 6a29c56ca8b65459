import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '@charrnn/core';
import { writeFileAtomic } from '@charrnn/core/node';
import { confusionSpec } from './confusion_chart.js';
import { summarizeConfusion } from './confusion_summary.js';
import { learningCurvesSpec } from './learning_curves.js';
import { perClassCsv } from './per_class_csv.js';
import { renderChartSvg, renderPng } from './render_chart.js';
import { reportHtml, type ReportCharts } from './report_html.js';
import type { ReportSection, RunReportFiles, RunReportInput } from './types.js';

/** Throws unless `confusion` is square with one row and column per label. */
function checkConfusion(labels: readonly string[], section: ReportSection, field: string): void {
  const n = labels.length;
  const rows = section.confusion;
  const bad = rows.findIndex((row) => row.length !== n);
  if (rows.length !== n || bad >= 0) {
    const shape =
      rows.length !== n ? `it has ${rows.length} rows` : `row ${bad} has ${rows[bad]?.length ?? 0} columns`;
    throw new InvalidArgumentError(`expected ${n}×${n} for ${n} labels, but ${shape}`, { field });
  }
}

/**
 * Writes the human-facing report of a training run into `runDir` (created if missing), each file
 * atomically:
 *
 * - `learning-curves.svg` / `.png`: train loss and val accuracy / macro-F1 / balanced accuracy per epoch;
 * - `confusion.svg` / `.png`: row-normalised confusion heatmap of the test split (val if no test);
 *   past `MAX_MATRIX_LABELS` (40) labels, of the labels with the most errors, the rest summed into
 *   one row and column (see `summarizeConfusion`), so the report stays small whatever the labels;
 * - `per-class.csv`: precision, recall, F1 and support per label for the same split;
 * - `report.html`: one self-contained page with the summary, both charts, the per-class table and
 *   the configuration (no scripts, no external requests).
 *
 * The confusion and CSV files are skipped when the input has neither `test` nor `val`.
 *
 * @example
 * ```ts
 * const metrics = JSON.parse(await readFile('runs/x/metrics.json', 'utf8'));
 * await writeRunReport('runs/x', { title: 'runs/x', labels, ...metrics });
 * ```
 */
export async function writeRunReport(runDir: string, input: RunReportInput): Promise<RunReportFiles> {
  const split = input.test !== undefined ? 'test' : 'val';
  const section = input.test ?? input.val;
  if (section !== undefined) checkConfusion(input.labels, section, `${split}.confusion`);
  const dir = path.resolve(runDir);
  await mkdir(dir, { recursive: true });
  const file = (name: string): string => path.join(dir, name);

  const learningCurves = await renderChartSvg(learningCurvesSpec(input.title, input.epochs));
  const files: RunReportFiles = {
    learningCurvesSvg: file('learning-curves.svg'),
    learningCurvesPng: file('learning-curves.png'),
    html: file('report.html'),
  };
  await writeFileAtomic(files.learningCurvesSvg, learningCurves);
  await writeFileAtomic(files.learningCurvesPng, renderPng(learningCurves));

  const charts: ReportCharts = { learningCurves };
  if (section !== undefined) {
    const view = summarizeConfusion(input.labels, section.confusion);
    const shown =
      view.folded === 0
        ? ''
        : ` · the ${view.labels.length - 1} of ${view.total} labels with the most errors, the others summed`;
    const subtitle = `Confusion matrix · ${split} split · ${section.count} names${shown} · colour = share of the true class`;
    const svg = await renderChartSvg(confusionSpec(input.title, subtitle, view.labels, view.confusion));
    files.confusionSvg = file('confusion.svg');
    files.confusionPng = file('confusion.png');
    files.perClassCsv = file('per-class.csv');
    await writeFileAtomic(files.confusionSvg, svg);
    await writeFileAtomic(files.confusionPng, renderPng(svg));
    await writeFileAtomic(files.perClassCsv, perClassCsv(section));
    charts.confusion = { svg, split };
  }

  await writeFileAtomic(files.html, reportHtml(input, charts));
  return files;
}
