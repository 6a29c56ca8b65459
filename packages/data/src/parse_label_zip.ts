import { InvalidCorpusError } from '@charrnn/core';
import { unzipSync } from 'fflate';
import { DEFAULT_MAX_BYTES, formatBytes } from './limits.js';
import type { ParsedCorpus, ParseOptions } from './parsed_corpus.js';
import { labelOfFileName, parseLabelFiles, type NamedFile } from './parse_label_files.js';

/** Options of {@link parseLabelZip}. */
export interface LabelZipOptions extends ParseOptions {
  /** Folder inside the archive holding the `<Label>.txt` files (default `'data/names/'`, the tutorial's layout). */
  directory?: string;
  /** Name of the archive (path or URL) for errors. */
  source?: string;
  /** Largest uncompressed entry accepted (default {@link DEFAULT_MAX_BYTES}). */
  maxBytes?: number;
}

/**
 * Reads the `<Label>.txt` files directly inside one folder of a zip archive (by default
 * `data/names/`, the layout of the PyTorch tutorial's `data.zip`). Other entries in that folder
 * are listed in `report.skippedFiles`; entries elsewhere are ignored and never decompressed.
 * Browser-safe (uses fflate).
 *
 * @throws InvalidCorpusError when the bytes are not a zip, an entry is larger than `maxBytes`, or
 * the folder holds no `.txt` file.
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(await (await fetch(zipUrl)).arrayBuffer());
 * const { corpus, report } = parseLabelZip(bytes, { source: zipUrl });
 * ```
 */
export function parseLabelZip(zip: Uint8Array, options: LabelZipOptions = {}): ParsedCorpus {
  const rawDirectory = options.directory ?? 'data/names/';
  const directory = rawDirectory === '' || rawDirectory.endsWith('/') ? rawDirectory : `${rawDirectory}/`;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const where = options.source === undefined ? {} : { file: options.source };
  const inFolder: string[] = [];
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, {
      filter: (info) => {
        if (!info.name.startsWith(directory)) return false;
        const rest = info.name.slice(directory.length);
        if (rest.length === 0 || rest.includes('/')) return false;
        inFolder.push(info.name);
        if (labelOfFileName(info.name) === undefined) return false;
        if (info.originalSize > maxBytes) {
          throw new InvalidCorpusError(
            `zip entry ${info.name} is ${formatBytes(info.originalSize)}, over the ${formatBytes(maxBytes)} limit (raise maxBytes to read it)`,
            where,
          );
        }
        return true;
      },
    });
  } catch (error) {
    if (error instanceof InvalidCorpusError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new InvalidCorpusError(`not a readable zip archive (${message})`, { ...where, cause: error });
  }
  const files: NamedFile[] = inFolder
    .slice()
    .sort()
    .map((name) => ({ name, data: entries[name] ?? '' }));
  if (!files.some((f) => labelOfFileName(f.name) !== undefined)) {
    throw new InvalidCorpusError(`no ${directory}<Label>.txt entries in the zip archive`, where);
  }
  return parseLabelFiles(files, options);
}
