#!/usr/bin/env node
// The nightly-style property run: every *.fuzz.test.ts with CHARRNN_FC_RUNS cases per property
// (default 20,000; CI runs 1,000) and a one-line outcome count per property
// (`[fuzz] name: N cases, ok …, typed errors …, crashes 0`). Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';

const env = {
  ...process.env,
  CHARRNN_FC_RUNS: process.env.CHARRNN_FC_RUNS ?? '20000',
  CHARRNN_FC_REPORT: '1',
};
const run = spawnSync(
  'pnpm',
  ['exec', 'vitest', 'run', 'fuzz', '--testTimeout', '0', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env,
  },
);
process.exit(run.status ?? 1);
