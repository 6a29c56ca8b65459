/**
 * The ranges a training setting may take, and the words used when a value is refused: shared by
 * the `charrnn train` CLI (flags and config files) and the web demo's form, so both refuse the
 * same values with the same messages.
 */
export interface SettingLimit {
  /** Smallest value (excluded when `exclusiveMin`). */
  min: number;
  /** Largest value (included). */
  max: number;
  /** Whole numbers only. */
  integer: boolean;
  /** `min` itself is refused (a learning rate must be > 0). */
  exclusiveMin?: boolean;
}

/** Limits of the numeric training settings, by their `charrnn train` config key. */
export const TRAIN_LIMITS = {
  layers: { min: 1, max: 64, integer: true },
  hidden: { min: 1, max: 4096, integer: true },
  embed: { min: 1, max: 4096, integer: true },
  epochs: { min: 1, max: 100_000, integer: true },
  batch: { min: 1, max: 65_536, integer: true },
  lr: { min: 0, max: 10, integer: false, exclusiveMin: true },
  dropout: { min: 0, max: 0.95, integer: false },
  recurrent_dropout: { min: 0, max: 0.95, integer: false },
  clip: { min: 0, max: 1e6, integer: false },
} as const satisfies Record<string, SettingLimit>;

/** A setting named in {@link TRAIN_LIMITS}. */
export type LimitedSetting = keyof typeof TRAIN_LIMITS;

/**
 * Checks a setting as typed (`raw`) against `limit`: the value, or why it is refused, in the
 * words the CLI uses (`expected an integer, got '2.5'`, `must be between 1 and 4096, got 0`).
 */
export function checkSetting(raw: string, limit: SettingLimit): { value: number } | { problem: string } {
  const value = Number(raw);
  if (limit.integer) {
    if (raw.trim() === '' || !Number.isInteger(value))
      return { problem: `expected an integer, got '${raw}'` };
  } else if (raw.trim() === '' || !Number.isFinite(value))
    return { problem: `expected a number, got '${raw}'` };
  const belowMin = limit.exclusiveMin === true ? value <= limit.min : value < limit.min;
  if (belowMin || value > limit.max) {
    const range =
      limit.exclusiveMin === true
        ? `greater than ${limit.min} and at most ${limit.max}`
        : `between ${limit.min} and ${limit.max}`;
    return { problem: `must be ${range}, got ${value}` };
  }
  return { value };
}
