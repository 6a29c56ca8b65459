import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { IoError } from '@charrnn/core';
import { writeFileAtomic } from '@charrnn/core/node';

/** Record, in the run directory, of what `charrnn train` created there (so `--force` removes only that). */
export const MANIFEST_FILE = '.charrnn-run.json';

/** Files and folders a run writes into its directory, besides `weights.<hash>.bin` files. */
const RUN_OUTPUTS = [
  'model.json',
  'config.json',
  'metrics.json',
  'report.html',
  'learning-curves.svg',
  'learning-curves.png',
  'confusion.svg',
  'confusion.png',
  'per-class.csv',
  'checkpoint',
  'members',
] as const;
/** A weights file of the bundle. */
const WEIGHTS = /^weights(?:\.[0-9a-f]{16})?\.bin$/;

interface Manifest {
  format: 'charrnn-run-manifest';
  version: 1;
  /** Entries of the directory that this run created (did not exist when it started). */
  created: string[];
  /** True when no weights file existed when the run started: its `weights.*.bin` are its own. */
  weights: boolean;
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const json = JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as Partial<Manifest>;
    if (json.format !== 'charrnn-run-manifest' || !Array.isArray(json.created)) return undefined;
    const created = json.created.filter((e): e is string =>
      (RUN_OUTPUTS as readonly string[]).includes(String(e)),
    );
    return { format: 'charrnn-run-manifest', version: 1, created, weights: json.weights === true };
  } catch {
    return undefined;
  }
}

/** Is `file` a checkpoint state written by charrnn? (For directories from before the manifest.) */
async function isCharrnnState(file: string): Promise<boolean> {
  try {
    const text = await readFile(file, 'utf8');
    return (JSON.parse(text) as { format?: unknown }).format === 'charrnn-run-checkpoint';
  } catch {
    return false;
  }
}

/** What a previous run in `dir` wrote, as far as charrnn can tell. */
async function previousRunEntries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const manifest = await readManifest(dir);
  if (manifest !== undefined) {
    const own = new Set(manifest.created);
    return names.filter((n) => own.has(n) || (manifest.weights && WEIGHTS.test(n)));
  }
  // A directory from before the manifest: only the checkpoint folders charrnn provably wrote
  // (the rest is overwritten file by file by the new run).
  const entries: string[] = [];
  if (await isCharrnnState(path.join(dir, 'checkpoint', 'state.json'))) entries.push('checkpoint');
  const members = await readdir(path.join(dir, 'members')).catch(() => [] as string[]);
  const own = await Promise.all(
    members.map((m) => isCharrnnState(path.join(dir, 'members', m, 'checkpoint', 'state.json'))),
  );
  if (members.length > 0 && own.every(Boolean)) entries.push('members');
  return entries;
}

/**
 * `--force`: starts `dir` over by removing what the previous charrnn run wrote there (as its
 * manifest lists; for a directory from an older version, only checkpoint folders that hold a
 * charrnn checkpoint) and nothing else: a folder charrnn did not make stays. The entries are first
 * moved together into one hidden folder (renames: no disk space needed, all or nothing), then
 * that folder is deleted; if deleting fails (disk errors), the message says which folder is left,
 * and the new run is unaffected by it. Returns the entries removed.
 *
 * @throws IoError naming the directory when the old run cannot be moved aside (nothing changed)
 */
export async function clearPreviousRun(dir: string): Promise<string[]> {
  const entries = await previousRunEntries(dir);
  if (entries.length === 0) return [];
  const trash = path.join(dir, `.charrnn-replaced-${Date.now()}-${process.pid}`);
  const moved: string[] = [];
  try {
    await rm(trash, { recursive: true, force: true });
    await mkdir(trash);
    for (const entry of entries) {
      await rename(path.join(dir, entry), path.join(trash, entry));
      moved.push(entry);
    }
  } catch (error) {
    // Put back what was moved: the directory is as it was.
    for (const entry of moved.reverse())
      await rename(path.join(trash, entry), path.join(dir, entry)).catch(() => undefined);
    await rm(trash, { recursive: true, force: true }).catch(() => undefined);
    throw new IoError(
      `--force could not set the previous run aside (nothing was changed): ${(error as Error).message}`,
      {
        file: dir,
        cause: error,
      },
    );
  }
  try {
    await rm(trash, { recursive: true, force: true });
  } catch (error) {
    throw new IoError(
      `--force set the previous run aside in ${trash} but could not delete it (${(error as Error).message}); ` +
        'the directory holds no other part of it: delete that folder, then run again',
      { file: dir, cause: error },
    );
  }
  return entries;
}

/**
 * Records, at the start of a run, which of the run's outputs do not exist yet in `dir`: those are
 * the run's own, and a later `--force` may remove them. Entries that existed before (a user's file
 * named `config.json`, another tool's `checkpoint/`) are never listed. A resumed run keeps the
 * manifest it has.
 */
export async function recordRunStart(dir: string): Promise<void> {
  const previous = await readManifest(dir);
  const names = new Set(await readdir(dir).catch(() => [] as string[]));
  const created = RUN_OUTPUTS.filter(
    (entry) => !names.has(entry) || previous?.created.includes(entry) === true,
  );
  const weights = [...names].every((n) => !WEIGHTS.test(n)) || previous?.weights === true;
  const manifest: Manifest = { format: 'charrnn-run-manifest', version: 1, created: [...created], weights };
  await writeFileAtomic(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}
