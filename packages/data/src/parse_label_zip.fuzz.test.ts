// Property-based tests of parseLabelFiles and parseLabelZip: odd file names, messy contents,
// damaged archives. Every case parses consistently or throws InvalidCorpusError.
import fc from 'fast-check';
import { InvalidCorpusError } from '@charrnn/core';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { labelOfFileName, parseLabelFiles, type NamedFile } from './parse_label_files.js';
import { parseLabelZip } from './parse_label_zip.js';
import {
  expectConsistent,
  looksBinary,
  looksUtf16,
  messyBytes,
  messyString,
} from './test-utils/corpus_arbitraries.js';
import { fcParams, Outcomes } from '../../../test-utils/fuzz.js';

const encoder = new TextEncoder();

const fileName: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      'Greek.txt',
      'Old Norse.txt',
      '<script>alert(1)</script>.txt',
      '.hidden.txt',
      ' .txt',
      '.txt',
      'a\tb.txt',
      'line\nbreak.txt',
      '__proto__.txt',
      'constructor.txt',
      'Français.txt',
      'Franc\u0327ais.txt',
      'dir/Greek.txt',
      'C:\\names\\Alpha.TXT',
      'notes.md',
      'Greek.txt.bak',
      '😀.txt',
      'ا\u202e.txt',
    ),
    weight: 4,
  },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 8 }).map((s) => `${s}.txt`), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 8 }), weight: 1 },
);

const file: fc.Arbitrary<NamedFile> = fc.record({
  name: fileName,
  data: fc.oneof(messyBytes, messyString),
});

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/** Checks a result of parseLabelFiles (or the error) against the files given. */
function checkFiles(
  files: readonly NamedFile[],
  result: () => ReturnType<typeof parseLabelFiles>,
  outcomes: Outcomes,
): void {
  const labelled = files.filter((f) => labelOfFileName(f.name) !== undefined);
  let parsed;
  try {
    parsed = result();
  } catch (error) {
    outcomes.record(error);
    expect(error).toBeInstanceOf(InvalidCorpusError);
    const e = error as InvalidCorpusError;
    if (labelled.length === 0)
      expect(e.message).toMatch(/no .*<Label>\.txt (files found|entries in the zip archive)/);
    else {
      const bad = labelled.find((f) => looksBinary(bytesOf(f.data)) || looksUtf16(bytesOf(f.data)));
      expect(bad).toBeDefined();
      expect(e.file).toBeDefined();
    }
    return;
  }
  outcomes.record();
  expect(labelled.length).toBeGreaterThan(0);
  expectConsistent(parsed, new Set(files.map((f) => f.name)));
  expect(parsed.report.skippedFiles.sort()).toEqual(
    files
      .filter((f) => labelOfFileName(f.name) === undefined)
      .map((f) => f.name)
      .sort(),
  );
  for (const item of parsed.corpus.items) {
    expect(item.label).toBe(labelOfFileName(item.source?.file ?? '')?.normalize('NFC'));
  }
  for (const issue of parsed.report.crossLabel) {
    const labels = new Set(parsed.corpus.items.filter((i) => i.name === issue.name).map((i) => i.label));
    expect(labels.size).toBeGreaterThan(1);
  }
}

describe('parseLabelFiles on generated file sets', () => {
  it('odd names and messy contents: consistent report, skipped files listed', () => {
    const outcomes = new Outcomes('parseLabelFiles(odd names, messy data)');
    fc.assert(
      fc.property(fc.uniqueArray(file, { maxLength: 5, selector: (f) => f.name }), (files) =>
        checkFiles(files, () => parseLabelFiles(files), outcomes),
      ),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.ok).toBeGreaterThan(0);
  });
});

type Damage =
  | { kind: 'none' }
  | { kind: 'flip'; at: number[]; xor: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; junk: Uint8Array }
  | { kind: 'random'; bytes: Uint8Array };
const damage: fc.Arbitrary<Damage> = fc.oneof(
  { arbitrary: fc.constant<Damage>({ kind: 'none' }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('flip' as const),
      at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      xor: fc.integer({ min: 1, max: 255 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      junk: fc.uint8Array({ minLength: 1, maxLength: 40 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 300 }) }),
    weight: 1,
  },
);

function damaged(zip: Uint8Array, d: Damage): Uint8Array {
  switch (d.kind) {
    case 'none':
      return zip;
    case 'flip': {
      const copy = zip.slice();
      for (const at of d.at)
        if (copy.length > 0) copy[at % copy.length] = (copy[at % copy.length] ?? 0) ^ d.xor;
      return copy;
    }
    case 'truncate':
      return zip.slice(0, d.at % (zip.length + 1));
    case 'append':
      return Uint8Array.from([...zip, ...d.junk]);
    case 'random':
      return d.bytes;
  }
}

describe('parseLabelZip on generated archives', () => {
  it('messy entries, damaged or random archives: consistent report or InvalidCorpusError', () => {
    const outcomes = new Outcomes('parseLabelZip(generated, damaged archives)');
    fc.assert(
      fc.property(
        fc.uniqueArray(file, { maxLength: 4, selector: (f) => f.name }),
        fc.boolean(),
        damage,
        (files, inFolder, d) => {
          const prefix = inFolder ? 'data/names/' : 'data/';
          const entries = Object.fromEntries(files.map((f) => [`${prefix}${f.name}`, bytesOf(f.data)]));
          const zip = damaged(zipSync(entries, { level: 1 }), d);
          let parsed;
          try {
            parsed = parseLabelZip(zip, { source: 'data.zip', maxBytes: 1 << 20 });
          } catch (error) {
            outcomes.record(error);
            expect(error).toBeInstanceOf(InvalidCorpusError);
            expect((error as InvalidCorpusError).file).toBeDefined();
            return;
          }
          outcomes.record();
          expectConsistent(parsed, d.kind === 'none' ? new Set(Object.keys(entries)) : undefined);
          if (d.kind === 'none' && inFolder) {
            // An intact archive reads exactly as the files do (names inside the folder only).
            const direct = files
              .filter((f) => f.name !== '' && !f.name.includes('/'))
              .map((f) => ({ name: `${prefix}${f.name}`, data: bytesOf(f.data) }))
              .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
            expect(parsed).toEqual(parseLabelFiles(direct));
          }
        },
      ),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.ok).toBeGreaterThan(0);
  });
});
