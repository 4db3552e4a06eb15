import { condition, patched } from '@temporalio/workflow';
import type { ValidationPlan } from '../contract/validation-io.js';
import { MAX_LISTED_KEYS, type KeyDifference, type PartChecksum, type TableValidation, type ValidationPart } from '../pipe/validation.js';
import { positionReached } from '../pipe/version.js';
import { loadActivities, stepActivities } from './activity-options.js';
import { groupsOf, inLanes } from '../pipe/lanes.js';
import { destinationSide, sourceSide, unitsOf } from './checksum-units.js';
import { comparedTable, type ValidationRun, type ValidationTarget, type WorkItem } from './validation-run.js';

/**
 * Parts whose source checksums are taken before the pipe is asked to reach
 * them all: one wait (at most a sync interval) per round, not per part.
 * (Validations started before OVERLAPPED_SIDES.)
 */
const ROUND_PARTS = 64;
/** Patch id: the tables to split are planned PLAN_GROUP an activity. */
const PLANS_IN_GROUPS = 'validation-plans-in-groups';
/** Tables one planning activity splits: a small table's plan costs less than its activity and workflow task. */
const PLAN_GROUP = 16;
/** Patch id: small tables' parts are checksummed several an activity (see checksum-units.ts). */
const SMALL_PARTS_TOGETHER = 'validation-small-parts-together';
/** The source's checksums go on while ClickHouse's are taken. */
const OVERLAPPED_SIDES = 'validation-overlapped-sides';

export type { ValidationRun, ValidationTarget } from './validation-run.js';

const sameSums = (a: PartChecksum | undefined, b: PartChecksum | undefined) => a?.rows === b?.rows && a?.hash === b?.hash;

/** A table's parts as checksum scopes: those asked for, else its load chunks or every bucket at once, as `split` has it. */
function itemsOf(target: ValidationTarget, split: ValidationPlan | null): WorkItem[] {
  if (target.parts || !split) {
    const parts = target.parts ?? [];
    const ranges = parts.flatMap((p) => ('range' in p ? [{ target, scope: p, parts: [p] }] : []));
    const buckets = parts.filter((p) => 'bucket' in p);
    const first = buckets[0];
    return first && 'buckets' in first ? [...ranges, { target, scope: { buckets: first.buckets }, parts: buckets }] : ranges;
  }
  if ('ranges' in split) return split.ranges.map((range) => ({ target, scope: { range }, parts: [{ range }] }));
  const all = Array.from({ length: split.buckets }, (_, bucket) => ({ bucket, buckets: split.buckets }));
  return [{ target, scope: { buckets: split.buckets }, parts: all }];
}

/** Every target's parts; the tables to split are planned PLAN_GROUP an activity (before PLANS_IN_GROUPS: one each). */
async function planAll(run: ValidationRun, targets: ValidationTarget[]): Promise<WorkItem[]> {
  const { source, settings } = run.config;
  const threads = settings.snapshotParallelThreads;
  const rowsPerPart = settings.snapshotRowsPerPartition;
  const planned: WorkItem[][] = [];
  if (!patched(PLANS_IN_GROUPS)) {
    await inLanes(targets, threads, async (target) => {
      planned.push(itemsOf(target, target.parts ? null : await loadActivities.planValidation({ source, schema: target.schema, rowsPerPart })));
    });
    return planned.flat();
  }
  const toSplit = targets.filter((t) => !t.parts);
  await inLanes(groupsOf(toSplit, PLAN_GROUP), threads, async (group) => {
    const plans = await loadActivities.planValidations({ source, schemas: group.map((t) => t.schema), rowsPerPart });
    group.forEach((target, i) => planned.push(itemsOf(target, plans[i] ?? null)));
  });
  // In the targets' order, whatever order the plans came in.
  return targets.flatMap((t) => (t.parts ? itemsOf(t, null) : planned.find((items) => items[0]?.target === t) ?? []));
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
  const { progress } = run;
  const items = await planAll(run, targets);
  progress.partsTotal += items.reduce((n, i) => n + i.parts.length, 0);
  const differing = new Map<ValidationTarget, ValidationPart[]>();
  const rows = new Map<ValidationTarget, number>();
  const compare = async (unit: WorkItem[]) => {
    const found = await destinationSide(run, unit);
    unit.forEach((item, i) => record(item, found[i] ?? []));
  };
  const record = (item: WorkItem, sums: PartChecksum[]) => {
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
  if (!patched(OVERLAPPED_SIDES)) await inRounds(run, items, compare);
  // (Not under a cap on rows read: each part then paces itself.)
  else await overlapped(run, unitsOf(items, patched(SMALL_PARTS_TOGETHER) && !run.maxRowsPerSecond), compare);
  const partCount = (t: ValidationTarget) => items.filter((i) => i.target === t).reduce((n, i) => n + i.parts.length, 0);
  return narrowDown(run, targets, differing, (t) => ({ rows: rows.get(t) ?? 0, parts: partCount(t) }));
}

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
async function overlapped(run: ValidationRun, units: WorkItem[][], compare: (unit: WorkItem[]) => Promise<void>): Promise<void> {
  const threads = run.config.settings.snapshotParallelThreads;
  const ready: WorkItem[][] = [];
  let sourcesDone = false;
  const sources = inLanes(units, threads, async (unit) => {
    await sourceSide(run, unit);
    ready.push(unit);
  }).finally(() => (sourcesDone = true));
  const destinations = (async () => {
    for (let batch = 0; ; batch++) {
      await condition(() => ready.length > 0 || sourcesDone);
      if (ready.length === 0) return;
      const taken = ready.splice(0);
      await catchUp(run, taken.flat(), `b${batch}`);
      await inLanes(taken, threads, compare);
    }
  })();
  await Promise.all([sources, destinations]);
}

/** Rounds of parts: every source checksum of a round, then every ClickHouse one. */
async function inRounds(run: ValidationRun, items: WorkItem[], compare: (unit: WorkItem[]) => Promise<void>): Promise<void> {
  const threads = run.config.settings.snapshotParallelThreads;
  for (let at = 0; at < items.length; at += ROUND_PARTS) {
    const round = items.slice(at, at + ROUND_PARTS);
    await inLanes(round, threads, (item) => sourceSide(run, [item]));
    await catchUp(run, round, String(at));
    await inLanes(round, threads, (item) => compare([item]));
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
