import { InvalidArgumentError } from '@charrnn/core';

/** How the next symbol is drawn from a model's probabilities. */
export interface SamplingRule {
  /** Divides the logits (`p^(1/T)`, renormalized): < 1 sharper, > 1 flatter. Default 1; 0 = greedy. */
  temperature?: number;
  /** Keep only the `k` most probable symbols (ties broken by lower id). */
  topK?: number;
  /** Keep the smallest set of most probable symbols whose probability reaches `p` (nucleus sampling). */
  topP?: number;
}

/** Throws InvalidArgumentError naming the option unless the rule is usable. @internal */
export function checkSamplingRule(rule: SamplingRule): void {
  const { temperature = 1, topK, topP } = rule;
  if (!(temperature >= 0 && Number.isFinite(temperature)))
    throw new InvalidArgumentError(`temperature must be ≥ 0, got ${temperature}`, { field: 'temperature' });
  if (topK !== undefined && !(Number.isSafeInteger(topK) && topK >= 1))
    throw new InvalidArgumentError(`topK must be a positive integer, got ${topK}`, { field: 'topK' });
  if (topP !== undefined && !(topP > 0 && topP <= 1))
    throw new InvalidArgumentError(`topP must be in (0, 1], got ${topP}`, { field: 'topP' });
}

/**
 * The distribution a symbol is drawn from: `probs` with the `excluded` ids set to 0, tempered,
 * cut to the top-k, then to the top-p nucleus (after top-k, as in Hugging Face's samplers),
 * renormalized. Written into `out` (float64); returns the number of symbols kept.
 * @internal
 */
export function samplingDistribution(
  probs: ArrayLike<number>,
  rule: SamplingRule,
  excluded: ReadonlySet<number>,
  out: Float64Array,
  order: number[],
): number {
  const V = probs.length;
  const temperature = rule.temperature ?? 1;
  let best = -1;
  for (let k = 0; k < V; k++) {
    const p = excluded.has(k) ? 0 : (probs[k] as number);
    out[k] = p;
    if (p > 0 && (best < 0 || p > (out[best] as number))) best = k;
  }
  if (best < 0) throw new InvalidArgumentError('the model gives probability 0 to every allowed symbol');
  if (temperature === 0) {
    out.fill(0);
    out[best] = 1;
    return 1;
  }
  if (temperature !== 1) {
    const max = Math.log(out[best] as number);
    for (let k = 0; k < V; k++) {
      const p = out[k] as number;
      out[k] = p > 0 ? Math.exp((Math.log(p) - max) / temperature) : 0;
    }
  }
  let kept = 0;
  for (let k = 0; k < V; k++) if ((out[k] as number) > 0) kept++;
  if (rule.topK !== undefined || rule.topP !== undefined) {
    order.length = 0;
    for (let k = 0; k < V; k++) if ((out[k] as number) > 0) order.push(k);
    order.sort((a, b) => (out[b] as number) - (out[a] as number) || a - b);
    let keep = order.length;
    if (rule.topK !== undefined) keep = Math.min(keep, rule.topK);
    if (rule.topP !== undefined) {
      let total = 0;
      for (let i = 0; i < keep; i++) total += out[order[i] as number] as number;
      let cumulative = 0;
      let n = 0;
      while (n < keep) {
        cumulative += out[order[n] as number] as number;
        n++;
        if (cumulative >= rule.topP * total) break;
      }
      keep = n;
    }
    for (let i = keep; i < order.length; i++) out[order[i] as number] = 0;
    kept = keep;
  }
  let sum = 0;
  for (let k = 0; k < V; k++) sum += out[k] as number;
  for (let k = 0; k < V; k++) out[k] = (out[k] as number) / sum;
  return kept;
}

/** Draws an index from the normalized `dist` with a uniform `u` in [0, 1). @internal */
export function drawIndex(dist: Float64Array, u: number): number {
  let cumulative = 0;
  let last = -1;
  for (let k = 0; k < dist.length; k++) {
    const p = dist[k] as number;
    if (p <= 0) continue;
    cumulative += p;
    last = k;
    if (u < cumulative) return k;
  }
  return last;
}
