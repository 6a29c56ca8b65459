// How to call pnpm from a script: the pnpm that runs us (`npm_execpath`, set by `pnpm run`, e.g.
// `npx --yes pnpm@10.34.9 test` in CI, where no pnpm is on PATH), else the one on PATH.
/** `[command, ...leadingArgs]` to spawn pnpm with. */
export function pnpmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm(\.c?js)?$/.test(execPath)) {
    return /\.c?js$/.test(execPath) ? [process.execPath, execPath] : [execPath];
  }
  return ['pnpm'];
}
