import { fileSystemHandler } from '@charrnn/core/node';
import { loadClassifierBundle, type ClassifierBundle } from '@charrnn/trainer';
import { chooseBackend, BACKEND_CHOICES } from './backend.js';
import { parseChoice } from './options.js';

/** Starts the asked backend, then loads the model bundle saved in `dir`. */
export async function loadClassifierFromDir(dir: string, backend: string): Promise<ClassifierBundle> {
  await chooseBackend(parseChoice('--backend', backend, BACKEND_CHOICES));
  return loadClassifierBundle(fileSystemHandler(dir));
}
