import type { KeyDifference, TableValidation } from '../pipe/validation.js';

/** Differences shown per table in the text output (all of them with --json). */
const SHOWN = 20;

const key = (d: KeyDifference) => (d.key.length === 1 ? JSON.stringify(d.key[0]) : JSON.stringify(d.key));

function difference(d: KeyDifference): string {
  if (d.kind === 'missing') return `${key(d)} missing in ClickHouse`;
  if (d.kind === 'extra') return `${key(d)} in ClickHouse, not at the source`;
  return `${key(d)} differs${d.columns?.length ? ` in ${d.columns.join(', ')}` : ''}`;
}

/** One table's validation, as pipectl validate and status print it. */
export function formatValidation(table: string, v: TableValidation): string {
  if (v.skipped) return `${table}: not validated: ${v.skipped}`;
  const repaired = v.repairedKeys !== undefined ? `, ${v.repairedKeys} keys repaired` : '';
  const head = `${table}: ${v.rowsCompared} rows in ${v.parts} parts compared${repaired}`;
  if (v.differingKeys === 0) return `${head}: equal to the source`;
  const lines = v.differences.slice(0, SHOWN).map((d) => `  ${difference(d)}`);
  const more = v.differingKeys - Math.min(SHOWN, v.differences.length);
  return [`${head}: ${v.differingKeys} keys differ`, ...lines, ...(more > 0 ? [`  … and ${more} more`] : [])].join('\n');
}
