import { patched } from '@temporalio/workflow';
import type { ResyncCarryOver, ResyncWorkflowResult } from '../contract/workflow-io.js';
import { unpackCarryOver } from './carry-over.js';
import type { PipeConfig } from '../pipe/config.js';
import { permanentFailure, userMessage } from '../pipe/errors.js';
import { applyResyncOptions, parseResyncRequest, type ParsedResyncRequest, type ResyncRequest } from '../pipe/resync-options.js';
import { setupActivities } from './activity-options.js';
import { offlineResync } from './offline-resync.js';
import { onlineResync } from './online-resync.js';

/** Patch id: resyncs run online (CDC goes on) unless asked to run offline. */
const ONLINE_RESYNC = 'online-resync';

/**
 * Resync (workflow id `resync:<pipe>`, or `resync:<pipe>:<tables>`):
 * reloads a pipe's tables (all, or some) from the source into fresh tables
 * and swaps them in. Validates first (the pipe's configuration with the
 * requested changes, the source's current schema): a refusal changes
 * nothing, the pipe keeps running and shows why. Then online (the default:
 * see online-resync.ts) or offline (see offline-resync.ts). `carryOver`:
 * the next run of a resync whose history grew long.
 */
export async function resyncWorkflow(input: ResyncRequest, packedCarryOver?: Uint8Array): Promise<ResyncWorkflowResult> {
  const carryOver = packedCarryOver ? unpackCarryOver<ResyncCarryOver>(packedCarryOver) : undefined;
  if (carryOver?.mode === 'online') return onlineResync(parseResyncRequest(input), carryOver.config, carryOver);
  if (carryOver?.mode === 'offline') return offlineResync(input, carryOver.config, carryOver);
  const { request, config } = await validated(input);
  if (request.mode === 'offline' || !patched(ONLINE_RESYNC)) return offlineResync(input, config);
  // A pipe that does not follow the binlog now (Failed, still loading) cannot write the new tables: the whole pipe goes offline.
  if (!(await setupActivities.pipeFollowsBinlog(request.pipe))) {
    if (request.tables) {
      const reason = `pipe ${request.pipe} is not following the binlog now (Failed, Paused, still loading, or its batches fail): resume it, or resync the whole pipe, which rescues it`;
      await setupActivities.reportToPipe(request.pipe, `resync refused: ${reason}`);
      throw permanentFailure(reason, `resync of pipe ${request.pipe} refused: `);
    }
    return offlineResync(input, config);
  }
  return onlineResync(request, config);
}

/** The pipe's configuration with the request applied, checked against the source; a refusal touches nothing. */
async function validated(input: ResyncRequest): Promise<{ request: ParsedResyncRequest; config: PipeConfig }> {
  let request: ParsedResyncRequest;
  try {
    request = parseResyncRequest(input);
  } catch (err) {
    throw permanentFailure(err);
  }
  try {
    const config = applyResyncOptions(await setupActivities.readPipeConfig(request.pipe), request);
    const tables = request.tables ? config.tables.filter((t) => request.tables!.includes(t.name)) : config.tables;
    // An offline resync stops CDC until the swap: the binlog must outlast its load.
    await setupActivities.validateSource({ ...config, tables }, request.mode === 'offline' && !request.force ? { checkRetention: true } : undefined);
    return { request, config };
  } catch (err) {
    const reason = userMessage(err);
    await setupActivities.reportToPipe(request.pipe, `resync refused: ${reason}`);
    throw permanentFailure(reason, `resync of pipe ${request.pipe} refused: `);
  }
}
