#!/usr/bin/env node
// Pack-and-install test: proves that what we would publish works for a user who installs the
// packages one at a time from npm, outside this workspace.
//
//  1. builds the five packages and `pnpm pack`s each (pnpm rewrites `workspace:` ranges to real
//     versions); prints each tarball's size and file count and checks what is inside;
//  2. installs the tarballs with npm into a fresh temporary project, together with
//     @tensorflow/tfjs-core + tfjs-backend-cpu + tfjs-backend-wasm 4.22.0 from the registry;
//  3. type-checks a strict TypeScript consumer, every README example and every script of
//     examples/ (checkJs) with moduleResolution node16 and bundler;
//  4. bundles a browser entry with esbuild (platform browser: a `node:` import in a main entry
//     fails the build) and runs the bundle;
//  5. runs every README example (code blocks preceded by `<!-- example: NAME -->`) and every
//     script of examples/ in Node, once with the cpu backend and once with the wasm backend,
//     on a tiny made-up corpus and a bundle trained here.
//
// Usage: node scripts/pack-test/run.mjs [--keep]   (pnpm test:pack)
// Offline? CHARRNN_SKIP_PACK_TEST=1 skips it (it needs the npm registry), saying so.
// It ends with a line `pack-test: N passed, M failed` and exits non-zero on any failure.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build, transformSync } from 'esbuild';
import { pnpmCommand } from '../pnpm-command.mjs';

if (process.env.CHARRNN_SKIP_PACK_TEST === '1') {
  console.log('pack-test: skipped (CHARRNN_SKIP_PACK_TEST=1)');
  process.exit(0);
}
const { performance, setTimeout, clearTimeout, queueMicrotask, TextEncoder, TextDecoder, fetch } = globalThis;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'scripts', 'pack-test', 'fixtures');
const PACKAGES = ['core', 'tokenizer', 'data', 'layers', 'trainer', 'interop'];
const BACKENDS = ['cpu', 'wasm'];
const TFJS = [
  '@tensorflow/tfjs-core@4.22.0',
  '@tensorflow/tfjs-backend-cpu@4.22.0',
  '@tensorflow/tfjs-backend-wasm@4.22.0',
];
const [pnpm, ...pnpmArgs] = pnpmCommand();
const keep = process.argv.includes('--keep') || process.env.CHARRNN_PACK_TEST_KEEP === '1';
const started = performance.now();
const results = [];

const seconds = (since) => ((performance.now() - since) / 1000).toFixed(1);
function log(message) {
  console.log(`[pack-test ${seconds(started).padStart(5)}s] ${message}`);
}

/** Runs one named check; a failure is recorded and printed, and the run goes on. */
async function check(name, fn) {
  const t0 = performance.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    log(`ok   ${name} (${seconds(t0)}s)${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    results.push({ name, ok: false });
    log(`FAIL ${name} (${seconds(t0)}s)\n${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Runs a command (3 minutes at most); throws with its output when it fails. Returns stdout and
 * stderr together, or stdout alone with `stdoutOnly`.
 */
function run(command, args, { stdoutOnly = false, ...options } = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 180_000,
    ...options,
    env: { ...process.env, ...options.env },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) {
    const where = options.cwd ? ` (in ${options.cwd})` : '';
    throw new Error(
      `${command} ${args.join(' ')}${where} exited ${result.status ?? result.signal}\n${output}`,
    );
  }
  return stdoutOnly ? (result.stdout ?? '') : output;
}

function formatKiB(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

// ---------------------------------------------------------------------------------------------
// 1. build and pack
const work = mkdtempSync(join(tmpdir(), 'charrnn-pack-test-'));
const tarballDir = join(work, 'tarballs');
const project = join(work, 'project');
mkdirSync(tarballDir);
mkdirSync(project);
log(`working in ${work}`);

log('building the packages (turbo)');
run(pnpm, [...pnpmArgs, 'turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], {
  cwd: root,
});

const tarballs = [];
for (const name of PACKAGES) {
  await check(`pack @charrnn/${name}`, () => {
    const out = run(pnpm, [...pnpmArgs, 'pack', '--json', '--pack-destination', tarballDir], {
      cwd: join(root, 'packages', name),
      stdoutOnly: true,
    });
    const info = JSON.parse(out.slice(out.indexOf('{')));
    const files = info.files.map((f) => f.path);
    const size = statSync(info.filename).size;
    // Unpacked size: the sum of the entry sizes (`tar -tv` columns: mode owner size date time name).
    const unpacked = execFileSync('tar', ['-tvzf', info.filename], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[2] ?? 0), 0);
    tarballs.push({
      name: info.name,
      version: info.version,
      file: info.filename,
      size,
      unpacked,
      files: files.length,
    });
    const manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', info.filename, 'package/package.json'], { encoding: 'utf8' }),
    );
    const problems = [];
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
        if (String(range).startsWith('workspace:')) problems.push(`${field}.${dep} is ${range}`);
        if (/^@tensorflow\/tfjs-(backend-|node)/.test(dep) || dep === '@tensorflow/tfjs')
          problems.push(`${field}.${dep}: packages must not depend on a backend`);
      }
    }
    for (const required of ['README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts'])
      if (!files.includes(required)) problems.push(`missing ${required}`);
    for (const file of files) {
      if (/\.test\.|test-utils|tsbuildinfo/.test(file)) problems.push(`ships test file ${file}`);
      // A build output whose source is gone (a deleted module) would ship dead code: clean
      // build (pnpm clean && pnpm build).
      const source = file.startsWith('dist/')
        ? `src/${file.slice(5).replace(/\.(d\.ts\.map|d\.ts|js\.map|js)$/, '.ts')}`
        : undefined;
      if (source && !existsSync(join(root, 'packages', name, source)))
        problems.push(`ships ${file} but ${source} does not exist: stale build output: run pnpm clean`);
    }
    if (problems.length > 0) throw new Error(problems.join('\n'));
    return `${formatKiB(size)} (${formatKiB(unpacked)} unpacked), ${files.length} files`;
  });
}

console.log('\n| package | version | tarball | unpacked | files |\n| --- | --- | ---: | ---: | ---: |');
for (const t of tarballs)
  console.log(`| ${t.name} | ${t.version} | ${formatKiB(t.size)} | ${formatKiB(t.unpacked)} | ${t.files} |`);
console.log('');
mkdirSync(join(root, 'test-artifacts'), { recursive: true });
writeFileSync(
  join(root, 'test-artifacts', 'pack-test-tarballs.json'),
  JSON.stringify(
    tarballs.map(({ name, version, size, unpacked, files }) => ({
      name,
      version,
      bytes: size,
      unpacked,
      files,
    })),
    null,
    2,
  ) + '\n',
);

// ---------------------------------------------------------------------------------------------
// 2. a fresh project that installs the tarballs with npm
writeFileSync(
  join(project, 'package.json'),
  JSON.stringify({ name: 'charrnn-consumer', private: true, type: 'module' }, null, 2) + '\n',
);
await check('npm install of the tarballs + tfjs 4.22.0 (cpu, wasm)', () => {
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      ...tarballs.map((t) => t.file),
      ...TFJS,
      '@types/node@20',
    ],
    { cwd: project },
  );
  // Each package resolves to the tarball's copy: none fetched from the registry, none nested.
  for (const t of tarballs) {
    const installed = join(project, 'node_modules', ...t.name.split('/'));
    const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    if (version !== t.version) throw new Error(`${t.name} ${version} installed, ${t.version} packed`);
    if (existsSync(join(installed, 'node_modules', '@charrnn')))
      throw new Error(`${t.name} has its own node_modules/@charrnn: the tarballs were not used`);
  }
  return `${readdirSync(join(project, 'node_modules', '@charrnn')).length} @charrnn packages in node_modules`;
});

// ---------------------------------------------------------------------------------------------
// 3. sources: README examples, examples/, the TypeScript consumer
const readmeExamples = [];
for (const name of PACKAGES) {
  const readme = readFileSync(join(root, 'packages', name, 'README.md'), 'utf8');
  const pattern = /<!-- example: ([\w-]+) -->\s*\n```(?:ts|js)\n([\s\S]*?)\n```/g;
  let count = 0;
  for (const match of readme.matchAll(pattern)) {
    const [, exampleName, code] = match;
    readmeExamples.push({ name: `${name}-${exampleName}`, readme: `packages/${name}/README.md`, code });
    count++;
  }
  if (count === 0) {
    results.push({ name: `README example in packages/${name}/README.md`, ok: false });
    log(`FAIL packages/${name}/README.md has no \`<!-- example: NAME -->\` code block`);
  }
}
mkdirSync(join(project, 'readme'));
mkdirSync(join(project, 'examples'));
for (const ex of readmeExamples) writeFileSync(join(project, 'readme', `${ex.name}.ts`), ex.code + '\n');
const exampleFiles = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.mjs'));
for (const file of exampleFiles)
  writeFileSync(join(project, 'examples', file), readFileSync(join(root, 'examples', file)));
for (const file of ['consumer.ts', 'browser.ts'])
  writeFileSync(join(project, file), readFileSync(join(fixtures, file)));

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const compilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  noEmit: true,
  target: 'ES2022',
  lib: ['ES2022', 'DOM'],
  allowJs: true,
  checkJs: true,
  skipLibCheck: false,
  verbatimModuleSyntax: true,
};
for (const [label, module, moduleResolution] of [
  ['node16', 'node16', 'node16'],
  ['bundler', 'esnext', 'bundler'],
]) {
  await check(`tsc --noEmit, strict, moduleResolution ${label}`, () => {
    const config = join(project, `tsconfig.${label}.json`);
    writeFileSync(
      config,
      JSON.stringify(
        {
          compilerOptions: { ...compilerOptions, module, moduleResolution },
          include: ['consumer.ts', 'browser.ts', 'readme/*.ts', 'examples/*.mjs'],
        },
        null,
        2,
      ),
    );
    run(process.execPath, [tsc, '-p', config], { cwd: project });
    return `${readmeExamples.length} README examples, ${exampleFiles.length} examples/, consumer.ts, browser.ts`;
  });
}

// ---------------------------------------------------------------------------------------------
// 4. browser bundle
await check('esbuild browser bundle of every main entry (no node: imports)', async () => {
  const options = {
    entryPoints: [join(project, 'browser.ts')],
    absWorkingDir: project,
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    metafile: true,
    logLevel: 'silent',
  };
  // What an app would ship (ESM); a Node built-in anywhere in it fails the build.
  const esm = await build({ ...options, format: 'esm', outfile: join(project, 'out', 'browser.mjs') });
  const inputs = Object.keys(esm.metafile.inputs);
  const nodeOnly = inputs.filter((p) => /^node:|@charrnn\/[^/]+\/dist\/node(\.js|\/)/.test(p));
  if (nodeOnly.length > 0)
    throw new Error(`Node-only modules in the browser bundle:\n${nodeOnly.join('\n')}`);
  const bytes = statSync(join(project, 'out', 'browser.mjs')).size;
  const charrnnInputs = inputs.filter((p) => p.includes('@charrnn/')).length;
  // The same bundle as a script, run in a context with browser globals only (no `process`,
  // no `require`), so tfjs takes its browser code paths.
  await build({ ...options, format: 'iife', globalName: 'app', outfile: join(project, 'out', 'browser.js') });
  const context = vm.createContext({
    console,
    setTimeout,
    clearTimeout,
    queueMicrotask,
    performance,
    TextEncoder,
    TextDecoder,
    fetch,
    navigator: { userAgent: 'pack-test', platform: 'pack-test' },
  });
  context.document = {}; // tfjs: a window with a document is a browser
  context.window = context;
  context.self = context;
  vm.runInContext(readFileSync(join(project, 'out', 'browser.js'), 'utf8'), context);
  const out = await vm.runInContext('app.main()', context);
  if (!/^cpu cpu \d+ \S+ \d+$/.test(out)) throw new Error(`unexpected output: ${out}`);
  return `${formatKiB(bytes)} (unminified) from ${charrnnInputs} @charrnn modules; ran it in a browser-like context: ${out}`;
});

// ESM only, but without an `import`-only condition: CommonJS code on a Node with require(esm)
// (20.19+, 22.12+) can require() every entry.
const [major, minor] = process.versions.node.split('.').map(Number);
if ((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23) {
  await check('require() of every entry from CommonJS (require(esm))', () => {
    const entries = PACKAGES.map((p) => `@charrnn/${p}`).concat([
      '@charrnn/core/node',
      '@charrnn/data/node',
      '@charrnn/layers/internal',
      '@charrnn/trainer/node',
      '@charrnn/trainer/internal',
      '@charrnn/interop/node',
    ]);
    const code = `for (const e of ${JSON.stringify(entries)}) { const m = require(e); if (Object.keys(m).length === 0) throw new Error(e); }`;
    run(process.execPath, ['--no-warnings', '-e', code], { cwd: project });
    return `${entries.length} entries`;
  });
}

// ---------------------------------------------------------------------------------------------
// 5. run the examples on a tiny made-up corpus (never the tutorial data)
/** Deterministic made-up names: the label is told by the ending. */
function writeMadeUpCorpus(dir) {
  const labels = { Aland: 'ka', Borland: 'zo', Cirland: 'mir' };
  const syllables = ['ta', 've', 'ri', 'lo', 'nu', 'sa', 'pe', 'do', 'bi', 'ga', 'ne', 'fu'];
  let state = 7;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  mkdirSync(dir, { recursive: true });
  for (const [label, ending] of Object.entries(labels)) {
    const names = new Set();
    while (names.size < 60) {
      const n = 1 + Math.floor(next() * 3);
      let stem = '';
      for (let i = 0; i < n; i++) stem += syllables[Math.floor(next() * syllables.length)];
      names.add(stem[0].toUpperCase() + stem.slice(1) + ending);
    }
    writeFileSync(join(dir, `${label}.txt`), [...names].join('\n') + '\n');
  }
}
writeMadeUpCorpus(join(project, 'names'));

/** The source with its backend import and `setBackend` call switched to `backend`. */
function withBackend(source, backend) {
  return source
    .replace(/@tensorflow\/tfjs-backend-(cpu|wasm)/g, `@tensorflow/tfjs-backend-${backend}`)
    .replace(/setBackend\((['"])(cpu|wasm)\1\)/g, `setBackend('${backend}')`);
}
const usesBackend = (source) => source.includes('@tensorflow/tfjs-backend-');
const BACKEND_PROBE =
  "\nconsole.log('[pack-test] backend=' + (await import('@tensorflow/tfjs-core')).getBackend());\n";

/** Runs one script of the temp project under `backend` and returns its output. */
function runScript(relPath, source, backend, args = []) {
  const file = join(project, relPath.replace(/\.(ts|mjs)$/, `.${backend ?? 'nobackend'}.mjs`));
  let code = backend ? withBackend(source, backend) + BACKEND_PROBE : source;
  if (relPath.endsWith('.ts')) code = transformSync(code, { loader: 'ts', format: 'esm' }).code;
  writeFileSync(file, code);
  const out = run(process.execPath, [file, ...args], { cwd: project, env: { TF_CPP_MIN_LOG_LEVEL: '2' } });
  if (backend && !out.includes(`[pack-test] backend=${backend}`))
    throw new Error(`ran on another backend than ${backend}:\n${out}`);
  return out;
}

const exampleSource = (file) => readFileSync(join(project, 'examples', file), 'utf8');
const lastLines = (out, n = 3) =>
  out
    .trim()
    .split('\n')
    .filter((l) => !/^$|^\[pack-test\]|^=+$|looks like you are running TensorFlow\.js in Node/.test(l.trim()))
    .slice(-n)
    .join(' | ');

for (const backend of BACKENDS) {
  // The bundle the other examples read (`runs/default`, as `pnpm train` writes it).
  await check(`examples/train-classifier.mjs (${backend})`, () => {
    const out = runScript('examples/train-classifier.mjs', exampleSource('train-classifier.mjs'), backend, [
      'names',
      'runs/default',
      '30',
    ]);
    const accuracy = Number(/validation accuracy ([\d.]+)/.exec(out)?.[1]);
    if (!(accuracy >= 0.8))
      throw new Error(`validation accuracy ${accuracy} < 0.8 on an easy corpus:\n${out}`);
    return lastLines(out, 2);
  });
  await check(`examples/classify-name.mjs (${backend})`, () => {
    const out = runScript('examples/classify-name.mjs', exampleSource('classify-name.mjs'), backend, [
      'runs/default',
      'Sabika',
      'Dorezo',
      'Tavamir',
    ]);
    for (const [name, label] of [
      ['Sabika', 'Aland'],
      ['Dorezo', 'Borland'],
      ['Tavamir', 'Cirland'],
    ])
      if (!new RegExp(`^${name}: ${label} `, 'm').test(out))
        throw new Error(`${name} is not ${label}:\n${out}`);
    return lastLines(out);
  });
  for (const ex of readmeExamples) {
    if (!usesBackend(ex.code) && backend !== BACKENDS[0]) continue;
    await check(`README example ${ex.name} (${usesBackend(ex.code) ? backend : 'no backend'})`, () =>
      lastLines(runScript(`readme/${ex.name}.ts`, ex.code, usesBackend(ex.code) ? backend : undefined), 1),
    );
  }
}
await check('examples/tokenizer-only.mjs (no backend)', () =>
  lastLines(runScript('examples/tokenizer-only.mjs', exampleSource('tokenizer-only.mjs'), undefined), 2),
);

// ---------------------------------------------------------------------------------------------
const failed = results.filter((r) => !r.ok).length;
if (failed === 0 && !keep) rmSync(work, { recursive: true, force: true });
else log(`kept ${relative(process.cwd(), work) || work}`);
log(`done in ${seconds(started)}s`);
console.log(`pack-test: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
