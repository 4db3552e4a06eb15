import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder (scripts are compiled to dist/scripts/stack). */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** Where the local stack keeps its data: PIPES_DATA_DIR, or .data in the project. */
export function dataDir(...parts: string[]): string {
  return resolve(process.env.PIPES_DATA_DIR ?? join(PROJECT_ROOT, '.data'), ...parts);
}

/** Built tools survive fresh clones: they live in the user's cache folder. */
export function toolCacheDir(...parts: string[]): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'mysql-clickhouse-pipes', ...parts);
}
