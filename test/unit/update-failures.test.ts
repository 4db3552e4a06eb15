import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { updateFailureKind } from '../../src/activities/pipe-calls.js';

/** What the client throws when the server or the workflow failed an update with `cause`. */
const updateFailed = (cause: Error) => new WorkflowUpdateFailedError('Workflow Update failed', cause);

test('an update the run accepted and then outlived (continued as new) is asked again, not taken as a refusal', () => {
  // The server's own failure, marked not to be retried although the next run can answer.
  const outlived = ApplicationFailure.create({
    message: 'Workflow Update failed because the Workflow completed before the Update completed.',
    type: 'AcceptedUpdateCompletedWorkflow',
    nonRetryable: true,
  });
  assert.equal(updateFailureKind(updateFailed(outlived)), 'run-ended');
  assert.equal(updateFailureKind(new WorkflowNotFoundError('gone', 'pipe:p', undefined)), 'run-ended');
});

test('a refusal fails for good, a passing fault is asked again, anything else is passed on', () => {
  assert.equal(updateFailureKind(updateFailed(ApplicationFailure.nonRetryable('table "a" is already being resynced'))), 'refused');
  assert.equal(updateFailureKind(updateFailed(ApplicationFailure.retryable('source unreachable'))), 'fault');
  assert.equal(updateFailureKind(new Error('connection reset')), 'other');
});
