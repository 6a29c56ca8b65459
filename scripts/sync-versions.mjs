#!/usr/bin/env node
// After `changeset version`: writes the new version of @charrnn/core into
// packages/core/src/version.ts (CORE_VERSION, recorded in saved bundles; a test checks that the
// two agree). `pnpm version-packages` runs it.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8'));
const file = join(root, 'packages', 'core', 'src', 'version.ts');
const before = readFileSync(file, 'utf8');
const after = before.replace(/CORE_VERSION = '[^']*'/, `CORE_VERSION = '${version}'`);
if (!after.includes(`CORE_VERSION = '${version}'`)) throw new Error(`${file}: no CORE_VERSION to update`);
if (after !== before) writeFileSync(file, after);
console.log(`CORE_VERSION = '${version}'`);
