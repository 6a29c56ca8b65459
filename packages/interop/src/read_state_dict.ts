import { readSafetensors } from './safetensors.js';
import type { ReadLimits, StateDict } from './state_dict.js';
import { isZip, readTorchStateDict } from './torch_zip.js';

/** A state dict read by {@link readStateDict}, and what it was read from. */
export interface ReadStateDictResult {
  /** The tensors by name. */
  tensors: StateDict;
  /** `'pytorch'` for a `torch.save` zip, `'safetensors'` otherwise. */
  format: 'pytorch' | 'safetensors';
  /** Names of non-tensor values left out of a `.pt` checkpoint (none for safetensors). */
  ignored: string[];
}

/**
 * Reads a PyTorch state dict from a `torch.save` zip (`.pt`, `.pth`, `.bin`) or a
 * `.safetensors` file, told apart by their first bytes (a zip starts with `PK\x03\x04`).
 * @throws InvalidBundleError naming `file` and the field
 */
export function readStateDict(bytes: Uint8Array, file: string, limits: ReadLimits = {}): ReadStateDictResult {
  if (isZip(bytes)) return { format: 'pytorch', ...readTorchStateDict(bytes, file, limits) };
  return { format: 'safetensors', tensors: readSafetensors(bytes, file, limits).tensors, ignored: [] };
}
