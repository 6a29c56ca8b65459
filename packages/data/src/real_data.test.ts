// Checks against the tutorial's names data, read from outside the repository (never copied in).
// Set CHARRNN_NAMES_DIR / CHARRNN_SPLIT_DIR to point elsewhere; the tests skip when it is absent.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@charrnn/core';
import { Tokenizer } from '@charrnn/tokenizer';
import { describe, expect, it } from 'vitest';
import { collate } from './collate.js';
import { encodeExamples } from './encode_examples.js';
import { nameKey } from './name_key.js';
import { loadLabelDirectory, loadTsvFile } from './node.js';
import { stratifiedSplit } from './stratified_split.js';
import { tutorialSampler } from './tutorial_sampler.js';
import { mergeCorpora } from './validate_corpus.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const namesDir = process.env.CHARRNN_NAMES_DIR ?? resolve(repoRoot, '../shared/datasets/names');
const splitDir = process.env.CHARRNN_SPLIT_DIR ?? resolve(repoRoot, '../shared/datasets/names-split');
const haveNames = existsSync(namesDir);
const haveSplit = existsSync(join(splitDir, 'train.tsv'));
if (!haveNames) console.log(`skipping names-data tests: ${namesDir} not found (set CHARRNN_NAMES_DIR)`);
if (!haveSplit)
  console.log(`skipping names-split tests: ${splitDir}/train.tsv not found (set CHARRNN_SPLIT_DIR)`);

const LINES: Record<string, number> = {
  Arabic: 2000,
  Chinese: 268,
  Czech: 519,
  Dutch: 297,
  English: 3668,
  French: 277,
  German: 724,
  Greek: 203,
  Irish: 232,
  Italian: 709,
  Japanese: 991,
  Korean: 94,
  Polish: 139,
  Portuguese: 74,
  Russian: 9408,
  Scottish: 100,
  Spanish: 298,
  Vietnamese: 73,
};

describe.skipIf(!haveNames)('tutorial names directory', () => {
  it('loads 18 labels and accounts for all 20,074 lines', async () => {
    const { corpus, report } = await loadLabelDirectory(namesDir);
    expect(corpus.labels).toEqual(Object.keys(LINES).sort());
    expect(report.total).toBe(20074);
    expect(report.undecodable).toEqual([]);
    expect(report.malformed).toEqual([]);
    expect(report.kept + report.duplicates.length + report.empty.length).toBe(20074);
    // Per file: kept + dropped lines = the file's line count.
    for (const [label, lines] of Object.entries(LINES)) {
      const file = join(namesDir, `${label}.txt`);
      const dropped = [...report.duplicates, ...report.empty].filter((i) => i.file === file).length;
      expect([label, (report.perLabel[label] ?? 0) + dropped]).toEqual([label, lines]);
    }
    // 17,459 distinct raw strings; 5 of them (e.g. 'Jung ' and 'Jung') only differ by a trailing space.
    expect(new Set(corpus.items.map((i) => i.name)).size).toBe(17454);
    expect(report.perLabel.Arabic).toBeLessThan(120); // ~108 distinct names in 2,000 lines
    expect(report.crossLabel.length).toBeGreaterThan(0); // e.g. Chinese/Korean/Vietnamese
  });

  it('splits without leakage and encodes with the tutorial tokenizer', async () => {
    const { corpus, report } = await loadLabelDirectory(namesDir);
    const split = stratifiedSplit(corpus.items, { val: 0.1, test: 0.1, seed: 1 });
    const sideOf = new Map<string, string>();
    for (const side of ['train', 'val', 'test'] as const) {
      for (const item of split[side]) {
        const key = nameKey(item.name);
        expect(sideOf.get(key) ?? side).toBe(side);
        sideOf.set(key, side);
      }
    }
    expect(split.train.length + split.val.length + split.test.length).toBe(corpus.items.length);
    expect(Math.abs(split.test.length - corpus.items.length * 0.1)).toBeLessThan(60);
    const examples = encodeExamples(split.train, Tokenizer.tutorial(), corpus.labels, { report });
    expect(report.unencodable).toEqual([]);
    const batch = collate(examples, tutorialSampler(examples, new Rng(1)).nextBatch(8));
    expect(batch.batchSize).toBe(8);
  });
});

describe.skipIf(!haveSplit)('benchmark names split', () => {
  it('has the documented sizes and no name on two sides', async () => {
    const parts = await Promise.all(
      ['train', 'val', 'test'].map((side) => loadTsvFile(join(splitDir, `${side}.tsv`))),
    );
    expect(parts.map((p) => p.report.total)).toEqual([14396, 1799, 1799]);
    expect(parts.map((p) => p.report.kept)).toEqual([14396, 1799, 1799]);
    const sides = new Map<string, Set<number>>();
    parts.forEach((p, s) => {
      for (const item of p.corpus.items) sides.set(item.name, (sides.get(item.name) ?? new Set()).add(s));
    });
    // The split files keep trailing spaces ('Jung \tKorean' in train, 'Jung\tGerman' in test); once
    // trimmed, these three names sit on two sides. Every other name is on one side only.
    const crossing = [...sides].filter(([, set]) => set.size > 1).map(([name]) => name);
    expect(crossing.sort()).toEqual(['Jung', 'Lim', 'Park']);
    const merged = mergeCorpora(parts);
    expect(merged.corpus.labels).toHaveLength(18);
    expect(merged.report.duplicates).toEqual([]);
  });
});
