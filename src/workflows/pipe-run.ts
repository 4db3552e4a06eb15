import { ApplicationFailure, ParentClosePolicy, condition, patched, setHandler, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { addTablesUpdate, cdcTargetsQuery, configQuery, drainAndStopSignal, resyncRefusedSignal, resyncUpdate, tablesQuery, validationResultSignal, validationResultsSignal } from '../contract/messages.js';
import type { PipeCarryOver, PipeLoadCarryOver } from '../contract/workflow-io.js';
import { parsePipeConfig, type PipeConfig, type PipeConfigInput, type TableConfig } from '../pipe/config.js';
import { permanentFailure } from '../pipe/errors.js';
import { resyncIdFor, type ResyncOptions } from '../pipe/resync-options.js';
import { initialView, type BinlogPosition, type PipeStatus, type PipeStatusView } from '../pipe/status.js';
import { recordValidation } from '../pipe/status-updates.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { positionReached } from '../pipe/version.js';
import { PipeControls } from './controls.js';
import { setupActivities } from './activity-options.js';
import { PipeTables } from './pipe-tables.js';

/** Patch id: a handler that needs the live tables waits for a run continued as new to start CDC. */
const HANDLERS_WAIT_FOR_CDC = 'handlers-wait-for-cdc';

/**
 * One run of a pipe's workflow: its configuration, its controls, its tables
 * and CDC position, and what users and other services asked of it (tables
 * to add, a drain before an offline resync, work an online resync needs
 * done between batches), with the handlers of those requests. The CDC loop
 * reads it between batches.
 */
export class PipeRun {
  readonly controls: PipeControls;
  /** Set by drainAndStop: CDC applies everything up to here, then the pipe ends. */
  drainTo: BinlogPosition | null = null;
  /** Tables accepted by addTables, loaded by the CDC loop at its next safe point. */
  tablesToAdd: TableConfig[] = [];
  /** The tables CDC writes; null until CDC runs. */
  tables: PipeTables | null = null;
  /** Every change before this position is in ClickHouse; null until CDC runs. */
  position: BinlogPosition | null = null;
  /** Work to do between two batches (started by handlers, which wait for it). */
  readonly jobs: (() => Promise<void>)[] = [];
  /** Positions someone waits for CDC to reach: the next batch stops there. */
  readonly catchUps: BinlogPosition[] = [];
  /** Which resync last swapped each table in (a retried swap request is answered from it). */
  readonly swappedBy: Map<string, string>;
  /**
   * Handlers at work other than waits for a position (adding tables,
   * starting a resync or a shadow, a swap): the run does not continue as new
   * under them. A wait for a position may be cut by it: its caller asks again.
   */
  busy = 0;
  /** The step of a whole-pipe online resync: the status shown while CDC runs. */
  resyncPhase: PipeStatus | null;

  constructor(
    public config: PipeConfig,
    private readonly carryOver?: PipeCarryOver,
    loading?: PipeLoadCarryOver,
  ) {
    const from = carryOver ?? loading;
    this.controls = new PipeControls(from?.view ?? initialView(config, new Date()), from?.paused ?? false);
    this.tablesToAdd = loading?.tablesToAdd ?? [];
    this.resyncPhase = carryOver?.resyncPhase ?? null;
    this.swappedBy = new Map(Object.entries(carryOver?.swappedBy ?? {}));
    setHandler(configQuery, () => this.config);
    setHandler(drainAndStopSignal, (position) => this.drainAndStop(position));
    setHandler(resyncRefusedSignal, (message) => {
      this.view.lastError = message;
    });
    setHandler(addTablesUpdate, ({ tables, force }) => this.tracked(() => this.acceptTables(tables, force)));
    setHandler(resyncUpdate, (options) => this.tracked(() => this.startResync(options)));
    setHandler(tablesQuery, () => ({ schemas: this.tables?.schemas ?? [], stopped: this.tables?.stopped ?? {} }));
    setHandler(cdcTargetsQuery, () => this.tables?.targets() ?? []);
    setHandler(validationResultSignal, ({ table, validation }) => recordValidation(this.view, table, validation));
    setHandler(validationResultsSignal, ({ tables }) => {
      for (const [table, validation] of Object.entries(tables)) recordValidation(this.view, table, validation);
    });
    // A drain for a resync needs CDC to make progress; a pipe whose batches
    // fail ends at once instead, so the resync can rescue it.
    this.controls.onRetry = ({ activity }) => {
      if (this.drainTo) this.controls.requestDrop();
      if (activity === 'pullChanges') this.view.cdc.failing = true;
    };
  }

  get view(): PipeStatusView {
    return this.controls.view;
  }

  /**
   * The live tables, null while CDC does not run. A run continued as new
   * starts CDC at once, but a handler may come first: it waits for them.
   */
  async followedTables(): Promise<PipeTables | null> {
    if (!this.tables && this.carryOver && patched(HANDLERS_WAIT_FOR_CDC)) await condition(() => this.tables !== null);
    return this.tables;
  }

  /** CDC begins (or goes on after continue-as-new) at `position` with these live tables. */
  startCdc(schemas: TableSchema[], position: BinlogPosition): PipeTables {
    this.position = position;
    this.tables = new PipeTables(schemas, this.view, this.carryOver);
    return this.tables;
  }

  /** The status CDC batches show: a drain's Setup, a whole-pipe resync's step, else Running. */
  get cdcStatus(): PipeStatus {
    return this.drainTo ? 'Setup' : (this.resyncPhase ?? 'Running');
  }

  /**
   * Where the next batch stops early: a drain's position, or a position
   * someone waits for: the nearest (each then ends a batch), or in older
   * histories the furthest.
   */
  nextStop(nearest: boolean): BinlogPosition | null {
    if (this.drainTo) return this.drainTo;
    const waiting = this.catchUps.filter((p) => !this.position || !positionReached(this.position, p));
    const better = (p: BinlogPosition, pick: BinlogPosition) => (nearest ? !positionReached(p, pick) : positionReached(p, pick));
    return waiting.reduce<BinlogPosition | null>((pick, p) => (!pick || better(p, pick) ? p : pick), null);
  }

  /** Whether the CDC batch in flight should give way (pause, tables to add, a drain, work between batches). */
  get interrupted(): boolean {
    return this.controls.paused || this.tablesToAdd.length > 0 || this.drainTo !== null || this.jobs.length > 0;
  }

  /** Runs a handler's work, counted in `busy`. */
  async tracked<T>(work: () => Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await work();
    } finally {
      this.busy--;
    }
  }

  /** Runs `job` between two batches and returns its outcome to the handler that asked. */
  async atBoundary<T>(job: () => Promise<T>): Promise<T> {
    let outcome: { value: T } | { error: unknown } | null = null;
    this.jobs.push(async () => {
      try {
        outcome = { value: await job() };
      } catch (error) {
        outcome = { error };
      }
    });
    await condition(() => outcome !== null);
    const done = outcome as unknown as { value: T } | { error: unknown };
    if ('error' in done) throw done.error;
    return done.value;
  }

  /** Holders whose hold has been released (see `hold`). */
  private readonly released = new Set<string>();

  /** Returns once no batch runs, and keeps it so until `holder` is released (see holdUpdate) or `seconds` pass. */
  async hold(holder: string, seconds: number): Promise<void> {
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    void this.atBoundary(async () => {
      holding();
      await condition(() => this.released.has(holder), seconds * 1000);
      this.released.delete(holder);
    });
    await held;
  }

  /** Waits until every change up to `position` is in ClickHouse (the next batch stops there); releases `release`'s hold. */
  async reach(position: BinlogPosition, release?: string): Promise<void> {
    this.catchUps.push(position);
    if (release) this.released.add(release);
    await condition(() => this.position !== null && positionReached(this.position, position));
    this.catchUps.splice(this.catchUps.indexOf(position), 1);
  }

  private drainAndStop(position: BinlogPosition): void {
    if (this.tables && this.view.status !== 'Failed') this.drainTo = position;
    else this.controls.requestDrop();
  }

  /** Checks the new tables at once (the update fails with the reason), then queues them. */
  private async acceptTables(tables: PipeConfigInput['tables'], force = false): Promise<void> {
    const queued = this.config.tables.length + this.tablesToAdd.length;
    let added: TableConfig[];
    try {
      const next = parsePipeConfig({ ...this.config, tables: [...this.config.tables, ...this.tablesToAdd, ...tables] });
      added = next.tables.slice(queued);
      await setupActivities.validateSource({ ...next, tables: added }, { checkRetention: !force });
    } catch (err) {
      throw permanentFailure(err);
    }
    this.tablesToAdd = [...this.tablesToAdd, ...added];
  }

  /** Starts `resyncWorkflow`, which validates, then reloads the tables. */
  private async startResync(options: ResyncOptions): Promise<string> {
    const workflowId = resyncIdFor(this.config.name, options.tables);
    try {
      await startChild('resyncWorkflow', {
        workflowId,
        args: [{ pipe: this.config.name, ...options }],
        // An offline resync stops this pipe, so it must outlive it.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw ApplicationFailure.nonRetryable(`a resync of pipe ${this.config.name} is already running`);
      }
      throw err;
    }
    return workflowId;
  }

  carryOverState(): PipeCarryOver | null {
    if (!this.tables || !this.position) return null;
    return {
      view: this.view,
      schemas: this.tables.schemas,
      position: this.position,
      paused: this.controls.paused,
      ...this.tables.carryOver(),
      resyncPhase: this.resyncPhase,
      ...(this.swappedBy.size ? { swappedBy: Object.fromEntries(this.swappedBy) } : {}),
    };
  }
}
