import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private directory for insert files: the bodies of large inserts
 * (spilled as they are written, so a block's size does not hold memory),
 * and every embedded-engine insert, which reads its rows from a file (see
 * destination.ts). Made at the first file, removed on close or when the
 * process exits; the directories of processes that are gone (killed) are
 * removed then too.
 */
export interface InsertSpool {
  /** A new file's path in the directory. */
  file(): string;
  close(): void;
}

const SPOOL_PREFIX = 'pipes-inserts-';

export function insertSpool(): InsertSpool {
  let dir: string | null = null;
  let files = 0;
  const close = () => {
    if (!dir) return;
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', close);
    dir = null;
  };
  return {
    file() {
      if (!dir) {
        removeDeadSpools();
        dir = mkdtempSync(join(tmpdir(), `${SPOOL_PREFIX}${process.pid}-`));
        process.once('exit', close);
      }
      return join(dir, `${++files}.tsv`);
    },
    close,
  };
}

function removeDeadSpools(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = name.startsWith(SPOOL_PREFIX) ? Number.parseInt(name.slice(SPOOL_PREFIX.length), 10) : 0;
    if (pid && !processAlive(pid)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, someone else's.
    return (err as { code?: string }).code === 'EPERM';
  }
}
