import { z } from 'zod';
import { PipeConfigError } from './errors.js';

/**
 * The pipe configuration, as users write it (JSON or YAML) and as it travels
 * through Temporal. It never holds a password: `source.passwordSecret` names a
 * secret that the worker resolves from its own environment.
 */

/** Defaults follow ClickPipes for MySQL. */
export const DEFAULT_SETTINGS = {
  syncIntervalSeconds: 60,
  pullBatchSize: 100_000,
  snapshotRowsPerPartition: 100_000,
  snapshotParallelThreads: 4,
  snapshotTablesInParallel: 1,
  loadMode: 'auto',
  schemaChanges: { dropColumns: 'keep', truncate: 'apply', autoResync: false },
  validateBeforeSwap: true,
} as const;

/** ClickHouse's own databases: tables created there vanish or are refused. */
const RESERVED_DATABASES = new Set(['system', 'information_schema']);

const columnName = z.string().min(1, 'must not be empty').max(64, 'is longer than 64 characters');

const tableObject = z
  .object({
    name: z.string().min(1, 'must not be empty').max(64, 'is longer than 64 characters'),
    /** Sorting key of the ClickHouse table; defaults to the source primary key. */
    orderBy: z.array(columnName).min(1, 'must name at least one column').optional(),
    /** Columns that identify a row when the source table has no primary key. */
    key: z.array(columnName).min(1, 'must name at least one column').optional(),
    excludeColumns: z.array(columnName).default([]),
    /**
     * Replicate a table that foreign keys change by cascade (ON DELETE/UPDATE
     * CASCADE, SET NULL, SET DEFAULT), accepting that those changes never
     * reach ClickHouse: the source does not write them to the binlog.
     */
    acceptMissingCascades: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict();

const tableEntry = z
  .union([z.string().min(1, 'must not be empty'), tableObject])
  .transform((t) => (typeof t === 'string' ? { name: t, excludeColumns: [] as string[] } : t));

const intSetting = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

export const pipeConfigSchema = z
  .object({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/,
        'must start with a letter or digit and use only letters, digits, _ . - (at most 100)',
      ),
    source: z
      .object({
        host: z.string().min(1, 'must not be empty').default('127.0.0.1'),
        port: intSetting(1, 65535).default(3306),
        user: z.string().min(1, 'must not be empty'),
        database: z.string().min(1, 'must not be empty').max(64, 'is longer than 64 characters'),
        /** Name of the secret holding the password; resolved by the worker. */
        passwordSecret: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must use only letters, digits, _ . -')
          .optional(),
        /**
         * host:port at which ClickHouse reaches the source, for the pull load
         * mode, when it differs from the worker's view (e.g. another network).
         */
        addressForClickHouse: z
          .string()
          .regex(/^[A-Za-z0-9_.:[\]-]+:\d{1,5}$/, 'must be host:port')
          .optional(),
        /**
         * TLS to the source: true (verified against the system's CAs), or
         * a CA file (PEM, read by the worker) and whether to verify.
         */
        tls: z
          .union([
            z.boolean({ error: 'must be true, false or {caFile, rejectUnauthorized}' }),
            z
              .object({
                caFile: z.string().min(1, 'must not be empty').optional(),
                rejectUnauthorized: z.boolean({ error: 'must be true or false' }).default(true),
              })
              .strict(),
          ])
          .optional(),
        /** A distinct replication client id; derived from the pipe name when absent. */
        serverId: intSetting(2, 4_294_967_295).optional(),
      })
      .strict(),
    destination: z
      .object({
        database: z
          .string()
          .min(1, 'must not be empty')
          .max(200, 'is longer than 200 characters')
          .refine((db) => !RESERVED_DATABASES.has(db.toLowerCase()), {
            message: "is one of ClickHouse's own databases (system, information_schema): choose a database of your own",
          }),
      })
      .strict(),
    tables: z.array(tableEntry).min(1, 'must list at least one table'),
    settings: z
      .object({
        syncIntervalSeconds: intSetting(1, 86_400).default(DEFAULT_SETTINGS.syncIntervalSeconds),
        pullBatchSize: intSetting(1, 10_000_000).default(DEFAULT_SETTINGS.pullBatchSize),
        snapshotRowsPerPartition: intSetting(1, 100_000_000).default(
          DEFAULT_SETTINGS.snapshotRowsPerPartition,
        ),
        snapshotParallelThreads: intSetting(1, 64).default(DEFAULT_SETTINGS.snapshotParallelThreads),
        snapshotTablesInParallel: intSetting(1, 64).default(DEFAULT_SETTINGS.snapshotTablesInParallel),
        /**
         * How the initial load and resync move rows: 'stream' reads them in
         * the worker and writes them to ClickHouse; 'pull' has ClickHouse read
         * each chunk from the source itself (mysql() table function) where
         * every value converts exactly; 'auto' pulls where that works and
         * ClickHouse reaches the source, and streams the rest.
         */
        loadMode: z.enum(['auto', 'stream', 'pull'], { error: "must be 'auto', 'stream' or 'pull'" }).default(DEFAULT_SETTINGS.loadMode),
        /** Caps the rows per second an initial load or resync reads from the source. */
        maxRowsPerSecond: intSetting(1, 1_000_000_000).optional(),
        /** How the pipe follows schema changes at the source (README, "Schema changes"). */
        schemaChanges: z
          .object({
            /** A column dropped at the source: kept in ClickHouse (NULL or zero from then on), or dropped there too. */
            dropColumns: z.enum(['keep', 'drop'], { error: "must be 'keep' or 'drop'" }).default(DEFAULT_SETTINGS.schemaChanges.dropColumns),
            /** TRUNCATE at the source: every live row written as deleted ('apply'), or nothing done ('ignore'). */
            truncate: z.enum(['apply', 'ignore'], { error: "must be 'apply' or 'ignore'" }).default(DEFAULT_SETTINGS.schemaChanges.truncate),
            /** A change the pipe cannot follow starts a resync of that table by itself (else it waits as NeedsResync). */
            autoResync: z.boolean({ error: 'must be true or false' }).default(DEFAULT_SETTINGS.schemaChanges.autoResync),
          })
          .strict()
          .prefault({}),
        /** An online resync compares each `_resync` table with the source before its swap (README, "Validation"). */
        validateBeforeSwap: z.boolean({ error: 'must be true or false' }).default(DEFAULT_SETTINGS.validateBeforeSwap),
      })
      .strict()
      .prefault({}),
    cdc: z.boolean({ error: 'must be true or false' }).default(true),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.tables.forEach((t, i) => {
      if (seen.has(t.name)) {
        ctx.addIssue({ code: 'custom', path: ['tables', i, 'name'], message: `lists "${t.name}" twice` });
      }
      seen.add(t.name);
      const excluded = new Set(t.excludeColumns);
      for (const [field, cols] of [
        ['orderBy', t.orderBy],
        ['key', t.key],
      ] as const) {
        const twice = cols?.find((c, j) => cols.indexOf(c) !== j);
        if (twice !== undefined) ctx.addIssue({ code: 'custom', path: ['tables', i, field], message: `lists column "${twice}" twice` });
        for (const c of cols ?? []) {
          if (excluded.has(c)) {
            ctx.addIssue({
              code: 'custom',
              path: ['tables', i, field],
              message: `uses column "${c}", which excludeColumns removes`,
            });
          }
        }
      }
    });
  });

/** What users write: defaults may be omitted, tables may be plain names. */
export type PipeConfigInput = z.input<typeof pipeConfigSchema>;
/** What the system works with: every default filled in. */
export type PipeConfig = z.output<typeof pipeConfigSchema>;
export type TableConfig = PipeConfig['tables'][number];
export type PipeSettings = PipeConfig['settings'];
export type SourceConfig = PipeConfig['source'];
export type LoadMode = PipeSettings['loadMode'];

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/**
 * The issues to show: a table entry is a name or an object, and a bad
 * object is best explained by the object's own issues, not "invalid input".
 */
function flattenIssues(issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union') return [issue];
    const objectBranch = issue.errors.find((branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0));
    if (!objectBranch) return [issue];
    return flattenIssues(objectBranch.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as z.core.$ZodIssue));
  });
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const field = path.replace(/^\./, '') || '(config)';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    if (keys.includes('password')) {
      return `${field}.password: passwords do not belong in a pipe configuration; set source.passwordSecret and give the worker the secret (see README, "Secrets")`;
    }
    return `${field}: unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
    return `${field}: is required`;
  }
  return `${field}: ${issue.message}`;
}

/** Validates and fills defaults; throws PipeConfigError naming every bad field. */
export function parsePipeConfig(input: unknown): PipeConfig {
  const result = pipeConfigSchema.safeParse(input);
  if (!result.success) {
    throw new PipeConfigError(flattenIssues(result.error.issues).map((i) => describeIssue(i, input)));
  }
  return result.data;
}

/** A stable replication client id for the pipe's binlog reader. */
export function binlogServerId(pipe: string, configured?: number): number {
  if (configured !== undefined) return configured;
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(pipe, 'utf8')) {
    h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  }
  // Keep clear of small ids that real replicas tend to use.
  return 100_000 + (h % 2_000_000_000);
}
