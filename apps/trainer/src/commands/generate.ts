import path from 'node:path';
import { InvalidArgumentError } from '@charrnn/core';
import { fileSystemHandler } from '@charrnn/core/node';
import { loadGeneratorBundle, sample, type GeneratorBundle, type SampleOptions } from '@charrnn/trainer';
import { BACKEND_CHOICES, chooseBackend } from '../backend.js';
import { parseChoice, parseInteger, parseNumber } from '../options.js';

/** Flags of `charrnn generate`. */
export interface RawGenerateOptions {
  model?: string;
  label?: string;
  count?: string;
  prime?: string;
  temperature?: string;
  topK?: string;
  topP?: string;
  maxLength?: string;
  seed?: string;
  novel?: boolean;
  json?: boolean;
  backend: string;
}

/** Checks the flags of `charrnn generate` before anything is loaded. */
export function checkGenerateFlags(raw: RawGenerateOptions): { model: string; options: SampleOptions } {
  if (raw.model === undefined) throw new InvalidArgumentError('is required', { field: '--model' });
  parseChoice('--backend', raw.backend, BACKEND_CHOICES);
  const options: SampleOptions = {
    seed: raw.seed === undefined ? Date.now() % 0x7fffffff : parseInteger('--seed', raw.seed, 0, 0xffffffff),
    ...(raw.label === undefined ? {} : { label: raw.label }),
    ...(raw.count === undefined ? {} : { count: parseInteger('--count', raw.count, 1, 1_000_000) }),
    ...(raw.prime === undefined ? {} : { prime: raw.prime }),
    ...(raw.temperature === undefined
      ? {}
      : { temperature: parseNumber('--temperature', raw.temperature, 0, 100) }),
    ...(raw.topK === undefined ? {} : { topK: parseInteger('--top-k', raw.topK, 1) }),
    ...(raw.topP === undefined
      ? {}
      : { topP: parseNumber('--top-p', raw.topP, 0, 1, { exclusiveMin: true }) }),
    ...(raw.maxLength === undefined
      ? {}
      : { maxLength: parseInteger('--max-length', raw.maxLength, 1, 10_000_000) }),
    ...(raw.novel === true ? { novel: true } : {}),
  };
  return { model: raw.model, options };
}

/** Control characters (other than a text's newlines and tabs) shown as U+FFFD, never raw. */
function printable(text: string, kind: GeneratorBundle['kind']): string {
  return kind === 'text'
    ? text.replace(/[\p{Cc}\p{Cf}]/gu, (c) => (c === '\n' || c === '\t' ? c : '\uFFFD'))
    : text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '\uFFFD');
}

/**
 * `charrnn generate`: samples names (one per line) or text from a generator bundle. stdout holds
 * only the generated names or text (`--json`: one JSON record per line).
 */
export async function runGenerate(raw: RawGenerateOptions): Promise<void> {
  const { model, options } = checkGenerateFlags(raw);
  await chooseBackend(parseChoice('--backend', raw.backend, BACKEND_CHOICES));
  const bundle = await loadGeneratorBundle(fileSystemHandler(path.resolve(model)));
  try {
    if (bundle.labels.length > 0 && options.label === undefined)
      throw new InvalidArgumentError(
        `this generator is conditional: choose one of ${bundle.labels.join(', ')}`,
        {
          field: '--label',
        },
      );
    if (bundle.labels.length === 0 && options.label !== undefined)
      throw new InvalidArgumentError(
        'this generator is unconditional (trained without labels): it takes no --label',
        {
          field: '--label',
        },
      );
    if (options.label !== undefined && !bundle.labels.includes(options.label))
      throw new InvalidArgumentError(`unknown label; choose one of ${bundle.labels.join(', ')}`, {
        field: '--label',
      });
    const count = options.count ?? (bundle.kind === 'names' ? 10 : 1);
    const results = sample(bundle, { ...options, count });
    if (options.novel === true && results.length < count)
      process.stderr.write(`charrnn: only ${results.length} novel names in ${50 * count} tries\n`);
    for (const r of results) {
      if (raw.json === true)
        process.stdout.write(
          `${JSON.stringify({ text: r.text, ...(r.label === undefined ? {} : { label: r.label }), log_prob: r.logProb, ended: r.ended })}\n`,
        );
      else process.stdout.write(`${printable(r.text, bundle.kind)}\n`);
    }
  } finally {
    bundle.model.dispose();
  }
}
