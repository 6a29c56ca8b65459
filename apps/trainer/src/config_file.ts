import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError } from '@charrnn/core';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
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

/** A YAML node's value for the shape check: scalars as they are, collections as placeholders. */
function nodeValue(node: unknown, file: string, key: string, line: number | undefined): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node))
    throw new InvalidConfigError(
      `uses the YAML alias *${node.source}; a config file holds plain values, write the value out`,
      { file, ...(line === undefined ? {} : { line }), field: key },
    );
  if (isScalar(node)) return node.value;
  if (isSeq(node)) return [];
  if (isMap(node)) return {};
  return null;
}

/** Throws naming the file when `bytes` start with a UTF-16 or UTF-32 byte-order mark. */
function checkUtf8(bytes: Uint8Array, file: string): void {
  const [a, b] = bytes;
  if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff))
    throw new InvalidConfigError('is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8', {
      file,
    });
}

/**
 * Reads and checks the shape of a JSON (`.json`) or YAML (`.yaml`, `.yml`, anything else) config
 * file. Keys may be snake_case (`recurrent_dropout`) or kebab-case (`recurrent-dropout`); path
 * values are resolved against the file's directory. A UTF-8 byte-order mark is skipped. Every
 * error names the file, and the key (and its line) where there is one: a key given twice (JSON
 * too, where `JSON.parse` would silently keep the last), an unknown key (`__proto__` and
 * `constructor` included: keys are data, never object internals), a YAML alias (a config holds
 * plain values; refusing aliases also rules out alias "bombs"), a value that is not a scalar, a
 * number that is not finite (`.inf`, `.nan`), a UTF-16 file.
 */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  let bytes: Uint8Array;
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
    bytes = await readFile(file);
  } catch (error) {
    if (error instanceof InvalidConfigError) throw error;
    throw new InvalidConfigError(`cannot read the config file: ${(error as Error).message}`, {
      file,
      field: '--config',
      cause: error,
    });
  }
  checkUtf8(bytes, file);
  const text = new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
  const isJson = file.toLowerCase().endsWith('.json');
  if (isJson) {
    try {
      JSON.parse(text);
    } catch (error) {
      throw new InvalidConfigError(`is not valid JSON: ${(error as Error).message}`, { file, cause: error });
    }
  }
  // JSON is read with the YAML parser too (JSON is YAML 1.2): one walk over the keys, with lines,
  // and duplicate keys found in both formats.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = first.linePos?.[0].line;
    const what = (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '');
    if (first.code === 'DUPLICATE_KEY' && isMap(doc.contents)) {
      const seen = new Set<string>();
      for (const pair of doc.contents.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        const range = isScalar(pair.key) ? pair.key.range : undefined;
        if (seen.has(key))
          throw new InvalidConfigError('is given twice (a parser would silently keep one of the values)', {
            file,
            ...(range === undefined || range === null ? {} : { line: lineCounter.linePos(range[0]).line }),
            field: key,
          });
        seen.add(key);
      }
    }
    throw new InvalidConfigError(`is not valid ${isJson ? 'JSON' : 'YAML'}: ${what}`, {
      file,
      ...(line === undefined ? {} : { line }),
    });
  }
  const lines = new Map<string, number>();
  const contents = doc.contents;
  if (contents === null) return checkConfigEntries([], file, lines);
  if (!isMap(contents))
    throw new InvalidConfigError('must hold one object of settings (key: value)', { file });
  const entries: [string, unknown][] = [];
  for (const pair of contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const range = isScalar(pair.key) ? pair.key.range : undefined;
    const line = range === undefined || range === null ? undefined : lineCounter.linePos(range[0]).line;
    if (!isScalar(pair.key))
      throw new InvalidConfigError('keys must be plain names', {
        file,
        ...(line === undefined ? {} : { line }),
      });
    if (line !== undefined) lines.set(key.replaceAll('-', '_'), line);
    entries.push([key, nodeValue(pair.value, file, key, line)]);
  }
  return checkConfigEntries(entries, file, lines);
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
  return checkConfigEntries(
    Object.entries(raw as Record<string, unknown>),
    file,
    new Map(Object.entries(lines)),
  );
}

/** {@link checkConfigObject} on the (key, value) pairs of a config, in file order. */
function checkConfigEntries(
  entries: readonly (readonly [string, unknown])[],
  file: string,
  lineOf: ReadonlyMap<string, number>,
): ConfigFile {
  const lines: Partial<Record<ConfigKey, number>> = {};
  // A Map, not an object: a key such as __proto__ or constructor is data, never an object internal.
  const normalized = new Map<string, unknown>();
  for (const [key, value] of entries) {
    const snake = key.replaceAll('-', '_');
    const line = lineOf.get(snake);
    const where = { file, ...(line === undefined ? {} : { line }), field: key };
    if (!(CONFIG_KEYS as readonly string[]).includes(snake))
      throw new InvalidConfigError(`unknown setting (known: ${CONFIG_KEYS.join(', ')})`, where);
    if (normalized.has(snake))
      throw new InvalidConfigError(`gives ${snake} twice (as snake_case and kebab-case)`, where);
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new InvalidConfigError(`must be a finite number, got ${String(value)}`, where);
    normalized.set(snake, value);
    if (line !== undefined) lines[snake as ConfigKey] = line;
  }
  const parsed = fileSchema.safeParse(Object.fromEntries(normalized));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : String(issue?.path[0] ?? '');
    const line = lines[key as ConfigKey];
    const message =
      issue?.code === 'unrecognized_keys'
        ? `unknown setting (known: ${CONFIG_KEYS.join(', ')})`
        : `expected a string, number, boolean or null, got ${describe(normalized.get(key))}`;
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
