import { NgramHead } from '@charrnn/layers';
import type { CharClassifier } from '@charrnn/layers';

/** How much to trust a prediction, for the sentence under the input. */
export interface Confidence {
  /** `none`: the name looks like none of the known languages; `unsure`: two close guesses. */
  level: 'confident' | 'unsure' | 'none';
  /**
   * Share of the name's letter groups (3 to `maxN` tokens, boundaries included) that never
   * occur in the training names (the n-gram head's vocabulary); `null` without a head.
   */
  unseenShare: number | null;
}

/** Below this top probability the page says the name looks like none of the languages. */
const NONE_BELOW = 0.2;
/** Below this top probability (or with the second within a factor 1.5), the model is unsure. */
const UNSURE_BELOW = 0.5;
/** From this share of never-seen letter groups on, the name looks like none of the languages. */
const UNSEEN_ABOVE = 0.5;

/**
 * Judges a prediction: the top probabilities, and (with an n-gram head) how many of the name's
 * letter groups the training names contained, so that "Xqzvw" is not presented as confidently
 * Czech just because softmax must sum to 1.
 */
export function assessConfidence(model: CharClassifier, ids: Int32Array, top: readonly number[]): Confidence {
  const head = model.ngramHead;
  let unseenShare: number | null = null;
  if (head !== undefined && head.maxN >= 3) {
    const grams = NgramHead.gramsOf(ids, 3, head.maxN);
    if (grams.length > 0) unseenShare = grams.filter((g) => head.rowOf(g) < 0).length / grams.length;
  }
  const [p1 = 0, p2 = 0] = top;
  if (p1 < NONE_BELOW || (unseenShare !== null && ids.length >= 3 && unseenShare >= UNSEEN_ABOVE))
    return { level: 'none', unseenShare };
  if (p1 < UNSURE_BELOW || p2 * 1.5 > p1) return { level: 'unsure', unseenShare };
  return { level: 'confident', unseenShare };
}
