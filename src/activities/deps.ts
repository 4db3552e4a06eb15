import type { Client } from '@temporalio/client';
import type { Destination } from '../clickhouse/destination.js';
import type { SourceConnector } from '../mysql/source-connector.js';

/** What activities need from the outside world; tests pass their own. */
export interface ActivityDeps {
  source: SourceConnector;
  destination: Destination;
  /** For the resync's steps that stop and start the pipe's workflow. */
  temporal: Client;
}
