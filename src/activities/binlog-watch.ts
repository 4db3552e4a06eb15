import type { PipeConfig } from '../pipe/config.js';
import { PipeValidationError } from '../pipe/errors.js';
import type { BinlogPosition } from '../pipe/status.js';
import { binlogHolds } from '../mysql/binlog-position.js';
import type { ActivityDeps } from './deps.js';
import { withCheckedSource } from './source-check.js';

export function binlogWatchActivity(deps: ActivityDeps) {
  /**
   * During a load that stops CDC meanwhile: fails for good as soon as the
   * binlog no longer holds the position CDC will start from (purged), rather
   * than hours later when CDC starts.
   */
  return async function checkBinlogHolds(input: { config: PipeConfig; position: BinlogPosition }): Promise<void> {
    const held = await withCheckedSource(deps, input.config, (conn) => binlogHolds(conn, input.position));
    if (!held) {
      throw new PipeValidationError(
        `the binlog was purged during the load: file ${input.position.file}, where CDC must start after it, is gone from the source, ` +
          'so the changes made during the load cannot be read; keep the binlog longer (binlog_expire_logs_seconds) and resync the pipe',
      );
    }
  };
}
