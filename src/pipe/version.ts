import type { BinlogPosition } from './status.js';

/**
 * `_peerdb_version` is derived from the binlog position, so it grows with the
 * source's history:
 *
 *   version = fileSequence × 2^32 + offset
 *
 * where fileSequence is the numeric suffix of the binlog file (binlog.000042
 * → 42, at most 6 digits) and offset is a position in that file (a 32-bit
 * field in the binlog format). The result stays below 2^53, so it is exact as a
 * JavaScript number.
 *
 * - A CDC row gets the version of the end of its rows event.
 * - A snapshot row gets the version of the position recorded before the load
 *   started. Every CDC event applied afterwards ends past that position, so
 *   snapshot rows always lose to later changes of the same key.
 *
 * Rows of one rows event share a version; a batch keeps only the last change
 * per key, so equal versions never compete inside one batch.
 */
const FILE_FACTOR = 2 ** 32;

export function binlogFileSequence(file: string): number {
  const m = /\.(\d+)$/.exec(file);
  if (!m?.[1]) throw new Error(`binlog file name without a numeric suffix: ${file}`);
  return Number(m[1]);
}

export function versionAt(file: string, offset: number): number {
  return binlogFileSequence(file) * FILE_FACTOR + offset;
}

export function snapshotVersion(position: BinlogPosition): number {
  return versionAt(position.file, position.pos);
}

/**
 * The version of a row ClickHouse pulled from the source itself: one below
 * the load's. A chunk whose pulled dates turn out to differ from what the
 * streaming path writes is streamed over them with the load's version, which
 * then wins everywhere (FINAL, validation, merges); both still lose to every
 * CDC change, and no version is past the position the pipe has applied.
 * Without CDC the load's version is 0 and both share it: ClickHouse keeps
 * the last insert among equal versions, which is the streamed one.
 */
export function pulledVersion(loadVersion: number): number {
  return Math.max(0, loadVersion - 1);
}

/** True when `position` is at or past `target` in the binlog's history. */
export function positionReached(position: BinlogPosition, target: BinlogPosition): boolean {
  return versionAt(position.file, position.pos) >= versionAt(target.file, target.pos);
}
