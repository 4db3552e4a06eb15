import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError } from 'commander';
import { PIPE_STATUSES, type PipeStatus } from '../pipe/status.js';
import { PipeClient } from '../control/pipe-client.js';
import { temporalFromEnv } from '../runtime/environment.js';

/** Option parsers and helpers shared by pipectl's commands. */

export async function withClient<T>(fn: (client: PipeClient) => Promise<T>): Promise<T> {
  const client = await PipeClient.connect(temporalFromEnv());
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

/** --order-by TABLE=col1,col2, repeatable. */
export function orderBy(value: string, previous: Record<string, string[]> = {}): Record<string, string[]> {
  const m = /^([^=]+)=(.+)$/.exec(value);
  const cols = m?.[2]?.split(',').map((c) => c.trim()).filter(Boolean) ?? [];
  if (!m || cols.length === 0) throw new InvalidArgumentError('must look like TABLE=col1,col2');
  return { ...previous, [m[1]!]: cols };
}

/** The product's confirmation dialog, on a terminal only. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function pipeStatus(value: string): PipeStatus {
  const found = PIPE_STATUSES.find((s) => s.toLowerCase() === value.toLowerCase());
  if (!found) throw new InvalidArgumentError(`must be one of ${PIPE_STATUSES.join(', ')}`);
  return found;
}


/** A comma-separated list (--tables a,b). */
export function list(value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('must name at least one, separated by commas');
  return items;
}
