import { describe, expect, it } from 'vitest';
import { perClassCsv } from './per_class_csv.js';

describe('perClassCsv', () => {
  it('quotes commas, quotes and line breaks per RFC 4180', () => {
    const csv = perClassCsv({
      accuracy: 1,
      macro_f1: 1,
      balanced_accuracy: 1,
      count: 3,
      per_class: [
        { label: 'a,b', precision: 1, recall: 0.5, f1: 2 / 3, support: 2 },
        { label: 'line\nbreak', precision: 0, recall: 0, f1: 0, support: 1 },
      ],
      confusion: [],
    });
    expect(csv).toBe(
      'label,precision,recall,f1,support\n"a,b",1,0.5,0.6666666666666666,2\n"line\nbreak",0,0,0,1\n',
    );
  });

  it('writes labels a spreadsheet would run as formulas as text', () => {
    const labels = ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)', 'Greek'];
    const csv = perClassCsv({
      accuracy: 1,
      macro_f1: 1,
      balanced_accuracy: 1,
      count: 5,
      per_class: labels.map((label) => ({ label, precision: 1, recall: 1, f1: 1, support: 1 })),
      confusion: [],
    });
    expect(
      csv
        .split('\n')
        .slice(1, 6)
        .map((row) => row.slice(0, row.lastIndexOf(',1,1,1,1'))),
    ).toEqual(['"\'=HYPERLINK(""http://x"",""y"")"', "'+1", "'-2", "'@SUM(A1)", 'Greek']);
  });
});
