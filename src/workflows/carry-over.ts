import { workflowInfo } from '@temporalio/workflow';
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';

/** Temporal suggests continuing as new: the history has grown long (about 4,000 events or 4 MB). */
export const historyLong = (): boolean => workflowInfo().continueAsNewSuggested;

/**
 * What a workflow run hands to its next one (continue-as-new), deflated:
 * Temporal refuses an input over 2 MB, and a pipe's carry-over (its status,
 * every table's schema, each `_resync` table's during an online resync) is
 * mostly repeated column types, which deflate about tenfold. It travels as
 * a binary argument of its own, so the first one stays readable in the UI.
 */
export function packCarryOver(value: unknown): Uint8Array {
  return deflateSync(strToU8(JSON.stringify(value)));
}

export function unpackCarryOver<T>(packed: Uint8Array): T {
  return JSON.parse(strFromU8(inflateSync(packed))) as T;
}
