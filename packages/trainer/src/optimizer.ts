import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, TrainingDivergedError } from '@charrnn/core';
import { AdamKernel, readBackIsCheap } from '@charrnn/layers/internal';
import { globalNormOps, sumOfSquaresJs } from './clip_by_global_norm.js';

/** Hyper-parameters of an {@link Optimizer}. */
export interface OptimizerConfig {
  /** `'sgd'` (with `momentum` > 0: SGD with momentum, PyTorch's and tfjs' formula) or `'adam'`. */
  kind: 'sgd' | 'adam';
  /** Initial step size; change it between steps through {@link Optimizer.learningRate}. */
  learningRate: number;
  /** SGD momentum μ: `v ← μ·v + g`, `w ← w − lr·v`. 0 = plain SGD. */
  momentum?: number;
  /** Adam β1 (default 0.9). */
  beta1?: number;
  /** Adam β2 (default 0.999). */
  beta2?: number;
  /** Adam ε (default 1e-7, as tfjs). */
  epsilon?: number;
  /**
   * `'js'`: update in JS loops over read-back arrays; `'ops'`: tfjs ops, nothing read back;
   * `'auto'` (default): `'js'` on the cpu and wasm backends, `'ops'` elsewhere.
   */
  implementation?: 'auto' | 'js' | 'ops';
  /**
   * Per weight (default 1 each): the number of parameters that weight stands for, tied copies
   * that always receive the same gradient and whose sum is the weight (PyTorch's recurrent cells
   * keep two biases, `b_ih + b_hh`, where we keep one). Each copy takes its own step, so the
   * weight moves `copies` times one parameter's step, and its gradient counts `copies` times in
   * the global norm: the training of the PyTorch parametrisation, exactly, with one array.
   */
  tiedCopies?: readonly number[];
}

/**
 * Everything an {@link Optimizer} needs to continue exactly where it stopped: the step count and
 * its per-weight slots (Adam: first then second moments of each weight; SGD with momentum: the
 * velocity of each weight; plain SGD: none).
 */
export interface OptimizerState {
  /** Updates applied so far. */
  step: number;
  /** Current learning rate. */
  learningRate: number;
  /** Slot arrays, in the order described above, each the size of its weight. */
  slots: Float32Array[];
}

/**
 * SGD (with momentum) and Adam with global-norm clipping fused into the update, and a state that
 * can be saved and restored bit for bit (tfjs' own optimizers recompute Adam's β powers with
 * `pow` on restore, so a resumed run drifts from an uninterrupted one).
 *
 * On the `cpu` and `wasm` backends the whole update (norm, clip, moments, weights) is one pass
 * over Float32Arrays in JS, replacing the ≈ 30 small kernels tfjs' optimizers and clipping launch
 * per step. Elsewhere (webgl, tfjs-node) it runs as tfjs ops and reads nothing back unless asked
 * for the gradient norm.
 *
 * Adam follows tfjs and Keras: `m ← β1·m + (1−β1)·g`, `v ← β2·v + (1−β2)·g²`,
 * `w ← w − lr·(m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)`, with β powers computed in float64.
 */
export class Optimizer {
  /** Step size of the next update; schedules change it between steps. */
  learningRate: number;
  readonly kind: 'sgd' | 'adam';
  private readonly momentum: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly implementation: 'auto' | 'js' | 'ops';
  private readonly copies: readonly number[];
  private step = 0;
  /** Slots on the JS path. */
  private jsSlots: Float32Array[] | undefined;
  /** Adam with SIMD on the JS path (its moments are then `jsSlots`); null until first used. */
  private adamKernel: AdamKernel | undefined | null = null;
  /** Slots on the ops path. */
  private varSlots: tf.Variable[] | undefined;

  /**
   * @param weights the variables to update, in a fixed order (the slots follow it)
   * @throws InvalidArgumentError on out-of-range hyper-parameters
   */
  constructor(
    private readonly weights: readonly tf.Variable[],
    config: OptimizerConfig,
  ) {
    const { kind, learningRate, momentum = 0, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 } = config;
    if (kind !== 'sgd' && kind !== 'adam')
      throw new InvalidArgumentError(`unknown optimizer ${JSON.stringify(kind)} (sgd, adam)`, {
        field: 'optimizer',
      });
    checkLearningRate(learningRate);
    if (!(momentum >= 0 && momentum < 1))
      throw new InvalidArgumentError(`momentum must be in [0, 1), got ${momentum}`, { field: 'momentum' });
    for (const [field, value] of [
      ['beta1', beta1],
      ['beta2', beta2],
    ] as const)
      if (!(value >= 0 && value < 1))
        throw new InvalidArgumentError(`${field} must be in [0, 1), got ${value}`, { field });
    if (!(epsilon > 0))
      throw new InvalidArgumentError(`epsilon must be positive, got ${epsilon}`, { field: 'epsilon' });
    this.kind = kind;
    this.learningRate = learningRate;
    this.momentum = momentum;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.implementation = config.implementation ?? 'auto';
    const copies = config.tiedCopies ?? weights.map(() => 1);
    if (copies.length !== weights.length || !copies.every((n) => Number.isSafeInteger(n) && n >= 1))
      throw new InvalidArgumentError(
        `tiedCopies must hold one positive integer per weight (${weights.length}), got [${copies.join(', ')}]`,
        { field: 'tiedCopies' },
      );
    this.copies = copies;
  }

  /** Slot arrays per weight: 2 for Adam, 1 for SGD with momentum, 0 for plain SGD. */
  private get slotsPerWeight(): number {
    return this.kind === 'adam' ? 2 : this.momentum > 0 ? 1 : 0;
  }

  /** Whether updates run as JS loops (cpu, wasm: a read-back is a memory copy there). */
  private onJsPath(): boolean {
    if (this.implementation !== 'auto') return this.implementation === 'js';
    return readBackIsCheap();
  }

  /**
   * Applies one update from `grads` (one per weight, same order and shapes; not disposed).
   * With `clipNorm`, the gradients are first scaled by `clipNorm / max(norm, clipNorm)` where
   * `norm` is their global L2 norm (tfjs' `clipByGlobalNorm`).
   *
   * A non-finite gradient norm throws {@link TrainingDivergedError} before any weight changes.
   * On the JS path the norm is always checked; on the ops path only when `checkFinite` or
   * `clipNorm` asks for it (it costs a read-back there).
   *
   * @returns the global gradient norm before clipping, when it was computed
   */
  apply(grads: readonly tf.Tensor[], clipNorm?: number, checkFinite = false): number | undefined {
    if (grads.length !== this.weights.length)
      throw new InvalidArgumentError(`${grads.length} gradients for ${this.weights.length} weights`, {
        field: 'grads',
      });
    grads.forEach((g, i) => {
      const w = this.weights[i] as tf.Variable;
      if (g.size !== w.size)
        throw new InvalidArgumentError(
          `gradient ${i} has ${g.size} elements, weight ${w.name} has ${w.size}`,
          { field: 'grads' },
        );
    });
    return this.onJsPath() ? this.applyJs(grads, clipNorm) : this.applyOps(grads, clipNorm, checkFinite);
  }

  /**
   * {@link Optimizer.apply} with the gradients as arrays (one per weight, shaped like it), as a
   * step computed without tfjs gives them; the same update as `apply` with tensors of them.
   */
  applyValues(grads: readonly Float32Array[], clipNorm?: number, checkFinite = false): number | undefined {
    const tensors = this.onJsPath()
      ? undefined
      : grads.map((g, i) => tf.tensor(g, (this.weights[i] as tf.Variable).shape, 'float32'));
    if (tensors === undefined) {
      if (grads.length !== this.weights.length || grads.some((g, i) => g.length !== this.weights[i]?.size))
        throw new InvalidArgumentError('the gradients do not match the weights', { field: 'grads' });
      return this.applyJsValues(grads, clipNorm);
    }
    try {
      return this.apply(tensors, clipNorm, checkFinite);
    } finally {
      tf.dispose(tensors);
    }
  }

  private applyJs(grads: readonly tf.Tensor[], clipNorm: number | undefined): number {
    return this.applyJsValues(
      grads.map((t) => t.dataSync() as Float32Array),
      clipNorm,
    );
  }

  private applyJsValues(g: readonly Float32Array[], clipNorm: number | undefined): number {
    const norm = Math.sqrt(g.reduce((sum, a, k) => sum + (this.copies[k] as number) * sumOfSquaresJs(a), 0));
    if (!Number.isFinite(norm)) throw new TrainingDivergedError(`gradient norm is ${norm}`);
    const scale = clipNorm === undefined ? 1 : clipNorm / Math.max(norm, clipNorm);
    if (this.kind === 'adam' && this.adamKernel === null) {
      this.adamKernel = AdamKernel.create(this.weights.map((w) => w.size));
      // Moments restored by setState() move into the kernel's memory.
      const kernel = this.adamKernel;
      if (kernel !== undefined) {
        this.jsSlots?.forEach((slot, i) => (i % 2 === 0 ? kernel.m : kernel.v)[i >> 1]?.set(slot));
        this.jsSlots = this.weights.flatMap((_, k) => [
          kernel.m[k] as Float32Array,
          kernel.v[k] as Float32Array,
        ]);
      }
    }
    this.jsSlots ??= this.weights.flatMap((w) =>
      Array.from({ length: this.slotsPerWeight }, () => new Float32Array(w.size)),
    );
    this.step++;
    const { beta1, beta2, epsilon, momentum } = this;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    this.weights.forEach((variable, k) => {
      const grad = g[k] as Float32Array;
      const lr = this.learningRate * (this.copies[k] as number);
      // A copy (new Float32Array(typed array) is a memcpy; Float32Array.from iterates).
      const w = new Float32Array(variable.dataSync() as Float32Array);
      if (this.kind === 'adam' && this.adamKernel) {
        this.adamKernel.update(k, w, grad, {
          scale,
          beta1,
          beta2,
          learningRate: lr,
          correction1,
          correction2,
          epsilon,
        });
      } else if (this.kind === 'adam') {
        const m = (this.jsSlots as Float32Array[])[2 * k] as Float32Array;
        const v = (this.jsSlots as Float32Array[])[2 * k + 1] as Float32Array;
        // lr·m̂ / (√v̂ + ε) with m̂ = m / c1, v̂ = v / c2: one division and one square root per weight.
        const step = lr / correction1;
        const inverse2 = 1 / correction2;
        const keep1 = 1 - beta1;
        const keep2 = 1 - beta2;
        for (let i = 0; i < w.length; i++) {
          const gi = (grad[i] as number) * scale;
          const mi = beta1 * (m[i] as number) + keep1 * gi;
          const vi = beta2 * (v[i] as number) + keep2 * gi * gi;
          m[i] = mi;
          v[i] = vi;
          // The slots hold float32: use their stored values, as a float32 implementation would.
          w[i] =
            (w[i] as number) - (step * (m[i] as number)) / (Math.sqrt((v[i] as number) * inverse2) + epsilon);
        }
      } else if (momentum > 0) {
        sgdMomentumStep(w, (this.jsSlots as Float32Array[])[k] as Float32Array, grad, momentum, scale, lr);
      } else {
        for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) - lr * (grad[i] as number) * scale;
      }
      const next = tf.tensor(w, variable.shape, 'float32');
      variable.assign(next);
      next.dispose();
    });
    return norm;
  }

  private applyOps(
    grads: readonly tf.Tensor[],
    clipNorm: number | undefined,
    checkFinite: boolean,
  ): number | undefined {
    let norm: number | undefined;
    let scale: tf.Scalar | undefined;
    if (clipNorm !== undefined || checkFinite) {
      const normTensor = tf.tidy(() =>
        globalNormOps(
          grads.map((g, k) => (this.copies[k] === 1 ? g : tf.mul(g, Math.sqrt(this.copies[k] as number)))),
        ),
      );
      norm = normTensor.dataSync()[0] as number;
      normTensor.dispose();
      if (!Number.isFinite(norm)) throw new TrainingDivergedError(`gradient norm is ${norm}`);
      if (clipNorm !== undefined) scale = tf.scalar(clipNorm / Math.max(norm, clipNorm));
    }
    this.varSlots ??= this.weights.flatMap((w) =>
      Array.from({ length: this.slotsPerWeight }, () => tf.tidy(() => tf.variable(tf.zeros(w.shape), false))),
    );
    const slots = this.varSlots;
    this.step++;
    const correction1 = 1 - this.beta1 ** this.step;
    const correction2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      this.weights.forEach((variable, k) => {
        const lr = this.learningRate * (this.copies[k] as number);
        const grad = scale === undefined ? (grads[k] as tf.Tensor) : tf.mul(grads[k] as tf.Tensor, scale);
        if (this.kind === 'adam') {
          const m = slots[2 * k] as tf.Variable;
          const v = slots[2 * k + 1] as tf.Variable;
          const mNext = tf.add(tf.mul(m, this.beta1), tf.mul(grad, 1 - this.beta1));
          const vNext = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
          m.assign(mNext);
          v.assign(vNext);
          const denominator = tf.add(tf.sqrt(tf.div(vNext, correction2)), this.epsilon);
          variable.assign(tf.sub(variable, tf.div(tf.mul(tf.div(mNext, correction1), lr), denominator)));
        } else if (this.momentum > 0) {
          const vel = slots[k] as tf.Variable;
          const next = tf.add(tf.mul(vel, this.momentum), grad);
          vel.assign(next);
          variable.assign(tf.sub(variable, tf.mul(next, lr)));
        } else {
          variable.assign(tf.sub(variable, tf.mul(grad, lr)));
        }
      });
    });
    scale?.dispose();
    return norm;
  }

  /** A copy of the state, for checkpoints (reads the slots back on GPU backends). */
  getState(): OptimizerState {
    const slots =
      this.jsSlots?.map((s) => Float32Array.from(s)) ??
      this.varSlots?.map((s) => Float32Array.from(s.dataSync() as Float32Array)) ??
      this.weights.flatMap((w) =>
        Array.from({ length: this.slotsPerWeight }, () => new Float32Array(w.size)),
      );
    return { step: this.step, learningRate: this.learningRate, slots };
  }

  /**
   * Restores {@link Optimizer.getState}'s snapshot (same kind, weights and hyper-parameters).
   * @throws InvalidArgumentError when the slots do not match the weights
   */
  setState(state: OptimizerState): void {
    if (!(Number.isSafeInteger(state.step) && state.step >= 0))
      throw new InvalidArgumentError(`optimizer step must be a non-negative integer, got ${state.step}`, {
        field: 'step',
      });
    checkLearningRate(state.learningRate);
    const expected = this.weights.flatMap((w) => Array.from({ length: this.slotsPerWeight }, () => w.size));
    if (state.slots.length !== expected.length || state.slots.some((s, i) => s.length !== expected[i]))
      throw new InvalidArgumentError(
        `optimizer state has ${state.slots.length} slots of sizes [${state.slots.map((s) => s.length).join(', ')}], ` +
          `expected ${expected.length} of sizes [${expected.join(', ')}]`,
        { field: 'slots' },
      );
    this.step = state.step;
    this.learningRate = state.learningRate;
    this.disposeSlots();
    if (this.onJsPath()) {
      this.jsSlots = state.slots.map((s) => Float32Array.from(s));
      this.adamKernel = null; // a fresh kernel adopts these moments on the next update
    } else
      this.varSlots = state.slots.map((s, i) =>
        tf.tidy(() =>
          tf.variable(
            tf.tensor(s, this.weights[Math.floor(i / Math.max(1, this.slotsPerWeight))]?.shape),
            false,
          ),
        ),
      );
  }

  private disposeSlots(): void {
    this.varSlots?.forEach((v) => v.dispose());
    this.varSlots = undefined;
    this.jsSlots = undefined;
    this.adamKernel = null;
  }

  /** Frees the slots (the weights are not touched). */
  dispose(): void {
    this.disposeSlots();
  }
}

function checkLearningRate(learningRate: number): void {
  if (!(learningRate > 0 && Number.isFinite(learningRate)))
    throw new InvalidArgumentError(`learning rate must be a positive number, got ${learningRate}`, {
      field: 'learningRate',
    });
}

/**
 * SGD with momentum on one weight array, in place: `v = fround(μ·v + scale·g)`, `w = w − lr·v`
 * (float64 arithmetic, float32 storage). A top-level function of its arrays: inside the
 * optimizer's closure they were context slots, reloaded on every access.
 */
function sgdMomentumStep(
  w: Float32Array,
  vel: Float32Array,
  grad: Float32Array,
  momentum: number,
  scale: number,
  lr: number,
): void {
  for (let i = 0; i < w.length; i++) {
    const vi = Math.fround(momentum * (vel[i] as number) + (grad[i] as number) * scale);
    vel[i] = vi;
    w[i] = (w[i] as number) - lr * vi;
  }
}
