import { loadBundle, InvalidBundleError, type BundleMetadata } from '@charrnn/core';
import { fileSystemHandler } from '@charrnn/core/node';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { chooseBackend, BACKEND_CHOICES } from './backend.js';
import { parseChoice } from './options.js';

/** A classifier loaded from a bundle, with what it needs to read names. */
export interface LoadedClassifier {
  model: CharClassifier;
  tokenizer: Tokenizer;
  labels: string[];
  metadata: BundleMetadata;
}

/** One name's prediction. */
export interface NamePrediction {
  name: string;
  /** The name as the model reads it (after the tokenizer's normalization). */
  normalized: string;
  top: { label: string; probability: number }[];
}

/** Starts the backend and loads the bundle saved in `dir`. */
export async function loadClassifierFromDir(dir: string, backend: string): Promise<LoadedClassifier> {
  await chooseBackend(parseChoice('--backend', backend, BACKEND_CHOICES));
  const bundle = await loadBundle(fileSystemHandler(dir));
  const tokenizer = Tokenizer.fromJSON(bundle.metadata.tokenizer);
  const labels = bundle.metadata.labels;
  const model = CharClassifier.fromArtifacts(bundle);
  if (model.config.numClasses !== labels.length) {
    model.dispose();
    throw new InvalidBundleError(
      `the model has ${model.config.numClasses} outputs but ${labels.length} labels`,
      {
        file: `${dir}/model.json`,
        field: 'userDefinedMetadata.charrnn.labels',
      },
    );
  }
  return { model, tokenizer, labels, metadata: bundle.metadata };
}

/** Top-`k` labels for each name, in input order. */
export function classifyNames(
  loaded: LoadedClassifier,
  names: readonly string[],
  k: number,
): NamePrediction[] {
  const out: NamePrediction[] = [];
  const numClasses = loaded.labels.length;
  const chunk = 256;
  for (let start = 0; start < names.length; start += chunk) {
    const slice = names.slice(start, start + chunk);
    const batch = loaded.tokenizer.encodeBatch(slice);
    const proba = loaded.model.predictProba(batch);
    slice.forEach((name, row) => {
      const scores = Array.from(proba.subarray(row * numClasses, (row + 1) * numClasses));
      const order = scores.map((_, i) => i).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
      out.push({
        name,
        normalized: loaded.tokenizer.normalize(name),
        top: order
          .slice(0, k)
          .map((i) => ({ label: loaded.labels[i] ?? String(i), probability: scores[i] ?? 0 })),
      });
    });
  }
  return out;
}
