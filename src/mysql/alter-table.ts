import { tokenize } from './statement-tables.js';

/**
 * What an `ALTER TABLE` does to a table's columns, read from the statement
 * the binlog carries: columns added (with where), dropped, renamed,
 * redefined; a primary key changed. Types and defaults are not parsed here:
 * the source's own definition gives them (see schema-change.ts).
 */
export type AlterOp =
  /** `default`: what the clause gave the rows already there (absent: no DEFAULT clause). */
  | { op: 'add'; column: string; first?: boolean; after?: string; default?: ClauseDefault }
  | { op: 'drop'; column: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'modify'; column: string; to: string; first?: boolean; after?: string }
  | { op: 'primary-key' }
  /** Rows keep their values: indexes, options, defaults, comments. */
  | { op: 'none' };

/** A DEFAULT clause: a literal's text (strings unquoted), NULL, or anything else (an expression). */
export type ClauseDefault = { literal: string } | { null: true } | { expression: true };

type Token = ReturnType<typeof tokenize>[number];

const word = (t: Token | undefined) => (t?.kind === 'word' ? t.text.toUpperCase() : '');
const name = (t: Token | undefined) => (t && (t.kind === 'word' || t.kind === 'ident') ? t.text : null);

/** What follows ADD / DROP that is not a column. */
const NOT_COLUMNS = new Set(['INDEX', 'KEY', 'FULLTEXT', 'SPATIAL', 'CONSTRAINT', 'UNIQUE', 'FOREIGN', 'PARTITION', 'PERIOD', 'SYSTEM', 'CHECK']);

/** Splits the clauses after `ALTER TABLE t` at top-level commas. */
function clauses(tokens: Token[]): Token[][] {
  const out: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    if (t.text === ',' && depth === 0) out.push([]);
    else out[out.length - 1]!.push(t);
  }
  return out.filter((c) => c.length > 0);
}

/** FIRST or AFTER x at the end of a column clause. */
function position(c: Token[]): { first?: boolean; after?: string } {
  const i = c.findIndex((t) => word(t) === 'FIRST' || word(t) === 'AFTER');
  if (i < 0) return {};
  return word(c[i]) === 'FIRST' ? { first: true } : { after: name(c[i + 1]) ?? undefined };
}

/** The DEFAULT of a column definition, read from its tokens (top level only). */
function clauseDefault(c: Token[]): ClauseDefault | undefined {
  let depth = 0;
  for (let i = 0; i < c.length; i++) {
    if (c[i]!.text === '(') depth++;
    else if (c[i]!.text === ')') depth--;
    if (depth !== 0 || word(c[i]) !== 'DEFAULT') continue;
    const [a, b] = [c[i + 1], c[i + 2]];
    const ends = (t: Token | undefined) => !t || t.text === ',' || t.text === ')' || (t.kind === 'word' && /^[A-Z_]+$/i.test(t.text) && !/^\d/.test(t.text));
    if (word(a) === 'NULL' && ends(b)) return { null: true };
    if (a?.kind === 'string' && a.text.startsWith("'") && ends(b)) return { literal: unquote(a.text) };
    // A number: the lexer splits "-1.5" into "-", "1", ".", "5".
    let j = i + 1;
    let text = '';
    if (c[j]?.text === '-') text += c[j++]!.text;
    if (c[j]?.kind === 'word' && /^\d/.test(c[j]!.text)) text += c[j++]!.text;
    if (c[j]?.text === '.' && c[j + 1]?.kind === 'word' && /^\d/.test(c[j + 1]!.text)) text += c[j++]!.text + c[j++]!.text;
    if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(text) && ends(c[j])) return { literal: text };
    return { expression: true };
  }
  return undefined;
}

/** A single-quoted SQL string's value ('' and backslash escapes). */
function unquote(text: string): string {
  return text.slice(1, -1).replace(/''|\\(.)/g, (m, ch: string | undefined) => (m === "''" ? "'" : ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[ch!] ?? ch!));
}

/** Skips IF EXISTS / IF NOT EXISTS. */
function skipIf(c: Token[], k: number): number {
  if (word(c[k]) !== 'IF') return k;
  return word(c[k + 1]) === 'NOT' ? k + 3 : k + 2;
}

function parseClause(c: Token[]): AlterOp[] {
  const w0 = word(c[0]);
  if (w0 === 'ADD') {
    if (word(c[1]) === 'PRIMARY') return [{ op: 'primary-key' }];
    if (NOT_COLUMNS.has(word(c[1]))) return [{ op: 'none' }];
    let k = skipIf(c, word(c[1]) === 'COLUMN' ? 2 : 1);
    if (c[k]?.text === '(') {
      // ADD COLUMN (a INT, b INT): each definition starts after "(" or a top-level ",".
      const definitions: Token[][] = [[]];
      let depth = 0;
      for (k++; k < c.length; k++) {
        const t = c[k]!;
        if (t.text === '(') depth++;
        else if (t.text === ')') depth--;
        if (depth < 0) break;
        if (depth === 0 && t.text === ',') definitions.push([]);
        else definitions[definitions.length - 1]!.push(t);
      }
      return definitions.flatMap((d): AlterOp[] => {
        const column = name(d[0]);
        const dflt = clauseDefault(d);
        return column && !NOT_COLUMNS.has(word(d[0])) ? [{ op: 'add', column, ...(dflt ? { default: dflt } : {}) }] : [];
      });
    }
    const column = name(c[k]);
    const dflt = clauseDefault(c.slice(k + 1));
    return column ? [{ op: 'add', column, ...position(c), ...(dflt ? { default: dflt } : {}) }] : [{ op: 'none' }];
  }
  if (w0 === 'DROP') {
    if (word(c[1]) === 'PRIMARY') return [{ op: 'primary-key' }];
    if (NOT_COLUMNS.has(word(c[1]))) return [{ op: 'none' }];
    const column = name(c[skipIf(c, word(c[1]) === 'COLUMN' ? 2 : 1)]);
    return column ? [{ op: 'drop', column }] : [{ op: 'none' }];
  }
  if (w0 === 'MODIFY') {
    const column = name(c[skipIf(c, word(c[1]) === 'COLUMN' ? 2 : 1)]);
    return column ? [{ op: 'modify', column, to: column, ...position(c) }] : [{ op: 'none' }];
  }
  if (w0 === 'CHANGE') {
    const k = skipIf(c, word(c[1]) === 'COLUMN' ? 2 : 1);
    const from = name(c[k]);
    const to = name(c[k + 1]);
    return from && to ? [{ op: 'modify', column: from, to, ...position(c) }] : [{ op: 'none' }];
  }
  if (w0 === 'RENAME' && word(c[1]) === 'COLUMN') {
    const k = skipIf(c, 2);
    const from = name(c[k]);
    const to = name(c[k + 2]);
    return from && to ? [{ op: 'rename', from, to }] : [{ op: 'none' }];
  }
  return [{ op: 'none' }];
}

/** The column operations of an ALTER TABLE statement, in order (null when it is not one). */
export function parseAlterTable(sql: string): AlterOp[] | null {
  const t = tokenize(sql);
  const k = t.findIndex((x) => word(x) === 'TABLE');
  if (word(t[0]) !== 'ALTER' || k < 0 || k > 3) return null;
  // The table's name: `t`, or `db`.`t`, after an optional IF EXISTS.
  let start = skipIf(t, k + 1) + 1;
  if (t[start]?.text === '.') start += 2;
  if (word(t[start]) === 'WAIT') start += 2;
  else if (word(t[start]) === 'NOWAIT') start += 1;
  return clauses(t.slice(start)).flatMap(parseClause);
}
