import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError } from '@charrnn/core';
import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import { z } from 'zod';
import { CONFIG_KEYS, type ConfigKey } from './config_keys.js';

/** Config keys that hold paths (resolved against the config file's directory when read from one). */
const PATH_KEYS = ['data', 'val', 'test', 'out'] as const;

/** A scalar a config file may give for a key. */
const fileValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Shape of a config file: one object of known keys with scalar values (ranges are checked later). */
const fileSchema = z.strictObject(
  Object.fromEntries(CONFIG_KEYS.map((key) => [key, fileValue.optional()])) as Record<
    ConfigKey,
    z.ZodOptional<typeof fileValue>
  >,
);

/** Values read from a `--config` file, by snake_case key, with the line each is on (YAML). */
export interface ConfigFile {
  file: string;
  values: Partial<Record<ConfigKey, string | number | boolean | null>>;
  lines: Partial<Record<ConfigKey, number>>;
}

/** Largest config file read (a config is a few hundred bytes). */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads and checks the shape of a JSON (`.json`) or YAML (`.yaml`, `.yml`, anything else) config
 * file. Keys may be snake_case (`recurrent_dropout`) or kebab-case (`recurrent-dropout`); path
 * values are resolved against the file's directory. Every error names the file and the key.
 */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new InvalidConfigError('not a regular file', { file, field: '--config' });
    if (info.size > MAX_CONFIG_BYTES)
      throw new InvalidConfigError(
        `is ${info.size} bytes; a config file may hold at most ${MAX_CONFIG_BYTES}`,
        {
          file,
        },
      );
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof InvalidConfigError) throw error;
    throw new InvalidConfigError(`cannot read the config file: ${(error as Error).message}`, {
      file,
      field: '--config',
      cause: error,
    });
  }
  const lines: Partial<Record<ConfigKey, number>> = {};
  let raw: unknown;
  if (file.toLowerCase().endsWith('.json')) {
    try {
      raw = JSON.parse(text) as unknown;
    } catch (error) {
      throw new InvalidConfigError(`is not valid JSON: ${(error as Error).message}`, { file, cause: error });
    }
  } else {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
    const first = doc.errors[0];
    if (first !== undefined) {
      const line = first.linePos?.[0].line;
      const what = (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '');
      throw new InvalidConfigError(`is not valid YAML: ${what}`, {
        file,
        ...(line === undefined ? {} : { line }),
      });
    }
    raw = doc.toJS() as unknown;
    if (isMap(doc.contents)) {
      for (const pair of doc.contents.items) {
        if (isScalar(pair.key) && pair.key.range !== undefined && pair.key.range !== null) {
          const key = String(pair.key.value).replaceAll('-', '_') as ConfigKey;
          lines[key] = lineCounter.linePos(pair.key.range[0]).line;
        }
      }
    }
  }
  return checkConfigObject(raw, file, lines);
}

/**
 * Checks the shape of a parsed config object (from a file, or the config saved in a checkpoint):
 * known keys (snake_case or kebab-case), scalar values; paths resolved against `file`'s folder.
 */
export function checkConfigObject(
  raw: unknown,
  file: string,
  lines: Partial<Record<ConfigKey, number>> = {},
): ConfigFile {
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new InvalidConfigError('must hold one object of settings (key: value)', { file });
  const normalized: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const snake = key.replaceAll('-', '_');
    if (snake in normalized)
      throw new InvalidConfigError(`gives ${snake} twice (as snake_case and kebab-case)`, {
        file,
        field: key,
      });
    normalized[snake] = value;
  }
  const parsed = fileSchema.safeParse(normalized);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : String(issue?.path[0] ?? '');
    const line = lines[key as ConfigKey];
    const message =
      issue?.code === 'unrecognized_keys'
        ? `unknown setting (known: ${CONFIG_KEYS.join(', ')})`
        : `expected a string, number, boolean or null, got ${describe(normalized[key])}`;
    throw new InvalidConfigError(message, { file, ...(line === undefined ? {} : { line }), field: key });
  }
  const values: ConfigFile['values'] = {};
  const dir = path.dirname(path.resolve(file));
  for (const [key, value] of Object.entries(parsed.data) as [ConfigKey, string | number | boolean | null][]) {
    if (value === undefined) continue;
    values[key] =
      (PATH_KEYS as readonly string[]).includes(key) && typeof value === 'string'
        ? path.resolve(dir, value)
        : value;
  }
  return { file, values, lines };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : typeof value;
}
