import { WorkflowNotFoundError } from '@temporalio/client';
import type { ResyncWorkflowResult } from '../../src/contract/workflow-io.js';
import type { PipeStatus, PipeStatusView, TableState } from '../../src/pipe/status.js';
import { readBinlogPosition } from '../../src/mysql/binlog-position.js';
import assert from 'node:assert/strict';
import type { TestWorld } from './stack.js';
import { checksum, destinationImage, firstDifference, sourceImage } from './compare.js';

/** Waits for a status, failing with the pipe's own account if it does not come. */
export async function expectStatus(world: TestWorld, pipe: string, status: PipeStatus, timeoutMs = 60_000): Promise<PipeStatusView> {
  const { reached, view } = await world.client.waitFor(pipe, status, timeoutMs);
  if (!reached) throw new Error(`pipe ${pipe} did not reach ${status}: ${JSON.stringify(view)}`);
  return view;
}

/** Waits until the pipe has applied everything the source's binlog holds now. */
export async function waitCaughtUp(world: TestWorld, pipe: string, timeoutMs = 60_000): Promise<PipeStatusView> {
  return world.client.waitCaughtUp(pipe, await readBinlogPosition(world.root), timeoutMs);
}

/** The destination table (FINAL) equals the source table: row count, then a checksum over `cols`. */
export async function assertSameAsSource(world: TestWorld, destinationDb: string, table: string, cols: string[], key: string[]): Promise<void> {
  const src = await sourceImage(world.root, world.sourceDb, table, cols, key);
  const got = await destinationImage(world.destination(), destinationDb, table, cols, key);
  assert.equal(got.length, src.length, `${table}: row count`);
  assert.equal(checksum(got), checksum(src), `${table}: ${firstDifference(src, got)}`);
}

/** Reads the pipe's status every 300 ms until `until` holds or `timeoutMs` passes: whether it held, and the last view. */
export async function pollStatus(
  world: TestWorld,
  pipe: string,
  until: (view: PipeStatusView) => boolean,
  timeoutMs = 60_000,
): Promise<{ reached: boolean; view: PipeStatusView }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await world.client.status(pipe);
    if (until(view)) return { reached: true, view };
    if (Date.now() > deadline) return { reached: false, view };
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Waits until the pipe's status counts at least `min` retried failures. */
export async function waitForRetries(world: TestWorld, pipe: string, min: number, timeoutMs = 60_000): Promise<PipeStatusView> {
  const { reached, view } = await pollStatus(world, pipe, (v) => (v.retries ?? 0) >= min, timeoutMs);
  if (!reached) throw new Error(`pipe ${pipe} reported fewer than ${min} retries: ${JSON.stringify(view)}`);
  return view;
}

/** Waits until a table of the pipe shows `state`; returns the reason it gives. */
export async function waitForTableState(world: TestWorld, pipe: string, table: string, state: TableState, timeoutMs = 60_000): Promise<string> {
  const { reached, view } = await pollStatus(world, pipe, (v) => v.tables[table]?.state === state, timeoutMs);
  if (!reached) throw new Error(`table ${table} of pipe ${pipe} did not reach ${state}: ${JSON.stringify(view)}`);
  return view.tables[table]?.reason ?? '';
}

/**
 * Waits until the pipe has loaded `table` again by itself (the per-table
 * resync it starts after a cutover, a partition change, or a definition
 * changed under a load): the resync may not have started yet.
 */
export async function waitForReload(world: TestWorld, pipe: string, table: string, timeoutMs = 120_000): Promise<ResyncWorkflowResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await world.client.waitForResync(pipe, Math.max(1_000, deadline - Date.now()), undefined, [table]);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/**
 * Decides a prepared XA transaction (`XA COMMIT 'x'`, `XA ROLLBACK 'x'`):
 * the server detaches it from the session that prepared it a moment after
 * that session closes, so it is retried until then.
 */
export async function decideXa(world: TestWorld, sql: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await world.root.query(sql);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ER_XAER_NOTA' || i > 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
