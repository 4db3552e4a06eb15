import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The worst moments for a worker to die: a step's work done, not yet reported. */
export type CrashPoint = 'setup' | 'chunk' | 'carry' | 'swap' | 'cdc' | 'restart';

/**
 * A test hook, off unless both variables are set: with
 * PIPES_CRASH_POINTS=setup,chunk,… and PIPES_CRASH_DIR, the worker SIGKILLs
 * itself once at each named point (a file in the folder remembers it), so a
 * test can prove that every step survives a crash at its worst moment.
 */
export function crashPoint(point: CrashPoint): void {
  const points = process.env.PIPES_CRASH_POINTS;
  const dir = process.env.PIPES_CRASH_DIR;
  if (!points || !dir || !points.split(',').includes(point)) return;
  const marker = join(dir, point);
  if (existsSync(marker)) return;
  writeFileSync(marker, new Date().toISOString());
  process.kill(process.pid, 'SIGKILL');
}
