import type * as tf from '@tensorflow/tfjs-core';
import { InvalidBundleError, loadBundle, saveBundle } from '@charrnn/core';
import type { BundleMetadata, ModelBundle } from '@charrnn/core';
import { LanguageModel, TutorialGenerator } from '@charrnn/layers';
import type { LanguageModelConfig, TutorialGeneratorConfig } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import type { GeneratorRecipe } from './generator_recipe.js';
import { boundaryId } from './language_model_data.js';
import { NoveltyFilter } from './novelty_filter.js';

/**
 * The model of a generator: a stacked `LanguageModel`, or the PyTorch tutorial's
 * `TutorialGenerator` (see `TUTORIAL_GENERATOR_RECIPE`). Both train, evaluate and sample
 * through the same methods.
 */
export type GeneratorModel = LanguageModel | TutorialGenerator;

/**
 * A trained character language model with what sampling needs: its tokenizer (the boundary id
 * `tokenizer.vocabSize` is BOS and EOS), its label names (empty for an unconditional model), what
 * it was trained on and how.
 */
export interface GeneratorBundle {
  model: GeneratorModel;
  tokenizer: Tokenizer;
  /** Label names of a conditional model, index = label id; empty otherwise. */
  labels: string[];
  /** `'names'`: sequences end with EOS; `'text'`: one endless stream. */
  kind: 'names' | 'text';
  /** How it was trained. */
  recipe?: GeneratorRecipe;
  /** Names: the training names (kept in memory), for `novel` sampling. */
  trainNames?: readonly string[];
  /** Names: the training names' fingerprints, as a loaded bundle carries them (see {@link NoveltyFilter}). */
  novelty?: NoveltyFilter;
  /** The bundle's charrnn metadata, once saved or loaded. */
  metadata?: BundleMetadata;
}

/** A classifier bundle given where a generator is expected, or the other way round. */
export class ModelKindError extends InvalidBundleError {
  /** What the caller needed. */
  readonly expected: 'classifier' | 'generator';
  /** What the bundle holds. */
  readonly found: 'classifier' | 'generator';

  constructor(expected: 'classifier' | 'generator', found: 'classifier' | 'generator', file?: string) {
    super(
      `this is a ${found} bundle, not a ${expected}: ${
        expected === 'generator'
          ? 'use charrnn predict / loadClassifierBundle'
          : 'use charrnn generate / loadGeneratorBundle'
      }`,
      { field: 'userDefinedMetadata.charrnn.model.task', ...(file === undefined ? {} : { file }) },
    );
    this.expected = expected;
    this.found = found;
  }
}

/** What kind of model a bundle's metadata describes. */
export function bundleKind(metadata: BundleMetadata): 'classifier' | 'generator' {
  return metadata.model['task'] === 'generate' ? 'generator' : 'classifier';
}

/** Options of {@link saveGeneratorBundle}. */
export interface SaveGeneratorOptions {
  /** Metrics to keep with the model (`val_bpc`...). */
  metrics?: Record<string, unknown>;
  /** More training provenance to keep. */
  training?: Record<string, unknown>;
}

/**
 * Saves a generator through any `tf.io` handler (`fileSystemHandler` of `@charrnn/core/node`,
 * IndexedDB, downloads...): the weights, and as charrnn metadata the tokenizer, the labels,
 * `model: { task: 'generate', kind, ...config }` (a tutorial generator's config holds
 * `architecture: 'tutorial'`), the recipe and, for names, fingerprints of the
 * training names (not the names) for `novel` sampling. The topology is charrnn's own
 * (`CharrnnLanguageModel`, or `CharrnnTutorialGenerator`): tfjs-layers cannot load it.
 */
export async function saveGeneratorBundle(
  bundle: GeneratorBundle,
  handler: tf.io.IOHandler,
  options: SaveGeneratorOptions = {},
): Promise<tf.io.SaveResult> {
  const { model, tokenizer } = bundle;
  checkParts(model.config, tokenizer, bundle.labels);
  const artifacts = model.toArtifacts();
  const novelty =
    bundle.novelty ??
    (bundle.trainNames === undefined ? undefined : NoveltyFilter.of(bundle.trainNames, tokenizer));
  const training = {
    ...(bundle.recipe === undefined ? {} : { recipe: bundle.recipe }),
    ...(novelty === undefined ? {} : { novelty: novelty.toJSON() }),
    ...options.training,
  };
  const full: ModelBundle = {
    // charrnn's own topology; its layer names (the weights' prefixes) tell loaders which weights it uses.
    modelTopology: {
      class_name: model instanceof TutorialGenerator ? 'CharrnnTutorialGenerator' : 'CharrnnLanguageModel',
      config: {
        model: { ...model.config },
        layers: [...new Set(artifacts.weightSpecs.map((w) => w.name.split('/')[0] as string))].map(
          (name) => ({ name }),
        ),
      },
    },
    weightSpecs: artifacts.weightSpecs,
    weightData: artifacts.weightData,
    metadata: {
      formatVersion: 1,
      createdAt: new Date().toISOString(),
      tokenizer: tokenizer.toJSON(),
      labels: [...bundle.labels],
      model: { task: 'generate', kind: bundle.kind, ...model.config },
      training,
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    },
  };
  return saveBundle(full, handler);
}

/**
 * Loads a generator saved by {@link saveGeneratorBundle} (or `charrnn train --task generate`).
 * @throws ModelKindError when the bundle holds a classifier; InvalidBundleError when it is
 *   malformed or its parts disagree
 */
export async function loadGeneratorBundle(handler: tf.io.IOHandler): Promise<GeneratorBundle> {
  const bundle = await loadBundle(handler);
  const file = (handler as { path?: unknown }).path;
  const where = typeof file === 'string' ? { file } : {};
  if (bundleKind(bundle.metadata) !== 'generator')
    throw new ModelKindError('generator', 'classifier', where.file);
  const m = bundle.metadata.model;
  const kind = m['kind'];
  if (kind !== 'names' && kind !== 'text')
    throw new InvalidBundleError(`kind must be "names" or "text", got ${JSON.stringify(kind)}`, {
      ...where,
      field: 'userDefinedMetadata.charrnn.model.kind',
    });
  const { task: _task, kind: _kind, ...rest } = m;
  const tokenizer = Tokenizer.fromJSON(bundle.metadata.tokenizer);
  const parts = { weightSpecs: bundle.weightSpecs, weightData: bundle.weightData };
  const model: GeneratorModel =
    rest['architecture'] === undefined
      ? LanguageModel.fromArtifacts({ config: rest as unknown as LanguageModelConfig, ...parts })
      : TutorialGenerator.fromArtifacts({ config: rest as unknown as TutorialGeneratorConfig, ...parts });
  try {
    checkParts(model.config, tokenizer, bundle.metadata.labels);
  } catch (error) {
    model.dispose();
    throw error;
  }
  const training = bundle.metadata.training ?? {};
  const novelty =
    training['novelty'] === undefined
      ? undefined
      : NoveltyFilter.fromJSON(training['novelty'], 'training.novelty');
  return {
    model,
    tokenizer,
    labels: bundle.metadata.labels,
    kind,
    ...(training['recipe'] === undefined ? {} : { recipe: training['recipe'] as GeneratorRecipe }),
    ...(novelty === undefined ? {} : { novelty }),
    metadata: bundle.metadata,
  };
}

function checkParts(
  config: { vocabSize: number; numLabels?: number },
  tokenizer: Tokenizer,
  labels: readonly string[],
): void {
  if (config.vocabSize !== boundaryId(tokenizer) + 1)
    throw new InvalidBundleError(
      `the model has ${config.vocabSize} symbols but the tokenizer has ${tokenizer.vocabSize} ids (+ 1 boundary)`,
      { field: 'userDefinedMetadata.charrnn.tokenizer' },
    );
  if ((config.numLabels ?? 0) !== labels.length)
    throw new InvalidBundleError(
      `the model has ${config.numLabels ?? 0} labels but ${labels.length} label names were given`,
      { field: 'userDefinedMetadata.charrnn.labels' },
    );
}
