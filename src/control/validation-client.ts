import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { validationProgressQuery, type ValidationProgress } from '../contract/messages.js';
import type { RepairWorkflowResult, ValidateWorkflowResult } from '../contract/workflow-io.js';
import { deepestMessage } from '../pipe/errors.js';
import { repairWorkflowId, validateWorkflowId } from '../pipe/names.js';
import type { ValidateRequest } from '../pipe/validation.js';
import { PipeClientError } from './pipe-client-error.js';

export type ValidateOptions = Omit<ValidateRequest, 'pipe'>;

/** How often a running validation's progress is read. */
const PROGRESS_EVERY_MS = 500;

/**
 * Validation and repair of a pipe, over Temporal: one run at a time per
 * pipe (`validate:<pipe>`, `repair:<pipe>`), and a Temporal Schedule
 * (`validate:<pipe>`, on the Temporal UI's Schedules page) for validations
 * that come back by themselves.
 */
export class ValidationClient {
  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  /** Validates the pipe's tables and returns what it found; `onProgress` sees the parts compared so far. */
  validate(pipe: string, options: ValidateOptions = {}, onProgress?: (p: ValidationProgress) => void): Promise<ValidateWorkflowResult> {
    return this.run<ValidateWorkflowResult>('validateWorkflow', validateWorkflowId(pipe), pipe, options, onProgress, 'a validation');
  }

  /** Repairs what the last validation found different, then validates those parts again. */
  repair(pipe: string, options: Pick<ValidateOptions, 'tables'> = {}, onProgress?: (p: ValidationProgress) => void): Promise<RepairWorkflowResult> {
    return this.run<RepairWorkflowResult>('repairWorkflow', repairWorkflowId(pipe), pipe, options, onProgress, 'a repair');
  }

  /**
   * Validates the pipe every `every` (a Temporal duration: 30m, 24h, 7d):
   * creates the schedule, or changes it. Returns its id.
   */
  async schedule(pipe: string, every: string, options: ValidateOptions = {}): Promise<string> {
    const scheduleId = validateWorkflowId(pipe);
    const action = {
      type: 'startWorkflow' as const,
      workflowType: 'validateWorkflow',
      workflowId: validateWorkflowId(pipe),
      taskQueue: this.taskQueue,
      args: [{ pipe, ...options }],
    };
    const spec = { intervals: [{ every: every as `${number}${'s' | 'm' | 'h' | 'd'}` }] };
    try {
      await this.temporal.schedule.create({ scheduleId, spec, action });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await this.temporal.schedule.getHandle(scheduleId).update((s) => ({ ...s, spec, action }));
    }
    return scheduleId;
  }

  /** Stops validating the pipe on a schedule. */
  async unschedule(pipe: string): Promise<void> {
    try {
      await this.temporal.schedule.getHandle(validateWorkflowId(pipe)).delete();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new PipeClientError(`pipe ${pipe} has no validation schedule`);
      throw err;
    }
  }

  private async run<R>(
    type: string,
    workflowId: string,
    pipe: string,
    options: object,
    onProgress: ((p: ValidationProgress) => void) | undefined,
    what: string,
  ): Promise<R> {
    let handle: WorkflowHandle;
    try {
      handle = await this.temporal.workflow.start(type, { workflowId, taskQueue: this.taskQueue, args: [{ pipe, ...options }] });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new PipeClientError(`${what} of pipe "${pipe}" is already running`);
      throw err;
    }
    const result = handle.result() as Promise<R>;
    let done = false;
    void result.finally(() => (done = true)).catch(() => undefined);
    while (onProgress && !done) {
      await handle.query(validationProgressQuery).then(onProgress, () => undefined);
      await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, PROGRESS_EVERY_MS))]);
    }
    try {
      return await result;
    } catch (err) {
      throw new PipeClientError(err instanceof WorkflowFailedError ? deepestMessage(err) : String(err));
    }
  }
}
