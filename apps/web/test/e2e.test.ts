import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, inCi, launchChromium } from './chromium.js';
import { serveStatic, type StaticServer } from './static_server.js';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = path.resolve(webDir, '..', '..');
const distDir = path.join(webDir, 'dist');
const artifacts = path.join(repoDir, 'test-artifacts', 'web');
const cli = path.join(repoDir, 'apps', 'trainer', 'bin', 'charrnn.js');

const missing = chromiumMissing();
if (missing !== null && !inCi()) console.log(`skipping the web e2e tests: ${missing}`);

/** Newest modification time under `dir` (files only). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  const stat = statSync(dir);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(dir).reduce((m, entry) => Math.max(m, newest(path.join(dir, entry))), 0);
}

/** Builds the site unless `dist` is newer than its sources and the packages' builds. */
function ensureBuilt(): void {
  const inputs = [
    path.join(webDir, 'src'),
    path.join(webDir, 'public'),
    path.join(webDir, 'index.html'),
    path.join(webDir, 'vite.config.ts'),
    ...['core', 'tokenizer', 'data', 'layers', 'trainer'].map((p) =>
      path.join(repoDir, 'packages', p, 'dist'),
    ),
  ];
  const built = existsSync(path.join(distDir, 'index.html')) ? newest(distDir) : 0;
  if (built > Math.max(...inputs.map(newest))) return;
  const vite = path.join(webDir, 'node_modules', 'vite', 'bin', 'vite.js');
  const run = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'error'], {
    cwd: webDir,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`vite build failed:\n${run.stdout}\n${run.stderr}`);
}

function charrnn(args: string[]): string {
  const run = spawnSync(process.execPath, [cli, ...args], {
    cwd: repoDir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`charrnn ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

/** Names whose label is given away by their ending, so a tiny model learns them in seconds. */
function syntheticTsv(count: number, seed: number): string {
  const suffixes: Record<string, string> = { Alpha: 'ski', Beta: 'ov', Gamma: 'ez' };
  const letters = 'bcdfghklmnprstvz';
  let state = seed;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const rows = new Set<string>();
  const labels = Object.keys(suffixes);
  for (let i = 0; i < count; i++) {
    const label = labels[i % labels.length] as string;
    let stem = (letters[rand(letters.length)] ?? 'b').toUpperCase();
    for (let k = 0; k < 2 + rand(4); k++)
      stem += (k % 2 === 0 ? 'aeiou' : letters)[rand(k % 2 === 0 ? 5 : letters.length)];
    rows.add(`${stem}${suffixes[label]}\t${label}`);
  }
  return `${[...rows].join('\n')}\n`;
}

const metrics: Record<string, unknown> = {};

async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
  await page.goto(url);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
  return page;
}

async function chooseBackend(page: Page, name: string): Promise<void> {
  await page.selectOption('#backend', name);
  await page.waitForFunction(
    (n) =>
      document.querySelector('#backend-active')?.getAttribute('data-backend') === n &&
      document.body.dataset['state'] === 'ready',
    name,
    { timeout: 60_000 },
  );
}

async function train(
  page: Page,
  settings: { epochs: string; hidden: string; embed: string; batch: string },
): Promise<void> {
  for (const [id, value] of Object.entries(settings)) await page.fill(`#${id}`, value);
  await page.selectOption('#train-backend', 'wasm');
  await page.click('#train-start');
  await page.waitForFunction(
    () => ['done', 'stopped', 'failed'].includes(document.body.dataset['training'] ?? ''),
    null,
    {
      timeout: 90_000,
    },
  );
  expect(await page.textContent('#error')).toBe('');
  expect(await page.getAttribute('body', 'data-training')).toBe('done');
}

if (missing !== null && inCi()) {
  describe('web demo (headless Chromium)', () => {
    it('needs Debian Chromium', () => {
      throw new Error(`the web e2e tests cannot run: ${missing}`);
    });
  });
}

describe.skipIf(missing !== null)('web demo (headless Chromium)', () => {
  let server: StaticServer;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    ensureBuilt();
    server = await serveStatic(distDir);
    context = await launchChromium();
    page = await openPage(context, server.url);
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    writeFileSync(path.join(artifacts, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    console.log(`web e2e measurements: ${JSON.stringify(metrics)}`);
  });

  it('loads on the webgl backend, not cross-origin isolated', async () => {
    expect(await page.textContent('#backend-active')).toBe('active backend: webgl');
    expect(await page.isHidden('#backend-note')).toBe(true);
    expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(false);
    expect(await page.textContent('#model-info')).toContain('shipped model');
    await page.screenshot({ path: path.join(artifacts, '01-loaded-webgl.png') });
  });

  it('falls back to wasm with a visible note when WebGL is unavailable', async () => {
    const noGl = await launchChromium();
    // A browser without WebGL: every WebGL context request fails, as on a blocklisted GPU.
    await noGl.addInitScript(() => {
      for (const proto of [HTMLCanvasElement.prototype, OffscreenCanvas.prototype] as {
        getContext: (...a: unknown[]) => unknown;
      }[]) {
        const original = proto.getContext;
        proto.getContext = function (this: unknown, ...args: unknown[]) {
          return typeof args[0] === 'string' && args[0].includes('webgl') ? null : original.apply(this, args);
        };
      }
    });
    try {
      const fallback = await openPage(noGl, server.url);
      expect(await fallback.textContent('#backend-active')).toBe('active backend: wasm');
      expect(await fallback.isVisible('#backend-note')).toBe(true);
      expect(await fallback.textContent('#backend-note')).toContain('webgl is not available');
      await fallback.fill('#name', 'Schmidt');
      expect(await fallback.getAttribute('#bars .bar.top', 'data-label')).toBe('German');
      await fallback.screenshot({ path: path.join(artifacts, '00-fallback-no-webgl.png') });
    } finally {
      await noGl.close();
    }
  });

  it('shows a probability for every language as a name is typed', async () => {
    await page.fill('#name', '');
    await page.type('#name', 'Schmidt');
    await page.waitForFunction(
      () => document.querySelector('#bars')?.getAttribute('data-name') === 'Schmidt',
    );
    const bars = await page.$$eval('#bars .bar', (rows) =>
      rows.map((r) => ({
        label: r.getAttribute('data-label') ?? '',
        p: Number(r.getAttribute('data-probability')),
      })),
    );
    expect(bars.length).toBe(37);
    expect(bars.reduce((s, b) => s + b.p, 0)).toBeCloseTo(1, 4);
    expect(bars[0]?.label).toBe('German');
    expect(await page.$$eval('#memory canvas', (c) => c.length)).toBeGreaterThan(0);
    const check = Number(await page.getAttribute('.memory-check', 'data-max-error'));
    expect(check).toBeLessThan(1e-4);
    await page.screenshot({ path: path.join(artifacts, '02-predict-schmidt.png'), fullPage: true });
  });

  it('says what it does with odd input', async () => {
    await page.fill('#name', '');
    expect(await page.textContent('#reading')).toContain('Type a surname');
    await page.fill('#name', 'Ślusàrski');
    expect(await page.textContent('#reading')).toContain('read as “Slusarski”');
    await page.fill('#name', '李小龍');
    expect(await page.textContent('#reading')).toContain("not in the model's alphabet");
    expect(await page.textContent('#reading')).toContain('nothing left for the model to read');
    await page.fill('#name', 'x'.repeat(5000));
    expect(await page.textContent('#reading')).toContain('cut to the first 64 characters');
    await page.fill('#name', '<b>Bold</b><img src=x onerror="window.__pwned=1">');
    expect(await page.$$('#reading b, #reading img, #memory b')).toHaveLength(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('measures single-name predict latency on webgl and wasm', async () => {
    for (const backend of ['webgl', 'wasm', 'cpu']) {
      await chooseBackend(page, backend);
      const result = await page.evaluate(() => window.charrnnDemo?.benchmarkPredict('Nakamura', 200));
      expect(result?.backend).toBe(backend);
      metrics[`predict_median_ms_${backend}`] = result?.medianMs;
      metrics[`predict_mean_ms_${backend}`] = result?.meanMs;
      metrics[`predict_top_${backend}`] = result?.top;
    }
    expect(metrics['predict_top_webgl']).toBe(metrics['predict_top_wasm']);
    await chooseBackend(page, 'webgl');
  });

  it('gives the same top-1 as `charrnn predict` for a bundle from the Node trainer', async () => {
    if (!existsSync(path.join(repoDir, 'apps', 'trainer', 'dist', 'cli.js')))
      throw new Error('apps/trainer is not built: run `pnpm build` (pnpm test does it) first');
    const work = mkdtempSync(path.join(tmpdir(), 'charrnn-web-bundle-'));
    writeFileSync(path.join(work, 'train.tsv'), syntheticTsv(450, 3));
    const out = path.join(work, 'model');
    charrnn([
      'train',
      '--data',
      path.join(work, 'train.tsv'),
      '--out',
      out,
      '--epochs',
      '10',
      '--hidden',
      '16',
      '--embed',
      '8',
      '--batch',
      '16',
      '--backend',
      'wasm',
      '--seed',
      '2',
    ]);
    const names = [
      'Kowalski',
      'Petrov',
      'Gomez',
      'Vasquez',
      'Smirnov',
      'Brzezinski',
      'Lopez',
      'Ivanov',
      'Zz',
      'Nguyen',
    ];
    const expected = (
      JSON.parse(charrnn(['predict', '--model', out, '--json', '--backend', 'wasm', ...names])) as {
        top: { label: string }[];
      }[]
    ).map((p) => p.top[0]?.label);
    const files = readdirSync(out)
      .filter((f) => f === 'model.json' || f.endsWith('.bin'))
      .map((f) => path.join(out, f));
    await page.setInputFiles('#bundle-files', files);
    await page.waitForFunction(() =>
      document.querySelector('#model-info')?.textContent?.includes('model.json (from your files)'),
    );
    // `charrnn train`'s default recipe includes the n-gram head; the page mixes it in too.
    expect(await page.textContent('#model-info')).toContain('+ n-gram head');
    for (const backend of ['webgl', 'wasm']) {
      await chooseBackend(page, backend);
      const got = await page.evaluate((n) => window.charrnnDemo?.top1(n), names);
      expect({ backend, top1: got }).toEqual({ backend, top1: expected });
    }
    await page.fill('#name', 'Brzezinski');
    await page.screenshot({ path: path.join(artifacts, '03-node-bundle.png') });
    await page.click('#use-shipped');
    await page.waitForFunction(() =>
      document.querySelector('#model-info')?.textContent?.includes('shipped model'),
    );
  });

  it('trains in the browser, updating the curves, and keeps the model in IndexedDB', async () => {
    await page.fill('#name', 'Schmidt');
    await train(page, { epochs: '1', hidden: '16', embed: '8', batch: '64' });
    const points = Number(await page.getAttribute('body', 'data-loss-points'));
    expect(points).toBeGreaterThan(3);
    const namesPerSecond = Number(await page.getAttribute('#train-status', 'data-names-per-second'));
    expect(namesPerSecond).toBeGreaterThan(0);
    metrics['train_names_per_s_wasm_rnn16'] = namesPerSecond;
    expect(await page.$$eval('table.per-class tbody tr', (rows) => rows.length)).toBe(37);
    expect(await page.$$eval('table.confusion tbody tr', (rows) => rows.length)).toBe(37);
    await page.waitForFunction(() =>
      document.querySelector('#model-info')?.textContent?.includes('IndexedDB'),
    );
    // The n-gram model (on by default) was fitted after training and travels with the model.
    expect(await page.textContent('#model-info')).toMatch(/\+ n-gram head \([\d,]+ n-grams of 1–5\)/);
    expect(await page.isEnabled('#use-trained')).toBe(true);
    await page.screenshot({ path: path.join(artifacts, '04-trained.png'), fullPage: true });

    // The download is a bundle the Node CLI reads, with the same top-1 as the page.
    const folder = mkdtempSync(path.join(tmpdir(), 'charrnn-web-download-'));
    const downloads: Promise<void>[] = [];
    const collect = (download: Download): void => {
      downloads.push(download.saveAs(path.join(folder, download.suggestedFilename())));
    };
    page.on('download', collect);
    await page.click('#download');
    await expect.poll(() => downloads.length, { timeout: 10_000 }).toBe(2);
    await Promise.all(downloads);
    page.off('download', collect);
    expect(readdirSync(folder).sort()).toEqual(['model.json', 'model.weights.bin']);
    const names = ['Schmidt', 'Kowalski', 'Nakamura', 'Rossi', 'Nguyen'];
    const fromCli = (
      JSON.parse(charrnn(['predict', '--model', folder, '--json', '--backend', 'wasm', ...names])) as {
        top: { label: string }[];
      }[]
    ).map((p) => p.top[0]?.label);
    await chooseBackend(page, 'wasm');
    expect(await page.evaluate((n) => window.charrnnDemo?.top1(n), names)).toEqual(fromCli);
  });

  it('stops a training run on request', async () => {
    await page.fill('#epochs', '50');
    await page.click('#train-start');
    await page.waitForFunction(() => Number(document.body.dataset['lossPoints'] ?? 0) >= 2, null, {
      timeout: 30_000,
    });
    await page.click('#train-stop');
    await page.waitForFunction(
      () => ['done', 'stopped', 'failed'].includes(document.body.dataset['training'] ?? ''),
      null,
      {
        timeout: 30_000,
      },
    );
    expect(await page.getAttribute('body', 'data-training')).toBe('stopped');
    expect(await page.textContent('#train-status')).toMatch(/^stopped: \d+ steps/);
    expect(await page.isEnabled('#train-start')).toBe(true);
  });

  it('continues a stopped run from its IndexedDB checkpoint when started again with the same settings', async () => {
    const stopAndWait = async (): Promise<number> => {
      await page.click('#train-stop');
      await page.waitForFunction(
        () => ['done', 'stopped', 'failed'].includes(document.body.dataset['training'] ?? ''),
        null,
        { timeout: 30_000 },
      );
      expect(await page.getAttribute('body', 'data-training')).toBe('stopped');
      return Number(/^stopped: (\d+) steps/.exec((await page.textContent('#train-status')) ?? '')?.[1]);
    };
    const stepPast = (from: number): Promise<unknown> =>
      page.waitForFunction(
        (after) =>
          Number(/^step (\d+)\//.exec(document.querySelector('#train-status')?.textContent ?? '')?.[1] ?? 0) >
          after,
        from,
        { timeout: 60_000 },
      );
    await page.fill('#epochs', '50');
    await page.click('#train-start');
    await stepPast(0);
    const stoppedAt = await stopAndWait();
    expect(stoppedAt).toBeGreaterThan(0);
    await page.click('#train-start');
    await page.waitForFunction(() => document.body.dataset['resumedFrom'] !== undefined, null, {
      timeout: 30_000,
    });
    expect(Number(await page.getAttribute('body', 'data-resumed-from'))).toBe(stoppedAt);
    await stepPast(stoppedAt);
    expect(await stopAndWait()).toBeGreaterThan(stoppedAt);
  });

  it('trains an LSTM and a GRU when @charrnn/layers has them, and shows their gates', async () => {
    const cells = await page.$$eval('#cell option', (options) =>
      options.map((o) => ({ value: (o as HTMLOptionElement).value, ok: !(o as HTMLOptionElement).disabled })),
    );
    expect(cells[0]).toEqual({ value: 'rnn', ok: true });
    const gatesOf: Record<string, string[]> = {
      lstm: ['cell state c_t', 'forget gate', 'input gate', 'output gate'],
      gru: ['update gate', 'reset gate'],
    };
    for (const cell of ['lstm', 'gru']) {
      if (cells.find((c) => c.value === cell)?.ok !== true) {
        console.log(`skipping ${cell}: this @charrnn/layers does not accept it`);
        continue;
      }
      await page.selectOption('#cell', cell);
      await page.check('input[name="data"][value="embedded"]');
      await train(page, { epochs: '1', hidden: '16', embed: '8', batch: '64' });
      metrics[`train_names_per_s_wasm_${cell}16`] = Number(
        await page.getAttribute('#train-status', 'data-names-per-second'),
      );
      await page.waitForFunction(
        (c) => document.querySelector('#model-info')?.textContent?.includes(`— ${c},`),
        cell,
      );
      await page.fill('#name', 'Schmidt');
      const titles = await page.$$eval('#memory canvas', (canvases) =>
        canvases.map((c) => c.getAttribute('aria-label') ?? ''),
      );
      for (const gate of gatesOf[cell] ?? []) expect(titles.some((t) => t.startsWith(gate))).toBe(true);
      expect(Number(await page.getAttribute('.memory-check', 'data-max-error'))).toBeLessThan(1e-4);
      await page.screenshot({ path: path.join(artifacts, `06-memory-${cell}.png`), fullPage: true });
    }
    await page.selectOption('#cell', 'rnn');
  });

  it('shows labels holding HTML as text', async () => {
    const evil = ['<img src=x onerror="window.__pwned=1">', '<b>Bold</b>'];
    const rows = syntheticTsv(120, 5)
      .trim()
      .split('\n')
      .map((row, i) => `${row.split('\t')[0]}\t${evil[i % 2]}`);
    await page.setInputFiles('#data-files', {
      name: '<i>labels</i>.tsv',
      mimeType: 'text/tab-separated-values',
      buffer: Buffer.from(`${rows.join('\n')}\n`),
    });
    await page.waitForFunction(() =>
      document.querySelector('#data-summary')?.textContent?.includes('<b>Bold</b>'),
    );
    await train(page, { epochs: '2', hidden: '8', embed: '4', batch: '16' });
    const labels = await page.$$eval('table.per-class td.class-label', (cells) =>
      cells.map((c) => c.textContent),
    );
    expect(labels.sort()).toEqual([...evil].sort());
    await page.waitForFunction(() =>
      document.querySelector('#model-info')?.textContent?.includes('IndexedDB'),
    );
    await page.fill('#name', 'Ivanov');
    const bars = await page.$$eval('#bars .bar-label', (cells) => cells.map((c) => c.textContent));
    expect(bars.sort()).toEqual([...evil].sort());
    expect(await page.$$('main b, main img, main i')).toHaveLength(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.screenshot({ path: path.join(artifacts, '05-html-labels.png'), fullPage: true });
  });
});
