/**
 * The kernels module's bytes rewritten to import a shared memory, so that several threads can run
 * its functions over one linear memory (see `KernelThreads`).
 *
 * The module (`scripts/build-wasm.mjs`) defines its own memory: `(memory (export "memory") 1)`.
 * A module that several instances share memory with must instead import it as
 * `(import "env" "memory" (memory 1 65536 shared))`. Rather than shipping a second copy of
 * every variant's bytes, this rewrites the binary: the memory section goes, and an import
 * section with that one import is put where the format wants it (after the type section). The
 * memory keeps index 0, so the code and the `memory` export are unchanged.
 * @internal
 */

/** Wasm page count of the shared memory's maximum (4 GiB, the wasm32 limit). */
export const SHARED_MEMORY_MAX_PAGES = 65536;

const SECTION_TYPE = 1;
const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;

function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function name(text: string): number[] {
  const bytes = [...text].map((c) => c.charCodeAt(0));
  return [...unsignedLeb(bytes.length), ...bytes];
}

/**
 * `bytes` with its memory definition replaced by the import `env.memory`, a shared memory of at
 * least 1 page and at most {@link SHARED_MEMORY_MAX_PAGES}.
 * @throws Error when `bytes` is not a module with one memory section of one memory and no imports
 */
export function withSharedMemoryImport(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d)
    throw new Error('not a WebAssembly module');
  const sections: { id: number; body: Uint8Array }[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++] as number;
    let size = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[at++] as number;
      size |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    sections.push({ id, body: bytes.subarray(at, at + size) });
    at += size;
  }
  if (sections.some((s) => s.id === SECTION_IMPORT)) throw new Error('the kernels module has imports');
  const memories = sections.filter((s) => s.id === SECTION_MEMORY);
  if (memories.length !== 1 || memories[0]?.body[0] !== 1)
    throw new Error('the kernels module must define exactly one memory');
  const imports = [
    ...unsignedLeb(1),
    ...name('env'),
    ...name('memory'),
    0x02, // memory
    0x03, // limits: a maximum, shared
    ...unsignedLeb(1),
    ...unsignedLeb(SHARED_MEMORY_MAX_PAGES),
  ];
  const out: number[] = [...bytes.subarray(0, 8)];
  const push = (id: number, body: ArrayLike<number>): void => {
    out.push(id, ...unsignedLeb(body.length));
    for (let i = 0; i < body.length; i++) out.push(body[i] as number);
  };
  for (const s of sections) {
    if (s.id === SECTION_MEMORY) continue;
    push(s.id, s.body);
    if (s.id === SECTION_TYPE) push(SECTION_IMPORT, imports);
  }
  return Uint8Array.from(out);
}
