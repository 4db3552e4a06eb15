/**
 * What a statement in the binlog (a Query event) does to the replicated
 * tables. Row changes arrive as row events; a Query event that touches a
 * replicated table changes it in a way those events do not show (TRUNCATE,
 * a partition dropped, a table renamed or dropped) or, in STATEMENT format,
 * changes rows without row events at all. A small lexer is enough: only the
 * statement's kind and the tables it names matter, and quoting, comments and
 * strings must not fool it.
 */

export type StatementEffect =
  /** Rows left or entered the table without row events (TRUNCATE, partitions, tablespace import). */
  | 'rows-replaced'
  /** The table is gone under its name (DROP, RENAME, CREATE OR REPLACE). */
  | 'table-replaced'
  /** The table's definition changed (ALTER TABLE); its next row events show the new shape. */
  | 'altered'
  /** Rows written by a statement (STATEMENT or MIXED format), not row events. */
  | 'rows-by-statement';

export interface StatementTouch {
  table: string;
  effect: StatementEffect;
  /** A short account of the statement, for the user. */
  summary: string;
}

interface Token {
  kind: 'word' | 'ident' | 'string' | 'punct';
  text: string;
}

/** Splits SQL into words, identifiers (backticks removed), strings and punctuation; comments dropped (executable `/*!…*\/` ones kept). */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-' && /[\s]/.test(sql[i + 2] ?? ' '))) {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      // /*!50100 … */ and /*M!100100 … */ hold SQL the server runs: keep their content.
      const m = /^\/\*M?!\d*/.exec(sql.slice(i, i + 12));
      if (m) {
        i += m[0].length;
      } else {
        const end = sql.indexOf('*/', i + 2);
        i = end < 0 ? sql.length : end + 2;
      }
    } else if (c === '*' && sql[i + 1] === '/') {
      i += 2;
    } else if (c === '`') {
      let text = '';
      i++;
      while (i < sql.length) {
        if (sql[i] === '`' && sql[i + 1] === '`') {
          text += '`';
          i += 2;
        } else if (sql[i] === '`') {
          i++;
          break;
        } else {
          text += sql[i++];
        }
      }
      tokens.push({ kind: 'ident', text });
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      // A quote doubled inside ('it''s') does not end the string.
      while (j < sql.length && (sql[j] !== c || sql[j + 1] === c)) j += sql[j] === '\\' || sql[j] === c ? 2 : 1;
      tokens.push({ kind: 'string', text: sql.slice(i, j + 1) });
      i = j + 1;
    } else if (/[A-Za-z0-9_$\u0080-\uffff]/.test(c)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j]!)) j++;
      tokens.push({ kind: 'word', text: sql.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return tokens;
}

const upper = (t: Token | undefined) => (t?.kind === 'word' ? t.text.toUpperCase() : '');

/**
 * The replicated tables (of `database`) that a statement touches, and how.
 * `schema` is the statement's default database (the session's, from the
 * Query event); `tables` the replicated tables' names.
 */
export function touchedTables(sql: string, schema: string, database: string, tables: ReadonlySet<string>): StatementTouch[] {
  const t = tokenize(sql);
  const words = t.map(upper);
  const first = words[0] ?? '';
  const summary = sql.replace(/\s+/g, ' ').trim().slice(0, 120);

  /** Table names at token positions, resolved against the default database. */
  const nameAt = (k: number): { name: string; next: number } | null => {
    const a = t[k];
    if (!a || (a.kind !== 'word' && a.kind !== 'ident')) return null;
    if (t[k + 1]?.text === '.' && t[k + 2] && (t[k + 2]!.kind === 'word' || t[k + 2]!.kind === 'ident')) {
      return a.text === database ? { name: t[k + 2]!.text, next: k + 3 } : { name: '', next: k + 3 };
    }
    return schema === database ? { name: a.text, next: k + 1 } : { name: '', next: k + 1 };
  };
  const ours = (n: { name: string } | null) => (n && tables.has(n.name) ? n.name : null);
  const touch = (table: string | null, effect: StatementEffect): StatementTouch[] => (table ? [{ table, effect, summary }] : []);

  if (first === 'TRUNCATE') return touch(ours(nameAt(words[1] === 'TABLE' ? 2 : 1)), 'rows-replaced');

  if (first === 'DROP' && (words[1] === 'TABLE' || (words[1] === 'TEMPORARY' && words[2] === 'TABLE'))) {
    if (words[1] === 'TEMPORARY') return [];
    let k = words[2] === 'IF' ? 4 : 2;
    const out: StatementTouch[] = [];
    while (k < t.length) {
      const n = nameAt(k);
      if (!n) break;
      out.push(...touch(ours(n), 'table-replaced'));
      if (t[n.next]?.text !== ',') break;
      k = n.next + 1;
    }
    return out;
  }

  if (first === 'DROP' && (words[1] === 'DATABASE' || words[1] === 'SCHEMA')) {
    const n = t[words[2] === 'IF' ? 4 : 2];
    return n?.text === database ? [...tables].map((table) => ({ table, effect: 'table-replaced' as const, summary })) : [];
  }

  if (first === 'RENAME' && words[1] === 'TABLE') {
    // RENAME TABLE a TO b, c TO d: a table renamed away, or another renamed into a replicated name.
    const out: StatementTouch[] = [];
    let k = 2;
    while (k < t.length) {
      const from = nameAt(k);
      if (!from || upper(t[from.next]) !== 'TO') break;
      const to = nameAt(from.next + 1);
      if (!to) break;
      out.push(...touch(ours(from), 'table-replaced'), ...touch(ours(to), 'table-replaced'));
      if (t[to.next]?.text !== ',') break;
      k = to.next + 1;
    }
    return out;
  }

  if (first === 'CREATE') {
    // CREATE OR REPLACE TABLE t replaces t; CREATE TABLE t after a DROP is covered by the DROP.
    const k = words.indexOf('TABLE');
    if (words[1] === 'OR' && words[2] === 'REPLACE' && k > 0) return touch(ours(nameAt(k + 1)), 'table-replaced');
    return [];
  }

  if (first === 'ALTER') {
    const k = words.indexOf('TABLE');
    if (k < 0 || k > 3) return [];
    const target = nameAt(words[k + 1] === 'IF' ? k + 3 : k + 1);
    const table = ours(target);
    // MariaDB's WAIT n / NOWAIT sit between the name and the clauses.
    let from = target?.next ?? k + 2;
    if (words[from] === 'WAIT') from += 2;
    else if (words[from] === 'NOWAIT') from += 1;
    const rest = words.slice(from);
    const has = (...seq: string[]) => rest.some((_, i) => seq.every((w, j) => rest[i + j] === w));
    const out: StatementTouch[] = [];
    if (has('EXCHANGE', 'PARTITION')) {
      // ALTER TABLE t EXCHANGE PARTITION p WITH TABLE u: both change.
      const w = words.lastIndexOf('TABLE');
      if (w > k) out.push(...touch(ours(nameAt(w + 1)), 'rows-replaced'));
    }
    if (has('CONVERT', 'TABLE')) {
      const w = words.lastIndexOf('TABLE');
      if (w > k) out.push(...touch(ours(nameAt(w + 1)), 'table-replaced'));
    }
    if (!table) return out;
    // RENAME [TO|AS] new as any clause (not RENAME COLUMN/INDEX/KEY).
    const renamed = rest.some((w, i) => w === 'RENAME' && (i === 0 || t[from + i - 1]?.text === ',') && !['COLUMN', 'INDEX', 'KEY'].includes(rest[i + 1] ?? ''));
    if (renamed) return [...out, ...touch(table, 'table-replaced')];
    // ALTER IGNORE TABLE … ADD UNIQUE deletes duplicate rows without row events.
    if (words.slice(1, k).includes('IGNORE')) return [...out, ...touch(table, 'rows-replaced')];
    const replacing = ['TRUNCATE PARTITION', 'DROP PARTITION', 'EXCHANGE PARTITION', 'IMPORT TABLESPACE', 'IMPORT PARTITION', 'CONVERT PARTITION', 'CONVERT TABLE'];
    if (replacing.some((p) => has(...p.split(' ')))) return [...out, ...touch(table, 'rows-replaced')];
    return [...out, ...touch(table, 'altered')];
  }

  if (['INSERT', 'REPLACE', 'UPDATE', 'DELETE', 'LOAD'].includes(first)) {
    // Any replicated table the statement names (multi-table forms included).
    const named = new Set<string>();
    for (let k = 0; k < t.length; k++) {
      if (t[k]!.kind !== 'word' && t[k]!.kind !== 'ident') continue;
      if (t[k - 1]?.text === '.') continue;
      const n = ours(nameAt(k));
      if (n) named.add(n);
    }
    return [...named].map((table) => ({ table, effect: 'rows-by-statement' as const, summary }));
  }
  return [];
}
