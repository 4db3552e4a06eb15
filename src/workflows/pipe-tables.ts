import type { CdcTarget } from '../contract/activity-io.js';
import type { PipeCarryOver, Shadow } from '../contract/workflow-io.js';
import { RESYNC_SUFFIX } from '../pipe/names.js';
import { emptyTableStats, type BinlogPosition, type PipeStatusView, type TableState } from '../pipe/status.js';
import { positionReached } from '../pipe/version.js';
import { recordError } from '../pipe/status-updates.js';
import type { TableSchema } from '../pipe/table-schema.js';

/**
 * The pipe's tables as CDC writes them: each live table (unless the pipe
 * can no longer follow it exactly: stopped, with the reason), and the
 * shadow (`<table>_resync`) of each table an online resync is loading. The
 * view shows each table's state from these. Pure and deterministic: the
 * pipe workflow carries it from run to run.
 */
export class PipeTables {
  readonly stopped: Record<string, string>;
  readonly shadows: Record<string, Shadow>;
  /** Where each table's schema was read, while CDC is still before it. */
  readonly schemaFrom: Record<string, BinlogPosition>;

  constructor(
    public schemas: TableSchema[],
    private readonly view: PipeStatusView,
    carried: Pick<PipeCarryOver, 'stopped' | 'shadows' | 'schemaFrom'> = {},
  ) {
    this.shadows = { ...carried.shadows };
    this.schemaFrom = { ...carried.schemaFrom };
    // Views carried by versions without `stopped` kept the state in the view.
    this.stopped = carried.stopped ?? Object.fromEntries(
      Object.entries(view.tables).filter(([, t]) => t.state === 'NeedsResync').map(([name, t]) => [name, t.reason ?? 'stopped']),
    );
  }

  /** Where the next CDC batch writes: live tables not stopped, and shadows. */
  targets(): CdcTarget[] {
    const live = this.schemas
      .filter((s) => !this.stopped[s.table])
      .map((schema) => ({ source: schema.table, table: schema.table, schema, ...(this.schemaFrom[schema.table] ? { schemaFrom: this.schemaFrom[schema.table] } : {}) }));
    const shadows = Object.entries(this.shadows).map(([source, s]) => ({ source, table: source + RESYNC_SUFFIX, schema: s.schema, shadowFrom: s.from }));
    return [...live, ...shadows];
  }

  /** The live copy of `table` cannot be followed exactly any more: it stops (the others go on) and says why. */
  stop(table: string, reason: string, at: Date): void {
    if (this.stopped[table]) return;
    this.stopped[table] = reason;
    recordError(this.view, `table "${table}" stopped: ${reason}`, at);
    this.refresh(table);
  }

  /** These tables' schemas were read at `at`, which CDC may not have reached yet. */
  schemasReadAt(tables: string[], at: BinlogPosition | null | undefined): void {
    if (at) for (const t of tables) this.schemaFrom[t] = at;
  }

  /** CDC committed up to `position`: the schemas read before it need no more care. */
  committed(position: BinlogPosition): void {
    for (const [t, at] of Object.entries(this.schemaFrom)) if (positionReached(position, at)) delete this.schemaFrom[t];
  }

  /** The live table's schema after a change the pipe followed. */
  setSchema(schema: TableSchema): void {
    this.schemas = this.schemas.map((s) => (s.table === schema.table ? schema : s));
  }

  /** The shadow written to `destination`, if it is one. */
  shadowOf(destination: string): { table: string; shadow: Shadow } | null {
    if (!destination.endsWith(RESYNC_SUFFIX)) return null;
    const table = destination.slice(0, -RESYNC_SUFFIX.length);
    const shadow = this.shadows[table];
    return shadow ? { table, shadow } : null;
  }

  /** A resync starts loading `table`: its statistics start afresh. */
  beginShadow(table: string, shadow: Shadow): void {
    this.shadows[table] = shadow;
    this.view.tables[table] = emptyTableStats();
    this.refresh(table);
  }

  endShadow(table: string): void {
    delete this.shadows[table];
    this.refresh(table);
  }

  /** The shadow took the live table's place: CDC follows it, with its schema. */
  swapped(table: string): void {
    const shadow = this.shadows[table];
    if (!shadow) return;
    this.schemas = [...this.schemas.filter((s) => s.table !== table), shadow.schema];
    delete this.stopped[table];
    delete this.shadows[table];
    this.refresh(table);
  }

  /** Shows the table's state: its shadow's, else NeedsResync when stopped (else its load tells Loading or Live). */
  refresh(table: string): void {
    const t = (this.view.tables[table] ??= emptyTableStats());
    const state: TableState | undefined = this.shadows[table]?.state ?? (this.stopped[table] ? 'NeedsResync' : undefined);
    if (state) t.state = state;
    else delete t.state;
    if (this.stopped[table]) t.reason = this.stopped[table];
    else delete t.reason;
  }

  carryOver(): Pick<PipeCarryOver, 'stopped' | 'shadows' | 'schemaFrom'> {
    return { stopped: this.stopped, shadows: this.shadows, ...(Object.keys(this.schemaFrom).length ? { schemaFrom: this.schemaFrom } : {}) };
  }
}
