// Part of `pnpm bench:memory` (issue 18, class 9): `charrnn predict --input --output` on a file of
// 2,000,000 names, run as the CLI in a child process, with its peak RSS (getrusage maxrss) and
// names/s; and the same on 20,000 names, the reference measured in the same run: streaming keeps
// the peak flat in the input size, so the ratio of the two peaks should stay near 1.
// Env: BENCH_PREDICT_NAMES=2000000 (0 skips), BENCH_PREDICT_BACKEND=wasm.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Writes `count` names (cycling through `names`) one per line. */
async function writeNames(file, names, count) {
  const out = createWriteStream(file);
  const block = 10_000;
  for (let i = 0; i < count; i += block) {
    let text = '';
    for (let k = i; k < Math.min(count, i + block); k++) text += `${names[k % names.length]}\n`;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Runs the built CLI's `main` in a child; returns its wall time and peak RSS (bytes). */
function runCli(root, args) {
  const cli = pathToFileURL(path.join(root, 'apps', 'trainer', 'dist', 'cli.js')).href;
  const script =
    `const { main } = await import(${JSON.stringify(cli)});` +
    `const code = await main(${JSON.stringify(args)});` +
    `process.stderr.write('\\nmaxrss_kib ' + process.resourceUsage().maxRSS + '\\n');` +
    `process.exitCode = code;`;
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`charrnn ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  const kib = Number(/maxrss_kib (\d+)/.exec(run.stderr)?.[1]);
  return { seconds, peak_rss_bytes: kib * 1024 };
}

/**
 * Measures streamed prediction. `saveModel(dir)` writes the bundle to predict with; `names` are
 * cycled to fill the input files.
 */
export async function benchPredictStream(root, saveModel, names) {
  const count = Number(process.env.BENCH_PREDICT_NAMES ?? 2_000_000);
  if (count === 0) return null;
  const backend = process.env.BENCH_PREDICT_BACKEND ?? 'wasm';
  const work = mkdtempSync(path.join(tmpdir(), 'charrnn-bench-predict-'));
  try {
    const model = path.join(work, 'model');
    await saveModel(model);
    const sizes = [20_000, count];
    const runs = [];
    for (const size of sizes) {
      const input = path.join(work, `names-${size}.txt`);
      const output = path.join(work, `preds-${size}.tsv`);
      await writeNames(input, names, size);
      const { seconds, peak_rss_bytes } = runCli(root, [
        'predict',
        '--model',
        model,
        '--backend',
        backend,
        '--input',
        input,
        '--output',
        output,
      ]);
      runs.push({
        names: size,
        input_bytes: statSync(input).size,
        seconds,
        names_per_s: size / seconds,
        peak_rss_bytes,
      });
      rmSync(input);
      rmSync(output);
    }
    const [small, large] = runs;
    const mib = (b) => (b / 2 ** 20).toFixed(0);
    console.log(
      `predict --input (${backend}, streamed): ${large.names.toLocaleString('en-US')} names (${mib(large.input_bytes)} MiB) in ` +
        `${large.seconds.toFixed(1)} s, ${Math.round(large.names_per_s).toLocaleString('en-US')} names/s, peak RSS ${mib(large.peak_rss_bytes)} MiB; ` +
        `${small.names.toLocaleString('en-US')} names: peak RSS ${mib(small.peak_rss_bytes)} MiB ` +
        `(ratio ${(large.peak_rss_bytes / small.peak_rss_bytes).toFixed(2)}; names/s ratio ${(large.names_per_s / small.names_per_s).toFixed(2)}, same run)`,
    );
    return { backend, runs, peak_rss_ratio: large.peak_rss_bytes / small.peak_rss_bytes };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
