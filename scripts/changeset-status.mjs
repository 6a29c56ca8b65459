#!/usr/bin/env node
// `changeset status`, made to work in a fresh clone, a detached HEAD or a shallow CI checkout,
// and a little stricter.
//
// `changeset status` reads every pending changeset (a malformed one, or one naming a package that
// is not in the workspace, fails) and fails when packages changed since the base branch but there
// is no changeset at all. To know what changed it needs the base branch (`main`,
// .changeset/config.json) as a git ref: we use `main` when it exists (a clone of main, a feature
// branch), else `origin/main`, else HEAD (only uncommitted changes count), and say so.
// Stricter: every published package with a changed non-test file must be named by a pending
// changeset (`changeset add --empty` is not enough for it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const config = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8'));
const base = config.baseBranch ?? 'main';
const changeset = join(root, 'node_modules', '.bin', 'changeset');
const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
const hasRef = (ref) => git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`).status === 0;

let since;
if (!hasRef(base)) {
  since = [`origin/${base}`, 'HEAD'].find(hasRef);
  if (since === undefined) {
    console.error('changeset-status: not a git checkout with commits; nothing to compare with');
    process.exit(1);
  }
  console.log(`changeset-status: no "${base}" branch here; comparing with ${since}`);
}
const sinceArgs = since === undefined ? [] : [`--since=${since}`];
const status = spawnSync(changeset, ['status', ...sinceArgs], { cwd: root, stdio: 'inherit' });
if (status.status !== 0) process.exit(status.status ?? 1);

// Stricter check: changed packages are named by a changeset.
const mergeBase = git('merge-base', since ?? base, 'HEAD').stdout.trim();
const changedFiles = git('diff', '--name-only', '--no-relative', mergeBase)
  .stdout.split('\n')
  .concat(git('ls-files', '--others', '--exclude-standard').stdout.split('\n'))
  .filter((f) => f && !/\.test\.ts$|\/test-utils\//.test(f));
const tmp = mkdtempSync(join(tmpdir(), 'charrnn-changeset-'));
const planFile = join(tmp, 'plan.json');
const planned = spawnSync(changeset, ['status', ...sinceArgs, `--output=${planFile}`], { cwd: root });
const plan = JSON.parse(readFileSync(planFile, 'utf8'));
rmSync(tmp, { recursive: true, force: true });
if (planned.status !== 0) process.exit(planned.status ?? 1);
const named = new Set(plan.changesets.flatMap((c) => c.releases.map((r) => r.name)));
const missing = [];
for (const dir of readdirSync(join(root, 'packages'))) {
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  if (pkg.private || (config.ignore ?? []).includes(pkg.name)) continue;
  const files = changedFiles.filter((f) => f.startsWith(`packages/${dir}/`));
  if (files.length > 0 && !named.has(pkg.name))
    missing.push(`${pkg.name} (${files.slice(0, 3).join(', ')}…)`);
}
if (missing.length > 0) {
  console.error(`changeset-status: changed since ${since ?? base} without a changeset naming them:`);
  for (const m of missing) console.error(`  ${m}`);
  console.error('Run `pnpm changeset` and pick these packages.');
  process.exit(1);
}
console.log(
  `changeset-status: ok (${plan.changesets.length} pending changesets, ${changedFiles.length} changed files since ${since ?? base})`,
);
