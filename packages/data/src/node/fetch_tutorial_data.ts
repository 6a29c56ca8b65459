import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { IoError, NotFoundError } from '@charrnn/core';
import { writeFileAtomic } from '@charrnn/core/node';
import { DEFAULT_MAX_BYTES, formatBytes } from '../limits.js';
import type { ParsedCorpus, ParseOptions } from '../parsed_corpus.js';
import { parseLabelZip } from '../parse_label_zip.js';
import { readFileLimited, statPath } from './read_file_limited.js';

/** Where the PyTorch "Classifying Names with a Character-Level RNN" tutorial publishes its data zip. */
export const TUTORIAL_DATA_URL = 'https://download.pytorch.org/tutorial/data.zip';

/** Options of {@link fetchTutorialData}. */
export interface FetchTutorialDataOptions extends ParseOptions {
  /** Folder for the cached zip (created when missing). */
  cacheDir: string;
  /** Zip to download (default {@link TUTORIAL_DATA_URL}). */
  url?: string;
  /** `fetch` implementation (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
  /** Largest download and largest zip entry accepted, in bytes (default 256 MiB). */
  maxBytes?: number;
  /** Folder inside the zip holding the `<Label>.txt` files (default `'data/names/'`). */
  directory?: string;
}

/** What {@link fetchTutorialData} returns: the corpus, its report, and where the zip is cached. */
export interface TutorialData extends ParsedCorpus {
  /** Path of the cached zip. */
  path: string;
  /** `true` when this call downloaded the zip, `false` when it came from the cache. */
  downloaded: boolean;
}

/** File name of the cached zip for `url`: stable, and distinct for distinct URLs. */
function cacheName(url: string): string {
  return `names-data-${createHash('sha256').update(url).digest('hex').slice(0, 16)}.zip`;
}

async function download(
  url: string,
  fetchImpl: typeof globalThis.fetch,
  maxBytes: number,
): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch (error) {
    throw new IoError(`download failed (${(error as Error).message})`, { file: url, cause: error });
  }
  if (!response.ok) {
    throw new IoError(
      `download failed: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
      { file: url },
    );
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new IoError(
      `download is ${formatBytes(declared)}, over the ${formatBytes(maxBytes)} limit (raise maxBytes)`,
      { file: url },
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > maxBytes) {
    throw new IoError(
      `download is ${formatBytes(bytes.length)}, over the ${formatBytes(maxBytes)} limit (raise maxBytes)`,
      { file: url },
    );
  }
  return bytes;
}

/**
 * Downloads the tutorial's data zip once, caches it under `cacheDir` (written atomically, and
 * only after it parsed), and reads its `data/names/<Label>.txt` files. Later calls read the
 * cached zip without touching the network.
 *
 * @throws IoError naming the URL when the download fails (network error, HTTP status, size);
 * InvalidCorpusError when the zip is unreadable or has no `data/names/*.txt`.
 *
 * @example
 * ```ts
 * const { corpus, report, path } = await fetchTutorialData({ cacheDir: '.cache/charrnn' });
 * console.log(formatReport(report), 'cached at', path);
 * ```
 */
export async function fetchTutorialData(options: FetchTutorialDataOptions): Promise<TutorialData> {
  const url = options.url ?? TUTORIAL_DATA_URL;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const path = join(options.cacheDir, cacheName(url));
  const parseOptions = { ...options, source: path, maxBytes };
  let cached = true;
  try {
    await statPath(path);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    cached = false;
  }
  if (cached) {
    const bytes = await readFileLimited(path, maxBytes);
    return { ...parseLabelZip(bytes, parseOptions), path, downloaded: false };
  }
  const bytes = await download(url, options.fetch ?? globalThis.fetch, maxBytes);
  const parsed = parseLabelZip(bytes, { ...parseOptions, source: url });
  try {
    await mkdir(options.cacheDir, { recursive: true });
    await writeFileAtomic(path, bytes);
  } catch (error) {
    throw new IoError(`cannot write the cache (${(error as Error).message})`, { file: path, cause: error });
  }
  return { ...parsed, path, downloaded: true };
}
