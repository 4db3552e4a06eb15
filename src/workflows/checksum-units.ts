import type { TablePart } from '../contract/validation-io.js';
import type { PartChecksum } from '../pipe/validation.js';
import { snapshotVersion } from '../pipe/version.js';
import { loadActivities } from './activity-options.js';
import { comparedTable, type ValidationRun, type WorkItem } from './validation-run.js';

/**
 * Small tables' parts checksummed by one activity on each side, up to
 * UNIT_PARTS parts and UNIT_ROWS rows: a small table's checksums cost less
 * than the activities and workflow tasks around them.
 */
const UNIT_PARTS = 16;
const UNIT_ROWS = 20_000;

/** A part's rows at most, when it is a whole small table (its plan bounded them), else undefined. */
function smallRows(item: WorkItem): number | undefined {
  const rows = 'range' in item.scope ? item.scope.range.rowsAtMost : undefined;
  return rows !== undefined && rows <= UNIT_ROWS ? rows : undefined;
}

/** The items in units checksummed together: consecutive small tables' parts grouped (`together`), every other part alone. */
export function unitsOf(items: WorkItem[], together: boolean): WorkItem[][] {
  if (!together) return items.map((item) => [item]);
  const units: WorkItem[][] = [];
  let open: WorkItem[] | null = null;
  let rows = 0;
  for (const item of items) {
    const r = smallRows(item);
    if (r === undefined) {
      units.push([item]);
      open = null;
      continue;
    }
    if (!open || open.length >= UNIT_PARTS || rows + r > UNIT_ROWS) {
      open = [];
      rows = 0;
      units.push(open);
    }
    open.push(item);
    rows += r;
  }
  return units;
}

const partOf = (item: WorkItem): TablePart => ({ table: item.target.table, schema: item.target.schema, scope: item.scope });

/** A unit's source checksums (one snapshot for a unit of several: they share its position). */
export async function sourceSide(run: ValidationRun, unit: WorkItem[]): Promise<void> {
  const [first] = unit;
  if (!first) return;
  if (unit.length === 1) {
    const threads = run.config.settings.snapshotParallelThreads;
    first.source = await loadActivities.checksumSource({
      ...comparedTable(run, first.target),
      scope: first.scope,
      maxRowsPerSecond: run.maxRowsPerSecond && run.maxRowsPerSecond / threads,
    });
    return;
  }
  const found = await loadActivities.checksumSources({ source: run.config.source, parts: unit.map(partOf) });
  unit.forEach((item, i) => (item.source = { position: found.position, sums: found.sums[i] ?? [] }));
}

/** A unit's ClickHouse checksums, each part's as of its source snapshot (the pipe has reached it), in the unit's order. */
export async function destinationSide(run: ValidationRun, unit: WorkItem[]): Promise<PartChecksum[][]> {
  const [first] = unit;
  if (!first) return [];
  const asOf = run.following ? snapshotVersion(first.source!.position) : null;
  if (unit.length === 1) return [await loadActivities.checksumDestination({ ...comparedTable(run, first.target), scope: first.scope, asOf })];
  return loadActivities.checksumDestinations({ database: run.config.destination.database, parts: unit.map(partOf), asOf });
}
