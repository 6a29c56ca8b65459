import { Readable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidCorpusError } from '@charrnn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNameLines } from '../node.js';
import type { NameLine } from '../name_line.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'charrnn-names-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(source: string | AsyncIterable<Uint8Array>, chunkBytes?: number): Promise<NameLine[]> {
  const out: NameLine[] = [];
  for await (const lines of readNameLines(source, chunkBytes === undefined ? {} : { chunkBytes }))
    for (const line of lines) out.push(line);
  return out;
}

const BYTES = Buffer.concat([
  Buffer.from('\uFEFFAbel \r\n\n Zhou\nTab\there\nCR\ronly\n'),
  Buffer.from([0x62, 0xff, 0x0a]),
  Buffer.from(`${'x'.repeat(70_000)}\nLast`),
]);

describe('readNameLines', () => {
  it('yields every line in order, a name or the reason there is none, whatever the chunking', async () => {
    const file = join(dir, 'names.txt');
    await writeFile(file, BYTES);
    const expected = [
      { line: 1, name: 'Abel' },
      { line: 2, name: '', problem: 'empty line' },
      { line: 3, name: 'Zhou' },
      { line: 4, name: 'Tab\there', problem: 'control character U+0009 in name' },
      { line: 5, name: 'CR\ronly', problem: 'control character U+000D in name' },
      { line: 6, name: 'b\uFFFD', problem: 'invalid UTF-8' },
      {
        line: 7,
        name: expect.stringMatching(/^x+…$/) as unknown as string,
        problem: 'line is 68.4 KiB, over the 64.0 KiB line limit',
      },
      { line: 8, name: 'Last' },
    ];
    expect(await collect(file)).toEqual(expected);
    expect(await collect(file, 7)).toEqual(expected);
    expect(await collect(Readable.from([BYTES.subarray(0, 10), BYTES.subarray(10)]))).toEqual(expected);
  });

  it('refuses binary and UTF-16 files as the corpus loaders do, naming the file', async () => {
    const binary = join(dir, 'binary.txt');
    await writeFile(binary, Buffer.from('Abel\n\u0000\u0001'));
    await expect(collect(binary)).rejects.toThrow(InvalidCorpusError);
    const utf16 = join(dir, 'utf16.txt');
    await writeFile(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Abel\n', 'utf16le')]));
    await expect(collect(utf16)).rejects.toThrow(new RegExp(`^${utf16}: `));
    await expect(collect(dir)).rejects.toThrow('is a directory, not a file of names');
  });
});
