import { InvalidArgumentError, InvalidConfigError } from '@charrnn/core';
import type { ConfigFile } from './config_file.js';
import { attributeOf, CONFIG_FLAGS, type ConfigKey } from './config_keys.js';
import { parseChoice, parseInteger, parseNumber, type Where } from './options.js';

/** Where a setting came from: a flag given on the command line, a config file, or the default. */
type Source =
  | { kind: 'cli'; value: string | boolean }
  | { kind: 'file'; value: string | number | boolean | null; where: Where }
  | { kind: 'default' };

/**
 * Merges the sources of each setting: defaults < `--config` file < flags given on the command line.
 */
export class Settings {
  constructor(
    private readonly cli: Readonly<Record<string, unknown>>,
    private readonly file: ConfigFile | null,
  ) {}

  source(key: ConfigKey): Source {
    const fromCli = this.cli[attributeOf(key)];
    if (typeof fromCli === 'string' || typeof fromCli === 'boolean') return { kind: 'cli', value: fromCli };
    if (this.file !== null && key in this.file.values) {
      const line = this.file.lines[key];
      return {
        kind: 'file',
        value: this.file.values[key] ?? null,
        where: { file: this.file.file, field: key, ...(line === undefined ? {} : { line }) },
      };
    }
    return { kind: 'default' };
  }

  /** Where errors about `key` point: the flag, or the file and key. */
  where(key: ConfigKey): Where {
    const s = this.source(key);
    return s.kind === 'file' ? s.where : CONFIG_FLAGS[key];
  }

  given(key: ConfigKey): boolean {
    const s = this.source(key);
    return s.kind !== 'default' && !(s.kind === 'file' && s.value === null);
  }

  /** The raw text of a setting (numbers from a file as written), or undefined when not given. */
  text(key: ConfigKey): string | undefined {
    const s = this.source(key);
    if (s.kind === 'default') return undefined;
    if (s.kind === 'cli') {
      if (typeof s.value === 'boolean') return undefined;
      return s.value;
    }
    if (s.value === null) return undefined;
    if (typeof s.value === 'boolean') this.fail(key, `expected a value, got ${String(s.value)}`);
    return String(s.value);
  }

  integer(key: ConfigKey, fallback: number, min: number, max: number): number {
    const raw = this.text(key);
    return raw === undefined ? fallback : parseInteger(this.where(key), raw, min, max);
  }

  optionalInteger(key: ConfigKey, min: number, max: number): number | null {
    const raw = this.text(key);
    return raw === undefined ? null : parseInteger(this.where(key), raw, min, max);
  }

  number(key: ConfigKey, fallback: number, min: number, max: number, exclusiveMin = false): number {
    const raw = this.text(key);
    return raw === undefined ? fallback : parseNumber(this.where(key), raw, min, max, { exclusiveMin });
  }

  choice<T extends string>(key: ConfigKey, fallback: T, choices: readonly T[]): T {
    const raw = this.text(key);
    return raw === undefined ? fallback : parseChoice(this.where(key), raw, choices);
  }

  flag(key: ConfigKey, fallback: boolean): boolean {
    const s = this.source(key);
    if (s.kind === 'default') return fallback;
    if (typeof s.value === 'boolean') return s.value;
    if (s.kind === 'file' && s.value === null) return fallback;
    return this.fail(key, `expected true or false, got ${JSON.stringify(s.value)}`);
  }

  path(key: ConfigKey): string | null {
    const s = this.source(key);
    if (s.kind === 'default' || s.value === null) return null;
    if (typeof s.value !== 'string' || s.value === '')
      return this.fail(key, `expected a path, got ${JSON.stringify(s.value)}`);
    return s.value;
  }

  fail(key: ConfigKey, message: string): never {
    const where = this.where(key);
    if (typeof where === 'string') throw new InvalidArgumentError(message, { field: where });
    throw new InvalidConfigError(message, where);
  }
}
