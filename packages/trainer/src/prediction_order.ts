import type { CharClassifier } from '@charrnn/layers';
import { compareTokens } from '@charrnn/layers/internal';

/**
 * The order in which to batch `sequences` (token ids, by index) for `model`'s prediction, as
 * {@link CharClassifier.batchOrder} asks: by their tokens (lexicographic, a prefix before its
 * extensions: neighbours share prefixes, which the forward-only kernels compute once) or by
 * length (shortest first: the least padding on the tensor path). Ties keep index order, so the
 * order is deterministic.
 */
export function predictionOrder(
  model: Pick<CharClassifier, 'batchOrder'>,
  indices: readonly number[],
  sequences: (index: number) => Int32Array,
): number[] {
  const order = [...indices];
  if (model.batchOrder === 'length')
    return order.sort((a, b) => sequences(a).length - sequences(b).length || a - b);
  return order.sort((a, b) => {
    const p = sequences(a);
    const q = sequences(b);
    return compareTokens(p, 0, p.length, q, 0, q.length) || a - b;
  });
}
