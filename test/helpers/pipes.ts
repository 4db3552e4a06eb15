import type { RowDataPacket } from 'mysql2/promise';
import type { PipeStatus, PipeStatusView } from '../../src/pipe/status.js';
import { versionAt } from '../../src/pipe/version.js';
import type { TestWorld } from './stack.js';

/** Waits for a status, failing with the pipe's own account if it does not come. */
export async function expectStatus(world: TestWorld, pipe: string, status: PipeStatus, timeoutMs = 60_000): Promise<PipeStatusView> {
  const { reached, view } = await world.client.waitFor(pipe, status, timeoutMs);
  if (!reached) throw new Error(`pipe ${pipe} did not reach ${status}: ${JSON.stringify(view)}`);
  return view;
}

/** Waits until the pipe has applied everything the source's binlog holds now. */
export async function waitCaughtUp(world: TestWorld, pipe: string, timeoutMs = 60_000): Promise<PipeStatusView> {
  const [rows] = await world.root.query<RowDataPacket[]>('SHOW MASTER STATUS');
  const target = versionAt(String(rows[0]!.File), Number(rows[0]!.Position));
  const until = Date.now() + timeoutMs;
  for (;;) {
    const view = await world.client.status(pipe);
    const p = view.cdc.position;
    if (p && versionAt(p.file, p.pos) >= target && view.status === 'Running') return view;
    if (view.status === 'Failed') throw new Error(`pipe ${pipe} failed: ${view.lastError}`);
    if (Date.now() > until) throw new Error(`pipe ${pipe} did not catch up: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
