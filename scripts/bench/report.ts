import { cpus, loadavg, totalmem } from 'node:os';

/** The figures a run reports, under the keys of its JSON output. */
export const FIGURE_KEYS = [
  'initialLoadRatio',
  'pullLoadRatio',
  'autoLoadRatio',
  'resyncRatio',
  'onlineResyncRatio',
  'resyncCdcLagSeconds',
  'validateRowsPerSecond',
  'validateRatio',
  'cdcChangesPerSecond',
  'cdcCatchUpChangesPerSecond',
  'cdcLagSeconds',
  'crashWaste',
  'peakRssMb',
  'pipelineRssMb',
  'rateLimitError',
  'manyTablesRatio',
  'maxHistoryEvents',
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];

export interface Figure {
  key: FigureKey;
  /** Null when the section was skipped or could not run. */
  value: number | null;
  /** The target as people read it, e.g. "≥ 0.5". */
  target: string;
  /** Null when there is no value to judge. */
  met: boolean | null;
  note?: string;
}

const DIGITS: Record<FigureKey, number> = {
  initialLoadRatio: 3,
  pullLoadRatio: 3,
  autoLoadRatio: 3,
  resyncRatio: 3,
  onlineResyncRatio: 3,
  resyncCdcLagSeconds: 2,
  validateRowsPerSecond: 0,
  validateRatio: 3,
  cdcChangesPerSecond: 0,
  cdcCatchUpChangesPerSecond: 0,
  cdcLagSeconds: 2,
  crashWaste: 3,
  peakRssMb: 0,
  pipelineRssMb: 0,
  rateLimitError: 3,
  manyTablesRatio: 2,
  maxHistoryEvents: 0,
};

export function roundFigure(key: FigureKey, value: number): number {
  const f = 10 ** DIGITS[key];
  return Math.round(value * f) / f;
}

export function figure(key: FigureKey, value: number | null, target: string, met: (v: number) => boolean, note?: string): Figure {
  return {
    key,
    value: value === null || !Number.isFinite(value) ? null : roundFigure(key, value),
    target,
    met: value === null || !Number.isFinite(value) ? null : met(value),
    ...(note ? { note } : {}),
  };
}

export function notMeasured(key: FigureKey, target: string, note: string): Figure {
  return { key, value: null, target, met: null, note };
}

/** The closing table: figure, value, target, met?, with a note column when any figure has one. */
export function summaryTable(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.key,
    f.value === null ? '—' : f.value.toLocaleString('en-US', { maximumFractionDigits: DIGITS[f.key] }),
    f.target,
    f.met === null ? 'n/a' : f.met ? 'yes' : 'NO',
    f.note ?? '',
  ]);
  const header = ['figure', 'value', 'target', 'met?', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The 1-minute load average: other work on the machine skews every figure. */
export const loadAverage = () => Math.round((loadavg()[0] ?? 0) * 100) / 100;

/** What the numbers were measured on; `loadAtStart` is the load average when the run began. */
export function machine(loadAtStart: number) {
  const cpu = cpus();
  return {
    cores: cpu.length,
    loadAverage: { atStart: loadAtStart, atEnd: loadAverage() },
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryMb: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}
