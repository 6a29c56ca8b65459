import { classificationReport } from '@charrnn/core';
import { emptyReport } from '@charrnn/data';
import { describe, expect, it } from 'vitest';
import { formatClassificationReport, formatReportLine } from './report.js';

describe('formatReportLine', () => {
  it('counts and lists the files it skipped, a name that is not UTF-8 shown with its bytes escaped', () => {
    const report = emptyReport();
    report.total = 3;
    report.kept = 3;
    report.perLabel = { Greek: 3 };
    report.skippedFiles = ['names/README.md'];
    report.badFileNames = ['names/Fran\\xe7ais.txt'];
    expect(formatReportLine('names', report)).toBe(
      'names: 3 names in 1 labels from 3 lines; skipped 1 file(s) that are not <Label>.txt: names/README.md; ' +
        'skipped 1 file(s) whose name is not valid UTF-8: names/Fran\\xe7ais.txt',
    );
  });
});

describe('formatClassificationReport', () => {
  it('prints labels from an untrusted source escaped, never as terminal controls', () => {
    const labels = ['\u001b[2JClear', 'Bell\u0007', 'Greek'];
    const report = classificationReport(Int32Array.from([0, 1, 2]), Int32Array.from([0, 2, 2]), labels);
    const text = formatClassificationReport(report);
    expect(text).not.toMatch(/\p{Cc}(?<!\n)/u);
    expect(text).toContain('\\x1b[2JClear');
    expect(text).toContain('Bell\\x07');
  });

  it('prints 1,000 labels: the full table and a summarized matrix, no stack overflow', () => {
    const n = 1000;
    const labels = Array.from({ length: n }, (_, i) => `L${i}`);
    const truth = Int32Array.from({ length: 3 * n }, (_, i) => i % n);
    const predicted = Int32Array.from(truth, (t, i) => (i < n ? (t + 1) % n : t));
    const text = formatClassificationReport(classificationReport(truth, predicted, labels));
    const lines = text.split('\n');
    expect(lines.filter((l) => /^L\d+ +\d\.\d{3}/.test(l))).toHaveLength(n);
    expect(text).toContain(
      'confusion matrix of the 39 of 1000 labels with the most errors, the other 961 summed',
    );
    expect(lines.at(-1)).toMatch(/^\(961 other labels\)/);
    expect(lines.length).toBeLessThan(n + 60);
  });
});
