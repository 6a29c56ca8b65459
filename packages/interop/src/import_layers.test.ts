import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers' orthogonal initializer calls chained ops (tensor.flatten()).
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { InvalidBundleError } from '@charrnn/core';
import { TUTORIAL_ALPHABET, foldToAscii } from '@charrnn/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { importLayersModel } from './import_layers.js';
import { fixtureNames } from './test-utils/fixtures.js';
import { tutorialVocabulary } from './torch_vocabulary.js';

tf.env().set('IS_TEST', true);

const NAMES = fixtureNames().slice(0, 60);

/** What `model.save` would write, captured in memory. */
async function artifactsOf(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      saved = artifacts;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  if (saved === undefined) throw new Error('nothing saved');
  // The JSON part round-trips through text, as a model.json does.
  const { weightData, ...json } = saved;
  return {
    ...(JSON.parse(JSON.stringify(json)) as tf.io.ModelArtifacts),
    weightData: weightData as ArrayBuffer,
  };
}

/** tfjs-layers' own probabilities, one unpadded name at a time (ids = index in the alphabet). */
function theirProbabilities(model: tfl.LayersModel, names: readonly string[]): number[][] {
  return names.map((name) => {
    const ids = [...foldToAscii(name)].map((c) => TUTORIAL_ALPHABET.indexOf(c));
    return tf.tidy(() =>
      Array.from((model.predict(tf.tensor2d([ids], [1, ids.length], 'int32')) as tf.Tensor).dataSync()),
    );
  });
}

function maxDiff(ours: Float32Array, theirs: number[][]): number {
  let max = 0;
  theirs.forEach((row, r) =>
    row.forEach((v, c) => (max = Math.max(max, Math.abs(v - (ours[r * row.length + c] as number))))),
  );
  return max;
}

describe('importLayersModel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('imports a tfjs-layers Sequential SimpleRNN built with defaults (mask_zero false)', async () => {
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.embedding({ inputDim: 57, outputDim: 8 }),
        tfl.layers.simpleRNN({ units: 12 }),
        tfl.layers.dense({ units: 5, activation: 'softmax' }),
      ],
    });
    const imported = importLayersModel(await artifactsOf(theirs), { vocabulary: tutorialVocabulary });
    const ours = imported.model.predictProba(imported.tokenizer.encodeBatch(NAMES));
    const diff = maxDiff(ours, theirProbabilities(theirs, NAMES));
    console.log(`[interop] tfjs-layers SimpleRNN defaults: max |Δp| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-6);
    expect(imported.notes).toContain(
      'mask_zero: false read as masked: each name runs over its own characters',
    );
    expect(imported.labels).toEqual(['0', '1', '2', '3', '4']);
    imported.model.dispose();
    theirs.dispose();
  });

  it.each(['lstm', 'gru'] as const)(
    'imports a tfjs-layers Sequential %s built with every default (hardSigmoid gates, mask_zero false)',
    async (cell) => {
      const theirs = tfl.sequential({
        layers: [
          tfl.layers.embedding({ inputDim: 57, outputDim: 8 }),
          cell === 'lstm' ? tfl.layers.lstm({ units: 12 }) : tfl.layers.gru({ units: 12 }),
          tfl.layers.dense({ units: 5, activation: 'softmax' }),
        ],
      });
      const imported = importLayersModel(await artifactsOf(theirs), { vocabulary: tutorialVocabulary });
      expect(imported.model.config).toMatchObject({ cell, recurrentActivation: 'hard_sigmoid' });
      const ours = imported.model.predictProba(imported.tokenizer.encodeBatch(NAMES));
      const diff = maxDiff(ours, theirProbabilities(theirs, NAMES));
      console.log(`[interop] tfjs-layers ${cell} defaults: max |Δp| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-6);
      imported.model.dispose();
      theirs.dispose();
    },
  );

  it("refuses Keras 3's hard_sigmoid (another function under the same name)", async () => {
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.embedding({ inputDim: 57, outputDim: 4 }),
        tfl.layers.lstm({ units: 3 }),
        tfl.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const artifacts = await artifactsOf(theirs);
    (artifacts.modelTopology as Record<string, unknown>)['keras_version'] = '3.6.0';
    expect(() =>
      importLayersModel(artifacts, { vocabulary: tutorialVocabulary, file: 'k3/model.json' }),
    ).toThrow(
      /^k3\/model\.json field modelTopology\.config\.layers\[1\]\.config\.recurrent_activation: Keras 3\.6\.0's hard_sigmoid/,
    );
    theirs.dispose();
  });

  it('imports a functional chain: bidirectional stacked GRU, Dense + Activation(softmax)', async () => {
    const input = tfl.input({ shape: [null], dtype: 'int32' });
    let x = tfl.layers.embedding({ inputDim: 57, outputDim: 6 }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers
      .bidirectional({
        layer: tfl.layers.gru({ units: 7, recurrentActivation: 'sigmoid', returnSequences: true }) as tfl.RNN,
        mergeMode: 'concat',
      })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers
      .bidirectional({
        layer: tfl.layers.gru({ units: 7, recurrentActivation: 'sigmoid' }) as tfl.RNN,
        mergeMode: 'concat',
      })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 4 }).apply(x) as tfl.SymbolicTensor;
    const output = tfl.layers.activation({ activation: 'softmax' }).apply(x) as tfl.SymbolicTensor;
    const theirs = tfl.model({ inputs: input, outputs: output });
    const imported = importLayersModel(await artifactsOf(theirs), {
      vocabulary: tutorialVocabulary,
      labels: ['a', 'b', 'c', 'd'],
    });
    expect(imported.model.config).toMatchObject({ cell: 'gru', layers: 2, bidirectional: 'concat' });
    const diff = maxDiff(
      imported.model.predictProba(imported.tokenizer.encodeBatch(NAMES)),
      theirProbabilities(theirs, NAMES),
    );
    console.log(`[interop] tfjs-layers functional bidirectional GRU: max |Δp| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-6);
    imported.model.dispose();
    theirs.dispose();
  });

  it('refuses what is not such a classifier, naming the file and field', async () => {
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 3, inputShape: [4] }),
        tfl.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const artifacts = await artifactsOf(theirs);
    let error: unknown;
    try {
      importLayersModel(artifacts, { vocabulary: tutorialVocabulary, file: 'm/model.json' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as InvalidBundleError).message).toBe(
      'm/model.json field modelTopology.config.layers[0]: expected an Embedding layer first',
    );
    theirs.dispose();
  });
});
