import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Directory of the committed PyTorch fixtures (made by fixtures/make_fixtures.py). */
export const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** A fixture file's bytes. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES}${name}`));
}

/** The names PyTorch's probabilities were computed on. */
export function fixtureNames(): string[] {
  return (JSON.parse(readFileSync(`${FIXTURES}names.json`, 'utf8')) as { names: string[] }).names;
}

/** The fixture labels, in output order. */
export function fixtureLabels(): string[] {
  return readFileSync(`${FIXTURES}labels.txt`, 'utf8').trim().split('\n');
}

/** PyTorch's probabilities of `model` on {@link fixtureNames}, one row per name. */
export function fixtureProbabilities(model: string): number[][] {
  return (JSON.parse(readFileSync(`${FIXTURES}${model}.probs.json`, 'utf8')) as { probabilities: number[][] })
    .probabilities;
}

/** Largest |a − b| over the rows, and how many rows share their arg max. */
export function compareProbabilities(
  ours: Float32Array,
  reference: number[][],
): { maxDiff: number; sameTop1: number } {
  let maxDiff = 0;
  let sameTop1 = 0;
  reference.forEach((row, r) => {
    const C = row.length;
    let best = 0;
    let bestRef = 0;
    for (let c = 0; c < C; c++) {
      const v = ours[r * C + c] as number;
      maxDiff = Math.max(maxDiff, Math.abs(v - (row[c] as number)));
      if (v > (ours[r * C + best] as number)) best = c;
      if ((row[c] as number) > (row[bestRef] as number)) bestRef = c;
    }
    if (best === bestRef) sameTop1++;
  });
  return { maxDiff, sameTop1 };
}
