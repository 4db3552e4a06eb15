import { z } from 'zod';
import { parsePipeConfig, type PipeConfig } from './config.js';
import { PipeConfigError } from './errors.js';
import { resyncWorkflowId } from './names.js';
import { digest } from './digest.js';

/**
 * What a resync request may carry besides the pipe's name: which tables
 * (all by default), online or offline, a new ORDER BY per table, a cap on
 * the load it puts on the source. Everything else is the pipe's own
 * configuration, kept as it is.
 */
export const resyncRequestSchema = z
  .object({
    pipe: z.string().min(1, 'must name the pipe to resync'),
    /** Only these tables (the others keep running untouched); all when absent. */
    tables: z.array(z.string().min(1, 'must not be empty')).min(1, 'must name at least one table').optional(),
    /** online (default): CDC goes on for every table; offline: the pipe stops until the swap. */
    mode: z.enum(['online', 'offline'], { error: "must be 'online' or 'offline'" }).default('online'),
    orderBy: z
      .record(z.string().min(1), z.array(z.string().min(1)).min(1, 'must name at least one column'))
      .optional(),
    maxRowsPerSecond: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
    /** An offline resync even if the source's binlog retention looks shorter than the load. */
    force: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.tables && r.mode === 'offline') {
      ctx.addIssue({ code: 'custom', path: ['tables'], message: 'an offline resync reloads every table: leave out tables, or resync them online' });
    }
    const twice = r.tables?.find((t, i) => r.tables!.indexOf(t) !== i);
    if (twice) ctx.addIssue({ code: 'custom', path: ['tables'], message: `lists "${twice}" twice` });
  });

export type ResyncRequest = z.input<typeof resyncRequestSchema>;
export type ParsedResyncRequest = z.output<typeof resyncRequestSchema>;
export type ResyncOptions = Omit<ResyncRequest, 'pipe'>;

export function parseResyncRequest(input: unknown): ParsedResyncRequest {
  const r = resyncRequestSchema.safeParse(input);
  if (!r.success) {
    throw new PipeConfigError(r.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`));
  }
  return r.data;
}

/**
 * The resync's workflow id: `resync:<pipe>` for the whole pipe, and
 * `resync:<pipe>:<tables>` for some tables, so resyncs of different tables
 * can run at once.
 */
export function resyncIdFor(pipe: string, tables?: readonly string[]): string {
  if (!tables) return resyncWorkflowId(pipe);
  const names = [...tables].sort().join(',');
  // Workflow ids are limited in length: a long list is named by its first tables and a digest.
  return `${resyncWorkflowId(pipe)}:${names.length <= 200 ? names : `${names.slice(0, 120)}…${digest(tables.slice().sort())}`}`;
}

/** The pipe's configuration with a resync's changes applied (validated again). */
export function applyResyncOptions(config: PipeConfig, options: ResyncOptions): PipeConfig {
  const known = new Set(config.tables.map((t) => t.name));
  for (const table of [...Object.keys(options.orderBy ?? {}), ...(options.tables ?? [])]) {
    if (!known.has(table)) throw new PipeConfigError([`pipe ${config.name} has no table "${table}"`]);
  }
  for (const table of Object.keys(options.orderBy ?? {})) {
    if (options.tables && !options.tables.includes(table)) {
      throw new PipeConfigError([`orderBy: table "${table}" is not among the tables this resync reloads`]);
    }
  }
  return parsePipeConfig({
    ...config,
    tables: config.tables.map((t) => (options.orderBy?.[t.name] ? { ...t, orderBy: options.orderBy[t.name] } : t)),
    settings: { ...config.settings, ...(options.maxRowsPerSecond ? { maxRowsPerSecond: options.maxRowsPerSecond } : {}) },
  });
}
