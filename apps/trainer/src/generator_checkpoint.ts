import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { InvalidBundleError } from '@charrnn/core';
import { writeFileAtomic } from '@charrnn/core/node';
import {
  decodeLanguageModelCheckpoint,
  encodeLanguageModelCheckpoint,
  type LanguageModelCheckpointStore,
} from '@charrnn/trainer';
import { CHECKPOINT_DIR } from './run_checkpoint.js';

const STATE = 'lm_state.json';
const TENSORS = /^lm_tensors\.[0-9a-f]{16}\.bin$/;
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * The checkpoint store of `charrnn train --task generate` in `<runDir>/checkpoint/`: the arrays
 * as `lm_tensors.<hash>.bin` (content-addressed), then `lm_state.json` atomically, then older
 * tensor files removed, so a process killed at any moment leaves a complete checkpoint.
 */
export function generatorFileStore(runDir: string): LanguageModelCheckpointStore {
  const dir = path.join(runDir, CHECKPOINT_DIR);
  return {
    async save(saved) {
      await mkdir(dir, { recursive: true });
      const { json, data } = encodeLanguageModelCheckpoint(saved);
      const hash = sha256(data);
      const file = `lm_tensors.${hash.slice(0, 16)}.bin`;
      await writeFileAtomic(path.join(dir, file), data);
      await writeFileAtomic(
        path.join(dir, STATE),
        `${JSON.stringify({ ...json, tensors: { file, bytes: data.byteLength, sha256: hash } })}\n`,
      );
      const names = await readdir(dir).catch(() => [] as string[]);
      await Promise.all(
        names
          .filter((n) => n !== file && TENSORS.test(n))
          .map((n) => rm(path.join(dir, n), { force: true }).catch(() => undefined)),
      );
    },
    async load() {
      const stateFile = path.join(dir, STATE);
      let text: string;
      try {
        text = await readFile(stateFile, 'utf8');
      } catch {
        return null;
      }
      let state: Record<string, unknown>;
      try {
        state = JSON.parse(text) as Record<string, unknown>;
      } catch (error) {
        throw new InvalidBundleError(`is not valid JSON: ${(error as Error).message}`, { file: stateFile });
      }
      const tensors = state['tensors'] as { file?: unknown; sha256?: unknown } | undefined;
      if (typeof tensors?.file !== 'string' || !TENSORS.test(tensors.file))
        throw new InvalidBundleError('names no tensors file', { file: stateFile, field: 'tensors.file' });
      const tensorsFile = path.join(dir, tensors.file);
      const data = new Uint8Array(await readFile(tensorsFile));
      if (sha256(data) !== tensors.sha256)
        throw new InvalidBundleError(`does not match the SHA-256 in ${stateFile} (damaged)`, {
          file: tensorsFile,
        });
      return decodeLanguageModelCheckpoint(state, data, stateFile);
    },
    async clear() {
      const names = await readdir(dir).catch(() => [] as string[]);
      await Promise.all(
        names
          .filter((n) => n === STATE || TENSORS.test(n))
          .map((n) => rm(path.join(dir, n), { force: true })),
      );
    },
  };
}
