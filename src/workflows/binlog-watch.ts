import { CancellationScope, condition, patched } from '@temporalio/workflow';
import type { PipeConfig } from '../pipe/config.js';
import type { BinlogPosition } from '../pipe/status.js';
import { setupActivities } from './activity-options.js';

/** Patch id: a load that stops CDC meanwhile checks that the binlog still holds CDC's start. */
const BINLOG_WATCH = 'binlog-watch';

/** Patch id: the binlog is checked once more when the load ends. */
const BINLOG_CHECK_AT_END = 'binlog-check-at-end';

/** Patch id: after a check, the next waits at least CHECK_SPACING however many tables end meanwhile. */
const BINLOG_CHECKS_SPACED = 'binlog-checks-spaced';

/** How often the binlog is checked during a load (also whenever a table's load ends, and at its end). */
const EVERY = '1 minute';

/** Least time between two checks: hundreds of small tables end within seconds, and one check covers them all. */
const CHECK_SPACING = '10 seconds';

/**
 * Runs a load (`body`) while checking, every minute and whenever a table is
 * done (`tablesDone` grows; at most every 10 seconds), that the source's binlog still holds the
 * position CDC will start from. A purge fails the load at once with the
 * reason, instead of leaving CDC nothing to start from hours later.
 */
export async function watchingBinlog<T>(
  config: PipeConfig,
  position: BinlogPosition | null,
  tablesDone: () => number,
  body: () => Promise<T>,
): Promise<T> {
  if (!position || !patched(BINLOG_WATCH)) return body();
  const work = new CancellationScope();
  let finished = false;
  let purged: unknown = null;
  const run = work.run(body).finally(() => {
    finished = true;
  });
  run.catch(() => undefined);
  const spaced = patched(BINLOG_CHECKS_SPACED);
  const watch = CancellationScope.cancellable(async () => {
    let checked = tablesDone();
    while (!finished) {
      await condition(() => finished || tablesDone() > checked, EVERY);
      if (finished) return;
      checked = tablesDone();
      await setupActivities.checkBinlogHolds({ config, position }).catch((err: unknown) => {
        purged = err;
      });
      if (purged) return;
      if (spaced) await condition(() => finished, CHECK_SPACING);
    }
  });
  watch.catch(() => undefined);
  await condition(() => finished || purged !== null);
  // A purge since the last check is caught now, not when CDC starts.
  if (purged === null && patched(BINLOG_CHECK_AT_END)) await setupActivities.checkBinlogHolds({ config, position }).catch((err: unknown) => (purged = err));
  if (purged === null) return run;
  work.cancel();
  await run.catch(() => undefined);
  throw purged;
}
