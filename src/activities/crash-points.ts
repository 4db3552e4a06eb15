import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crashPointsFromEnv } from '../runtime/environment.js';

/** The worst moments for a worker to die: a step's work done, not yet reported. */
export type CrashPoint = 'setup' | 'chunk' | 'carry' | 'swap' | 'cdc' | 'shadow' | 'ddl-planned' | 'ddl' | 'restart' | 'validate' | 'repair';

/**
 * A test hook, off unless both variables are set: with
 * PIPES_CRASH_POINTS=setup,chunk,… and PIPES_CRASH_DIR, the worker SIGKILLs
 * itself once at each named point (a file in the folder remembers it), so a
 * test can prove that every step survives a crash at its worst moment.
 */
export function crashPoint(point: CrashPoint): void {
  const hook = crashPointsFromEnv();
  if (!hook?.points.includes(point)) return;
  const marker = join(hook.dir, point);
  if (existsSync(marker)) return;
  writeFileSync(marker, new Date().toISOString());
  process.kill(process.pid, 'SIGKILL');
}
