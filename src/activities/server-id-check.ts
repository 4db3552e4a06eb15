import { configQuery } from '../contract/messages.js';
import { binlogServerId, type PipeConfig } from '../pipe/config.js';
import { PipeValidationError } from '../pipe/errors.js';
import { pipeOfWorkflowId } from '../pipe/names.js';
import type { ActivityDeps } from './deps.js';

/** How long a running pipe has to say which server id it uses. */
const QUERY_WAIT_MS = 3_000;

/**
 * Two binlog readers with the same server id on one source disconnect each
 * other over and over. Refuses a pipe whose id another running pipe already
 * uses on the same source.
 */
export async function refuseServerIdConflict(deps: ActivityDeps, config: PipeConfig): Promise<void> {
  if (!config.cdc) return;
  const id = binlogServerId(config.name, config.source.serverId);
  const query = `WorkflowType = 'pipeWorkflow' AND ExecutionStatus = 'Running'`;
  const others: string[] = [];
  for await (const wf of deps.temporal.workflow.list({ query })) {
    const other = pipeOfWorkflowId(wf.workflowId);
    if (other && other !== config.name) others.push(wf.workflowId);
  }
  // A pipe whose worker is gone cannot answer: it is skipped after a few seconds.
  const deadline = Date.now() + QUERY_WAIT_MS;
  const configs = await Promise.all(
    others.map((id) =>
      deps.temporal.connection.withDeadline(deadline, () => deps.temporal.workflow.getHandle(id).query(configQuery)).catch(() => null),
    ),
  );
  for (const theirs of configs) {
    if (!theirs?.cdc || theirs.source.host !== config.source.host || theirs.source.port !== config.source.port) continue;
    if (binlogServerId(theirs.name, theirs.source.serverId) === id) {
      throw new PipeValidationError(
        `source.serverId ${id} is already used by pipe "${theirs.name}" on the same source: two binlog readers with one id disconnect each other; give this pipe another source.serverId`,
      );
    }
  }
}
