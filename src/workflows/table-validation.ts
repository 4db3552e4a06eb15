import { condition, patched } from '@temporalio/workflow';
import type { ComparedTable, SourceChecksumResult } from '../contract/validation-io.js';
import type { ValidationProgress } from '../contract/messages.js';
import type { PipeConfig } from '../pipe/config.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { MAX_LISTED_KEYS, type ChecksumScope, type KeyDifference, type PartChecksum, type TableValidation, type ValidationPart } from '../pipe/validation.js';
import { positionReached, snapshotVersion } from '../pipe/version.js';
import { loadActivities, stepActivities } from './activity-options.js';
import { inLanes } from '../pipe/lanes.js';

/**
 * Parts whose source checksums are taken before the pipe is asked to reach
 * them all: one wait (at most a sync interval) per round, not per part.
 * (Validations started before OVERLAPPED_SIDES.)
 */
const ROUND_PARTS = 64;
/** The source's checksums go on while ClickHouse's are taken. */
const OVERLAPPED_SIDES = 'validation-overlapped-sides';

/** What a validation compares: one destination table, against its source table. */
export interface ValidationTarget {
  schema: TableSchema;
  /** The destination table (the live one, or a `_resync` table). */
  table: string;
  /** Only these parts (a repair checking what it repaired); the whole table when absent. */
  parts?: ValidationPart[];
}

export interface ValidationRun {
  config: PipeConfig;
  /** Whether the pipe follows the binlog: each part is then compared as of its source snapshot, once the pipe has reached it. */
  following: boolean;
  /** The workflow running it (shown with the results). */
  by: string;
  /** Unique to this run (the ids of its requests to the pipe). */
  run: string;
  maxRowsPerSecond?: number;
  progress: ValidationProgress;
}

interface WorkItem {
  target: ValidationTarget;
  scope: ChecksumScope;
  /** The parts of `scope` that count (a bucket scope covers every bucket). */
  parts: ValidationPart[];
  source?: SourceChecksumResult;
}

const sameSums = (a: PartChecksum | undefined, b: PartChecksum | undefined) => a?.rows === b?.rows && a?.hash === b?.hash;

/** A table's parts as checksum scopes: its load chunks, or every bucket at once. */
async function plan(run: ValidationRun, target: ValidationTarget): Promise<WorkItem[]> {
  if (target.parts) {
    const ranges = target.parts.flatMap((p) => ('range' in p ? [{ target, scope: p, parts: [p] }] : []));
    const buckets = target.parts.filter((p) => 'bucket' in p);
    const first = buckets[0];
    return first && 'buckets' in first ? [...ranges, { target, scope: { buckets: first.buckets }, parts: buckets }] : ranges;
  }
  const { source, settings } = run.config;
  const split = await loadActivities.planValidation({ source, schema: target.schema, rowsPerPart: settings.snapshotRowsPerPartition });
  if ('ranges' in split) return split.ranges.map((range) => ({ target, scope: { range }, parts: [{ range }] }));
  const all = Array.from({ length: split.buckets }, (_, bucket) => ({ bucket, buckets: split.buckets }));
  return [{ target, scope: { buckets: split.buckets }, parts: all }];
}

/**
 * Compares tables with their source, part by part: a part's count and
 * checksum are read at the source inside a consistent snapshot (with its
 * binlog position), then, once the pipe has applied everything up to that
 * position, in ClickHouse as of it. Parts that differ are narrowed down to
 * the keys that differ (and their columns). Every step is an activity, so a
 * crashed validation goes on from the parts it had done.
 */
export async function validateTargets(run: ValidationRun, targets: ValidationTarget[]): Promise<Record<string, TableValidation>> {
  const { config, progress } = run;
  const threads = config.settings.snapshotParallelThreads;
  const planned: WorkItem[][] = [];
  await inLanes(targets, threads, async (t) => void planned.push(await plan(run, t)));
  const items = planned.flat();
  progress.partsTotal += items.reduce((n, i) => n + i.parts.length, 0);
  const differing = new Map<ValidationTarget, ValidationPart[]>();
  const rows = new Map<ValidationTarget, number>();
  const compare = async (item: WorkItem) => {
    const asOf = run.following ? snapshotVersion(item.source!.position) : null;
    const sums = await loadActivities.checksumDestination({ ...comparedTable(run, item.target), scope: item.scope, asOf });
    for (const part of item.parts) {
      const i = 'bucket' in part ? part.bucket : 0;
      if (!sameSums(item.source!.sums[i], sums[i])) differing.set(item.target, [...(differing.get(item.target) ?? []), part]);
    }
    const counted = item.source!.sums.filter((_, i) => item.parts.some((p) => ('bucket' in p ? p.bucket : 0) === i));
    const n = counted.reduce((sum, s) => sum + s.rows, 0);
    rows.set(item.target, (rows.get(item.target) ?? 0) + n);
    progress.rowsCompared += n;
    progress.partsDone += item.parts.length;
  };
  await (patched(OVERLAPPED_SIDES) ? overlapped : inRounds)(run, items, compare);
  const partCount = (t: ValidationTarget) => items.filter((i) => i.target === t).reduce((n, i) => n + i.parts.length, 0);
  return narrowDown(run, targets, differing, (t) => ({ rows: rows.get(t) ?? 0, parts: partCount(t) }));
}

const sourceChecksum = async (run: ValidationRun, item: WorkItem) => {
  const threads = run.config.settings.snapshotParallelThreads;
  item.source = await loadActivities.checksumSource({
    ...comparedTable(run, item.target),
    scope: item.scope,
    maxRowsPerSecond: run.maxRowsPerSecond && run.maxRowsPerSecond / threads,
  });
};

/** Asks the pipe to reach the furthest source snapshot of these parts (`tag` names the request). */
async function catchUp(run: ValidationRun, parts: WorkItem[], tag: string): Promise<void> {
  if (!run.following || parts.length === 0) return;
  const furthest = parts.map((i) => i.source!.position).reduce((far, p) => (positionReached(p, far) ? p : far));
  await stepActivities.catchUp({ pipe: run.config.name, resync: run.by, run: `${run.run}/${tag}`, position: furthest });
}

/**
 * The source's checksums run in their lanes without stopping; ClickHouse's
 * take each time every part whose source side is done, once the pipe has
 * reached the furthest of them: one wait per such batch (under a writer,
 * about one sync interval's worth of parts), and each database works while
 * the other does.
 */
async function overlapped(run: ValidationRun, items: WorkItem[], compare: (item: WorkItem) => Promise<void>): Promise<void> {
  const threads = run.config.settings.snapshotParallelThreads;
  const ready: WorkItem[] = [];
  let sourcesDone = false;
  const sources = inLanes(items, threads, async (item) => {
    await sourceChecksum(run, item);
    ready.push(item);
  }).finally(() => (sourcesDone = true));
  const destinations = (async () => {
    for (let batch = 0; ; batch++) {
      await condition(() => ready.length > 0 || sourcesDone);
      if (ready.length === 0) return;
      const taken = ready.splice(0);
      await catchUp(run, taken, `b${batch}`);
      await inLanes(taken, threads, compare);
    }
  })();
  await Promise.all([sources, destinations]);
}

/** Rounds of parts: every source checksum of a round, then every ClickHouse one. */
async function inRounds(run: ValidationRun, items: WorkItem[], compare: (item: WorkItem) => Promise<void>): Promise<void> {
  const threads = run.config.settings.snapshotParallelThreads;
  for (let at = 0; at < items.length; at += ROUND_PARTS) {
    const round = items.slice(at, at + ROUND_PARTS);
    await inLanes(round, threads, (item) => sourceChecksum(run, item));
    await catchUp(run, round, String(at));
    await inLanes(round, threads, compare);
  }
}

/** The parts that differ, narrowed down to their keys; each table's result. */
async function narrowDown(
  run: ValidationRun,
  targets: ValidationTarget[],
  differing: Map<ValidationTarget, ValidationPart[]>,
  compared: (t: ValidationTarget) => { rows: number; parts: number },
): Promise<Record<string, TableValidation>> {
  const found = new Map<ValidationTarget, { keys: number; listed: KeyDifference[]; parts: ValidationPart[] }>();
  const parts = [...differing.entries()].flatMap(([target, ps]) => ps.map((part) => ({ target, part })));
  await inLanes(parts, run.config.settings.snapshotParallelThreads, async ({ target, part }) => {
    const diff = await loadActivities.diffPart({ ...comparedTable(run, target), part, pipe: run.following ? run.config.name : null, run: run.run });
    const f = found.get(target) ?? { keys: 0, listed: [], parts: [] };
    f.keys += diff.differingKeys;
    f.listed = [...f.listed, ...diff.differences].slice(0, MAX_LISTED_KEYS);
    // A part whose checksums differed but whose keys all matched at a later snapshot had changed meanwhile.
    if (diff.differingKeys > 0) f.parts.push(part);
    found.set(target, f);
    run.progress.differingKeys += diff.differingKeys;
  });
  const at = new Date().toISOString();
  return Object.fromEntries(
    targets.map((target) => {
      const f = found.get(target);
      const { rows, parts } = compared(target);
      const result: TableValidation = {
        at,
        by: run.by,
        rowsCompared: rows,
        parts,
        differingKeys: f?.keys ?? 0,
        differences: f?.listed ?? [],
        partsToRepair: f?.parts ?? [],
      };
      return [target.schema.table, result];
    }),
  );
}

function comparedTable(run: ValidationRun, target: ValidationTarget): ComparedTable {
  return { source: run.config.source, database: run.config.destination.database, table: target.table, schema: target.schema };
}
