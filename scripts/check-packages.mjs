#!/usr/bin/env node
// Lints what we would publish, from each package's `pnpm pack` tarball: publint (strict:
// package.json fields, exports, files) and @arethetypeswrong/cli with the ESM-only profile
// (types resolve for ESM consumers under node16 and bundler resolution). Run after a build;
// `pnpm check:packages` builds first. Ends with `check:packages: N passed, M failed`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { pnpmCommand } from './pnpm-command.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['core', 'tokenizer', 'data', 'layers', 'trainer', 'interop'];
const packDir = mkdtempSync(join(tmpdir(), 'charrnn-check-packages-'));
const [pnpm, ...pnpmArgs] = pnpmCommand();

function run(command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return {
    ok: result.status === 0,
    stdout: result.stdout ?? '',
    output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim(),
  };
}

let passed = 0;
let failed = 0;
function report(name, label, ok, output) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} @charrnn/${name}: ${label}`);
  if ((!ok || process.env.CHARRNN_VERBOSE === '1') && output) console.log(output.replace(/^/gm, '    '));
}

for (const name of PACKAGES) {
  const dir = join(root, 'packages', name);
  const packed = run(pnpm, [...pnpmArgs, 'pack', '--json', '--pack-destination', packDir], dir);
  if (!packed.ok) {
    report(name, 'pnpm pack', false, packed.output);
    continue;
  }
  const tarball = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('{'))).filename;

  const bytes = readFileSync(tarball);
  const lint = await publint({
    pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
    strict: true,
  });
  const messages = lint.messages.map(
    (m) => `${m.type}: ${formatMessage(m, lint.pkg, { color: false }) ?? m.code}`,
  );
  // Suggestions are printed but do not fail; warnings are errors under `strict`.
  report(name, 'publint (strict)', !lint.messages.some((m) => m.type === 'error'), messages.join('\n'));

  const attw = run(
    process.execPath,
    [
      join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js'),
      tarball,
      '--profile',
      'esm-only',
      '--format',
      'table-flipped',
    ],
    dir,
  );
  report(name, 'attw --profile esm-only', attw.ok, attw.output);
}
rmSync(packDir, { recursive: true, force: true });
console.log(`check:packages: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
