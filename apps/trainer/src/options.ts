import { InvalidArgumentError, InvalidConfigError } from '@charrnn/core';

/**
 * Where a value came from, for error messages: a flag (`'--lr'`), or a key of a config file
 * (`{ file: 'run.yaml', line: 3, field: 'lr' }`).
 */
export type Where = string | { file: string; field: string; line?: number };

function invalid(where: Where, message: string): Error {
  return typeof where === 'string'
    ? new InvalidArgumentError(message, { field: where })
    : new InvalidConfigError(message, where);
}

/** Parses a value as an integer in [min, max], naming the flag or config key in the error. */
export function parseInteger(where: Where, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value))
    throw invalid(where, `expected an integer, got '${raw}'`);
  if (value < min || value > max) throw invalid(where, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Parses a value as a finite number in [min, max] (bounds inclusive unless `exclusiveMin`). */
export function parseNumber(
  where: Where,
  raw: string,
  min: number,
  max: number,
  options: { exclusiveMin?: boolean } = {},
): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw invalid(where, `expected a number, got '${raw}'`);
  const belowMin = options.exclusiveMin === true ? value <= min : value < min;
  if (belowMin || value > max) {
    const range =
      options.exclusiveMin === true ? `greater than ${min} and at most ${max}` : `between ${min} and ${max}`;
    throw invalid(where, `must be ${range}, got ${value}`);
  }
  return value;
}

/** Checks that `raw` is one of `choices`. */
export function parseChoice<T extends string>(where: Where, raw: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw invalid(where, `expected one of ${choices.join(', ')}, got '${raw}'`);
}
