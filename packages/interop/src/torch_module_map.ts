import { InvalidArgumentError } from '@charrnn/core';
import type { TorchModuleMap } from './import_pytorch.js';

const KEYS: readonly (keyof TorchModuleMap)[] = ['embedding', 'rnn', 'linear', 'i2h', 'h2o'];

/**
 * Checks a `--map` file's JSON: an object whose keys are among `embedding`, `rnn`, `linear`,
 * `i2h`, `h2o` and whose values are module paths (`"encoder.rnn"`; `""` for a parameter at the
 * top level).
 * @throws InvalidArgumentError naming `file` and the key
 */
export function parseTorchModuleMap(json: unknown, file: string): TorchModuleMap {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new InvalidArgumentError('must be a JSON object such as {"rnn": "encoder.gru"}', { file });
  const map: TorchModuleMap = {};
  for (const [key, value] of Object.entries(json)) {
    if (!(KEYS as readonly string[]).includes(key))
      throw new InvalidArgumentError(
        `unknown part ${JSON.stringify(key.slice(0, 100))} (known: ${KEYS.join(', ')})`,
        {
          file,
          field: key.slice(0, 100),
        },
      );
    if (typeof value !== 'string' || value.length > 1000)
      throw new InvalidArgumentError('must be a module path string', { file, field: key });
    map[key as keyof TorchModuleMap] = value;
  }
  return map;
}
