import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRunReport, type ReportSection, type RunReportFiles, type RunReportInput } from './index.js';

const EVIL = '<script>alert(1)</script>';
const LABELS = ['Arabic', 'B&O "q"', EVIL];

function section(accuracy: number, macroF1: number, balanced: number): ReportSection {
  return {
    accuracy,
    macro_f1: macroF1,
    balanced_accuracy: balanced,
    count: 30,
    per_class: [
      { label: 'Arabic', precision: 0.9, recall: 0.8, f1: 0.847, support: 10 },
      { label: 'B&O "q"', precision: 0.5, recall: 0.6, f1: 0.545, support: 10 },
      { label: EVIL, precision: 0.25, recall: 0.3, f1: 0.273, support: 10 },
    ],
    confusion: [
      [8, 1, 1],
      [2, 6, 2],
      [3, 4, 3],
    ],
  };
}

const INPUT: RunReportInput = {
  title: `run <b>x</b>`,
  labels: LABELS,
  epochs: [
    { epoch: 1, step: 10, loss: 1.2, val_accuracy: 0.4, val_macro_f1: 0.3, val_balanced_accuracy: 0.35 },
    { epoch: 2, step: 20, loss: 0.9, val_accuracy: 0.55, val_macro_f1: 0.45, val_balanced_accuracy: 0.5 },
    { epoch: 3, step: 30, loss: 0.7, val_accuracy: 0.6, val_macro_f1: 0.52, val_balanced_accuracy: 0.56 },
  ],
  val: section(0.6, 0.52, 0.56),
  test: section(0.56666, 0.55501, 0.5123),
  config: { cell: 'lstm', hidden: 64, note: EVIL, schedule: { type: 'cosine' } },
  backend: 'wasm',
  train_seconds: 754.3,
  train_names_per_s: 12345.6,
};

/** Width and height from the IHDR chunk of a PNG. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Throws unless the text is well-formed XML: resvg parses SVG with a strict XML parser. */
function parseSvg(svg: string): { width: number; height: number } {
  const tree = new Resvg(svg);
  return { width: tree.width, height: tree.height };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('writeRunReport', () => {
  let dir: string;
  let files: RunReportFiles;
  let seconds: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'charrnn-report-'));
    const t0 = performance.now();
    files = await writeRunReport(path.join(dir, 'run'), INPUT);
    seconds = (performance.now() - t0) / 1000;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every file into the run directory, in well under the budget', async () => {
    const run = path.join(dir, 'run');
    expect(files).toEqual({
      learningCurvesSvg: path.join(run, 'learning-curves.svg'),
      learningCurvesPng: path.join(run, 'learning-curves.png'),
      confusionSvg: path.join(run, 'confusion.svg'),
      confusionPng: path.join(run, 'confusion.png'),
      perClassCsv: path.join(run, 'per-class.csv'),
      html: path.join(run, 'report.html'),
    });
    for (const file of Object.values(files)) expect((await stat(file)).size).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(5);
  });

  it('rejects malformed XML in the SVG check (control for the parse below)', () => {
    expect(() => parseSvg('<svg xmlns="http://www.w3.org/2000/svg"><text>a<b</text></svg>')).toThrow();
  });

  it('writes SVGs that parse as XML and hold the labels escaped', async () => {
    const confusion = await readFile(files.confusionSvg ?? '', 'utf8');
    const curves = await readFile(files.learningCurvesSvg, 'utf8');
    expect(parseSvg(confusion).width).toBeGreaterThan(100);
    expect(parseSvg(curves).width).toBeGreaterThan(100);
    expect(confusion).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(confusion).toContain('B&amp;O');
    expect(confusion).toContain('Arabic');
    expect(confusion).not.toMatch(/<script/i);
    expect(curves).toContain('run &lt;b&gt;x&lt;/b&gt;');
    expect(curves).toContain('Train loss');
    expect(curves).toContain('macro-F1');
  });

  it('writes PNGs twice the size of their SVGs', async () => {
    for (const [pngFile, svgFile] of [
      [files.learningCurvesPng, files.learningCurvesSvg],
      [files.confusionPng ?? '', files.confusionSvg ?? ''],
    ] as const) {
      const png = new Uint8Array(await readFile(pngFile));
      expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
      const svg = parseSvg(await readFile(svgFile, 'utf8'));
      const size = pngSize(png);
      expect(size.width).toBe(Math.round(svg.width * 2));
      expect(size.height).toBe(Math.round(svg.height * 2));
      expect(size.width).toBeGreaterThanOrEqual(400);
      expect(size.width).toBeLessThanOrEqual(4000);
      expect(size.height).toBeGreaterThanOrEqual(300);
      expect(size.height).toBeLessThanOrEqual(4000);
    }
  });

  it('writes the per-class CSV of the test split, quoting where needed', async () => {
    expect(await readFile(files.perClassCsv ?? '', 'utf8')).toBe(
      'label,precision,recall,f1,support\n' +
        'Arabic,0.9,0.8,0.847,10\n' +
        '"B&O ""q""",0.5,0.6,0.545,10\n' +
        '<script>alert(1)</script>,0.25,0.3,0.273,10\n',
    );
  });

  it('writes a self-contained report.html with escaped strings and the input numbers', async () => {
    const html = await readFile(files.html, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/\bsrc=|<link|@import|url\((?!#)/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<h1>run &lt;b&gt;x&lt;/b&gt;</h1>');
    expect(html.match(/<svg/g)).toHaveLength(2);
    const metric = (name: string): string | undefined =>
      new RegExp(`data-metric="${name.replace('.', '\\.')}">([^<]*)<`).exec(html)?.[1];
    expect(metric('backend')).toBe('wasm');
    expect(metric('train_seconds')).toBe('12 min 34 s');
    expect(metric('train_names_per_s')).toBe('12,346');
    expect(metric('test.accuracy')).toBe('0.5667');
    expect(metric('test.macro_f1')).toBe('0.5550');
    expect(metric('test.balanced_accuracy')).toBe('0.5123');
    expect(metric('test.count')).toBe('30');
    expect(metric('val.accuracy')).toBe('0.6000');
    expect(metric('val.macro_f1')).toBe('0.5200');
    expect(html).toContain('{&quot;type&quot;:&quot;cosine&quot;}');
    expect(html).toContain('Per-class metrics (test)');
  });
});

describe('writeRunReport with an n-gram head', () => {
  it('shows the recurrent network alone, the head alone and their mixture per split', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'charrnn-report-'));
    try {
      const scores = (a: number): { accuracy: number; macro_f1: number; balanced_accuracy: number } => ({
        accuracy: a,
        macro_f1: a - 0.1,
        balanced_accuracy: a - 0.2,
      });
      const files = await writeRunReport(dir, {
        ...INPUT,
        ngram: {
          max_n: 5,
          weight: 0.5,
          grams: 76229,
          fit_seconds: 3.76,
          recurrent_only: { val: scores(0.8155), test: scores(0.8216) },
          ngram_only: { val: scores(0.8327), test: scores(0.8394) },
        },
      });
      const html = await readFile(files.html, 'utf8');
      expect(html).toContain('<h2>N-gram head</h2>');
      expect(html).toContain('76,229 n-grams of 1–5 characters, fitted in 3.8 s');
      expect(html).toContain('logits = 0.5·recurrent + 0.5·n-gram');
      const metric = (name: string): string | undefined =>
        new RegExp(`data-metric="${name.replaceAll('.', '\\.')}">([^<]*)<`).exec(html)?.[1];
      expect(metric('ngram.recurrent.test.accuracy')).toBe('0.8216');
      expect(metric('ngram.ngram.val.macro_f1')).toBe('0.7327');
      expect(metric('ngram.mixture.test.accuracy')).toBe('0.5667');
      expect(metric('ngram.mixture.val.balanced_accuracy')).toBe('0.5600');
      // Without a head, no such section.
      const plain = await readFile((await writeRunReport(path.join(dir, 'plain'), INPUT)).html, 'utf8');
      expect(plain).not.toContain('id="ngram"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('writeRunReport without evaluated splits', () => {
  it('writes only the learning curves and the HTML; a diverged loss is left out of the plot', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'charrnn-report-'));
    try {
      const files = await writeRunReport(dir, {
        ...INPUT,
        val: undefined,
        test: undefined,
        epochs: [
          { epoch: 1, step: 5, loss: 2 },
          { epoch: 2, step: 10, loss: Number.NaN },
        ],
      });
      expect(Object.keys(files).sort()).toEqual(['html', 'learningCurvesPng', 'learningCurvesSvg']);
      expect(parseSvg(await readFile(files.learningCurvesSvg, 'utf8')).width).toBeGreaterThan(100);
      const html = await readFile(files.html, 'utf8');
      expect(html).toContain('No validation or test split was evaluated.');
      expect(html.match(/<svg/g)).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('writeRunReport with many labels', () => {
  it('finishes with 1,000 labels and keeps every file small (the matrix is summarized)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'charrnn-report-'));
    try {
      const n = 1000;
      const labels = Array.from({ length: n }, (_, i) => `label ${i}`);
      const confusion = labels.map((_, i) =>
        labels.map((__, j) => (i === j ? 3 : j === (i * 7) % n ? 1 : 0)),
      );
      const many: ReportSection = {
        accuracy: 0.7,
        macro_f1: 0.6,
        balanced_accuracy: 0.65,
        count: 4 * n,
        per_class: labels.map((label) => ({ label, precision: 0.7, recall: 0.7, f1: 0.7, support: 4 })),
        confusion,
      };
      const files = await writeRunReport(dir, { ...INPUT, labels, val: many, test: many });
      const svg = await readFile(files.confusionSvg as string, 'utf8');
      expect(svg).toContain('(961 other labels)');
      expect(svg).toContain('the 39 of 1000 labels with the most errors');
      for (const file of [files.confusionSvg, files.confusionPng, files.html])
        expect((await stat(file as string)).size).toBeLessThan(3 * 1024 * 1024);
      // The per-class table still lists every label.
      expect((await readFile(files.perClassCsv as string, 'utf8')).trimEnd().split('\n')).toHaveLength(n + 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('writeRunReport input checks', () => {
  it('names the field when the confusion matrix does not match the labels', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'charrnn-report-'));
    try {
      const test = {
        ...section(0.5, 0.5, 0.5),
        confusion: [
          [1, 2, 3],
          [4, 5],
          [6, 7, 8],
        ],
      };
      await expect(writeRunReport(dir, { ...INPUT, test })).rejects.toThrow(
        'field test.confusion: expected 3×3 for 3 labels, but row 1 has 2 columns',
      );
      await expect(writeRunReport(dir, { ...INPUT, test: undefined, labels: ['a', 'b'] })).rejects.toThrow(
        'field val.confusion: expected 2×2 for 2 labels, but it has 3 rows',
      );
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
