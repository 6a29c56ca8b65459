import { readFile, stat } from 'node:fs/promises';
import { IoError, MAX_ZIP_BUNDLE_BYTES, zipLoadHandler } from '@charrnn/core';
import { fileSystemHandler } from '@charrnn/core/node';
import { loadClassifierBundle, type ClassifierBundle } from '@charrnn/trainer';
import { chooseBackend, BACKEND_CHOICES } from './backend.js';
import { parseChoice } from './options.js';

/**
 * Starts the asked backend, then loads the model bundle saved in `dir`: a bundle folder, or one
 * `.zip` file holding a bundle (the web demo's download).
 */
export async function loadClassifierFromDir(dir: string, backend: string): Promise<ClassifierBundle> {
  await chooseBackend(parseChoice('--backend', backend, BACKEND_CHOICES));
  if (dir.toLowerCase().endsWith('.zip') && (await stat(dir).catch(() => null))?.isFile() === true) {
    if ((await stat(dir)).size > MAX_ZIP_BUNDLE_BYTES)
      throw new IoError(`is over ${MAX_ZIP_BUNDLE_BYTES} bytes, too large for a model bundle`, { file: dir });
    return loadClassifierBundle(zipLoadHandler(await readFile(dir), dir));
  }
  return loadClassifierBundle(fileSystemHandler(dir));
}
