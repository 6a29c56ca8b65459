import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); never a browser downloaded by Playwright. */
export const CHROMIUM_PATH = process.env['CHARRNN_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags from DEVELOPERS.md, plus SwiftShader so WebGL works without a GPU. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-swiftshader',
];

/** Why the e2e tests cannot run here, or `null` when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH)
    ? null
    : `${CHROMIUM_PATH} not found: install Debian's Chromium (apt-get install chromium; .ci/run does it)`;
}

/** True when running in CI (`CI=true`), where a missing browser is a failure, not a skip. */
export function inCi(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** Headless Chromium with a fresh user-data-dir (so IndexedDB starts empty), plus `extraArgs`. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<BrowserContext> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'charrnn-web-e2e-'));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport: { width: 1200, height: 900 },
    acceptDownloads: true,
  });
}
