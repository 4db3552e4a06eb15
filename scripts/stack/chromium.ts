import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { commandExists } from './processes.js';

/** Debian's Chromium: what the console's browser test drives (through playwright-core). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium, installed with apt-get when it is missing (as root; a
 * test tool's own browser download cannot run on a machine without the
 * internet). Returns its path, or throws saying how to install it.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() === 0 && commandExists('apt-get')) {
    console.log('Installing chromium from Debian packages (for the web console test)...');
    const r = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' });
    if (r.status === 0 && existsSync(CHROMIUM)) return CHROMIUM;
  }
  throw new Error(`${CHROMIUM} is missing: install the chromium package (Debian) to run the web console test`);
}

/** Flags for headless Chromium on a machine without the internet or a GPU. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
