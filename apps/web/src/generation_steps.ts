import { PAD_ID, UNK_ID } from '@charrnn/tokenizer';
import { boundaryId, type GeneratorBundle } from '@charrnn/trainer';

/** One sampling step of a generated name: what the model expected, and what was drawn. */
export interface GenerationStep {
  /** The model's next-symbol probabilities (temperature 1), one per id; the last id is EOS. */
  probabilities: Float32Array;
  /** The id drawn at this step (`probabilities.length - 1`: the name ended here). */
  chosen: number;
}

/**
 * The model's next-symbol probabilities at every step of a name it generated: the stepper reads
 * BOS and the prime, then each generated character; one step per generated character, plus the
 * step that drew EOS when the model `ended` the name. The same stepper `sampleStream` samples
 * from, so these are the numbers the draw was made from (before the temperature).
 *
 * @throws Error when `generated` holds a character outside the generator's alphabet
 */
export function replayGeneration(
  bundle: GeneratorBundle,
  label: string | undefined,
  prime: string,
  generated: string,
  ended: boolean,
): GenerationStep[] {
  const { tokenizer, labels } = bundle;
  const boundary = boundaryId(tokenizer);
  const ids = Array.from(tokenizer.encode(generated));
  if (ids.includes(UNK_ID) || tokenizer.decode(ids) !== tokenizer.normalize(generated))
    throw new Error(`“${generated}” is not made of the generator's symbols`);
  const labelId = label === undefined ? -1 : labels.indexOf(label);
  const stepper = bundle.model.stepper({
    batchSize: 1,
    ...(labelId < 0 ? {} : { labels: Int32Array.of(labelId) }),
  });
  try {
    let probs: Float32Array = new Float32Array(0);
    for (const id of [boundary, ...tokenizer.encode(prime)]) probs = stepper.step(Int32Array.of(id));
    const steps: GenerationStep[] = [];
    for (const id of [...ids, ...(ended ? [boundary] : [])]) {
      steps.push({ probabilities: probs.slice(0, stepper.vocabSize), chosen: id });
      if (id !== boundary) probs = stepper.step(Int32Array.of(id));
    }
    return steps;
  } finally {
    stepper.dispose();
  }
}

/** One candidate of a chart column. */
export interface Candidate {
  /** The symbol as shown (`''` for the end of the name). */
  symbol: string;
  /** Its probability under the model. */
  probability: number;
  /** Whether this is the symbol that was drawn. */
  chosen: boolean;
  /** Whether this is the end of the name (EOS). */
  end: boolean;
}

/** One column of the "what the model expected" chart. */
export interface ExpectationColumn {
  /** The drawn symbol (also among `candidates`). */
  chosen: Candidate;
  /** Its rank among the symbols by probability (1 = the model's favourite). */
  chosenRank: number;
  /** The `k` most probable symbols, most probable first, plus the drawn one when it is not among them. */
  candidates: Candidate[];
}

/**
 * The chart's columns: for each step, the `k` most probable symbols (ties: lower id first; PAD
 * and UNK, which the sampler never draws, left out), the drawn one marked, and appended when it
 * is not among the top `k`.
 */
export function expectationColumns(
  steps: readonly GenerationStep[],
  symbolOf: (id: number) => string,
  k = 3,
): ExpectationColumn[] {
  return steps.map(({ probabilities, chosen }) => {
    const end = probabilities.length - 1;
    const candidate = (id: number): Candidate => ({
      symbol: id === end ? '' : symbolOf(id),
      probability: probabilities[id] as number,
      chosen: id === chosen,
      end: id === end,
    });
    const order: number[] = [];
    for (let id = 0; id < probabilities.length; id++) if (id !== PAD_ID && id !== UNK_ID) order.push(id);
    order.sort((a, b) => (probabilities[b] as number) - (probabilities[a] as number) || a - b);
    const top = order.slice(0, k);
    const candidates = top.map(candidate);
    if (!top.includes(chosen)) candidates.push(candidate(chosen));
    return {
      chosen: candidate(chosen),
      chosenRank: order.indexOf(chosen) + 1,
      candidates,
    };
  });
}
