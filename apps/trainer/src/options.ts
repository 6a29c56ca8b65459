import { InvalidArgumentError, InvalidConfigError } from '@charrnn/core';
import { checkSetting } from '@charrnn/trainer';

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
  const checked = checkSetting(raw, { min, max, integer: true });
  if ('problem' in checked) throw invalid(where, checked.problem);
  return checked.value;
}

/** Parses a value as a finite number in [min, max] (bounds inclusive unless `exclusiveMin`). */
export function parseNumber(
  where: Where,
  raw: string,
  min: number,
  max: number,
  options: { exclusiveMin?: boolean } = {},
): number {
  const checked = checkSetting(raw, {
    min,
    max,
    integer: false,
    exclusiveMin: options.exclusiveMin === true,
  });
  if ('problem' in checked) throw invalid(where, checked.problem);
  return checked.value;
}

/** Checks that `raw` is one of `choices`. */
export function parseChoice<T extends string>(where: Where, raw: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw invalid(where, `expected one of ${choices.join(', ')}, got '${raw}'`);
}
