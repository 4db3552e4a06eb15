import { z } from 'zod';
import { parsePipeConfig, PipeConfigError, type PipeConfig } from './config.js';

/**
 * What a resync request may carry besides the pipe's name: a new ORDER BY
 * per table and a cap on the load it puts on the source. Everything else is
 * the pipe's own configuration, kept as it is.
 */
export const resyncRequestSchema = z
  .object({
    pipe: z.string().min(1, 'must name the pipe to resync'),
    orderBy: z
      .record(z.string().min(1), z.array(z.string().min(1)).min(1, 'must name at least one column'))
      .optional(),
    maxRowsPerSecond: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  })
  .strict();

export type ResyncRequest = z.input<typeof resyncRequestSchema>;
export type ResyncOptions = Omit<ResyncRequest, 'pipe'>;

export function parseResyncRequest(input: unknown): z.output<typeof resyncRequestSchema> {
  const r = resyncRequestSchema.safeParse(input);
  if (!r.success) {
    throw new PipeConfigError(r.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`));
  }
  return r.data;
}

/** The pipe's configuration with a resync's changes applied (validated again). */
export function applyResyncOptions(config: PipeConfig, options: ResyncOptions): PipeConfig {
  const known = new Set(config.tables.map((t) => t.name));
  for (const table of Object.keys(options.orderBy ?? {})) {
    if (!known.has(table)) throw new PipeConfigError([`orderBy: pipe ${config.name} has no table "${table}"`]);
  }
  return parsePipeConfig({
    ...config,
    tables: config.tables.map((t) => (options.orderBy?.[t.name] ? { ...t, orderBy: options.orderBy[t.name] } : t)),
    settings: { ...config.settings, ...(options.maxRowsPerSecond ? { maxRowsPerSecond: options.maxRowsPerSecond } : {}) },
  });
}
