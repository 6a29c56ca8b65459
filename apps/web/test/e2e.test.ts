import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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
  await startTraining(page);
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

/** Clicks Train, and confirms replacing the model saved by an earlier run when the page asks. */
async function startTraining(page: Page): Promise<void> {
  const hadModel = await page.isEnabled('#use-trained');
  await page.click('#train-start');
  if (hadModel) {
    await page.waitForSelector('#train-confirm:not([hidden])');
    await page.click('#train-confirm-yes');
  }
  await page.waitForFunction(() => document.body.dataset['training'] === 'running');
}

const axeSource = readFileSync(path.join(webDir, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** Runs axe-core in the page; returns the critical and serious violations (rule, impact, nodes). */
async function axeProblems(page: Page, state: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            c: unknown,
            o: unknown,
          ) => Promise<{ violations: { id: string; impact: string; nodes: { target: unknown }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)),
    }));
  });
  metrics[`axe_${state}`] = violations.map((v) => `${v.impact}: ${v.id}`);
  console.log(
    `axe (${state}): ${violations.length === 0 ? 'no violations' : violations.map((v) => `${v.impact} ${v.id} ${v.targets.join(' ')}`).join('; ')}`,
  );
  return violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => `${v.impact} ${v.id} ${v.targets.join(' ')}`);
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

  it('loads predicting on wasm (auto, said so), lists its languages, not cross-origin isolated', async () => {
    // Behaviour changed on purpose: predictions run on wasm for a model this small (measured).
    expect(await page.textContent('#backend-active')).toBe('active backend: wasm');
    expect(await page.isVisible('#backend-note')).toBe(true);
    expect(await page.textContent('#backend-note')).toContain('Predictions run on wasm');
    expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(false);
    expect(await page.textContent('#model-info')).toContain('shipped model');
    expect(await page.textContent('#known-title')).toBe('The model knows 37 languages:');
    expect(await page.textContent('#known-languages')).toContain('German');
    expect(await axeProblems(page, 'idle')).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, '01-loaded.png') });
  });

  it('shows the first prediction ≤ 300 ms after the page is ready, and times keystrokes on wasm and webgl', async () => {
    const fresh = await openPage(context, server.url);
    const started = Date.now();
    await fresh.type('#name', 'N');
    await fresh.waitForFunction(() => document.querySelector('#bars')?.getAttribute('data-name') === 'N');
    const wall = Date.now() - started;
    await fresh.waitForFunction(() => Number.isFinite(window.charrnnDemo?.keystrokes()[0]?.paintedMs));
    const [first] = (await fresh.evaluate(() => window.charrnnDemo?.keystrokes())) ?? [];
    metrics['first_prediction_ms_in_page'] = first?.ms;
    metrics['first_prediction_ms_to_frame'] = first?.paintedMs;
    // Wall clock through the test driver (CDP round trips included): printed, not asserted.
    metrics['first_prediction_ms_wall'] = wall;
    expect(first?.backend).toBe('wasm');
    // From the first keystroke after "ready" to the frame that shows its prediction.
    expect(first?.paintedMs).toBeLessThanOrEqual(300);
    for (const backend of ['wasm', 'webgl']) {
      await chooseBackend(fresh, backend);
      await fresh.fill('#name', '');
      const before = (await fresh.evaluate(() => window.charrnnDemo?.keystrokes().length)) ?? 0;
      await fresh.type('#name', 'Kowalczyk');
      await fresh.waitForFunction((n) => (window.charrnnDemo?.keystrokes().length ?? 0) >= n, before + 9);
      const times = ((await fresh.evaluate(() => window.charrnnDemo?.keystrokes())) ?? []).slice(before);
      metrics[`keystroke_ms_${backend}`] = times.map((k) => Number(k.ms.toFixed(1)));
      console.log(
        `keystroke updates on ${backend} (ms, per letter of Kowalczyk): ${times.map((k) => k.ms.toFixed(1)).join(' ')}`,
      );
      expect(times.every((k) => k.backend === backend)).toBe(true);
    }
    await fresh.close();
  });

  it('explains in French with ?lang=fr, and switches back', async () => {
    const fr = await openPage(context, `${server.url}?lang=fr`);
    expect(await fr.getAttribute('html', 'lang')).toBe('fr');
    expect(await fr.textContent('#forgetting-title')).toBe('Pourquoi le RNN simple oublie');
    expect(await fr.textContent('#memory-title')).toBe('Dans la mémoire');
    expect(await fr.textContent('#generate-title')).toBe('Générer des noms');
    expect(await fr.textContent('#gen-complete')).toBe('Compléter mon nom');
    await fr.fill('#name', 'Schmidt');
    await fr.waitForSelector('#memory canvas');
    expect(await fr.textContent('#memory-section')).toContain('porte de mise à jour');
    await fr.selectOption('#lang', 'en');
    expect(await fr.textContent('#memory-title')).toBe('Inside the memory');
    expect(fr.url()).toContain('lang=en');
    await fr.close();
  });

  it('fits a 64-character name on a 390 px phone without sideways scrolling', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(server.url);
    await phone.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
    await phone.fill(
      '#name',
      'Abcdefghijklmnopqrstuvwxyz-Kowalczykowski-Papadopoulos-Wojciechow'.slice(0, 64),
    );
    await phone.waitForSelector('#memory canvas');
    await phone.waitForSelector('#forgetting .influence-bars');
    const widths = await phone.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    expect(widths[0]).toBeLessThanOrEqual(widths[1] as number);
    await phone.screenshot({ path: path.join(artifacts, '07-phone-64.png'), fullPage: true });
    await phone.close();
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
      const fallback = await openPage(noGl, `${server.url}?backend=webgl`);
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

  it('predicts on WebGPU (SwiftShader adapter) only where it reproduces the float64 reference', async () => {
    // Headless Chromium exposes WebGPU on a secure context (http://127.0.0.1) with this flag.
    const gpu = await launchChromium(['--enable-unsafe-webgpu']);
    try {
      const webgpu = await openPage(gpu, `${server.url}?backend=webgpu`);
      expect(
        await webgpu.$$eval('#backend option', (o) => o.map((x) => (x as HTMLOptionElement).value)),
      ).toContain('webgpu');
      const names = ['Schmidt', 'Kowalski', 'Nakamura', 'Rossi', 'Nguyen', 'Papadopoulos', 'Dubois'];
      const active = await webgpu.getAttribute('#backend-active', 'data-backend');
      const refused = await webgpu.getAttribute('body', 'data-refused-backend');
      metrics['webgpu'] = active === 'webgpu' ? 'active' : `refused: ${refused ?? 'unavailable'}`;
      console.log(`webgpu in headless Chromium (SwiftShader adapter): ${String(metrics['webgpu'])}`);
      if (active === 'webgpu') {
        const onGpu = (await webgpu.evaluate((n) => window.charrnnDemo?.probabilities(n), names)) ?? [];
        const gpuBench = await webgpu.evaluate(() => window.charrnnDemo?.benchmarkPredict('Nakamura', 20));
        metrics['predict_median_ms_webgpu'] = gpuBench?.medianMs;
        await chooseBackend(webgpu, 'wasm');
        const onWasm = (await webgpu.evaluate((n) => window.charrnnDemo?.probabilities(n), names)) ?? [];
        let worst = 0;
        onGpu.forEach((row, i) =>
          row.forEach((p, c) => (worst = Math.max(worst, Math.abs(p - (onWasm[i]?.[c] ?? NaN))))),
        );
        expect(worst).toBeLessThan(1e-3);
      } else {
        // The adapter started but got the numbers wrong: the page says so and predicts on wasm.
        expect(active).toBe('wasm');
        expect(refused).toMatch(/^webgpu \d/);
        expect(Number(refused?.split(' ')[1])).toBeGreaterThan(1e-3);
        expect(await webgpu.textContent('#backend-note')).toContain(
          'webgpu is available, but its predictions differ from the float64 reference',
        );
        await webgpu.fill('#name', 'Schmidt');
        expect(await webgpu.getAttribute('#bars .bar.top', 'data-label')).toBe('German');
      }
    } finally {
      await gpu.close();
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
    await page.waitForSelector('#memory[data-name="Schmidt"] .memory-check');
    expect(await page.$$eval('#memory canvas', (c) => c.length)).toBeGreaterThan(0);
    const check = Number(await page.getAttribute('.memory-check', 'data-max-error'));
    expect(check).toBeLessThan(1e-5);
    // The guess after each letter, and both directions of the bidirectional GRU.
    expect(await page.$$eval('#prefix li', (items) => items.length)).toBe(7);
    expect(await page.getAttribute('#prefix li:last-child', 'data-label')).toBe('German');
    expect(
      await page.$$eval('#memory .direction', (d) => d.map((x) => x.getAttribute('data-direction'))),
    ).toEqual(['forward', 'backward']);
    expect(await page.textContent('#summary')).toMatch(/German/);
    await page.waitForFunction(
      () => document.querySelectorAll('#forgetting .influence-bars').length === 3,
      null,
      {
        timeout: 30_000,
      },
    );
    expect(await axeProblems(page, 'predicting')).toEqual([]);
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

  it('generates names one character at a time, the same for the same seed, with what the model expected', async () => {
    await chooseBackend(page, 'wasm');
    await page.waitForSelector('#gen-start:not([disabled])', { timeout: 60_000 });
    expect(await page.$$eval('#gen-label option', (o) => o.length)).toBe(37);
    await page.selectOption('#gen-label', 'Italian');
    await page.$eval('#gen-temperature', (input) => {
      (input as HTMLInputElement).value = '0.8';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(await page.textContent('#gen-temperature-value')).toBe('0.8');
    await page.fill('#gen-count', '4');

    /** Runs the panel (Generate, or Complete with `prefix`) and returns each name with its DOM updates. */
    const run = async (seed: string, prefix?: string) => {
      await page.fill('#gen-seed', seed);
      if (prefix !== undefined) await page.fill('#gen-prefix', prefix);
      // One count per mutation-observer delivery: a delivery follows each task that changed the list.
      await page.evaluate(() => {
        const w = window as unknown as {
          __genUpdates: Map<Element, number>;
          __genObserver?: MutationObserver;
        };
        w.__genObserver?.disconnect();
        w.__genUpdates = new Map();
        w.__genObserver = new MutationObserver((records) => {
          const touched = new Set<Element>();
          for (const r of records) {
            const target = r.target instanceof Element ? r.target : r.target.parentElement;
            const text = target?.closest('.gen-text');
            if (text) touched.add(text);
          }
          for (const t of touched) w.__genUpdates.set(t, (w.__genUpdates.get(t) ?? 0) + 1);
        });
        w.__genObserver.observe(document.querySelector('#gen-names') as Element, {
          subtree: true,
          childList: true,
          characterData: true,
        });
      });
      const begin = await page.evaluate(() => performance.now());
      await page.click(prefix === undefined ? '#gen-start' : '#gen-complete');
      await page.waitForFunction(() => document.body.dataset['generating'] === 'running');
      await page.waitForFunction(() => document.body.dataset['generating'] === 'done', null, {
        timeout: 60_000,
      });
      const end = await page.evaluate(() => performance.now());
      const dom = await page.evaluate(() => {
        const w = window as unknown as { __genUpdates: Map<Element, number> };
        return [...document.querySelectorAll('#gen-names .gen-text')].map((t) => ({
          text: t.textContent ?? '',
          updates: w.__genUpdates.get(t) ?? 0,
        }));
      });
      const generated = (await page.evaluate(() => window.charrnnDemo?.generated())) ?? [];
      const longTasks = ((await page.evaluate(() => window.charrnnDemo?.longTasks())) ?? []).filter(
        (task) => task.start >= begin && task.start <= end,
      );
      return { dom, generated, longTasks, ms: end - begin };
    };

    const first = await run('7');
    metrics['generate_4_names_ms'] = Math.round(first.ms);
    metrics['generated_italian_seed_7'] = first.generated.map((n) => n.text);
    console.log(`generated (Italian, T 0.8, seed 7): ${first.generated.map((n) => n.text).join(', ')}`);
    expect(first.generated).toHaveLength(4);
    expect(first.dom.map((d) => d.text)).toEqual(first.generated.map((n) => n.text));
    for (const [i, name] of first.generated.entries()) {
      expect(name.text.length).toBeGreaterThan(0);
      expect(name.label).toBe('Italian');
      // Streamed: each character arrived in its own task, so the name changed on screen once per character.
      expect(first.dom[i]?.updates).toBe([...name.text].length);
    }
    expect(first.dom.some((d) => d.updates > 1)).toBe(true);
    // Sampling never held the main thread.
    expect(first.longTasks.filter((task) => task.duration > 100)).toEqual([]);
    // The seed moves on after a run; the same seed gives the same names, another seed others.
    expect(await page.inputValue('#gen-seed')).toBe('8');
    const again = await run('7');
    expect(again.generated.map((n) => n.text)).toEqual(first.generated.map((n) => n.text));
    const other = await run('8');
    expect(other.generated.map((n) => n.text)).not.toEqual(first.generated.map((n) => n.text));
    // Each name is tagged with the classifier's guess and whether it is a training name.
    expect(await page.$$eval('#gen-names li[data-done] [data-guess]', (t) => t.length)).toBe(4);
    expect(
      await page.$$eval('#gen-names li .gen-tag.new, #gen-names li .gen-tag.seen', (t) => t.length),
    ).toBe(4);

    // The chart: one column per step of the last name (each letter, and the end when the model ended it).
    const last = other.generated[other.generated.length - 1];
    expect(await page.getAttribute('#gen-chart', 'data-name')).toBe(last?.text);
    const columns = await page.$$eval('#gen-chart > li.gen-step', (items) =>
      items.map((li) => ({
        symbol: li.getAttribute('data-symbol') ?? '',
        chosen: li.querySelectorAll('.cand li.chosen').length,
        candidates: li.querySelectorAll('.cand li').length,
        p: [...li.querySelectorAll('.cand li')].map((c) => Number(c.getAttribute('data-probability'))),
      })),
    );
    expect(columns).toHaveLength([...(last?.text ?? '')].length + (last?.ended === true ? 1 : 0));
    expect(columns.map((c) => c.symbol).join('')).toBe(last?.text);
    for (const column of columns) {
      expect(column.chosen).toBe(1);
      expect(column.candidates).toBeGreaterThanOrEqual(3);
      expect(column.candidates).toBeLessThanOrEqual(4);
      // Most likely first among the top three.
      expect(column.p.slice(0, 3)).toEqual([...column.p.slice(0, 3)].sort((a, b) => b - a));
    }
    expect(await axeProblems(page, 'generating')).toEqual([]);
    await page.locator('#generate-section').screenshot({ path: path.join(artifacts, '03-generate.png') });

    // "Complete my name": every name starts with the typed start; the chart covers only the letters added.
    const completed = await run('11', 'Ros');
    console.log(`completed "Ros" (Italian, seed 11): ${completed.generated.map((n) => n.text).join(', ')}`);
    metrics['completed_ros_seed_11'] = completed.generated.map((n) => n.text);
    expect(completed.generated).toHaveLength(4);
    for (const [i, name] of completed.generated.entries()) {
      expect(name.text.startsWith('Ros')).toBe(true);
      expect(completed.dom[i]?.text).toBe(name.text);
      // The prefix arrives at once, then each added letter.
      expect(completed.dom[i]?.updates).toBe(1 + [...name.text].length - 3);
    }
    const lastCompleted = completed.generated[completed.generated.length - 1];
    expect(await page.$$eval('#gen-chart > li.gen-step', (c) => c.length)).toBe(
      [...(lastCompleted?.text ?? '')].length - 3 + (lastCompleted?.ended === true ? 1 : 0),
    );
    await page
      .locator('#generate-section')
      .screenshot({ path: path.join(artifacts, '04-complete-my-name.png') });

    // A start the generator cannot read is explained, and nothing is generated.
    await page.fill('#gen-prefix', 'Ros李');
    expect(await page.textContent('#gen-problem')).toContain('Not in the generator’s alphabet: 李');
    await page.click('#gen-complete');
    expect(await page.getAttribute('body', 'data-generating')).toBe('done');
    expect((await page.evaluate(() => window.charrnnDemo?.generated()))?.map((n) => n.text)).toEqual(
      completed.generated.map((n) => n.text),
    );
    await page.fill('#gen-prefix', '');
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
    await expect.poll(() => downloads.length, { timeout: 10_000 }).toBe(1);
    await Promise.all(downloads);
    page.off('download', collect);
    // Behaviour changed on purpose: one zip instead of model.json + weights.
    expect(readdirSync(folder)).toEqual(['charrnn-model.zip']);
    const zip = path.join(folder, 'charrnn-model.zip');
    const names = ['Schmidt', 'Kowalski', 'Nakamura', 'Rossi', 'Nguyen'];
    const fromCli = (
      JSON.parse(charrnn(['predict', '--model', zip, '--json', '--backend', 'wasm', ...names])) as {
        top: { label: string }[];
      }[]
    ).map((p) => p.top[0]?.label);
    await chooseBackend(page, 'wasm');
    expect(await page.evaluate((n) => window.charrnnDemo?.top1(n), names)).toEqual(fromCli);
    // ...and the picker reads the same zip back.
    await page.setInputFiles('#bundle-files', zip);
    await page.waitForFunction(() =>
      document.querySelector('#model-info')?.textContent?.includes('charrnn-model.zip (from your files)'),
    );
    expect(await page.evaluate((n) => window.charrnnDemo?.top1(n), names)).toEqual(fromCli);
    // A broken file is explained next to the picker, in plain words.
    await page.setInputFiles('#bundle-files', {
      name: 'model.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"modelTopology": {}, "weightsManifest": [] '),
    });
    await page.waitForSelector('#bundle-error:not([hidden])');
    expect(await page.textContent('#bundle-error')).toMatch(/^This model could not be loaded: /);
    expect(await page.textContent('#bundle-error')).not.toContain('Error:');
    expect(await page.isHidden('#error')).toBe(true);
  });

  it('refuses invalid settings with the CLI’s messages, and too little data with the reason', async () => {
    await page.fill('#epochs', '0');
    await page.fill('#hidden', '-5');
    await page.fill('#lr', 'fast');
    await page.click('#train-start');
    expect(await page.textContent('#epochs-problem')).toBe('--epochs: must be between 1 and 200, got 0');
    expect(await page.textContent('#hidden-problem')).toBe('--hidden: must be between 1 and 512, got -5');
    expect(await page.textContent('#lr-problem')).toBe("--lr: expected a number, got 'fast'");
    expect(await page.getAttribute('#hidden', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('body', 'data-training')).not.toBe('running');
    await page.fill('#hidden', '600');
    await page.click('#train-start');
    expect(await page.textContent('#hidden-problem')).toBe('--hidden: must be between 1 and 512, got 600');
    for (const [id, value] of [
      ['epochs', '3'],
      ['hidden', '16'],
      ['lr', '0.003'],
    ] as const)
      await page.fill(`#${id}`, value);
    await page.setInputFiles('#data-files', {
      name: 'two.tsv',
      mimeType: 'text/tab-separated-values',
      buffer: Buffer.from('Kowalski\tPolish\nSchmidt\tGerman\n'),
    });
    await page.waitForFunction(() =>
      document.querySelector('#data-summary')?.textContent?.includes('Polish'),
    );
    await page.click('#train-start');
    expect(await page.textContent('#error')).toContain('Too little data: 2 names in 2 labels');
    expect(await page.isHidden('#train-confirm')).toBe(true);
    await page.check('input[name="data"][value="embedded"]');
  });

  it('shows every phase and stops a training run within one step', async () => {
    await page.fill('#epochs', '50');
    await startTraining(page);
    await page.waitForSelector('#phases li[data-phase="recurrent"][data-state="active"]');
    await page.waitForFunction(() => Number(document.body.dataset['lossPoints'] ?? 0) >= 2, null, {
      timeout: 30_000,
    });
    await page.waitForFunction(() =>
      /elapsed .* left/.test(document.querySelector('#train-status')?.textContent ?? ''),
    );
    await page.fill('#name', 'Nakamura');
    expect(await axeProblems(page, 'training')).toEqual([]);
    const clicked = Date.now();
    await page.click('#train-stop');
    // The recurrent training ends after the current step; the n-gram model is then fitted on it.
    await page.waitForSelector('#phases li[data-phase="recurrent"][data-state="done"]', { timeout: 10_000 });
    metrics['stop_ms'] = Date.now() - clicked;
    await page.waitForFunction(
      () => ['done', 'stopped', 'failed'].includes(document.body.dataset['training'] ?? ''),
      null,
      {
        timeout: 30_000,
      },
    );
    metrics['stop_to_saved_ms'] = Date.now() - clicked;
    expect(await page.getAttribute('body', 'data-training')).toBe('stopped');
    expect(await page.textContent('#train-status')).toMatch(/^stopped: \d+ steps/);
    // Stop keeps the model: the n-gram model is fitted on what was learnt, then it is evaluated and saved.
    expect(await page.getAttribute('#phases li[data-phase="ngram"]', 'data-state')).toBe('done');
    expect(metrics['stop_ms']).toBeLessThan(3_000);
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
          Number(/step (\d+)\//.exec(document.querySelector('#train-status')?.textContent ?? '')?.[1] ?? 0) >
          after,
        from,
        { timeout: 60_000 },
      );
    await page.fill('#epochs', '50');
    await startTraining(page);
    await stepPast(0);
    const stoppedAt = await stopAndWait();
    expect(stoppedAt).toBeGreaterThan(0);
    await startTraining(page);
    await page.waitForFunction(() => document.body.dataset['resumedFrom'] !== undefined, null, {
      timeout: 30_000,
    });
    expect(Number(await page.getAttribute('body', 'data-resumed-from'))).toBe(stoppedAt);
    await stepPast(stoppedAt);
    expect(await stopAndWait()).toBeGreaterThan(stoppedAt);
    await page.fill('#epochs', '3');
  });

  it('keeps the page responsive while training: no main-thread task over 100 ms as a name is typed', async () => {
    // Training runs in the worker on wasm (the form's default); predictions on wasm (auto).
    await page.check('input[name="data"][value="embedded"]');
    await page.fill('#epochs', '1');
    await page.fill('#batch', '64');
    await page.fill('#hidden', '32');
    await page.selectOption('#cell', 'gru');
    await page.selectOption('#train-backend', 'wasm');
    await page.click('#use-shipped');
    await page.waitForFunction(() =>
      document.querySelector('#model-info')?.textContent?.includes('shipped model'),
    );
    await startTraining(page);
    await page.waitForFunction(() => Number(document.body.dataset['lossPoints'] ?? 0) >= 1, null, {
      timeout: 60_000,
    });
    const since = await page.evaluate(() => performance.now());
    await page.fill('#name', '');
    await page.type('#name', 'Wojciechowski', { delay: 60 });
    await page.waitForTimeout(500);
    const tasks = ((await page.evaluate(() => window.charrnnDemo?.longTasks())) ?? []).filter(
      (t) => t.start >= since,
    );
    metrics['long_tasks_ms_while_training'] = tasks.map((t) => Math.round(t.duration));
    metrics['view_ms_while_training'] = ((await page.evaluate(() => window.charrnnDemo?.viewTimes())) ?? [])
      .slice(-4)
      .map((v) => `${v.view} ${v.ms.toFixed(0)}`);
    metrics['keystroke_ms_while_training'] = (
      (await page.evaluate(() => window.charrnnDemo?.keystrokes())) ?? []
    )
      .slice(-13)
      .map((k) => Number(k.ms.toFixed(1)));
    console.log(
      `while training: views ${JSON.stringify(metrics['view_ms_while_training'])}, keystrokes ${JSON.stringify(metrics['keystroke_ms_while_training'])}`,
    );
    console.log(
      `main-thread long tasks while typing during training: ${JSON.stringify(metrics['long_tasks_ms_while_training'])}`,
    );
    // What the page itself does per event (a keystroke's prediction, each slower view) stays under
    // 100 ms. The Long Tasks API counts wall time: on this shared 2-core machine (other jobs, the
    // training worker, Chromium's own threads) a task of ~50 ms of work stretches to 100–140 ms,
    // so the observer's figure is held to 250 ms, far below the 1–1.6 s stalls of WebGL prediction.
    const own = [
      ...((await page.evaluate(() => window.charrnnDemo?.viewTimes())) ?? [])
        .filter((v) => v.at >= since)
        .map((v) => v.ms),
      ...((await page.evaluate(() => window.charrnnDemo?.keystrokes())) ?? []).slice(-13).map((k) => k.ms),
    ];
    expect(Math.max(...own)).toBeLessThanOrEqual(100);
    expect(Math.max(0, ...tasks.map((t) => t.duration))).toBeLessThanOrEqual(250);
    await page.waitForFunction(
      () => ['done', 'stopped', 'failed'].includes(document.body.dataset['training'] ?? ''),
      null,
      { timeout: 120_000 },
    );
    expect(await page.getAttribute('body', 'data-training')).toBe('done');
    expect(await page.getAttribute('#phases li[data-phase="ngram"]', 'data-state')).toBe('done');
    expect(await page.textContent('#curves-note')).toContain('the saved model');
    expect(await axeProblems(page, 'report')).toEqual([]);
    await page.selectOption('#train-backend', 'wasm');
    await page.selectOption('#cell', 'rnn');
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
      await page.waitForSelector(`#memory[data-name="Schmidt"][data-cell="${cell}"] .memory-check`);
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
