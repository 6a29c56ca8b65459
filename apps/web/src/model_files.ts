/**
 * The models the page downloads, in `public/model/` (made by `pnpm --filter @charrnn/web
 * make-model`, see README.md): each one zipped bundle.
 */
export const SHIPPED_MODEL = 'model.zip';

/** One-direction models for "why the RNN forgets": a tutorial RNN and an LSTM, same data. */
export const FORGETTING_MODELS = { rnn: 'rnn.zip', lstm: 'lstm.zip' } as const;

/**
 * The name generator (a character language model conditioned on the language), made by `pnpm
 * --filter @charrnn/web make-generator` into `public/model/generator/`.
 */
export const GENERATOR_MODEL = 'generator/generator.zip';
