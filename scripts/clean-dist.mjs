#!/usr/bin/env node
// Removes the build output of every workspace (packages/*/dist, apps/*/dist) and turbo's local
// cache (which would restore a dist as it was cached), so the next build holds no file of a
// deleted module. `pnpm clean`; `pnpm release` runs it before building.
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    rmSync(join(root, group, name, 'dist'), { recursive: true, force: true });
  }
}
rmSync(join(root, '.turbo', 'cache'), { recursive: true, force: true });
console.log('removed packages/*/dist, apps/*/dist and .turbo/cache');
