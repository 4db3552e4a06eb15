import type { PipeStatus, PipeStatusView } from '../../src/pipe/status.js';
import { readBinlogPosition } from '../../src/mysql/binlog-position.js';
import type { TestWorld } from './stack.js';

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
