import { InvalidArgumentError } from '@charrnn/core';
import { sequenceLabels } from './sequence_labels.js';
import { tutorialStep } from './tutorial_generator.js';
import type { TutorialSizes, TutorialStepperOptions, TutorialWeights } from './tutorial_generator.js';

/**
 * A stateful one-symbol-at-a-time view of a `TutorialGenerator` (made by
 * `TutorialGenerator.stepper`), with the interface of `LanguageModelStepper`: each
 * {@link TutorialGeneratorStepper.step} feeds one symbol per sequence and returns the
 * next-symbol probabilities (`softmax` of the logits, no dropout), carrying the hidden state.
 * Plain JS on arrays allocated once: no tensor, no allocation per step.
 */
export class TutorialGeneratorStepper {
  /** Sequences stepped side by side. */
  readonly batchSize: number;
  /** Size of each probability row. */
  readonly vocabSize: number;
  private readonly w: TutorialWeights;
  private readonly s: TutorialSizes;
  private labels: Int32Array | undefined;
  private h: Float32Array;
  private hNext: Float32Array;
  private readonly o: Float32Array;
  private readonly z: Float32Array;
  private readonly probs: Float32Array;

  /** @internal Use `TutorialGenerator.stepper`. */
  constructor(weights: TutorialWeights, sizes: TutorialSizes, options: TutorialStepperOptions) {
    const n = options.batchSize;
    if (!Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${n}`, {
        field: 'batchSize',
      });
    this.batchSize = n;
    this.vocabSize = sizes.V;
    this.w = weights;
    this.s = sizes;
    this.h = new Float32Array(n * sizes.H);
    this.hNext = new Float32Array(n * sizes.H);
    this.o = new Float32Array(sizes.V);
    this.z = new Float32Array(sizes.V);
    this.probs = new Float32Array(n * sizes.V);
    this.setLabels(options.labels);
  }

  /** Sets the label of each sequence (conditional models); the state is kept. */
  setLabels(labels: Int32Array | undefined): void {
    this.labels = sequenceLabels(labels, this.s.C, this.batchSize);
  }

  /** Zeroes the state of every sequence. */
  reset(): void {
    this.h.fill(0);
  }

  /** A copy of the state, `[[h]]` with `h` of `batchSize * hiddenSize` (the layout of `LanguageModelStepper`). */
  getState(): Float32Array[][] {
    return [[this.h.slice()]];
  }

  /** Replaces the state (layout as {@link TutorialGeneratorStepper.getState}). */
  setState(state: Float32Array[][]): void {
    const size = this.batchSize * this.s.H;
    if (state.length !== 1 || state[0]?.length !== 1 || state[0][0]?.length !== size)
      throw new InvalidArgumentError(`state must be [[h]] with h of batchSize * hiddenSize = ${size}`, {
        field: 'state',
      });
    this.h.set(state[0][0]);
  }

  /**
   * Feeds `ids` (one symbol per sequence) and returns the next-symbol probabilities,
   * `[batchSize * vocabSize]` row-major. The array is reused by the next step: copy what you keep.
   * @throws InvalidArgumentError when `ids` has the wrong length or an id is out of range
   */
  step(ids: Int32Array): Float32Array {
    const { H, V } = this.s;
    if (ids.length !== this.batchSize)
      throw new InvalidArgumentError(
        `ids has ${ids.length} entries, expected batchSize = ${this.batchSize}`,
        {
          field: 'ids',
        },
      );
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r] as number;
      if (!(Number.isInteger(id) && id >= 0 && id < V))
        throw new InvalidArgumentError(`ids[${r}] = ${id} is outside [0, ${V})`, { field: 'ids' });
    }
    const { z, probs } = this;
    for (let r = 0; r < this.batchSize; r++) {
      tutorialStep(
        this.w,
        this.s,
        this.labels?.[r] ?? 0,
        ids[r] as number,
        this.h.subarray(r * H, (r + 1) * H),
        this.hNext.subarray(r * H, (r + 1) * H),
        this.o,
        z,
      );
      let max = -Infinity;
      for (let j = 0; j < V; j++) max = Math.max(max, z[j] as number);
      let sum = 0;
      for (let j = 0; j < V; j++) sum += Math.exp((z[j] as number) - max);
      for (let j = 0; j < V; j++) probs[r * V + j] = Math.exp((z[j] as number) - max) / sum;
    }
    [this.h, this.hNext] = [this.hNext, this.h];
    return probs;
  }

  /** Releases the state (nothing to free on the device). */
  dispose(): void {
    this.h = new Float32Array(0);
    this.hNext = new Float32Array(0);
  }
}
