import { InvalidArgumentError } from '@charrnn/core';
import type { LabeledName } from '@charrnn/data';
import type { LanguageModelState } from '@charrnn/layers';
import type { GeneratorBundle, GeneratorModel } from './generator_bundle.js';
import { boundaryId, encodeNames, nameBatch, textStreams, textWindow } from './language_model_data.js';
import type { EncodedName, TextStreams } from './language_model_data.js';

/** Bits per character of encoded names (BOS → characters → EOS; EOS counted), in batches of 256. @internal */
export function namesBpc(
  model: GeneratorModel,
  names: readonly EncodedName[],
  boundary: number,
  conditional: boolean,
): number {
  let nats = 0;
  let count = 0;
  for (let i = 0; i < names.length; i += 256) {
    const { batch, targets } = nameBatch(names.slice(i, i + 256), boundary, conditional);
    const r = model.logLoss(batch, targets);
    nats += r.nats;
    count += r.count;
  }
  return nats / count / Math.LN2;
}

/** Bits per character of text streams read in windows of `seqLen`, the state carried. @internal */
export function textBpc(model: GeneratorModel, streams: TextStreams, seqLen: number): number {
  let state: LanguageModelState | undefined;
  let nats = 0;
  let count = 0;
  for (let i = 0; i < streams.n; i += seqLen) {
    const { batch, targets } = textWindow(streams, i, Math.min(seqLen, streams.n - i));
    const r = model.logLoss(batch, targets, {
      ...(state === undefined ? {} : { initialState: state }),
      onFinalState: (s) => (state = s),
    });
    nats += r.nats;
    count += r.count;
  }
  return nats / count / Math.LN2;
}

/**
 * Bits per character of a generator on names (EOS counted as a character; names of a label the
 * model does not know are skipped and counted) or on a text (read as `streams` parallel pieces
 * in windows of `seqLen`, the state carried, as in training).
 * @throws InvalidArgumentError when there is nothing to evaluate or the data kind does not fit
 */
export function generatorBpc(
  bundle: GeneratorBundle,
  data: { names: readonly LabeledName[] } | { text: string },
  options: { streams?: number; seqLen?: number } = {},
): { bpc: number; skipped: number; chars: number } {
  const { model, tokenizer, labels } = bundle;
  if ('names' in data) {
    if (bundle.kind !== 'names')
      throw new InvalidArgumentError('this is a text generator: evaluate it on a text', { field: 'data' });
    const conditional = labels.length > 0;
    const encoded = encodeNames(data.names, tokenizer, labels);
    const known = conditional ? encoded.filter((e) => e.label >= 0) : encoded;
    if (known.length === 0)
      throw new InvalidArgumentError('no name to evaluate (none has a label the model knows)', {
        field: 'data',
      });
    return {
      bpc: namesBpc(model, known, boundaryId(tokenizer), conditional),
      skipped: encoded.length - known.length,
      chars: known.reduce((n, e) => n + e.ids.length + 1, 0),
    };
  }
  if (bundle.kind !== 'text')
    throw new InvalidArgumentError('this is a name generator: evaluate it on names', { field: 'data' });
  const streams = textStreams(tokenizer.encode(data.text), options.streams ?? bundle.recipe?.batchSize ?? 32);
  return {
    bpc: textBpc(model, streams, options.seqLen ?? bundle.recipe?.seqLen ?? 100),
    skipped: 0,
    chars: streams.n * streams.B,
  };
}
