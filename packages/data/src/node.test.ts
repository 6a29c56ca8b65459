import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidCorpusError, IoError, NotFoundError } from '@charrnn/core';
import { formatReport } from './index.js';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchTutorialData, loadCorpus, loadLabelDirectory, loadTsvFile, TUTORIAL_DATA_URL } from './node.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'charrnn-data-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadLabelDirectory', () => {
  it('reads <Label>.txt files, lists the rest as skipped', async () => {
    const dir = join(root, 'names');
    await mkdir(join(dir, 'sub.txt'), { recursive: true });
    await writeFile(join(dir, 'Zorbish.txt'), 'Quaxley\nBrindlewort\n\n');
    await writeFile(join(dir, 'Florian.txt'), '\uFEFFMorvana\r\nQuaxley\r\n');
    await writeFile(join(dir, 'README.md'), '# notes');
    const { corpus, report } = await loadLabelDirectory(dir);
    expect(corpus.labels).toEqual(['Florian', 'Zorbish']);
    expect(corpus.items.map((i) => `${i.label}:${i.name}`)).toEqual([
      'Florian:Morvana',
      'Florian:Quaxley',
      'Zorbish:Quaxley',
      'Zorbish:Brindlewort',
    ]);
    expect(corpus.items[3]?.source).toEqual({ file: join(dir, 'Zorbish.txt'), line: 2 });
    expect(report.empty).toEqual([
      { file: join(dir, 'Zorbish.txt'), line: 3, name: '', detail: 'empty line' },
    ]);
    expect(report.crossLabel.map((i) => i.name)).toEqual(['Quaxley']);
    expect(report.skippedFiles).toEqual([join(dir, 'README.md'), `${join(dir, 'sub.txt')}/`]);
    expect(report.total).toBe(5);
    expect(await loadCorpus(dir)).toEqual({ corpus, report });
  });

  it('skips, counts and lists files whose name is not valid UTF-8 instead of failing on them', async () => {
    const dir = join(root, 'bad-names');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'Greek.txt'), 'Abel\n');
    // Latin-1 "Français.txt": the byte 0xE7 alone is not UTF-8.
    const latin1 = Buffer.concat([Buffer.from(dir + '/Fran'), Buffer.from([0xe7]), Buffer.from('ais.txt')]);
    await writeFile(latin1, 'Jean\n');
    const { corpus, report } = await loadLabelDirectory(dir);
    expect(corpus.labels).toEqual(['Greek']);
    expect(report.badFileNames).toEqual([join(dir, 'Fran\\xe7ais.txt')]);
    expect(formatReport(report)).toContain(
      `skipped files (name not valid UTF-8): 1: ${join(dir, 'Fran\\xe7ais.txt')}`,
    );
  });

  it('names the directory when it has no .txt file, and a missing one', async () => {
    const dir = join(root, 'empty');
    await mkdir(dir);
    await writeFile(join(dir, 'a.csv'), 'x');
    await expect(loadLabelDirectory(dir)).rejects.toThrow(
      new InvalidCorpusError('no <Label>.txt files in directory', { file: dir }),
    );
    await expect(loadLabelDirectory(join(root, 'missing'))).rejects.toThrow(NotFoundError);
    await expect(loadCorpus(join(root, 'missing'))).rejects.toThrow(
      `${join(root, 'missing')}: no such file or directory`,
    );
  });

  it('refuses files over the size limit before reading them', async () => {
    const dir = join(root, 'big');
    await mkdir(dir);
    await writeFile(join(dir, 'Big.txt'), 'x'.repeat(2048));
    await expect(loadLabelDirectory(dir, { maxBytes: 1024 })).rejects.toThrow(
      new IoError('file is 2.0 KiB, over the 1.0 KiB limit (raise maxBytes to load it)', {
        file: join(dir, 'Big.txt'),
      }),
    );
    expect((await loadLabelDirectory(dir, { maxBytes: 4096 })).report.kept).toBe(1);
  });
});

describe('loadTsvFile / loadCorpus', () => {
  it('reads TSV files by extension and rejects other types', async () => {
    const tsv = join(root, 'train.tsv');
    await writeFile(tsv, 'name\tlabel\nQuaxley\tZorbish\nMorvana\n');
    const { corpus, report } = await loadTsvFile(tsv);
    expect(corpus.items).toEqual([{ name: 'Quaxley', label: 'Zorbish', source: { file: tsv, line: 2 } }]);
    expect(report.malformed).toHaveLength(1);
    expect(await loadCorpus(tsv)).toEqual({ corpus, report });
    await expect(loadTsvFile(tsv, { strict: true })).rejects.toThrow(
      `${tsv} line 3: no tab: expected name<TAB>label`,
    );
    const csv = join(root, 'x.csv');
    await writeFile(csv, 'a,b\n');
    await expect(loadCorpus(csv)).rejects.toThrow(InvalidCorpusError);
  });
});

describe('fetchTutorialData', () => {
  // A zip in the tutorial's layout, with made-up names.
  const zip = zipSync({
    'data/names/Zorbish.txt': strToU8('Quaxley\nBrindlewort\n'),
    'data/names/Florian.txt': strToU8('Morvana\n'),
    'data/eng-fra.txt': strToU8('hello\tbonjour\n'),
  });
  let server: Server;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/data.zip') {
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length });
        res.end(zip);
      } else if (req.url === '/garbage.zip') {
        res.writeHead(200);
        res.end('not a zip');
      } else {
        res.writeHead(404, 'Not Found');
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('downloads once, caches atomically, and reads the cache the second time', async () => {
    const cacheDir = join(root, 'cache', 'nested');
    const url = `${base}/data.zip`;
    requests.length = 0;
    const first = await fetchTutorialData({ url, cacheDir });
    expect(first.downloaded).toBe(true);
    expect(first.corpus.labels).toEqual(['Florian', 'Zorbish']);
    expect(first.report.kept).toBe(3);
    const second = await fetchTutorialData({ url, cacheDir });
    expect(second.downloaded).toBe(false);
    expect(second.path).toBe(first.path);
    expect(second.corpus).toEqual(first.corpus);
    expect(requests).toEqual(['/data.zip']);
    expect(await readdir(cacheDir)).toEqual([first.path.slice(cacheDir.length + 1)]); // no temp file left
  });

  it('uses the given fetch and turns HTTP errors into an IoError naming the URL', async () => {
    const cacheDir = join(root, 'cache404');
    const url = `${base}/missing.zip`;
    await expect(fetchTutorialData({ url, cacheDir })).rejects.toThrow(
      new IoError('download failed: HTTP 404 Not Found', { file: url }),
    );
    await expect(fetchTutorialData({ url, cacheDir })).rejects.toBeInstanceOf(IoError);
    const seen: string[] = [];
    const fake: typeof fetch = async (input) => {
      seen.push(String(input));
      throw new TypeError('network down');
    };
    await expect(fetchTutorialData({ cacheDir, fetch: fake })).rejects.toThrow(
      `${TUTORIAL_DATA_URL}: download failed (network down)`,
    );
    expect(seen).toEqual([TUTORIAL_DATA_URL]);
  });

  it('does not cache a download that is not a usable zip', async () => {
    const cacheDir = join(root, 'cache-garbage');
    await expect(fetchTutorialData({ url: `${base}/garbage.zip`, cacheDir })).rejects.toThrow(
      InvalidCorpusError,
    );
    expect(await readdir(cacheDir).catch(() => [])).toEqual([]);
  });

  it('refuses downloads over the size limit', async () => {
    const url = `${base}/data.zip`;
    await expect(
      fetchTutorialData({ url, cacheDir: join(root, 'cache-small'), maxBytes: 10 }),
    ).rejects.toThrow(
      new IoError(`download is ${zip.length} B, over the 10 B limit (raise maxBytes)`, { file: url }),
    );
  });
});
