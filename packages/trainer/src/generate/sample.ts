import { InvalidArgumentError, Rng } from '@charrnn/core';
import type { LanguageModelStepper, TutorialGeneratorStepper } from '@charrnn/layers';
import { PAD_ID, UNK_ID } from '@charrnn/tokenizer';
import type { GeneratorBundle } from './generator_bundle.js';
import { boundaryId } from './language_model_data.js';
import { NoveltyFilter } from './novelty_filter.js';
import { checkSamplingRule, drawIndex, samplingDistribution } from './sampling_distribution.js';
import type { SamplingRule } from './sampling_distribution.js';

/** Options of {@link sample} and {@link sampleStream}. */
export interface SampleOptions extends SamplingRule {
  /** Conditional models: the label to generate for (required); refused by unconditional ones. */
  label?: string;
  /** Sequences to return (default 1). */
  count?: number;
  /** Text the sequences start with (names: "complete my name"); it is part of each result. */
  prime?: string;
  /** Most characters generated after the prime (default: names 30, text 500). */
  maxLength?: number;
  /** Same seed, same output (default 1). */
  seed?: number;
  /**
   * Names: reject names seen in training (and repeats and empty names) and draw again, up to
   * `maxTries` sequences in all.
   */
  novel?: boolean;
  /** Most sequences drawn in all (default `50 × count`). */
  maxTries?: number;
  /** Sequences sampled side by side (default `min(count, 64)`; a stream uses 1). */
  batchSize?: number;
}

/** One generated sequence. */
export interface GeneratedSequence {
  /** The prime followed by the generated characters (EOS not included). */
  text: string;
  /** The label it was generated for (conditional models). */
  label?: string;
  /** Natural log-probability of the generated characters (and the EOS) under the model at temperature 1. */
  logProb: number;
  /** Whether the model ended it (EOS) rather than `maxLength`. */
  ended: boolean;
}

/** The checked, resolved settings of one sampling call. */
interface Plan {
  labelId: number | undefined;
  primeIds: Int32Array;
  maxLength: number;
  excluded: Set<number>;
  boundary: number;
  novelty: NoveltyFilter | undefined;
}

function plan(bundle: GeneratorBundle, options: SampleOptions): Plan {
  checkSamplingRule(options);
  const { labels, tokenizer, kind } = bundle;
  let labelId: number | undefined;
  if (labels.length > 0) {
    if (options.label === undefined)
      throw new InvalidArgumentError(`this generator is conditional: choose a label (${labels.join(', ')})`, {
        field: 'label',
      });
    labelId = labels.indexOf(options.label);
    if (labelId < 0)
      throw new InvalidArgumentError(
        `unknown label ${JSON.stringify(options.label)} (labels: ${labels.join(', ')})`,
        {
          field: 'label',
        },
      );
  } else if (options.label !== undefined)
    throw new InvalidArgumentError('this generator is unconditional: it takes no label', { field: 'label' });
  const maxLength = options.maxLength ?? (kind === 'names' ? 30 : 500);
  if (!(Number.isSafeInteger(maxLength) && maxLength >= 1))
    throw new InvalidArgumentError(`maxLength must be a positive integer, got ${maxLength}`, {
      field: 'maxLength',
    });
  const boundary = boundaryId(tokenizer);
  // PAD is never a symbol; UNK stands for characters outside the vocabulary; a text has no EOS.
  const excluded = new Set([PAD_ID, UNK_ID, ...(kind === 'text' ? [boundary] : [])]);
  const novelty =
    options.novel === true
      ? (bundle.novelty ??
        (bundle.trainNames === undefined ? undefined : NoveltyFilter.of(bundle.trainNames, tokenizer)))
      : undefined;
  if (options.novel === true && (kind !== 'names' || novelty === undefined))
    throw new InvalidArgumentError(
      kind !== 'names'
        ? 'novel applies to name generators'
        : 'this generator does not know its training names',
      { field: 'novel' },
    );
  return { labelId, primeIds: tokenizer.encode(options.prime ?? ''), maxLength, excluded, boundary, novelty };
}

/**
 * The first input symbols of every sequence: BOS and the prime for names; for text the prime, or
 * a newline (or the first symbol) when there is none.
 */
function startIds(bundle: GeneratorBundle, p: Plan): Int32Array {
  if (bundle.kind === 'names') return Int32Array.from([p.boundary, ...p.primeIds]);
  if (p.primeIds.length > 0) return p.primeIds;
  const newline = bundle.tokenizer.encode('\n')[0];
  return Int32Array.from([newline !== undefined && newline !== UNK_ID ? newline : 2]);
}

/**
 * Generates `count` sequences (names, or pieces of text) from a generator, `batchSize` of them
 * side by side through the model's stepper. Deterministic for a seed.
 *
 * @example
 * ```ts
 * const names = sample(bundle, { label: 'Italian', count: 10, temperature: 0.8, novel: true, seed: 7 });
 * ```
 * @throws InvalidArgumentError on a missing, unknown or unexpected label or a bad option
 */
export function sample(bundle: GeneratorBundle, options: SampleOptions = {}): GeneratedSequence[] {
  const p = plan(bundle, options);
  const count = options.count ?? 1;
  if (!(Number.isSafeInteger(count) && count >= 0))
    throw new InvalidArgumentError(`count must be a non-negative integer, got ${count}`, { field: 'count' });
  const maxTries = options.maxTries ?? 50 * Math.max(1, count);
  const batchSize = Math.max(1, Math.min(options.batchSize ?? Math.min(count, 64), 1024));
  const rng = new Rng(options.seed ?? 1);
  const out: GeneratedSequence[] = [];
  const seen = new Set<string>();
  let tries = 0;
  const stepper = bundle.model.stepper({
    batchSize,
    ...(p.labelId === undefined ? {} : { labels: new Int32Array(batchSize).fill(p.labelId) }),
  });
  try {
    while (out.length < count && tries < maxTries) {
      const n = Math.min(batchSize, maxTries - tries);
      tries += n;
      for (const s of generateRound(bundle, stepper, p, options, rng, batchSize).slice(0, n)) {
        if (out.length >= count) break;
        if (p.novelty !== undefined) {
          const normalized = s.text;
          if (normalized.length === 0 || seen.has(normalized) || p.novelty.has(normalized)) continue;
          seen.add(normalized);
        }
        out.push(s);
      }
    }
  } finally {
    stepper.dispose();
  }
  return out;
}

/** One round: every row of the stepper generates one sequence. */
function generateRound(
  bundle: GeneratorBundle,
  stepper: LanguageModelStepper | TutorialGeneratorStepper,
  p: Plan,
  rule: SamplingRule,
  rng: Rng,
  n: number,
): GeneratedSequence[] {
  const V = stepper.vocabSize;
  stepper.reset();
  const start = startIds(bundle, p);
  let probs: Float32Array = new Float32Array(0);
  for (const id of start) probs = stepper.step(new Int32Array(n).fill(id));
  const generated: number[][] = Array.from({ length: n }, () => []);
  const logProb = new Float64Array(n);
  const done = new Uint8Array(n);
  const ended = new Uint8Array(n);
  const dist = new Float64Array(V);
  const order: number[] = [];
  const next = new Int32Array(n);
  const names = bundle.kind === 'names';
  for (let t = 0; t < p.maxLength; t++) {
    let running = 0;
    for (let r = 0; r < n; r++) {
      if (done[r] === 1) {
        next[r] = p.boundary;
        continue;
      }
      const row = probs.subarray(r * V, (r + 1) * V);
      samplingDistribution(row, rule, p.excluded, dist, order);
      const id = drawIndex(dist, rng.next());
      logProb[r] = (logProb[r] as number) + Math.log(row[id] as number);
      if (names && id === p.boundary) {
        done[r] = 1;
        ended[r] = 1;
        next[r] = p.boundary;
        continue;
      }
      (generated[r] as number[]).push(id);
      next[r] = id;
      running++;
    }
    if (running === 0 || t === p.maxLength - 1) break;
    probs = stepper.step(next);
  }
  const prime = bundle.tokenizer.decode(p.primeIds);
  const label = p.labelId === undefined ? undefined : bundle.labels[p.labelId];
  return generated.map((ids, r) => ({
    text: prime + bundle.tokenizer.decode(ids),
    ...(label === undefined ? {} : { label }),
    logProb: logProb[r] as number,
    ended: ended[r] === 1,
  }));
}

/**
 * One sequence as a stream of characters, as they are generated (for UIs: each character can be
 * shown at once). The prime comes first; it ends at EOS or after `maxLength` characters. The
 * same seed gives the same characters as `sample` with `count: 1` and `batchSize: 1`.
 * `novel` is not supported here (a stream cannot take characters back).
 *
 * @example
 * ```ts
 * for await (const ch of sampleStream(bundle, { label: 'Greek', temperature: 0.8 })) div.textContent += ch;
 * ```
 */
export async function* sampleStream(
  bundle: GeneratorBundle,
  options: Omit<SampleOptions, 'count' | 'novel' | 'batchSize' | 'maxTries'> = {},
): AsyncGenerator<string, void, undefined> {
  const p = plan(bundle, { ...options, novel: false });
  const rng = new Rng(options.seed ?? 1);
  const stepper = bundle.model.stepper({
    batchSize: 1,
    ...(p.labelId === undefined ? {} : { labels: Int32Array.from([p.labelId]) }),
  });
  try {
    const start = startIds(bundle, p);
    let probs: Float32Array = new Float32Array(0);
    for (const id of start) probs = stepper.step(Int32Array.from([id]));
    const prime = bundle.tokenizer.decode(p.primeIds);
    if (prime.length > 0) yield prime;
    const V = stepper.vocabSize;
    const dist = new Float64Array(V);
    const order: number[] = [];
    for (let t = 0; t < p.maxLength; t++) {
      samplingDistribution(probs.subarray(0, V), options, p.excluded, dist, order);
      const id = drawIndex(dist, rng.next());
      if (bundle.kind === 'names' && id === p.boundary) return;
      yield bundle.tokenizer.decode([id]);
      if (t < p.maxLength - 1) probs = stepper.step(Int32Array.from([id]));
    }
  } finally {
    stepper.dispose();
  }
}
