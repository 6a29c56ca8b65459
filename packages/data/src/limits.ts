/**
 * Largest file (or zip entry, or download) the loaders accept by default: 256 MiB. Larger inputs
 * are refused with an error instead of being read into memory; pass `maxBytes` to change it.
 */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** `268435456` -> `'256.0 MiB'`. @internal */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * Longest line the parsers accept by default: 64 KiB (names are a few dozen bytes). A longer line
 * is counted as malformed and dropped without being kept in memory; pass `maxLineBytes` to change it.
 */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
