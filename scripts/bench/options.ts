import { Command, InvalidArgumentError, Option } from 'commander';

/** The sections of a run, in the order they run; `--skip` names them. */
export const SECTIONS = ['initial-load', 'validate', 'pull-load', 'auto-load', 'resync', 'crash', 'online-resync', 'cdc-burst', 'cdc-lag', 'memory', 'rate-limit', 'many-tables'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  rows: number;
  cdcChanges: number;
  memorySizes: number[];
  rate: number;
  /** Seconds of the paced CDC writer behind cdcLagSeconds. */
  lagSeconds: number;
  /** Changes per second of that writer. */
  lagRate: number;
  /** Loads of each of the pull and auto modes, each between two native copies; the best one counts. */
  loadTries: number;
  /** Tables of the many-tables section. */
  manyTables: number;
  json: boolean;
  skip: Set<Section>;
}

function positiveInt(value: string): number {
  const n = Number(value.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number above 0');
  return n;
}

function sizeList(value: string): number[] {
  const sizes = value.split(',').map((s) => positiveInt(s.trim()));
  if (sizes.length < 2) throw new InvalidArgumentError('must name at least two sizes, e.g. 1000000,4000000');
  return sizes;
}

function sectionList(value: string): Section[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(SECTIONS as readonly string[]).includes(n)) {
      throw new InvalidArgumentError(`unknown section "${n}" (sections: ${SECTIONS.join(', ')})`);
    }
  }
  return names as Section[];
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const program = new Command('bench')
    .description(
      'Measures the pipe on a local stack of its own (MariaDB with a binlog, Temporal, the worker program with ' +
        'the embedded ClickHouse engine) and prints each figure against its target.',
    )
    .option('--rows <n>', 'rows of the main source table', positiveInt, 2_000_000)
    .option('--cdc-changes <n>', 'row changes of the CDC burst', positiveInt, 500_000)
    .option('--memory-sizes <a,b>', 'table sizes whose initial loads are compared for peak RSS', sizeList, [1_000_000, 4_000_000])
    .option('--rate <n>', 'maxRowsPerSecond of the rate-limited load', positiveInt, 50_000)
    .option('--lag-seconds <n>', 'duration of the paced CDC writer', positiveInt, 30)
    .option('--lag-rate <n>', 'changes per second of the paced CDC writer', positiveInt, 5_000)
    .option('--load-tries <n>', 'loads of the pull and auto modes each, a native copy after every one (the best load against its neighbours counts)', positiveInt, 2)
    .option('--many-tables <n>', 'tables of the many-tables section (3 of 100,000 rows, the rest of 1,000)', positiveInt, 300)
    .option('--json', 'print one JSON object on stdout (progress goes to stderr)', false)
    .addOption(
      new Option('--skip <list>', `sections to leave out, comma-separated: ${SECTIONS.join(', ')}`)
        .argParser(sectionList)
        .default([] as Section[]),
    )
    .allowExcessArguments(false);
  program.parse(argv);
  const o = program.opts<Omit<BenchOptions, 'skip'> & { skip: Section[] }>();
  return { ...o, skip: new Set(o.skip) };
}
