import { existsSync, readFileSync } from 'node:fs';

/** Linux's clock tick (USER_HZ), the unit of /proc/<pid>/stat times; 100 on every common build. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, or null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces; fields after it are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime + stime) ? (utime + stime) / TICKS_PER_SECOND : null;
}

/** The pid in a pid file, or null. */
export function pidFromFile(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return pid > 0 ? pid : null;
}

export type CpuUse = Record<string, number>;

/**
 * CPU seconds each named process used between `start` and the returned
 * function's call: where a phase's time went (worker, MariaDB, Temporal).
 */
export function cpuMeter(pids: Record<string, number | null>): () => CpuUse {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid ? cpuSeconds(pid) : null]));
  return () => {
    const used: CpuUse = {};
    for (const [name, pid] of Object.entries(pids)) {
      const a = before[name];
      const b = pid ? cpuSeconds(pid) : null;
      if (a !== null && a !== undefined && b !== null) used[name] = Math.round((b - a) * 10) / 10;
    }
    return used;
  };
}

export const formatCpu = (use: CpuUse) =>
  Object.entries(use)
    .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
    .join(', ');
