import { InvalidArgumentError } from '@charrnn/core';

/** Parses a flag value as an integer in [min, max], naming the flag in the error. */
export function parseInteger(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value)) {
    throw new InvalidArgumentError(`expected an integer, got '${raw}'`, { field: flag });
  }
  if (value < min || value > max) {
    throw new InvalidArgumentError(`must be between ${min} and ${max}, got ${value}`, { field: flag });
  }
  return value;
}

/** Parses a flag value as a finite number in [min, max] (bounds inclusive unless `exclusiveMin`). */
export function parseNumber(
  flag: string,
  raw: string,
  min: number,
  max: number,
  options: { exclusiveMin?: boolean } = {},
): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`expected a number, got '${raw}'`, { field: flag });
  }
  const belowMin = options.exclusiveMin === true ? value <= min : value < min;
  if (belowMin || value > max) {
    const range =
      options.exclusiveMin === true ? `greater than ${min} and at most ${max}` : `between ${min} and ${max}`;
    throw new InvalidArgumentError(`must be ${range}, got ${value}`, { field: flag });
  }
  return value;
}

/** Checks that `raw` is one of `choices`. */
export function parseChoice<T extends string>(flag: string, raw: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got '${raw}'`, { field: flag });
}
