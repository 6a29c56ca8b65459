import { foldToAscii, TUTORIAL_ALPHABET } from '@charrnn/tokenizer';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CORPUS_INFO, defaultCorpus } from './default_corpus.js';
import { validateCorpus } from './validate_corpus.js';

describe('defaultCorpus', () => {
  const corpus = defaultCorpus();

  it('has at least 10 labels and 5,000 names, as described by DEFAULT_CORPUS_INFO', () => {
    expect(corpus.labels.length).toBeGreaterThanOrEqual(10);
    expect(corpus.items.length).toBeGreaterThanOrEqual(5000);
    expect(DEFAULT_CORPUS_INFO.count).toBe(corpus.items.length);
    expect([...DEFAULT_CORPUS_INFO.labels]).toEqual(corpus.labels);
    expect(DEFAULT_CORPUS_INFO.license).toBe('MIT');
    expect(DEFAULT_CORPUS_INFO.notice).toMatch(/^Faker - Copyright \(c\)[^]*Permission is hereby granted/);
    expect(DEFAULT_CORPUS_INFO.source).toMatch(/^@faker-js\/faker \d+\.\d+\.\d+ /);
    expect(corpus.labels).toEqual([...corpus.labels].sort());
    for (const label of corpus.labels) expect(corpus.items.some((i) => i.label === label)).toBe(true);
  });

  it('has no empty names and folds every name to tutorial-alphabet ASCII without losing letters', () => {
    const allowed = new Set(TUTORIAL_ALPHABET);
    for (const { name } of corpus.items) {
      expect(name.trim()).toBe(name);
      expect(name.length).toBeGreaterThan(0);
      const folded = foldToAscii(name);
      expect(folded.length).toBeGreaterThan(0);
      expect([...folded].every((c) => allowed.has(c))).toBe(true);
      // Only combining marks are removed: no letter is dropped by folding.
      expect(folded).toBe(name.normalize('NFD').replace(/\p{M}/gu, ''));
    }
  });

  it('is already clean: validation keeps everything', () => {
    const { report } = validateCorpus(corpus.items);
    expect(report.kept).toBe(corpus.items.length);
    expect(report.duplicates).toEqual([]);
    expect(report.empty).toEqual([]);
  });

  it('returns a fresh copy each time', () => {
    const other = defaultCorpus();
    other.items.pop();
    expect(defaultCorpus().items).toHaveLength(corpus.items.length);
  });

  const namesDir =
    process.env.CHARRNN_NAMES_DIR ??
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/datasets/names');
  const haveNames = existsSync(namesDir);
  if (!haveNames) console.log(`skipped: tutorial-disjointness check needs the names data at ${namesDir}`);

  it.skipIf(!haveNames)('shares no name with the tutorial names data (folded, case-insensitive)', () => {
    const key = (name: string): string =>
      name
        .normalize('NFD')
        .replace(/\p{M}/gu, '')
        .replace(/[^A-Za-z]/g, '')
        .toLowerCase();
    const tutorial = new Set<string>();
    for (const file of readdirSync(namesDir).filter((f) => f.endsWith('.txt'))) {
      for (const line of readFileSync(path.join(namesDir, file), 'utf8').split(/\r?\n/)) {
        if (line.trim() !== '') tutorial.add(key(line.trim()));
      }
    }
    expect(tutorial.size).toBeGreaterThan(10_000);
    const shared = corpus.items.filter((item) => tutorial.has(key(item.name))).map((item) => item.name);
    expect(shared).toEqual([]);
  });
});
